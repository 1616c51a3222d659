/* Emulated TDX module, TD construction and teardown leaves (td_mng.c,
 * td_teardown.c): every leaf's operand checks, lifecycle / OP_STATE rules
 * and state transitions, with the statuses and operand IDs of 1.5.01;
 * wrong-order calls (tdx-abi.md §2.4, §6.2, §6.9), bad TD_PARAMS fields
 * (§5.7), the CACHE.WB resume protocol, TD/vCPU metadata, busy answers
 * while a vCPU runs, and PAMT page types (via TDH.PHYMEM.PAGE.RDMD) from
 * creation until every page is free again. */
#define EMU_FIXTURE_NO_MAIN
#include "test_emu_fixture.c"
#include "test_td_fixture.c"

#define OI(op)		(TDX_OPERAND_INVALID | TDX_OPERAND_ID_##op)
#define ARE(op)		(TDX_OPERAND_ADDR_RANGE_ERROR | TDX_OPERAND_ID_##op)
#define PMI(op)		(TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_##op)
#define BUSY(op)	(TDX_OPERAND_BUSY | TDX_OPERAND_ID_##op)
#define KEYID(k)	((uint64_t)(k) << KEYID_SHIFT)

/* TD-scope field IDs (M15 tdr_tdcs_fields_lookup.c). */
#define F_FATAL		0x8010000000000001ull
#define F_NUM_TDCX	0x8010000200000002ull
#define F_CHLDCNT	0x8010000300000004ull
#define F_LIFECYCLE	0x8010000200000005ull
#define F_TDCX_PA	0x8010000300000010ull
#define F_HKID		0x8110000100000001ull
#define F_NUM_VCPUS	0x9010000200000001ull
#define F_NUM_ASSOC	0x9010000200000002ull
#define F_OP_STATE	0x9010000200000004ull
#define F_ATTRIBUTES	0x1110000300000000ull
#define F_XFAM		0x1110000300000001ull
#define F_MAX_VCPUS	0x1110000200000002ull
#define F_GPAW		0x1110000000000003ull
#define F_EPTP		0x1110000300000004ull
#define F_TSC_FREQ	0x111000010000000cull
#define F_MRCONFIGID	0x1310000300000010ull
#define F_RTMR		0x1310000300000040ull
/* vCPU scope. */
#define V_PI_NV		0x0024000100000002ull
#define V_PI_DESC	0x0024000300002016ull
#define V_PIN_BASED	0x0024000200004000ull
#define V_GPR(i)	(0x1020000300000000ull + (i))
#define V_VCPU_INDEX	0xa020000200000002ull
#define V_ASSOC_LPID	0xa020000200000004ull

static uint64_t rdmd(struct td_fixture *t, uint64_t pa, struct emu_regs *r)
{
	return sc5(t->f, 0, TDH_PHYMEM_PAGE_RDMD, pa, 0, 0, 0, r);
}

static void expect_page(struct td_fixture *t, uint64_t pa, unsigned pt, uint64_t owner)
{
	struct emu_regs r;

	assert_int_equal(rdmd(t, pa, &r), TDX_SUCCESS);
	assert_int_equal(r.rcx, pt);
	assert_int_equal(r.rdx, owner);
	assert_int_equal(r.r8, TDX_PS_4K);
}

static void expect_td_pages(struct td_fixture *t, const struct td_handle *h, bool free)
{
	expect_page(t, h->tdr, free ? PT_NDA : PT_TDR, 0);
	for (unsigned i = 0; i < EMU_TDCS_PAGES; i++)
		expect_page(t, h->tdcs[i], free ? PT_NDA : PT_TDCX, free ? 0 : h->tdr);
	for (unsigned i = 0; i < h->nvcpus; i++) {
		expect_page(t, h->tdvpr[i], free ? PT_NDA : PT_TDVPR, free ? 0 : h->tdr);
		for (unsigned k = 0; k < EMU_TDCX_PAGES; k++)
			expect_page(t, h->tdcx[i][k], free ? PT_NDA : PT_TDCX, free ? 0 : h->tdr);
	}
}

static uint64_t mng_rd(struct td_fixture *t, uint64_t tdr, uint64_t id, uint64_t *val)
{
	struct emu_regs r;
	uint64_t st = sc5(t->f, 0, TDH_MNG_RD, tdr, id, 0, 0, &r);

	*val = r.r8;
	return st;
}

static uint64_t mng_rd_ok(struct td_fixture *t, uint64_t tdr, uint64_t id)
{
	uint64_t v;

	assert_int_equal(mng_rd(t, tdr, id, &v), TDX_SUCCESS);
	return v;
}

static uint64_t vp_rd(struct td_fixture *t, unsigned lp, uint64_t tdvpr, uint64_t id, uint64_t *val)
{
	struct emu_regs r;
	uint64_t st = sc5(t->f, lp, TDH_VP_RD, tdvpr, id, 0, 0, &r);

	*val = r.r8;
	return st;
}

static uint64_t vp_wr(struct td_fixture *t, unsigned lp, uint64_t tdvpr, uint64_t id,
		      uint64_t value, uint64_t mask, uint64_t *old)
{
	struct emu_regs r;
	uint64_t st = sc5(t->f, lp, TDH_VP_WR, tdvpr, id, value, mask, &r);

	if (old)
		*old = r.r8;
	return st;
}

static struct emu_td *TD(struct td_fixture *t, const struct td_handle *h)
{
	struct emu_td *td = emu_td_find(t->f->e, h->tdr);

	assert_non_null(td);
	return td;
}

static struct emu_vcpu *VCPU(struct td_fixture *t, uint64_t tdvpr)
{
	struct emu_vcpu *v = emu_vcpu_find(t->f->e, tdvpr);

	assert_non_null(v);
	return v;
}

/* ---- Whole lifecycle ------------------------------------------------------ */

/* PAMT types after each step of §6.2 and §6.9; everything free at the end. */
static void test_build_teardown_pamt(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct fixture *f = t->f;
	struct td_handle h;
	struct tdx_td_params p;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.hkid = td_free_hkid(t);
	assert_int_equal(h.hkid, GLOBAL_KEYID + 1);
	h.tdr = tdfx_page(t);
	expect_page(t, h.tdr, PT_NDA, 0);
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, h.tdr, h.hkid, 0, 0, NULL), TDX_SUCCESS);
	expect_page(t, h.tdr, PT_TDR, 0);
	assert_int_equal(TD(t, &h)->lifecycle, TD_LIFECYCLE_HKID_ASSIGNED);
	assert_int_equal(TD(t, &h)->op_state, TD_OP_UNINITIALIZED);
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_CONFIG, h.tdr), TDX_SUCCESS);
	assert_int_equal(sc1(f, 2, TDH_MNG_KEY_CONFIG, h.tdr), TDX_SUCCESS);
	assert_int_equal(TD(t, &h)->lifecycle, TD_LIFECYCLE_KEYS_CONFIGURED);
	for (unsigned i = 0; i < EMU_TDCS_PAGES; i++) {
		h.tdcs[i] = tdfx_page(t);
		/* Donated pages are cleared. */
		fm_put64(&f->fm, h.tdcs[i] + 64, 0xdead);
		assert_int_equal(sc5(f, 0, TDH_MNG_ADDCX, h.tdcs[i], h.tdr, 0, 0, NULL), TDX_SUCCESS);
		expect_page(t, h.tdcs[i], PT_TDCX, h.tdr);
		assert_int_equal(fm_get64(&f->fm, h.tdcs[i] + 64), 0);
	}
	assert_int_equal(TD(t, &h)->child_pages, EMU_TDCS_PAGES);
	/* MNG.INIT clears the S-EPT root again and opens MRTD. */
	fm_put64(&f->fm, h.tdcs[EMU_TDCS_SEPT_ROOT] + 8, 0x1234);
	TD(t, &h)->mrtd_ctx.len = 99;
	td_params_default(&p, 2, 0);
	td_params_write(t, &p);
	assert_int_equal(sc5(f, 0, TDH_MNG_INIT, h.tdr, TD_PARAMS_PA, 0, 0, NULL), TDX_SUCCESS);
	assert_int_equal(fm_get64(&f->fm, h.tdcs[EMU_TDCS_SEPT_ROOT] + 8), 0);
	assert_int_equal(TD(t, &h)->mrtd_ctx.len, 0);
	assert_int_equal(TD(t, &h)->op_state, TD_OP_INITIALIZED);
	assert_int_equal(TD(t, &h)->gpaw, 48);
	assert_int_equal(TD(t, &h)->levels, 4);
	for (unsigned i = 0; i < 2; i++) {
		td_add_vcpu(t, &h);
		expect_page(t, h.tdvpr[i], PT_TDVPR, h.tdr);
		for (unsigned k = 0; k < EMU_TDCX_PAGES; k++)
			expect_page(t, h.tdcx[i][k], PT_TDCX, h.tdr);
	}
	assert_int_equal(TD(t, &h)->child_pages, EMU_TDCS_PAGES + 2 * (1 + EMU_TDCX_PAGES));
	assert_int_equal(mng_rd_ok(t, h.tdr, F_CHLDCNT), EMU_TDCS_PAGES + 2 * (1 + EMU_TDCX_PAGES));
	expect_td_pages(t, &h, false);

	td_teardown(t, &h);
	expect_td_pages(t, &h, true);
	assert_null(emu_td_find(f->e, h.tdr));
	for (unsigned i = 0; i < EMU_MAX_VCPUS; i++)
		assert_int_equal(f->e->vcpus[i].tdvpr_pa, 0);
	tdfx_free(t);
}

/* Two TDs built and torn down interleaved; the second reuses nothing. */
static void test_two_tds(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct td_handle a, b;

	(void)state;
	td_build(t, &a, 3, 0);
	td_build(t, &b, 2, TDX_TD_ATTR_DEBUG);
	assert_int_not_equal(a.hkid, b.hkid);
	assert_int_equal(mng_rd_ok(t, a.tdr, F_NUM_VCPUS), 3);
	assert_int_equal(mng_rd_ok(t, b.tdr, F_NUM_VCPUS), 2);
	td_teardown(t, &a);
	expect_td_pages(t, &a, true);
	expect_td_pages(t, &b, false);
	td_teardown(t, &b);
	expect_td_pages(t, &b, true);
	for (unsigned i = 0; i < EMU_MAX_TDS; i++)
		assert_int_equal(t->f->e->tds[i].tdr_pa, 0);
	tdfx_free(t);
}

