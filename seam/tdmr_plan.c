/* TDMR/PAMT planner, the layout half: which TDMRs there are (steps 1-3
 * and 5 of seam/tdmr_plan.h). PAMT blocks are placed by tdmr_place.c.
 *
 * Working state is the plan itself (TDMR bases and sizes in p->tdmr[]) and
 * a struct planner on the stack (about 2.5 KiB). Every layout change
 * (cut, trim, merge) throws the PAMT blocks away and places them again, so
 * the reserved areas are always derived from one consistent picture:
 * holes (TDMR parts outside the CMRs) plus the parts of PAMT blocks inside
 * the TDMR, merged where they touch. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "seam/tdmr_plan_internal.h"

/* Layout changes before the planner gives up; each adds a TDMR or trims
 * one, so the TDMR limit ends the loop long before. */
#define MAX_ROUNDS	(4 * PLAN_MAX_TDMRS)
/* Extra PAMT a cut for parallel init may cost: the 1G table of the new
 * TDMR rounds up to a page, the 2M one at most another (§5.4). */
#define PARALLEL_CUT_COST	(2 * SZ_4K)

unsigned plan_holes(const struct planner *pl, uint64_t b, uint64_t e, struct plan_range *h)
{
	uint64_t cur = b;
	unsigned n = 0;

	for (unsigned r = 0; r < pl->nrun && pl->run[r].base < e; r++) {
		uint64_t rb = pl->run[r].base, re = rb + pl->run[r].size;

		if (re <= b)
			continue;
		if (rb > cur)
			h[n++] = (struct plan_range){ cur, rb - cur };
		if (re > cur)
			cur = re;
	}
	if (cur < e)
		h[n++] = (struct plan_range){ cur, e - cur };
	return n;
}

/* [*b, *e) shrunk to the 1 GiB blocks that hold CMR memory; false if it
 * holds none. PAMT blocks lie in CMR memory, so they are never cut off. */
static bool trim(const struct planner *pl, uint64_t *b, uint64_t *e)
{
	uint64_t lo = 0, hi = 0;
	bool any = false;

	for (unsigned r = 0; r < pl->nrun; r++) {
		uint64_t rb = pl->run[r].base, re = rb + pl->run[r].size;

		if (!overlaps(rb, re, *b, *e))
			continue;
		if (!any)
			lo = rb > *b ? rb : *b;
		hi = re < *e ? re : *e;
		any = true;
	}
	if (any) {
		*b = gib_down(lo);
		*e = gib_up(hi);
	}
	return any;
}

/* ---- Layout changes -------------------------------------------------------- */

static void remove_tdmr(struct tdmr_plan *p, unsigned i)
{
	memmove(&p->tdmr[i], &p->tdmr[i + 1], (p->ntdmrs - i - 1) * sizeof(p->tdmr[0]));
	p->ntdmrs--;
}

static void set_tdmr(struct tdmr_plan *p, unsigned i, uint64_t b, uint64_t e)
{
	memset(&p->tdmr[i], 0, sizeof(p->tdmr[i]));
	p->tdmr[i].base = b;
	p->tdmr[i].size = e - b;
}

/* One TDMR per CMR rounded out to 1 GiB, overlapping or touching ones
 * merged (§5.5 step 3, with CMRs for memblocks). */
static void initial_layout(struct planner *pl)
{
	struct tdmr_plan *p = pl->p;

	p->ntdmrs = 0;
	for (unsigned r = 0; r < pl->nrun; r++) {
		uint64_t b = gib_down(pl->run[r].base), e = gib_up(pl->run[r].base + pl->run[r].size);

		if (p->ntdmrs && b <= end_of(&p->tdmr[p->ntdmrs - 1]))
			p->tdmr[p->ntdmrs - 1].size = e - p->tdmr[p->ntdmrs - 1].base;
		else
			set_tdmr(p, p->ntdmrs++, b, e);
	}
}

/* TDMR i cut at g, each side trimmed to its memory (an empty side goes). */
struct cut {
	uint64_t lb, le, rb, re;	/* le == lb / re == rb: side gone */
	unsigned worst;			/* holes of the worse side */
	uint64_t bytes;			/* TDMR bytes left, for PAMT cost */
};

