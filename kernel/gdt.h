/* Per-CPU descriptor tables: GDT and TSS with IST stacks (SDM Vol. 3A
 * §3.4.5, §8.7). The IDT is shared (idt.c). */
#ifndef BARETDX_KERNEL_GDT_H
#define BARETDX_KERNEL_GDT_H

#include <stdint.h>

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_TSS   0x18

/* IST slots (1-based, as in the IDT gate). */
#define IST_DF  1
#define IST_NMI 2
#define IST_MC  3
#define IST_COUNT 3
#define IST_STACK_SIZE (16 * 1024)

struct __attribute__((packed)) tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};
_Static_assert(sizeof(struct tss64) == 104, "TSS layout (SDM Fig. 8-11)");

struct cpu_desc {
	uint64_t gdt[5]; /* null, code, data, TSS (two slots) */
	struct tss64 tss;
};

/* Builds and loads the tables on the calling CPU; ist_tops[i] is the top
 * of the stack for IST slot i + 1, each IST_STACK_SIZE bytes. */
void gdt_load(struct cpu_desc *d, const uint64_t ist_tops[IST_COUNT]);

#endif
