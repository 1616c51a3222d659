/* Per-CPU state: one struct per CPU, reached through GS (%gs:0 holds its
 * own address). The boot CPU's is static; the others come from the page
 * allocator when they are started (smp.c). */
#ifndef BARETDX_KERNEL_PERCPU_H
#define BARETDX_KERNEL_PERCPU_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/gdt.h"
#include "kernel/topology.h"

#define MAX_CPUS 512

struct stack_range {
	uint64_t lo, hi;
};

struct fault_ctx;

struct percpu {
	struct percpu *self;        /* must stay first: %gs:0 */
	unsigned id;                /* 0 = boot CPU */
	uint32_t apic_id;
	volatile bool online;
	struct cpu_topo topo;
	struct cpu_desc desc;
	struct stack_range stacks[1 + IST_COUNT];
	/* on_cpu() mailbox: the caller fills fn/arg and bumps work_seq; the
	 * CPU runs it and sets done_seq = work_seq. */
	long (*work_fn)(void *);
	void *work_arg;
	volatile long work_result;
	volatile uint32_t work_seq, done_seq;
	struct fault_ctx *recover;  /* armed by try_call() */
	volatile uint64_t timer_irqs; /* LAPIC timer interrupts taken */
	unsigned nostop;            /* held spinlocks + no-stop sections */
	unsigned timer_taken;       /* LAPIC timer lent out (cmdlimit.h) */
	bool vmx_on;                /* in VMX root operation */
	uint64_t vmxon_pa;          /* this CPU's VMXON region */
	uint64_t td_slices;         /* TD preemption-timer slices run here */
};

extern struct percpu *cpu_list[MAX_CPUS];
extern unsigned cpu_count;     /* entries in cpu_list */

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* Points GS at p on the calling CPU. */
void percpu_install(struct percpu *p);

#endif
