/* The platform as ACPI describes it, parsed once at boot (acpi.c does the
 * parsing; this file maps tables and keeps the results). */
#ifndef BARETDX_DRIVERS_PLATFORM_H
#define BARETDX_DRIVERS_PLATFORM_H

#include <stdbool.h>
#include "drivers/acpi.h"

struct platform {
	bool acpi_ok;
	struct acpi_info acpi;
	bool madt_ok, fadt_ok, spcr_ok;
	struct acpi_madt madt;
	struct acpi_fadt fadt;
	struct acpi_spcr spcr;
};

extern struct platform platform;

/* CPUs the firmware enabled (MADT enabled or online-capable); 0 without a
 * MADT. */
unsigned platform_enabled_cpus(void);
void platform_init(uint64_t rsdp_pa, uint64_t direct_map_size);
const struct acpi_ops *platform_acpi_ops(void);

#endif
