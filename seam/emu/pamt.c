/* The PAMT as the module reads it when a leaf gets a page operand
 * (M15 pamt_manager.c, check_and_lock_explicit_4k_private_hpa()): which
 * TDMR holds a page, where its 4K/2M/1G entries are, and the checks every
 * page operand of the TD leaves goes through. Entry layout: emu_internal.h. */
#include <string.h>
#include "seam/emu/td.h"

static const uint64_t level_size[3] = { EMU_4K, EMU_2M, EMU_1G };

static const struct emu_tdmr *tdmr_of(const struct emu *e, uint64_t pa)
{
	for (unsigned i = 0; i < e->ntdmrs; i++) {
		const struct emu_tdmr *t = &e->tdmr[i];
		if (pa >= t->base && pa - t->base < t->size)
			return t;
	}
	return NULL;
}

static bool in_reserved(const struct emu_tdmr *t, uint64_t pa)
{
	uint64_t off = pa - t->base;
	for (unsigned j = 0; j < t->nrsvd; j++)
		if (off >= t->rsvd[j].base && off - t->rsvd[j].base < t->rsvd[j].size)
			return true;
	return false;
}

/* An initialized page: TDH.SYS.TDMR.INIT has written its 4K entry. */
static bool initialized(const struct emu_tdmr *t, uint64_t pa)
{
	return pa < t->next;
}

bool emu_pa_in_tdmr(const struct emu *e, uint64_t pa)
{
	const struct emu_tdmr *t = tdmr_of(e, pa);
	return t && !in_reserved(t, pa);
}

static uint64_t entry_pa(const struct emu_tdmr *t, uint64_t pa, unsigned level)
{
	return t->pamt[level].base + (pa - t->base) / level_size[level] * EMU_PAMT_ENTRY_SIZE;
}

static int read_entry(const struct emu *e, const struct emu_tdmr *t, uint64_t pa,
		      unsigned level, struct emu_pamt_entry *out)
{
	uint8_t raw[EMU_PAMT_ENTRY_SIZE];
	uint64_t owner = 0, bepoch = 0;

	if (emu_read(e, entry_pa(t, pa, level), raw, sizeof(raw)))
		return -1;
	for (int i = 4; i >= 0; i--)
		owner = owner << 8 | raw[EMU_PAMT_OWNER + i];
	for (int i = 7; i >= 0; i--)
		bepoch = bepoch << 8 | raw[EMU_PAMT_BEPOCH + i];
	out->pt = raw[EMU_PAMT_PT];
	out->owner = owner << 12;
	out->bepoch = bepoch;
	return 0;
}

bool emu_pamt_get(const struct emu *e, uint64_t pa, unsigned *level,
		  struct emu_pamt_entry *out)
{
	const struct emu_tdmr *t = tdmr_of(e, pa);

	if (!t || !initialized(t, pa))
		return false;
	/* A large page is recorded in its 1G or 2M entry only (M15). */
	for (int l = TDX_PS_1G; l >= TDX_PS_4K; l--) {
		if (read_entry(e, t, pa, (unsigned)l, out))
			return false;
		if (out->pt != PT_NDA || l == TDX_PS_4K) {
			*level = (unsigned)l;
			return true;
		}
	}
	return false;
}

int emu_pamt_set(struct emu *e, uint64_t pa, unsigned level,
		 const struct emu_pamt_entry *in)
{
	const struct emu_tdmr *t = tdmr_of(e, pa);
	uint8_t raw[EMU_PAMT_ENTRY_SIZE];
	uint64_t owner = in->owner >> 12, pages = level_size[level > 2 ? 0 : level] / EMU_4K;
	struct emu_pamt_entry old;

	if (!t || level > TDX_PS_1G)
		return -1;
	/* Page counts by type for `tdx emu state`. */
	if (read_entry(e, t, pa, level, &old) == 0 && old.pt < 16 && old.pt != PT_NDA)
		e->stats.pamt_pages[old.pt] -= pages;
	memset(raw, 0, sizeof(raw));
	raw[EMU_PAMT_PT] = (uint8_t)in->pt;
	for (int i = 0; i < 5; i++)
		raw[EMU_PAMT_OWNER + i] = (uint8_t)(owner >> (8 * i));
	for (int i = 0; i < 8; i++)
		raw[EMU_PAMT_BEPOCH + i] = (uint8_t)(in->bepoch >> (8 * i));
	if (emu_write(e, entry_pa(t, pa, level), raw, sizeof(raw))) {
		e->stats.mem_errors++;
		return -1;
	}
	if (in->pt < 16 && in->pt != PT_NDA)
		e->stats.pamt_pages[in->pt] += pages;
	return 0;
}

