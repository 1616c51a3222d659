/* Inside the TDMR/PAMT planner: the state tdmr_plan.c (layout) and
 * tdmr_place.c (PAMT blocks, reserved areas) share. Not for callers. */
#ifndef BARETDX_SEAM_TDMR_PLAN_INTERNAL_H
#define BARETDX_SEAM_TDMR_PLAN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "seam/tdmr_plan.h"

#define SZ_4K		4096ull
#define SZ_1G		(1ull << 30)

struct blk {
	uint64_t base, size;
	unsigned owner;			/* TDMR index */
};

struct planner {
	struct tdmr_plan *p;		/* TDMR bases and sizes: the layout */
	const struct tdx_limits *lim;
	const struct plan_alloc_ops *ops;	/* NULL: blocks placed here */
	const struct plan_range *cmr;
	unsigned ncmr;
	struct plan_range run[PLAN_MAX_CMRS];	/* CMRs, touching ones joined */
	unsigned nrun;
	unsigned max_tdmrs, max_rsvd;	/* clamped to PLAN_MAX_* */
	struct blk blk[PLAN_MAX_TDMRS];		/* placed blocks, by base */
	unsigned nblk;
	unsigned cnt[PLAN_MAX_TDMRS];		/* reserved areas per TDMR */
	struct plan_msg msg;		/* into p->why */
};

static inline uint64_t gib_down(uint64_t x)
{
	return x & ~(SZ_1G - 1);
}

static inline uint64_t gib_up(uint64_t x)
{
	return (x + SZ_1G - 1) & ~(SZ_1G - 1);
}

static inline uint64_t end_of(const struct plan_tdmr *t)
{
	return t->base + t->size;
}

static inline bool overlaps(uint64_t a, uint64_t ae, uint64_t b, uint64_t be)
{
	return a < be && b < ae;
}

/* The parts of [b, e) outside every CMR, ascending; at most nrun + 1. */
unsigned plan_holes(const struct planner *pl, uint64_t b, uint64_t e, struct plan_range *h);

/* Reserved areas of [b, e): holes, the placed blocks' parts inside, and
 * `extra` (a candidate block) if given, merged where they touch. Writes
 * up to cap areas as offsets from b; returns how many there are. */
unsigned plan_walk_areas(const struct planner *pl, uint64_t b, uint64_t e,
			 const struct plan_range *extra, struct plan_range *out, unsigned cap);

/* pl->cnt[] for the current layout and blocks. */
void plan_recount(struct planner *pl);
/* First TDMR over max_rsvd, or -1. */
int plan_first_over(const struct planner *pl);

/* One block per TDMR, in TDMR order; 0 or -1 with the reason. */
int plan_place_all(struct planner *pl);
/* Allocator only: another block for one landing in TDMR k, kept if fewer
 * areas pass max_rsvd. */
bool plan_try_move(struct planner *pl, unsigned k);
/* Frees every block (allocator) and forgets them. */
void plan_release_blocks(struct planner *pl);

#endif
