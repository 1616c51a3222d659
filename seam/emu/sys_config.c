/* TDH.SYS.CONFIG: every TDMR, reserved-area and PAMT rule of tdx-abi.md
 * §5.2-§5.3, in the order M15 tdh_sys_config.c applies them, with its
 * status codes and detail bytes:
 *   TDX_INVALID_TDMR / TDX_NON_ORDERED_TDMR / TDX_TDMR_OUTSIDE_CMRS: tdmr
 *   TDX_INVALID_PAMT / TDX_PAMT_OUTSIDE_CMRS: tdmr | page size << 8
 *   TDX_PAMT_OVERLAP: tdmr | page size << 8 | other tdmr << 16
 *   TDX_*_RESERVED_IN_TDMR: tdmr | area << 8
 * Entries are read and checked one by one, so the first bad TDMR in array
 * order is the one reported. */
#include <string.h>
#include "seam/emu/emu_internal.h"

_Static_assert(sizeof(struct emu_tdmr_info) == TDX_TDMR_INFO_SIZE(EMU_MAX_RSVD), "TDMR_INFO copy");
_Static_assert(offsetof(struct emu_tdmr_info, pamt_1g_base) == offsetof(struct tdx_tdmr_info, pamt_1g_base) &&
	       offsetof(struct emu_tdmr_info, pamt_4k_size) == offsetof(struct tdx_tdmr_info, pamt_4k_size) &&
	       offsetof(struct emu_tdmr_info, rsvd) == offsetof(struct tdx_tdmr_info, reserved),
	       "TDMR_INFO copy layout");

/* The PAMT region of a page-size code (the struct holds 1G, 2M, 4K). */
static struct emu_range pamt_of(const struct emu_tdmr_info *t, unsigned ps)
{
	switch (ps) {
	case TDX_PS_4K: return (struct emu_range){ t->pamt_4k_base, t->pamt_4k_size };
	case TDX_PS_2M: return (struct emu_range){ t->pamt_2m_base, t->pamt_2m_size };
	default:	return (struct emu_range){ t->pamt_1g_base, t->pamt_1g_size };
	}
}

static const uint64_t page_bytes[3] = { EMU_4K, EMU_2M, EMU_1G };

static bool addr_ok(const struct emu *e, uint64_t pa)
{
	return emu_pa_below_maxpa(e, pa) && emu_hkid_of(e, pa) == 0;
}

/* M15 is_area_in_cmr(): [start, end) inside one run of CMRs, where a CMR
 * that starts where the previous one ends continues it. */
static bool area_in_cmrs(const struct emu *e, uint64_t start, uint64_t end)
{
	uint64_t run_start = 0, run_end = 0;

	for (unsigned i = 0; i < e->cfg.ncmr; i++) {
		uint64_t s = e->cfg.cmr[i].base, t = s + e->cfg.cmr[i].size;

		if (!e->cfg.cmr[i].size)
			continue;
		if (s == run_end)
			s = run_start;
		if (start >= s && end <= t)
			return true;
		run_start = s;
		run_end = t;
	}
	return false;
}

/* The non-reserved parts of a TDMR whose reserved areas passed their
 * checks (sorted, disjoint, inside, nulls last). Returns how many. */
static unsigned available_parts(const struct emu_tdmr_info *t, struct emu_range *out)
{
	uint64_t cursor = t->base, end = t->base + t->size;
	unsigned n = 0;

	for (unsigned j = 0; j < EMU_MAX_RSVD && t->rsvd[j].size; j++) {
		uint64_t rs = t->base + t->rsvd[j].base;

		if (rs > cursor)
			out[n++] = (struct emu_range){ cursor, rs - cursor };
		cursor = rs + t->rsvd[j].size;
	}
	if (cursor < end)
		out[n++] = (struct emu_range){ cursor, end - cursor };
	return n;
}

static bool overlaps_available(const struct emu_tdmr_info *t, struct emu_range r)
{
	struct emu_range parts[EMU_MAX_RSVD + 1];
	unsigned n = available_parts(t, parts);

	for (unsigned k = 0; k < n; k++)
		if (emu_overlap(r.base, r.size, parts[k].base, parts[k].size))
			return true;
	return false;
}

