/* TDH.VP.ENTER and what the module does while a TD runs (tdx-abi.md §6.4-
 * §6.6, §7.1-§7.2; M15 tdh_vp_enter.c, td_exit.c, tdg_vp_vmcall.c,
 * td_dispatcher/vm_exits/, tdcall handlers).
 *
 * The vCPU runs on this LP through the CPU ops (emu.h): real VMX in the
 * kernel, a script in the unit tests. The EPTP is the S-EPT root, whose
 * upper half (GPAs with the shared bit) is copied from the host's shared
 * EPT (Shared-EPTP, TDH.VP.WR 0x203C) at every entry. The module handles
 * these exits itself and resumes the guest:
 *   - TDCALL, which the CPU reports as #UD on 66 0F 01 CC: VP.INFO,
 *     MR.RTMR.EXTEND, VP.VEINFO.GET, MR.REPORT, MEM.PAGE.ACCEPT;
 *   - instructions a TD may not run natively (CPUID except leaf 0x21,
 *     HLT, I/O, MSR accesses, ...): a #VE with the exit in VE_INFO;
 *   - EPT violations on pending private pages: a #VE, or with
 *     ATTRIBUTES.SEPT_VE_DISABLE a TD exit of type PENDING_EPT_VIOLATION.
 * Everything else becomes a TD exit in the §6.6 registers: TDG.VP.VMCALL
 * (RAX = 77, only the guest's bitmap-selected registers), EPT violations
 * the host must resolve, external interrupts; a triple fault makes the TD
 * fatal.
 *
 * Host state a real TD exit clobbers (XCR0, XSS, PKRU, extended state,
 * STAR/LSTAR/FMASK, TSC_AUX, KERNEL_GS_BASE, CR2, debug registers) is left
 * alone here: the VMX glue restores what VMX changes, and the host gets
 * every GPR the module does not output as 0, as on hardware. */
#include <string.h>
#include "seam/emu/sept.h"
#include "seam/emu/td.h"

#define TDCALL_LEN		4	/* 66 0F 01 CC */
#define VEC_DF			8
#define VEC_UD			6
#define VEC_GP			13
#define VEC_VE			20
#define INTR_VALID		(1u << 31)
#define INTR_HW_EXCEPTION	(3u << 8)
#define INTR_DELIVER_ERROR	(1u << 11)

/* Basic exit reasons the module looks at (SDM Vol. 3 App. C). */
enum {
	EXIT_EXCEPTION = 0, EXIT_EXT_INT = 1, EXIT_TRIPLE_FAULT = 2,
	EXIT_INTR_WINDOW = 7, EXIT_CPUID = 10, EXIT_HLT = 12, EXIT_VMCALL = 18, EXIT_IO = 30,
	EXIT_RDMSR = 31, EXIT_WRMSR = 32, EXIT_EPT_VIOLATION = 48,
	EXIT_EPT_MISCONFIG = 49,
};

/* Extended exit qualification types in RDX 3:0 (§6.6). */
#define EXT_QUAL_ACCEPT		1
#define EXT_QUAL_PENDING_EPT	6

/* TDREPORT_STRUCT (§5.8). */
#define REPORT_SIZE		1024
#define RMS_TYPE		0
#define RMS_TEE_TCB_INFO_HASH	32
#define RMS_TEE_INFO_HASH	80
#define RMS_REPORTDATA		128
#define RMS_MAC			224
#define TCB_INFO		256
#define TDINFO			512
#define TDINFO_ATTRIBUTES	(TDINFO + 0)
#define TDINFO_XFAM		(TDINFO + 8)
#define TDINFO_MRTD		(TDINFO + 16)
#define TDINFO_MRCONFIGID	(TDINFO + 64)
#define TDINFO_MROWNER		(TDINFO + 112)
#define TDINFO_MROWNERCONFIG	(TDINFO + 160)
#define TDINFO_RTMR		(TDINFO + 208)
#define REPORT_TYPE_TDX		0x81

/* The emulator's report MAC key. Reports are MACed so that a verifier can
 * tell tampering from a copy, but this key is public: an emulated TDREPORT
 * proves nothing and cannot be turned into a quote. */
static const char report_key[] = "baretdx emulated TDX module: not attestable";

enum step { RESUME, TD_EXIT };

struct run {
	struct emu *e;
	struct emu_td *td;
	struct emu_vcpu *v;
	struct emu_vmexit x;
	struct emu_regs *out;		/* the host's SEAMCALL registers */
	unsigned lp;
	uint32_t inject;
	uint64_t rip_advance;
	uint64_t status;		/* RAX of the TD exit */
};

/* ---- Guest memory as the module reads it -------------------------------- */

static int gpa_read(struct run *s, uint64_t gpa, void *buf, size_t len)
{
	uint64_t hpa;

	if (emu_sept_translate(s->e, s->td, gpa, &hpa))
		return -1;
	if ((hpa & (EMU_4K - 1)) + len > EMU_4K)
		return -1;
	return emu_read(s->e, hpa, buf, len);
}

static int gpa_write(struct run *s, uint64_t gpa, const void *buf, size_t len)
{
	uint64_t hpa;

	if (emu_sept_translate(s->e, s->td, gpa, &hpa))
		return -1;
	if ((hpa & (EMU_4K - 1)) + len > EMU_4K)
		return -1;
	return emu_write(s->e, hpa, buf, len);
}

/* Linear to guest-physical through the guest's own page tables (paging off,
 * 32-bit, PAE and 4-level), for fetching the instruction at RIP. */
