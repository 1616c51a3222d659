/* Local APIC in x2APIC mode when the CPU has it (TDX requires it), else
 * xAPIC over MMIO (SDM Vol. 3A ch. 11). */
#ifndef BARETDX_DRIVERS_LAPIC_H
#define BARETDX_DRIVERS_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define VEC_WAKE     0xf0  /* IPI that wakes an idle CPU for work */
#define VEC_TIMER    0xf1  /* LAPIC timer */
#define VEC_SPURIOUS 0xff

void lapic_init(void);          /* on each CPU */
bool lapic_x2apic(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
/* An interrupt is requested and not yet taken (any IRR bit). */
bool lapic_irr_pending(void);
void lapic_send_init(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, uint8_t vector);
void lapic_send_fixed(uint32_t apic_id, uint8_t vector);
/* Calibrates the timer against the TSC (once, on the BSP). */
void lapic_timer_calibrate(void);
/* One-shot timer interrupt (VEC_TIMER) after `us` microseconds; 0 stops. */
void lapic_timer_oneshot(uint64_t us);
uint64_t lapic_timer_hz(void);

#endif
