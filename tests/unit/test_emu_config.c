/* Emulated TDX module, TDH.SYS.CONFIG: every rule of tdx-abi.md §5.2-§5.3
 * broken one at a time on the default plan, with the exact status and
 * detail bytes (tdmr | page size or area << 8 | other tdmr << 16); plus
 * the platform checks of TDH.SYS.INIT, the operand checks of
 * TDH.SYS.TDMR.INIT, emu_init's platform validation and the default-CMR
 * helper. */
#define EMU_FIXTURE_NO_MAIN
#include "test_emu_fixture.c"

#define OI(op)		(TDX_OPERAND_INVALID | TDX_OPERAND_ID_##op)
#define INFO(st, a, b, c) ((st) | (a) | (b) << 8 | (c) << 16)

struct config_case {
	const char *name;
	void (*mutate)(struct plan *p);
	uint64_t status;
};

static struct emu_tdmr_info *T0(struct plan *p) { return &p->t[0]; }
static struct emu_tdmr_info *T1(struct plan *p) { return &p->t[1]; }

/* Operands. */
static void m_array_misaligned(struct plan *p) { p->array_pa += 256; }
static void m_array_in_seamrr(struct plan *p) { p->array_pa = SEAMRR_BASE; }
static void m_array_private_keyid(struct plan *p) { p->array_pa |= (uint64_t)GLOBAL_KEYID << KEYID_SHIFT; }
static void m_array_above_maxpa(struct plan *p) { p->array_pa |= 1ull << 46; }
static void m_array_not_ram(struct plan *p) { p->array_pa = HOLE_PA; }
static void m_count_zero(struct plan *p) { p->count = 0; }
static void m_count_65(struct plan *p) { p->count = EMU_MAX_TDMRS + 1; }
static void m_keyid_zero(struct plan *p) { p->keyid = 0; }
static void m_keyid_mktme(struct plan *p) { p->keyid = GLOBAL_KEYID - 1; }
static void m_keyid_beyond(struct plan *p) { p->keyid = 64; }
static void m_keyid_high_bits(struct plan *p) { p->keyid |= 1ull << 16; }
static void m_entry_misaligned(struct plan *p) { p->entry_pa[1] += 64; }
static void m_entry_not_ram(struct plan *p) { p->entry_pa[1] = HOLE_PA; }
static void m_entry_in_seamrr(struct plan *p) { p->entry_pa[0] = SEAMRR_BASE + 512; }
/* An MKTME (shared) KeyID in the array PA is fine: same memory. */
static void m_array_mktme_keyid(struct plan *p) { p->array_pa |= 3ull << KEYID_SHIFT; }
static void m_keyid_last(struct plan *p) { p->keyid = 63; }

/* TDMRs. */
static void m_unsorted(struct plan *p)
{
	struct emu_tdmr_info t = p->t[0];
	p->t[0] = p->t[1];
	p->t[1] = t;
}
static void m_overlap(struct plan *p) { T1(p)->base = 1 * GiB; }
static void m_base_misaligned(struct plan *p) { T1(p)->base += 2 * MiB; }
static void m_size_misaligned(struct plan *p) { T1(p)->size -= 4 * KiB; }
static void m_size_zero(struct plan *p) { T1(p)->size = 0; }
static void m_base_above_maxpa(struct plan *p) { T1(p)->base = 1ull << 46; }
static void m_base_keyid(struct plan *p) { T1(p)->base |= 1ull << KEYID_SHIFT; }
static void m_end_keyid(struct plan *p) { T1(p)->base = (1ull << KEYID_SHIFT) - GiB; }
static void m_wraps(struct plan *p) { T1(p)->base = ~0ull - GiB + 1; T1(p)->size = 2 * GiB; }