/* ---- TDH.MNG.CREATE --------------------------------------------------------- */

static void test_create_operands(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct fixture *f = t->f;
	uint64_t tdr = tdfx_page(t), other = tdfx_page(t);
	unsigned hkid = GLOBAL_KEYID + 1;

	(void)state;
	/* HKID first: RDX 63:16 reserved, 15:0 a TDX private KeyID. */
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, tdr + 8, hkid | 1ull << 16, 0, 0, NULL), OI(RDX));
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, tdr, 0, 0, 0, NULL), OI(RDX));
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, tdr, GLOBAL_KEYID - 1, 0, 0, NULL), OI(RDX));
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, tdr, 64, 0, 0, NULL), OI(RDX));
	/* The TDR page. */
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, tdr + 8, hkid, 0, 0, NULL), OI(RCX));
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, tdr | KEYID(hkid), hkid, 0, 0, NULL), OI(RCX));
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, 1ull << 46, hkid, 0, 0, NULL), OI(RCX));
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, 0x1000, hkid, 0, 0, NULL), ARE(RCX));
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, PAMT_PA, hkid, 0, 0, NULL), ARE(RCX));
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, HOLE_PA, hkid, 0, 0, NULL), ARE(RCX));
	/* The global KeyID is reserved (KOT), before the TDR page is used. */
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, tdr, GLOBAL_KEYID, 0, 0, NULL), TDX_HKID_NOT_FREE);
	expect_page(t, tdr, PT_NDA, 0);

	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, tdr, hkid, 0, 0, NULL), TDX_SUCCESS);
	/* A page in use; an HKID in use. */
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, tdr, hkid + 1, 0, 0, NULL), PMI(RCX));
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, other, hkid, 0, 0, NULL), TDX_HKID_NOT_FREE);
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, other, 63, 0, 0, NULL), TDX_SUCCESS);
	tdfx_free(t);
}

/* An HKID is held from MNG.CREATE until KEY.FREEID, then reusable while
 * the old TD's pages are still being reclaimed. */
static void test_hkid_reuse(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct fixture *f = t->f;
	struct td_handle h;
	uint64_t tdr2 = tdfx_page(t);

	(void)state;
	td_build(t, &h, 1, 0);
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, tdr2, h.hkid, 0, 0, NULL), TDX_HKID_NOT_FREE);
	assert_int_equal(sc1(f, 0, TDH_VP_FLUSH, h.tdvpr[0]), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_MNG_VPFLUSHDONE, h.tdr), TDX_SUCCESS);
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, tdr2, h.hkid, 0, 0, NULL), TDX_HKID_NOT_FREE);
	assert_int_equal(td_cache_wb(t, 0), TDX_SUCCESS);
	assert_int_equal(td_cache_wb(t, 3), TDX_SUCCESS);
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, tdr2, h.hkid, 0, 0, NULL), TDX_HKID_NOT_FREE);
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_FREEID, h.tdr), TDX_SUCCESS);
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, tdr2, h.hkid, 0, 0, NULL), TDX_SUCCESS);
	/* The old TD can still be reclaimed. */
	for (unsigned k = 0; k < EMU_TDCX_PAGES; k++)
		td_reclaim(t, h.tdcx[0][k], PT_TDCX, h.tdr);
	td_reclaim(t, h.tdvpr[0], PT_TDVPR, h.tdr);
	for (unsigned i = 0; i < EMU_TDCS_PAGES; i++)
		td_reclaim(t, h.tdcs[i], PT_TDCX, h.tdr);
	td_reclaim(t, h.tdr, PT_TDR, 0);
	assert_non_null(emu_td_find(f->e, tdr2));
	assert_int_equal(emu_td_find(f->e, tdr2)->hkid, h.hkid);
	tdfx_free(t);
}

/* ---- TDH.MNG.KEY.CONFIG ------------------------------------------------------ */

static void test_key_config(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct fixture *f = t->f;
	uint64_t tdr = tdfx_page(t), page = tdfx_page(t);

	(void)state;
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, tdr, 40, 0, 0, NULL), TDX_SUCCESS);
	/* Not a TDR. */
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_CONFIG, page), PMI(RCX));
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_CONFIG, tdr + 4), OI(RCX));
	assert_int_equal(sc1(f, 1, TDH_MNG_KEY_CONFIG, tdr), TDX_SUCCESS);
	assert_int_equal(emu_td_find(f->e, tdr)->pkg_keyed, 1);
	/* Same package again: not an error. */
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_CONFIG, tdr), TDX_KEY_CONFIGURED);
	assert_false(TDX_IS_ERROR(TDX_KEY_CONFIGURED));
	assert_int_equal(emu_td_find(f->e, tdr)->lifecycle, TD_LIFECYCLE_HKID_ASSIGNED);
	/* ADDCX needs every package. */
	assert_int_equal(sc5(f, 0, TDH_MNG_ADDCX, tdfx_page(t), tdr, 0, 0, NULL),
			 TDX_TD_KEYS_NOT_CONFIGURED);
	assert_int_equal(sc1(f, 3, TDH_MNG_KEY_CONFIG, tdr), TDX_SUCCESS);
	assert_int_equal(emu_td_find(f->e, tdr)->lifecycle, TD_LIFECYCLE_KEYS_CONFIGURED);
	/* Done everywhere: the lifecycle moved on. */
	assert_int_equal(sc1(f, 2, TDH_MNG_KEY_CONFIG, tdr), TDX_LIFECYCLE_STATE_INCORRECT);
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_CONFIG, tdr), TDX_LIFECYCLE_STATE_INCORRECT);
	tdfx_free(t);
}

/* ---- TDH.MNG.ADDCX / TDH.MNG.INIT order ---------------------------------------- */

static void test_addcx_and_init_order(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct fixture *f = t->f;
	uint64_t tdr = tdfx_page(t), used, tdcs[EMU_TDCS_PAGES];
	struct tdx_td_params p;

	(void)state;
	td_params_default(&p, 1, 0);
	td_params_write(t, &p);
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, tdr, 41, 0, 0, NULL), TDX_SUCCESS);
	assert_int_equal(sc5(f, 0, TDH_MNG_INIT, tdr, TD_PARAMS_PA, 0, 0, NULL),
			 TDX_TD_KEYS_NOT_CONFIGURED);
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_CONFIG, tdr), TDX_SUCCESS);
	assert_int_equal(sc1(f, 2, TDH_MNG_KEY_CONFIG, tdr), TDX_SUCCESS);
	/* Operands: the TDR in RDX, the page in RCX. */
	assert_int_equal(sc5(f, 0, TDH_MNG_ADDCX, tdfx_page(t), tdfx_page(t), 0, 0, NULL), PMI(RDX));
	assert_int_equal(sc5(f, 0, TDH_MNG_ADDCX, tdr, tdr, 0, 0, NULL), PMI(RCX));
	assert_int_equal(sc5(f, 0, TDH_MNG_ADDCX, 0x2000, tdr, 0, 0, NULL), ARE(RCX));
	for (unsigned i = 0; i < EMU_TDCS_PAGES - 1; i++) {
		tdcs[i] = tdfx_page(t);
		assert_int_equal(sc5(f, 0, TDH_MNG_ADDCX, tdcs[i], tdr, 0, 0, NULL), TDX_SUCCESS);
	}
	used = tdcs[0];
	assert_int_equal(sc5(f, 0, TDH_MNG_ADDCX, used, tdr, 0, 0, NULL), PMI(RCX));
	/* MNG.INIT without every TDCS page; MNG.RD/VP.CREATE neither. */
	assert_int_equal(sc5(f, 0, TDH_MNG_INIT, tdr, TD_PARAMS_PA, 0, 0, NULL), TDX_TDCS_NOT_ALLOCATED);
	assert_int_equal(sc5(f, 0, TDH_MNG_RD, tdr, F_ATTRIBUTES, 0, 0, NULL), TDX_TDCS_NOT_ALLOCATED);
	assert_int_equal(sc5(f, 0, TDH_VP_CREATE, tdfx_page(t), tdr, 0, 0, NULL), TDX_TDCS_NOT_ALLOCATED);
	tdcs[5] = tdfx_page(t);
	assert_int_equal(sc5(f, 0, TDH_MNG_ADDCX, tdcs[5], tdr, 0, 0, NULL), TDX_SUCCESS);
	/* No 7th page (no L2 VMs). */
	assert_int_equal(sc5(f, 0, TDH_MNG_ADDCX, tdfx_page(t), tdr, 0, 0, NULL), TDX_TDCX_NUM_INCORRECT);
	/* VP.CREATE and MNG.RD before MNG.INIT. */
	assert_int_equal(sc5(f, 0, TDH_VP_CREATE, tdfx_page(t), tdr, 0, 0, NULL), TDX_OP_STATE_INCORRECT);
	assert_int_equal(sc5(f, 0, TDH_MNG_RD, tdr, F_ATTRIBUTES, 0, 0, NULL), TDX_OP_STATE_INCORRECT);
	assert_int_equal(sc5(f, 0, TDH_MNG_INIT, tdr, TD_PARAMS_PA, 0, 0, NULL), TDX_SUCCESS);
	/* After MNG.INIT: no more ADDCX, no second INIT. */
	assert_int_equal(sc5(f, 0, TDH_MNG_ADDCX, tdfx_page(t), tdr, 0, 0, NULL), TDX_OP_STATE_INCORRECT);
	assert_int_equal(sc5(f, 0, TDH_MNG_INIT, tdr, TD_PARAMS_PA, 0, 0, NULL), TDX_OP_STATE_INCORRECT);
	/* RUNNABLE (MR.FINALIZE): no more VP.CREATE. */
	emu_td_find(f->e, tdr)->op_state = TD_OP_RUNNABLE;
	assert_int_equal(sc5(f, 0, TDH_VP_CREATE, tdfx_page(t), tdr, 0, 0, NULL), TDX_OP_STATE_INCORRECT);
	assert_int_equal(sc5(f, 0, TDH_MNG_RD, tdr, F_ATTRIBUTES, 0, 0, NULL), TDX_SUCCESS);
	tdfx_free(t);
}