static uint64_t check_tdmr_range(const struct emu *e, const struct emu_tdmr_info *t, unsigned i)
{
	const struct emu_tdmr_info *prev = i ? t - 1 : NULL;

	if (t->base > ~0ull - t->size)
		return emu_info(TDX_INVALID_TDMR, i, 0, 0);
	if (prev && (t->base < prev->base || t->base < prev->base + prev->size))
		return emu_info(TDX_NON_ORDERED_TDMR, i, 0, 0);
	if ((t->base | t->size) & (EMU_1G - 1) || t->size == 0)
		return emu_info(TDX_INVALID_TDMR, i, 0, 0);
	if (!addr_ok(e, t->base) || !addr_ok(e, t->base + t->size - 1))
		return emu_info(TDX_INVALID_TDMR, i, 0, 0);
	return TDX_SUCCESS;
}

static uint64_t check_reserved(const struct emu_tdmr_info *t, unsigned i)
{
	uint64_t end = t->base + t->size;

	for (unsigned j = 0; j < EMU_MAX_RSVD; j++) {
		uint64_t off = t->rsvd[j].base, size = t->rsvd[j].size;

		if (size == 0) {
			/* A null area may only be followed by null areas. */
			if (j + 1 < EMU_MAX_RSVD && t->rsvd[j + 1].size)
				return emu_info(TDX_NON_ORDERED_RESERVED_IN_TDMR, i, j, 0);
			continue;
		}
		if (off > ~0ull - size)
			return emu_info(TDX_INVALID_RESERVED_IN_TDMR, i, j, 0);
		if (j && (off < t->rsvd[j - 1].base ||
			  off < t->rsvd[j - 1].base + t->rsvd[j - 1].size))
			return emu_info(TDX_NON_ORDERED_RESERVED_IN_TDMR, i, j, 0);
		if ((off | size) & (EMU_4K - 1))
			return emu_info(TDX_INVALID_RESERVED_IN_TDMR, i, j, 0);
		if (t->base > ~0ull - off || t->base + off > ~0ull - size ||
		    t->base + off + size > end)
			return emu_info(TDX_INVALID_RESERVED_IN_TDMR, i, j, 0);
	}
	return TDX_SUCCESS;
}

/* M15 check_pamt_addresses_and_size(). */
static bool pamt_ok(const struct emu *e, struct emu_range p, unsigned ps, uint64_t tdmr_size)
{
	if (p.base > ~0ull - p.size || (p.base | p.size) & (EMU_4K - 1))
		return false;
	if (!addr_ok(e, p.base) || !addr_ok(e, p.base + p.size - 1))
		return false;
	return p.size >= tdmr_size / page_bytes[ps] * EMU_PAMT_ENTRY_SIZE;
}

static bool overlaps_pamts(struct emu_range p, const struct emu_tdmr_info *other)
{
	for (unsigned ps = TDX_PS_4K; ps <= TDX_PS_1G; ps++) {
		struct emu_range q = pamt_of(other, ps);
		if (emu_overlap(p.base, p.size, q.base, q.size))
			return true;
	}
	return false;
}

static uint64_t check_pamts(const struct emu *e, const struct emu_tdmr_info *copy, unsigned i)
{
	const struct emu_tdmr_info *t = &copy[i];
	static const unsigned order_1g_first[3] = { TDX_PS_1G, TDX_PS_2M, TDX_PS_4K };

	for (unsigned k = 0; k < 3; k++) {
		unsigned ps = order_1g_first[k];
		if (!pamt_ok(e, pamt_of(t, ps), ps, t->size))
			return emu_info(TDX_INVALID_PAMT, i, ps, 0);
	}
	/* No PAMT may overlap another PAMT, of an earlier TDMR or its own. */
	for (unsigned j = 0; j < i; j++)
		for (unsigned ps = TDX_PS_4K; ps <= TDX_PS_1G; ps++)
			if (overlaps_pamts(pamt_of(t, ps), &copy[j]))
				return emu_info(TDX_PAMT_OVERLAP, i, ps, j);
	if (emu_overlap(t->pamt_4k_base, t->pamt_4k_size, t->pamt_2m_base, t->pamt_2m_size) ||
	    emu_overlap(t->pamt_4k_base, t->pamt_4k_size, t->pamt_1g_base, t->pamt_1g_size))
		return emu_info(TDX_PAMT_OVERLAP, i, TDX_PS_4K, i);
	if (emu_overlap(t->pamt_2m_base, t->pamt_2m_size, t->pamt_1g_base, t->pamt_1g_size))
		return emu_info(TDX_PAMT_OVERLAP, i, TDX_PS_2M, i);
	/* PAMTs may sit outside every TDMR or in reserved areas only. */
	for (unsigned j = 0; j <= i; j++) {
		for (unsigned ps = TDX_PS_4K; ps <= TDX_PS_1G; ps++)
			if (overlaps_available(&copy[j], pamt_of(t, ps)))
				return emu_info(TDX_PAMT_OVERLAP, i, ps, j);
		for (unsigned ps = TDX_PS_4K; j < i && ps <= TDX_PS_1G; ps++)
			if (overlaps_available(t, pamt_of(&copy[j], ps)))
				return emu_info(TDX_PAMT_OVERLAP, j, ps, i);
	}
	for (unsigned k = 0; k < 3; k++) {
		unsigned ps = order_1g_first[k];
		struct emu_range p = pamt_of(t, ps);
		if (!area_in_cmrs(e, p.base, p.base + p.size))
			return emu_info(TDX_PAMT_OUTSIDE_CMRS, i, ps, 0);
	}
	return TDX_SUCCESS;
}

