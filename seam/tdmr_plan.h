/* TDMR and PAMT planning (tdx-abi.md §5.2-§5.5): turns the CMR list the
 * module reports into TDMRs, places one PAMT block per TDMR and derives
 * the reserved areas, within the module's limits; checks a plan against
 * every TDH.SYS.CONFIG rule before it is submitted; encodes TDMR_INFO.
 *
 * Pure C11, freestanding, no globals: the kernel calls it with its page
 * allocator, the host tool and the tests without one.
 *
 * How a plan is made (tdmr_plan.c: the TDMRs; tdmr_place.c: PAMT blocks
 * and reserved areas; tdmr_check.c: the module's rules and TDMR_INFO):
 *  1. TDMRs come from the CMRs, not the firmware map (whose many small
 *     holes exhaust reserved areas: tests/data/hosts/README.md): each CMR
 *     rounded out to 1 GiB, overlapping results merged, touching ones too
 *     (Linux's §5.5 walk opens a new TDMR there and pays a 4 KiB 1G table
 *     for it). What inside a TDMR is not CMR memory (a "hole") is a
 *     reserved area.
 *  2. Too many TDMRs: merge the neighbours with the smallest gap whose
 *     union still fits max_rsvd (the gap becomes one more reserved area).
 *  3. A TDMR with more holes than max_rsvd is split at a 1 GiB boundary;
 *     whole empty GiBs at the new edges are trimmed off instead of being
 *     reserved.
 *  4. One PAMT block per TDMR (4K table, then 2M, then 1G, contiguous),
 *     from the allocator, or placed here: never where it would push a TDMR
 *     over max_rsvd while another spot exists (so a block moves to another
 *     TDMR when it must); then in the TDMR's own CMR memory (NUMA), next
 *     to an existing reserved area so it costs none, at the top of the
 *     last CMR piece when all else is equal. The part of every
 *     block inside any TDMR becomes a reserved area; adjacent areas are
 *     merged (Linux keeps them apart; merging saves slots).
 *  5. A TDMR still over max_rsvd: with an allocator, ask it for another
 *     block and keep whichever fits; then split the TDMR and start over.
 *  6. The result passes tdmr_plan_check or the build fails. */
#ifndef BARETDX_SEAM_TDMR_PLAN_H
#define BARETDX_SEAM_TDMR_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLAN_MAX_TDMRS	64	/* MAX_TDMRS of 1.5.01 (§4.2) */
#define PLAN_MAX_RSVD	16	/* MAX_RESERVED_PER_TDMR of 1.5.01 */
#define PLAN_MAX_CMRS	32	/* MAX_CMR (§5.1) */
#define PLAN_MAX_PA	(1ull << 52)	/* no PA reaches this (§5.2) */
#define PLAN_WHY_LEN	160

struct plan_range {
	uint64_t base, size;
};

/* What TDH.SYS.RD reports (§4.2). A module allowing more than PLAN_MAX_*
 * is planned for PLAN_MAX_*; tdmr_plan_encode still writes all of its
 * reserved slots. */
struct tdx_limits {
	unsigned max_tdmrs, max_rsvd;
	unsigned pamt_entry_size[3];	/* [0] 4K, [1] 2M, [2] 1G */
};

struct plan_tdmr {
	uint64_t base, size;
	struct plan_range pamt[3];	/* [0] 4K, [1] 2M, [2] 1G; bases absolute */
	struct plan_range rsvd[PLAN_MAX_RSVD];	/* offset from base, size */
	unsigned nrsvd;
};

struct tdmr_plan {
	struct plan_tdmr tdmr[PLAN_MAX_TDMRS];
	unsigned ntdmrs;
	uint64_t pamt_bytes;		/* all PAMT blocks together */
	unsigned splits, merges, moves;	/* what the planner had to do */
	char why[PLAN_WHY_LEN];		/* on failure: limit, TDMR, what was tried */
};

/* Gives one TDMR's PAMT block: `size` bytes, 4 KiB aligned, physically
 * contiguous, inside CMR memory. alloc returns 0 or nonzero when out of
 * memory. A NULL ops pointer makes the planner place blocks itself. */