/* ---- TD_PARAMS --------------------------------------------------------------- */

struct params_case {
	const char *name;
	void (*mutate)(struct tdx_td_params *p);
	uint64_t status;
	uint64_t rcx;			/* extended error information */
};

static void m_attr_reserved(struct tdx_td_params *p) { p->attributes = 1ull << 1; }
static void m_attr_kl(struct tdx_td_params *p) { p->attributes = TDX_TD_ATTR_KL; }
static void m_attr_mig_debug(struct tdx_td_params *p) { p->attributes = TDX_TD_ATTR_MIGRATABLE | TDX_TD_ATTR_DEBUG; }
static void m_attr_mig_perfmon(struct tdx_td_params *p) { p->attributes = TDX_TD_ATTR_MIGRATABLE | TDX_TD_ATTR_PERFMON; }
static void m_attr_and_xfam(struct tdx_td_params *p) { p->attributes = 1ull << 1; p->xfam = 0; }
static void m_xfam_no_sse(struct tdx_td_params *p) { p->xfam = 1; }
static void m_xfam_bit3(struct tdx_td_params *p) { p->xfam = 0xb; }
static void m_xfam_avx512_part(struct tdx_td_params *p) { p->xfam = 0x27; }
static void m_xfam_avx512_no_avx(struct tdx_td_params *p) { p->xfam = 0xe3; }
static void m_xfam_cet_u(struct tdx_td_params *p) { p->xfam = 0x803; }
static void m_xfam_amx_cfg(struct tdx_td_params *p) { p->xfam = 0x20003; }
static void m_vcpus_0(struct tdx_td_params *p) { p->max_vcpus = 0; }
static void m_vcpus_65(struct tdx_td_params *p) { p->max_vcpus = EMU_MAX_VCPUS_PER_TD + 1; }
static void m_l2(struct tdx_td_params *p) { p->num_l2_vms = 1; }
static void m_rsvd0(struct tdx_td_params *p) { p->reserved0 = 1; }
static void m_flags_bit3(struct tdx_td_params *p) { p->config_flags = TDX_CONFIG_FLAGS_MAXPA_VIRT; }
static void m_flags_gpaw(struct tdx_td_params *p) { p->config_flags = TDX_CONFIG_FLAGS_GPAW; }
static void m_flags_gpaw_pwl5(struct tdx_td_params *p)
{
	p->config_flags = TDX_CONFIG_FLAGS_GPAW;
	p->eptp_controls = TDX_EPTP_CONTROLS_PWL5;
}
static void m_eptp_pwl5(struct tdx_td_params *p) { p->eptp_controls = TDX_EPTP_CONTROLS_PWL5; }
static void m_eptp_ad(struct tdx_td_params *p) { p->eptp_controls |= 1ull << 6; }
static void m_eptp_uc(struct tdx_td_params *p) { p->eptp_controls = 0x18; }
static void m_eptp_pa(struct tdx_td_params *p) { p->eptp_controls |= 0x1000; }
static void m_tsc_low(struct tdx_td_params *p) { p->tsc_frequency = 3; }
static void m_tsc_high(struct tdx_td_params *p) { p->tsc_frequency = 401; }
static void m_rsvd1(struct tdx_td_params *p) { p->reserved1[37] = 1; }
static void m_msr_ctls(struct tdx_td_params *p) { p->msr_config_ctls = 2; }
static void m_rsvd2(struct tdx_td_params *p) { p->reserved2[0] = 1; }
static void m_cpuid_leaf_a(struct tdx_td_params *p) { p->cpuid_values[7].eax = 1; }
static void m_cpuid_7_0_edx(struct tdx_td_params *p) { p->cpuid_values[5].edx = 1; }
static void m_cpuid_fms(struct tdx_td_params *p) { p->cpuid_values[0].eax = 0x806f7; }
static void m_cpuid_hle(struct tdx_td_params *p) { p->cpuid_values[5].ebx = 1u << 4; }
static void m_rsvd3(struct tdx_td_params *p) { p->cpuid_values[EMU_NUM_CPUID_CONFIG].edx = 1; }
static void m_archcap_noflag(struct tdx_td_params *p) { p->ia32_arch_capabilities_config = 1u << 4; }
static void m_archcap_bad(struct tdx_td_params *p)
{
	p->msr_config_ctls = TDX_TD_MSR_CONFIG_ARCH_CAP;
	p->ia32_arch_capabilities_config = 1u << 5;
}
/* Valid variations. */
static void m_ok_archcap(struct tdx_td_params *p)
{
	p->msr_config_ctls = TDX_TD_MSR_CONFIG_ARCH_CAP;
	p->ia32_arch_capabilities_config = EMU_ARCH_CAP_CONFIG_MASK;
}
static void m_ok_fms(struct tdx_td_params *p) { p->cpuid_values[0].eax = 0x806f8; }
static void m_ok_mig_stepping(struct tdx_td_params *p)
{
	p->attributes = TDX_TD_ATTR_MIGRATABLE;
	p->cpuid_values[0].eax = 0x806f3;
}
static void m_ok_tsx(struct tdx_td_params *p) { p->cpuid_values[5].ebx = 1u << 4 | 1u << 11; }
static void m_ok_flags(struct tdx_td_params *p) { p->config_flags = TDX_CONFIG_FLAGS_NO_RBP_MOD | TDX_CONFIG_FLAGS_FLEXIBLE_PENDING_VE; }
static void m_ok_attr(struct tdx_td_params *p) { p->attributes = TDX_TD_ATTR_DEBUG | TDX_TD_ATTR_SEPT_VE_DISABLE | TDX_TD_ATTR_PKS | TDX_TD_ATTR_PERFMON; }
static void m_ok_xfam(struct tdx_td_params *p) { p->xfam = 0x6dbe7; }
static void m_ok_tsc(struct tdx_td_params *p) { p->tsc_frequency = 4; }
static void m_ok_vcpus(struct tdx_td_params *p) { p->max_vcpus = EMU_MAX_VCPUS_PER_TD; }

#define LEAF(l, s)	((uint64_t)(s) << 32 | (l))

static const struct params_case params_cases[] = {
	{ "attributes reserved", m_attr_reserved, OI(ATTRIBUTES), 0 },
	{ "attributes KL", m_attr_kl, OI(ATTRIBUTES), 0 },
	{ "migratable debug", m_attr_mig_debug, OI(ATTRIBUTES), 0 },
	{ "migratable perfmon", m_attr_mig_perfmon, OI(ATTRIBUTES), 0 },
	{ "attributes before xfam", m_attr_and_xfam, OI(ATTRIBUTES), 0 },
	{ "xfam no sse", m_xfam_no_sse, OI(XFAM), 0 },
	{ "xfam bit 3", m_xfam_bit3, OI(XFAM), 0 },
	{ "xfam avx512 partial", m_xfam_avx512_part, OI(XFAM), 0 },
	{ "xfam avx512 no avx", m_xfam_avx512_no_avx, OI(XFAM), 0 },
	{ "xfam cet_u alone", m_xfam_cet_u, OI(XFAM), 0 },
	{ "xfam amx cfg alone", m_xfam_amx_cfg, OI(XFAM), 0 },
	{ "max vcpus 0", m_vcpus_0, OI(MAX_VCPUS), 0 },
	{ "max vcpus 65", m_vcpus_65, OI(MAX_VCPUS), 0 },
	{ "l2 vms", m_l2, OI(NUM_L2_VMS), 0 },
	{ "reserved0", m_rsvd0, OI(RDX), 0 },
	{ "config flags bit 3", m_flags_bit3, OI(EXEC_CONTROLS), 0 },
	{ "gpaw with 4 levels", m_flags_gpaw, OI(EPTP_CONTROLS), 0 },
	{ "gpaw with 5 levels", m_flags_gpaw_pwl5, OI(EPTP_CONTROLS), 0 },
	{ "eptp 5 levels", m_eptp_pwl5, OI(EPTP_CONTROLS), 0 },
	{ "eptp a/d", m_eptp_ad, OI(EPTP_CONTROLS), 0 },
	{ "eptp uc", m_eptp_uc, OI(EPTP_CONTROLS), 0 },
	{ "eptp pa", m_eptp_pa, OI(EPTP_CONTROLS), 0 },
	{ "tsc 3", m_tsc_low, OI(TSC_FREQUENCY), 0 },
	{ "tsc 401", m_tsc_high, OI(TSC_FREQUENCY), 0 },
	{ "reserved1", m_rsvd1, OI(RDX), 0 },
	{ "msr_config_ctls 7:1", m_msr_ctls, OI(RDX), 0 },
	{ "reserved2", m_rsvd2, OI(RDX), 0 },
	{ "cpuid 0xa", m_cpuid_leaf_a, OI(CPUID_CONFIG), LEAF(0xa, 0xffffffffu) },
	{ "cpuid 7.0 edx", m_cpuid_7_0_edx, OI(CPUID_CONFIG), LEAF(7, 0) },
	{ "cpuid fms", m_cpuid_fms, OI(CPUID_CONFIG), LEAF(1, 0xffffffffu) },
	{ "cpuid hle w/o rtm", m_cpuid_hle, OI(CPUID_CONFIG), 0 },
	{ "reserved3", m_rsvd3, OI(RDX), 0 },
	{ "arch cap no flag", m_archcap_noflag, OI(IA32_ARCH_CAPABILITIES_CONFIG), 0 },
	{ "arch cap bit 5", m_archcap_bad, OI(IA32_ARCH_CAPABILITIES_CONFIG), 0 },
	{ "ok arch cap", m_ok_archcap, TDX_SUCCESS, 0 },
	{ "ok fms", m_ok_fms, TDX_SUCCESS, 0 },
	{ "ok migratable older stepping", m_ok_mig_stepping, TDX_SUCCESS, 0 },
	{ "ok tsx", m_ok_tsx, TDX_SUCCESS, 0 },
	{ "ok flags", m_ok_flags, TDX_SUCCESS, 0 },
	{ "ok attributes", m_ok_attr, TDX_SUCCESS, 0 },
	{ "ok xfam", m_ok_xfam, TDX_SUCCESS, 0 },
	{ "ok tsc", m_ok_tsc, TDX_SUCCESS, 0 },
	{ "ok vcpus", m_ok_vcpus, TDX_SUCCESS, 0 },
};

