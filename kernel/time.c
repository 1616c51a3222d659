#include "drivers/platform.h"
#include "kernel/cpu.h"
#include "kernel/log.h"
#include "kernel/time.h"

#define PM_TIMER_HZ 3579545ull
#define PIT_HZ      1193182ull
#define CALIBRATE_MS 20

/* Until time_init runs, waits assume a fast TSC: they only get longer. */
static uint64_t hz = 4000000000ull;
static const char *source = "uncalibrated";

/* ACPI PM timer (ACPI 6.5 §4.8.3.3): 3.579545 MHz, 24 or 32 bits. */
static uint64_t calibrate_pm_timer(uint16_t port, bool wide)
{
	uint32_t mask = wide ? 0xffffffffu : 0xffffffu;
	uint32_t want = (uint32_t)(PM_TIMER_HZ * CALIBRATE_MS / 1000);
	uint32_t start = inl(port) & mask, now;
	uint64_t t0 = rdtsc(), spins = 0;

	do {
		now = inl(port) & mask;
		if (++spins > 100000000ull)
			return 0; /* the timer does not count */
	} while (((now - start) & mask) < want);
	return (rdtsc() - t0) * PM_TIMER_HZ / ((now - start) & mask);
}

/* PIT channel 2 in mode 0 with the speaker gate (port 0x61): OUT2 goes
 * high at terminal count (Intel 8254 data sheet). */
static uint64_t calibrate_pit(void)
{
	uint16_t count = (uint16_t)(PIT_HZ * CALIBRATE_MS / 1000);
	uint64_t t0, spins = 0;

	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
	outb(0x43, 0xb0);
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20))
		if (++spins > 100000000ull)
			return 0;
	return (rdtsc() - t0) * PIT_HZ / count;
}

/* Measures against the ACPI PM timer, else the PIT; 0 when neither ticks. */
static uint64_t measure(const char **src)
{
	uint64_t f = 0;

	if (platform.fadt_ok && platform.fadt.pm_tmr_blk) {
		f = calibrate_pm_timer((uint16_t)platform.fadt.pm_tmr_blk,
				       platform.fadt.pm_tmr_32bit);
		*src = "ACPI PM timer";
	}
	if (!f) {
		f = calibrate_pit();
		*src = "PIT";
	}
	return f;
}

/* CPUID 0x15 is exact on real hardware, but emulators report a model's
 * nominal value whatever their TSC does (Bochs ticks at its ips setting).
 * So it is checked against a measurement and loses when they disagree
 * by more than 10%. */
void time_init(void)
{
	uint64_t from_cpuid = 0, measured;
	const char *msrc = "none";

	if (cpuid(0, 0).eax >= 0x15) {
		struct cpuid_regs r = cpuid(0x15, 0);
		from_cpuid = tsc_hz_from_cpuid15(r.eax, r.ebx, r.ecx);
	}
	measured = measure(&msrc);
	if (from_cpuid && (!measured || (measured > from_cpuid * 9 / 10 &&
					 measured < from_cpuid * 11 / 10))) {
		hz = from_cpuid;
		source = "CPUID 0x15";
	} else if (measured) {
		if (from_cpuid)
			pr_warn("time: CPUID 0x15 says %llu MHz but the TSC runs at %llu MHz against the %s; using the measurement\n",
				(unsigned long long)(from_cpuid / 1000000),
				(unsigned long long)(measured / 1000000), msrc);
		hz = measured;
		source = msrc;
	} else {
		pr_err("time: no way to measure the TSC frequency; assuming 1 GHz\n");
		hz = 1000000000ull;
		source = "assumed";
	}
	pr_info("time: TSC %llu.%03llu MHz (%s)\n", (unsigned long long)(hz / 1000000),
		(unsigned long long)(hz / 1000 % 1000), source);
}

uint64_t tsc_hz(void)
{
	return hz;
}

const char *tsc_source(void)
{
	return source;
}

uint64_t us_to_tsc(uint64_t us)
{
	return hz / 1000000 * us + (hz % 1000000) * us / 1000000;
}

uint64_t deadline_after_us(uint64_t us)
{
	return rdtsc() + us_to_tsc(us);
}

bool deadline_passed(uint64_t deadline)
{
	return (int64_t)(rdtsc() - deadline) >= 0;
}

void udelay(uint64_t us)
{
	uint64_t d = deadline_after_us(us);
	while (!deadline_passed(d))
		pause();
}

uint64_t tsc_to_us(uint64_t ticks)
{
	return ticks / (hz / 1000000 ? hz / 1000000 : 1);
}