struct plan_alloc_ops {
	int (*alloc)(void *ctx, uint64_t size, uint64_t *base);
	void (*free)(void *ctx, uint64_t base, uint64_t size);
	void *ctx;
};

/* CMRs sorted, non-overlapping (touching is fine), 4 KiB aligned, nonzero,
 * below PLAN_MAX_PA, at most PLAN_MAX_CMRS. Returns 0, or -1 with out->why
 * and every block it allocated freed (out->ntdmrs = 0). */
int tdmr_plan_build(const struct plan_range *cmrs, unsigned ncmr, const struct tdx_limits *lim,
		    const struct plan_alloc_ops *alloc, struct tdmr_plan *out);

/* Frees the PAMT blocks through alloc (if any) and empties the plan. */
void tdmr_plan_release(struct tdmr_plan *p, const struct plan_alloc_ops *alloc);

/* Splits the largest TDMRs at 1 GiB boundaries outside holes until there
 * are target_tdmrs (or max_tdmrs) of them, so that TDH.SYS.TDMR.INIT can
 * run on several CPUs at once. A split is made only if it costs at most
 * 8 KiB more PAMT. PAMT blocks are placed again. Returns 0 with the plan
 * valid, or -1 with p->why and the plan as it was (blocks placed anew). */
int tdmr_plan_split_for_parallel(struct tdmr_plan *p, unsigned target_tdmrs,
				 const struct plan_range *cmrs, unsigned ncmr,
				 const struct tdx_limits *lim, const struct plan_alloc_ops *alloc);

/* Every rule TDH.SYS.CONFIG applies (§5.3): count, order and 1 GiB
 * alignment of TDMRs; reserved areas sorted, disjoint, 4K, inside, at
 * most max_rsvd; PAMT sizes and alignment; PAMTs disjoint from each other
 * and from every non-reserved TDMR part; PAMTs and non-reserved parts
 * inside CMRs (adjacent CMRs join). Returns 0, or -1 with a one-line
 * reason in why (len bytes, NUL-terminated). */
int tdmr_plan_check(const struct tdmr_plan *p, const struct plan_range *cmrs, unsigned ncmr,
		    const struct tdx_limits *lim, char *why, size_t len);

/* One TDMR_INFO (§5.2): 64 + 16 * max_rsvd bytes, little-endian, unused
 * reserved slots zeroed. Returns the bytes written, or 0 if len is too
 * small or the TDMR has more than max_rsvd areas. */
size_t tdmr_plan_encode(const struct plan_tdmr *t, unsigned max_rsvd, void *buf, size_t len);

/* round_up(tdmr_size / page * entry_size, 4096) for page_level 0 (4K),
 * 1 (2M) or 2 (1G) (§5.4); saturates instead of overflowing. */
uint64_t tdmr_pamt_size(uint64_t tdmr_size, unsigned page_level, unsigned entry_size);

/* The three tables of one TDMR together. */
uint64_t tdmr_pamt_block_size(uint64_t tdmr_size, const struct tdx_limits *lim);

/* ---- Shared by tdmr_plan.c and tdmr_check.c ---------------------------- */

/* A one-line message built in a fixed buffer; never overruns. */
struct plan_msg {
	char *buf;
	size_t len, pos;
};

void plan_msg_init(struct plan_msg *m, char *buf, size_t len);
void plan_msg_str(struct plan_msg *m, const char *s);
void plan_msg_dec(struct plan_msg *m, uint64_t v);
void plan_msg_hex(struct plan_msg *m, uint64_t v);
/* " [0x<base>, 0x<end>)" */
void plan_msg_range(struct plan_msg *m, uint64_t base, uint64_t end);

/* CMR list rules of tdmr_plan_build; 0 or -1 with a reason. */
int tdmr_plan_check_cmrs(const struct plan_range *cmrs, unsigned ncmr, struct plan_msg *m);
/* Limits the planner can work with; 0 or -1 with a reason. */
int tdmr_plan_check_limits(const struct tdx_limits *lim, struct plan_msg *m);

#endif
