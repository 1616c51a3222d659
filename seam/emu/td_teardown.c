/* TD teardown and physical-page leaves of the emulated module:
 * TDH.VP.FLUSH, TDH.MNG.VPFLUSHDONE, TDH.PHYMEM.CACHE.WB,
 * TDH.MNG.KEY.FREEID, TDH.PHYMEM.PAGE.RECLAIM / WBINVD / RDMD
 * (tdx-abi.md §2.3, §2.4, §6.9).
 *
 * Check order and statuses follow M15 src/vmm_dispatcher/api_calls/
 * tdh_vp_flush.c, tdh_mng_vpflushdone.c, tdh_phymem_cache_wb.c,
 * tdh_mng_key_freeid.c, tdh_phymem_page_reclaim.c, tdh_phymem_page_wbinvd.c
 * and tdh_phymem_page_rdmd.c. The KOT of the module is the TD slots here:
 * an HKID is FLUSHED while its TD is BLOCKED, and free again at TEARDOWN.
 *
 * TDH.PHYMEM.CACHE.WB is really resumable, as on a large machine: the
 * first call on a package with work to do is interrupted, and so is every
 * resume call but the last (EMU_WB_UNITS calls in all), so a host must
 * implement the resume loop to tear anything down. */
#include <string.h>
#include "seam/emu/td.h"

/* CACHE.WB calls that return TDX_INTERRUPTED_RESUMABLE before one completes. */
#define EMU_WB_UNITS		2

/* td->pkg_wb_done: bit p = package p wrote back this TD's lines (M15 clears
 * it in the KOT entry's WBINVD_BITMAP instead); bit 16 + p = the CACHE.WB
 * in progress on package p covers this TD (M15 wbt_entries[p].hkid_flushed,
 * the HKIDs that were FLUSHED when that CACHE.WB started). */
#define WB_DONE_MASK		0xffffu
#define WB_PENDING(pkg)		(1u << (16 + (pkg)))

/* ---- TDH.VP.FLUSH ------------------------------------------------------- */

uint64_t emu_vp_flush(struct emu *e, unsigned lp, struct emu_regs *r)
{
	struct emu_td *td;
	struct emu_vcpu *v;
	uint64_t st = emu_tdvpr_operand(e, r->rcx, TDX_OPERAND_ID_RCX, true, &v, &td);

	if (st)
		return st;
	/* No OP_STATE check; the keys must still be usable. */
	if (td->lifecycle != TD_LIFECYCLE_KEYS_CONFIGURED)
		return TDX_TD_KEYS_NOT_CONFIGURED;
	if (v->ntdcx < EMU_TDCX_PAGES)
		return TDX_TDCX_NUM_INCORRECT;
	/* Not associated, or associated with another LP: both are
	 * TDX_VCPU_NOT_ASSOCIATED in 1.5.01 (assoc_lpid != current LP). */
	if (v->assoc_lp != (int)lp)
		return TDX_VCPU_NOT_ASSOCIATED;
	if (e->cpu && e->cpu->flush) {
		/* VMCLEAR runs without the emulator spinlock (emu_cpu_ops),
		 * holding what M15 holds: the TDVPR exclusively (running) and
		 * the TDR shared (vcpus_running keeps TD-exclusive leaves out). */
		v->running = true;
		td->vcpus_running++;
		emu_unlock(e, lp, TDH_VP_FLUSH);
		e->cpu->flush(e->cpu_ctx, lp, v->tdcx_pa[EMU_TDCX_VMCS]);
		emu_relock(e);
		td->vcpus_running--;
		v->running = false;
	}
	v->launched = false;
	v->assoc_lp = -1;
	return TDX_SUCCESS;
}

/* ---- TDH.MNG.VPFLUSHDONE ------------------------------------------------ */