/* The address checks shared by both page checks. */
static uint64_t check_addr(const struct emu *e, uint64_t pa, unsigned operand)
{
	const struct emu_tdmr *t;

	if ((pa & (EMU_4K - 1)) || (pa & e->hkid_mask) || !emu_pa_below_maxpa(e, pa))
		return emu_op(TDX_OPERAND_INVALID, operand);
	t = tdmr_of(e, pa);
	if (!t || in_reserved(t, pa) || !initialized(t, pa))
		return emu_op(TDX_OPERAND_ADDR_RANGE_ERROR, operand);
	return TDX_SUCCESS;
}

uint64_t emu_check_free_page(const struct emu *e, uint64_t pa, unsigned operand)
{
	struct emu_pamt_entry pe;
	unsigned level;
	uint64_t st = check_addr(e, pa, operand);

	if (st)
		return st;
	if (!emu_pamt_get(e, pa, &level, &pe))
		return emu_op(TDX_OPERAND_ADDR_RANGE_ERROR, operand);
	if (level != TDX_PS_4K || pe.pt != PT_NDA)
		return emu_op(TDX_PAGE_METADATA_INCORRECT, operand);
	return TDX_SUCCESS;
}

uint64_t emu_check_typed_page(const struct emu *e, uint64_t pa, unsigned pt,
			      uint64_t owner, unsigned operand)
{
	struct emu_pamt_entry pe;
	unsigned level;
	uint64_t st = check_addr(e, pa, operand);

	if (st)
		return st;
	if (!emu_pamt_get(e, pa, &level, &pe))
		return emu_op(TDX_OPERAND_ADDR_RANGE_ERROR, operand);
	if (level != TDX_PS_4K || pe.pt != pt || (owner && pe.owner != owner))
		return emu_op(TDX_PAGE_METADATA_INCORRECT, operand);
	return TDX_SUCCESS;
}

struct emu_td *emu_td_find(struct emu *e, uint64_t tdr_pa)
{
	if (!tdr_pa)
		return NULL;
	for (unsigned i = 0; i < EMU_MAX_TDS; i++)
		if (e->tds[i].tdr_pa == tdr_pa)
			return &e->tds[i];
	return NULL;
}

struct emu_vcpu *emu_vcpu_find(struct emu *e, uint64_t tdvpr_pa)
{
	if (!tdvpr_pa)
		return NULL;
	for (unsigned i = 0; i < EMU_MAX_VCPUS; i++)
		if (e->vcpus[i].tdvpr_pa == tdvpr_pa)
			return &e->vcpus[i];
	return NULL;
}

/* §2.4: which TD OP_STATEs each leaf runs in. Bit n = state n allowed. */
static unsigned op_states(unsigned leaf)
{
	enum { U = 1u << TD_OP_UNINITIALIZED, I = 1u << TD_OP_INITIALIZED,
	       R = 1u << TD_OP_RUNNABLE };

	switch (leaf) {
	case TDH_MNG_ADDCX:
	case TDH_MNG_INIT:
		return U;
	case TDH_MEM_PAGE_ADD:
	case TDH_MR_EXTEND:
	case TDH_MR_FINALIZE:
	case TDH_VP_CREATE:
	case TDH_VP_ADDCX:
	case TDH_VP_INIT:
		return I;
	case TDH_MEM_SEPT_ADD:
	case TDH_MEM_PAGE_AUG:
	case TDH_MEM_RANGE_BLOCK:
	case TDH_MEM_RANGE_UNBLOCK:
	case TDH_MEM_PAGE_REMOVE:
	case TDH_MEM_SEPT_REMOVE:
	case TDH_MEM_TRACK:
	case TDH_MNG_RD:
	case TDH_VP_RD:
	case TDH_VP_WR:
	case TDH_MEM_SEPT_RD:
	case TDH_MEM_RD:
	case TDH_MEM_WR:
	case TDH_MNG_WR:
		return I | R;
	case TDH_VP_ENTER:
		return R;
	case TDH_VP_FLUSH:
		return U | I | R;
	default:
		return U | I | R;
	}
}

uint64_t emu_td_op_state_check(const struct emu_td *td, unsigned leaf)
{
	if (td->fatal && leaf != TDH_VP_FLUSH && leaf != TDH_MNG_RD && leaf != TDH_VP_RD)
		return TDX_TD_FATAL;
	if (td->op_state > TD_OP_RUNNABLE || !(op_states(leaf) & (1u << td->op_state)))
		return TDX_OP_STATE_INCORRECT;
	return TDX_SUCCESS;
}
