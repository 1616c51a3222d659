#include <string.h>
#include "kernel/cpu.h"
#include "kernel/gdt.h"

/* 64-bit code (L=1, P=1, S=1, type execute/read) and data (P=1, S=1,
 * type read/write) descriptors; base and limit are ignored in long mode. */
#define DESC_KCODE 0x00af9a000000ffffull
#define DESC_KDATA 0x00cf92000000ffffull

static void set_tss_desc(uint64_t *slot, const struct tss64 *tss)
{
	uint64_t base = (uint64_t)(uintptr_t)tss;
	uint64_t limit = sizeof(*tss) - 1;

	/* Available 64-bit TSS, type 9, P=1 (SDM Vol. 3A §8.2.3). */
	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		  (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
		  (((base >> 24) & 0xff) << 56);
	slot[1] = base >> 32;
}

void gdt_load(struct cpu_desc *d, const uint64_t ist_tops[IST_COUNT])
{
	struct desc_ptr p = { sizeof(d->gdt) - 1, (uint64_t)(uintptr_t)d->gdt };

	memset(&d->tss, 0, sizeof(d->tss));
	for (int i = 0; i < IST_COUNT; i++)
		d->tss.ist[i] = ist_tops[i];
	d->tss.iomap_base = sizeof(d->tss); /* no I/O bitmap */
	d->gdt[0] = 0;
	d->gdt[1] = DESC_KCODE;
	d->gdt[2] = DESC_KDATA;
	set_tss_desc(&d->gdt[3], &d->tss);

	lgdt(&p);
	/* Reload CS with a far return, then the data segments. */
	__asm__ volatile("pushq %0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %1, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 : : "i"(SEL_KCODE), "i"(SEL_KDATA) : "rax", "memory");
	ltr(SEL_TSS);
}
