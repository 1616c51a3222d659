/* EPT paging-structure builder (Intel SDM Vol. 3C §29.3): 4-level extended
 * page tables for plain test VMs and for the shared EPT of TDX TDs.
 *
 * Pure code: paging-structure pages come and go through struct ept_ops, so
 * the kernel plugs in its page allocator and direct map and the host unit
 * test plugs in a fake. Not thread-safe: the caller serialises calls on one
 * struct ept (a vCPU may run on it meanwhile, see below).
 *
 * Model. Every operation takes a naturally aligned region of 4 KiB, 2 MiB or
 * 1 GiB (EPT_4K, EPT_2M, EPT_1G) below EPT_GPA_LIMIT, except ept_map_range.
 *  - ept_map installs one leaf and refuses (EPT_E_EXISTS) whenever anything
 *    is mapped in its region already: a present leaf, a larger leaf covering
 *    it, or a table holding smaller leaves; even an identical mapping (change
 *    permissions with ept_protect). Guest mappings are never dropped
 *    silently.
 *  - ept_unmap, ept_protect and ept_split act on what is mapped inside the
 *    region and split a larger leaf that covers only part of it first; they
 *    return EPT_E_NOT_MAPPED, changing nothing, when nothing is mapped there.
 *  - Every status other than 0 means nothing changed, EPT_E_NOMEM included:
 *    pages for new tables are allocated and filled before one 8-byte store
 *    makes them reachable, and freed again when a later allocation fails.
 *  - Tables are freed as soon as they become empty, so table_pages is exact:
 *    1 (the PML4) when nothing is mapped.
 *
 * Invalidation (SDM §29.4.3.4) is the caller's job: run INVEPT
 * (single-context, with ept_eptp()) on every CPU that may have used this EPT
 * after
 *  - ept_unmap, and ept_protect when it clears R, W or X (or XU);
 *  - ept_split, and ept_unmap/ept_protect that split a leaf: bit 7 changed;
 *  - an ept_map_range that failed after mapping part of its range (it
 *    removed those mappings again);
 *  - before the pages given to free_page are reused, and before ept_destroy
 *    returns them: a CPU may still hold cached copies of entries pointing at
 *    them. The kernel's free_page can queue pages until the next INVEPT.
 * ept_map and ept_protect that only add permissions need none: non-present
 * entries are never cached, and a stale one costs one spurious EPT violation.
 *
 * A/D flags (§29.3.4): the processor sets bits 8 and 9 with locked updates;
 * ept_protect and splits keep them, but a flag set between the builder's read
 * and write of an entry is lost. Dirty tracking needs stopped vCPUs. */
#ifndef BARETDX_MM_EPT_H
#define BARETDX_MM_EPT_H

#include <stdbool.h>
#include <stdint.h>

#define EPT_4K (1ull << 12)
#define EPT_2M (1ull << 21)
#define EPT_1G (1ull << 30)
/* 4 levels translate guest-physical bits 47:0 (§29.3.2). */
#define EPT_GPA_LIMIT (1ull << 48)

struct ept_ops {
	/* One 4 KiB page for a paging structure (its contents do not matter:
	 * the builder writes all 512 entries). 0 and its physical address, or
	 * -1 when out of memory. */
	int (*alloc_page)(void *ctx, uint64_t *pa);
	void (*free_page)(void *ctx, uint64_t pa);
	void *(*phys_to_virt)(void *ctx, uint64_t pa);
	void *ctx;
};

/* ept_init flags, from IA32_VMX_EPT_VPID_CAP (SDM Vol. 3C Appendix A.10).
 * A value the CPU does not support is an EPT misconfiguration (§29.3.3.1),
 * so the builder only produces what the flags allow. */
enum {
	EPT_F_2M = 1,    /* bit 16: 2 MiB leaves (PDE bit 7) */
	EPT_F_1G = 2,    /* bit 17: 1 GiB leaves (PDPTE bit 7); needs EPT_F_2M */
	EPT_F_XONLY = 4, /* bit 0: execute-only leaves (no R, no W) */
	/* Bit 63 in every entry written, non-present ones included, so no
	 * EPT violation is convertible to #VE: needed where the
	 * "EPT-violation #VE" control is 1, as the TDX module sets it for TDs
	 * (Vol. 3C "Convertible EPT Violations"). */
	EPT_F_SVE = 8,
};

