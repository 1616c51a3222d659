/* Test-and-test-and-set spinlock. Interrupt handlers never take these.
 *
 * In the kernel, a held lock also counts as a section a command time limit
 * must not cut short (cmdlimit.h): stopping a command there would leave
 * the lock held for ever. Host builds of pure modules (unit tests) have no
 * per-CPU area and skip the count. */
#ifndef BARETDX_KERNEL_SPINLOCK_H
#define BARETDX_KERNEL_SPINLOCK_H

#ifdef BARETDX_KERNEL
#include "kernel/percpu.h"
#define SPIN_HOLD()    (this_cpu()->nostop++)
#define SPIN_RELEASE() (this_cpu()->nostop--)
#else
#define SPIN_HOLD()    ((void)0)
#define SPIN_RELEASE() ((void)0)
#endif

struct spinlock {
	volatile int locked;
};

static inline void spin_lock(struct spinlock *l)
{
	SPIN_HOLD();
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__asm__ volatile("pause");
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	SPIN_RELEASE();
}

#endif
