#include "drivers/lapic.h"
#include "kernel/cpu.h"
#include "kernel/time.h"
#include "mm/direct_map.h"

#define MSR_APIC_BASE  0x1b
#define APIC_BASE_EN   (1ull << 11)
#define APIC_BASE_EXTD (1ull << 10)
#define MSR_X2APIC     0x800   /* + (xAPIC offset >> 4) */

enum {
	REG_ID = 0x20, REG_EOI = 0xb0, REG_SVR = 0xf0, REG_ICR_LO = 0x300,
	REG_ICR_HI = 0x310, REG_LVT_TIMER = 0x320, REG_TIMER_INIT = 0x380,
	REG_TIMER_CUR = 0x390, REG_TIMER_DIV = 0x3e0,
};

#define ICR_INIT       (5u << 8)
#define ICR_STARTUP    (6u << 8)
#define ICR_ASSERT     (1u << 14)
#define ICR_PENDING    (1u << 12)
#define SVR_ENABLE     (1u << 8)
#define LVT_MASKED     (1u << 16)
#define TIMER_DIV_16   0x3

static bool x2apic;
static volatile uint32_t *mmio;
static uint64_t timer_hz; /* ticks per second at divide-by-16 */

bool lapic_x2apic(void)
{
	return x2apic;
}

static uint32_t rd(uint32_t reg)
{
	return x2apic ? (uint32_t)rdmsr(MSR_X2APIC + (reg >> 4)) : mmio[reg / 4];
}

static void wr(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(MSR_X2APIC + (reg >> 4), v);
	else
		mmio[reg / 4] = v;
}

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	/* CPUID.1:ECX[21] = x2APIC. The mode is the same on every CPU
	 * because every CPU runs this. */
	x2apic = (cpuid(1, 0).ecx >> 21) & 1;
	base |= APIC_BASE_EN;
	if (x2apic)
		base |= APIC_BASE_EXTD;
	wrmsr(MSR_APIC_BASE, base);
	mmio = phys_to_virt(base & 0xffffff000ull);
	wr(REG_SVR, SVR_ENABLE | VEC_SPURIOUS);
	wr(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	wr(REG_TIMER_DIV, TIMER_DIV_16);
}

uint32_t lapic_id(void)
{
	return x2apic ? rd(REG_ID) : rd(REG_ID) >> 24;
}

void lapic_eoi(void)
{
	wr(REG_EOI, 0);
}

static void send_icr(uint32_t apic_id, uint32_t lo)
{
	if (x2apic) {
		wrmsr(MSR_X2APIC + (REG_ICR_LO >> 4), ((uint64_t)apic_id << 32) | lo);
		return;
	}
	wr(REG_ICR_HI, apic_id << 24);
	wr(REG_ICR_LO, lo);
	for (int i = 0; i < 1000000 && (rd(REG_ICR_LO) & ICR_PENDING); i++)
		pause();
}

void lapic_send_init(uint32_t apic_id)
{
	send_icr(apic_id, ICR_INIT | ICR_ASSERT);
}

void lapic_send_sipi(uint32_t apic_id, uint8_t vector)
{
	send_icr(apic_id, ICR_STARTUP | ICR_ASSERT | vector);
}

void lapic_send_fixed(uint32_t apic_id, uint8_t vector)
{
	send_icr(apic_id, ICR_ASSERT | vector);
}

void lapic_timer_calibrate(void)
{
	uint64_t t0;
	uint32_t left;

	wr(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	wr(REG_TIMER_INIT, 0xffffffffu);
	t0 = rdtsc();
	udelay(10000);
	left = rd(REG_TIMER_CUR);
	uint64_t ticks = 0xffffffffu - left;
	uint64_t tsc = rdtsc() - t0;
	wr(REG_TIMER_INIT, 0);
	timer_hz = tsc ? ticks * tsc_hz() / tsc : 0;
}

bool lapic_irr_pending(void)
{
	/* IRR: eight 32-bit registers at 0x200, 0x210, ... 0x270. */
	for (uint32_t reg = 0x200; reg <= 0x270; reg += 0x10)
		if (rd(reg))
			return true;
	return false;
}

uint64_t lapic_timer_hz(void)
{
	return timer_hz;
}

void lapic_timer_oneshot(uint64_t us)
{
	uint64_t ticks = timer_hz * us / 1000000;

	if (us == 0) {
		wr(REG_TIMER_INIT, 0);
		return;
	}
	if (ticks == 0)
		ticks = 1;
	if (ticks > 0xffffffffu)
		ticks = 0xffffffffu;
	wr(REG_LVT_TIMER, VEC_TIMER); /* one-shot, unmasked */
	wr(REG_TIMER_INIT, (uint32_t)ticks);
}
