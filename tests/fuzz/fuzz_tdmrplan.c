/* libFuzzer target: any bytes through cmr_parse, then the planner with the
 * 1.5 limits and with limits derived from the input, placing blocks itself
 * and through a top-down allocator; every plan made must pass the checker,
 * encode, survive the parallel split and give all its memory back.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_tdmrplan.c \
 *       seam/tdmr_plan.c seam/tdmr_place.c seam/tdmr_check.c seam/cmr_parse.c \
 *       -o build/fuzz/fuzz_tdmrplan
 *   build/fuzz/fuzz_tdmrplan -max_total_time=60 tests/fuzz/corpus */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seam/cmr_parse.h"
#include "seam/tdmr_plan.h"
#include "seam/tdx_abi.h"

#define MAX_BLOCKS	(2 * PLAN_MAX_TDMRS)

struct top_down {
	const struct plan_range *cmr;
	unsigned n, nused;
	struct plan_range used[MAX_BLOCKS];
};

static int td_alloc(void *ctx, uint64_t size, uint64_t *base)
{
	struct top_down *a = ctx;

	if (a->nused == MAX_BLOCKS)
		return -1;
	for (unsigned i = a->n; i-- > 0;) {
		uint64_t lo_cmr = a->cmr[i].base, hi = lo_cmr + a->cmr[i].size;

		while (hi - lo_cmr >= size) {
			uint64_t lo = hi - size, next = hi;

			for (unsigned k = 0; k < a->nused; k++)
				if (a->used[k].base < hi && lo < a->used[k].base + a->used[k].size &&
				    a->used[k].base < next)
					next = a->used[k].base;
			if (next == hi) {
				a->used[a->nused++] = (struct plan_range){ lo, size };
				*base = lo;
				return 0;
			}
			if (next - lo_cmr < size)
				break;
			hi = next;
		}
	}
	return -1;
}

static void td_free(void *ctx, uint64_t base, uint64_t size)
{
	struct top_down *a = ctx;

	for (unsigned k = 0; k < a->nused; k++)
		if (a->used[k].base == base && a->used[k].size == size) {
			a->used[k] = a->used[--a->nused];
			return;
		}
	abort();		/* freed what was never given */
}

static void plan_one(const struct cmr_list *in, const struct tdx_limits *lim, bool ops_on)
{
	static struct tdmr_plan p;
	static uint8_t info[TDX_TDMR_INFO_SIZE(PLAN_MAX_RSVD)];
	struct top_down a = { in->cmr, in->n, 0, { { 0, 0 } } };
	struct plan_alloc_ops ops = { td_alloc, td_free, &a };
	const struct plan_alloc_ops *o = ops_on ? &ops : NULL;
	char why[PLAN_WHY_LEN];

	if (tdmr_plan_build(in->cmr, in->n, lim, o, &p)) {
		if (!p.why[0] || a.nused || p.ntdmrs)
			abort();
		return;
	}
	if (tdmr_plan_check(&p, in->cmr, in->n, lim, why, sizeof(why)))
		abort();
	for (unsigned i = 0; i < p.ntdmrs; i++)
		if (tdmr_plan_encode(&p.tdmr[i], PLAN_MAX_RSVD, info, sizeof(info)) == 0)
			abort();
	if (tdmr_plan_split_for_parallel(&p, 8, in->cmr, in->n, lim, o) == 0 &&
	    tdmr_plan_check(&p, in->cmr, in->n, lim, why, sizeof(why)))
		abort();
	if (p.ntdmrs && tdmr_plan_check(&p, in->cmr, in->n, lim, why, sizeof(why)))
		abort();
	tdmr_plan_release(&p, o);
	if (a.nused)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cmr_list in;
	struct tdx_limits lim = { 64, 16, { 16, 16, 16 } };
	uint64_t h = 1469598103934665603ull;

	if (cmr_parse((const char *)data, size, &in))
		return 0;
	plan_one(&in, &lim, false);
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ull;
	lim.max_tdmrs = 1 + h % 64;
	lim.max_rsvd = (h >> 8) % 18;
	lim.pamt_entry_size[(h >> 16) % 3] = 1 + (h >> 24) % 64;
	plan_one(&in, &lim, (h >> 40) & 1);
	return 0;
}
