/* The kernel's page allocator: mm/pmm.c over the boot memory map, with a
 * lock, owner names and the `mem stats` / `mem check` reports. */
#ifndef BARETDX_MM_PAGE_H
#define BARETDX_MM_PAGE_H

#include <stdint.h>
#include "boot/boot_info.h"

/* Owner tags (pmm owner ids 1..63). Names are in page.c. */
enum page_owner {
	OWN_PMM = 1,      /* the allocator's own tag map */
	OWN_KERNEL,       /* kernel image */
	OWN_BOOT,         /* boot_info, cfg, symbols, loader page tables */
	OWN_LOADER,       /* loader image (reclaimable later) */
	OWN_TRAMPOLINE,   /* AP start-up page */
	OWN_PAGETABLE,    /* host page tables */
	OWN_STACK,        /* kernel and IST stacks */
	OWN_PERCPU,       /* per-CPU structs */
	OWN_TEST,         /* self-tests */
	OWN_VMX,          /* VMXON regions, VMCSs, bitmaps */
	OWN_VM,           /* plain test VMs: guest memory and EPT tables */
	OWN_TDX,          /* TDX module init: PAMT, TDMR_INFO */
	OWN_TD,           /* pages given to the TDX module for TDs */
	OWN_COUNT
};

#define PAGE_SIZE 4096ull
#define MAX_PA_1M (1ull << 20)
#define MAX_PA_4G (1ull << 32)

void page_init(const struct boot_info *bi);
/* 0 on success; a negative pmm status otherwise (never panics). */
int page_alloc(uint64_t npages, uint64_t align, uint64_t max_pa,
	       enum page_owner owner, uint64_t *pa);
int page_free(uint64_t pa, uint64_t npages, enum page_owner owner);
/* One zeroed page, returned by its direct-map address; NULL when out. */
void *page_alloc_zeroed(enum page_owner owner, uint64_t max_pa);
uint64_t page_owner_pages(enum page_owner owner);
uint64_t page_free_pages(void);
const char *page_owner_name(unsigned owner);
const char *page_strerror(int status);
int cmd_mem_stats(void);
int cmd_mem_stats_json(void);
int cmd_mem_check(void);

#endif
