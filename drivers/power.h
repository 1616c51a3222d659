/* Reset and poweroff (ACPI FADT first, legacy fallbacks after). */
#ifndef BARETDX_DRIVERS_POWER_H
#define BARETDX_DRIVERS_POWER_H

void power_reboot(void);  /* returns only if every method failed */
void power_off(void);     /* returns when poweroff is not possible */

#endif
