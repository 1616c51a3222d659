#include "kernel/percpu.h"
#include "kernel/stack.h"

bool stack_contains(uint64_t p, uint64_t len)
{
	const struct percpu *c = this_cpu();

	for (unsigned i = 0; i < 1 + IST_COUNT; i++) {
		const struct stack_range *s = &c->stacks[i];
		if (p >= s->lo && p <= s->hi && len <= s->hi - p)
			return true;
	}
	return false;
}