/* Reserved areas of TDMR0. */
static void m_null_then_area(struct plan *p) { T0(p)->rsvd[1].size = 0; }
static void m_rsvd_unsorted(struct plan *p)
{
	struct emu_range r = T0(p)->rsvd[1];
	T0(p)->rsvd[1] = T0(p)->rsvd[2];
	T0(p)->rsvd[2] = r;
}
static void m_rsvd_overlap(struct plan *p) { T0(p)->rsvd[1].size += 4 * KiB; }
static void m_rsvd_offset_misaligned(struct plan *p) { T0(p)->rsvd[0].base = 0x800; }
static void m_rsvd_size_misaligned(struct plan *p) { T0(p)->rsvd[3].size -= 0x800; }
static void m_rsvd_outside(struct plan *p) { T0(p)->rsvd[3].size += 4 * KiB; }
static void m_rsvd_wraps(struct plan *p) { T0(p)->rsvd[4] = (struct emu_range){ ~0ull - PG + 1, 2 * PG }; }
static void m_rsvd_last_slot(struct plan *p) { T0(p)->rsvd[15] = (struct emu_range){ 1 * GiB, PG }; }

/* PAMTs. */
static void m_pamt4k_small(struct plan *p) { T0(p)->pamt_4k_size -= PG; }
static void m_pamt2m_small(struct plan *p) { T1(p)->pamt_2m_size -= PG; }
static void m_pamt1g_zero(struct plan *p) { T1(p)->pamt_1g_size = 0; }
static void m_pamt_misaligned(struct plan *p) { T0(p)->pamt_2m_base += 16; }
static void m_pamt_keyid(struct plan *p) { T1(p)->pamt_4k_base |= 1ull << KEYID_SHIFT; }
static void m_pamt_above_maxpa(struct plan *p) { T1(p)->pamt_1g_base = (1ull << 46) - PG; T1(p)->pamt_1g_size = 2 * PG; }
static void m_pamt_other(struct plan *p) { T1(p)->pamt_1g_base = T0(p)->pamt_2m_base; }
static void m_pamt_own(struct plan *p) { T0(p)->pamt_2m_base = T0(p)->pamt_4k_base + 8 * PG; }
static void m_pamt_own_2m_1g(struct plan *p) { T1(p)->pamt_1g_base = T1(p)->pamt_2m_base; }
static void m_pamt_unreserved(struct plan *p) { T0(p)->rsvd[2] = T0(p)->rsvd[3]; T0(p)->rsvd[3].size = 0; }
static void m_pamt_in_own_tdmr(struct plan *p) { plan_pamt(T1(p), 5 * GiB); }
static void m_pamt_in_later_tdmr(struct plan *p) { plan_pamt(T0(p), 5 * GiB); }
static void m_pamt_outside_cmrs(struct plan *p) { plan_pamt(T1(p), HOLE_PA); }
static void m_pamt1g_outside_cmrs(struct plan *p) { T1(p)->pamt_1g_base = HOLE_PA; }
static void m_pamt_outside_tdmrs_in_cmr(struct plan *p)
{
	/* Outside both TDMRs yet convertible: TDMR1 shrinks to [4G, 5G). */
	T1(p)->size = 1 * GiB;
	plan_pamt(T1(p), 5 * GiB + 512 * MiB);
}

/* Convertible memory. */
static void m_first_mib(struct plan *p)
{
	for (unsigned j = 0; j < 3; j++)
		T0(p)->rsvd[j] = T0(p)->rsvd[j + 1];
	T0(p)->rsvd[3].size = 0;
}
static void m_seamrr_unreserved(struct plan *p) { T0(p)->rsvd[3].size = 0; }
static void m_tdmr_beyond_cmrs(struct plan *p)
{
	uint64_t start = T0(p)->pamt_1g_base + PG;

	T1(p)->size = 3 * GiB;
	T0(p)->rsvd[2].size = plan_pamt(T1(p), start) - start;
}

