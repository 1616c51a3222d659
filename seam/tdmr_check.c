/* The TDH.SYS.CONFIG rules (tdx-abi.md §5.3, M15 tdh_sys_config.c) applied
 * to a plan before it is submitted, PAMT sizing (§5.4), the TDMR_INFO
 * encoding (§5.2), and the one-line messages of the planner. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "seam/tdx_abi.h"
#include "seam/tdmr_plan.h"

#define SZ_4K	4096ull
#define SZ_1G	(1ull << 30)

static const uint64_t page_bytes[3] = { SZ_4K, 2ull << 20, SZ_1G };
static const char *const level_name[3] = { "4K", "2M", "1G" };

/* ---- Messages ------------------------------------------------------------ */

void plan_msg_init(struct plan_msg *m, char *buf, size_t len)
{
	m->buf = buf;
	m->len = len;
	m->pos = 0;
	if (len)
		buf[0] = '\0';
}

static void msg_char(struct plan_msg *m, char c)
{
	if (m->len && m->pos + 1 < m->len) {
		m->buf[m->pos++] = c;
		m->buf[m->pos] = '\0';
	}
}

void plan_msg_str(struct plan_msg *m, const char *s)
{
	while (*s)
		msg_char(m, *s++);
}

static void msg_num(struct plan_msg *m, uint64_t v, unsigned radix)
{
	char digits[24];
	unsigned n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % radix];
		v /= radix;
	} while (v);
	while (n)
		msg_char(m, digits[--n]);
}

void plan_msg_dec(struct plan_msg *m, uint64_t v)
{
	msg_num(m, v, 10);
}

void plan_msg_hex(struct plan_msg *m, uint64_t v)
{
	plan_msg_str(m, "0x");
	msg_num(m, v, 16);
}

void plan_msg_range(struct plan_msg *m, uint64_t base, uint64_t end)
{
	plan_msg_str(m, " [");
	plan_msg_hex(m, base);
	plan_msg_str(m, ", ");
	plan_msg_hex(m, end);
	plan_msg_str(m, ")");
}

static int fail_tdmr(struct plan_msg *m, unsigned i, const struct plan_tdmr *t, const char *what)
{
	plan_msg_str(m, "TDMR ");
	plan_msg_dec(m, i);
	plan_msg_range(m, t->base, t->base + t->size);
	plan_msg_str(m, ": ");
	plan_msg_str(m, what);
	return -1;
}

/* ---- Sizes and encoding --------------------------------------------------- */

uint64_t tdmr_pamt_size(uint64_t tdmr_size, unsigned page_level, unsigned entry_size)
{
	uint64_t entries, bytes;

	if (page_level > 2)
		return 0;
	entries = tdmr_size / page_bytes[page_level];
	if (entry_size && entries > (~0ull - SZ_4K) / entry_size)
		return ~0ull & ~(SZ_4K - 1);
	bytes = entries * entry_size;
	return (bytes + SZ_4K - 1) & ~(SZ_4K - 1);
}