static int linear_to_gpa(struct run *s, uint64_t la, uint64_t *gpa)
{
	const struct emu_vmexit *x = &s->x;
	bool lma = x->efer & (1ull << 10), pae = x->cr4 & (1ull << 5);
	uint64_t table, e64;
	uint32_t e32;

	if (!(x->cr0 & (1ull << 31))) {
		*gpa = lma ? la : (uint32_t)la;
		return 0;
	}
	if (!pae) {
		table = x->cr3 & 0xfffff000ull;
		if (gpa_read(s, table + ((la >> 22) & 0x3ff) * 4, &e32, 4) || !(e32 & 1))
			return -1;
		if (e32 & 0x80) {
			*gpa = (e32 & 0xffc00000u) | (la & 0x3fffff);
			return 0;
		}
		if (gpa_read(s, (e32 & 0xfffff000u) + ((la >> 12) & 0x3ff) * 4, &e32, 4) ||
		    !(e32 & 1))
			return -1;
		*gpa = (e32 & 0xfffff000u) | (la & 0xfff);
		return 0;
	}
	int level = lma ? 3 : 2;
	table = lma ? x->cr3 & EMU_EPT_PA_MASK : x->cr3 & 0xffffffe0ull;
	for (; level >= 0; level--) {
		unsigned shift = 12 + 9 * (unsigned)level;
		unsigned idx = (unsigned)((la >> shift) & (level == 2 && !lma ? 3 : 511));
		if (gpa_read(s, table + idx * 8ull, &e64, 8) || !(e64 & 1))
			return -1;
		if (level > 0 && level < 3 && (e64 & 0x80)) {
			uint64_t size = 1ull << shift;
			*gpa = (e64 & EMU_EPT_PA_MASK & ~(size - 1)) | (la & (size - 1));
			return 0;
		}
		table = e64 & EMU_EPT_PA_MASK;
	}
	*gpa = table | (la & 0xfff);
	return 0;
}

static bool at_tdcall(struct run *s)
{
	static const uint8_t tdcall[TDCALL_LEN] = { 0x66, 0x0f, 0x01, 0xcc };
	uint64_t la = s->x.cs_base + s->x.rip, gpa;
	uint8_t b;

	for (unsigned i = 0; i < TDCALL_LEN; i++) {
		if (linear_to_gpa(s, la + i, &gpa) || gpa_read(s, gpa, &b, 1) || b != tdcall[i])
			return false;
	}
	return true;
}

/* ---- Events into the guest ----------------------------------------------- */

static void inject_exception(struct run *s, unsigned vector, bool error_code)
{
	s->inject = INTR_VALID | INTR_HW_EXCEPTION | vector |
		    (error_code ? INTR_DELIVER_ERROR : 0);
}

/* A #VE with the exit recorded for TDG.VP.VEINFO.GET; a second one before
 * the guest read the first is a #DF (§7.1). */
static void inject_ve(struct run *s, uint32_t reason)
{
	struct emu_vcpu *v = s->v;

	if (v->ve_valid) {
		inject_exception(s, VEC_DF, true);
		return;
	}
	v->ve_valid = true;
	v->ve_reason = reason;
	v->ve_qual = s->x.qual;
	v->ve_gla = s->x.gla;
	v->ve_gpa = s->x.gpa;
	v->ve_instr = (uint64_t)s->x.instr_info << 32 | s->x.instr_len;
	inject_exception(s, VEC_VE, false);
}

/* ---- TD exits (§6.6) ----------------------------------------------------- */

static void clear_outputs(struct emu_regs *r)
{
	uint64_t rax = r->rax;
	memset(r, 0, sizeof(*r));
	r->rax = rax;
}

static enum step async_exit(struct run *s, uint64_t status, uint32_t reason, uint64_t ext)
{
	struct emu_regs *r = s->out;

	clear_outputs(r);
	s->status = status | reason;
	r->rcx = s->x.qual;
	r->rdx = ext;
	r->r8 = s->x.gpa;
	r->r9 = s->x.intr_info;
	return TD_EXIT;
}

/* The host register that carries GPR index i of the bitmap. */
static uint64_t *host_gpr(struct emu_regs *r, unsigned i)
{
	switch (i) {
	case EMU_GPR_RDX: return &r->rdx;
	case EMU_GPR_RBX: return &r->rbx;
	case EMU_GPR_RSI: return &r->rsi;
	case EMU_GPR_RDI: return &r->rdi;
	case EMU_GPR_R8:  return &r->r8;
	case EMU_GPR_R9:  return &r->r9;
	case EMU_GPR_R10: return &r->r10;
	case EMU_GPR_R11: return &r->r11;
	case EMU_GPR_R12: return &r->r12;
	case EMU_GPR_R13: return &r->r13;
	case EMU_GPR_R14: return &r->r14;
	case EMU_GPR_R15: return &r->r15;
	default:	  return NULL;	/* RAX, RCX, RSP; RBP is preserved */
	}
}

/* Registers a TDG.VP.VMCALL may pass: not RAX, RCX, RSP; RBP only when
 * the TD was built without CONFIG_FLAGS.NO_RBP_MOD (GHCI 1.0 guests such
 * as OVMF 2022.11 list it). RBP then goes nowhere: the host's RBP survives
 * TDH.VP.ENTER (our SEAMCALL stub keeps it) and the guest's stays. */
