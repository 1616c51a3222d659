/* Exceptions and interrupts. */
#ifndef BARETDX_KERNEL_TRAP_H
#define BARETDX_KERNEL_TRAP_H

#include <stdbool.h>
#include <stdint.h>

/* Layout pushed by isr.asm, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "matches isr.asm");

void idt_init(void);   /* builds the shared IDT */
void idt_load(void);   /* loads it on the calling CPU */
void trap_dispatch(struct trap_frame *f);

/* A handler that may claim an exception before the fixup table and the
 * report see it (the TDX emulator claims #UD on SEAMCALL). It returns
 * true when it handled the exception and the frame is ready to resume. */
typedef bool (*trap_hook_fn)(struct trap_frame *f);
void trap_set_ud_hook(trap_hook_fn fn);

/* Prints the call chain starting at the frame pointer `rbp`. */
void backtrace_from(uint64_t rip, uint64_t rbp);

#endif
