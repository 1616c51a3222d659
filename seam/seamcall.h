/* The one SEAMCALL stub (seam/seamcall.asm) and its register block. */
#ifndef BARETDX_SEAM_SEAMCALL_H
#define BARETDX_SEAM_SEAMCALL_H

#include <stdint.h>

/* Every register a SEAMCALL can take or return (tdx-abi.md §1.2); RBP and
 * RSP are preserved by the stub. */
struct tdx_regs {
	uint64_t rax, rcx, rdx, rbx, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/* Issues SEAMCALL with *r and stores the outputs back. Returns RAX, or a
 * software status: TDX_SEAMCALL_VMFAILINVALID when CF was set (then *r is
 * unchanged: RAX is not written by the CPU), TDX_SEAMCALL_UD / _GP when
 * the instruction faulted. */
uint64_t seamcall_regs(struct tdx_regs *r);

#endif