static void eval_cut(const struct planner *pl, uint64_t b, uint64_t e, uint64_t g, struct cut *c)
{
	struct plan_range h[PLAN_MAX_CMRS + 1];
	unsigned nl = 0, nr = 0;

	c->lb = b, c->le = g, c->rb = g, c->re = e;
	if (trim(pl, &c->lb, &c->le))
		nl = plan_holes(pl, c->lb, c->le, h);
	else
		c->le = c->lb;
	if (trim(pl, &c->rb, &c->re))
		nr = plan_holes(pl, c->rb, c->re, h);
	else
		c->re = c->rb;
	c->worst = nl > nr ? nl : nr;
	c->bytes = (c->le - c->lb) + (c->re - c->rb);
}

static bool cut_two(const struct cut *c)
{
	return c->le > c->lb && c->re > c->rb;
}

static void apply_cut(struct planner *pl, unsigned i, const struct cut *c)
{
	struct tdmr_plan *p = pl->p;

	if (!cut_two(c)) {
		if (c->le > c->lb)
			set_tdmr(p, i, c->lb, c->le);
		else
			set_tdmr(p, i, c->rb, c->re);
		return;
	}
	memmove(&p->tdmr[i + 1], &p->tdmr[i], (p->ntdmrs - i) * sizeof(p->tdmr[0]));
	p->ntdmrs++;
	set_tdmr(p, i, c->lb, c->le);
	set_tdmr(p, i + 1, c->rb, c->re);
	p->splits++;
}

/* Better of two cuts when aiming at `target` holes per side: one that
 * reaches it and costs the least PAMT, else the one with the fewest. */
static bool cut_better(const struct cut *a, const struct cut *b, unsigned target)
{
	bool fa = a->worst <= target, fb = b->worst <= target;

	if (fa != fb)
		return fa;
	if (fa && a->bytes != b->bytes)
		return a->bytes < b->bytes;
	if (a->worst != b->worst)
		return a->worst < b->worst;
	if (a->bytes != b->bytes)
		return a->bytes < b->bytes;
	return !cut_two(a) && cut_two(b);
}

/* Cuts TDMR i at the 1 GiB boundary that best brings its holes down to
 * `target` per side. Candidates are the boundaries around each hole edge:
 * between two of them the result does not change. Returns -1 if no cut
 * reduces the holes (or only a cut that would pass max_tdmrs would). */
static int cut_for_holes(struct planner *pl, unsigned i, unsigned target)
{
	const struct plan_tdmr *t = &pl->p->tdmr[i];
	uint64_t b = t->base, e = end_of(t);
	struct plan_range h[PLAN_MAX_CMRS + 1];
	unsigned nh = plan_holes(pl, b, e, h);
	bool room = pl->p->ntdmrs < pl->max_tdmrs, found = false;
	struct cut best = { 0 }, c;

	for (unsigned k = 0; k < 4 * nh; k++) {
		uint64_t x = k & 2 ? h[k / 4].base + h[k / 4].size : h[k / 4].base;
		uint64_t g = k & 1 ? gib_up(x) : gib_down(x);

		if (g <= b || g >= e)
			continue;
		eval_cut(pl, b, e, g, &c);
		if (c.worst >= nh || (cut_two(&c) && !room))
			continue;
		if (!found || cut_better(&c, &best, target))
			best = c, found = true;
	}
	if (!found)
		return -1;
	apply_cut(pl, i, &best);
	return 0;
}

/* §5.5 gives one TDMR per memory range; with more than max_tdmrs, merge
 * the neighbours with the smallest gap (the least PAMT for memory that is
 * not there) whose union stays within max_rsvd holes. */