#define VMCALL_GPRS_ALLOWED	0xffccu
#define VMCALL_GPR_RBP		(1u << EMU_GPR_RBP)

static enum step tdg_vmcall(struct run *s)
{
	struct emu_vcpu *v = s->v;
	uint64_t bitmap = v->gpr[EMU_GPR_RCX];
	uint64_t allowed = VMCALL_GPRS_ALLOWED;
	struct emu_regs *r = s->out;

	if (!(s->td->config_flags & TDX_CONFIG_FLAGS_NO_RBP_MOD))
		allowed |= VMCALL_GPR_RBP;
	if ((bitmap & 0xffff & ~allowed) || (bitmap >> 32)) {
		v->gpr[EMU_GPR_RAX] = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		s->rip_advance = TDCALL_LEN;
		return RESUME;
	}
	clear_outputs(r);
	s->status = TDX_EXIT_REASON_TDCALL;
	r->rcx = bitmap & 0xffffffffu;
	for (unsigned i = 0; i < EMU_NGPRS; i++)
		if (bitmap & (1u << i) && host_gpr(r, i))
			*host_gpr(r, i) = v->gpr[i];
	v->in_vmcall = true;
	v->vmcall_gprs = (uint16_t)bitmap;
	return TD_EXIT;
}

/* ---- TDCALL leaves the module answers itself (§7.1) ---------------------- */

static uint64_t tdg_vp_info(struct run *s)
{
	struct emu_vcpu *v = s->v;
	struct emu_td *td = s->td;

	v->gpr[EMU_GPR_RCX] = td->gpaw;
	v->gpr[EMU_GPR_RDX] = td->attributes;
	v->gpr[EMU_GPR_R8] = (uint64_t)td->max_vcpus << 32 | td->num_init_vcpus;
	v->gpr[EMU_GPR_R9] = v->index;
	v->gpr[EMU_GPR_R10] = 0;
	v->gpr[EMU_GPR_R11] = 0;
	return TDX_SUCCESS;
}

static uint64_t tdg_rtmr_extend(struct run *s)
{
	uint64_t gpa = s->v->gpr[EMU_GPR_RCX], index = s->v->gpr[EMU_GPR_RDX];
	uint8_t data[48];
	struct sha384_ctx c;

	if ((gpa & 63) || (gpa & emu_td_shared_bit(s->td)) || gpa_read(s, gpa, data, sizeof(data)))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	if (index >= EMU_NUM_RTMRS)
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	sha384_init(&c);
	sha384_update(&c, s->td->rtmr[index], 48);
	sha384_update(&c, data, sizeof(data));
	sha384_final(&c, s->td->rtmr[index]);
	return TDX_SUCCESS;
}