static const struct config_case cases[] = {
	{ "array misaligned", m_array_misaligned, OI(RCX) },
	{ "array in SEAMRR", m_array_in_seamrr, OI(RCX) },
	{ "array with a private KeyID", m_array_private_keyid, OI(RCX) },
	{ "array above MAXPA", m_array_above_maxpa, OI(RCX) },
	{ "array not in RAM", m_array_not_ram, OI(RCX) },
	{ "array with an MKTME KeyID", m_array_mktme_keyid, TDX_SUCCESS },
	{ "no TDMR", m_count_zero, OI(RDX) },
	{ "too many TDMRs", m_count_65, OI(RDX) },
	{ "KeyID 0", m_keyid_zero, OI(R8) },
	{ "MKTME KeyID", m_keyid_mktme, OI(R8) },
	{ "KeyID past the TDX range", m_keyid_beyond, OI(R8) },
	{ "KeyID with bits 63:16", m_keyid_high_bits, OI(R8) },
	{ "last TDX KeyID", m_keyid_last, TDX_SUCCESS },
	{ "entry misaligned", m_entry_misaligned, OI(RCX) },
	{ "entry not in RAM", m_entry_not_ram, OI(RCX) },
	{ "entry in SEAMRR", m_entry_in_seamrr, OI(RCX) },
	{ "TDMRs unsorted", m_unsorted, INFO(TDX_NON_ORDERED_TDMR, 1, 0, 0) },
	{ "TDMRs overlap", m_overlap, INFO(TDX_NON_ORDERED_TDMR, 1, 0, 0) },
	{ "TDMR base misaligned", m_base_misaligned, INFO(TDX_INVALID_TDMR, 1, 0, 0) },
	{ "TDMR size misaligned", m_size_misaligned, INFO(TDX_INVALID_TDMR, 1, 0, 0) },
	{ "TDMR size 0", m_size_zero, INFO(TDX_INVALID_TDMR, 1, 0, 0) },
	{ "TDMR above MAXPA", m_base_above_maxpa, INFO(TDX_INVALID_TDMR, 1, 0, 0) },
	{ "TDMR base with KeyID bits", m_base_keyid, INFO(TDX_INVALID_TDMR, 1, 0, 0) },
	{ "TDMR end with KeyID bits", m_end_keyid, INFO(TDX_INVALID_TDMR, 1, 0, 0) },
	{ "TDMR wraps", m_wraps, INFO(TDX_INVALID_TDMR, 1, 0, 0) },
	{ "null area before an area", m_null_then_area, INFO(TDX_NON_ORDERED_RESERVED_IN_TDMR, 0, 1, 0) },
	{ "areas unsorted", m_rsvd_unsorted, INFO(TDX_NON_ORDERED_RESERVED_IN_TDMR, 0, 2, 0) },
	{ "areas overlap", m_rsvd_overlap, INFO(TDX_NON_ORDERED_RESERVED_IN_TDMR, 0, 2, 0) },
	{ "area offset misaligned", m_rsvd_offset_misaligned, INFO(TDX_INVALID_RESERVED_IN_TDMR, 0, 0, 0) },
	{ "area size misaligned", m_rsvd_size_misaligned, INFO(TDX_INVALID_RESERVED_IN_TDMR, 0, 3, 0) },
	{ "area past the TDMR", m_rsvd_outside, INFO(TDX_INVALID_RESERVED_IN_TDMR, 0, 3, 0) },
	{ "area wraps", m_rsvd_wraps, INFO(TDX_INVALID_RESERVED_IN_TDMR, 0, 4, 0) },
	{ "area in slot 15 after nulls", m_rsvd_last_slot, INFO(TDX_NON_ORDERED_RESERVED_IN_TDMR, 0, 14, 0) },
	{ "PAMT_4K too small", m_pamt4k_small, INFO(TDX_INVALID_PAMT, 0, TDX_PS_4K, 0) },
	{ "PAMT_2M too small", m_pamt2m_small, INFO(TDX_INVALID_PAMT, 1, TDX_PS_2M, 0) },
	{ "PAMT_1G empty", m_pamt1g_zero, INFO(TDX_INVALID_PAMT, 1, TDX_PS_1G, 0) },
	{ "PAMT misaligned", m_pamt_misaligned, INFO(TDX_INVALID_PAMT, 0, TDX_PS_2M, 0) },
	{ "PAMT with KeyID bits", m_pamt_keyid, INFO(TDX_INVALID_PAMT, 1, TDX_PS_4K, 0) },
	{ "PAMT past MAXPA", m_pamt_above_maxpa, INFO(TDX_INVALID_PAMT, 1, TDX_PS_1G, 0) },
	{ "PAMT on another TDMR's PAMT", m_pamt_other, INFO(TDX_PAMT_OVERLAP, 1, TDX_PS_1G, 0) },
	{ "PAMT_4K on own PAMT_2M", m_pamt_own, INFO(TDX_PAMT_OVERLAP, 0, TDX_PS_4K, 0) },
	{ "PAMT_2M on own PAMT_1G", m_pamt_own_2m_1g, INFO(TDX_PAMT_OVERLAP, 1, TDX_PS_2M, 1) },
	{ "PAMT in TDMR0, not reserved", m_pamt_unreserved, INFO(TDX_PAMT_OVERLAP, 1, TDX_PS_4K, 0) },
	{ "PAMT in its own TDMR", m_pamt_in_own_tdmr, INFO(TDX_PAMT_OVERLAP, 1, TDX_PS_4K, 1) },
	{ "PAMT in a later TDMR", m_pamt_in_later_tdmr, INFO(TDX_PAMT_OVERLAP, 0, TDX_PS_4K, 1) },
	{ "PAMT outside CMRs", m_pamt_outside_cmrs, INFO(TDX_PAMT_OUTSIDE_CMRS, 1, TDX_PS_1G, 0) },
	{ "PAMT_1G outside CMRs", m_pamt1g_outside_cmrs, INFO(TDX_PAMT_OUTSIDE_CMRS, 1, TDX_PS_1G, 0) },
	{ "PAMT outside TDMRs, in CMRs", m_pamt_outside_tdmrs_in_cmr, TDX_SUCCESS },
	{ "first MiB not reserved", m_first_mib, INFO(TDX_TDMR_OUTSIDE_CMRS, 0, 0, 0) },
	{ "SEAMRR not reserved", m_seamrr_unreserved, INFO(TDX_TDMR_OUTSIDE_CMRS, 0, 0, 0) },
	{ "TDMR past the last CMR", m_tdmr_beyond_cmrs, INFO(TDX_TDMR_OUTSIDE_CMRS, 1, 0, 0) },
};

