/* PAMT blocks of the TDMR/PAMT planner (tdx-abi.md §5.4-§5.5): where
 * each TDMR's block goes, and the reserved areas that follow from it. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "seam/tdmr_plan_internal.h"

unsigned plan_walk_areas(const struct planner *pl, uint64_t b, uint64_t e,
			 const struct plan_range *extra, struct plan_range *out, unsigned cap)
{
	struct plan_range h[PLAN_MAX_CMRS + 1];
	unsigned nh = plan_holes(pl, b, e, h), ih = 0, ib = 0, n = 0;
	uint64_t cs = 0, ce = 0, xs = 0, xe = 0;
	bool open = false, xleft = false;

	if (extra && overlaps(extra->base, extra->base + extra->size, b, e)) {
		xs = extra->base > b ? extra->base : b;
		xe = extra->base + extra->size < e ? extra->base + extra->size : e;
		xleft = true;
	}
	while (ib < pl->nblk && pl->blk[ib].base + pl->blk[ib].size <= b)
		ib++;
	for (;;) {
		uint64_t s = ~0ull, t = 0;
		int from = -1;

		if (ih < nh)
			s = h[ih].base, t = s + h[ih].size, from = 0;
		if (ib < pl->nblk && pl->blk[ib].base < e && pl->blk[ib].base < s) {
			s = pl->blk[ib].base;
			t = s + pl->blk[ib].size;
			from = 1;
		}
		if (xleft && xs < s)
			s = xs, t = xe, from = 2;
		if (from < 0)
			break;
		if (from == 0)
			ih++;
		else if (from == 1)
			ib++;
		else
			xleft = false;
		if (s < b)
			s = b;
		if (t > e)
			t = e;
		if (open && s <= ce) {
			if (t > ce)
				ce = t;
			continue;
		}
		if (open) {
			if (out && n < cap)
				out[n] = (struct plan_range){ cs - b, ce - cs };
			n++;
		}
		cs = s, ce = t;
		open = true;
	}
	if (open) {
		if (out && n < cap)
			out[n] = (struct plan_range){ cs - b, ce - cs };
		n++;
	}
	return n;
}

static unsigned count_areas(const struct planner *pl, unsigned i, const struct plan_range *extra)
{
	const struct plan_tdmr *t = &pl->p->tdmr[i];

	return plan_walk_areas(pl, t->base, end_of(t), extra, NULL, 0);
}

void plan_recount(struct planner *pl)
{
	for (unsigned i = 0; i < pl->p->ntdmrs; i++)
		pl->cnt[i] = count_areas(pl, i, NULL);
}

/* Reserved areas above max_rsvd, over all TDMRs. */
static unsigned excess(const struct planner *pl)
{
	unsigned sum = 0;

	for (unsigned i = 0; i < pl->p->ntdmrs; i++)
		if (pl->cnt[i] > pl->max_rsvd)
			sum += pl->cnt[i] - pl->max_rsvd;
	return sum;
}

int plan_first_over(const struct planner *pl)
{
	for (unsigned i = 0; i < pl->p->ntdmrs; i++)
		if (pl->cnt[i] > pl->max_rsvd)
			return (int)i;
	return -1;
}

/* ---- PAMT blocks ------------------------------------------------------------ */

static void insert_blk(struct planner *pl, uint64_t base, uint64_t size, unsigned owner)
{
	unsigned k = pl->nblk;

	while (k && pl->blk[k - 1].base > base) {
		pl->blk[k] = pl->blk[k - 1];
		k--;
	}
	pl->blk[k] = (struct blk){ base, size, owner };
	pl->nblk++;
}

static struct blk take_blk(struct planner *pl, unsigned k)
{
	struct blk b = pl->blk[k];

	memmove(&pl->blk[k], &pl->blk[k + 1], (pl->nblk - k - 1) * sizeof(pl->blk[0]));
	pl->nblk--;
	return b;
}

static void carve(struct planner *pl, unsigned i, uint64_t base)
{
	struct plan_tdmr *t = &pl->p->tdmr[i];

	/* Linux's order inside the block: 4K table, 2M, 1G (§5.5 step 4). */
	for (unsigned l = 0; l < 3; l++) {
		t->pamt[l].base = base;
		t->pamt[l].size = tdmr_pamt_size(t->size, l, pl->lim->pamt_entry_size[l]);
		base += t->pamt[l].size;
	}
}

