/* The kernel's own page tables, replacing the loader's:
 *
 *   direct map   BOOT_DIRECT_MAP_BASE + [0, map_end): RW, NX, large pages
 *   kernel       .text RX, .rodata R+NX, .data/.bss RW+NX (linker.ld)
 *   guard pages  the page below each boot stack in .bss stays unmapped
 *   stacks       STACK_AREA_BASE: each stack follows an unmapped page
 *   trampoline   its page identity-mapped RX, for the AP's switch to long
 *                mode (the only identity mapping left)
 *
 * Tables come from the page allocator below 4 GiB, because the AP
 * trampoline loads CR3 while still in 32-bit mode. */
#include <string.h>
#include "kernel/cpu.h"
#include "kernel/exit.h"
#include "kernel/log.h"
#include "kernel/spinlock.h"
#include "mm/direct_map.h"
#include "mm/page.h"
#include "mm/paging.h"

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_PS   (1ull << 7)
#define PTE_G    (1ull << 8)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define GIB      (1ull << 30)
#define MIB2     (1ull << 21)

#define MSR_EFER 0xc0000080
#define EFER_NXE (1ull << 11)
#define CR0_WP   (1ull << 16)
#define CR4_PGE  (1ull << 7)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __kernel_end[];
extern const uint64_t boot_guards[]; /* kernel/entry.asm */
extern const uint32_t boot_guard_count;

static uint64_t *pml4;
static uint64_t pml4_pa;
static uint64_t kernel_pa;
static struct paging_features feat;
static struct spinlock lock;
static uint64_t next_stack = STACK_AREA_BASE;

static uint64_t *new_table(void)
{
	uint64_t *t = page_alloc_zeroed(OWN_PAGETABLE, MAX_PA_4G);
	if (!t)
		system_fatal("out of memory for page tables");
	return t;
}

/* The table one level down from entry *e, created when absent. */
static uint64_t *next_level(uint64_t *e)
{
	if (!(*e & PTE_P))
		*e = virt_to_phys_direct(new_table()) | PTE_P | PTE_W;
	return phys_to_virt(*e & PTE_ADDR);
}

/* Maps one page of size 4K, 2M or 1G. Intermediate entries are writable
 * and executable; the leaf decides. */
static void map(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
	uint64_t *t = pml4;
	unsigned shift = 39;

	for (;; shift -= 9) {
		uint64_t *e = &t[(va >> shift) & 511];
		if ((1ull << shift) == size) {
			*e = pa | flags | PTE_P | (size > 4096 ? PTE_PS : 0);
			return;
		}
		t = next_level(e);
	}
}

static void map_direct(uint64_t end)
{
	uint64_t flags = PTE_W | PTE_NX | PTE_G;
	for (uint64_t pa = 0; pa < end;) {
		if (feat.gb_pages && !(pa & (GIB - 1)) && end - pa >= GIB) {
			map(BOOT_DIRECT_MAP_BASE + pa, pa, GIB, flags);
			pa += GIB;
		} else {
			map(BOOT_DIRECT_MAP_BASE + pa, pa, MIB2, flags);
			pa += MIB2;
		}
	}
}

static bool is_guard(uint64_t va)
{
	for (unsigned i = 0; i < boot_guard_count; i++)
		if (va == boot_guards[i])
			return true;
	return false;
}

static void map_kernel(void)
{
	uint64_t text_end = (uint64_t)(uintptr_t)__text_end;
	uint64_t data = (uint64_t)(uintptr_t)__data_start;
	uint64_t end = (uint64_t)(uintptr_t)__kernel_end;

	for (uint64_t va = (uint64_t)(uintptr_t)__text_start; va < end; va += 4096) {
		uint64_t flags = PTE_G;
		if (va >= text_end && va < data)
			flags |= PTE_NX;            /* .rodata: R */
		else if (va >= data)
			flags |= PTE_W | PTE_NX;    /* .data, .bss: RW */
		if (!is_guard(va))
			map(va, kernel_pa + (va - BOOT_KERNEL_BASE), 4096, flags);
	}
}

static void detect_features(void)
{
	struct cpuid_regs ext = cpuid(0x80000001, 0), l7 = { 0, 0, 0, 0 };
	if (cpuid(0, 0).eax >= 7)
		l7 = cpuid(7, 0);
	feat.nx = (ext.edx >> 20) & 1;
	feat.gb_pages = (ext.edx >> 26) & 1;
	feat.smep = (l7.ebx >> 7) & 1;
	feat.smap = (l7.ebx >> 20) & 1;
	feat.pge = (cpuid(1, 0).edx >> 13) & 1;
	feat.wp = true;
}

/* CR0.WP makes read-only pages read-only for the kernel too; SMEP and
 * SMAP catch any stray use of a user page (there are none). */
void paging_init_ap(void)
{
	uint64_t cr4 = read_cr4();

	if (feat.nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	__asm__ volatile("mov %0, %%cr0" : : "r"(read_cr0() | CR0_WP));
	if (feat.pge)
		cr4 |= CR4_PGE;
	if (feat.smep)
		cr4 |= CR4_SMEP;
	if (feat.smap)
		cr4 |= CR4_SMAP;
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
}

void paging_init(const struct boot_info *bi)
{
	detect_features();
	if (!feat.nx)
		pr_warn("paging: the CPU has no NX bit: data pages stay executable\n");
	kernel_pa = bi->kernel_pa;
	pml4 = new_table();
	pml4_pa = virt_to_phys_direct(pml4);
	map_direct(bi->direct_map_size);
	map_kernel();
	map(bi->trampoline_pa, bi->trampoline_pa, 4096, 0);
	/* NXE must be on before a table with NX bits is live. */
	paging_init_ap();
	write_cr3(pml4_pa);
	pr_info("paging: kernel text RX, rodata R, data RW+NX; NX %s, SMEP %s, SMAP %s; "
		"direct map %llu GiB with %s pages\n",
		feat.nx ? "on" : "off", feat.smep ? "on" : "off",
		feat.smap ? "on" : "off",
		(unsigned long long)(bi->direct_map_size >> 30),
		feat.gb_pages ? "1 GiB" : "2 MiB");
}

uint64_t paging_cr3(void)
{
	return pml4_pa;
}

struct paging_features paging_features(void)
{
	return feat;
}

uint64_t stack_alloc(unsigned pages)
{
	uint64_t pa, va;

	if (page_alloc(pages, PAGE_SIZE, 0, OWN_STACK, &pa) != 0)
		return 0;
	spin_lock(&lock);
	va = next_stack + PAGE_SIZE; /* leave the guard page unmapped */
	next_stack = va + pages * PAGE_SIZE;
	for (unsigned i = 0; i < pages; i++)
		map(va + i * PAGE_SIZE, pa + i * PAGE_SIZE, 4096,
		    PTE_W | PTE_NX | PTE_G);
	spin_unlock(&lock);
	memset((void *)(uintptr_t)va, 0, pages * PAGE_SIZE);
	return va + pages * PAGE_SIZE;
}
