/* Emulated TDX module: set-up, SEAMCALL entry, leaf decoding and the
 * dispatcher gates of M15 tdx_vmm_dispatcher.c (tdx-abi.md §1.2, §3.2),
 * the module's global lock, and the helpers every leaf shares.
 *
 * Locking. struct emu's spinlock is held for the whole of a SEAMCALL,
 * except where a leaf calls emu_inside(): there it holds the module lock
 * that protects its work (the global lock for SYS.CONFIG/KEY.CONFIG, the
 * TDMR's busy flag for TDMR.INIT, the P-SEAMLDR's busy flag) and other CPUs
 * run meanwhile, so they meet TDX_SYS_BUSY / TDX_OPERAND_BUSY / VMfailInvalid
 * exactly where the module would answer them. Shared state changes only
 * with the spinlock held. */
#include <string.h>
#include "seam/emu/td.h"

struct emu_leaf_row {
	uint16_t leaf;
	uint64_t (*fn)(struct emu *e, unsigned lp, struct emu_regs *r);
};

/* Implemented module leaves. */
static const struct emu_leaf_row leaf_rows[] = {
	{ TDH_SYS_KEY_CONFIG,	emu_sys_key_config },
	{ TDH_SYS_INFO,		emu_sys_info },
	{ TDH_SYS_INIT,		emu_sys_init },
	{ TDH_SYS_RD,		emu_sys_rd },
	{ TDH_SYS_LP_INIT,	emu_sys_lp_init },
	{ TDH_SYS_TDMR_INIT,	emu_sys_tdmr_init },
	{ TDH_SYS_RDALL,	emu_sys_rdall },
	{ TDH_SYS_LP_SHUTDOWN,	emu_sys_lp_shutdown },
	{ TDH_SYS_CONFIG,	emu_sys_config },
	{ TDH_SYS_SHUTDOWN,	emu_sys_shutdown },
	/* Part 2: TDs (td.h). */
	{ TDH_MNG_CREATE,          emu_mng_create },
	{ TDH_MNG_KEY_CONFIG,      emu_mng_key_config },
	{ TDH_MNG_ADDCX,           emu_mng_addcx },
	{ TDH_MNG_INIT,            emu_mng_init },
	{ TDH_MNG_RD,              emu_mng_rd },
	{ TDH_MNG_WR,              emu_mng_wr },
	{ TDH_MNG_KEY_RECLAIMID,   emu_mng_key_reclaimid },
	{ TDH_VP_CREATE,           emu_vp_create },
	{ TDH_VP_ADDCX,            emu_vp_addcx },
	{ TDH_VP_INIT,             emu_vp_init },
	{ TDH_VP_RD,               emu_vp_rd },
	{ TDH_VP_WR,               emu_vp_wr },
	{ TDH_VP_FLUSH,            emu_vp_flush },
	{ TDH_MNG_VPFLUSHDONE,     emu_mng_vpflushdone },
	{ TDH_PHYMEM_CACHE_WB,     emu_phymem_cache_wb },
	{ TDH_MNG_KEY_FREEID,      emu_mng_key_freeid },
	{ TDH_PHYMEM_PAGE_RECLAIM, emu_phymem_page_reclaim },
	{ TDH_PHYMEM_PAGE_WBINVD,  emu_phymem_page_wbinvd },
	{ TDH_PHYMEM_PAGE_RDMD,    emu_phymem_page_rdmd },
	{ TDH_MEM_SEPT_ADD,        emu_mem_sept_add },
	{ TDH_MEM_SEPT_RD,         emu_mem_sept_rd },
	{ TDH_MEM_SEPT_REMOVE,     emu_mem_sept_remove },
	{ TDH_MEM_PAGE_ADD,        emu_mem_page_add },
	{ TDH_MEM_PAGE_AUG,        emu_mem_page_aug },
	{ TDH_MEM_PAGE_REMOVE,     emu_mem_page_remove },
	{ TDH_MEM_RANGE_BLOCK,     emu_mem_range_block },
	{ TDH_MEM_RANGE_UNBLOCK,   emu_mem_range_unblock },
	{ TDH_MEM_TRACK,           emu_mem_track },
	{ TDH_MEM_RD,              emu_mem_rd },
	{ TDH_MEM_WR,              emu_mem_wr },
	{ TDH_MR_EXTEND,           emu_mr_extend },
	{ TDH_MR_FINALIZE,         emu_mr_finalize },
	{ TDH_VP_ENTER,            emu_vp_enter },
};

