/* Time from the TSC: its frequency, busy waits and deadlines. */
#ifndef BARETDX_KERNEL_TIME_H
#define BARETDX_KERNEL_TIME_H

#include <stdbool.h>
#include <stdint.h>

/* Finds the TSC frequency: CPUID 0x15 when it names the crystal, else
 * calibrated against the ACPI PM timer, else the PIT. BSP, once. */
void time_init(void);
uint64_t tsc_hz(void);
const char *tsc_source(void);

void udelay(uint64_t us);
uint64_t deadline_after_us(uint64_t us); /* a TSC value */
uint64_t us_to_tsc(uint64_t us);
bool deadline_passed(uint64_t deadline);
uint64_t tsc_to_us(uint64_t ticks);

/* Pure: the frequency CPUID leaf 0x15 describes, 0 when it does not
 * (SDM Vol. 2A, CPUID leaf 15H: TSC = crystal * EBX / EAX). */
static inline uint64_t tsc_hz_from_cpuid15(uint32_t eax, uint32_t ebx,
					   uint32_t ecx)
{
	if (eax == 0 || ebx == 0 || ecx == 0)
		return 0;
	return (uint64_t)ecx * ebx / eax;
}

#endif
