/* Host page tables (SDM Vol. 3A §4.5): a direct map of RAM and the low
 * 4 GiB, the kernel mapped by section, stacks with guard pages. */
#ifndef BARETDX_MM_PAGING_H
#define BARETDX_MM_PAGING_H

#include <stdbool.h>
#include <stdint.h>
#include "boot/boot_info.h"

#define STACK_AREA_BASE 0xffffc00000000000ull /* PML4 slot 384 */

/* Builds the tables, switches CR3 and turns on NXE, WP, SMEP, SMAP. */
void paging_init(const struct boot_info *bi);
/* Turns on the same CR0/CR4/EFER protections on an AP. */
void paging_init_ap(void);
uint64_t paging_cr3(void);

/* A kernel stack of `pages` pages with an unmapped guard page below it;
 * returns its top (initial RSP), or 0 when out of memory. */
uint64_t stack_alloc(unsigned pages);

/* Which protections are on, for reports. */
struct paging_features {
	bool nx, wp, smep, smap, pge, gb_pages;
};
struct paging_features paging_features(void);

#endif