/* Leaves 1.5.01 accepts with a version above 0 (§1.2); each handler then
 * checks its own versions. */
static bool leaf_is_versioned(unsigned leaf)
{
	switch (leaf) {
	case TDH_MEM_PAGE_PROMOTE:
	case TDH_MEM_SEPT_ADD:
	case TDH_MEM_SEPT_REMOVE:
	case TDH_MNG_RD:
	case TDH_VP_RD:
		return true;
	default:
		return false;
	}
}

/* The leaves the module runs before SYS_READY (§3.2). */
static bool leaf_runs_before_ready(unsigned leaf)
{
	switch (leaf) {
	case TDH_SYS_INFO:
	case TDH_SYS_RD:
	case TDH_SYS_RDALL:
	case TDH_SYS_INIT:
	case TDH_SYS_LP_INIT:
	case TDH_SYS_CONFIG:
	case TDH_SYS_KEY_CONFIG:
	case TDH_SYS_LP_SHUTDOWN:
	case TDH_SYS_UPDATE:
		return true;
	default:
		return false;
	}
}

static const struct emu_leaf_row *find_leaf(unsigned leaf)
{
	for (size_t i = 0; i < sizeof(leaf_rows) / sizeof(leaf_rows[0]); i++)
		if (leaf_rows[i].leaf == leaf)
			return &leaf_rows[i];
	return NULL;
}

/* The dispatcher's checks, in M15's order, then the leaf. */
static uint64_t dispatch(struct emu *e, unsigned lp, struct emu_regs *r)
{
	unsigned leaf = TDX_LEAF(r->rax);
	const struct emu_leaf_row *row;

	if (r->rax & TDX_LEAF_RSVD_MASK)
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RAX);
	if (TDX_LEAF_VERSION(r->rax) && !leaf_is_versioned(leaf))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RAX);
	if (e->state == TDX_GLOBAL_SYS_SHUTDOWN && leaf != TDH_SYS_LP_SHUTDOWN)
		return TDX_SYS_SHUTDOWN;
	if (e->state != TDX_GLOBAL_SYS_READY && !leaf_runs_before_ready(leaf))
		return TDX_SYS_NOT_READY;
	row = find_leaf(leaf);
	if (!row)
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RAX);
	return row->fn(e, lp, r);
}

static void module_call(struct emu *e, unsigned lp, struct emu_regs *r, bool *cf)
{
	unsigned leaf = TDX_LEAF(r->rax);
	uint64_t st;

	if (!e->module_ready) {
		e->stats.vmfail++;
		*cf = true;
		return;
	}
	if (leaf < EMU_NLEAVES)
		e->stats.calls[leaf]++;
	if (!emu_fault_roll(e, leaf, false, &st)) {
		e->lp_busy[lp] = 1;
		st = dispatch(e, lp, r);
		e->lp_busy[lp] = 0;
	}
	if (TDX_IS_ERROR(st) && leaf < EMU_NLEAVES)
		e->stats.errors[leaf]++;
	r->rax = st;
}

/* Only one LP at a time may be inside the P-SEAMLDR; another one gets
 * VMfailInvalid (§8.1). The P-SEAMLDR answers whether or not a module is
 * loaded. */