static void test_config_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture *f = fx_new();
		struct plan p;
		uint64_t st;

		do_sys_init(f);
		do_lp_init_all(f);
		plan_default(&p);
		cases[i].mutate(&p);
		st = do_config(f, &p);
		if (st != cases[i].status)
			fail_msg("%s: got 0x%016llx, want 0x%016llx", cases[i].name,
				 (unsigned long long)st, (unsigned long long)cases[i].status);
		if (st != TDX_SUCCESS) {
			/* Nothing changed: the host may fix the plan and retry. */
			assert_int_equal(f->e->state, TDX_GLOBAL_SYSINIT_DONE);
			assert_int_equal(f->e->glock, 0);
			plan_default(&p);
			assert_int_equal(do_config(f, &p), TDX_SUCCESS);
		}
		assert_int_equal(f->e->state, TDX_GLOBAL_SYSCONFIG_DONE);
		fx_free(f);
	}
}

/* MAX_TDMRS TDMRs of 1 GiB, their PAMTs in convertible memory outside
 * every TDMR ([1 GiB, SEAMRR) is in CMR0 but in no TDMR). */
static void test_config_64_tdmrs(void **state)
{
	struct emu_config c;
	struct fixture *f;
	struct plan p;
	uint64_t pamt = 1 * GiB;

	(void)state;
	platform_config(&c);
	c.cmr[1].size = 63 * GiB;
	f = fx_new_cfg(&c);
	do_sys_init(f);
	do_lp_init_all(f);
	plan_default(&p);
	p.count = EMU_MAX_TDMRS;
	for (unsigned i = 0; i < EMU_MAX_TDMRS; i++) {
		memset(&p.t[i], 0, sizeof(p.t[i]));
		p.t[i].base = i ? 4 * GiB + (i - 1) * GiB : 0;
		p.t[i].size = 1 * GiB;
		pamt = plan_pamt(&p.t[i], pamt);
	}
	p.t[0].rsvd[0] = (struct emu_range){ 0, 1 * MiB };
	assert_true(pamt <= SEAMRR_BASE);
	assert_int_equal(do_config(f, &p), TDX_SUCCESS);
	assert_int_equal(f->e->ntdmrs, EMU_MAX_TDMRS);
	assert_int_equal(f->e->tdmr[63].base, 66 * GiB);
	fx_free(f);
}