uint64_t emu_mng_vpflushdone(struct emu *e, unsigned lp, struct emu_regs *r)
{
	struct emu_td *td;
	unsigned idx;
	uint64_t st = emu_tdr_operand(e, r->rcx, TDX_OPERAND_ID_RCX, true, &td);

	(void)lp;
	if (st)
		return st;
	/* A TD whose keys never got configured everywhere may be torn down
	 * too. */
	if (td->lifecycle != TD_LIFECYCLE_KEYS_CONFIGURED &&
	    td->lifecycle != TD_LIFECYCLE_HKID_ASSIGNED)
		return TDX_LIFECYCLE_STATE_INCORRECT;
	idx = emu_td_index(e, td);
	if (td->ntdcs >= EMU_TDCS_PAGES && td->op_state != TD_OP_UNINITIALIZED) {
		for (unsigned i = 0; i < EMU_MAX_VCPUS; i++) {
			const struct emu_vcpu *v = &e->vcpus[i];

			if (v->tdvpr_pa && v->td == idx && v->assoc_lp >= 0)
				return TDX_FLUSHVP_NOT_DONE;
		}
	}
	/* Every package must now write back the HKID's lines. */
	td->pkg_wb_done = 0;
	td->lifecycle = TD_LIFECYCLE_BLOCKED;
	return TDX_SUCCESS;
}

/* ---- TDH.PHYMEM.CACHE.WB ------------------------------------------------ */

#define CACHE_WB_START		0
#define CACHE_WB_RESUME		1

uint64_t emu_phymem_cache_wb(struct emu *e, unsigned lp, struct emu_regs *r)
{
	unsigned pkg = e->cfg.lp_pkg[lp];
	bool any = false;

	if (r->rcx > CACHE_WB_RESUME)
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	if (r->rcx == CACHE_WB_START) {
		/* A start forgets an interrupted CACHE.WB and covers the HKIDs
		 * FLUSHED now, i.e. the BLOCKED TDs. */
		e->wb_progress[pkg] = 0;
		for (unsigned i = 0; i < EMU_MAX_TDS; i++) {
			struct emu_td *td = &e->tds[i];

			td->pkg_wb_done &= ~WB_PENDING(pkg);
			if (td->tdr_pa && td->lifecycle == TD_LIFECYCLE_BLOCKED) {
				td->pkg_wb_done |= WB_PENDING(pkg);
				any = true;
			}
		}
		if (!any)
			return TDX_NO_HKID_READY_TO_WBCACHE;
		e->wb_progress[pkg] = EMU_WB_UNITS;
		return TDX_INTERRUPTED_RESUMABLE;
	}
	if (e->wb_progress[pkg] == 0)
		return TDX_WBCACHE_RESUME_ERROR;
	if (--e->wb_progress[pkg])
		return TDX_INTERRUPTED_RESUMABLE;
	for (unsigned i = 0; i < EMU_MAX_TDS; i++) {
		struct emu_td *td = &e->tds[i];

		if (td->pkg_wb_done & WB_PENDING(pkg))
			td->pkg_wb_done = (td->pkg_wb_done & ~WB_PENDING(pkg)) | 1u << pkg;
	}
	return TDX_SUCCESS;
}

/* ---- TDH.MNG.KEY.FREEID ------------------------------------------------- */

uint64_t emu_mng_key_freeid(struct emu *e, unsigned lp, struct emu_regs *r)
{
	struct emu_td *td;
	uint64_t st = emu_tdr_operand(e, r->rcx, TDX_OPERAND_ID_RCX, true, &td);

	(void)lp;
	if (st)
		return st;
	if (td->lifecycle != TD_LIFECYCLE_BLOCKED)
		return TDX_LIFECYCLE_STATE_INCORRECT;
	if ((td->pkg_wb_done & WB_DONE_MASK & emu_all_pkgs(e)) != emu_all_pkgs(e))
		return TDX_WBCACHE_NOT_COMPLETE;
	/* The HKID is free for TDH.MNG.CREATE again (hkid_free in td_mng.c). */
	td->lifecycle = TD_LIFECYCLE_TEARDOWN;
	return TDX_SUCCESS;
}

/* ---- TDH.PHYMEM.PAGE.RECLAIM / RDMD / WBINVD ---------------------------- */

static const uint64_t level_bytes[3] = { EMU_4K, EMU_2M, EMU_1G };

/* The address checks of RECLAIM and RDMD: 4 KiB aligned, below MAXPA,
 * KeyID bits 0, then a PAMT that covers it. */
static uint64_t pamt_operand(const struct emu *e, uint64_t pa, unsigned *level,
			     struct emu_pamt_entry *pe)
{
	if ((pa & (EMU_4K - 1)) || !emu_pa_below_maxpa(e, pa) || (pa & e->hkid_mask))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	if (!emu_pamt_get(e, pa, level, pe))
		return emu_op(TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_RCX);
	return TDX_SUCCESS;
}

