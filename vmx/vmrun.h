/* The plain (non-TD) VM runner: test guests on VMX with EPT, used as a
 * self-test of the VMX layer and as a baseline. */
#ifndef BARETDX_VMX_VMRUN_H
#define BARETDX_VMX_VMRUN_H

#include <stdint.h>

/* Guest GPRs around VM entry and exit; vmx/entry.asm uses the offsets. */
struct vmx_gprs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t cr2;
};

int vmx_enter(struct vmx_gprs *g, int resume);

int cmd_vm(int argc, char **argv);

/* Dumps every readable field of the current VMCS with its name. */
void vmcs_dump(void);

#endif
