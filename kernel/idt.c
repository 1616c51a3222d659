/* The IDT: interrupt gates for all 256 vectors (SDM Vol. 3A §6.14.1),
 * with #DF, NMI and #MC on their own IST stacks so that they work even on
 * a broken kernel stack. */
#include "kernel/cpu.h"
#include "kernel/gdt.h"
#include "kernel/trap.h"

struct __attribute__((packed)) idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "SDM Fig. 6-8");

#define GATE_INTERRUPT 0x8e /* P=1, DPL=0, 64-bit interrupt gate */

extern const uint64_t isr_table[256];
static struct idt_gate idt[256] __attribute__((aligned(16)));

static uint8_t ist_for(unsigned vector)
{
	switch (vector) {
	case 2:  return IST_NMI;
	case 8:  return IST_DF;
	case 18: return IST_MC;
	default: return 0;
	}
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = isr_table[v];
		idt[v] = (struct idt_gate){
			.off_lo = a & 0xffff,
			.sel = SEL_KCODE,
			.ist = ist_for(v),
			.type_attr = GATE_INTERRUPT,
			.off_mid = (a >> 16) & 0xffff,
			.off_hi = a >> 32,
		};
	}
}

void idt_load(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
	lidt(&p);
}