uint64_t tdmr_pamt_block_size(uint64_t tdmr_size, const struct tdx_limits *lim)
{
	uint64_t sum = 0;

	for (unsigned l = 0; l < 3; l++) {
		uint64_t s = tdmr_pamt_size(tdmr_size, l, lim->pamt_entry_size[l]);

		if (s > ~0ull - sum)
			return ~0ull & ~(SZ_4K - 1);
		sum += s;
	}
	return sum;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

size_t tdmr_plan_encode(const struct plan_tdmr *t, unsigned max_rsvd, void *buf, size_t len)
{
	size_t need = TDX_TDMR_INFO_SIZE(max_rsvd);
	uint8_t *b = buf;

	if (len < need || t->nrsvd > max_rsvd || t->nrsvd > PLAN_MAX_RSVD)
		return 0;
	memset(b, 0, need);
	/* Field order of TDMR_INFO: PAMT 1G, 2M, 4K (§5.2). */
	put64(b + offsetof(struct tdx_tdmr_info, base), t->base);
	put64(b + offsetof(struct tdx_tdmr_info, size), t->size);
	put64(b + offsetof(struct tdx_tdmr_info, pamt_1g_base), t->pamt[2].base);
	put64(b + offsetof(struct tdx_tdmr_info, pamt_1g_size), t->pamt[2].size);
	put64(b + offsetof(struct tdx_tdmr_info, pamt_2m_base), t->pamt[1].base);
	put64(b + offsetof(struct tdx_tdmr_info, pamt_2m_size), t->pamt[1].size);
	put64(b + offsetof(struct tdx_tdmr_info, pamt_4k_base), t->pamt[0].base);
	put64(b + offsetof(struct tdx_tdmr_info, pamt_4k_size), t->pamt[0].size);
	for (unsigned j = 0; j < t->nrsvd; j++) {
		uint8_t *a = b + offsetof(struct tdx_tdmr_info, reserved) +
			     j * sizeof(struct tdx_reserved_area);

		put64(a + offsetof(struct tdx_reserved_area, offset), t->rsvd[j].base);
		put64(a + offsetof(struct tdx_reserved_area, size), t->rsvd[j].size);
	}
	return need;
}

/* ---- Input checks ------------------------------------------------------------ */

int tdmr_plan_check_limits(const struct tdx_limits *lim, struct plan_msg *m)
{
	if (!lim) {
		plan_msg_str(m, "no limits given");
		return -1;
	}
	if (lim->max_tdmrs == 0) {
		plan_msg_str(m, "max_tdmrs is 0");
		return -1;
	}
	for (unsigned l = 0; l < 3; l++) {
		if (lim->pamt_entry_size[l] == 0 || lim->pamt_entry_size[l] > SZ_4K) {
			plan_msg_str(m, "PAMT ");
			plan_msg_str(m, level_name[l]);
			plan_msg_str(m, " entry size ");
			plan_msg_dec(m, lim->pamt_entry_size[l]);
			plan_msg_str(m, " is not in 1..4096");
			return -1;
		}
	}
	return 0;
}

static int fail_cmr(struct plan_msg *m, unsigned i, const struct plan_range *c, const char *what)
{
	plan_msg_str(m, "CMR ");
	plan_msg_dec(m, i);
	plan_msg_str(m, " [");
	plan_msg_hex(m, c->base);
	plan_msg_str(m, ", +");
	plan_msg_hex(m, c->size);
	plan_msg_str(m, "): ");
	plan_msg_str(m, what);
	return -1;
}

int tdmr_plan_check_cmrs(const struct plan_range *cmrs, unsigned ncmr, struct plan_msg *m)
{
	if (ncmr == 0 || !cmrs) {
		plan_msg_str(m, "no CMRs");
		return -1;
	}
	if (ncmr > PLAN_MAX_CMRS) {
		plan_msg_dec(m, ncmr);
		plan_msg_str(m, " CMRs: the module reports at most 32 (MAX_CMR)");
		return -1;
	}
	for (unsigned i = 0; i < ncmr; i++) {
		const struct plan_range *c = &cmrs[i];

		if (c->size == 0)
			return fail_cmr(m, i, c, "size 0");
		if ((c->base | c->size) & (SZ_4K - 1))
			return fail_cmr(m, i, c, "not 4 KiB aligned");
		if (c->base >= PLAN_MAX_PA || c->size > PLAN_MAX_PA - c->base)
			return fail_cmr(m, i, c, "reaches beyond 2^52");
		if (i && c->base < cmrs[i - 1].base)
			return fail_cmr(m, i, c, "below the previous CMR (unsorted)");
		if (i && c->base < cmrs[i - 1].base + cmrs[i - 1].size)
			return fail_cmr(m, i, c, "overlaps the previous CMR");
	}
	return 0;
}

/* ---- The SYS.CONFIG rules --------------------------------------------------- */

static bool overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return as && bs && a < b + bs && b < a + as;
}

/* M15 is_area_in_cmr(): inside one run of CMRs, where a CMR starting at
 * the previous one's end continues it. CMRs are valid and sorted here. */
static bool in_cmrs(const struct plan_range *cmrs, unsigned ncmr, uint64_t base, uint64_t size)
{
	uint64_t run_start = 0, run_end = 0;

	for (unsigned i = 0; i < ncmr; i++) {
		uint64_t s = cmrs[i].base, e = s + cmrs[i].size;

		if (s != run_end)
			run_start = s;
		run_end = e;
		if (base >= run_start && base + size <= run_end)
			return true;
	}
	return false;
}

/* The non-reserved parts of a TDMR whose areas are known to be valid. */
static unsigned free_parts(const struct plan_tdmr *t, struct plan_range *out)
{
	uint64_t cur = t->base, end = t->base + t->size;
	unsigned n = 0;

	for (unsigned j = 0; j < t->nrsvd; j++) {
		uint64_t rs = t->base + t->rsvd[j].base;

		if (rs > cur)
			out[n++] = (struct plan_range){ cur, rs - cur };
		cur = rs + t->rsvd[j].size;
	}
	if (cur < end)
		out[n++] = (struct plan_range){ cur, end - cur };
	return n;
}

