/* Initial 4-level page tables for the hand-over (SDM Vol. 3A §4.5).
 *
 *   [0, map_end)                identity, so the loader keeps running
 *                               after it loads CR3 (the kernel drops it)
 *   BOOT_DIRECT_MAP_BASE + pa   direct map of the same range
 *   BOOT_KERNEL_BASE ...        the kernel image, 4 KiB pages
 *
 * The identity and direct map share their PDPT pages. Large pages are
 * 1 GiB when CPUID.80000001H:EDX.Page1GB[26] says so, else 2 MiB. */
#include "boot/loader.h"

#define PTE_P  (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_PS (1ull << 7)
#define GIB    (1ull << 30)
#define ENTRIES 512

static BOOLEAN cpu_has_1g_pages(void)
{
	UINT32 a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
			 : "a"(0x80000000u), "c"(0));
	if (a < 0x80000001u)
		return FALSE;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
			 : "a"(0x80000001u), "c"(0));
	return (d >> 26) & 1;
}

static UINT64 *new_table(UINT64 *pa)
{
	if (loader_alloc_pages(EFI_TYPE_BARETDX_BOOT_DATA, 1, 0, pa) !=
	    EFI_SUCCESS)
		return NULL;
	return (UINT64 *)(UINTN)*pa;
}

/* Fills one PDPT covering [first_gib, first_gib + 512) GiB up to map_end. */
static EFI_STATUS fill_pdpt(UINT64 *pdpt, UINT64 first_gib, UINT64 map_end,
			    BOOLEAN use_1g)
{
	for (UINT64 i = 0; i < ENTRIES; i++) {
		UINT64 base = (first_gib + i) * GIB;
		UINT64 pd_pa;
		UINT64 *pd;

		if (base >= map_end)
			break;
		if (use_1g) {
			pdpt[i] = base | PTE_P | PTE_RW | PTE_PS;
			continue;
		}
		pd = new_table(&pd_pa);
		if (!pd)
			return EFI_OUT_OF_RESOURCES;
		for (UINT64 j = 0; j < ENTRIES; j++)
			pd[j] = (base + (j << 21)) | PTE_P | PTE_RW | PTE_PS;
		pdpt[i] = pd_pa | PTE_P | PTE_RW;
	}
	return EFI_SUCCESS;
}

static EFI_STATUS map_kernel(UINT64 *pml4, const struct loaded_kernel *k)
{
	UINT64 pdpt_pa, pd_pa, *pdpt, *pd;
	UINT64 pages = k->size >> 12;
	/* linker.ld places the kernel in the last 2 GiB: PML4 slot 511,
	 * PDPT slot 510 onward. */
	UINT64 pd_first = (k->vbase >> 21) & 511;

	pdpt = new_table(&pdpt_pa);
	pd = new_table(&pd_pa);
	if (!pdpt || !pd || pd_first + ((pages + 511) >> 9) > ENTRIES)
		return EFI_OUT_OF_RESOURCES;
	pml4[511] = pdpt_pa | PTE_P | PTE_RW;
	pdpt[(k->vbase >> 30) & 511] = pd_pa | PTE_P | PTE_RW;
	for (UINT64 p = 0; p < pages; p++) {
		UINT64 va = k->vbase + (p << 12);
		UINT64 pdi = (va >> 21) & 511;
		UINT64 *pt;
		UINT64 pt_pa;

		if (!(pd[pdi] & PTE_P)) {
			pt = new_table(&pt_pa);
			if (!pt)
				return EFI_OUT_OF_RESOURCES;
			pd[pdi] = pt_pa | PTE_P | PTE_RW;
		}
		pt = (UINT64 *)(UINTN)(pd[pdi] & ~0xfffull);
		pt[(va >> 12) & 511] = (k->pa + (p << 12)) | PTE_P | PTE_RW;
	}
	return EFI_SUCCESS;
}

EFI_STATUS paging_build(UINT64 map_end, const struct loaded_kernel *k,
			UINT64 *pml4_pa, BOOLEAN *used_1g)
{
	UINT64 *pml4;
	UINT64 slots = (map_end + 512 * GIB - 1) / (512 * GIB);
	BOOLEAN use_1g = cpu_has_1g_pages();
	EFI_STATUS st;

	/* Slots 256..510 hold the direct map: up to 255 * 512 GiB. */
	if (slots > 255)
		return EFI_UNSUPPORTED;
	pml4 = new_table(pml4_pa);
	if (!pml4)
		return EFI_OUT_OF_RESOURCES;
	for (UINT64 s = 0; s < slots; s++) {
		UINT64 pdpt_pa, *pdpt = new_table(&pdpt_pa);
		if (!pdpt)
			return EFI_OUT_OF_RESOURCES;
		st = fill_pdpt(pdpt, s * 512, map_end, use_1g);
		if (EFI_ERROR(st))
			return st;
		pml4[s] = pdpt_pa | PTE_P | PTE_RW;
		pml4[256 + s] = pdpt_pa | PTE_P | PTE_RW;
	}
	*used_1g = use_1g;
	return map_kernel(pml4, k);
}
