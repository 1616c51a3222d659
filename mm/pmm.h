/* The physical page allocator: one state byte per 4 KiB page (mm/pmm.c
 * explains the design). Pure code: no allocation, no output, host-testable.
 *
 * Addresses are physical; sizes of allocations are in pages. The caller owns
 * the struct and the tag map storage (pmm_tagmap_bytes()) and reserves the
 * tag map's own pages through pmm_reserve() once they are added as free. */
#ifndef BARETDX_MM_PMM_H
#define BARETDX_MM_PMM_H

#include <stddef.h>
#include <stdint.h>

#define PMM_PAGE_SHIFT 12
#define PMM_PAGE_SIZE  (1ull << PMM_PAGE_SHIFT)
#define PMM_OWNERS     64   /* owner ids 1..63; 0 is never an owner */

/* Tag byte of a page. Allocated: PMM_TAG_ALLOC | owner, plus PMM_TAG_HEAD on
 * the first page of each allocation. Any other value is corruption. */
#define PMM_TAG_HOLE  0x00u /* not managed: reserved, MMIO, not RAM */
#define PMM_TAG_FREE  0x01u
#define PMM_TAG_ALLOC 0x80u
#define PMM_TAG_HEAD  0x40u
#define PMM_TAG_OWNER 0x3fu

/* Placement zones, searched from the top down for requests allowed there:
 * the scarce low memory is used last. */
enum pmm_zone {
	PMM_ZONE_1M,   /* below 1 MiB: AP trampolines */
	PMM_ZONE_4G,   /* 1 MiB .. 4 GiB: 32-bit DMA */
	PMM_ZONE_HIGH, /* 4 GiB and above */
	PMM_NZONES
};

enum pmm_status {
	PMM_OK = 0,
	PMM_E_NOMEM = -1,         /* no free run satisfies the request */
	PMM_E_INVAL = -2,         /* bad argument, or address outside/unmanaged */
	PMM_E_DOUBLE_FREE = -3,   /* the first page is already free */
	PMM_E_FOREIGN_FREE = -4,  /* allocated to another owner */
	PMM_E_NOT_HEAD = -5,      /* not the first page of an allocation */
	PMM_E_SIZE_MISMATCH = -6, /* npages differs from the allocation */
	PMM_E_NOT_FREE = -7,      /* pmm_reserve: some page is not free */
};

struct pmm {
	uint8_t *tag;          /* tag[i] describes base_pa + i * 4 KiB */
	uint64_t base_pa;      /* page aligned */
	uint64_t npages;       /* pages covered by the tag map */
	/* zone z covers page indices [zone_start[z], zone_start[z + 1]) */
	uint64_t zone_start[PMM_NZONES + 1];
	uint64_t zone_free[PMM_NZONES];
	uint64_t cursor[PMM_NZONES]; /* next-fit hint: index to search from */
	uint64_t free_pages;
	uint64_t owner_pages[PMM_OWNERS]; /* [0] stays 0 */
};

/* Bytes of tag map for [base_pa, end_pa) rounded outward to pages; 0 when
 * the range is empty or does not fit. */
size_t pmm_tagmap_bytes(uint64_t base_pa, uint64_t end_pa);

/* All pages start as holes. tagmap must hold pmm_tagmap_bytes() bytes. */
int pmm_init(struct pmm *p, uint64_t base_pa, uint64_t end_pa, uint8_t *tagmap);

/* Turns the holes among the whole pages of [pa, pa + size) into free pages,
 * clipped to the managed range; pages already free or allocated stay as
 * they are, so overlapping map entries are harmless. Returns pages added. */
uint64_t pmm_add_free(struct pmm *p, uint64_t pa, uint64_t size);

/* Takes exactly [pa, pa + npages pages) as one allocation of owner; every
 * page must be free. Freed later with pmm_free() like any allocation. */
int pmm_reserve(struct pmm *p, uint64_t pa, uint64_t npages, unsigned owner);

/* A run of npages contiguous pages, its address a multiple of align (a power
 * of two >= 4096) and its end <= max_pa (0 = no limit). Unlimited requests
 * prefer memory above 4 GiB, then 1 MiB..4 GiB, then below 1 MiB. */
int pmm_alloc(struct pmm *p, uint64_t npages, uint64_t align, uint64_t max_pa,
	      unsigned owner, uint64_t *pa_out);

/* Frees a whole allocation; any error leaves every state untouched. */
int pmm_free(struct pmm *p, uint64_t pa, uint64_t npages, unsigned owner);

uint64_t pmm_owner_pages(const struct pmm *p, unsigned owner);
uint64_t pmm_free_pages(const struct pmm *p);
uint64_t pmm_largest_free_run(const struct pmm *p); /* pages */

/* Recounts everything from the tag map: 0 when consistent, else -1 and a
 * short reason in why (always NUL-terminated when why_len > 0). */
int pmm_check(const struct pmm *p, char *why, size_t why_len);

const char *pmm_strerror(int status);

#endif
