#include <stddef.h>
#include "kernel/stack.h"

#define MAX_STACKS 64

static struct { uint64_t lo, hi; } stacks[MAX_STACKS];
static unsigned nstacks;

void stack_register(void *lo, void *hi)
{
	for (unsigned i = 0; i < nstacks; i++)
		if (stacks[i].lo == (uint64_t)(uintptr_t)lo)
			return;
	if (nstacks < MAX_STACKS) {
		stacks[nstacks].lo = (uint64_t)(uintptr_t)lo;
		stacks[nstacks].hi = (uint64_t)(uintptr_t)hi;
		nstacks++;
	}
}

bool stack_contains(uint64_t p, uint64_t len)
{
	for (unsigned i = 0; i < nstacks; i++)
		if (p >= stacks[i].lo && p <= stacks[i].hi &&
		    len <= stacks[i].hi - p)
			return true;
	return false;
}