static uint64_t tdg_veinfo_get(struct run *s)
{
	struct emu_vcpu *v = s->v;

	if (!v->ve_valid)
		return TDX_NO_VALID_VE_INFO;
	v->gpr[EMU_GPR_RCX] = v->ve_reason;
	v->gpr[EMU_GPR_RDX] = v->ve_qual;
	v->gpr[EMU_GPR_R8] = v->ve_gla;
	v->gpr[EMU_GPR_R9] = v->ve_gpa;
	v->gpr[EMU_GPR_R10] = v->ve_instr;
	v->ve_valid = false;
	return TDX_SUCCESS;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t tdg_mr_report(struct run *s)
{
	static uint8_t rep[REPORT_SIZE];	/* under the emulator lock */
	uint64_t out = s->v->gpr[EMU_GPR_RCX], data = s->v->gpr[EMU_GPR_RDX];
	uint64_t shared = emu_td_shared_bit(s->td);
	struct emu_td *td = s->td;
	uint8_t mac[48];

	if ((out & (REPORT_SIZE - 1)) || (out & shared))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	if ((data & 63) || (data & shared))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	if (s->v->gpr[EMU_GPR_R8] != 0)
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
	memset(rep, 0, sizeof(rep));
	if (gpa_read(s, data, rep + RMS_REPORTDATA, 64))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	rep[RMS_TYPE] = REPORT_TYPE_TDX;
	/* TEE_TCB_INFO: VALID covers the fields that follow; MRSEAM and
	 * MRSIGNERSEAM stay zero (no module binary to measure). */
	put64(rep + TCB_INFO, 0x1ff);
	put64(rep + TDINFO_ATTRIBUTES, td->attributes);
	put64(rep + TDINFO_XFAM, td->xfam);
	memcpy(rep + TDINFO_MRTD, td->mrtd, 48);
	memcpy(rep + TDINFO_MRCONFIGID, td->mrconfigid, 48);
	memcpy(rep + TDINFO_MROWNER, td->mrowner, 48);
	memcpy(rep + TDINFO_MROWNERCONFIG, td->mrownerconfig, 48);
	for (unsigned i = 0; i < EMU_NUM_RTMRS; i++)
		memcpy(rep + TDINFO_RTMR + 48 * i, td->rtmr[i], 48);
	sha384(rep + TCB_INFO, 256, rep + RMS_TEE_TCB_INFO_HASH);
	sha384(rep + TDINFO, 512, rep + RMS_TEE_INFO_HASH);
	hmac_sha384(report_key, sizeof(report_key) - 1, rep, RMS_MAC, mac);
	memcpy(rep + RMS_MAC, mac, 32);
	if (gpa_write(s, out, rep, sizeof(rep)))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	return TDX_SUCCESS;
}

/* TDG.MEM.PAGE.ACCEPT: a pending page at the requested size becomes
 * present. A GPA with nothing AUG-ed yet exits to the host (EPT violation,
 * extended type ACCEPT) and the guest runs the TDCALL again afterwards. */
static enum step tdg_accept(struct run *s, uint64_t *status)
{
	uint64_t arg = s->v->gpr[EMU_GPR_RCX], gpa = arg & TDX_PAGE_INFO_GPA_MASK;
	unsigned level = TDX_PAGE_INFO_LEVEL(arg);
	struct emu_sept_walk w;
	uint64_t entry;

	if ((arg & TDX_PAGE_INFO_RSVD_MASK) || level > 1 ||
	    (gpa & ((EMU_4K << (9 * level)) - 1)) || (gpa & emu_td_shared_bit(s->td))) {
		*status = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		return RESUME;
	}
	if (emu_sept_walk(s->e, s->td, gpa, level, &w)) {
		bool leaf_above = w.level > level && (w.entry & EMU_EPT_LARGE) &&
				  emu_sept_state(w.entry) != EMU_SEPT_FREE;
		if (leaf_above) {
			*status = TDX_PAGE_SIZE_MISMATCH;
			return RESUME;
		}
		s->x.gpa = gpa;
		s->x.qual = 0;
		s->x.intr_info = 0;	/* not the #UD that carried the TDCALL */
		return async_exit(s, 0, EXIT_EPT_VIOLATION,
				  EXT_QUAL_ACCEPT | (uint64_t)level << 32);
	}
	entry = w.entry;
	switch (emu_sept_state(entry)) {
	case EMU_SEPT_PENDING:
		entry = emu_sept_leaf_entry(entry & EMU_EPT_PA_MASK, level, EMU_SEPT_PRESENT);
		if (emu_sept_write(s->e, &w, entry)) {
			*status = TDX_EPT_WALK_FAILED;
			return RESUME;
		}
		*status = TDX_SUCCESS;
		return RESUME;
	case EMU_SEPT_PRESENT:
		*status = level == 0 || (entry & EMU_EPT_LARGE) ? TDX_PAGE_ALREADY_ACCEPTED
								: TDX_PAGE_SIZE_MISMATCH;
		return RESUME;
	case EMU_SEPT_FREE:
		s->x.gpa = gpa;
		s->x.qual = 0;
		s->x.intr_info = 0;
		return async_exit(s, 0, EXIT_EPT_VIOLATION,
				  EXT_QUAL_ACCEPT | (uint64_t)level << 32);
	default:			/* blocked: the host is changing it */
		*status = emu_op(TDX_OPERAND_BUSY, TDX_OPERAND_ID_SEPT_ENTRY);
		return RESUME;
	}
}

static enum step tdcall(struct run *s)
{
	struct emu_vcpu *v = s->v;
	uint64_t leaf = v->gpr[EMU_GPR_RAX], st;
	enum step next = RESUME;

	if (s->x.cpl != 0) {
		inject_exception(s, VEC_GP, true);
		return RESUME;
	}
	switch (leaf) {
	case TDG_VP_VMCALL:
		return tdg_vmcall(s);
	case TDG_VP_INFO:
		st = tdg_vp_info(s);
		break;
	case TDG_MR_RTMR_EXTEND:
		st = tdg_rtmr_extend(s);
		break;
	case TDG_VP_VEINFO_GET:
		st = tdg_veinfo_get(s);
		break;
	case TDG_MR_REPORT:
		st = tdg_mr_report(s);
		break;
	case TDG_MEM_PAGE_ACCEPT:
		next = tdg_accept(s, &st);
		if (next == TD_EXIT)
			return TD_EXIT;
		break;
	default:
		st = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RAX);
		break;
	}
	v->gpr[EMU_GPR_RAX] = st;
	s->rip_advance = TDCALL_LEN;
	return next;
}

/* ---- VM exits ------------------------------------------------------------ */

/* The CPU's EPT-violation #VE (SDM 25.5.7), which the TD's VMCS enables
 * for the shared half: a violation whose walk of the shared EPT stops at a
 * non-present entry with bit 63 (suppress #VE) clear becomes a #VE in the
 * guest instead of a VM exit. That is how a VMM hands MMIO to the TD's
 * #VE handler (TDVMCALL<MMIO>): it leaves those entries non-present
 * without suppress-#VE. Entries the host never wrote are 0: #VE too. */
static bool shared_ept_ve(struct run *s, uint64_t gpa)
{
	uint64_t table = s->td->tdcs_pa[EMU_TDCS_SEPT_ROOT], e = 0;

	for (int level = (int)s->td->levels - 1; level >= 0; level--) {
		unsigned idx = (unsigned)(gpa >> (12 + 9 * level)) & 511;
		if (emu_read(s->e, table + 8ull * idx, &e, sizeof(e)))
			return false;
		if (!(e & 7))
			return !(e & EMU_EPT_SVE);
		if (level == 0 || (e & EMU_EPT_LARGE))
			return false;	/* present: a permission violation */
		table = e & EMU_EPT_PA_MASK;
	}
	return false;
}

static enum step ept_violation(struct run *s)
{
	uint64_t gpa = s->x.gpa;
	struct emu_sept_walk w;