/* Adjacent CMRs count as one range (M15 is_area_in_cmr). */
static void test_config_adjacent_cmrs(void **state)
{
	struct emu_config c;
	struct fixture *f;
	struct plan p;

	(void)state;
	platform_config(&c);
	c.cmr[1] = (struct emu_range){ 4 * GiB, 1 * GiB };
	c.cmr[2] = (struct emu_range){ 5 * GiB, 1 * GiB };
	c.ncmr = 3;
	for (int gap = 0; gap <= 1; gap++) {
		c.cmr[2].base = 5 * GiB + (gap ? PG : 0);
		c.cmr[2].size = 1 * GiB - (gap ? PG : 0);
		f = fx_new_cfg(&c);
		do_sys_init(f);
		do_lp_init_all(f);
		plan_default(&p);
		/* The PAMT block straddles 5 GiB, in a reserved area of TDMR1. */
		p.t[1].rsvd[0].base = 1 * GiB - 4 * MiB;
		p.t[1].rsvd[0].size = plan_pamt(&p.t[1], 5 * GiB - 4 * MiB) - (5 * GiB - 4 * MiB);
		assert_int_equal(do_config(f, &p),
				 gap ? INFO(TDX_PAMT_OUTSIDE_CMRS, 1, TDX_PS_4K, 0) : TDX_SUCCESS);
		fx_free(f);
	}
}

static void test_sys_init_platform(void **state)
{
	struct emu_config c;
	struct fixture *f;

	(void)state;
	platform_config(&c);
	c.num_tdx_keyids = 0;
	f = fx_new_cfg(&c);
	assert_int_equal(sc1(f, 0, TDH_SYS_INIT, 0),
			 TDX_INCORRECT_MSR_VALUE | MSR_IA32_MKTME_KEYID_PARTITIONING);
	assert_int_equal(f->e->state, TDX_GLOBAL_SYSINIT_PENDING);
	fx_free(f);

	platform_config(&c);
	c.keyid_bits = 12;
	c.num_mktme_keyids = 1000;
	c.num_tdx_keyids = 1100;
	f = fx_new_cfg(&c);
	assert_int_equal(sc1(f, 0, TDH_SYS_INIT, 0),
			 TDX_NUM_ACTIVATED_HKIDS_NOT_SUPPORTED | EMU_MAX_HKIDS);
	fx_free(f);

	platform_config(&c);
	c.cmr[0] = (struct emu_range){ 4 * GiB, 1 * GiB };
	c.cmr[1] = (struct emu_range){ 1 * MiB, 1 * GiB };
	f = fx_new_cfg(&c);
	assert_int_equal(sc1(f, 0, TDH_SYS_INIT, 0), TDX_CMR_LIST_INVALID);
	fx_free(f);

	platform_config(&c);
	c.cmr[1].size += 0x800;
	f = fx_new_cfg(&c);
	assert_int_equal(sc1(f, 0, TDH_SYS_INIT, 0), TDX_CMR_LIST_INVALID);
	fx_free(f);

	platform_config(&c);
	c.cmr[1].base |= 1ull << KEYID_SHIFT;
	f = fx_new_cfg(&c);
	assert_int_equal(sc1(f, 0, TDH_SYS_INIT, 0), TDX_CMR_LIST_INVALID);
	/* A failed SYS.INIT leaves the module in SYSINIT_PENDING. */
	assert_int_equal(sc1(f, 0, TDH_SYS_LP_INIT, 0), TDX_SYS_LP_INIT_NOT_PENDING);
	fx_free(f);
}

static void test_tdmr_init_operands(void **state)
{
	struct fixture *f = fx_ready();
	struct emu_regs r;

	(void)state;
	assert_int_equal(sc5(f, 0, TDH_SYS_TDMR_INIT, 2 * MiB, 9, 0, 0, &r), OI(RCX));
	assert_int_equal(r.rdx, 0);
	assert_int_equal(sc1(f, 0, TDH_SYS_TDMR_INIT, 1 * GiB), OI(RCX));	/* not a base */
	assert_int_equal(sc1(f, 0, TDH_SYS_TDMR_INIT, 1ull << 46), OI(RCX));
	assert_int_equal(sc1(f, 0, TDH_SYS_TDMR_INIT, 4 * GiB | 1ull << KEYID_SHIFT), OI(RCX));
	assert_int_equal(sc1(f, 0, TDH_SYS_TDMR_INIT, 4 * GiB), TDX_SUCCESS);
	fx_free(f);
}

