/* Fixture for the TD leaves of the emulated module (included after
 * test_emu_fixture.c with EMU_FIXTURE_NO_MAIN): a module at SYS_READY with
 * both TDMRs of the default plan initialized, and a bump allocator of free
 * 4 KiB pages inside them for TDR/TDCS/TDVPR/TDCX/S-EPT/data pages. */
#include "seam/emu/td.h"

/* Pages handed out from here up: inside TDMR 0, clear of the reserved
 * areas (first MiB, TDMR_INFO at 256 MiB, PAMT at 1792 MiB, SEAMRR). */
#define TDPAGE_BASE	(512 * MiB)
#define TDPAGE_END	(1536 * MiB)

struct td_fixture {
	struct fixture *f;
	uint64_t next_page;
};

static inline void tdmr_init_all(struct fixture *f)
{
	for (unsigned i = 0; i < f->e->ntdmrs; i++) {
		uint64_t base = f->e->tdmr[i].base, end = base + f->e->tdmr[i].size;
		struct emu_regs r;
		for (;;) {
			uint64_t st = sc5(f, 0, TDH_SYS_TDMR_INIT, base, 0, 0, 0, &r);
			if (st == TDX_TDMR_ALREADY_INITIALIZED)
				break;
			assert_int_equal(st, TDX_SUCCESS);
			if (r.rdx >= end)
				break;
		}
	}
}

static inline struct td_fixture *tdfx_new(void)
{
	struct td_fixture *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->f = fx_ready();
	tdmr_init_all(t->f);
	t->next_page = TDPAGE_BASE;
	return t;
}

static inline void tdfx_free(struct td_fixture *t)
{
	fx_free(t->f);
	free(t);
}

/* A free page (PT_NDA in the PAMT), zeroed. */
static inline uint64_t tdfx_page(struct td_fixture *t)
{
	uint64_t pa = t->next_page;
	static const uint8_t zero[4096];

	assert_true(pa < TDPAGE_END);
	t->next_page += PG;
	assert_int_equal(fm_write(&t->f->fm, pa, zero, sizeof(zero)), 0);
	return pa;
}

/* n contiguous free pages aligned to `align` bytes (2 MiB pages). */
static inline uint64_t tdfx_pages(struct td_fixture *t, unsigned n, uint64_t align)
{
	t->next_page = (t->next_page + align - 1) & ~(align - 1);
	uint64_t first = t->next_page;
	for (unsigned i = 0; i < n; i++)
		tdfx_page(t);
	return first;
}

/* ---- A whole TD: td_build() / td_teardown() ------------------------------
 * td_build runs tdx-abi.md §6.2 steps 1-6 (no S-EPT, no private pages):
 * MNG.CREATE with a free HKID, MNG.KEY.CONFIG on LP 0 and LP 2 (one per
 * package), MNG.ADDCX x 6, MNG.INIT with td_params_default(), then per
 * vCPU VP.CREATE, VP.ADDCX x 5 and VP.INIT (vCPU i on LP i % NLPS, which
 * it stays associated with). td_teardown runs §6.9 on what td_build made.
 * Both assert every status. */

#define TD_MAX_VCPUS	8
#define TD_PARAMS_PA	(300 * MiB)	/* shared, below the td pages */

struct td_handle {
	uint64_t tdr;
	uint64_t tdcs[EMU_TDCS_PAGES];
	unsigned nvcpus;
	uint64_t tdvpr[TD_MAX_VCPUS];
	uint64_t tdcx[TD_MAX_VCPUS][EMU_TDCX_PAGES];
	uint16_t hkid;
};

/* Valid TD_PARAMS: x87+SSE, 4-level EPT, 2.5 GHz, no CPUID bits set. */
static inline void td_params_default(struct tdx_td_params *p, unsigned max_vcpus,
				     uint64_t attributes)
{
	memset(p, 0, sizeof(*p));
	p->attributes = attributes;
	p->xfam = 3;
	p->max_vcpus = (uint16_t)max_vcpus;
	p->eptp_controls = TDX_EPTP_CONTROLS_PWL4;
	/* As Linux builds TDs: RBP never goes through a TDVMCALL. */
	p->config_flags = TDX_CONFIG_FLAGS_NO_RBP_MOD;
	p->tsc_frequency = 100;
}

static inline void td_params_write(struct td_fixture *t, const struct tdx_td_params *p)
{
	assert_int_equal(fm_write(&t->f->fm, TD_PARAMS_PA, p, sizeof(*p)), 0);
}

/* A TDX HKID that is neither the global KeyID nor held by a live TD. */
static inline uint16_t td_free_hkid(struct td_fixture *t)
{
	const struct emu *e = t->f->e;

	for (unsigned k = e->hkid_min; k <= e->hkid_max; k++) {
		bool used = k == e->global_keyid;

		for (unsigned i = 0; i < EMU_MAX_TDS && !used; i++)
			used = e->tds[i].tdr_pa && e->tds[i].hkid == k &&
			       e->tds[i].lifecycle != TD_LIFECYCLE_TEARDOWN;
		if (!used)
			return (uint16_t)k;
	}
	fail_msg("no free HKID");
	return 0;
}

