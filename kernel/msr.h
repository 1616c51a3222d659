/* MSR reads that may fault, and platform MSRs an emulator may answer. */
#ifndef BARETDX_KERNEL_MSR_H
#define BARETDX_KERNEL_MSR_H

#include <stdbool.h>
#include <stdint.h>

/* 0 and *v, or the exception vector (13 for #GP) when RDMSR faulted. */
static inline int rdmsr_safe(uint32_t msr, uint64_t *v)
{
	uint32_t lo = 0, hi = 0;
	uint64_t err = 0;

	/* kernel/extable.h EX_VECTOR_IN_RSI = 2 */
	__asm__ volatile("1: rdmsr\n"
			 "2:\n"
			 ".pushsection .ex_table, \"a\"\n"
			 ".balign 8\n"
			 ".quad 1b, 2b, 2\n"
			 ".popsection"
			 : "=a"(lo), "=d"(hi), "+S"(err)
			 : "c"(msr));
	*v = err ? 0 : ((uint64_t)hi << 32) | lo;
	return (int)err;
}

/* A source of platform MSR values that takes precedence over the CPU (the
 * TDX emulator's SEAMRR and KeyID MSRs). It returns true when it answered. */
typedef bool (*msr_override_fn)(uint32_t msr, uint64_t cpu_value, bool cpu_has,
				uint64_t *v);
void msr_set_platform_override(msr_override_fn fn);

/* Reads a platform MSR (TDX detection): the CPU's value, possibly answered
 * or amended by the override. 0 on success, else the fault vector. */
int rdmsr_platform(uint32_t msr, uint64_t *v);

#endif