/* A TD at MNG.INIT's door: keys configured, all TDCS pages. */
static uint64_t td_before_init(struct td_fixture *t)
{
	struct fixture *f = t->f;
	uint64_t tdr = tdfx_page(t);

	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, tdr, td_free_hkid(t), 0, 0, NULL), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_CONFIG, tdr), TDX_SUCCESS);
	assert_int_equal(sc1(f, 2, TDH_MNG_KEY_CONFIG, tdr), TDX_SUCCESS);
	for (unsigned i = 0; i < EMU_TDCS_PAGES; i++)
		assert_int_equal(sc5(f, 0, TDH_MNG_ADDCX, tdfx_page(t), tdr, 0, 0, NULL), TDX_SUCCESS);
	return tdr;
}

static void test_init_params(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct fixture *f = t->f;
	uint64_t tdr = td_before_init(t);
	struct tdx_td_params p;
	struct emu_regs r;

	(void)state;
	for (size_t i = 0; i < sizeof(params_cases) / sizeof(params_cases[0]); i++) {
		const struct params_case *c = &params_cases[i];
		uint64_t st;

		td_params_default(&p, 1, 0);
		c->mutate(&p);
		td_params_write(t, &p);
		st = sc5(f, 0, TDH_MNG_INIT, tdr, TD_PARAMS_PA, 0, 0, &r);
		if (st != c->status || r.rcx != c->rcx)
			fail_msg("%s: status %#llx rcx %#llx, want %#llx rcx %#llx", c->name,
				 (unsigned long long)st, (unsigned long long)r.rcx,
				 (unsigned long long)c->status, (unsigned long long)c->rcx);
		if (st == TDX_SUCCESS) {
			/* Start over on a fresh TD. */
			assert_int_equal(emu_td_find(f->e, tdr)->op_state, TD_OP_INITIALIZED);
			tdr = td_before_init(t);
		} else {
			assert_int_equal(emu_td_find(f->e, tdr)->op_state, TD_OP_UNINITIALIZED);
		}
	}
	/* The TD_PARAMS operand: 1024-aligned shared HPA in RAM. */
	td_params_default(&p, 1, 0);
	td_params_write(t, &p);
	assert_int_equal(sc5(f, 0, TDH_MNG_INIT, tdr, TD_PARAMS_PA + 512, 0, 0, NULL), OI(RDX));
	assert_int_equal(sc5(f, 0, TDH_MNG_INIT, tdr, TD_PARAMS_PA | KEYID(GLOBAL_KEYID), 0, 0, NULL), OI(RDX));
	assert_int_equal(sc5(f, 0, TDH_MNG_INIT, tdr, SEAMRR_BASE, 0, 0, NULL), OI(RDX));
	assert_int_equal(sc5(f, 0, TDH_MNG_INIT, tdr, HOLE_PA, 0, 0, NULL), OI(RDX));
	/* A shared (MKTME) KeyID selects the same memory. */
	assert_int_equal(sc5(f, 0, TDH_MNG_INIT, tdr, TD_PARAMS_PA | KEYID(3), 0, 0, NULL), TDX_SUCCESS);
	tdfx_free(t);
}

/* What MNG.INIT stored, read back with TDH.MNG.RD. */
static void test_init_stores(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct fixture *f = t->f;
	uint64_t tdr = td_before_init(t), v;
	struct tdx_td_params p;
	struct emu_td *td = emu_td_find(f->e, tdr);

	(void)state;
	td_params_default(&p, 5, TDX_TD_ATTR_SEPT_VE_DISABLE);
	p.xfam = 0xe7;
	p.tsc_frequency = 120;
	p.config_flags = TDX_CONFIG_FLAGS_NO_RBP_MOD;
	for (unsigned i = 0; i < 48; i++)
		p.mrconfigid[i] = (uint8_t)i, p.mrowner[i] = (uint8_t)(0x80 + i);
	p.cpuid_values[5].ebx = 1u << 3;	/* CPUID(7,0).EBX.BMI1 */
	td_params_write(t, &p);
	assert_int_equal(sc5(f, 0, TDH_MNG_INIT, tdr, TD_PARAMS_PA, 0, 0, NULL), TDX_SUCCESS);

	assert_int_equal(mng_rd_ok(t, tdr, F_ATTRIBUTES), TDX_TD_ATTR_SEPT_VE_DISABLE);
	assert_int_equal(mng_rd_ok(t, tdr, F_XFAM), 0xe7);
	assert_int_equal(mng_rd_ok(t, tdr, F_MAX_VCPUS), 5);
	assert_int_equal(mng_rd_ok(t, tdr, F_TSC_FREQ), 120);
	assert_int_equal(mng_rd_ok(t, tdr, MD_TDG_TDCS_CONFIG_FLAGS), TDX_CONFIG_FLAGS_NO_RBP_MOD);
	assert_int_equal(mng_rd_ok(t, tdr, F_GPAW), 0);
	assert_int_equal(mng_rd_ok(t, tdr, F_EPTP), 0x1e | td->tdcs_pa[EMU_TDCS_SEPT_ROOT]);
	assert_int_equal(mng_rd_ok(t, tdr, F_OP_STATE), TD_OP_INITIALIZED);
	assert_int_equal(mng_rd_ok(t, tdr, F_LIFECYCLE), TD_LIFECYCLE_KEYS_CONFIGURED);
	assert_int_equal(mng_rd_ok(t, tdr, F_NUM_TDCX), EMU_TDCS_PAGES);
	assert_int_equal(mng_rd_ok(t, tdr, F_HKID), td->hkid);
	assert_int_equal(mng_rd_ok(t, tdr, F_NUM_VCPUS), 0);
	assert_int_equal(mng_rd_ok(t, tdr, F_FATAL), 0);
	assert_int_equal(mng_rd_ok(t, tdr, MD_TD_TSC_OFFSET), 0);
	assert_int_equal(mng_rd_ok(t, tdr, MD_TD_TSC_MULTIPLIER), 1ull << 48);
	/* TDCX_PA carries the TD's HKID; unused slots are 0. */
	assert_int_equal(mng_rd_ok(t, tdr, F_TDCX_PA + 2), td->tdcs_pa[2] | KEYID(td->hkid));
	assert_int_equal(mng_rd_ok(t, tdr, F_TDCX_PA + 8), 0);
	assert_int_equal(mng_rd(t, tdr, F_TDCX_PA + 9, &v), TDX_METADATA_FIELD_ID_INCORRECT);
	/* MRCONFIGID element 1 = bytes 8..15, little endian. */
	assert_int_equal(mng_rd_ok(t, tdr, F_MRCONFIGID + 1), 0x0f0e0d0c0b0a0908ull);
	assert_int_equal(td->mrowner[47], 0x80 + 47);
	/* CPUID: leaf 1 EAX (0 in TD_PARAMS) = the platform FMS; 7.0 EBX. */
	assert_int_equal(mng_rd_ok(t, tdr, MD_TD_CPUID_FIELD(1, 1, 0, 0)) & 0xffffffffu, 0x806f8);
	assert_int_equal(mng_rd_ok(t, tdr, MD_TD_CPUID_FIELD(7, 0, 0, 0)) >> 32, 1u << 3);
	assert_int_equal(mng_rd_ok(t, tdr, MD_TD_CPUID_FIELD(0x80000008u, 1, 0, 1)), 0);
	/* Leaves that are not configurable, and reserved field-code bits. */
	assert_int_equal(mng_rd(t, tdr, MD_TD_CPUID_FIELD(2, 1, 0, 0), &v), TDX_METADATA_FIELD_ID_INCORRECT);
	assert_int_equal(mng_rd(t, tdr, MD_TD_CPUID_FIELD(7, 0, 0, 0) | 1ull << 17, &v),
			 TDX_METADATA_FIELD_ID_INCORRECT);
	tdfx_free(t);
}

/* ---- TDH.MNG.RD / WR ------------------------------------------------------- */