static int merge_for_count(struct planner *pl)
{
	struct tdmr_plan *p = pl->p;
	struct plan_range h[PLAN_MAX_CMRS + 1];

	while (p->ntdmrs > pl->max_tdmrs) {
		unsigned best = p->ntdmrs;
		uint64_t best_gap = 0;

		for (unsigned i = 0; i + 1 < p->ntdmrs; i++) {
			uint64_t gap = p->tdmr[i + 1].base - end_of(&p->tdmr[i]);

			if (plan_holes(pl, p->tdmr[i].base, end_of(&p->tdmr[i + 1]), h) > pl->max_rsvd)
				continue;
			if (best == p->ntdmrs || gap < best_gap)
				best = i, best_gap = gap;
		}
		if (best == p->ntdmrs) {
			const struct plan_tdmr *t = &p->tdmr[pl->max_tdmrs];

			plan_msg_str(&pl->msg, "TDMR ");
			plan_msg_dec(&pl->msg, pl->max_tdmrs);
			plan_msg_range(&pl->msg, t->base, end_of(t));
			plan_msg_str(&pl->msg, " is over max_tdmrs ");
			plan_msg_dec(&pl->msg, pl->max_tdmrs);
			plan_msg_str(&pl->msg, "; merging any neighbours passes max_rsvd ");
			plan_msg_dec(&pl->msg, pl->max_rsvd);
			plan_msg_str(&pl->msg, " (after ");
			plan_msg_dec(&pl->msg, p->merges);
			plan_msg_str(&pl->msg, " merges)");
			return -1;
		}
		p->tdmr[best].size = end_of(&p->tdmr[best + 1]) - p->tdmr[best].base;
		remove_tdmr(p, best + 1);
		p->merges++;
	}
	return 0;
}

static int fail_rsvd(struct planner *pl, unsigned k, const char *tail)
{
	const struct plan_tdmr *t = &pl->p->tdmr[k];

	plan_msg_str(&pl->msg, "TDMR ");
	plan_msg_dec(&pl->msg, k);
	plan_msg_range(&pl->msg, t->base, end_of(t));
	plan_msg_str(&pl->msg, " needs ");
	plan_msg_dec(&pl->msg, pl->cnt[k]);
	plan_msg_str(&pl->msg, " reserved areas, max_rsvd ");
	plan_msg_dec(&pl->msg, pl->max_rsvd);
	plan_msg_str(&pl->msg, "; tried ");
	plan_msg_dec(&pl->msg, pl->p->splits);
	plan_msg_str(&pl->msg, " splits, ");
	plan_msg_dec(&pl->msg, pl->p->moves);
	plan_msg_str(&pl->msg, " moves; ");
	plan_msg_str(&pl->msg, tail);
	return -1;
}

/* Places the blocks for the current layout; a TDMR left over max_rsvd
 * gets its blocks moved (allocator) or is cut, and everything is placed
 * again. On success the areas are written out and the plan checked. */
static int plan_layout(struct planner *pl)
{
	struct tdmr_plan *p = pl->p;
	int k;

	for (unsigned round = 0;; round++) {
		plan_release_blocks(pl);
		if (plan_place_all(pl))
			return -1;
		k = plan_first_over(pl);
		while (k >= 0 && pl->ops && plan_try_move(pl, (unsigned)k))
			k = plan_first_over(pl);
		if (k < 0)
			break;
		if (round >= MAX_ROUNDS)
			return fail_rsvd(pl, (unsigned)k, "gave up");
		/* Each side should keep a slot for a PAMT block. */
		if (cut_for_holes(pl, (unsigned)k, pl->max_rsvd ? pl->max_rsvd - 1 : 0))
			return fail_rsvd(pl, (unsigned)k, p->ntdmrs >= pl->max_tdmrs ?
					 "max_tdmrs reached" : "no 1 GiB cut helps");
	}
	p->pamt_bytes = 0;
	for (unsigned i = 0; i < p->ntdmrs; i++) {
		struct plan_tdmr *t = &p->tdmr[i];

		t->nrsvd = plan_walk_areas(pl, t->base, end_of(t), NULL, t->rsvd, PLAN_MAX_RSVD);
		for (unsigned l = 0; l < 3; l++)
			p->pamt_bytes += t->pamt[l].size;
	}
	if (tdmr_plan_check(p, pl->cmr, pl->ncmr, pl->lim, p->why, sizeof(p->why)))
		return -1;
	return 0;
}

