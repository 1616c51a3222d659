/* CMR lists from text, for the planner's tool, tests and fuzzer.
 *
 * Two inputs are understood:
 *  - Linux kernel logs (tdx-abi.md §5.6): `virt/tdx: CMR: [0x100000,
 *    0x77800000)` and the older `tdx: CMR: [...)` / bare `CMR: [...)`
 *    forms, with or without the `[  12.345678]` timestamp or a journal
 *    prefix. Every other line (e820, KeyIDs, ...) is ignored. A CMR at or
 *    below the previous one starts a new listing (several boots in one
 *    log): the last listing wins. `N KB allocated for PAMT` (or `KBs`)
 *    gives Linux's PAMT total.
 *  - A plain list: one `start end` range per line (end exclusive), hex
 *    with 0x or decimal, separated by blanks, a comma or a dash, or
 *    written `[start, end)`; `#` starts a comment. Lines that look like
 *    log lines are skipped; anything else is an error.
 * A text with at least one `CMR:` line is a log. Ranges are returned as
 * written (unsorted or overlapping input is the planner's to refuse).
 *
 * Pure and freestanding; reads exactly len bytes, which may hold anything. */
#ifndef BARETDX_SEAM_CMR_PARSE_H
#define BARETDX_SEAM_CMR_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seam/tdmr_plan.h"

#define CMR_PARSE_MAX	64	/* ranges kept; the planner takes 32 */

struct cmr_list {
	struct plan_range cmr[CMR_PARSE_MAX];	/* base, size */
	unsigned line_of[CMR_PARSE_MAX];	/* where each range was */
	unsigned n;
	bool is_log;			/* the text was a kernel log */
	bool has_linux_kb;
	uint64_t linux_pamt_kb;		/* Linux's "N KB allocated for PAMT" */
	unsigned line;			/* on error: its line (1-based), or 0 */
	char why[128];			/* on error: "line N: ..." */
};

/* Returns 0 with at least one range, or -1 with out->why. */
int cmr_parse(const char *text, size_t len, struct cmr_list *out);

#endif