static void test_mng_rd_wr(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct fixture *f = t->f;
	struct td_handle h, d;
	struct emu_regs r;
	uint64_t v, id;
	unsigned n = 0, n_debug = 0;

	(void)state;
	td_build(t, &h, 1, 0);
	td_build(t, &d, 1, TDX_TD_ATTR_DEBUG);
	/* Element size, context and the non-arch bit do not matter. */
	assert_int_equal(mng_rd_ok(t, h.tdr, F_MAX_VCPUS & ~(3ull << 32)), 1);
	assert_int_equal(mng_rd_ok(t, h.tdr, F_MAX_VCPUS | 7ull << 52), 1);
	/* Unknown IDs, multi-element IDs, reserved bits. */
	assert_int_equal(mng_rd(t, h.tdr, 0x1110000300000005ull, &v), TDX_METADATA_FIELD_ID_INCORRECT);
	assert_int_equal(mng_rd(t, h.tdr, F_ATTRIBUTES | 1ull << 34, &v), TDX_METADATA_FIELD_ID_INCORRECT);
	assert_int_equal(mng_rd(t, h.tdr, F_ATTRIBUTES | 1ull << 24, &v), TDX_METADATA_FIELD_ID_INCORRECT);
	assert_int_equal(mng_rd(t, h.tdr, MD_FIELD_ID_NULL, &v), TDX_METADATA_FIELD_ID_INCORRECT);
	/* RTMRs: debug TDs only. */
	assert_int_equal(mng_rd(t, h.tdr, F_RTMR, &v), TDX_METADATA_FIELD_NOT_READABLE);
	assert_int_equal(mng_rd(t, d.tdr, F_RTMR + 23, &v), TDX_SUCCESS);
	assert_int_equal(v, 0);
	/* Writes: nothing is writable; unknown IDs first. */
	assert_int_equal(sc5(f, 0, TDH_MNG_WR, h.tdr, F_ATTRIBUTES, 1, ~0ull, &r),
			 TDX_METADATA_FIELD_NOT_WRITABLE);
	assert_int_equal(r.r8, 0);
	assert_int_equal(sc5(f, 0, TDH_MNG_WR, h.tdr, 0x1110000300000005ull, 1, ~0ull, NULL),
			 TDX_METADATA_FIELD_ID_INCORRECT);
	assert_int_equal(sc5(f, 0, TDX_RAX(TDH_MNG_WR, 1), h.tdr, F_ATTRIBUTES, 1, ~0ull, NULL), OI(RAX));
	/* Operands. */
	assert_int_equal(mng_rd(t, h.tdcs[0], F_ATTRIBUTES, &v), PMI(RCX));
	assert_int_equal(mng_rd(t, h.tdr + 1, F_ATTRIBUTES, &v), OI(RCX));
	/* Version 2 does not exist; version 1 iterates. */
	assert_int_equal(sc5(f, 0, TDX_RAX(TDH_MNG_RD, 2), h.tdr, F_ATTRIBUTES, 0, 0, &r), OI(RAX));
	assert_int_equal(sc5(f, 0, TDX_RAX(TDH_MNG_RD, 1), h.tdr, F_ATTRIBUTES, 0, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.r8, 0);
	assert_int_equal(r.rdx, F_XFAM);
	assert_int_equal(sc5(f, 0, TDX_RAX(TDH_MNG_RD, 1), h.tdr, 0x1110000300000005ull, 0, 0, &r),
			 TDX_METADATA_FIELD_ID_INCORRECT);
	assert_int_equal(r.rdx, MD_FIELD_ID_NONE);
	assert_int_equal(sc5(f, 0, TDX_RAX(TDH_MNG_RD, 1), h.tdr, MD_FIELD_ID_NULL, 0, 0, &r),
			 TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	assert_int_equal(r.rdx, F_FATAL);
	for (id = r.rdx; id != MD_FIELD_ID_NONE; id = r.rdx, n++) {
		assert_int_equal(sc5(f, 0, TDX_RAX(TDH_MNG_RD, 1), h.tdr, id, 0, 0, &r), TDX_SUCCESS);
		assert_true(n < 1000);
	}
	/* 4 + 9 TDR + 2 key + 4 mgmt + 10 exec + epoch + 4 x 6 measurements +
	 * 2 per CPUID leaf; a debug TD adds the RTMRs. */
	assert_int_equal(n, 4 + 9 + 2 + 4 + 10 + 1 + 24 + 2 * EMU_NUM_CPUID_CONFIG);
	assert_int_equal(sc5(f, 0, TDX_RAX(TDH_MNG_RD, 1), d.tdr, MD_FIELD_ID_NULL, 0, 0, &r),
			 TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	for (id = r.rdx; id != MD_FIELD_ID_NONE; id = r.rdx, n_debug++)
		assert_int_equal(sc5(f, 0, TDX_RAX(TDH_MNG_RD, 1), d.tdr, id, 0, 0, &r), TDX_SUCCESS);
	assert_int_equal(n_debug, n + 24);
	/* NUM_ASSOC_VCPUS: VP.INIT associated the vCPU. */
	assert_int_equal(mng_rd_ok(t, h.tdr, F_NUM_ASSOC), 1);
	td_teardown(t, &h);
	td_teardown(t, &d);
	tdfx_free(t);
}

/* ---- TDH.VP.CREATE / ADDCX / INIT ------------------------------------------- */

static void test_vp_build(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct fixture *f = t->f;
	struct td_handle h;
	struct emu_vcpu *v;
	uint64_t tdvpr, tdcx[EMU_TDCX_PAGES];

	(void)state;
	td_build_mng(t, &h, 4, 0);
	/* Operands: page in RCX, TDR in RDX. */
	assert_int_equal(sc5(f, 0, TDH_VP_CREATE, tdfx_page(t), h.tdcs[0], 0, 0, NULL), PMI(RDX));
	assert_int_equal(sc5(f, 0, TDH_VP_CREATE, h.tdcs[1], h.tdr, 0, 0, NULL), PMI(RCX));
	tdvpr = tdfx_page(t);
	assert_int_equal(sc5(f, 0, TDH_VP_CREATE, tdvpr, h.tdr, 0, 0, NULL), TDX_SUCCESS);
	v = VCPU(t, tdvpr);
	assert_int_equal(v->state, EMU_VCPU_CREATED);
	assert_int_equal(v->assoc_lp, -1);
	assert_int_equal(v->td, emu_td_index(f->e, TD(t, &h)));
	assert_int_equal(TD(t, &h)->num_vcpus, 1);
	/* VP.INIT and VP.RD need every TDCX page. */
	assert_int_equal(sc5(f, 0, TDH_VP_INIT, tdvpr, 0, 0, 0, NULL), TDX_TDCX_NUM_INCORRECT);
	assert_int_equal(sc5(f, 0, TDH_VP_RD, tdvpr, V_VCPU_INDEX, 0, 0, NULL), TDX_TDCX_NUM_INCORRECT);
	assert_int_equal(sc5(f, 0, TDH_VP_ADDCX, tdfx_page(t), h.tdr, 0, 0, NULL), PMI(RDX));
	for (unsigned k = 0; k < EMU_TDCX_PAGES; k++) {
		tdcx[k] = tdfx_page(t);
		assert_int_equal(sc5(f, 0, TDH_VP_ADDCX, tdcx[k], tdvpr, 0, 0, NULL), TDX_SUCCESS);
		expect_page(t, tdcx[k], PT_TDCX, h.tdr);
	}
	assert_int_equal(v->ntdcx, EMU_TDCX_PAGES);
	assert_int_equal(sc5(f, 0, TDH_VP_ADDCX, tdfx_page(t), tdvpr, 0, 0, NULL), TDX_TDCX_NUM_INCORRECT);
	/* Not initialized yet. */
	assert_int_equal(sc5(f, 0, TDH_VP_RD, tdvpr, V_VCPU_INDEX, 0, 0, NULL), TDX_VCPU_STATE_INCORRECT);
	assert_int_equal(sc5(f, 3, TDH_VP_INIT, tdvpr, 0x1234, 0, 0, NULL), TDX_SUCCESS);
	assert_int_equal(v->state, EMU_VCPU_READY);
	assert_int_equal(v->assoc_lp, 3);
	assert_int_equal(v->index, 0);
	assert_int_equal(v->init_rcx, 0x1234);
	assert_int_equal(v->gpr[EMU_GPR_RBX], 48);
	assert_int_equal(v->gpr[EMU_GPR_RCX], 0x1234);
	assert_int_equal(v->gpr[EMU_GPR_R8], 0x1234);
	assert_int_equal(v->gpr[EMU_GPR_RDX], 0x806f8);
	assert_int_equal(v->gpr[EMU_GPR_RSI], 0);
	assert_int_equal(v->gpr[EMU_GPR_RAX] | v->gpr[EMU_GPR_RDI] | v->gpr[EMU_GPR_R15], 0);
	assert_false(v->launched);
	assert_false(v->vmcs_loaded);
	/* Once initialized: no more TDCX, no second VP.INIT. */
	assert_int_equal(sc5(f, 3, TDH_VP_ADDCX, tdfx_page(t), tdvpr, 0, 0, NULL), TDX_VCPU_STATE_INCORRECT);
	assert_int_equal(sc5(f, 3, TDH_VP_INIT, tdvpr, 0, 0, 0, NULL), TDX_VCPU_STATE_INCORRECT);
	/* VP.INIT v1 (x2APIC ID) is not in 1.5.01. */
	assert_int_equal(sc5(f, 0, TDX_RAX(TDH_VP_INIT, 1), tdvpr, 0, 0, 0, NULL), OI(RAX));
	/* The index is the VP.INIT order. */
	h.tdvpr[0] = tdvpr;
	memcpy(h.tdcx[0], tdcx, sizeof(tdcx));
	h.nvcpus = 1;
	td_add_vcpu(t, &h);
	assert_int_equal(VCPU(t, h.tdvpr[1])->index, 1);
	assert_int_equal(VCPU(t, h.tdvpr[1])->gpr[EMU_GPR_RSI], 1);
	assert_int_equal(mng_rd_ok(t, h.tdr, F_NUM_VCPUS), 2);
	td_teardown(t, &h);
	expect_td_pages(t, &h, true);
	tdfx_free(t);
}

/* MAX_VCPUS is enforced by VP.INIT, which hands out the indices. */
static void test_max_vcpus(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct fixture *f = t->f;
	struct td_handle h;
	unsigned i;

	(void)state;
	td_build(t, &h, 2, 0);
	i = h.nvcpus++;
	h.tdvpr[i] = tdfx_page(t);
	assert_int_equal(sc5(f, 0, TDH_VP_CREATE, h.tdvpr[i], h.tdr, 0, 0, NULL), TDX_SUCCESS);
	for (unsigned k = 0; k < EMU_TDCX_PAGES; k++) {
		h.tdcx[i][k] = tdfx_page(t);
		assert_int_equal(sc5(f, 0, TDH_VP_ADDCX, h.tdcx[i][k], h.tdvpr[i], 0, 0, NULL), TDX_SUCCESS);
	}
	assert_int_equal(sc5(f, 0, TDH_VP_INIT, h.tdvpr[i], 0, 0, 0, NULL), TDX_MAX_VCPUS_EXCEEDED);
	assert_int_equal(VCPU(t, h.tdvpr[i])->state, EMU_VCPU_CREATED);
	assert_int_equal(mng_rd_ok(t, h.tdr, F_NUM_VCPUS), 2);
	/* The extra vCPU is never associated: teardown still works. */
	td_teardown(t, &h);
	expect_td_pages(t, &h, true);
	tdfx_free(t);
}

/* ---- TDH.VP.RD / WR ------------------------------------------------------- */

static void test_vp_rd_wr(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct td_handle h;
	struct emu_regs r;
	struct emu_vcpu *v;
	uint64_t vp, x, old, id;
	unsigned n = 0;

	(void)state;
	td_build(t, &h, 2, 0);
	vp = h.tdvpr[0];			/* associated with LP 0 */
	v = VCPU(t, vp);
	/* Shared EPTP: only bits 51:12 written; a full mask needs 4K
	 * alignment; the value must be a shared HPA. */
	assert_int_equal(vp_rd(t, 0, vp, MD_VP_SHARED_EPTP, &x), TDX_SUCCESS);
	assert_int_equal(x, 0);
	assert_int_equal(vp_wr(t, 0, vp, MD_VP_SHARED_EPTP, 0x12345fff, MD_VP_SHARED_EPTP_WRITE_MASK, &old),
			 TDX_SUCCESS);
	assert_int_equal(old, 0);
	assert_int_equal(v->shared_eptp, 0x12345000);
	assert_int_equal(vp_rd(t, 0, vp, 0x203c, &x), TDX_SUCCESS);	/* class 0, size ignored */
	assert_int_equal(x, 0x12345000);
	assert_int_equal(vp_wr(t, 0, vp, MD_VP_SHARED_EPTP, 0x22222007, ~0ull, NULL),
			 TDX_METADATA_FIELD_VALUE_NOT_VALID);
	assert_int_equal(vp_wr(t, 0, vp, MD_VP_SHARED_EPTP, 0x22222000, ~0ull, &old), TDX_SUCCESS);
	assert_int_equal(old, 0x12345000);
	assert_int_equal(vp_wr(t, 0, vp, MD_VP_SHARED_EPTP, SEAMRR_BASE, ~0ull, NULL),
			 TDX_METADATA_FIELD_VALUE_NOT_VALID);
	assert_int_equal(vp_wr(t, 0, vp, MD_VP_SHARED_EPTP, 0x1000 | KEYID(40), ~0ull, NULL),
			 TDX_METADATA_FIELD_VALUE_NOT_VALID);
	assert_int_equal(vp_wr(t, 0, vp, MD_VP_SHARED_EPTP, 0x1000, 0xfff, NULL),
			 TDX_METADATA_FIELD_NOT_WRITABLE);
	assert_int_equal(v->shared_eptp, 0x22222000);
	/* The other vCPU is untouched. */
	assert_int_equal(VCPU(t, h.tdvpr[1])->shared_eptp, 0);

	/* Posted interrupts: vector and descriptor before PIN_BASED bit 7. */
	assert_int_equal(vp_rd(t, 0, vp, V_PI_NV, &x), TDX_SUCCESS);
	assert_int_equal(x, 0xffff);
	assert_int_equal(vp_rd(t, 0, vp, V_PI_DESC, &x), TDX_SUCCESS);
	assert_int_equal(x, ~0ull);
	assert_int_equal(vp_wr(t, 0, vp, V_PIN_BASED, 0x80, 0x80, NULL),
			 TDX_TD_VMCS_FIELD_NOT_INITIALIZED | 0x0002);
	assert_int_equal(vp_wr(t, 0, vp, V_PI_NV, 256, ~0ull, NULL), TDX_METADATA_FIELD_VALUE_NOT_VALID);
	assert_int_equal(vp_wr(t, 0, vp, V_PI_NV, 0x1f2, 0xffff, NULL), TDX_METADATA_FIELD_VALUE_NOT_VALID);
	assert_int_equal(vp_wr(t, 0, vp, V_PI_NV, 0xf2, ~0ull, &old), TDX_SUCCESS);
	assert_int_equal(old, 0xffff);
	assert_int_equal(vp_wr(t, 0, vp, V_PIN_BASED, 0x80, 0x80, NULL),
			 TDX_TD_VMCS_FIELD_NOT_INITIALIZED | 0x2016);
	assert_int_equal(vp_wr(t, 0, vp, V_PI_DESC, 0x5020, ~0ull, NULL), TDX_METADATA_FIELD_VALUE_NOT_VALID);
	assert_int_equal(vp_wr(t, 0, vp, V_PI_DESC, 0x5040, ~0ull, &old), TDX_SUCCESS);
	assert_int_equal(old, ~0ull);
	assert_int_equal(v->posted_intr_desc, 0x5040);
	assert_int_equal(vp_wr(t, 0, vp, V_PIN_BASED, 0x1, 0x1, NULL), TDX_METADATA_FIELD_NOT_WRITABLE);
	assert_int_equal(vp_wr(t, 0, vp, V_PIN_BASED, 0x81, ~0ull, NULL), TDX_METADATA_FIELD_VALUE_NOT_VALID);
	assert_int_equal(vp_wr(t, 0, vp, V_PIN_BASED, 0x80, 0x80, &old), TDX_SUCCESS);
	assert_int_equal(old, 0);
	assert_int_equal(vp_rd(t, 0, vp, V_PIN_BASED, &x), TDX_SUCCESS);
	assert_int_equal(x, 0x80);
	/* PEND_NMI. */
	assert_int_equal(vp_wr(t, 0, vp, MD_VP_PEND_NMI, 1, 0xff, NULL), TDX_SUCCESS);
	assert_int_equal(v->pend_nmi, 1);
	/* Management fields: read-only. */
	assert_int_equal(vp_rd(t, 0, h.tdvpr[1], V_VCPU_INDEX, &x), TDX_VCPU_ASSOCIATED);
	assert_int_equal(vp_rd(t, 1, h.tdvpr[1], V_VCPU_INDEX, &x), TDX_SUCCESS);
	assert_int_equal(x, 1);
	assert_int_equal(vp_rd(t, 1, h.tdvpr[1], V_ASSOC_LPID, &x), TDX_SUCCESS);
	assert_int_equal(x, 1);
	assert_int_equal(vp_wr(t, 1, h.tdvpr[1], V_VCPU_INDEX, 5, ~0ull, NULL), TDX_METADATA_FIELD_NOT_WRITABLE);
	/* GPRs: a production TD hides them. */
	assert_int_equal(vp_rd(t, 0, vp, V_GPR(EMU_GPR_RBX), &x), TDX_METADATA_FIELD_NOT_READABLE);
	assert_int_equal(vp_wr(t, 0, vp, V_GPR(EMU_GPR_RBX), 1, ~0ull, NULL), TDX_METADATA_FIELD_NOT_WRITABLE);
	/* Unknown fields. */
	assert_int_equal(vp_rd(t, 0, vp, 0x002400030000203dull, &x), TDX_METADATA_FIELD_ID_INCORRECT);
	assert_int_equal(vp_wr(t, 0, vp, 0x002400030000203dull, 0, ~0ull, NULL), TDX_METADATA_FIELD_ID_INCORRECT);
	/* Versions: RD has 0 and 1, WR only 0. */
	assert_int_equal(sc5(t->f, 0, TDX_RAX(TDH_VP_RD, 2), vp, V_PI_NV, 0, 0, NULL), OI(RAX));
	assert_int_equal(sc5(t->f, 0, TDX_RAX(TDH_VP_WR, 1), vp, V_PI_NV, 0, 0, NULL), OI(RAX));
	assert_int_equal(sc5(t->f, 0, TDX_RAX(TDH_VP_RD, 1), vp, MD_FIELD_ID_NULL, 0, 0, &r),
			 TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	assert_int_equal(r.rdx, V_PI_NV);
	for (id = r.rdx; id != MD_FIELD_ID_NONE; id = r.rdx, n++)
		assert_int_equal(sc5(t->f, 0, TDX_RAX(TDH_VP_RD, 1), vp, id, 0, 0, &r), TDX_SUCCESS);
	/* 4 VMCS + VCPU_INDEX, NUM_TDVPS_PAGES, ASSOC_LPID, PEND_NMI, XFAM. */
	assert_int_equal(n, 9);
	/* Operands. */
	assert_int_equal(vp_rd(t, 0, h.tdr, V_PI_NV, &x), PMI(RCX));
	assert_int_equal(vp_rd(t, 0, vp + 8, V_PI_NV, &x), OI(RCX));
	td_teardown(t, &h);
	tdfx_free(t);
}

static void test_vp_gprs_debug(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct td_handle h;
	uint64_t x, old;
	struct emu_regs r;
	unsigned n = 0;

	(void)state;
	td_build(t, &h, 1, TDX_TD_ATTR_DEBUG);
	assert_int_equal(vp_rd(t, 0, h.tdvpr[0], V_GPR(EMU_GPR_RBX), &x), TDX_SUCCESS);
	assert_int_equal(x, 48);
	assert_int_equal(vp_rd(t, 0, h.tdvpr[0], V_GPR(EMU_GPR_R8), &x), TDX_SUCCESS);
	assert_int_equal(x, 0x1000);
	assert_int_equal(vp_wr(t, 0, h.tdvpr[0], V_GPR(EMU_GPR_R15), 0xabcd, ~0ull, &old), TDX_SUCCESS);
	assert_int_equal(old, 0);
	assert_int_equal(VCPU(t, h.tdvpr[0])->gpr[EMU_GPR_R15], 0xabcd);
	/* RSP lives in the VMCS: never accessible here. */
	assert_int_equal(vp_rd(t, 0, h.tdvpr[0], V_GPR(EMU_GPR_RSP), &x), TDX_METADATA_FIELD_NOT_READABLE);
	assert_int_equal(vp_wr(t, 0, h.tdvpr[0], V_GPR(EMU_GPR_RSP), 0, ~0ull, NULL),
			 TDX_METADATA_FIELD_NOT_WRITABLE);
	/* Debug TDs read the whole pin-based controls field we keep. */
	assert_int_equal(vp_rd(t, 0, h.tdvpr[0], V_PIN_BASED, &x), TDX_SUCCESS);
	assert_int_equal(sc5(t->f, 0, TDX_RAX(TDH_VP_RD, 1), h.tdvpr[0], MD_FIELD_ID_NULL, 0, 0, &r),
			 TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	for (uint64_t id = r.rdx; id != MD_FIELD_ID_NONE; id = r.rdx, n++)
		assert_int_equal(sc5(t->f, 0, TDX_RAX(TDH_VP_RD, 1), h.tdvpr[0], id, 0, 0, &r), TDX_SUCCESS);
	assert_int_equal(n, 9 + EMU_NGPRS - 1);
	td_teardown(t, &h);
	tdfx_free(t);
}

/* ---- Busy: a vCPU inside TDH.VP.ENTER (flags set by hand) ----------------- */

static void test_busy(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct fixture *f = t->f;
	struct td_handle h;
	struct emu_td *td;
	struct emu_vcpu *v;
	uint64_t x, tdr2 = td_before_init(t);

	(void)state;
	td_build(t, &h, 2, 0);
	td = TD(t, &h);
	v = VCPU(t, h.tdvpr[1]);		/* associated with LP 1 */
	td->vcpus_running = 1;
	v->running = true;
	emu_td_find(f->e, tdr2)->vcpus_running = 1;
	/* Leaves that lock the TDR exclusively: busy on their TDR operand. */
	assert_int_equal(sc5(f, 0, TDH_MNG_ADDCX, tdfx_page(t), h.tdr, 0, 0, NULL), BUSY(RDX));
	assert_int_equal(sc5(f, 0, TDH_MNG_INIT, h.tdr, TD_PARAMS_PA, 0, 0, NULL), BUSY(RCX));
	assert_int_equal(sc5(f, 0, TDH_MNG_INIT, tdr2, TD_PARAMS_PA, 0, 0, NULL), BUSY(RCX));
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_CONFIG, h.tdr), BUSY(RCX));
	assert_int_equal(sc1(f, 0, TDH_MNG_VPFLUSHDONE, h.tdr), BUSY(RCX));
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_FREEID, h.tdr), BUSY(RCX));
	/* Shared TDR users are not busy. */
	assert_int_equal(mng_rd(t, h.tdr, F_ATTRIBUTES, &x), TDX_SUCCESS);
	assert_int_equal(sc5(f, 0, TDH_VP_CREATE, tdfx_page(t), h.tdr, 0, 0, NULL), TDX_SUCCESS);
	/* The running vCPU: exclusive TDVPR users are busy; RD/WR find it
	 * associated with the LP it runs on. */
	assert_int_equal(sc5(f, 1, TDH_VP_FLUSH, h.tdvpr[1], 0, 0, 0, NULL), BUSY(RCX));
	assert_int_equal(sc5(f, 1, TDH_VP_INIT, h.tdvpr[1], 0, 0, 0, NULL), BUSY(RCX));
	assert_int_equal(sc5(f, 1, TDH_VP_ADDCX, tdfx_page(t), h.tdvpr[1], 0, 0, NULL), BUSY(RDX));
	assert_int_equal(vp_rd(t, 1, h.tdvpr[1], V_PI_NV, &x), TDX_VCPU_ASSOCIATED);
	assert_int_equal(vp_wr(t, 1, h.tdvpr[1], V_PI_NV, 1, ~0ull, NULL), TDX_VCPU_ASSOCIATED);
	/* The other vCPU is fine. */
	assert_int_equal(vp_rd(t, 0, h.tdvpr[0], V_PI_NV, &x), TDX_SUCCESS);
	tdfx_free(t);
}

/* ---- TDH.VP.FLUSH / TDH.MNG.VPFLUSHDONE -------------------------------------- */

struct flush_probe {
	struct td_fixture *t;
	struct td_handle *h;
	unsigned calls, lp;
	uint64_t vmcs;
	uint64_t rd_status, flushdone_status;
};

static int fake_run(void *ctx, unsigned lp, const struct emu_vmentry *in, struct emu_vmexit *out)
{
	(void)ctx; (void)lp; (void)in; (void)out;
	return -1;
}

/* Runs with the emulator unlocked: other LPs' SEAMCALLs get through and
 * see the vCPU and its TD locked. */
static void fake_flush(void *ctx, unsigned lp, uint64_t vmcs_pa)
{
	struct flush_probe *p = ctx;
	uint64_t x;

	p->lp = lp;
	p->vmcs = vmcs_pa;
	if (p->calls++ == 0) {		/* the first flush is of vCPU 0 */
		p->rd_status = vp_rd(p->t, 3, p->h->tdvpr[0], V_PI_NV, &x);
		p->flushdone_status = sc1(p->t->f, 3, TDH_MNG_VPFLUSHDONE, p->h->tdr);
	}
}

static const struct emu_cpu_ops fake_ops = { .run = fake_run, .flush = fake_flush };

static void test_flush(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct fixture *f = t->f;
	struct td_handle h;
	struct flush_probe probe = { t, &h, 0, 0, 0, 0, 0 };
	struct emu_vcpu *v0, *v1;

	(void)state;
	td_build(t, &h, 2, 0);
	v0 = VCPU(t, h.tdvpr[0]);
	v1 = VCPU(t, h.tdvpr[1]);
	assert_int_equal(v0->assoc_lp, 0);
	assert_int_equal(v1->assoc_lp, 1);
	emu_set_cpu_ops(f->e, &fake_ops, &probe);
	assert_int_equal(sc1(f, 0, TDH_MNG_VPFLUSHDONE, h.tdr), TDX_FLUSHVP_NOT_DONE);
	assert_int_equal(mng_rd_ok(t, h.tdr, F_NUM_ASSOC), 2);
	/* On another LP: "not associated" (with this LP), nothing happens. */
	assert_int_equal(sc1(f, 2, TDH_VP_FLUSH, h.tdvpr[0]), TDX_VCPU_NOT_ASSOCIATED);
	assert_int_equal(probe.calls, 0);
	assert_int_equal(v0->assoc_lp, 0);
	assert_int_equal(sc1(f, 0, TDH_VP_FLUSH, h.tdcx[0][0]), PMI(RCX));
	/* On its LP: VMCLEAR of the TD VMCS there, unlocked. */
	v0->launched = true;
	assert_int_equal(sc1(f, 0, TDH_VP_FLUSH, h.tdvpr[0]), TDX_SUCCESS);
	assert_int_equal(probe.calls, 1);
	assert_int_equal(probe.lp, 0);
	assert_int_equal(probe.vmcs, h.tdcx[0][EMU_TDCX_VMCS]);
	assert_int_equal(probe.rd_status, TDX_VCPU_ASSOCIATED);
	assert_int_equal(probe.flushdone_status, BUSY(RCX));
	assert_false(v0->running);
	assert_int_equal(TD(t, &h)->vcpus_running, 0);
	assert_int_equal(v0->assoc_lp, -1);
	assert_false(v0->launched);
	assert_int_equal(sc1(f, 0, TDH_VP_FLUSH, h.tdvpr[0]), TDX_VCPU_NOT_ASSOCIATED);
	assert_int_equal(sc1(f, 0, TDH_MNG_VPFLUSHDONE, h.tdr), TDX_FLUSHVP_NOT_DONE);
	/* VP.RD/WR associate a free vCPU with their LP (here LP 2). */
	assert_int_equal(vp_wr(t, 2, h.tdvpr[0], MD_VP_PEND_NMI, 0, 0xff, NULL), TDX_SUCCESS);
	assert_int_equal(v0->assoc_lp, 2);
	assert_int_equal(sc1(f, 2, TDH_VP_FLUSH, h.tdvpr[0]), TDX_SUCCESS);
	assert_int_equal(sc1(f, 1, TDH_VP_FLUSH, h.tdvpr[1]), TDX_SUCCESS);
	assert_int_equal(probe.calls, 3);
	assert_int_equal(mng_rd_ok(t, h.tdr, F_NUM_ASSOC), 0);
	assert_int_equal(sc1(f, 0, TDH_MNG_VPFLUSHDONE, h.tdr), TDX_SUCCESS);
	assert_int_equal(TD(t, &h)->lifecycle, TD_LIFECYCLE_BLOCKED);
	/* BLOCKED: no more flushes, VP.RD, MNG.RD, second VPFLUSHDONE. */
	assert_int_equal(sc1(f, 1, TDH_VP_FLUSH, h.tdvpr[1]), TDX_TD_KEYS_NOT_CONFIGURED);
	assert_int_equal(sc5(f, 0, TDH_MNG_RD, h.tdr, F_ATTRIBUTES, 0, 0, NULL), TDX_TD_KEYS_NOT_CONFIGURED);
	assert_int_equal(sc1(f, 0, TDH_MNG_VPFLUSHDONE, h.tdr), TDX_LIFECYCLE_STATE_INCORRECT);
	emu_set_cpu_ops(f->e, NULL, NULL);
	assert_int_equal(td_cache_wb(t, 0), TDX_SUCCESS);
	assert_int_equal(td_cache_wb(t, 2), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_FREEID, h.tdr), TDX_SUCCESS);
	tdfx_free(t);
}