/* MNG.CREATE .. MNG.INIT: a TD at OP_STATE INITIALIZED with no vCPU. */
static inline void td_build_mng(struct td_fixture *t, struct td_handle *h, unsigned max_vcpus,
				uint64_t attributes)
{
	struct fixture *f = t->f;
	struct tdx_td_params p;

	memset(h, 0, sizeof(*h));
	h->hkid = td_free_hkid(t);
	h->tdr = tdfx_page(t);
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, h->tdr, h->hkid, 0, 0, NULL), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_CONFIG, h->tdr), TDX_SUCCESS);
	assert_int_equal(sc1(f, 2, TDH_MNG_KEY_CONFIG, h->tdr), TDX_SUCCESS);
	for (unsigned i = 0; i < EMU_TDCS_PAGES; i++) {
		h->tdcs[i] = tdfx_page(t);
		assert_int_equal(sc5(f, 0, TDH_MNG_ADDCX, h->tdcs[i], h->tdr, 0, 0, NULL),
				 TDX_SUCCESS);
	}
	td_params_default(&p, max_vcpus, attributes);
	td_params_write(t, &p);
	assert_int_equal(sc5(f, 0, TDH_MNG_INIT, h->tdr, TD_PARAMS_PA, 0, 0, NULL), TDX_SUCCESS);
}

/* VP.CREATE, VP.ADDCX x 5, VP.INIT for the next vCPU of h. */
static inline void td_add_vcpu(struct td_fixture *t, struct td_handle *h)
{
	struct fixture *f = t->f;
	unsigned i = h->nvcpus;

	assert_true(i < TD_MAX_VCPUS);
	h->tdvpr[i] = tdfx_page(t);
	assert_int_equal(sc5(f, 0, TDH_VP_CREATE, h->tdvpr[i], h->tdr, 0, 0, NULL), TDX_SUCCESS);
	for (unsigned k = 0; k < EMU_TDCX_PAGES; k++) {
		h->tdcx[i][k] = tdfx_page(t);
		assert_int_equal(sc5(f, 0, TDH_VP_ADDCX, h->tdcx[i][k], h->tdvpr[i], 0, 0, NULL),
				 TDX_SUCCESS);
	}
	assert_int_equal(sc5(f, i % NLPS, TDH_VP_INIT, h->tdvpr[i], 0x1000 + i, 0, 0, NULL),
			 TDX_SUCCESS);
	h->nvcpus++;
}

static inline void td_build(struct td_fixture *t, struct td_handle *h, unsigned nvcpus,
			    uint64_t attributes)
{
	td_build_mng(t, h, nvcpus, attributes);
	for (unsigned i = 0; i < nvcpus; i++)
		td_add_vcpu(t, h);
}

/* TDH.PHYMEM.CACHE.WB on one LP, resuming while interrupted. */
static inline uint64_t td_cache_wb(struct td_fixture *t, unsigned lp)
{
	uint64_t st = sc1(t->f, lp, TDH_PHYMEM_CACHE_WB, 0);

	for (unsigned n = 0; st == TDX_INTERRUPTED_RESUMABLE; n++) {
		assert_true(n < 100);
		st = sc1(t->f, lp, TDH_PHYMEM_CACHE_WB, 1);
	}
	return st;
}

/* RECLAIM of one page that must succeed, with its RCX/RDX/R8 outputs. */
static inline void td_reclaim(struct td_fixture *t, uint64_t pa, unsigned pt, uint64_t owner)
{
	struct emu_regs r;

	assert_int_equal(sc5(t->f, 0, TDH_PHYMEM_PAGE_RECLAIM, pa, 0, 0, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.rcx, pt);
	assert_int_equal(r.rdx, owner);
	assert_int_equal(r.r8, TDX_PS_4K);
}

static inline void td_teardown(struct td_fixture *t, struct td_handle *h)
{
	struct fixture *f = t->f;
	struct emu *e = f->e;

	/* 1. VP.FLUSH each vCPU on the LP it is associated with. */
	for (unsigned i = 0; i < h->nvcpus; i++) {
		struct emu_vcpu *v = emu_vcpu_find(e, h->tdvpr[i]);
		unsigned lp = v && v->assoc_lp >= 0 ? (unsigned)v->assoc_lp : 0;
		uint64_t st = sc1(f, lp, TDH_VP_FLUSH, h->tdvpr[i]);

		assert_true(st == TDX_SUCCESS || st == TDX_VCPU_NOT_ASSOCIATED);
	}
	/* 2.-4. */
	assert_int_equal(sc1(f, 0, TDH_MNG_VPFLUSHDONE, h->tdr), TDX_SUCCESS);
	for (unsigned lp = 0; lp < NLPS; lp += 2) {
		uint64_t st = td_cache_wb(t, lp);

		assert_true(st == TDX_SUCCESS || st == TDX_NO_HKID_READY_TO_WBCACHE);
	}
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_FREEID, h->tdr), TDX_SUCCESS);
	/* 5. Every child, then 6. the TDR and its global-KeyID WBINVD. */
	for (unsigned i = 0; i < h->nvcpus; i++) {
		for (unsigned k = 0; k < EMU_TDCX_PAGES; k++)
			td_reclaim(t, h->tdcx[i][k], PT_TDCX, h->tdr);
		td_reclaim(t, h->tdvpr[i], PT_TDVPR, h->tdr);
	}
	for (unsigned i = 0; i < EMU_TDCS_PAGES; i++)
		td_reclaim(t, h->tdcs[i], PT_TDCX, h->tdr);
	td_reclaim(t, h->tdr, PT_TDR, 0);
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_WBINVD,
			     h->tdr | (uint64_t)e->global_keyid << e->hkid_shift), TDX_SUCCESS);
}