static void seamldr_call(struct emu *e, unsigned lp, struct emu_regs *r, bool *cf)
{
	uint64_t n = r->rax & ~SEAMLDR_LEAF_BIT;
	uint64_t st;

	e->stats.seamldr_calls[n < EMU_NSEAMLDR - 1 ? n : EMU_NSEAMLDR - 1]++;
	if (e->seamldr_busy) {
		e->stats.vmfail++;
		*cf = true;
		return;
	}
	if (!emu_fault_roll(e, n <= 0xffff ? (unsigned)n : 0xffffu, true, &st)) {
		e->seamldr_busy = true;
		st = emu_seamldr_leaf(e, lp, r);
		e->seamldr_busy = false;
	}
	r->rax = st;
}

void emu_seamcall(struct emu *e, unsigned lp, struct emu_regs *r, bool *cf)
{
	*cf = false;
	spin_lock(&e->lock);
	if (lp >= e->cfg.nlps) {
		/* Not an LP MCHECK counted: it has no SEAM VMCS. */
		e->stats.vmfail++;
		*cf = true;
	} else if (r->rax & SEAMLDR_LEAF_BIT) {
		seamldr_call(e, lp, r, cf);
	} else {
		module_call(e, lp, r, cf);
	}
	spin_unlock(&e->lock);
}

void emu_unlock(struct emu *e, unsigned lp, unsigned leaf)
{
	spin_unlock(&e->lock);
	if (e->inside)
		e->inside(e->inside_ctx, e, lp, leaf);
}

void emu_relock(struct emu *e)
{
	spin_lock(&e->lock);
}

void emu_inside(struct emu *e, unsigned lp, unsigned leaf)
{
	emu_unlock(e, lp, leaf);
	emu_relock(e);
}

bool emu_glock_excl(struct emu *e)
{
	if (e->glock != 0)
		return false;
	e->glock = -1;
	return true;
}

bool emu_glock_shared(struct emu *e)
{
	if (e->glock < 0)
		return false;
	e->glock++;
	return true;
}

void emu_glock_release(struct emu *e)
{
	if (e->glock < 0)
		e->glock = 0;
	else if (e->glock > 0)
		e->glock--;
}

bool emu_shared_hpa_ok(const struct emu *e, uint64_t pa, uint64_t align)
{
	uint64_t addr = pa & ~e->hkid_mask;

	if (pa & (align - 1))
		return false;
	if (!emu_pa_below_maxpa(e, pa))
		return false;
	if (emu_overlap(addr, align, e->cfg.seamrr_base, e->cfg.seamrr_size))
		return false;
	return emu_hkid_of(e, pa) < e->hkid_min;
}

int emu_read(const struct emu *e, uint64_t pa, void *buf, size_t len)
{
	return e->mem.read(e->mem.ctx, pa & ~e->hkid_mask, buf, len);
}

int emu_write(const struct emu *e, uint64_t pa, const void *buf, size_t len)
{
	return e->mem.write(e->mem.ctx, pa & ~e->hkid_mask, buf, len);
}

static bool config_valid(const struct emu_config *c)
{
	uint32_t pkg_has_lp = 0;
	uint64_t keyids = (uint64_t)c->num_mktme_keyids + c->num_tdx_keyids;

	if (c->nlps == 0 || c->nlps > EMU_MAX_LPS)
		return false;
	if (c->npkgs == 0 || c->npkgs > EMU_MAX_PKGS || c->ncmr > EMU_MAX_CMRS)
		return false;
	for (unsigned i = 0; i < c->nlps; i++) {
		if (c->lp_pkg[i] >= c->npkgs)
			return false;
		pkg_has_lp |= 1u << c->lp_pkg[i];
	}
	if (pkg_has_lp != (1u << c->npkgs) - 1)
		return false;
	if (c->maxpa < 32 || c->maxpa > 52 || c->keyid_bits > 15 ||
	    c->maxpa - c->keyid_bits < 32)
		return false;
	/* KeyIDs 0..MKTME+TDX must fit in K bits (IA32_TME_ACTIVATE). */
	if (keyids >= (1ull << c->keyid_bits))
		return false;
	return c->seamrr_size && !((c->seamrr_base | c->seamrr_size) & (SEAMRR_GRANULARITY - 1));
}