	if (gpa & emu_td_shared_bit(s->td)) {
		if (shared_ept_ve(s, gpa)) {
			inject_ve(s, EXIT_EPT_VIOLATION);
			return RESUME;
		}
		return async_exit(s, 0, EXIT_EPT_VIOLATION, 0);
	}
	emu_sept_walk(s->e, s->td, gpa & ~(EMU_4K - 1), 0, &w);
	if (emu_sept_state(w.entry) == EMU_SEPT_PENDING) {
		/* A pending page met while delivering a #DF: the CPU would
		 * shut down, so the TD does (§6.6 triple fault). */
		if ((s->x.idt_vectoring & INTR_VALID) && (s->x.idt_vectoring & 0xff) == VEC_DF &&
		    ((s->x.idt_vectoring >> 8) & 7) == 3) {
			s->td->fatal = true;
			s->v->state = EMU_VCPU_DEAD;
			return async_exit(s, TDX_NON_RECOVERABLE_TD, EXIT_TRIPLE_FAULT, 0);
		}
		if (s->td->attributes & TDX_TD_ATTR_SEPT_VE_DISABLE)
			return async_exit(s, 0, EXIT_EPT_VIOLATION, EXT_QUAL_PENDING_EPT);
		inject_ve(s, EXIT_EPT_VIOLATION);
		return RESUME;
	}
	return async_exit(s, 0, EXIT_EPT_VIOLATION, 0);
}

/* CPUID in a TD (§7.1; TDX module CPUID virtualization, simplified):
 * the module answers the basic leaves up to max(native, 0x21) and the
 * native extended range itself, from the CPU's values with the TD's view
 * applied: leaf 0 reports at least 0x21; leaf 1 reports x2APIC and a
 * hypervisor, no VMX, SMX or MONITOR, and the vCPU index as initial APIC
 * ID; 0xB and 0x1F report it as x2APIC ID; leaf 0x21 sub-leaf 0 is
 * "IntelTDX    ". Other leaves (0x40000000 up, beyond the ranges) go to
 * the guest's #VE handler, which asks the host with
 * TDVMCALL<Instruction.CPUID>. TD_PARAMS' CPUID configuration is not
 * applied (the configurable bits keep the CPU's values). */
#define CPUID_TDX_LEAF		0x21u
#define CPUID1_ECX_MONITOR	(1u << 3)
#define CPUID1_ECX_VMX		(1u << 5)
#define CPUID1_ECX_SMX		(1u << 6)
#define CPUID1_ECX_X2APIC	(1u << 21)
#define CPUID1_ECX_HYPERVISOR	(1u << 31)

/* Features the TD's XFAM does not enable read as absent, as the module's
 * CPUID virtualization shows them (XFAM bit 2 AVX, 7:5 AVX-512, 9 PKRU,
 * 18:17 AMX); leaf 0xD lists only XFAM's state components, its sizes
 * those of x87/SSE plus each enabled component. */
#define XFAM_AVX	(1ull << 2)
#define XFAM_AVX512	(7ull << 5)
#define XFAM_PKRU	(1ull << 9)
#define XFAM_AMX	(3ull << 17)
#define XSAVE_LEGACY_AND_HEADER	576u

static void xfam_cpuid(uint64_t xfam, uint32_t leaf, uint32_t sub, uint32_t c[4])
{
	if (leaf == 1 && !(xfam & XFAM_AVX))
		c[2] &= ~((1u << 12) | (1u << 28) | (1u << 29));	/* FMA, AVX, F16C */
	if (leaf == 7 && sub == 0) {
		if (!(xfam & XFAM_AVX))
			c[1] &= ~(1u << 5);				/* AVX2 */
		if ((xfam & XFAM_AVX512) != XFAM_AVX512) {
			c[1] &= ~0xdc230000u;	/* AVX512 F DQ IFMA PF ER CD BW VL */
			c[2] &= ~0x5842u;	/* AVX512 VBMI VBMI2 VNNI BITALG VPOPCNTDQ */
			c[3] &= ~0x80010cu;	/* AVX512 4VNNIW 4FMAPS VP2INTERSECT FP16 */
		}
		if (!(xfam & XFAM_PKRU))
			c[2] &= ~((1u << 3) | (1u << 4));		/* PKU, OSPKE */
		if ((xfam & XFAM_AMX) != XFAM_AMX)
			c[3] &= ~((1u << 22) | (1u << 24) | (1u << 25));	/* AMX */
	}
	if (leaf == 0xd && sub == 0) {
		c[0] &= (uint32_t)xfam;
		c[3] &= (uint32_t)(xfam >> 32);
		/* ECX, the area XFAM's components need: exact for x87/SSE
		 * only (other XFAMs keep the CPU's value, an upper bound). */
		if ((xfam & ~3ull) == 0)
			c[2] = XSAVE_LEGACY_AND_HEADER;
		if (c[1] > c[2])
			c[1] = c[2];
	}
	if (leaf == 0xd && sub >= 2 && sub < 64 && !(xfam & (1ull << sub)))
		c[0] = c[1] = c[2] = c[3] = 0;
}