static void test_emu_init_rejects(void **state)
{
	struct emu_config c;
	struct emu *e = calloc(1, sizeof(*e));
	struct fakemem m = { 0 };
	struct emu_mem_ops ops = { fm_read, fm_write, &m };

	(void)state;
	assert_non_null(e);
	platform_config(&c);
	assert_int_equal(emu_init(e, &c, &ops), 0);
	c.nlps = 0;
	assert_int_equal(emu_init(e, &c, &ops), -1);
	platform_config(&c);
	c.nlps = EMU_MAX_LPS + 1;
	assert_int_equal(emu_init(e, &c, &ops), -1);
	platform_config(&c);
	c.lp_pkg[3] = 2;				/* no such package */
	assert_int_equal(emu_init(e, &c, &ops), -1);
	platform_config(&c);
	c.lp_pkg[2] = c.lp_pkg[3] = 0;			/* package 1 has no LP */
	assert_int_equal(emu_init(e, &c, &ops), -1);
	platform_config(&c);
	c.num_tdx_keyids = 33;				/* 64 KeyIDs in 6 bits */
	assert_int_equal(emu_init(e, &c, &ops), -1);
	platform_config(&c);
	c.maxpa = 57;
	assert_int_equal(emu_init(e, &c, &ops), -1);
	platform_config(&c);
	c.seamrr_base += 1 * MiB;
	assert_int_equal(emu_init(e, &c, &ops), -1);
	platform_config(&c);
	c.ncmr = 33;
	assert_int_equal(emu_init(e, &c, &ops), -1);
	platform_config(&c);
	assert_int_equal(emu_init(e, &c, NULL), -1);
	free(e);
}

static void test_cmrs_from_map(void **state)
{
	static const struct emu_mem_range map[] = {
		{ 0, 640 * KiB, 1 },
		{ 640 * KiB, 384 * KiB, 0 },
		{ 1 * MiB, 1 * GiB - 1 * MiB, 1 },
		{ 1 * GiB, 1 * GiB, 1 },		/* adjacent: merged */
		{ 2 * GiB, 2 * GiB, 0 },		/* MMIO */
		{ 4 * GiB, 2 * GiB, 1 },
		{ 6 * GiB + 0x800, 0x1000, 1 },		/* no whole page */
		{ 7 * GiB + 0x800, 0x3000, 1 },		/* aligned inwards */
	};
	struct emu_range out[8];
	size_t n;

	(void)state;
	n = emu_cmrs_from_map(map, 8, SEAMRR_BASE, SEAMRR_SIZE, out, 8);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].base, 1 * MiB);
	assert_int_equal(out[0].size, SEAMRR_BASE - 1 * MiB);
	assert_int_equal(out[1].base, 4 * GiB);
	assert_int_equal(out[1].size, 2 * GiB);
	assert_int_equal(out[2].base, 7 * GiB + 0x1000);
	assert_int_equal(out[2].size, 0x2000);
	/* SEAMRR in the middle of a range splits it. */
	n = emu_cmrs_from_map(map, 8, 5 * GiB, 32 * MiB, out, 8);
	assert_int_equal(n, 4);
	assert_int_equal(out[0].size, 2 * GiB - 1 * MiB);
	assert_int_equal(out[1].base, 4 * GiB);
	assert_int_equal(out[1].size, 1 * GiB);
	assert_int_equal(out[2].base, 5 * GiB + 32 * MiB);
	assert_int_equal(emu_cmrs_from_map(map, 8, 5 * GiB, 32 * MiB, out, 2), 2);
	assert_int_equal(emu_cmrs_from_map(map, 1, 0, 0, out, 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_rules),
		cmocka_unit_test(test_config_64_tdmrs),
		cmocka_unit_test(test_config_adjacent_cmrs),
		cmocka_unit_test(test_sys_init_platform),
		cmocka_unit_test(test_tdmr_init_operands),
		cmocka_unit_test(test_emu_init_rejects),
		cmocka_unit_test(test_cmrs_from_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