static int check_tdmr(const struct plan_tdmr *t, unsigned i, const struct plan_tdmr *prev,
		      const struct tdx_limits *lim, unsigned max_rsvd, struct plan_msg *m)
{
	if (((t->base | t->size) & (SZ_1G - 1)) || t->size == 0)
		return fail_tdmr(m, i, t, "base or size not a 1 GiB multiple");
	if (t->base >= PLAN_MAX_PA || t->size > PLAN_MAX_PA - t->base)
		return fail_tdmr(m, i, t, "reaches beyond 2^52");
	if (prev && t->base < prev->base + prev->size)
		return fail_tdmr(m, i, t, "below the end of the previous TDMR");
	if (t->nrsvd > max_rsvd)
		return fail_tdmr(m, i, t, "more reserved areas than max_rsvd");
	for (unsigned j = 0; j < t->nrsvd; j++) {
		const struct plan_range *a = &t->rsvd[j];

		if (a->size == 0 || ((a->base | a->size) & (SZ_4K - 1)))
			return fail_tdmr(m, i, t, "reserved area empty or not 4 KiB aligned");
		if (a->base >= t->size || a->size > t->size - a->base)
			return fail_tdmr(m, i, t, "reserved area outside the TDMR");
		if (j && a->base < t->rsvd[j - 1].base + t->rsvd[j - 1].size)
			return fail_tdmr(m, i, t, "reserved areas unsorted or overlapping");
	}
	for (unsigned l = 0; l < 3; l++) {
		const struct plan_range *p = &t->pamt[l];

		if ((p->base | p->size) & (SZ_4K - 1) || p->base >= PLAN_MAX_PA ||
		    p->size > PLAN_MAX_PA - p->base)
			return fail_tdmr(m, i, t, "PAMT not 4 KiB aligned or beyond 2^52");
		/* §5.3 rule 5: the module compares with the unrounded product. */
		if (p->size / lim->pamt_entry_size[l] < t->size / page_bytes[l])
			return fail_tdmr(m, i, t, "PAMT smaller than TDMR_SIZE / page * entry size");
	}
	return 0;
}

static int check_pamts(const struct tdmr_plan *p, unsigned i, const struct plan_range *cmrs,
		       unsigned ncmr, struct plan_msg *m)
{
	const struct plan_tdmr *t = &p->tdmr[i];
	struct plan_range parts[PLAN_MAX_RSVD + 1];

	for (unsigned l = 0; l < 3; l++) {
		const struct plan_range *a = &t->pamt[l];

		for (unsigned j = 0; j <= i; j++)
			for (unsigned k = 0; k < (j == i ? l : 3); k++)
				if (overlap(a->base, a->size, p->tdmr[j].pamt[k].base,
					    p->tdmr[j].pamt[k].size))
					return fail_tdmr(m, i, t, "PAMT overlaps another PAMT");
		for (unsigned j = 0; j < p->ntdmrs; j++) {
			unsigned n = free_parts(&p->tdmr[j], parts);

			for (unsigned k = 0; k < n; k++)
				if (overlap(a->base, a->size, parts[k].base, parts[k].size))
					return fail_tdmr(m, i, t, "PAMT overlaps a non-reserved TDMR part");
		}
		if (!in_cmrs(cmrs, ncmr, a->base, a->size))
			return fail_tdmr(m, i, t, "PAMT outside the CMRs");
	}
	return 0;
}

int tdmr_plan_check(const struct tdmr_plan *p, const struct plan_range *cmrs, unsigned ncmr,
		    const struct tdx_limits *lim, char *why, size_t len)
{
	struct plan_range parts[PLAN_MAX_RSVD + 1];
	struct plan_msg m;
	unsigned max_tdmrs, max_rsvd;

	plan_msg_init(&m, why, len);
	if (tdmr_plan_check_limits(lim, &m) || tdmr_plan_check_cmrs(cmrs, ncmr, &m))
		return -1;
	max_tdmrs = lim->max_tdmrs < PLAN_MAX_TDMRS ? lim->max_tdmrs : PLAN_MAX_TDMRS;
	max_rsvd = lim->max_rsvd < PLAN_MAX_RSVD ? lim->max_rsvd : PLAN_MAX_RSVD;
	if (p->ntdmrs == 0 || p->ntdmrs > max_tdmrs) {
		plan_msg_dec(&m, p->ntdmrs);
		plan_msg_str(&m, " TDMRs, not in 1..max_tdmrs ");
		plan_msg_dec(&m, max_tdmrs);
		return -1;
	}
	for (unsigned i = 0; i < p->ntdmrs; i++)
		if (check_tdmr(&p->tdmr[i], i, i ? &p->tdmr[i - 1] : NULL, lim, max_rsvd, &m))
			return -1;
	for (unsigned i = 0; i < p->ntdmrs; i++) {
		const struct plan_tdmr *t = &p->tdmr[i];
		unsigned n = free_parts(t, parts);

		if (check_pamts(p, i, cmrs, ncmr, &m))
			return -1;
		for (unsigned k = 0; k < n; k++)
			if (!in_cmrs(cmrs, ncmr, parts[k].base, parts[k].size))
				return fail_tdmr(&m, i, t, "non-reserved part outside the CMRs");
	}
	return 0;
}