static bool cpuid_virtual(struct run *s)
{
	uint64_t *g = s->v->gpr;
	uint32_t leaf = (uint32_t)g[EMU_GPR_RAX], sub = (uint32_t)g[EMU_GPR_RCX];
	uint32_t c[4] = { 0, 0, 0, 0 }, max_basic = CPUID_TDX_LEAF, max_ext = 0;
	const struct emu_cpu_ops *ops = s->e->cpu;

	if (leaf == CPUID_TDX_LEAF) {
		if (sub != 0)
			return false;
		c[1] = 0x65746e49;	/* "Inte" */
		c[3] = 0x5844546c;	/* "lTDX" */
		c[2] = 0x20202020;	/* "    " */
	} else {
		if (!ops->cpuid)
			return false;
		ops->cpuid(s->e->cpu_ctx, 0, 0, c);
		if (c[0] > max_basic)
			max_basic = c[0];
		ops->cpuid(s->e->cpu_ctx, 0x80000000u, 0, c);
		max_ext = c[0];
		if (leaf > max_basic && (leaf < 0x80000000u || leaf > max_ext))
			return false;
		ops->cpuid(s->e->cpu_ctx, leaf, sub, c);
		switch (leaf) {
		case 0:
			c[0] = max_basic;
			break;
		case 1:
			c[1] = (c[1] & 0x00ffffffu) | s->v->index << 24;
			c[2] &= ~(CPUID1_ECX_MONITOR | CPUID1_ECX_VMX | CPUID1_ECX_SMX);
			xfam_cpuid(s->td->xfam, leaf, sub, c);
			c[2] |= CPUID1_ECX_X2APIC | CPUID1_ECX_HYPERVISOR;
			break;
		case 0xb:
		case 0x1f:
			c[3] = s->v->index;
			break;
		case 7:
		case 0xd:
			xfam_cpuid(s->td->xfam, leaf, sub, c);
			break;
		case 0x15:
			/* The TD's TSC: TSC_FREQUENCY units of a 25 MHz
			 * crystal (TD_PARAMS), not the CPU's own. */
			c[0] = 1;
			c[1] = s->td->tsc_frequency;
			c[2] = 25000000u;
			c[3] = 0;
			break;
		}
	}
	g[EMU_GPR_RAX] = c[0];
	g[EMU_GPR_RBX] = c[1];
	g[EMU_GPR_RCX] = c[2];
	g[EMU_GPR_RDX] = c[3];
	s->rip_advance = s->x.instr_len;
	return true;
}

/* ---- Virtual interrupts (posted interrupts, SDM 30.6) -----------------
 * The host posts a vector by setting its bit in the descriptor's PIR
 * (bits 255:0) and ON (bit 256); the module (the CPU, with virtual-
 * interrupt delivery) moves the PIR into the virtual IRR before entering
 * and delivers the highest vector above the one in service when the guest
 * can take it. The guest ends it with an x2APIC EOI write, which the
 * virtual APIC absorbs without an exit to anyone. */
#define PID_ON_BYTE		32
#define PI_DESC_NONE		(~0ull)
#define X2APIC_EOI_MSR		0x80bu

static int highest(const uint64_t *bits)
{
	for (int w = 3; w >= 0; w--)
		if (bits[w])
			return w * 64 + 63 - __builtin_clzll(bits[w]);
	return -1;
}

static void collect_posted(struct run *s)
{
	struct emu_vcpu *v = s->v;
	uint8_t pid[64];

	if (v->posted_intr_desc == PI_DESC_NONE || !v->posted_intr_desc)
		return;
	if (emu_read(s->e, v->posted_intr_desc, pid, sizeof(pid)) || !(pid[PID_ON_BYTE] & 1))
		return;
	for (unsigned w = 0; w < 4; w++) {
		uint64_t q;
		memcpy(&q, pid + 8 * w, 8);
		v->virr[w] |= q;
	}
	memset(pid, 0, PID_ON_BYTE + 1);
	emu_write(s->e, v->posted_intr_desc, pid, PID_ON_BYTE + 1);
}

/* The vector to deliver now, 0 for none: the highest requested one in a
 * priority class above both the highest one in service and the TPR. */
static uint8_t deliverable(const struct emu_vcpu *v)
{
	int irr = highest(v->virr), isr = highest(v->visr);

	if (irr < 16 || (isr >= 0 && (irr >> 4) <= (isr >> 4)) || (irr >> 4) <= (v->vtpr >> 4))
		return 0;
	return (uint8_t)irr;
}

static void took(struct emu_vcpu *v, uint8_t vector)
{
	v->virr[vector / 64] &= ~(1ull << (vector % 64));
	v->visr[vector / 64] |= 1ull << (vector % 64);
}

static bool x2apic_eoi(struct run *s)
{
	struct emu_vcpu *v = s->v;
	int isr;

	if ((uint32_t)v->gpr[EMU_GPR_RCX] != X2APIC_EOI_MSR)
		return false;
	isr = highest(v->visr);
	if (isr >= 0)
		v->visr[isr / 64] &= ~(1ull << (isr % 64));
	s->rip_advance = s->x.instr_len;
	return true;
}

/* RDMSR/WRMSR the real module lets a TD run natively (its MSR bitmap bit
 * is 0; tdx-module include/auto_gen/msr_config_lookup.c, FIXED_0). Those
 * the TD VMCS holds go to the CPU layer; the x2APIC registers the CPU's
 * APIC virtualization would answer come from the virtual IRR/ISR. Other
 * native MSRs (SPEC_CTRL, STAR/LSTAR/FMASK, KERNEL_GS_BASE, TSC_AUX, XSS,
 * DS_AREA...) need the module to context-switch them, which the emulator
 * does not do: they still become a #VE. */
#define MSR_TSC			0x10u
#define MSR_SYSENTER_CS		0x174u
#define MSR_SYSENTER_EIP	0x176u
#define MSR_PAT			0x277u
#define MSR_EFER		0xc0000080u
#define MSR_FS_BASE		0xc0000100u
#define MSR_GS_BASE		0xc0000101u
#define X2APIC_TPR		0x808u
#define X2APIC_PPR		0x80au
#define X2APIC_ISR0		0x810u
#define X2APIC_TMR0		0x818u
#define X2APIC_IRR0		0x820u
#define X2APIC_SELF_IPI		0x83fu