/* A TD whose keys were never configured everywhere can be torn down. */
static void test_teardown_unkeyed(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct fixture *f = t->f;
	uint64_t tdr = tdfx_page(t);

	(void)state;
	assert_int_equal(sc5(f, 0, TDH_MNG_CREATE, tdr, 50, 0, 0, NULL), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_CONFIG, tdr), TDX_SUCCESS);
	/* Too early for FREEID and RECLAIM. */
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_FREEID, tdr), TDX_LIFECYCLE_STATE_INCORRECT);
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_RECLAIM, tdr), TDX_LIFECYCLE_STATE_INCORRECT);
	assert_int_equal(sc1(f, 0, TDH_MNG_VPFLUSHDONE, tdr), TDX_SUCCESS);
	/* KEY.FREEID before CACHE.WB on every package. */
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_FREEID, tdr), TDX_WBCACHE_NOT_COMPLETE);
	assert_int_equal(td_cache_wb(t, 1), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_FREEID, tdr), TDX_WBCACHE_NOT_COMPLETE);
	assert_int_equal(td_cache_wb(t, 2), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_FREEID, tdr), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_FREEID, tdr), TDX_LIFECYCLE_STATE_INCORRECT);
	td_reclaim(t, tdr, PT_TDR, 0);
	expect_page(t, tdr, PT_NDA, 0);
	tdfx_free(t);
}

