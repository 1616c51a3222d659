#include <stddef.h>
#include "kernel/fault.h"
#include "kernel/percpu.h"

_Static_assert(offsetof(struct fault_ctx, rip) == 56, "fault_jmp.asm layout");

int try_call(long (*fn)(void *), void *arg, long *ret, struct fault_info *fi)
{
	struct fault_ctx ctx;
	struct percpu *volatile cpu = this_cpu();

	ctx.prev = cpu->recover;
	if (fault_save(&ctx)) {
		cpu->recover = ctx.prev;
		*fi = ctx.info;
		return -1;
	}
	cpu->recover = &ctx;
	long r = fn(arg);
	cpu->recover = ctx.prev;
	if (ret)
		*ret = r;
	return 0;
}

void fault_resume(struct fault_ctx *c)
{
	fault_restore(c);
}