static bool vmcs_msr(uint32_t msr, bool write)
{
	return (msr == MSR_TSC && !write) ||
	       (msr >= MSR_SYSENTER_CS && msr <= MSR_SYSENTER_EIP) || msr == MSR_PAT ||
	       (msr == MSR_EFER && !write) || msr == MSR_FS_BASE || msr == MSR_GS_BASE;
}

/* A 256-bit virtual APIC register as x2APIC MSRs: 8 of 32 bits. */
static uint64_t apic_bits(const uint64_t *bits, unsigned i)
{
	return (bits[i / 2] >> (32 * (i % 2))) & 0xffffffffu;
}

static bool x2apic_native(struct run *s, uint32_t msr, bool write, uint64_t *val)
{
	struct emu_vcpu *v = s->v;
	int isr = highest(v->visr);

	if (write) {
		if (msr == X2APIC_TPR) {
			v->vtpr = (uint8_t)*val;
			return true;
		}
		if (msr == X2APIC_SELF_IPI && (*val & 0xff) >= 16) {
			v->virr[(*val & 0xff) / 64] |= 1ull << (*val % 64);
			return true;
		}
		return false;
	}
	if (msr == X2APIC_TPR)
		*val = v->vtpr;
	else if (msr == X2APIC_PPR)
		*val = isr >= 0 && (unsigned)(isr & 0xf0) > (v->vtpr & 0xf0u) ? (unsigned)isr & 0xf0
									       : v->vtpr;
	else if (msr >= X2APIC_ISR0 && msr < X2APIC_ISR0 + 8)
		*val = apic_bits(v->visr, msr - X2APIC_ISR0);
	else if (msr >= X2APIC_TMR0 && msr < X2APIC_TMR0 + 8)
		*val = 0;	/* posted interrupts are edge-triggered */
	else if (msr >= X2APIC_IRR0 && msr < X2APIC_IRR0 + 8)
		*val = apic_bits(v->virr, msr - X2APIC_IRR0);
	else
		return false;
	return true;
}

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;	/* 48-bit */
}

/* A native WRMSR the CPU refuses with #GP: a non-canonical base or entry
 * point, a reserved PAT memory type (2, 3, 8+), x2APIC TPR, EOI or
 * SELF_IPI bits that must be 0. Written into the TD VMCS instead, such a
 * value would fail the next VM entry and kill the vCPU. */
static bool native_write_faults(uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_SYSENTER_CS + 1:	/* SYSENTER_ESP */
	case MSR_SYSENTER_EIP:
		return !canonical(val);
	case MSR_PAT:
		for (unsigned i = 0; i < 8; i++) {
			uint8_t t = (uint8_t)(val >> (8 * i));
			if (t == 2 || t == 3 || t > 7)
				return true;
		}
		return false;
	case X2APIC_TPR:
	case X2APIC_SELF_IPI:
		return val >> 8;
	case X2APIC_EOI_MSR:
		return val != 0;
	default:
		return false;
	}
}

static bool native_msr(struct run *s, bool write)
{
	uint64_t *g = s->v->gpr, val = (g[EMU_GPR_RDX] << 32) | (uint32_t)g[EMU_GPR_RAX];
	uint32_t msr = (uint32_t)g[EMU_GPR_RCX];
	const struct emu_cpu_ops *ops = s->e->cpu;

	if (write && native_write_faults(msr, val)) {
		inject_exception(s, VEC_GP, true);
		return true;
	}
	if (write && msr == X2APIC_EOI_MSR)
		return x2apic_eoi(s);
	if (x2apic_native(s, msr, write, &val)) {
		/* done */
	} else if (!vmcs_msr(msr, write) || !ops->guest_msr ||
		   ops->guest_msr(s->e->cpu_ctx, s->lp, msr, write, &val)) {
		return false;
	}
	if (!write) {
		g[EMU_GPR_RAX] = (uint32_t)val;
		g[EMU_GPR_RDX] = val >> 32;
	}
	s->rip_advance = s->x.instr_len;
	return true;
}

static enum step handle_exit(struct run *s)
{
	uint32_t reason = s->x.reason & 0xffff;

	if (s->x.reason & TDX_EXIT_REASON_ENTRY_FAIL) {
		s->v->state = EMU_VCPU_DEAD;
		return async_exit(s, TDX_NON_RECOVERABLE_VCPU, s->x.reason, 0);
	}
	switch (reason) {
	case EXIT_EXCEPTION:
		if ((s->x.intr_info & 0xff) == VEC_UD && at_tdcall(s))
			return tdcall(s);
		/* Only #UD is intercepted: anything else is reflected. */
		s->inject = s->x.intr_info & ~(1u << 12);
		return RESUME;
	case EXIT_EXT_INT:
		return async_exit(s, 0, reason, 0);
	case EXIT_TRIPLE_FAULT:
		s->td->fatal = true;
		s->v->state = EMU_VCPU_DEAD;
		return async_exit(s, TDX_NON_RECOVERABLE_TD, reason, 0);
	case EXIT_EPT_VIOLATION:
		return ept_violation(s);
	case EXIT_EPT_MISCONFIG:
		return async_exit(s, 0, reason, 0);
	case EXIT_VMCALL:
		inject_exception(s, VEC_UD, false);
		return RESUME;
	case EXIT_CPUID:
		if (cpuid_virtual(s))
			return RESUME;
		inject_ve(s, reason);
		return RESUME;
	case EXIT_INTR_WINDOW:		/* the guest can take an interrupt now */
		return RESUME;
	case EXIT_HLT:
		/* A deliverable interrupt wakes the vCPU instead. */
		if (deliverable(s->v) && (s->x.rflags & (1u << 9))) {
			s->rip_advance = s->x.instr_len;
			return RESUME;
		}
		inject_ve(s, reason);
		return RESUME;
	case EXIT_RDMSR:
	case EXIT_WRMSR:
		if (native_msr(s, reason == EXIT_WRMSR))
			return RESUME;
		inject_ve(s, reason);
		return RESUME;
	default:
		/* HLT, I/O, MSRs and the other instructions a TD cannot run
		 * natively: the guest's #VE handler turns them into TDVMCALLs. */
		inject_ve(s, reason);
		return RESUME;
	}
}

