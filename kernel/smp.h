/* Other CPUs: start-up through the trampoline, and running functions on
 * them. */
#ifndef BARETDX_KERNEL_SMP_H
#define BARETDX_KERNEL_SMP_H

#include "boot/boot_info.h"
#include "kernel/percpu.h"

/* Boot CPU: per-CPU state on the .bss stacks, before anything else. */
void smp_init_bsp(void);
/* Boot CPU, after paging_init and time_init: LAPIC, then every other CPU
 * the MADT lists (or, without a MADT, that answers a start-up probe). */
void smp_start_aps(const struct boot_info *bi);

unsigned cpus_online(void);

/* Runs fn(arg) on CPU `cpu` and waits; 0 and *result, or -1 when that CPU
 * is not online. */
int on_cpu(unsigned cpu, long (*fn)(void *), void *arg, long *result);
/* Runs fn(arg) on every online CPU in parallel, the caller included, and
 * waits for all; results[cpu id] when results is not NULL. Returns the
 * number of CPUs that ran it. */
unsigned on_each_cpu(long (*fn)(void *), void *arg, long *results);
/* Runs fn(arg) on each listed CPU in parallel (the caller too, when it is
 * listed) and waits for all; returns how many ran it. */
unsigned on_cpus(const unsigned *cpus, unsigned n, long (*fn)(void *), void *arg);
/* The first online CPU of each package, for per-package work (TDX key
 * configuration); returns how many were written. */
unsigned cpus_one_per_package(unsigned *out, unsigned max);

/* An IPI that only interrupts: a CPU running a guest leaves it (an
 * external-interrupt exit), an idle one looks at its mailbox again. */
void smp_kick(unsigned cpu);

/* An interrupt a VM exit acknowledged: handled as if it had arrived. */
void smp_deliver_irq(unsigned vector);

/* Interrupt vectors smp owns (called from trap_dispatch). */
void smp_handle_ipi(unsigned vector);

#endif
