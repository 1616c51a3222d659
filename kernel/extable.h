/* Exception fixups: an instruction that may fault by design (SEAMCALL
 * without VMX or SEAM, RDMSR of an MSR the CPU may lack) has an entry
 * here, placed in .ex_table by the assembly next to it. When it faults,
 * execution continues at the fixup with the fault recorded in RAX. */
#ifndef BARETDX_KERNEL_EXTABLE_H
#define BARETDX_KERNEL_EXTABLE_H

#include <stdint.h>

enum extable_kind {
	/* RAX = 0x8000_FF00_0000_0000 | vector: the software-error form
	 * TDX_SEAMCALL_UD / TDX_SEAMCALL_GP take (tdx-abi.md §1.4). */
	EX_SW_ERROR_VECTOR = 1,
	/* RSI = vector: rdmsr_safe (kernel/msr.h). */
	EX_VECTOR_IN_RSI = 2,
};

struct extable_entry {
	uint64_t insn, fixup;
	uint64_t kind;
};

const struct extable_entry *extable_find(uint64_t rip);

#endif