/* ---- Entry points --------------------------------------------------------- */

static int planner_init(struct planner *pl, struct tdmr_plan *p, const struct plan_range *cmrs,
			unsigned ncmr, const struct tdx_limits *lim, const struct plan_alloc_ops *ops)
{
	memset(pl, 0, sizeof(*pl));
	pl->p = p;
	plan_msg_init(&pl->msg, p->why, sizeof(p->why));
	if (tdmr_plan_check_limits(lim, &pl->msg) || tdmr_plan_check_cmrs(cmrs, ncmr, &pl->msg))
		return -1;
	if (ops && !ops->alloc) {
		plan_msg_str(&pl->msg, "allocator ops without alloc");
		return -1;
	}
	pl->lim = lim;
	pl->ops = ops;
	pl->cmr = cmrs;
	pl->ncmr = ncmr;
	pl->max_tdmrs = lim->max_tdmrs < PLAN_MAX_TDMRS ? lim->max_tdmrs : PLAN_MAX_TDMRS;
	pl->max_rsvd = lim->max_rsvd < PLAN_MAX_RSVD ? lim->max_rsvd : PLAN_MAX_RSVD;
	for (unsigned i = 0; i < ncmr; i++) {
		struct plan_range *last = pl->nrun ? &pl->run[pl->nrun - 1] : NULL;

		if (last && last->base + last->size == cmrs[i].base)
			last->size += cmrs[i].size;
		else
			pl->run[pl->nrun++] = cmrs[i];
	}
	return 0;
}

int tdmr_plan_build(const struct plan_range *cmrs, unsigned ncmr, const struct tdx_limits *lim,
		    const struct plan_alloc_ops *alloc, struct tdmr_plan *out)
{
	struct plan_range h[PLAN_MAX_CMRS + 1];
	struct planner pl;

	if (!out)
		return -1;
	memset(out, 0, sizeof(*out));
	if (planner_init(&pl, out, cmrs, ncmr, lim, alloc))
		return -1;
	initial_layout(&pl);
	if (merge_for_count(&pl))
		goto fail;
	for (unsigned i = 0; i < out->ntdmrs; i++)
		while (plan_holes(&pl, out->tdmr[i].base, end_of(&out->tdmr[i]), h) > pl.max_rsvd &&
		       cut_for_holes(&pl, i, pl.max_rsvd) == 0)
			;
	if (plan_layout(&pl))
		goto fail;
	return 0;
fail:
	plan_release_blocks(&pl);
	out->ntdmrs = 0;
	out->pamt_bytes = 0;
	return -1;
}

void tdmr_plan_release(struct tdmr_plan *p, const struct plan_alloc_ops *alloc)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->ntdmrs && i < PLAN_MAX_TDMRS; i++) {
		struct plan_tdmr *t = &p->tdmr[i];
		uint64_t size = t->pamt[0].size + t->pamt[1].size + t->pamt[2].size;

		if (alloc && alloc->free && size)
			alloc->free(alloc->ctx, t->pamt[0].base, size);
		memset(t->pamt, 0, sizeof(t->pamt));
	}
	p->ntdmrs = 0;
	p->pamt_bytes = 0;
}

/* The 1 GiB boundary nearest the middle of TDMR i that lies in no hole
 * and costs at most PARALLEL_CUT_COST more PAMT; 0 if there is none. */
/* A cut near `piece` bytes into TDMR i (or near its middle when it is less
 * than two pieces long), so the pieces come out about equal and the work
 * spreads evenly over the CPUs. */