/* Permissions, numerically the entry bits. EPT_XU is user-mode execute, used
 * when "mode-based execute control for EPT" is 1 (then EPT_X is
 * supervisor-mode execute); it is ignored otherwise. A mapping needs R or X;
 * W needs R (§29.3.3.1: write-only and write/execute are misconfigurations);
 * without R it is execute-only and needs EPT_F_XONLY. */
enum { EPT_R = 1, EPT_W = 2, EPT_X = 4, EPT_XU = 1u << 10 };

/* EPT memory types of leaf entries, bits 5:3 (§29.3.7); 2, 3, 7 reserved. */
enum ept_memtype {
	EPT_MT_UC = 0, EPT_MT_WC = 1, EPT_MT_WT = 4, EPT_MT_WP = 5, EPT_MT_WB = 6
};

enum {
	EPT_OK = 0,
	EPT_E_NOMEM = -1,      /* alloc_page failed; nothing changed */
	EPT_E_INVAL = -2,      /* size, alignment, range, permission or type */
	EPT_E_EXISTS = -3,     /* ept_map(_range): something mapped there */
	EPT_E_NOT_MAPPED = -4, /* nothing mapped in the region */
};

struct ept {
	struct ept_ops ops;
	uint64_t root_pa;     /* the PML4 */
	uint64_t table_pages; /* paging-structure pages held, root included */
	uint64_t hpa_limit;   /* 1 << MAXPHYADDR: higher bits are reserved */
	uint64_t empty;       /* a non-present entry: 0, or bit 63 (EPT_F_SVE) */
	unsigned flags;
};

/* Allocates the PML4. maxphyaddr is CPUID.80000008H:EAX[7:0] (36..52; 0
 * means 52). EPT_E_INVAL for bad flags or width, EPT_E_NOMEM. */
int ept_init(struct ept *e, const struct ept_ops *ops, unsigned flags,
	     unsigned maxphyaddr);
/* One leaf of size EPT_4K, EPT_2M or EPT_1G; gpa and hpa aligned to it. */
int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t size,
	    unsigned perm, enum ept_memtype mt);
/* [gpa, gpa + len), 4 KiB aligned, with the largest leaves the flags and the
 * common alignment of gpa and hpa allow. All or nothing: on failure the
 * leaves it made are removed again. */
int ept_map_range(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t len,
		  unsigned perm, enum ept_memtype mt);
/* Removes every translation in the region. */
int ept_unmap(struct ept *e, uint64_t gpa, uint64_t size);
/* Splits the leaf covering the to_size region at gpa, if larger, into a
 * table of leaves with its attributes, down to leaves of to_size. */
int ept_split(struct ept *e, uint64_t gpa, uint64_t to_size);
/* Sets the permissions of every leaf in the region; no split when a larger
 * leaf covering it has them already. */
int ept_protect(struct ept *e, uint64_t gpa, uint64_t size, unsigned perm);

struct ept_walk {
	int level;          /* of the leaf: 3 PDPTE (1 GiB), 2 PDE, 1 PTE; 0 none */
	uint64_t hpa;       /* including gpa's offset within the page */
	uint64_t page_size;
	unsigned perm;      /* EPT_R | EPT_W | EPT_X | EPT_XU */
	enum ept_memtype mt;
	uint64_t entry;     /* the raw leaf entry */
};
/* Translates any gpa below EPT_GPA_LIMIT; EPT_E_NOT_MAPPED (w->level 0). */
int ept_lookup(const struct ept *e, uint64_t gpa, struct ept_walk *w);
/* Frees every paging-structure page, the root included. */
void ept_destroy(struct ept *e);
/* EPTP (SDM Vol. 3C §25.6.11): paging structures WB (else UC), a 4-level
 * walk, A/D flags enabled when accessed_dirty (needs EPT_VPID_CAP bit 21). */
uint64_t ept_eptp(const struct ept *e, bool wb, bool accessed_dirty);
const char *ept_strerror(int status);

#endif
