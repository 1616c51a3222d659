/* Reset: FADT RESET_REG (ACPI 6.5 §4.8.4.6), then the keyboard controller
 * pulse, then the PCI reset control register 0xCF9, then a triple fault.
 * Poweroff: SLP_TYPx from \_S5 with SLP_EN into PM1x_CNT (ACPI 6.5
 * §4.8.3.2.1, §7.4.2). */
#include "drivers/platform.h"
#include "drivers/power.h"
#include "kernel/cpu.h"
#include "kernel/log.h"
#include "mm/direct_map.h"

#define SLP_EN (1u << 13)
#define SLP_TYP_SHIFT 10

/* Gives a reset or poweroff time to take effect before the next method.
 * Counted in TSC ticks: about 0.1 s at any plausible frequency. */
static void settle(void)
{
	uint64_t t = rdtsc();
	while (rdtsc() - t < 300000000ull)
		pause();
}

static void gas_write8(const struct acpi_gas *g, uint8_t v)
{
	if (g->space_id == ACPI_GAS_IO)
		outb((uint16_t)g->address, v);
	else if (g->space_id == ACPI_GAS_MEMORY)
		*(volatile uint8_t *)phys_to_virt(g->address) = v;
}

void power_reboot(void)
{
	if (platform.fadt_ok && platform.fadt.reset_supported) {
		gas_write8(&platform.fadt.reset_reg, platform.fadt.reset_value);
		settle();
	}
	/* 8042: wait for the input buffer to drain, then pulse reset. */
	for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
		pause();
	outb(0x64, 0xfe);
	settle();
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);
	settle();
	/* Last resort: an empty IDT turns the next exception into a triple
	 * fault, which resets the processor. */
	struct desc_ptr none = { 0, 0 };
	lidt(&none);
	__asm__ volatile("int3");
}

void power_off(void)
{
	const struct acpi_fadt *f = &platform.fadt;

	if (!platform.fadt_ok || !f->s5_valid || !f->pm1a_cnt) {
		pr_err("poweroff: the ACPI tables give no S5 sleep type or PM1 control port\n");
		return;
	}
	outw((uint16_t)f->pm1a_cnt, (uint16_t)((f->slp_typa << SLP_TYP_SHIFT) | SLP_EN));
	if (f->pm1b_cnt)
		outw((uint16_t)f->pm1b_cnt,
		     (uint16_t)((f->slp_typb << SLP_TYP_SHIFT) | SLP_EN));
	settle();
	pr_err("poweroff: the platform ignored the S5 request\n");
}