/* ---- TDH.PHYMEM.CACHE.WB ------------------------------------------------------ */

static void test_cache_wb(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct fixture *f = t->f;
	struct td_handle a, b;

	(void)state;
	td_build(t, &a, 1, 0);
	td_build(t, &b, 1, 0);
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_CACHE_WB, 2), OI(RCX));
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_CACHE_WB, 1), TDX_WBCACHE_RESUME_ERROR);
	/* Nothing BLOCKED: nothing to do (not an error). */
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_CACHE_WB, 0), TDX_NO_HKID_READY_TO_WBCACHE);
	assert_false(TDX_IS_ERROR(TDX_NO_HKID_READY_TO_WBCACHE));
	assert_int_equal(sc1(f, 0, TDH_VP_FLUSH, a.tdvpr[0]), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_MNG_VPFLUSHDONE, a.tdr), TDX_SUCCESS);
	/* Package 0: start, resume, resume; any LP of the package resumes. */
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_CACHE_WB, 0), TDX_INTERRUPTED_RESUMABLE);
	assert_int_equal(sc1(f, 2, TDH_PHYMEM_CACHE_WB, 1), TDX_WBCACHE_RESUME_ERROR);
	assert_int_equal(sc1(f, 1, TDH_PHYMEM_CACHE_WB, 1), TDX_INTERRUPTED_RESUMABLE);
	/* B gets BLOCKED after package 0's CACHE.WB started: not covered. */
	assert_int_equal(sc1(f, 0, TDH_VP_FLUSH, b.tdvpr[0]), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_MNG_VPFLUSHDONE, b.tdr), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_CACHE_WB, 1), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_CACHE_WB, 1), TDX_WBCACHE_RESUME_ERROR);
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_FREEID, a.tdr), TDX_WBCACHE_NOT_COMPLETE);
	/* Package 1 covers both; a restart forgets the interrupted one. */
	assert_int_equal(sc1(f, 3, TDH_PHYMEM_CACHE_WB, 0), TDX_INTERRUPTED_RESUMABLE);
	assert_int_equal(sc1(f, 3, TDH_PHYMEM_CACHE_WB, 1), TDX_INTERRUPTED_RESUMABLE);
	assert_int_equal(sc1(f, 2, TDH_PHYMEM_CACHE_WB, 0), TDX_INTERRUPTED_RESUMABLE);
	assert_int_equal(sc1(f, 2, TDH_PHYMEM_CACHE_WB, 1), TDX_INTERRUPTED_RESUMABLE);
	assert_int_equal(sc1(f, 2, TDH_PHYMEM_CACHE_WB, 1), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_FREEID, a.tdr), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_FREEID, b.tdr), TDX_WBCACHE_NOT_COMPLETE);
	assert_int_equal(td_cache_wb(t, 1), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_FREEID, b.tdr), TDX_SUCCESS);
	/* Only TEARDOWN TDs left: nothing to write back. */
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_CACHE_WB, 0), TDX_NO_HKID_READY_TO_WBCACHE);
	tdfx_free(t);
}