static uint64_t parallel_cut(const struct planner *pl, unsigned i, uint64_t piece)
{
	const struct plan_tdmr *t = &pl->p->tdmr[i];
	uint64_t b = t->base, e = end_of(t);
	uint64_t mid = b + (t->size >= 2 * piece ? piece : gib_down(t->size / 2));
	uint64_t whole = tdmr_pamt_block_size(t->size, pl->lim);
	struct plan_range h[PLAN_MAX_CMRS + 1];
	unsigned nh = plan_holes(pl, b, e, h);

	for (uint64_t d = 0; d < t->size; d += SZ_1G) {
		for (int side = 0; side < 2; side++) {
			uint64_t g, split;
			bool inside = false;

			if ((side && d == 0) || (!side && d >= mid - b) || (side && d >= e - mid))
				continue;
			g = side ? mid + d : mid - d;
			for (unsigned k = 0; k < nh; k++)
				if (g > h[k].base && g < h[k].base + h[k].size)
					inside = true;
			split = tdmr_pamt_block_size(g - b, pl->lim) +
				tdmr_pamt_block_size(e - g, pl->lim);
			if (!inside && split <= whole + PARALLEL_CUT_COST)
				return g;
		}
	}
	return 0;
}

int tdmr_plan_split_for_parallel(struct tdmr_plan *p, unsigned target_tdmrs,
				 const struct plan_range *cmrs, unsigned ncmr,
				 const struct tdx_limits *lim, const struct plan_alloc_ops *alloc)
{
	struct plan_range saved[PLAN_MAX_TDMRS];
	unsigned nsaved, goal;
	uint64_t tried = 0;		/* bit i: TDMR i has no cut */
	struct planner pl;
	char why[PLAN_WHY_LEN];

	if (!p || tdmr_plan_check(p, cmrs, ncmr, lim, why, sizeof(why))) {
		if (p)
			memcpy(p->why, why, sizeof(why));
		return -1;
	}
	nsaved = p->ntdmrs;
	for (unsigned i = 0; i < nsaved; i++)
		saved[i] = (struct plan_range){ p->tdmr[i].base, p->tdmr[i].size };
	tdmr_plan_release(p, alloc);
	p->ntdmrs = nsaved;
	planner_init(&pl, p, cmrs, ncmr, lim, alloc);
	goal = target_tdmrs < pl.max_tdmrs ? target_tdmrs : pl.max_tdmrs;
	uint64_t total = 0, piece;
	for (unsigned i = 0; i < p->ntdmrs; i++)
		total += p->tdmr[i].size;
	/* The smallest whole-GiB piece size that the TDMRs can be cut into
	 * without exceeding the goal: small TDMRs count as one piece each. */
	piece = goal ? gib_up(total / goal) : total;
	if (piece < SZ_1G)
		piece = SZ_1G;
	for (;;) {
		uint64_t need = 0;
		for (unsigned i = 0; i < p->ntdmrs; i++)
			need += p->tdmr[i].size > piece ? (p->tdmr[i].size + piece - 1) / piece : 1;
		if (need <= goal || piece >= total)
			break;
		piece += SZ_1G;
	}
	while (p->ntdmrs < goal) {
		unsigned pick = p->ntdmrs;
		uint64_t g = 0;
		struct cut c;

		for (unsigned i = 0; i < p->ntdmrs; i++)
			if (!(tried >> i & 1) && p->tdmr[i].size >= 2 * SZ_1G &&
			    (pick == p->ntdmrs || p->tdmr[i].size > p->tdmr[pick].size))
				pick = i;
		if (pick == p->ntdmrs)
			break;
		g = parallel_cut(&pl, pick, piece);
		if (!g) {
			tried |= 1ull << pick;
			continue;
		}
		eval_cut(&pl, p->tdmr[pick].base, end_of(&p->tdmr[pick]), g, &c);
		if (cut_two(&c))	/* the new TDMR pick + 1 shifts the bits above */
			tried = (tried & ((1ull << pick) - 1)) | (tried >> pick << (pick + 1));
		apply_cut(&pl, pick, &c);
	}
	if (plan_layout(&pl) == 0)
		return 0;
	memcpy(why, p->why, sizeof(why));
	plan_release_blocks(&pl);
	for (unsigned i = 0; i < nsaved; i++)
		set_tdmr(p, i, saved[i].base, saved[i].base + saved[i].size);
	p->ntdmrs = nsaved;
	if (plan_layout(&pl)) {
		plan_release_blocks(&pl);
		p->ntdmrs = 0;
	}
	memcpy(p->why, why, sizeof(why));
	return -1;
}
