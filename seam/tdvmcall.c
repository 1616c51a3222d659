/* TDVMCALL decoding and answers (tdvmcall.h; tdx-abi.md §6.6-§6.7, §7.2).
 *
 * Sources of the status choices, cited at each check:
 *   KVM   arch/x86/kvm/vmx/tdx.c (tdx_emulate_io, tdx_emulate_mmio,
 *         tdx_map_gpa, tdx_get_td_vm_call_info, tdx_get_quote,
 *         handle_tdvmcall), including the posted revisions of
 *         tdx_get_quote and tdx_setup_event_notify_interrupt;
 *   QEMU  target/i386/kvm/tdx.c (tdx_handle_get_quote,
 *         tdx_handle_setup_event_notify_interrupt,
 *         tdx_handle_report_fatal_error);
 *   own   stricter than both, where the GHCI operand has a fixed width or
 *         range the hosts only truncate to. */
#include <string.h>
#include "seam/tdvmcall.h"

/* GPR bitmap bit i <-> register i (§6.6). */
enum { GPR_RDX = 2, GPR_RBX = 3, GPR_RSI = 6, GPR_RDI = 7, GPR_R8 = 8, GPR_R9 = 9,
       GPR_R10 = 10, GPR_R11 = 11, GPR_R12 = 12, GPR_R13 = 13, GPR_R14 = 14,
       GPR_R15 = 15 };

#define PAGE_MASK	0xfffull

static uint64_t gpr(const struct tdx_regs *r, unsigned i)
{
	switch (i) {
	case GPR_RDX: return r->rdx;
	case GPR_RBX: return r->rbx;
	case GPR_RSI: return r->rsi;
	case GPR_RDI: return r->rdi;
	case GPR_R8: return r->r8;
	case GPR_R9: return r->r9;
	case GPR_R10: return r->r10;
	case GPR_R11: return r->r11;
	case GPR_R12: return r->r12;
	case GPR_R13: return r->r13;
	case GPR_R14: return r->r14;
	case GPR_R15: return r->r15;
	default: return 0;
	}
}

static bool selected(const struct tdvmcall_req *q, unsigned i)
{
	return (q->gprs >> i) & 1;
}

/* The first failed check decides the status. */
static void fail(struct tdvmcall_req *q, uint64_t status, const char *why)
{
	if (!q->status) {
		q->status = status;
		q->why = why;
	}
}

