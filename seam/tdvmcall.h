/* TDVMCALL decoding for the host's TD run loop (tdx-abi.md §6.6-§6.7,
 * §7.2): the registers TDH.VP.ENTER returned for a TDG.VP.VMCALL exit
 * (RAX = 77) become one checked request, and the answer goes back in the
 * registers the next TDH.VP.ENTER carries. Pure: no hardware, no state;
 * builds for the kernel and the host.
 *
 * Only registers the guest selected in its GPR bitmap (RCX[15:0]) are
 * read: the module passes the others as 0, and a 0 the guest did not send
 * is not an operand. An operand whose register is not selected is
 * TDVMCALL_INVALID_OPERAND.
 *
 * Status choices follow KVM (arch/x86/kvm/vmx/tdx.c) and QEMU
 * (target/i386/kvm/tdx.c), the two public hosts of the GHCI; each check
 * in tdvmcall.c names its source. */
#ifndef BARETDX_SEAM_TDVMCALL_H
#define BARETDX_SEAM_TDVMCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "seam/seamcall.h"

/* Status in R10 (§7.2; LX shared/tdx.h TDVMCALL_STATUS_*). */
#define TDVMCALL_SUCCESS		0
#define TDVMCALL_RETRY			1
#define TDVMCALL_INVALID_OPERAND	0x8000000000000000ull
#define TDVMCALL_ALIGN_ERROR		0x8000000000000002ull
#define TDVMCALL_SUBFUNC_UNSUPPORTED	0x8000000000000003ull

/* Sub-functions in R11 when R10 = 0 (§7.2): VMX exit reasons below
 * 0x10000, GHCI calls above. */
#define TDVMCALL_CPUID			10
#define TDVMCALL_HLT			12
#define TDVMCALL_IO			30
#define TDVMCALL_RDMSR			31
#define TDVMCALL_WRMSR			32
#define TDVMCALL_MMIO			48
#define TDVMCALL_GET_TD_VM_CALL_INFO	0x10000
#define TDVMCALL_MAP_GPA		0x10001
#define TDVMCALL_GET_QUOTE		0x10002
#define TDVMCALL_REPORT_FATAL_ERROR	0x10003
#define TDVMCALL_SETUP_EVENT_NOTIFY	0x10004

/* ReportFatalError R12 bit 63: R13 holds a GPA with more information
 * (QEMU TDX_REPORT_FATAL_ERROR_GPA_VALID). */
#define TDVMCALL_FATAL_GPA_VALID	(1ull << 63)
/* The message ReportFatalError may carry: 8 registers of 8 bytes. */
#define TDVMCALL_FATAL_MSG_MAX		64

enum tdvmcall_kind {
	TDVMCALL_KIND_UNKNOWN = 0,	/* standard call, sub-function unknown */
	TDVMCALL_KIND_CPUID,
	TDVMCALL_KIND_HLT,
	TDVMCALL_KIND_IO,
	TDVMCALL_KIND_RDMSR,
	TDVMCALL_KIND_WRMSR,
	TDVMCALL_KIND_MMIO,
	TDVMCALL_KIND_MAPGPA,
	TDVMCALL_KIND_GET_TD_VM_CALL_INFO,
	TDVMCALL_KIND_SETUP_EVENT_NOTIFY,
	TDVMCALL_KIND_GET_QUOTE,
	TDVMCALL_KIND_REPORT_FATAL,
	TDVMCALL_KIND_VENDOR,		/* R10 != 0 */
	TDVMCALL_KIND_COUNT
};

struct tdvmcall_req {
	enum tdvmcall_kind kind;
	/* 0: operands valid, the host handles the call by kind. Otherwise
	 * the status to answer with (tdvmcall_reply_status); the operands
	 * hold what could be read. REPORT_FATAL ends the TD either way. */
	uint64_t status;
	const char *why;	/* the failed check, for logs; NULL when status 0 */
	uint64_t subfn;		/* R11 */
	uint16_t gprs;		/* the guest's bitmap, RCX[15:0] */
	union {
		struct { uint32_t leaf, subleaf; } cpuid;
		struct { bool irq_blocked; } hlt;
		/* data: the value to write, already masked to size */
		struct { uint8_t size; bool out; uint16_t port; uint32_t data; } io;
		struct { uint32_t index; } rdmsr;
		struct { uint32_t index; uint64_t value; } wrmsr;
		/* gpa as sent (shared bit set), addr without the shared bit */
		struct { uint8_t size; bool write; uint64_t gpa, addr, value; } mmio;
		struct { uint64_t gpa, addr, size; bool to_shared; } mapgpa;
		struct { uint64_t leaf; } info;
		struct { uint64_t gpa, addr, size; } quote;
		/* code: R12 whole; gpa only when code has bit 63 */
		struct { uint64_t code, gpa; bool gpa_valid; } fatal;
		struct { uint8_t vector; } notify;
		/* KVM's view: hypercall nr = R10, arguments R11..R14; 0 for
		 * registers not selected (check gprs) */
		struct { uint64_t nr, a0, a1, a2, a3; } vendor;
	} u;
};

/* Decodes one TDVMCALL exit. shared_bit is the GPA bit that selects
 * shared memory (47 for GPAW 48, 51 for GPAW 52, §6.4); a value outside
 * 12..62 makes every GPA operand invalid. Fills *req and returns
 * req->status. */
uint64_t tdvmcall_decode(const struct tdx_regs *r, unsigned shared_bit,
			 struct tdvmcall_req *req);

/* Writes the answer into the registers for the next TDH.VP.ENTER: R10 =
 * status and R11 = r11 always; on TDVMCALL_SUCCESS also R12..R15 =
 * r12_r15 (NULL: zeros) for CPUID (each masked to 32 bits: EAX, EBX,
 * ECX, EDX) and GetTdVmCallInfo. R11 of an IO in or MMIO read is masked
 * to the access size. Every other field of *out is left as it was; the
 * module copies back only the registers the guest selected (§6.6). */
void tdvmcall_reply(const struct tdvmcall_req *req, uint64_t status, uint64_t r11,
		    const uint64_t r12_r15[4], struct tdx_regs *out);

/* Answers with req->status (SUCCESS for a valid request) and R11 = 0,
 * except a failed MapGPA, whose R11 is the GPA it failed at (KVM
 * tdx_map_gpa). */
void tdvmcall_reply_status(const struct tdvmcall_req *req, struct tdx_regs *out);

/* The MapGPA retry protocol (GHCI; KVM tdx_complete_vmcall_map_gpa):
 * `done` bytes from the start are converted, the guest is to call again
 * from there. Answers TDVMCALL_RETRY with R11 = gpa + done (the shared
 * bit as the guest sent it). False, and *out untouched, unless req is a
 * valid MapGPA and done is a 4 KiB multiple below its size. */
bool tdvmcall_reply_mapgpa_retry(const struct tdvmcall_req *req, uint64_t done,
				 struct tdx_regs *out);

/* The ReportFatalError message (LX tdx_panic, QEMU
 * tdx_handle_report_fatal_error): R14, R15, RBX, RDI, RSI, R8, R9, RDX,
 * 8 bytes each, little-endian, up to the first register not selected.
 * Stops at NUL; bytes outside 0x20..0x7e become '?'. Writes at most cap
 * bytes, NUL-terminated when cap > 0; returns the length written. */
size_t tdvmcall_fatal_message(const struct tdx_regs *r, char *out, size_t cap);

/* "Instruction.IO", "MapGPA"... for a standard sub-function; "unknown"
 * otherwise. Never NULL. */
const char *tdvmcall_name(uint64_t subfn);

#endif