static uint64_t check_available_in_cmrs(const struct emu *e, const struct emu_tdmr_info *t, unsigned i)
{
	struct emu_range parts[EMU_MAX_RSVD + 1];
	unsigned n = available_parts(t, parts);

	for (unsigned k = 0; k < n; k++)
		if (!area_in_cmrs(e, parts[k].base, parts[k].base + parts[k].size))
			return emu_info(TDX_TDMR_OUTSIDE_CMRS, i, 0, 0);
	return TDX_SUCCESS;
}

/* Reads TDMR_INFO i and applies every per-TDMR rule to it. */
static uint64_t read_and_check(struct emu *e, uint64_t array_pa, unsigned i)
{
	struct emu_tdmr_info *t = &e->tdmr_copy[i];
	uint64_t entry_pa, st;

	if (emu_read(e, array_pa + 8ull * i, &entry_pa, sizeof(entry_pa)) ||
	    !emu_shared_hpa_ok(e, entry_pa, TDX_TDMR_INFO_ALIGN) ||
	    emu_read(e, entry_pa, t, sizeof(*t)))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	if ((st = check_tdmr_range(e, t, i)) != TDX_SUCCESS ||
	    (st = check_reserved(t, i)) != TDX_SUCCESS ||
	    (st = check_pamts(e, e->tdmr_copy, i)) != TDX_SUCCESS)
		return st;
	return check_available_in_cmrs(e, t, i);
}

static void commit_tdmr(struct emu *e, unsigned i)
{
	const struct emu_tdmr_info *t = &e->tdmr_copy[i];
	struct emu_tdmr *d = &e->tdmr[i];

	memset(d, 0, sizeof(*d));
	d->base = t->base;
	d->size = t->size;
	d->next = t->base;
	for (unsigned ps = TDX_PS_4K; ps <= TDX_PS_1G; ps++)
		d->pamt[ps] = pamt_of(t, ps);
	for (unsigned j = 0; j < EMU_MAX_RSVD && t->rsvd[j].size; j++)
		d->rsvd[d->nrsvd++] = t->rsvd[j];
}

uint64_t emu_sys_config(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint64_t array_pa = r->rcx, count = r->rdx, keyid = r->r8, st;
	bool locked;

	if (!(locked = emu_glock_excl(e))) {
		st = TDX_SYS_BUSY;
		goto out;
	}
	if (e->state != TDX_GLOBAL_SYSINIT_DONE || e->num_init_lps < e->cfg.nlps) {
		st = TDX_SYS_CONFIG_NOT_PENDING;
		goto out;
	}
	if (!emu_shared_hpa_ok(e, array_pa, TDX_TDMR_INFO_ALIGN)) {
		st = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		goto out;
	}
	if (count > e->module.max_tdmrs || count < 1) {
		st = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
		goto out;
	}
	/* The global KeyID: a TDX private one in bits 15:0, 63:16 reserved. */
	if ((keyid >> 16) || keyid < e->hkid_min || keyid > e->hkid_max) {
		st = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
		goto out;
	}
	/* Other LPs run while the module walks the list; they find the
	 * global lock taken. */
	emu_inside(e, lp, TDH_SYS_CONFIG);
	for (unsigned i = 0; i < count; i++) {
		st = read_and_check(e, array_pa, i);
		if (st != TDX_SUCCESS)
			goto out;
	}

	for (unsigned i = 0; i < count; i++)
		commit_tdmr(e, i);
	e->ntdmrs = (unsigned)count;
	e->global_keyid = (uint16_t)keyid;
	e->pkg_configured = 0;
	e->num_init_pkgs = 0;
	e->state = TDX_GLOBAL_SYSCONFIG_DONE;
	st = TDX_SUCCESS;
out:
	if (locked)
		emu_glock_release(e);
	return st;
}