void plan_release_blocks(struct planner *pl)
{
	for (unsigned k = 0; k < pl->nblk; k++)
		if (pl->ops && pl->ops->free)
			pl->ops->free(pl->ops->ctx, pl->blk[k].base, pl->blk[k].size);
	for (unsigned i = 0; i < pl->p->ntdmrs; i++)
		memset(pl->p->tdmr[i].pamt, 0, sizeof(pl->p->tdmr[i].pamt));
	pl->nblk = 0;
}

/* Inside one CMR run and clear of every placed block. */
static bool spot_free(const struct planner *pl, uint64_t base, uint64_t size)
{
	bool in = false;

	if (base & (SZ_4K - 1) || base >= PLAN_MAX_PA || size > PLAN_MAX_PA - base)
		return false;
	for (unsigned r = 0; r < pl->nrun; r++)
		if (base >= pl->run[r].base && base + size <= pl->run[r].base + pl->run[r].size)
			in = true;
	for (unsigned k = 0; in && k < pl->nblk; k++)
		if (overlaps(base, base + size, pl->blk[k].base, pl->blk[k].base + pl->blk[k].size))
			return false;
	return in;
}

struct spot {
	uint64_t pos;
	unsigned over;		/* areas above max_rsvd it would cause */
	bool away;		/* not inside the TDMR it serves */
	int cost;		/* reserved areas it adds (-1: joins two) */
	uint64_t dist;		/* from the TDMR it serves */
};

static void eval_spot(const struct planner *pl, unsigned owner, uint64_t pos, uint64_t size,
		      struct spot *s)
{
	const struct plan_tdmr *o = &pl->p->tdmr[owner];
	struct plan_range x = { pos, size };

	*s = (struct spot){ .pos = pos };
	for (unsigned j = 0; j < pl->p->ntdmrs && pl->p->tdmr[j].base < pos + size; j++) {
		const struct plan_tdmr *t = &pl->p->tdmr[j];
		unsigned c;

		if (end_of(t) <= pos)
			continue;
		c = count_areas(pl, j, &x);
		s->cost += (int)c - (int)pl->cnt[j];
		if (c > pl->max_rsvd)
			s->over += c - (pl->cnt[j] > pl->max_rsvd ? pl->cnt[j] : pl->max_rsvd);
	}
	s->away = pos < o->base || pos + size > end_of(o);
	s->dist = pos >= end_of(o) ? pos - end_of(o) : pos + size <= o->base ? o->base - pos - size : 0;
}

static bool spot_better(const struct spot *a, const struct spot *b)
{
	if (a->over != b->over)
		return a->over < b->over;
	if (a->away != b->away)
		return !a->away;
	if (a->cost != b->cost)
		return a->cost < b->cost;
	if (a->dist != b->dist)
		return a->dist < b->dist;
	return a->pos > b->pos;
}

static void consider(const struct planner *pl, unsigned owner, uint64_t pos, uint64_t size,
		     struct spot *best, bool *found)
{
	struct spot s;

	eval_spot(pl, owner, pos, size, &s);
	if (!*found || spot_better(&s, best))
		*best = s, *found = true;
}

/* Every free stretch of CMR memory offers its two ends, and the two ends
 * of its part inside each TDMR; ends touch holes or other blocks, which
 * is where a block costs no reserved area. */
static bool choose_spot(const struct planner *pl, unsigned owner, uint64_t size, uint64_t *pos)
{
	struct spot best = { 0 };
	bool found = false;

	for (unsigned r = 0; r < pl->nrun; r++) {
		uint64_t cur = pl->run[r].base, re = cur + pl->run[r].size;
		unsigned k = 0;

		while (cur < re) {
			uint64_t s = cur, e = re;

			while (k < pl->nblk && pl->blk[k].base + pl->blk[k].size <= cur)
				k++;
			if (k < pl->nblk && pl->blk[k].base < re)
				e = pl->blk[k].base > cur ? pl->blk[k].base : cur;
			cur = k < pl->nblk && pl->blk[k].base < re ? pl->blk[k].base + pl->blk[k].size : re;
			if (e - s < size)
				continue;
			consider(pl, owner, e - size, size, &best, &found);
			consider(pl, owner, s, size, &best, &found);
			for (unsigned j = 0; j < pl->p->ntdmrs && pl->p->tdmr[j].base < e; j++) {
				const struct plan_tdmr *t = &pl->p->tdmr[j];
				uint64_t ps = s > t->base ? s : t->base;
				uint64_t pe = e < end_of(t) ? e : end_of(t);

				if (pe > ps && pe - ps >= size) {
					consider(pl, owner, pe - size, size, &best, &found);
					consider(pl, owner, ps, size, &best, &found);
				}
			}
		}
	}
	*pos = best.pos;
	return found;
}

