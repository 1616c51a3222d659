#include "kernel/msr.h"

static msr_override_fn override;

void msr_set_platform_override(msr_override_fn fn)
{
	override = fn;
}

int rdmsr_platform(uint32_t msr, uint64_t *v)
{
	uint64_t cpu = 0;
	int err = rdmsr_safe(msr, &cpu);

	if (override && override(msr, cpu, err == 0, v))
		return 0;
	*v = cpu;
	return err;
}
