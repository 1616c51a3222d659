/* Running code that is expected to fault: try_call() runs a function and,
 * when a CPU exception hits while it runs, returns with what happened
 * instead of halting. For self-tests and probes, not for normal paths. */
#ifndef BARETDX_KERNEL_FAULT_H
#define BARETDX_KERNEL_FAULT_H

#include <stdint.h>

struct fault_info {
	uint64_t vector, error, cr2, rip;
};

struct fault_ctx {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip; /* fault_jmp.asm */
	struct fault_info info;
	struct fault_ctx *prev;
};

/* 0 with *ret = fn(arg); -1 with *fi filled when fn faulted. */
int try_call(long (*fn)(void *), void *arg, long *ret, struct fault_info *fi);

/* The setjmp/longjmp pair under try_call (fault_jmp.asm), also used by
 * cmdlimit.c: fault_save returns 0, then 1 when fault_restore resumes it. */
int fault_save(struct fault_ctx *c) __attribute__((returns_twice));
__attribute__((noreturn)) void fault_restore(struct fault_ctx *c);

/* For trap.c: resumes the innermost try_call with the fault. */
__attribute__((noreturn)) void fault_resume(struct fault_ctx *c);

#endif