int emu_init(struct emu *e, const struct emu_config *cfg, const struct emu_mem_ops *mem)
{
	if (!e || !cfg || !mem || !mem->read || !mem->write || !config_valid(cfg))
		return -1;
	memset(e, 0, sizeof(*e));
	e->cfg = *cfg;
	e->mem = *mem;
	e->state = TDX_GLOBAL_SYSINIT_PENDING;
	e->hkid_shift = cfg->maxpa - cfg->keyid_bits;
	e->hkid_mask = ((1ull << cfg->keyid_bits) - 1) << e->hkid_shift;
	e->hkid_min = cfg->num_mktme_keyids + 1;
	e->hkid_max = cfg->num_mktme_keyids + cfg->num_tdx_keyids;
	emu_rng_seed(e, cfg->seed);
	emu_ldr_init(e);
	return 0;
}

/* A freshly loaded module: every piece of module state back to what it is
 * before TDH.SYS.INIT. What belongs to the platform (cfg, memory, the
 * P-SEAMLDR, faults, counters, the CPU glue) stays. */
void emu_module_reset(struct emu *e)
{
	e->glock = 0;
	e->state = TDX_GLOBAL_SYSINIT_PENDING;
	memset(e->lp_init, 0, sizeof(e->lp_init));
	e->num_init_lps = 0;
	e->pkg_configured = 0;
	e->num_init_pkgs = 0;
	e->sys_attributes = 0;
	e->global_keyid = 0;
	e->ntdmrs = 0;
	memset(e->tdmr, 0, sizeof(e->tdmr));
	memset(e->tdmr_copy, 0, sizeof(e->tdmr_copy));
	e->handoff_valid = false;
	e->handoff_hv = 0;
	memset(e->tds, 0, sizeof(e->tds));
	memset(e->vcpus, 0, sizeof(e->vcpus));
	memset(e->wb_progress, 0, sizeof(e->wb_progress));
}

void emu_set_cpu_ops(struct emu *e, const struct emu_cpu_ops *ops, void *ctx)
{
	e->cpu = ops;
	e->cpu_ctx = ctx;
}

size_t emu_cmrs_from_map(const struct emu_mem_range *regions, size_t n,
			 uint64_t seamrr_base, uint64_t seamrr_size,
			 struct emu_range *out, size_t cap)
{
	uint64_t seamrr_end = seamrr_base + seamrr_size;
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t start = regions[i].base, end = regions[i].base + regions[i].size;
		uint64_t piece[2][2];
		unsigned npieces = 0;

		if (!regions[i].usable || end <= start)
			continue;
		/* The first MiB is never convertible (tdx-abi.md §5.5). */
		if (start < (1ull << 20))
			start = 1ull << 20;
		start = (start + EMU_4K - 1) & ~(EMU_4K - 1);
		end &= ~(EMU_4K - 1);
		if (end <= start)
			continue;
		if (seamrr_size && start < seamrr_end && seamrr_base < end) {
			if (start < seamrr_base)
				piece[npieces][0] = start, piece[npieces++][1] = seamrr_base;
			if (seamrr_end < end)
				piece[npieces][0] = seamrr_end, piece[npieces++][1] = end;
		} else {
			piece[npieces][0] = start, piece[npieces++][1] = end;
		}
		for (unsigned k = 0; k < npieces; k++) {
			struct emu_range *last = count ? &out[count - 1] : NULL;

			if (last && piece[k][0] <= last->base + last->size) {
				if (piece[k][1] > last->base + last->size)
					last->size = piece[k][1] - last->base;
				continue;
			}
			if (count == cap)
				return count;
			out[count].base = piece[k][0];
			out[count].size = piece[k][1] - piece[k][0];
			count++;
		}
	}
	return count;
}