static int fail_alloc(struct planner *pl, unsigned i, uint64_t size, const char *what)
{
	const struct plan_tdmr *t = &pl->p->tdmr[i];

	plan_msg_str(&pl->msg, "TDMR ");
	plan_msg_dec(&pl->msg, i);
	plan_msg_range(&pl->msg, t->base, end_of(t));
	plan_msg_str(&pl->msg, ": PAMT block of ");
	plan_msg_dec(&pl->msg, size >> 10);
	plan_msg_str(&pl->msg, " KiB: ");
	plan_msg_str(&pl->msg, what);
	if (pl->p->merges || pl->p->splits) {
		plan_msg_str(&pl->msg, " (after ");
		plan_msg_dec(&pl->msg, pl->p->merges);
		plan_msg_str(&pl->msg, " merges, ");
		plan_msg_dec(&pl->msg, pl->p->splits);
		plan_msg_str(&pl->msg, " splits)");
	}
	return -1;
}

/* Asks the allocator; anything outside CMR memory or on another block is
 * given back and fails the plan (the kernel's allocator never does that). */
static int alloc_spot(struct planner *pl, uint64_t size, uint64_t *pos)
{
	if (pl->ops->alloc(pl->ops->ctx, size, pos))
		return -1;
	if (!spot_free(pl, *pos, size)) {
		if (pl->ops->free)
			pl->ops->free(pl->ops->ctx, *pos, size);
		return -2;
	}
	return 0;
}

int plan_place_all(struct planner *pl)
{
	plan_recount(pl);
	for (unsigned i = 0; i < pl->p->ntdmrs; i++) {
		uint64_t size = tdmr_pamt_block_size(pl->p->tdmr[i].size, pl->lim), pos;

		if (pl->ops) {
			int rc = alloc_spot(pl, size, &pos);

			if (rc)
				return fail_alloc(pl, i, size, rc == -1 ? "allocator out of memory" :
						  "allocator gave memory outside the CMRs or in use");
		} else if (!choose_spot(pl, i, size, &pos)) {
			return fail_alloc(pl, i, size, "no free CMR stretch that large");
		}
		insert_blk(pl, pos, size, i);
		carve(pl, i, pos);
		plan_recount(pl);
	}
	return 0;
}

/* With an allocator the planner cannot choose spots, but it can ask for
 * another block for a TDMR whose block lands in TDMR k, and keep the new
 * one if fewer areas pass max_rsvd. */
bool plan_try_move(struct planner *pl, unsigned k)
{
	const struct plan_tdmr *t = &pl->p->tdmr[k];
	unsigned before = excess(pl);

	for (unsigned b = 0; b < pl->nblk; b++) {
		struct blk old = pl->blk[b];
		uint64_t pos;

		if (!overlaps(old.base, old.base + old.size, t->base, end_of(t)))
			continue;
		if (alloc_spot(pl, old.size, &pos))
			continue;
		take_blk(pl, b);
		insert_blk(pl, pos, old.size, old.owner);
		plan_recount(pl);
		if (excess(pl) < before) {
			if (pl->ops->free)
				pl->ops->free(pl->ops->ctx, old.base, old.size);
			carve(pl, old.owner, pos);
			pl->p->moves++;
			return true;
		}
		for (unsigned j = 0; j < pl->nblk; j++)
			if (pl->blk[j].base == pos) {
				take_blk(pl, j);
				break;
			}
		insert_blk(pl, old.base, old.size, old.owner);
		plan_recount(pl);
		if (pl->ops->free)
			pl->ops->free(pl->ops->ctx, pos, old.size);
	}
	return false;
}