/* ---- TDH.VP.ENTER -------------------------------------------------------- */

/* The shared half of the root comes from the host's shared EPT. */
static int sync_shared_half(struct emu *e, const struct emu_td *td, const struct emu_vcpu *v)
{
	static uint64_t half[256];	/* under the emulator lock */
	uint64_t root = td->tdcs_pa[EMU_TDCS_SEPT_ROOT];

	if (v->shared_eptp) {
		if (emu_read(e, (v->shared_eptp & EMU_EPT_PA_MASK) + 256 * 8, half, sizeof(half)))
			return -1;
	} else {
		memset(half, 0, sizeof(half));
	}
	return emu_write(e, root + 256 * 8, half, sizeof(half));
}

uint64_t emu_vp_enter(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint64_t tdvpr = r->rcx & TDX_VP_ENTER_TDVPR_MASK, st;
	struct run s = { .e = e, .out = r, .lp = lp };
	struct emu_vmentry in;
	struct emu_vcpu *v;
	struct emu_td *td;
	enum step step;

	if (!e->cpu || !e->cpu->run)
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RAX);
	if (r->rcx & ~(TDX_VP_ENTER_TDVPR_MASK | TDX_VP_ENTER_HOST_RECOVERABILITY_HINT))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	st = emu_check_typed_page(e, tdvpr, PT_TDVPR, 0, TDX_OPERAND_ID_RCX);
	if (st)
		return st;
	v = emu_vcpu_find(e, tdvpr);
	if (!v)
		return emu_op(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	td = &e->tds[v->td];
	if (td->lifecycle != TD_LIFECYCLE_KEYS_CONFIGURED)
		return TDX_LIFECYCLE_STATE_INCORRECT;
	st = emu_td_op_state_check(td, TDH_VP_ENTER);
	if (st)
		return st;
	if (v->running)
		return emu_op(TDX_OPERAND_BUSY, TDX_OPERAND_ID_TDVPR);
	if (v->state != EMU_VCPU_READY)
		return TDX_VCPU_STATE_INCORRECT;
	if (v->assoc_lp >= 0 && v->assoc_lp != (int)lp)
		return TDX_VCPU_ASSOCIATED;
	if (sync_shared_half(e, td, v))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_TDVPS);

	s.td = td;
	s.v = v;
	if (v->in_vmcall) {
		/* The host's answer to the TDVMCALL: the selected registers,
		 * then TDCALL success with RCX = the bitmap (§6.6). Guest RCX
		 * still holds the whole bitmap, XMM bits 31:16 included (M15
		 * save_regs_after_tdvmcall); vmcall_gprs has only 15:0. */
		for (unsigned i = 0; i < EMU_NGPRS; i++)
			if (v->vmcall_gprs & (1u << i) && host_gpr(r, i))
				v->gpr[i] = *host_gpr(r, i);
		v->gpr[EMU_GPR_RAX] = TDX_SUCCESS;
		v->in_vmcall = false;
		s.rip_advance = TDCALL_LEN;
	}
	v->running = true;
	v->assoc_lp = (int)lp;
	v->entry_epoch = td->epoch;
	td->vcpus_running++;

	for (;;) {
		collect_posted(&s);
		in = (struct emu_vmentry){
			.vmcs_pa = v->tdcx_pa[EMU_TDCX_VMCS],
			.eptp = td->tdcs_pa[EMU_TDCS_SEPT_ROOT] | (uint64_t)(td->levels - 1) << 3 | 6,
			.launched = v->launched,
			.init_state = !v->vmcs_loaded,
			.flush_tlb = true,
			.inject = s.inject,
			.rip_advance = s.rip_advance,
			.gpr = v->gpr,
			.intr_vector = s.inject ? 0 : deliverable(v),
		};
		s.inject = 0;
		s.rip_advance = 0;
		memset(&s.x, 0, sizeof(s.x));
		emu_unlock(e, lp, TDH_VP_ENTER);
		int rc = e->cpu->run(e->cpu_ctx, lp, &in, &s.x);
		emu_relock(e);
		if (rc && !(s.x.reason & TDX_EXIT_REASON_ENTRY_FAIL))
			s.x.reason = TDX_EXIT_REASON_ENTRY_FAIL;
		if (!rc) {
			v->launched = true;
			v->vmcs_loaded = true;
			if (s.x.delivered)
				took(v, s.x.delivered);
		}
		step = handle_exit(&s);
		if (step == TD_EXIT)
			break;
	}
	v->running = false;
	td->vcpus_running--;
	return s.status;
}
