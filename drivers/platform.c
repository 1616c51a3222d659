#include "drivers/platform.h"
#include <stdarg.h>
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "mm/direct_map.h"

struct platform platform;
static uint64_t mapped_limit;

/* ACPI tables are reached through the direct map; anything outside it is
 * refused rather than faulted on. */
static const void *map_phys(void *ctx, uint64_t pa, uint64_t len)
{
	(void)ctx;
	if (pa >= mapped_limit || len > mapped_limit - pa)
		return NULL;
	return phys_to_virt(pa);
}

static void warn(void *ctx, const char *fmt, ...)
{
	va_list ap;
	char line[200];

	(void)ctx;
	va_start(ap, fmt);
	fmt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pr_warn("acpi: %s\n", line);
}

static const struct acpi_ops ops = { map_phys, warn, NULL };

const struct acpi_ops *platform_acpi_ops(void)
{
	return &ops;
}

void platform_init(uint64_t rsdp_pa, uint64_t direct_map_size)
{
	mapped_limit = direct_map_size;
	if (!rsdp_pa) {
		rsdp_pa = acpi_find_rsdp_legacy(&ops);
		if (!rsdp_pa) {
			pr_warn("acpi: no RSDP from firmware or the legacy BIOS areas; no CPU list, reset or poweroff tables\n");
			return;
		}
		pr_info("acpi: RSDP found by the legacy memory scan at 0x%llx\n",
			(unsigned long long)rsdp_pa);
	}
	platform.acpi_ok = acpi_scan(&ops, rsdp_pa, &platform.acpi) == 0;
	if (!platform.acpi_ok)
		return;
	platform.madt_ok = acpi_parse_madt(&ops, &platform.acpi, &platform.madt) == 0;
	platform.fadt_ok = acpi_parse_fadt(&ops, &platform.acpi, &platform.fadt) == 0;
	platform.spcr_ok = acpi_parse_spcr(&ops, &platform.acpi, &platform.spcr) == 0;
	if (!platform.madt_ok)
		pr_warn("acpi: no usable MADT: only the boot CPU is known\n");
}

unsigned platform_enabled_cpus(void)
{
	return platform.madt_ok ? platform.madt.nenabled : 0;
}