/* ---- TDH.PHYMEM.PAGE.RECLAIM / WBINVD / RDMD ----------------------------------- */

static void test_reclaim(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct fixture *f = t->f;
	struct td_handle h;
	struct emu_regs r;
	struct emu_pamt_entry pe = { PT_REG, 0, 7 };
	uint64_t big = tdfx_pages(t, 512, 2 * MiB), free_pa = tdfx_page(t);

	(void)state;
	td_build(t, &h, 1, 0);
	/* A 2 MiB private page, as TDH.MEM.PAGE.AUG would record it. */
	pe.owner = h.tdr;
	assert_int_equal(emu_pamt_set(f->e, big, TDX_PS_2M, &pe), 0);
	TD(t, &h)->child_pages++;
	assert_int_equal(rdmd(t, big + 5 * PG, &r), TDX_SUCCESS);
	assert_int_equal(r.rcx, PT_REG);
	assert_int_equal(r.rdx, h.tdr);
	assert_int_equal(r.r8, TDX_PS_2M);
	assert_int_equal(r.r9, 7);

	/* Before teardown. */
	assert_int_equal(sc5(f, 0, TDH_PHYMEM_PAGE_RECLAIM, h.tdcx[0][0], 0, 0, 0, &r),
			 TDX_LIFECYCLE_STATE_INCORRECT);
	assert_int_equal(r.rcx, PT_TDCX);
	assert_int_equal(r.rdx, h.tdr);
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_RECLAIM, h.tdr), TDX_LIFECYCLE_STATE_INCORRECT);
	assert_int_equal(sc1(f, 0, TDH_VP_FLUSH, h.tdvpr[0]), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_MNG_VPFLUSHDONE, h.tdr), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_RECLAIM, h.tdcs[0]), TDX_LIFECYCLE_STATE_INCORRECT);
	assert_int_equal(td_cache_wb(t, 0), TDX_SUCCESS);
	assert_int_equal(td_cache_wb(t, 2), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_FREEID, h.tdr), TDX_SUCCESS);

	/* Operands. */
	assert_int_equal(sc5(f, 0, TDH_PHYMEM_PAGE_RECLAIM, h.tdcs[0] + 8, 0, 0, 0, &r), OI(RCX));
	assert_int_equal(r.rcx | r.rdx | r.r8, 0);
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_RECLAIM, h.tdcs[0] | KEYID(h.hkid)), OI(RCX));
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_RECLAIM, HOLE_PA), ARE(RCX));
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_RECLAIM, free_pa), PMI(RCX));
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_RECLAIM, PAMT_PA), PMI(RCX));
	/* The TDR still has children. */
	assert_int_equal(sc5(f, 0, TDH_PHYMEM_PAGE_RECLAIM, h.tdr, 0, 0, 0, &r), TDX_TD_ASSOCIATED_PAGES_EXIST);
	assert_int_equal(r.rcx, PT_TDR);
	/* The large page: at its own level, from its first 4 KiB page. */
	assert_int_equal(sc5(f, 0, TDH_PHYMEM_PAGE_RECLAIM, big + PG, 0, 0, 0, &r), OI(RCX));
	assert_int_equal(r.r8, TDX_PS_2M);
	assert_int_equal(sc5(f, 0, TDH_PHYMEM_PAGE_RECLAIM, big, 0, 0, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.rcx, PT_REG);
	assert_int_equal(r.rdx, h.tdr);
	assert_int_equal(r.r8, TDX_PS_2M);
	assert_int_equal(rdmd(t, big + 5 * PG, &r), TDX_SUCCESS);
	assert_int_equal(r.rcx, PT_NDA);
	assert_int_equal(r.r8, TDX_PS_4K);
	/* The rest, the TDR last; then the vCPU and TD slots are free. */
	for (unsigned k = 0; k < EMU_TDCX_PAGES; k++)
		td_reclaim(t, h.tdcx[0][k], PT_TDCX, h.tdr);
	td_reclaim(t, h.tdvpr[0], PT_TDVPR, h.tdr);
	assert_null(emu_vcpu_find(f->e, h.tdvpr[0]));
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_RECLAIM, h.tdvpr[0]), PMI(RCX));
	for (unsigned i = 0; i < EMU_TDCS_PAGES; i++) {
		assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_RECLAIM, h.tdr), TDX_TD_ASSOCIATED_PAGES_EXIST);
		td_reclaim(t, h.tdcs[i], PT_TDCX, h.tdr);
	}
	/* RECLAIM of the TDR while "a vCPU runs" (flag by hand) is busy. */
	TD(t, &h)->vcpus_running = 1;
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_RECLAIM, h.tdr), BUSY(RCX));
	TD(t, &h)->vcpus_running = 0;
	td_reclaim(t, h.tdr, PT_TDR, 0);
	assert_null(emu_td_find(f->e, h.tdr));
	/* WBINVD: the page must be free; any KeyID. */
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_WBINVD, h.tdr | KEYID(GLOBAL_KEYID)), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_WBINVD, h.tdcs[0] | KEYID(h.hkid)), TDX_SUCCESS);
	expect_td_pages(t, &h, true);
	tdfx_free(t);
}

static void test_wbinvd_rdmd(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct fixture *f = t->f;
	struct td_handle h;
	struct emu_regs r;

	(void)state;
	td_build(t, &h, 1, 0);
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_WBINVD, h.tdcs[0] | KEYID(h.hkid)), PMI(RCX));
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_WBINVD, h.tdr | KEYID(GLOBAL_KEYID)), PMI(RCX));
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_WBINVD, (h.tdr + 64) | KEYID(GLOBAL_KEYID)), OI(RCX));
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_WBINVD, HOLE_PA), ARE(RCX));
	assert_int_equal(sc1(f, 0, TDH_PHYMEM_PAGE_WBINVD, tdfx_page(t) | KEYID(h.hkid)), TDX_SUCCESS);
	/* RDMD: PAMT pages are PT_RSVD; operands as RECLAIM's. */
	assert_int_equal(rdmd(t, PAMT_PA, &r), TDX_SUCCESS);
	assert_int_equal(r.rcx, PT_RSVD);
	assert_int_equal(rdmd(t, PAMT_PA + 4, &r), OI(RCX));
	assert_int_equal(rdmd(t, h.tdr | KEYID(1), &r), OI(RCX));
	assert_int_equal(rdmd(t, HOLE_PA, &r), ARE(RCX));
	assert_int_equal(rdmd(t, h.tdvpr[0], &r), TDX_SUCCESS);
	assert_int_equal(r.rcx, PT_TDVPR);
	assert_int_equal(r.rdx, h.tdr);
	assert_int_equal(r.r9, 0);
	/* KEY.RECLAIMID is a no-op in 1.5. */
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_RECLAIMID, 0), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_MNG_KEY_RECLAIMID, h.tdr), TDX_SUCCESS);
	td_teardown(t, &h);
	tdfx_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_teardown_pamt),
		cmocka_unit_test(test_two_tds),
		cmocka_unit_test(test_create_operands),
		cmocka_unit_test(test_hkid_reuse),
		cmocka_unit_test(test_key_config),
		cmocka_unit_test(test_addcx_and_init_order),
		cmocka_unit_test(test_init_params),
		cmocka_unit_test(test_init_stores),
		cmocka_unit_test(test_mng_rd_wr),
		cmocka_unit_test(test_vp_build),
		cmocka_unit_test(test_max_vcpus),
		cmocka_unit_test(test_vp_rd_wr),
		cmocka_unit_test(test_vp_gprs_debug),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_teardown_unkeyed),
		cmocka_unit_test(test_cache_wb),
		cmocka_unit_test(test_reclaim),
		cmocka_unit_test(test_wbinvd_rdmd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