static void free_vcpu(struct emu_vcpu *v)
{
	memset(v, 0, sizeof(*v));
}

uint64_t emu_phymem_page_reclaim(struct emu *e, unsigned lp, struct emu_regs *r)
{
	static const struct emu_pamt_entry nda = { PT_NDA, 0, 0 };
	struct emu_pamt_entry pe;
	struct emu_td *td;
	struct emu_vcpu *v = NULL;
	unsigned level;
	uint64_t pa = r->rcx, st;

	(void)lp;
	r->rcx = r->rdx = r->r8 = r->r9 = r->r10 = r->r11 = 0;
	st = pamt_operand(e, pa, &level, &pe);
	if (st)
		return st;
	/* The page's PAMT entry is locked exclusively: a TDR or TDVPR that
	 * TDH.VP.ENTER holds is busy. */
	if (pe.pt == PT_TDR && (td = emu_td_find(e, pa)) && td->vcpus_running)
		return emu_op(TDX_OPERAND_BUSY, TDX_OPERAND_ID_RCX);
	if (pe.pt == PT_TDVPR && (v = emu_vcpu_find(e, pa)) && v->running)
		return emu_op(TDX_OPERAND_BUSY, TDX_OPERAND_ID_RCX);
	if (pe.pt == PT_NDA || pe.pt == PT_RSVD)
		return emu_op(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	r->rcx = pe.pt;
	r->rdx = pe.owner;
	r->r8 = level;
	if (pa & (level_bytes[level] - 1))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);

	if (pe.pt == PT_TDR) {
		td = emu_td_find(e, pa);
		if (!td)
			return emu_op(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
		if (td->lifecycle != TD_LIFECYCLE_TEARDOWN)
			return TDX_LIFECYCLE_STATE_INCORRECT;
		if (td->child_pages)
			return TDX_TD_ASSOCIATED_PAGES_EXIST;
		/* No vCPU can be left (its TDVPR was a child); be tidy anyway. */
		for (unsigned i = 0; i < EMU_MAX_VCPUS; i++)
			if (e->vcpus[i].tdvpr_pa && e->vcpus[i].td == emu_td_index(e, td))
				free_vcpu(&e->vcpus[i]);
		memset(td, 0, sizeof(*td));
	} else {
		td = emu_td_find(e, pe.owner);
		if (!td)
			return emu_op(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
		if (td->lifecycle != TD_LIFECYCLE_TEARDOWN)
			return TDX_LIFECYCLE_STATE_INCORRECT;
		/* child_pages counts PAMT entries (td_state.h), so a 2 MiB or
		 * 1 GiB page is one child here where M15 subtracts 512^level
		 * 4 KiB pages from CHLDCNT. */
		if (td->child_pages)
			td->child_pages--;
		if (pe.pt == PT_TDVPR && (v = emu_vcpu_find(e, pa))) {
			free_vcpu(v);
			if (td->num_vcpus)
				td->num_vcpus--;
		}
	}
	/* M15 only rewrites the type; the emulator clears the owner too, as
	 * its PAMT layout says free entries have none (emu_internal.h). */
	(void)emu_pamt_set(e, pa, level, &nda);
	return TDX_SUCCESS;
}

uint64_t emu_phymem_page_rdmd(struct emu *e, unsigned lp, struct emu_regs *r)
{
	struct emu_pamt_entry pe;
	unsigned level;
	uint64_t pa = r->rcx, st;

	(void)lp;
	r->rcx = r->rdx = r->r8 = r->r9 = r->r10 = r->r11 = 0;
	st = pamt_operand(e, pa, &level, &pe);
	if (st)
		return st;
	r->rcx = pe.pt;
	r->rdx = pe.owner;
	r->r8 = level;
	/* BEPOCH only means something for private and S-EPT pages. */
	if (pe.pt == PT_REG || pe.pt == PT_EPT)
		r->r9 = pe.bepoch;
	return TDX_SUCCESS;
}

uint64_t emu_phymem_page_wbinvd(struct emu *e, unsigned lp, struct emu_regs *r)
{
	(void)lp;
	/* Any KeyID may be given (the TD's HKID, or the global one for a
	 * TDR); the page itself must be a free 4 KiB page. Nothing is cached
	 * under a KeyID in the emulator, so nothing is left to flush. */
	return emu_check_free_page(e, r->rcx & ~e->hkid_mask, TDX_OPERAND_ID_RCX);
}