/* An operand: its register if selected, else 0 and INVALID_OPERAND. */
static uint64_t arg(struct tdvmcall_req *q, const struct tdx_regs *r, unsigned i,
		    const char *why)
{
	if (selected(q, i))
		return gpr(r, i);
	fail(q, TDVMCALL_INVALID_OPERAND, why);
	return 0;
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static bool shared_bit_usable(unsigned sb)
{
	return sb >= 12 && sb <= 62;
}

/* [gpa, gpa + size) is non-empty, does not wrap and lies below 2^GPAW,
 * GPAW = shared bit + 1 (§6.4; KVM kvm_vcpu_is_legal_gpa). */
static bool gpa_range_ok(uint64_t gpa, uint64_t size, unsigned sb)
{
	uint64_t last = gpa + size - 1;

	return shared_bit_usable(sb) && size && last >= gpa && !(last >> (sb + 1));
}

static bool is_shared(uint64_t gpa, unsigned sb)
{
	return (gpa >> sb) & 1;
}

static uint64_t strip_shared(uint64_t gpa, unsigned sb)
{
	return shared_bit_usable(sb) ? gpa & ~(1ull << sb) : gpa;
}

static void decode_io(struct tdvmcall_req *q, const struct tdx_regs *r)
{
	uint64_t size = arg(q, r, GPR_R12, "IO size (R12) not selected");
	uint64_t dir = arg(q, r, GPR_R13, "IO direction (R13) not selected");
	uint64_t port = arg(q, r, GPR_R14, "IO port (R14) not selected");
	uint64_t data = dir == 1 ? arg(q, r, GPR_R15, "IO data (R15) not selected") : 0;

	/* KVM tdx_emulate_io */
	if (size != 1 && size != 2 && size != 4)
		fail(q, TDVMCALL_INVALID_OPERAND, "IO size not 1, 2 or 4");
	else
		q->u.io.size = (uint8_t)size;
	if (dir > 1)
		fail(q, TDVMCALL_INVALID_OPERAND, "IO direction not 0 or 1");
	q->u.io.out = dir == 1;
	/* own: KVM truncates the port to an unsigned int */
	if (port > 0xffff)
		fail(q, TDVMCALL_INVALID_OPERAND, "IO port above 0xffff");
	q->u.io.port = (uint16_t)port;
	q->u.io.data = (uint32_t)(data & size_mask(q->u.io.size));
}

static void decode_mmio(struct tdvmcall_req *q, const struct tdx_regs *r, unsigned sb)
{
	uint64_t size = arg(q, r, GPR_R12, "MMIO size (R12) not selected");
	uint64_t dir = arg(q, r, GPR_R13, "MMIO direction (R13) not selected");
	uint64_t gpa = arg(q, r, GPR_R14, "MMIO GPA (R14) not selected");
	uint64_t value = dir == 1 ? arg(q, r, GPR_R15, "MMIO value (R15) not selected") : 0;

	/* KVM tdx_emulate_mmio: size, direction, both ends shared */
	if (size != 1 && size != 2 && size != 4 && size != 8)
		fail(q, TDVMCALL_INVALID_OPERAND, "MMIO size not 1, 2, 4 or 8");
	else
		q->u.mmio.size = (uint8_t)size;
	if (dir > 1)
		fail(q, TDVMCALL_INVALID_OPERAND, "MMIO direction not 0 or 1");
	q->u.mmio.write = dir == 1;
	q->u.mmio.gpa = gpa;
	q->u.mmio.addr = strip_shared(gpa, sb);
	q->u.mmio.value = value & size_mask(q->u.mmio.size);
	if (q->u.mmio.size) {
		/* own: KVM does not check GPAW or wrap-around here */
		if (!gpa_range_ok(gpa, size, sb))
			fail(q, TDVMCALL_INVALID_OPERAND, "MMIO GPA outside the GPA width");
		else if (!is_shared(gpa, sb) || !is_shared(gpa + size - 1, sb))
			fail(q, TDVMCALL_INVALID_OPERAND, "MMIO GPA not shared");
	}
}

/* KVM tdx_map_gpa: range checks are INVALID_OPERAND and come first, then
 * alignment is ALIGN_ERROR. */
static void decode_mapgpa(struct tdvmcall_req *q, const struct tdx_regs *r, unsigned sb)
{
	uint64_t gpa = arg(q, r, GPR_R12, "MapGPA start (R12) not selected");
	uint64_t size = arg(q, r, GPR_R13, "MapGPA size (R13) not selected");

	q->u.mapgpa.gpa = gpa;
	q->u.mapgpa.addr = strip_shared(gpa, sb);
	q->u.mapgpa.size = size;
	if (!shared_bit_usable(sb)) {
		fail(q, TDVMCALL_INVALID_OPERAND, "no usable shared bit");
		return;
	}
	q->u.mapgpa.to_shared = is_shared(gpa, sb);
	if (!size || gpa + size < gpa)
		fail(q, TDVMCALL_INVALID_OPERAND, "MapGPA size 0 or range wraps");
	else if (!gpa_range_ok(gpa, size, sb))
		fail(q, TDVMCALL_INVALID_OPERAND, "MapGPA range outside the GPA width");
	else if (is_shared(gpa, sb) != is_shared(gpa + size - 1, sb))
		fail(q, TDVMCALL_INVALID_OPERAND, "MapGPA range crosses the shared bit");
	if ((gpa | size) & PAGE_MASK)
		fail(q, TDVMCALL_ALIGN_ERROR, "MapGPA start or size not 4 KiB aligned");
}

/* KVM tdx_get_quote (shared GPA; the posted revision also size != 0 and
 * ALIGN_ERROR for alignment), QEMU tdx_handle_get_quote (same three). */
static void decode_quote(struct tdvmcall_req *q, const struct tdx_regs *r, unsigned sb)
{
	uint64_t gpa = arg(q, r, GPR_R12, "GetQuote buffer (R12) not selected");
	uint64_t size = arg(q, r, GPR_R13, "GetQuote size (R13) not selected");

	q->u.quote.gpa = gpa;
	q->u.quote.addr = strip_shared(gpa, sb);
	q->u.quote.size = size;
	if (!size)
		fail(q, TDVMCALL_INVALID_OPERAND, "GetQuote size 0");
	else if (!gpa_range_ok(gpa, size, sb))		/* own */
		fail(q, TDVMCALL_INVALID_OPERAND, "GetQuote buffer outside the GPA width");
	else if (!is_shared(gpa, sb) || !is_shared(gpa + size - 1, sb))
		fail(q, TDVMCALL_INVALID_OPERAND, "GetQuote buffer not shared");
	if ((gpa | size) & PAGE_MASK)
		fail(q, TDVMCALL_ALIGN_ERROR, "GetQuote buffer or size not 4 KiB aligned");
}

/* LX tdx_panic sends R12 = 0 (panic) and the message registers; QEMU
 * reads R13 as a GPA only when R12 bit 63 is set. The code itself is not
 * checked: the TD ends whatever it says. */
static void decode_fatal(struct tdvmcall_req *q, const struct tdx_regs *r)
{
	q->u.fatal.code = arg(q, r, GPR_R12, "ReportFatalError code (R12) not selected");
	q->u.fatal.gpa_valid = (q->u.fatal.code & TDVMCALL_FATAL_GPA_VALID) != 0;
	if (q->u.fatal.gpa_valid)
		q->u.fatal.gpa = arg(q, r, GPR_R13, "ReportFatalError GPA (R13) not selected");
}

static void decode_standard(struct tdvmcall_req *q, const struct tdx_regs *r, unsigned sb)
{
	uint64_t v;

	switch (q->subfn) {
	case TDVMCALL_CPUID:
		/* 32-bit: LX handle_cpuid passes all of RAX/RCX, KVM
		 * tdx_emulate_cpuid truncates */
		q->kind = TDVMCALL_KIND_CPUID;
		q->u.cpuid.leaf = (uint32_t)arg(q, r, GPR_R12, "CPUID leaf (R12) not selected");
		q->u.cpuid.subleaf = (uint32_t)arg(q, r, GPR_R13, "CPUID sub-leaf (R13) not selected");
		break;
	case TDVMCALL_HLT:
		q->kind = TDVMCALL_KIND_HLT;
		q->u.hlt.irq_blocked = arg(q, r, GPR_R12, "HLT flag (R12) not selected") & 1;
		break;
	case TDVMCALL_IO:
		q->kind = TDVMCALL_KIND_IO;
		decode_io(q, r);
		break;
	case TDVMCALL_RDMSR:
		/* 32-bit index: LX read_msr passes all of RCX */
		q->kind = TDVMCALL_KIND_RDMSR;
		q->u.rdmsr.index = (uint32_t)arg(q, r, GPR_R12, "RDMSR index (R12) not selected");
		break;
	case TDVMCALL_WRMSR:
		q->kind = TDVMCALL_KIND_WRMSR;
		q->u.wrmsr.index = (uint32_t)arg(q, r, GPR_R12, "WRMSR index (R12) not selected");
		q->u.wrmsr.value = arg(q, r, GPR_R13, "WRMSR value (R13) not selected");
		break;
	case TDVMCALL_MMIO:
		q->kind = TDVMCALL_KIND_MMIO;
		decode_mmio(q, r, sb);
		break;
	case TDVMCALL_GET_TD_VM_CALL_INFO:
		/* KVM tdx_get_td_vm_call_info: leaves 0 and 1 */
		q->kind = TDVMCALL_KIND_GET_TD_VM_CALL_INFO;
		q->u.info.leaf = arg(q, r, GPR_R12, "GetTdVmCallInfo leaf (R12) not selected");
		if (q->u.info.leaf > 1)
			fail(q, TDVMCALL_INVALID_OPERAND, "GetTdVmCallInfo leaf not 0 or 1");
		break;
	case TDVMCALL_MAP_GPA:
		q->kind = TDVMCALL_KIND_MAPGPA;
		decode_mapgpa(q, r, sb);
		break;
	case TDVMCALL_GET_QUOTE:
		q->kind = TDVMCALL_KIND_GET_QUOTE;
		decode_quote(q, r, sb);
		break;
	case TDVMCALL_REPORT_FATAL_ERROR:
		q->kind = TDVMCALL_KIND_REPORT_FATAL;
		decode_fatal(q, r);
		break;
	case TDVMCALL_SETUP_EVENT_NOTIFY:
		/* QEMU tdx_handle_setup_event_notify_interrupt, KVM's posted
		 * tdx_setup_event_notify_interrupt: vectors 32..255 */
		q->kind = TDVMCALL_KIND_SETUP_EVENT_NOTIFY;
		v = arg(q, r, GPR_R12, "event notify vector (R12) not selected");
		if (v < 32 || v > 255)
			fail(q, TDVMCALL_INVALID_OPERAND, "event notify vector not 32..255");
		else
			q->u.notify.vector = (uint8_t)v;
		break;
	default:
		/* KVM handle_tdvmcall */
		q->kind = TDVMCALL_KIND_UNKNOWN;
		fail(q, TDVMCALL_SUBFUNC_UNSUPPORTED, "unknown sub-function");
		break;
	}
}

uint64_t tdvmcall_decode(const struct tdx_regs *r, unsigned shared_bit,
			 struct tdvmcall_req *req)
{
	memset(req, 0, sizeof(*req));
	req->gprs = (uint16_t)r->rcx;
	/* R10 tells standard from vendor and carries the status back, R11
	 * names the call: without them there is no call to decode (own). */
	if (!selected(req, GPR_R10) || !selected(req, GPR_R11)) {
		req->kind = TDVMCALL_KIND_UNKNOWN;
		req->subfn = selected(req, GPR_R11) ? r->r11 : 0;
		fail(req, TDVMCALL_INVALID_OPERAND, "R10 or R11 not selected");
		return req->status;
	}
	req->subfn = r->r11;
	if (r->r10) {
		/* §6.7: KVM runs these as KVM hypercalls, nr = R10 */
		req->kind = TDVMCALL_KIND_VENDOR;
		req->u.vendor.nr = r->r10;
		req->u.vendor.a0 = r->r11;
		req->u.vendor.a1 = selected(req, GPR_R12) ? r->r12 : 0;
		req->u.vendor.a2 = selected(req, GPR_R13) ? r->r13 : 0;
		req->u.vendor.a3 = selected(req, GPR_R14) ? r->r14 : 0;
		return 0;
	}
	decode_standard(req, r, shared_bit);
	return req->status;
}

void tdvmcall_reply(const struct tdvmcall_req *req, uint64_t status, uint64_t r11,
		    const uint64_t r12_r15[4], struct tdx_regs *out)
{
	static const uint64_t zero[4];
	const uint64_t *v = r12_r15 ? r12_r15 : zero;
	uint64_t m;

	out->r10 = status;
	out->r11 = r11;
	if (status != TDVMCALL_SUCCESS || req->status)
		return;
	switch (req->kind) {
	case TDVMCALL_KIND_CPUID:	/* EAX, EBX, ECX, EDX zero-extended */
	case TDVMCALL_KIND_GET_TD_VM_CALL_INFO:
		m = req->kind == TDVMCALL_KIND_CPUID ? 0xffffffffull : ~0ull;
		out->r12 = v[0] & m;
		out->r13 = v[1] & m;
		out->r14 = v[2] & m;
		out->r15 = v[3] & m;
		break;
	case TDVMCALL_KIND_IO:
		if (!req->u.io.out)
			out->r11 = r11 & size_mask(req->u.io.size);
		break;
	case TDVMCALL_KIND_MMIO:
		if (!req->u.mmio.write)
			out->r11 = r11 & size_mask(req->u.mmio.size);
		break;
	default:
		break;
	}
}

void tdvmcall_reply_status(const struct tdvmcall_req *req, struct tdx_regs *out)
{
	bool mapgpa_failed = req->kind == TDVMCALL_KIND_MAPGPA && req->status;

	tdvmcall_reply(req, req->status, mapgpa_failed ? req->u.mapgpa.gpa : 0, NULL, out);
}

bool tdvmcall_reply_mapgpa_retry(const struct tdvmcall_req *req, uint64_t done,
				 struct tdx_regs *out)
{
	if (req->kind != TDVMCALL_KIND_MAPGPA || req->status ||
	    done >= req->u.mapgpa.size || (done & PAGE_MASK))
		return false;
	out->r10 = TDVMCALL_RETRY;
	out->r11 = req->u.mapgpa.gpa + done;
	return true;
}

size_t tdvmcall_fatal_message(const struct tdx_regs *r, char *out, size_t cap)
{
	/* The GHCI order, LX tdx_panic's union */
	static const uint8_t order[TDVMCALL_FATAL_MSG_MAX / 8] = {
		GPR_R14, GPR_R15, GPR_RBX, GPR_RDI, GPR_RSI, GPR_R8, GPR_R9, GPR_RDX,
	};
	size_t n = 0;

	if (!cap)
		return 0;
	for (unsigned i = 0; i < sizeof(order); i++) {
		uint64_t v;

		if (!((r->rcx >> order[i]) & 1))
			break;
		v = gpr(r, order[i]);
		for (unsigned b = 0; b < 8; b++) {
			unsigned char c = (unsigned char)(v >> (8 * b));

			if (!c || n + 1 >= cap)
				goto done;
			out[n++] = c >= 0x20 && c <= 0x7e ? (char)c : '?';
		}
	}
done:
	out[n] = 0;
	return n;
}

const char *tdvmcall_name(uint64_t subfn)
{
	switch (subfn) {
	case TDVMCALL_CPUID: return "Instruction.CPUID";
	case TDVMCALL_HLT: return "Instruction.HLT";
	case TDVMCALL_IO: return "Instruction.IO";
	case TDVMCALL_RDMSR: return "Instruction.RDMSR";
	case TDVMCALL_WRMSR: return "Instruction.WRMSR";
	case TDVMCALL_MMIO: return "#VE.RequestMMIO";
	case TDVMCALL_GET_TD_VM_CALL_INFO: return "GetTdVmCallInfo";
	case TDVMCALL_MAP_GPA: return "MapGPA";
	case TDVMCALL_GET_QUOTE: return "GetQuote";
	case TDVMCALL_REPORT_FATAL_ERROR: return "ReportFatalError";
	case TDVMCALL_SETUP_EVENT_NOTIFY: return "SetupEventNotifyInterrupt";
	default: return "unknown";
	}
}
