/* The emulated module's Secure EPT (seam/emu/sept.c) and its S-EPT, private
 * memory and measurement leaves (seam/emu/td_mem.c): tdx-abi.md §2.3,
 * §2.4, §6.3, §6.8, §7.3; check order and codes from M15's
 * tdh_mem_*.c / tdh_mr_*.c.
 *
 * Part A drives sept.c directly on a TD slot filled by hand. Part B issues
 * the leaves as SEAMCALLs on TDs built with the TD leaves (td_build() of
 * test_td_fixture.c) and ends with a full teardown that reclaims S-EPT
 * and private pages. */
#define EMU_FIXTURE_NO_MAIN
#include "test_emu_fixture.c"
#include "test_td_fixture.c"
#include "seam/emu/sept.h"

#ifndef TDX_EPT_PAGE_NOT_FREE
#define TDX_EPT_PAGE_NOT_FREE	0xc0000b0e00000000ull	/* M15; see td_mem.c */
#endif
#define NULLPA		(~0ull)
#define SVE		(1ull << 63)
#define SRC_PA		(320 * MiB)	/* shared source pages (TDMR 0, unused) */
#define PI(gpa, level)	TDX_PAGE_INFO(gpa, level)
/* A SEAMCALL on TD x that must succeed. */
#define OK(...)		assert_int_equal(call(__VA_ARGS__), TDX_SUCCESS)
/* A status with an operand ID. */
#define ERR(st, op)	((st) | TDX_OPERAND_ID_##op)
/* Architectural entries as the host sees them (sept.h). */
#define ARCH_LEAF(pa)	((pa) | 0x30 | 0x40 | 0x80 | SVE)	/* WB, IPAT, PS */
#define INFO(level, state) ((uint64_t)(level) | (uint64_t)(state) << 8)

/* ---- A TD slot filled by hand (Part A) ----------------------------------- */

static void pamt_mark(struct emu *e, uint64_t pa, unsigned pt, uint64_t owner)
{
	struct emu_pamt_entry pe = { .pt = pt, .owner = owner };

	assert_int_equal(emu_pamt_set(e, pa, TDX_PS_4K, &pe), 0);
}

/* A TD as TDH.MNG.CREATE/KEY.CONFIG/ADDCX/INIT and nvcpus x
 * VP.CREATE/ADDCX/INIT would leave it: INITIALIZED, 4-level S-EPT,
 * GPAW 48, MRTD context open, TD epoch 1 (M15 tdh_mng_init.c). */
static struct emu_td *hand_td(struct td_fixture *t, unsigned nvcpus, uint64_t attributes)
{
	struct emu *e = t->f->e;
	struct emu_td *td = NULL;
	unsigned idx;

	for (unsigned i = 0; i < EMU_MAX_TDS && !td; i++)
		if (!e->tds[i].tdr_pa)
			td = &e->tds[i];
	assert_non_null(td);
	idx = emu_td_index(e, td);
	memset(td, 0, sizeof(*td));
	td->tdr_pa = tdfx_page(t);
	pamt_mark(e, td->tdr_pa, PT_TDR, td->tdr_pa);
	td->hkid = (uint16_t)(GLOBAL_KEYID + 1 + idx);
	td->lifecycle = TD_LIFECYCLE_KEYS_CONFIGURED;
	td->op_state = TD_OP_INITIALIZED;
	td->pkg_keyed = 3;
	td->ntdcs = EMU_TDCS_PAGES;
	for (unsigned i = 0; i < EMU_TDCS_PAGES; i++) {
		td->tdcs_pa[i] = tdfx_page(t);
		pamt_mark(e, td->tdcs_pa[i], PT_TDCX, td->tdr_pa);
	}
	td->child_pages = EMU_TDCS_PAGES;
	td->attributes = attributes;
	td->eptp_controls = 0x1e;
	td->max_vcpus = 8;
	td->gpaw = 48;
	td->levels = 4;
	td->epoch = 1;
	sha384_init(&td->mrtd_ctx);
	for (unsigned n = 0; n < nvcpus; n++) {
		struct emu_vcpu *v = NULL;

		for (unsigned i = 0; i < EMU_MAX_VCPUS && !v; i++)
			if (!e->vcpus[i].tdvpr_pa)
				v = &e->vcpus[i];
		assert_non_null(v);
		memset(v, 0, sizeof(*v));
		v->tdvpr_pa = tdfx_page(t);
		pamt_mark(e, v->tdvpr_pa, PT_TDVPR, td->tdr_pa);
		v->td = idx;
		v->state = EMU_VCPU_READY;
		v->ntdcx = EMU_TDCX_PAGES;
		for (unsigned i = 0; i < EMU_TDCX_PAGES; i++) {
			v->tdcx_pa[i] = tdfx_page(t);
			pamt_mark(e, v->tdcx_pa[i], PT_TDCX, td->tdr_pa);
		}
		v->index = n;
		v->assoc_lp = -1;
		td->num_vcpus++;
		td->num_init_vcpus++;
		td->child_pages += 1 + EMU_TDCX_PAGES;
	}
	return td;
}

/* ---- Part A: sept.c on a hand-made slot ---------------------------------- */

/* A GPA whose index is 5, 7, 9, 11 at levels 3, 2, 1, 0. */
#define GPA_IDX	((5ull << 39) | (7ull << 30) | (9ull << 21) | (11ull << 12))

static void test_walk_empty_and_indices(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct emu *e = t->f->e;
	struct emu_td *td = hand_td(t, 0, 0);
	uint64_t root = td->tdcs_pa[EMU_TDCS_SEPT_ROOT], pdpt = tdfx_page(t);
	uint64_t pd = tdfx_page(t), pt = tdfx_page(t);
	struct emu_sept_walk w;

	(void)state;
	/* Nothing below the root: the walk stops at the root entry. */
	assert_int_equal(emu_sept_walk(e, td, GPA_IDX, 0, &w), -1);
	assert_int_equal(w.level, 3);
	assert_int_equal(w.entry_pa, root + 5 * 8);
	assert_int_equal(emu_sept_state(w.entry), EMU_SEPT_FREE);
	/* The root level itself is reachable. */
	assert_int_equal(emu_sept_walk(e, td, GPA_IDX, 3, &w), 0);
	/* Levels beyond the tree are refused. */
	assert_int_equal(emu_sept_walk(e, td, GPA_IDX, 4, &w), -1);

	/* Link PDPT, PD, PT by hand and walk to the PTE. */
	assert_int_equal(emu_sept_walk(e, td, GPA_IDX, 3, &w), 0);
	assert_int_equal(emu_sept_write(e, &w, emu_sept_table_entry(pdpt, EMU_SEPT_PRESENT)), 0);
	assert_int_equal(fm_get64(&t->f->fm, root + 5 * 8), pdpt | 7 | 1ull << 52 | SVE);
	assert_int_equal(emu_sept_walk(e, td, GPA_IDX, 2, &w), 0);
	assert_int_equal(w.entry_pa, pdpt + 7 * 8);
	assert_int_equal(emu_sept_write(e, &w, emu_sept_table_entry(pd, EMU_SEPT_PRESENT)), 0);
	assert_int_equal(emu_sept_walk(e, td, GPA_IDX, 1, &w), 0);
	assert_int_equal(w.entry_pa, pd + 9 * 8);
	assert_int_equal(emu_sept_write(e, &w, emu_sept_table_entry(pt, EMU_SEPT_PRESENT)), 0);
	assert_int_equal(emu_sept_walk(e, td, GPA_IDX + 0x123, 0, &w), 0);
	assert_int_equal(w.level, 0);
	assert_int_equal(w.entry_pa, pt + 11 * 8);

	/* A blocked table stops the walk like a hole. */
	assert_int_equal(emu_sept_walk(e, td, GPA_IDX, 1, &w), 0);
	assert_int_equal(emu_sept_write(e, &w, emu_sept_table_entry(pt, EMU_SEPT_BLOCKED)), 0);
	assert_int_equal(emu_sept_walk(e, td, GPA_IDX, 0, &w), -1);
	assert_int_equal(w.level, 1);
	assert_int_equal(emu_sept_state(w.entry), EMU_SEPT_BLOCKED);
	assert_int_equal(w.entry & EMU_EPT_RWX, 0);
	assert_int_equal(w.entry & EMU_EPT_PA_MASK, pt);
	tdfx_free(t);
}

static void test_leaves_and_translate(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct emu *e = t->f->e;
	struct emu_td *td = hand_td(t, 0, 0);
	uint64_t pdpt = tdfx_page(t), pd = tdfx_page(t), pt = tdfx_page(t);
	uint64_t page = tdfx_page(t), big = 4 * GiB + 6 * MiB, hpa;
	uint64_t gpa_big = (5ull << 39) | (7ull << 30) | (10ull << 21);
	struct emu_sept_walk w;

	(void)state;
	assert_int_equal(emu_sept_walk(e, td, GPA_IDX, 3, &w), 0);
	emu_sept_write(e, &w, emu_sept_table_entry(pdpt, EMU_SEPT_PRESENT));
	assert_int_equal(emu_sept_walk(e, td, GPA_IDX, 2, &w), 0);
	emu_sept_write(e, &w, emu_sept_table_entry(pd, EMU_SEPT_PRESENT));
	assert_int_equal(emu_sept_walk(e, td, GPA_IDX, 1, &w), 0);
	emu_sept_write(e, &w, emu_sept_table_entry(pt, EMU_SEPT_PRESENT));

	/* 4K leaf: WB, ignore-PAT, RWX; no bit 7. */
	assert_int_equal(emu_sept_walk(e, td, GPA_IDX, 0, &w), 0);
	assert_int_equal(emu_sept_translate(e, td, GPA_IDX, &hpa), -1);
	emu_sept_write(e, &w, emu_sept_leaf_entry(page, 0, EMU_SEPT_PRESENT));
	assert_int_equal(fm_get64(&t->f->fm, w.entry_pa), page | 0x77 | 1ull << 52 | SVE);
	assert_int_equal(emu_sept_translate(e, td, GPA_IDX + 0xabc, &hpa), 0);
	assert_int_equal(hpa, page + 0xabc);
	/* Pending or blocked: not mapped for the module either. */
	emu_sept_write(e, &w, emu_sept_leaf_entry(page, 0, EMU_SEPT_PENDING));
	assert_int_equal(fm_get64(&t->f->fm, w.entry_pa) & 7, 0);
	assert_int_equal(emu_sept_translate(e, td, GPA_IDX, &hpa), -1);
	emu_sept_write(e, &w, emu_sept_leaf_entry(page, 0, EMU_SEPT_BLOCKED));
	assert_int_equal(emu_sept_translate(e, td, GPA_IDX, &hpa), -1);
	/* The shared alias of a mapped GPA is not private. */
	emu_sept_write(e, &w, emu_sept_leaf_entry(page, 0, EMU_SEPT_PRESENT));
	assert_int_equal(emu_sept_translate(e, td, GPA_IDX | 1ull << 47, &hpa), -1);
	assert_int_equal(emu_sept_translate(e, td, GPA_IDX | 1ull << 48, &hpa), -1);

	/* 2M leaf in the PD: the walk to level 0 stops there. */
	assert_int_equal(emu_sept_walk(e, td, gpa_big, 1, &w), 0);
	emu_sept_write(e, &w, emu_sept_leaf_entry(big, 1, EMU_SEPT_PRESENT));
	assert_int_equal(fm_get64(&t->f->fm, w.entry_pa), big | 0xf7 | 1ull << 52 | SVE);
	assert_int_equal(emu_sept_walk(e, td, gpa_big + 0x12345, 0, &w), -1);
	assert_int_equal(w.level, 1);
	assert_true(emu_sept_is_leaf(w.entry, w.level));
	assert_int_equal(emu_sept_translate(e, td, gpa_big + 0x12345, &hpa), 0);
	assert_int_equal(hpa, big + 0x12345);
	tdfx_free(t);
}

/* Entries of each state at a PA (tables) or for a page at a level. */
#define TBL(s)		emu_sept_table_entry(pa, EMU_SEPT_##s)
#define LEAF(pg, l, s)	emu_sept_leaf_entry(pg, l, EMU_SEPT_##s)

static void test_info_encoding(void **state)
{
	uint64_t pa = 0x12345000ull, big = 0x40200000ull;

	(void)state;
	/* FREE: only suppress-#VE, state 0; zero entries are FREE too. */
	assert_int_equal(emu_sept_arch_entry(EMU_SEPT_FREE_ENTRY, 2), SVE);
	assert_int_equal(emu_sept_arch_entry(0, 0), SVE);
	assert_int_equal(emu_sept_info(0, 3), INFO(3, EMU_SEPT_ARCH_FREE));
	/* Tables: RWX only (M15 SEPT_ARCH_ENTRY_NON_LEAF_MASK), NL states. */
	assert_int_equal(emu_sept_arch_entry(TBL(PRESENT), 2), 7);
	assert_int_equal(emu_sept_info(TBL(PRESENT), 2), INFO(2, 132));
	assert_int_equal(emu_sept_arch_entry(TBL(BLOCKED), 1), 0);
	assert_int_equal(emu_sept_info(TBL(BLOCKED), 1), INFO(1, 129));
	/* Leaves: PA, WB, IPAT, bit 7 (4K too), bit 63; RWX when mapped. */
	assert_int_equal(emu_sept_arch_entry(LEAF(pa, 0, PRESENT), 0), ARCH_LEAF(pa) | 7);
	assert_int_equal(emu_sept_info(LEAF(pa, 0, PRESENT), 0), INFO(0, 4));
	assert_int_equal(emu_sept_arch_entry(LEAF(pa, 0, BLOCKED), 0), ARCH_LEAF(pa));
	assert_int_equal(emu_sept_info(LEAF(pa, 0, BLOCKED), 0), INFO(0, 1));
	assert_int_equal(emu_sept_info(LEAF(big, 1, PENDING), 1), INFO(1, 2));
	assert_int_equal(emu_sept_arch_entry(LEAF(big, 1, PENDING), 1), ARCH_LEAF(big));
	assert_int_equal(emu_sept_info(LEAF(big, 1, PENDING_BLOCKED), 1), INFO(1, 3));
	assert_int_equal(TDX_SEPT_INFO_STATE(emu_sept_info(LEAF(pa, 0, PRESENT), 0)), 4);
	assert_int_equal(TDX_SEPT_INFO_LEVEL(emu_sept_info(0, 3)), 3);
	/* A 2M leaf's PA keeps only bits 51:21. */
	assert_int_equal(LEAF(big + 0x5000, 1, PRESENT) & EMU_EPT_PA_MASK, big);
	assert_int_equal(emu_sept_leaf_hpa(LEAF(big, 1, PRESENT), 1, 0x3fe12345ull), big + 0x12345);
}

static void test_table_helpers(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct emu *e = t->f->e;
	uint64_t pg = tdfx_page(t);
	bool all_free;

	(void)state;
	/* A zeroed page is all FREE; so is an initialized one. */
	assert_int_equal(emu_sept_table_is_free(e, pg, &all_free), 0);
	assert_true(all_free);
	assert_int_equal(emu_sept_table_init(e, pg), 0);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(fm_get64(&t->f->fm, pg + 8 * i), SVE);
	assert_int_equal(emu_sept_table_is_free(e, pg, &all_free), 0);
	assert_true(all_free);
	/* One live entry, the last one, is found. */
	fm_put64(&t->f->fm, pg + 511 * 8, emu_sept_leaf_entry(0x5000, 0, EMU_SEPT_PENDING));
	assert_int_equal(emu_sept_table_is_free(e, pg, &all_free), 0);
	assert_false(all_free);
	tdfx_free(t);
}

static void test_tlb_tracked_predicate(void **state)
{
	struct td_fixture *t = tdfx_new();
	struct emu *e = t->f->e;
	struct emu_td *td = hand_td(t, 2, 0), *other = hand_td(t, 1, 0);
	struct emu_vcpu *v0 = &e->vcpus[0], *v1 = &e->vcpus[1], *vo = &e->vcpus[2];

	(void)state;
	assert_int_equal(vo->td, emu_td_index(e, other));
	td->epoch = 5;
	/* Blocked in the current epoch: not tracked until TRACK. */
	assert_false(emu_tlb_tracked(e, td, 5));
	assert_true(emu_tlb_tracked(e, td, 4));
	/* A vCPU still inside since epoch 4 keeps epoch 4 untracked. */
	v0->running = true;
	v0->entry_epoch = 4;
	assert_false(emu_tlb_tracked(e, td, 4));
	assert_true(emu_tlb_tracked(e, td, 3));
	/* One that entered in epoch 5 does not matter for 4. */
	v0->entry_epoch = 5;
	v1->running = true;
	v1->entry_epoch = 5;
	assert_true(emu_tlb_tracked(e, td, 4));
	/* Another TD's vCPU never matters. */
	vo->running = true;
	vo->entry_epoch = 1;
	assert_true(emu_tlb_tracked(e, td, 4));
	v0->running = false;
	v1->running = false;
	vo->running = false;
	tdfx_free(t);
}

/* ---- Part B: the leaves --------------------------------------------------- */

struct tdt {
	struct td_fixture *t;
	struct emu *e;
	struct td_handle h;
	struct emu_td *td;
	uint64_t tdr;
};

/* A TD at OP_STATE INITIALIZED built with the TD leaves (td_build): nvcpus
 * initialized vCPUs; with 0, room for one that is never created. */
static struct tdt mk_td(unsigned nvcpus, uint64_t attributes)
{
	struct tdt x;

	x.t = tdfx_new();
	x.e = x.t->f->e;
	if (nvcpus)
		td_build(x.t, &x.h, nvcpus, attributes);
	else
		td_build_mng(x.t, &x.h, 1, attributes);
	x.tdr = x.h.tdr;
	x.td = emu_td_find(x.e, x.tdr);
	assert_non_null(x.td);
	assert_int_equal(x.td->op_state, TD_OP_INITIALIZED);
	assert_int_equal(x.td->levels, 4);
	assert_int_equal(x.td->gpaw, 48);
	return x;
}

static void rm_td(struct tdt *x)
{
	tdfx_free(x->t);
}

static uint64_t call(struct tdt *x, uint64_t rax, uint64_t rcx, uint64_t rdx, uint64_t r8,
		     uint64_t r9, struct emu_regs *out)
{
	return sc5(x->t->f, 0, rax, rcx, rdx, r8, r9, out);
}

/* SEPT.ADD that must succeed; returns the new S-EPT page. */
static uint64_t sept_add(struct tdt *x, uint64_t gpa, unsigned level)
{
	uint64_t pg = tdfx_page(x->t);
	struct emu_regs r;

	assert_int_equal(call(x, TDH_MEM_SEPT_ADD, PI(gpa, level), x->tdr, pg, 0, &r),
			 TDX_SUCCESS);
	assert_int_equal(r.rcx, 0);
	assert_int_equal(r.rdx, 0);
	return pg;
}

/* The tables down to `level` for gpa, existing ones tolerated. */
static void sept_path(struct tdt *x, uint64_t gpa, unsigned level)
{
	for (unsigned l = 3; l >= level && l > 0; l--)
		assert_int_equal(call(x, TDH_MEM_SEPT_ADD, PI(gpa & ~(emu_sept_size(l) - 1), l),
				      x->tdr | TDX_SEPT_ADD_ALLOW_EXISTING, tdfx_page(x->t), 0,
				      NULL),
				 TDX_SUCCESS);
}

static void fill_src(struct tdt *x, uint64_t pa, unsigned mul, unsigned add)
{
	uint8_t buf[4096];

	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * mul + add);
	assert_int_equal(fm_write(&x->t->f->fm, pa, buf, sizeof(buf)), 0);
}

/* PAGE.ADD of a fresh page at gpa (4K path built); returns the page. */
static uint64_t page_add(struct tdt *x, uint64_t gpa, uint64_t src)
{
	uint64_t pg = tdfx_page(x->t);

	sept_path(x, gpa, 1);
	assert_int_equal(call(x, TDH_MEM_PAGE_ADD, PI(gpa, 0), x->tdr, pg, src, NULL),
			 TDX_SUCCESS);
	return pg;
}

static uint64_t sept_rd(struct tdt *x, uint64_t gpa, unsigned level, struct emu_regs *r)
{
	return call(x, TDH_MEM_SEPT_RD, PI(gpa, level), x->tdr, 0, 0, r);
}

static void pamt_is(struct tdt *x, uint64_t pa, unsigned pt, unsigned level)
{
	struct emu_pamt_entry pe;
	unsigned l;

	assert_true(emu_pamt_get(x->e, pa, &l, &pe));
	assert_int_equal(pe.pt, pt);
	assert_int_equal(l, level);
	if (pt != PT_NDA)
		assert_int_equal(pe.owner, x->tdr);
}

/* TDH.PHYMEM.PAGE.RDMD: type, owner, size level; BEPOCH in *bepoch. */
static void rdmd_is(struct tdt *x, uint64_t pa, unsigned pt, uint64_t owner, unsigned level,
		    uint64_t *bepoch)
{
	struct emu_regs r;

	assert_int_equal(call(x, TDH_PHYMEM_PAGE_RDMD, pa, 0, 0, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.rcx, pt);
	assert_int_equal(r.rdx, owner);
	assert_int_equal(r.r8, level);
	if (bepoch)
		*bepoch = r.r9;
}

static void finalize(struct tdt *x)
{
	OK(x, TDH_MR_FINALIZE, x->tdr, 0, 0, 0, NULL);
	assert_int_equal(x->td->op_state, TD_OP_RUNNABLE);
}

static struct emu_vcpu *vcpu_of(struct tdt *x, unsigned n)
{
	struct emu_vcpu *v = emu_vcpu_find(x->e, x->h.tdvpr[n]);

	assert_non_null(v);
	return v;
}

static void test_sept_add_order(void **state)
{
	struct tdt x = mk_td(1, 0);
	uint64_t child0 = x.td->child_pages, pg = tdfx_page(x.t), p3, p2, p1;
	struct emu_regs r;

	(void)state;
	/* A PT (level 1) before its PDPT and PD: the walk stops at the root. */
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0, 1), x.tdr, pg, 0, &r),
			 ERR(TDX_EPT_WALK_FAILED, RCX));
	assert_int_equal(r.rcx, SVE);
	assert_int_equal(r.rdx, INFO(3, EMU_SEPT_ARCH_FREE));
	assert_int_equal(r.r8, pg);		/* version 0: R8 untouched */
	pamt_is(&x, pg, PT_NDA, TDX_PS_4K);
	/* PD before PDPT: stops at the root too. */
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0, 2), x.tdr, pg, 0, &r),
			 ERR(TDX_EPT_WALK_FAILED, RCX));
	/* Top-down works; each page becomes PT_EPT and a child of the TD. */
	p3 = sept_add(&x, 0, 3);
	pamt_is(&x, p3, PT_EPT, TDX_PS_4K);
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0, 1), x.tdr, pg, 0, &r),
			 ERR(TDX_EPT_WALK_FAILED, RCX));
	assert_int_equal(r.rdx, INFO(2, EMU_SEPT_ARCH_FREE));
	p2 = sept_add(&x, 0, 2);
	p1 = sept_add(&x, 0, 1);
	pamt_is(&x, p2, PT_EPT, TDX_PS_4K);
	pamt_is(&x, p1, PT_EPT, TDX_PS_4K);
	assert_int_equal(x.td->child_pages, child0 + 3);
	/* The new tables hold FREE entries (suppress #VE set). */
	assert_int_equal(fm_get64(&x.t->f->fm, p1 + 8 * 77), SVE);
	/* SEPT.RD of each level: a mapped table (NL_MAPPED, RCX = RWX only). */
	for (unsigned l = 1; l <= 3; l++) {
		assert_int_equal(sept_rd(&x, 0, l, &r), TDX_SUCCESS);
		assert_int_equal(r.rcx, 7);
		assert_int_equal(r.rdx, INFO(l, EMU_SEPT_ARCH_NL_MAPPED));
	}
	assert_int_equal(sept_rd(&x, 0x5000, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.rcx, SVE);
	assert_int_equal(r.rdx, INFO(0, EMU_SEPT_ARCH_FREE));
	/* The S-EPT the CPU walks: the root points to p3 etc. */
	assert_int_equal(fm_get64(&x.t->f->fm, x.td->tdcs_pa[EMU_TDCS_SEPT_ROOT]) &
			 (EMU_EPT_PA_MASK | 7), p3 | 7);
	rm_td(&x);
}

static void test_sept_add_errors(void **state)
{
	struct tdt x = mk_td(1, 0);
	uint64_t pg = tdfx_page(x.t), p3, child;
	struct emu_regs r;

	(void)state;
	p3 = sept_add(&x, 0, 3);
	child = x.td->child_pages;
	/* The same entry again: not FREE -> EPT_ENTRY_STATE_INCORRECT (M15),
	 * RCX/RDX describe the entry; the page stays free. */
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0, 3), x.tdr, pg, 0, &r),
			 ERR(TDX_EPT_ENTRY_STATE_INCORRECT, RCX));
	assert_int_equal(r.rcx, 7);
	assert_int_equal(r.rdx, INFO(3, EMU_SEPT_ARCH_NL_MAPPED));
	pamt_is(&x, pg, PT_NDA, TDX_PS_4K);
	/* ALLOW_EXISTING: success without using the page. */
	OK(&x, TDH_MEM_SEPT_ADD, PI(0, 3), x.tdr | 1, pg, 0, &r);
	assert_int_equal(r.rcx, 0);
	assert_int_equal(r.rdx, 0);
	pamt_is(&x, pg, PT_NDA, TDX_PS_4K);
	assert_int_equal(x.td->child_pages, child);
	/* Version 1 reports the unused page with bit 63 set ... */
	{
		struct emu_regs q = { .rax = TDX_RAX(TDH_MEM_SEPT_ADD, 1), .rcx = PI(0, 3),
				      .rdx = x.tdr | 1, .r8 = pg,
				      .r9 = NULLPA, .r10 = NULLPA, .r11 = NULLPA };
		assert_int_equal(sc(x.t->f, 0, &q), TDX_SUCCESS);
		assert_int_equal(q.r8, pg | SVE);
		assert_int_equal(q.r9, NULLPA);
	}
	/* ... needs no page for an existing table, and R9-R11 (L2 VMs) must
	 * be NULL_PA: 0 is a page operand for a VM this TD does not have. */
	assert_int_equal(call(&x, TDX_RAX(TDH_MEM_SEPT_ADD, 1), PI(0, 3), x.tdr | 1, pg, 0, &r),
			 ERR(TDX_OPERAND_INVALID, R9));
	assert_int_equal(r.r8, pg | SVE);
	{
		struct emu_regs q = { .rax = TDX_RAX(TDH_MEM_SEPT_ADD, 1), .rcx = PI(0, 3),
				      .rdx = x.tdr, .r8 = NULLPA,
				      .r9 = NULLPA, .r10 = NULLPA, .r11 = NULLPA };
		assert_int_equal(sc(x.t->f, 0, &q), TDX_SUCCESS);
		assert_int_equal(q.r8, NULLPA);
		q = (struct emu_regs){ .rax = TDX_RAX(TDH_MEM_SEPT_ADD, 1), .rcx = PI(0, 2),
				       .rdx = x.tdr, .r8 = pg,
				       .r9 = NULLPA, .r10 = tdfx_page(x.t), .r11 = NULLPA };
		assert_int_equal(sc(x.t->f, 0, &q), TDX_OPERAND_INVALID | (TDX_OPERAND_ID_R8 + 2));
		/* Version 0 with no page: R8 invalid. */
		assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0, 2), x.tdr, NULLPA, 0, NULL),
				 ERR(TDX_OPERAND_INVALID, R8));
	}
	/* Version 2 does not exist. */
	assert_int_equal(call(&x, TDX_RAX(TDH_MEM_SEPT_ADD, 2), PI(0, 2), x.tdr, pg, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RAX));
	/* RDX reserved bits. */
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0, 2), x.tdr | 2, pg, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RDX));
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0, 2), x.tdr | 1ull << 52, pg, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RDX));
	/* Not a TDR. */
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0, 2), p3, pg, 0, NULL),
			 ERR(TDX_PAGE_METADATA_INCORRECT, RDX));
	/* GPA/level: level 0 and 4, misaligned, reserved bits, shared, >= 2^48. */
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0, 0), x.tdr, pg, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RCX));
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0, 4), x.tdr, pg, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RCX));
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0x1000, 1), x.tdr, pg, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RCX));
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0, 2) | 0x8, x.tdr, pg, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RCX));
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(1ull << 47, 2), x.tdr, pg, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RCX));
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(1ull << 48, 2), x.tdr, pg, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RCX));
	/* The new page must be a free TDMR page. */
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0, 2), x.tdr, p3, 0, NULL),
			 ERR(TDX_PAGE_METADATA_INCORRECT, R8));
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0, 2), x.tdr, pg + 8, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, R8));
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0, 2), x.tdr, PAMT_PA, 0, NULL),
			 ERR(TDX_OPERAND_ADDR_RANGE_ERROR, R8));
	/* TD state gates. */
	x.td->lifecycle = TD_LIFECYCLE_BLOCKED;
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0, 2), x.tdr, pg, 0, NULL),
			 TDX_TD_KEYS_NOT_CONFIGURED);
	x.td->lifecycle = TD_LIFECYCLE_KEYS_CONFIGURED;
	x.td->op_state = TD_OP_UNINITIALIZED;
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0, 2), x.tdr, pg, 0, NULL),
			 TDX_OP_STATE_INCORRECT);
	x.td->op_state = TD_OP_INITIALIZED;
	x.td->fatal = true;
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(0, 2), x.tdr, pg, 0, NULL), TDX_TD_FATAL);
	x.td->fatal = false;
	assert_int_equal(x.td->child_pages, child);
	rm_td(&x);
}

static void test_page_add(void **state)
{
	struct tdt x = mk_td(1, 0);
	uint64_t pg, other = tdfx_page(x.t), child;
	uint8_t a[4096], b[4096];
	struct emu_regs r;

	(void)state;
	fill_src(&x, SRC_PA, 7, 3);
	sept_path(&x, 0x3000, 1);
	child = x.td->child_pages;
	pg = page_add(&x, 0x3000, SRC_PA);
	assert_int_equal(x.td->child_pages, child + 1);
	pamt_is(&x, pg, PT_REG, TDX_PS_4K);
	assert_int_equal(fm_read(&x.t->f->fm, SRC_PA, a, sizeof(a)), 0);
	assert_int_equal(fm_read(&x.t->f->fm, pg, b, sizeof(b)), 0);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(sept_rd(&x, 0x3000, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.rcx, ARCH_LEAF(pg) | 7);
	assert_int_equal(r.rdx, INFO(0, EMU_SEPT_ARCH_MAPPED));
	/* The same GPA again: entry not FREE. */
	assert_int_equal(call(&x, TDH_MEM_PAGE_ADD, PI(0x3000, 0), x.tdr, other, SRC_PA, &r),
			 ERR(TDX_EPT_ENTRY_STATE_INCORRECT, RCX));
	assert_int_equal(r.rcx, ARCH_LEAF(pg) | 7);
	assert_int_equal(r.rdx, INFO(0, EMU_SEPT_ARCH_MAPPED));
	/* A target that is not free (the page just added). */
	assert_int_equal(call(&x, TDH_MEM_PAGE_ADD, PI(0x4000, 0), x.tdr, pg, SRC_PA, NULL),
			 ERR(TDX_PAGE_METADATA_INCORRECT, R8));
	/* Shared-bit GPA, level 1, reserved bits. */
	assert_int_equal(call(&x, TDH_MEM_PAGE_ADD, PI(0x4000 | 1ull << 47, 0), x.tdr, other,
			      SRC_PA, NULL), ERR(TDX_OPERAND_INVALID, RCX));
	assert_int_equal(call(&x, TDH_MEM_PAGE_ADD, PI(0x200000, 1), x.tdr, other, SRC_PA, NULL),
			 ERR(TDX_OPERAND_INVALID, RCX));
	assert_int_equal(call(&x, TDH_MEM_PAGE_ADD, PI(0x4000, 0) | 1ull << 60, x.tdr, other,
			      SRC_PA, NULL), ERR(TDX_OPERAND_INVALID, RCX));
	/* Source: misaligned, a private KeyID, SEAMRR. */
	assert_int_equal(call(&x, TDH_MEM_PAGE_ADD, PI(0x4000, 0), x.tdr, other, SRC_PA + 8, NULL),
			 ERR(TDX_OPERAND_INVALID, R9));
	assert_int_equal(call(&x, TDH_MEM_PAGE_ADD, PI(0x4000, 0), x.tdr, other,
			      SRC_PA | (uint64_t)(GLOBAL_KEYID + 1) << KEYID_SHIFT, NULL),
			 ERR(TDX_OPERAND_INVALID, R9));
	assert_int_equal(call(&x, TDH_MEM_PAGE_ADD, PI(0x4000, 0), x.tdr, other, SEAMRR_BASE, NULL),
			 ERR(TDX_OPERAND_INVALID, R9));
	/* No PT for the GPA yet: the walk stops at the PD. */
	assert_int_equal(call(&x, TDH_MEM_PAGE_ADD, PI(0x400000, 0), x.tdr, other, SRC_PA, &r),
			 ERR(TDX_EPT_WALK_FAILED, RCX));
	assert_int_equal(r.rdx, INFO(1, EMU_SEPT_ARCH_FREE));
	assert_int_equal(x.td->child_pages, child + 1);
	pamt_is(&x, other, PT_NDA, TDX_PS_4K);
	/* A vCPU inside the TD holds the TDR lock that PAGE.ADD needs alone. */
	x.td->vcpus_running = 1;
	assert_int_equal(call(&x, TDH_MEM_PAGE_ADD, PI(0x4000, 0), x.tdr, other, SRC_PA, NULL),
			 ERR(TDX_OPERAND_BUSY, RDX));
	x.td->vcpus_running = 0;
	/* After FINALIZE, PAGE.ADD is over (§2.4). */
	finalize(&x);
	assert_int_equal(call(&x, TDH_MEM_PAGE_ADD, PI(0x4000, 0), x.tdr, other, SRC_PA, NULL),
			 TDX_OP_STATE_INCORRECT);
	rm_td(&x);
}

static void test_page_aug(void **state)
{
	struct tdt x = mk_td(1, 0);
	uint64_t p4k = tdfx_page(x.t), big, bad, child;
	struct emu_pamt_entry pe;
	struct emu_regs r;
	unsigned l;

	(void)state;
	/* 4K: pending, no RWX, page zeroed, PT_REG. */
	sept_path(&x, 0x10000, 1);
	fm_put64(&x.t->f->fm, p4k + 64, 0xdeadbeef);
	child = x.td->child_pages;
	OK(&x, TDH_MEM_PAGE_AUG, PI(0x10000, 0), x.tdr, p4k, 0, &r);
	assert_int_equal(x.td->child_pages, child + 1);
	assert_int_equal(fm_get64(&x.t->f->fm, p4k + 64), 0);
	pamt_is(&x, p4k, PT_REG, TDX_PS_4K);
	assert_int_equal(sept_rd(&x, 0x10000, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.rcx, ARCH_LEAF(p4k));
	assert_int_equal(r.rdx, INFO(0, EMU_SEPT_ARCH_PENDING));
	/* Same GPA again. */
	assert_int_equal(call(&x, TDH_MEM_PAGE_AUG, PI(0x10000, 0), x.tdr, tdfx_page(x.t), 0, &r),
			 ERR(TDX_EPT_ENTRY_STATE_INCORRECT, RCX));
	assert_int_equal(r.rdx, INFO(0, EMU_SEPT_ARCH_PENDING));

	/* 2M at GPA 4 MiB (the PD exists, its entry is FREE). */
	big = tdfx_pages(x.t, 512, 2 * MiB);
	fm_put64(&x.t->f->fm, big + 2 * MiB - 8, 0x1234);
	child = x.td->child_pages;
	OK(&x, TDH_MEM_PAGE_AUG, PI(4 * MiB, 1), x.tdr, big, 0, &r);
	assert_int_equal(x.td->child_pages, child + 1);	/* one PAMT entry */
	assert_int_equal(fm_get64(&x.t->f->fm, big + 2 * MiB - 8), 0);
	/* The 2M PAMT entry holds it; every 4K page reports the 2M level. */
	assert_true(emu_pamt_get(x.e, big + 77 * PG, &l, &pe));
	assert_int_equal(l, TDX_PS_2M);
	assert_int_equal(pe.pt, PT_REG);
	assert_int_equal(pe.owner, x.tdr);
	rdmd_is(&x, big + 5 * PG, PT_REG, x.tdr, TDX_PS_2M, NULL);
	assert_int_equal(sept_rd(&x, 4 * MiB, 1, &r), TDX_SUCCESS);
	assert_int_equal(r.rcx, ARCH_LEAF(big));
	assert_int_equal(r.rdx, INFO(1, EMU_SEPT_ARCH_PENDING));
	/* A 4K operation below a 2M leaf: the walk stops at the leaf. */
	assert_int_equal(call(&x, TDH_MEM_PAGE_AUG, PI(4 * MiB + PG, 0), x.tdr, tdfx_page(x.t), 0,
			      &r),
			 ERR(TDX_EPT_WALK_FAILED, RCX));
	assert_int_equal(r.rdx, INFO(1, EMU_SEPT_ARCH_PENDING));
	/* A page inside that 2M page is not free. */
	assert_int_equal(call(&x, TDH_MEM_PAGE_AUG, PI(0x11000, 0), x.tdr, big + 5 * PG, 0, NULL),
			 ERR(TDX_PAGE_METADATA_INCORRECT, R8));

	/* 2M where the PD entry points to a page table: state incorrect. */
	bad = tdfx_pages(x.t, 512, 2 * MiB);
	assert_int_equal(call(&x, TDH_MEM_PAGE_AUG, PI(0, 1), x.tdr, bad, 0, &r),
			 ERR(TDX_EPT_ENTRY_STATE_INCORRECT, RCX));
	assert_int_equal(r.rcx, 7);
	assert_int_equal(r.rdx, INFO(1, EMU_SEPT_ARCH_NL_MAPPED));
	/* 2M over a range with one 4K page in use (an S-EPT page now). */
	assert_int_equal(call(&x, TDH_MEM_SEPT_ADD, PI(1 * GiB, 2), x.tdr, bad + 300 * PG, 0, NULL),
			 TDX_SUCCESS);
	assert_int_equal(call(&x, TDH_MEM_PAGE_AUG, PI(6 * MiB, 1), x.tdr, bad, 0, NULL),
			 ERR(TDX_PAGE_METADATA_INCORRECT, R8));
	pamt_is(&x, bad, PT_NDA, TDX_PS_4K);
	/* A target not 2 MiB aligned. */
	assert_int_equal(call(&x, TDH_MEM_PAGE_AUG, PI(6 * MiB, 1), x.tdr, bad + PG, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, R8));
	/* Level 2 is not an AUG level; a misaligned 2M GPA is invalid. */
	assert_int_equal(call(&x, TDH_MEM_PAGE_AUG, PI(0, 2), x.tdr, bad, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RCX));
	assert_int_equal(call(&x, TDH_MEM_PAGE_AUG, PI(6 * MiB + PG, 1), x.tdr, bad, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RCX));
	/* AUG also runs once the TD is RUNNABLE. */
	finalize(&x);
	assert_int_equal(call(&x, TDH_MEM_PAGE_AUG, PI(0x12000, 0), x.tdr, tdfx_page(x.t), 0, NULL),
			 TDX_SUCCESS);
	rm_td(&x);
}

/* Runtime removal (§6.8) on a RUNNABLE TD: BLOCK, TRACK, REMOVE. */
static void test_block_track_remove(void **state)
{
	struct tdt x = mk_td(2, 0);
	uint64_t pg, child, epoch;
	struct emu_regs r;

	(void)state;
	fill_src(&x, SRC_PA, 1, 0);
	pg = page_add(&x, 0x5000, SRC_PA);
	finalize(&x);
	child = x.td->child_pages;
	/* Not blocked. */
	assert_int_equal(call(&x, TDH_MEM_PAGE_REMOVE, PI(0x5000, 0), x.tdr, 0, 0, &r),
			 ERR(TDX_GPA_RANGE_NOT_BLOCKED, RCX));
	assert_int_equal(r.rcx, ARCH_LEAF(pg) | 7);
	assert_int_equal(r.rdx, INFO(0, EMU_SEPT_ARCH_MAPPED));
	/* Block: RWX gone, BEPOCH = the TD epoch; a second BLOCK is no error. */
	epoch = x.td->epoch;
	OK(&x, TDH_MEM_RANGE_BLOCK, PI(0x5000, 0), x.tdr, 0, 0, &r);
	assert_int_equal(r.rcx, 0);
	{
		uint64_t bepoch;

		rdmd_is(&x, pg, PT_REG, x.tdr, TDX_PS_4K, &bepoch);
		assert_int_equal(bepoch, epoch);
	}
	assert_int_equal(call(&x, TDH_MEM_RANGE_BLOCK, PI(0x5000, 0), x.tdr, 0, 0, &r),
			 ERR(TDX_GPA_RANGE_ALREADY_BLOCKED, RCX));
	assert_false(TDX_IS_ERROR(ERR(TDX_GPA_RANGE_ALREADY_BLOCKED, RCX)));
	assert_int_equal(r.rcx, ARCH_LEAF(pg));
	assert_int_equal(r.rdx, INFO(0, EMU_SEPT_ARCH_BLOCKED));
	/* Blocked but not tracked. */
	assert_int_equal(call(&x, TDH_MEM_PAGE_REMOVE, PI(0x5000, 0), x.tdr, 0, 0, &r),
			 ERR(TDX_TLB_TRACKING_NOT_DONE, RCX));
	assert_int_equal(r.rcx, 0);
	/* TRACK, but a vCPU entered before the block is still inside. */
	vcpu_of(&x, 1)->running = true;
	vcpu_of(&x, 1)->entry_epoch = epoch;
	x.td->vcpus_running = 1;
	OK(&x, TDH_MEM_TRACK, x.tdr, 0, 0, 0, NULL);
	assert_int_equal(x.td->epoch, epoch + 1);
	assert_int_equal(call(&x, TDH_MEM_PAGE_REMOVE, PI(0x5000, 0), x.tdr, 0, 0, NULL),
			 ERR(TDX_TLB_TRACKING_NOT_DONE, RCX));
	/* It cannot be tracked past again while it runs. */
	assert_int_equal(call(&x, TDH_MEM_TRACK, x.tdr, 0, 0, 0, NULL),
			 TDX_PREVIOUS_TLB_EPOCH_BUSY);
	assert_int_equal(x.td->epoch, epoch + 1);
	/* It exits: tracked. */
	vcpu_of(&x, 1)->running = false;
	x.td->vcpus_running = 0;
	OK(&x, TDH_MEM_PAGE_REMOVE, PI(0x5000, 0), x.tdr, 0, 0, &r);
	assert_int_equal(r.rcx, pg);
	assert_int_equal(r.rdx, 0);
	assert_int_equal(x.td->child_pages, child - 1);
	rdmd_is(&x, pg, PT_NDA, 0, TDX_PS_4K, NULL);
	assert_int_equal(sept_rd(&x, 0x5000, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.rcx, SVE);
	assert_int_equal(r.rdx, INFO(0, EMU_SEPT_ARCH_FREE));
	/* Gone: removing or blocking it again is a state error. */
	assert_int_equal(call(&x, TDH_MEM_PAGE_REMOVE, PI(0x5000, 0), x.tdr, 0, 0, &r),
			 ERR(TDX_EPT_ENTRY_STATE_INCORRECT, RCX));
	assert_int_equal(call(&x, TDH_MEM_RANGE_BLOCK, PI(0x5000, 0), x.tdr, 0, 0, &r),
			 ERR(TDX_EPT_ENTRY_STATE_INCORRECT, RCX));
	assert_int_equal(r.rcx, SVE);
	/* PAGE.REMOVE of a table entry. */
	assert_int_equal(call(&x, TDH_MEM_PAGE_REMOVE, PI(0, 1), x.tdr, 0, 0, &r),
			 ERR(TDX_EPT_ENTRY_STATE_INCORRECT, RCX));
	assert_int_equal(r.rdx, INFO(1, EMU_SEPT_ARCH_NL_MAPPED));
	rm_td(&x);
}

static void test_track_busy(void **state)
{
	struct tdt x = mk_td(2, 0);
	struct emu_vcpu *v;

	(void)state;
	finalize(&x);
	v = vcpu_of(&x, 0);
	v->running = true;
	v->entry_epoch = x.td->epoch;
	x.td->vcpus_running = 1;
	/* Running in the current epoch: TRACK moves on ... */
	OK(&x, TDH_MEM_TRACK, x.tdr, 0, 0, 0, NULL);
	/* ... and then that vCPU is in the previous one. */
	assert_int_equal(call(&x, TDH_MEM_TRACK, x.tdr, 0, 0, 0, NULL),
			 TDX_PREVIOUS_TLB_EPOCH_BUSY);
	/* It re-enters: fine again. */
	v->entry_epoch = x.td->epoch;
	OK(&x, TDH_MEM_TRACK, x.tdr, 0, 0, 0, NULL);
	v->running = false;
	x.td->vcpus_running = 0;
	/* TDR operand in RCX. */
	assert_int_equal(call(&x, TDH_MEM_TRACK, x.tdr + 8, 0, 0, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RCX));
	assert_int_equal(call(&x, TDH_MEM_TRACK, x.td->tdcs_pa[1], 0, 0, 0, NULL),
			 ERR(TDX_PAGE_METADATA_INCORRECT, RCX));
	rm_td(&x);
}

/* An INITIALIZED TD never ran: removal needs no BLOCK/TRACK (M15). */
static void test_remove_initialized(void **state)
{
	struct tdt x = mk_td(1, 0);
	uint64_t pg, big = 0, child;
	struct emu_regs r;

	(void)state;
	pg = page_add(&x, 0x7000, SRC_PA);
	child = x.td->child_pages;
	OK(&x, TDH_MEM_PAGE_REMOVE, PI(0x7000, 0), x.tdr, 0, 0, &r);
	assert_int_equal(r.rcx, pg);
	assert_int_equal(x.td->child_pages, child - 1);
	/* A 2M AUG-ed page goes in one piece. */
	big = tdfx_pages(x.t, 512, 2 * MiB);
	sept_path(&x, 8 * MiB, 2);
	OK(&x, TDH_MEM_PAGE_AUG, PI(8 * MiB, 1), x.tdr, big, 0, NULL);
	OK(&x, TDH_MEM_PAGE_REMOVE, PI(8 * MiB, 1), x.tdr, 0, 0, &r);
	assert_int_equal(r.rcx, big);
	assert_int_equal(x.td->child_pages, child - 1);
	pamt_is(&x, big, PT_NDA, TDX_PS_4K);
	pamt_is(&x, big + 511 * PG, PT_NDA, TDX_PS_4K);
	/* Levels: 3 is out of range for PAGE.REMOVE. */
	assert_int_equal(call(&x, TDH_MEM_PAGE_REMOVE, PI(0, 3), x.tdr, 0, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RCX));
	rm_td(&x);
}

static void test_unblock(void **state)
{
	struct tdt x = mk_td(1, 0);
	uint64_t pg, p4k = tdfx_page(x.t), before;
	struct emu_sept_walk w;
	struct emu_regs r;

	(void)state;
	pg = page_add(&x, 0x6000, SRC_PA);
	OK(&x, TDH_MEM_PAGE_AUG, PI(0x8000, 0), x.tdr, p4k, 0, NULL);
	finalize(&x);
	/* Not blocked. */
	assert_int_equal(call(&x, TDH_MEM_RANGE_UNBLOCK, PI(0x6000, 0), x.tdr, 0, 0, &r),
			 ERR(TDX_EPT_ENTRY_STATE_INCORRECT, RCX));
	assert_int_equal(r.rcx, ARCH_LEAF(pg) | 7);
	assert_int_equal(r.rdx, INFO(0, EMU_SEPT_ARCH_MAPPED));
	/* Blocked, not tracked (RUNNABLE): operand is the S-EPT tree. */
	assert_int_equal(emu_sept_walk(x.e, x.td, 0x6000, 0, &w), 0);
	before = w.entry;
	OK(&x, TDH_MEM_RANGE_BLOCK, PI(0x6000, 0), x.tdr, 0, 0, NULL);
	assert_int_equal(call(&x, TDH_MEM_RANGE_UNBLOCK, PI(0x6000, 0), x.tdr, 0, 0, &r),
			 ERR(TDX_TLB_TRACKING_NOT_DONE, SEPT_TREE));
	OK(&x, TDH_MEM_TRACK, x.tdr, 0, 0, 0, NULL);
	OK(&x, TDH_MEM_RANGE_UNBLOCK, PI(0x6000, 0), x.tdr, 0, 0, &r);
	assert_int_equal(emu_sept_walk(x.e, x.td, 0x6000, 0, &w), 0);
	assert_int_equal(w.entry, before);
	/* PENDING -> PENDING_BLOCKED -> PENDING. */
	OK(&x, TDH_MEM_RANGE_BLOCK, PI(0x8000, 0), x.tdr, 0, 0, NULL);
	assert_int_equal(sept_rd(&x, 0x8000, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.rdx, INFO(0, EMU_SEPT_ARCH_PENDING_BLOCKED));
	OK(&x, TDH_MEM_TRACK, x.tdr, 0, 0, 0, NULL);
	OK(&x, TDH_MEM_RANGE_UNBLOCK, PI(0x8000, 0), x.tdr, 0, 0, NULL);
	assert_int_equal(sept_rd(&x, 0x8000, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.rdx, INFO(0, EMU_SEPT_ARCH_PENDING));
	assert_int_equal(r.rcx, ARCH_LEAF(p4k));
	/* A table: NL_MAPPED -> NL_BLOCKED (walks stop there) -> NL_MAPPED. */
	OK(&x, TDH_MEM_RANGE_BLOCK, PI(0, 1), x.tdr, 0, 0, NULL);
	assert_int_equal(sept_rd(&x, 0, 1, &r), TDX_SUCCESS);
	assert_int_equal(r.rcx, 0);
	assert_int_equal(r.rdx, INFO(1, EMU_SEPT_ARCH_NL_BLOCKED));
	assert_int_equal(sept_rd(&x, 0x6000, 0, &r), ERR(TDX_EPT_WALK_FAILED, RCX));
	assert_int_equal(r.rdx, INFO(1, EMU_SEPT_ARCH_NL_BLOCKED));
	assert_int_equal(call(&x, TDH_MEM_RANGE_BLOCK, PI(0, 1), x.tdr, 0, 0, &r),
			 ERR(TDX_GPA_RANGE_ALREADY_BLOCKED, RCX));
	OK(&x, TDH_MEM_TRACK, x.tdr, 0, 0, 0, NULL);
	OK(&x, TDH_MEM_RANGE_UNBLOCK, PI(0, 1), x.tdr, 0, 0, NULL);
	assert_int_equal(sept_rd(&x, 0x6000, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.rdx, INFO(0, EMU_SEPT_ARCH_MAPPED));
	rm_td(&x);
}

static void test_sept_remove(void **state)
{
	struct tdt x = mk_td(1, 0);
	uint64_t pt, pg, child;
	struct emu_regs r;

	(void)state;
	sept_path(&x, 0, 2);
	pt = sept_add(&x, 0, 1);
	pg = page_add(&x, 0x1000, SRC_PA);
	child = x.td->child_pages;
	/* A table with a live entry. */
	assert_int_equal(call(&x, TDH_MEM_SEPT_REMOVE, PI(0, 1), x.tdr, 0, 0, &r),
			 ERR(TDX_EPT_PAGE_NOT_FREE, RCX));
	assert_int_equal(r.rcx, 7);
	assert_int_equal(r.rdx, INFO(1, EMU_SEPT_ARCH_NL_MAPPED));
	/* Level 0 is no table level; a FREE entry is no table. */
	assert_int_equal(call(&x, TDH_MEM_SEPT_REMOVE, PI(0, 0), x.tdr, 0, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RCX));
	assert_int_equal(call(&x, TDH_MEM_SEPT_REMOVE, PI(2 * MiB, 1), x.tdr, 0, 0, &r),
			 ERR(TDX_EPT_ENTRY_STATE_INCORRECT, RCX));
	assert_int_equal(r.rdx, INFO(1, EMU_SEPT_ARCH_FREE));
	assert_int_equal(x.td->child_pages, child);
	/* RUNNABLE: the table must be blocked and tracked, and empty. */
	finalize(&x);
	assert_int_equal(call(&x, TDH_MEM_SEPT_REMOVE, PI(0, 1), x.tdr, 0, 0, &r),
			 ERR(TDX_GPA_RANGE_NOT_BLOCKED, RCX));
	OK(&x, TDH_MEM_RANGE_BLOCK, PI(0x1000, 0), x.tdr, 0, 0, NULL);
	OK(&x, TDH_MEM_TRACK, x.tdr, 0, 0, 0, NULL);
	OK(&x, TDH_MEM_PAGE_REMOVE, PI(0x1000, 0), x.tdr, 0, 0, &r);
	assert_int_equal(r.rcx, pg);
	OK(&x, TDH_MEM_RANGE_BLOCK, PI(0, 1), x.tdr, 0, 0, NULL);
	assert_int_equal(call(&x, TDH_MEM_SEPT_REMOVE, PI(0, 1), x.tdr, 0, 0, NULL),
			 ERR(TDX_TLB_TRACKING_NOT_DONE, RCX));
	OK(&x, TDH_MEM_TRACK, x.tdr, 0, 0, 0, NULL);
	/* Version 1 reports no L2 pages in R9-R11. */
	{
		struct emu_regs q = { .rax = TDX_RAX(TDH_MEM_SEPT_REMOVE, 1), .rcx = PI(0, 1),
				      .rdx = x.tdr, .r9 = 1, .r10 = 2, .r11 = 3 };
		assert_int_equal(sc(x.t->f, 0, &q), TDX_SUCCESS);
		assert_int_equal(q.rcx, pt);
		assert_int_equal(q.rdx, 0);
		assert_int_equal(q.r9, NULLPA);
		assert_int_equal(q.r10, NULLPA);
		assert_int_equal(q.r11, NULLPA);
	}
	assert_int_equal(x.td->child_pages, child - 2);
	pamt_is(&x, pt, PT_NDA, TDX_PS_4K);
	assert_int_equal(sept_rd(&x, 0, 1, &r), TDX_SUCCESS);
	assert_int_equal(r.rdx, INFO(1, EMU_SEPT_ARCH_FREE));
	/* The PD can go the same way now. */
	OK(&x, TDH_MEM_RANGE_BLOCK, PI(0, 2), x.tdr, 0, 0, NULL);
	OK(&x, TDH_MEM_TRACK, x.tdr, 0, 0, 0, NULL);
	OK(&x, TDH_MEM_SEPT_REMOVE, PI(0, 2), x.tdr, 0, 0, NULL);
	rm_td(&x);
}

static void test_mem_rd_wr(void **state)
{
	struct tdt nd = mk_td(1, 0), x = mk_td(1, TDX_TD_ATTR_DEBUG);
	uint64_t pg, big = 0;
	struct emu_regs r;

	(void)state;
	/* Non-debug TD. */
	page_add(&nd, 0x2000, SRC_PA);
	assert_int_equal(call(&nd, TDH_MEM_RD, 0x2000, nd.tdr, 0, 0, &r), TDX_TD_NON_DEBUG);
	assert_int_equal(call(&nd, TDH_MEM_WR, 0x2000, nd.tdr, 5, 0, &r), TDX_TD_NON_DEBUG);
	assert_int_equal(r.r8, 0);
	rm_td(&nd);

	fill_src(&x, SRC_PA, 3, 1);
	pg = page_add(&x, 0x2000, SRC_PA);
	fm_put64(&x.t->f->fm, pg + 0x18, 0x1122334455667788ull);
	OK(&x, TDH_MEM_RD, 0x2018, x.tdr, 0, 0, &r);
	assert_int_equal(r.r8, 0x1122334455667788ull);
	OK(&x, TDH_MEM_WR, 0x2018, x.tdr, 0xabcdef, 0, &r);
	assert_int_equal(r.r8, 0x1122334455667788ull);
	assert_int_equal(fm_get64(&x.t->f->fm, pg + 0x18), 0xabcdef);
	/* Alignment, shared bit, nothing mapped there. */
	assert_int_equal(call(&x, TDH_MEM_RD, 0x2004, x.tdr, 0, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RCX));
	assert_int_equal(call(&x, TDH_MEM_RD, 0x2000 | 1ull << 47, x.tdr, 0, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RCX));
	assert_int_equal(call(&x, TDH_MEM_RD, 0x3000, x.tdr, 0, 0, &r),
			 ERR(TDX_EPT_ENTRY_NOT_PRESENT, RCX));
	assert_int_equal(r.rcx, SVE);
	assert_int_equal(r.rdx, INFO(0, EMU_SEPT_ARCH_FREE));
	assert_int_equal(call(&x, TDH_MEM_RD, 1 * GiB, x.tdr, 0, 0, &r),
			 ERR(TDX_EPT_ENTRY_NOT_PRESENT, RCX));
	assert_int_equal(r.rdx, INFO(2, EMU_SEPT_ARCH_FREE));
	/* A pending 2M page is not present. */
	big = tdfx_pages(x.t, 512, 2 * MiB);
	OK(&x, TDH_MEM_PAGE_AUG, PI(2 * MiB, 1), x.tdr, big, 0, NULL);
	assert_int_equal(call(&x, TDH_MEM_WR, 2 * MiB + 0x1000, x.tdr, 1, 0, &r),
			 ERR(TDX_EPT_ENTRY_NOT_PRESENT, RCX));
	assert_int_equal(r.rdx, INFO(1, EMU_SEPT_ARCH_PENDING));
	rm_td(&x);
}

static void test_mr_extend_and_finalize_errors(void **state)
{
	struct tdt x = mk_td(0, 0);
	uint64_t p4k = tdfx_page(x.t);
	struct emu_regs r;

	(void)state;
	page_add(&x, 0x1000, SRC_PA);
	OK(&x, TDH_MEM_PAGE_AUG, PI(0x2000, 0), x.tdr, p4k, 0, NULL);
	/* An AUG-ed (pending) page cannot be measured. */
	assert_int_equal(call(&x, TDH_MR_EXTEND, 0x2000, x.tdr, 0, 0, &r),
			 ERR(TDX_EPT_ENTRY_NOT_PRESENT, RCX));
	assert_int_equal(r.rcx, ARCH_LEAF(p4k));
	assert_int_equal(r.rdx, INFO(0, EMU_SEPT_ARCH_PENDING));
	/* 256-byte granularity; private GPAs only; mapped GPAs only. */
	assert_int_equal(call(&x, TDH_MR_EXTEND, 0x1080, x.tdr, 0, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RCX));
	assert_int_equal(call(&x, TDH_MR_EXTEND, 0x1000 | 1ull << 47, x.tdr, 0, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RCX));
	assert_int_equal(call(&x, TDH_MR_EXTEND, 0x9000, x.tdr, 0, 0, NULL),
			 ERR(TDX_EPT_ENTRY_NOT_PRESENT, RCX));
	OK(&x, TDH_MR_EXTEND, 0x1100, x.tdr, 0, 0, NULL);
	/* FINALIZE needs an initialized vCPU. */
	assert_int_equal(call(&x, TDH_MR_FINALIZE, x.tdr, 0, 0, 0, NULL), TDX_NO_VCPUS);
	assert_int_equal(x.td->op_state, TD_OP_INITIALIZED);
	assert_int_equal(call(&x, TDH_MR_FINALIZE, x.tdr + 1, 0, 0, 0, NULL),
			 ERR(TDX_OPERAND_INVALID, RCX));
	td_add_vcpu(x.t, &x.h);
	finalize(&x);
	assert_int_equal(call(&x, TDH_MR_FINALIZE, x.tdr, 0, 0, 0, NULL), TDX_OP_STATE_INCORRECT);
	assert_int_equal(call(&x, TDH_MR_EXTEND, 0x1000, x.tdr, 0, 0, NULL),
			 TDX_OP_STATE_INCORRECT);
	rm_td(&x);
}

/* A TD with S-EPT tables, added, augmented (4K and 2M) and removed pages
 * tears down as §6.9 says: after KEY.FREEID every S-EPT and private page
 * is reclaimed with its type, owner and size, then the TDR (whose child
 * count must be back to zero). Steps 1-4 are those of td_teardown(). */
static void test_teardown_reclaims_memory(void **state)
{
	struct tdt x = mk_td(2, 0);
	uint64_t s3, s2, s1, added, aug, big, gone;
	struct emu_regs r;

	(void)state;
	s3 = sept_add(&x, 0, 3);
	s2 = sept_add(&x, 0, 2);
	s1 = sept_add(&x, 0, 1);
	added = page_add(&x, 0x1000, SRC_PA);
	gone = page_add(&x, 0x3000, SRC_PA);
	finalize(&x);
	aug = tdfx_page(x.t);
	OK(&x, TDH_MEM_PAGE_AUG, PI(0x2000, 0), x.tdr, aug, 0, NULL);
	big = tdfx_pages(x.t, 512, 2 * MiB);
	OK(&x, TDH_MEM_PAGE_AUG, PI(2 * MiB, 1), x.tdr, big, 0, NULL);
	OK(&x, TDH_MEM_RANGE_BLOCK, PI(0x3000, 0), x.tdr, 0, 0, NULL);
	OK(&x, TDH_MEM_TRACK, x.tdr, 0, 0, 0, NULL);
	OK(&x, TDH_MEM_PAGE_REMOVE, PI(0x3000, 0), x.tdr, 0, 0, NULL);
	/* TDCS 6 + 2 x (TDVPR + 5 TDCX) + 3 S-EPT + 3 pages (one 2M). */
	assert_int_equal(x.td->child_pages, 6 + 12 + 3 + 3);

	for (unsigned i = 0; i < x.h.nvcpus; i++) {
		struct emu_vcpu *v = vcpu_of(&x, i);
		unsigned lp = v->assoc_lp >= 0 ? (unsigned)v->assoc_lp : 0;
		uint64_t st = sc1(x.t->f, lp, TDH_VP_FLUSH, x.h.tdvpr[i]);

		assert_true(st == TDX_SUCCESS || st == TDX_VCPU_NOT_ASSOCIATED);
	}
	assert_int_equal(sc1(x.t->f, 0, TDH_MNG_VPFLUSHDONE, x.tdr), TDX_SUCCESS);
	/* Blocked now: no more S-EPT work. */
	assert_int_equal(call(&x, TDH_MEM_RANGE_BLOCK, PI(0x1000, 0), x.tdr, 0, 0, NULL),
			 TDX_TD_KEYS_NOT_CONFIGURED);
	for (unsigned lp = 0; lp < NLPS; lp += 2) {
		uint64_t st = td_cache_wb(x.t, lp);

		assert_true(st == TDX_SUCCESS || st == TDX_NO_HKID_READY_TO_WBCACHE);
	}
	assert_int_equal(sc1(x.t->f, 0, TDH_MNG_KEY_FREEID, x.tdr), TDX_SUCCESS);

	/* The removed page is not the TD's any more. */
	assert_int_equal(call(&x, TDH_PHYMEM_PAGE_RECLAIM, gone, 0, 0, 0, NULL),
			 ERR(TDX_PAGE_METADATA_INCORRECT, RCX));
	td_reclaim(x.t, s1, PT_EPT, x.tdr);
	td_reclaim(x.t, s2, PT_EPT, x.tdr);
	td_reclaim(x.t, s3, PT_EPT, x.tdr);
	td_reclaim(x.t, added, PT_REG, x.tdr);
	td_reclaim(x.t, aug, PT_REG, x.tdr);
	OK(&x, TDH_PHYMEM_PAGE_RECLAIM, big, 0, 0, 0, &r);
	assert_int_equal(r.rcx, PT_REG);
	assert_int_equal(r.rdx, x.tdr);
	assert_int_equal(r.r8, TDX_PS_2M);
	pamt_is(&x, big + 100 * PG, PT_NDA, TDX_PS_4K);
	for (unsigned i = 0; i < x.h.nvcpus; i++) {
		for (unsigned k = 0; k < EMU_TDCX_PAGES; k++)
			td_reclaim(x.t, x.h.tdcx[i][k], PT_TDCX, x.tdr);
		td_reclaim(x.t, x.h.tdvpr[i], PT_TDVPR, x.tdr);
	}
	for (unsigned i = 0; i < EMU_TDCS_PAGES; i++)
		td_reclaim(x.t, x.h.tdcs[i], PT_TDCX, x.tdr);
	td_reclaim(x.t, x.tdr, PT_TDR, 0);
	assert_null(emu_td_find(x.e, x.tdr));
	rm_td(&x);
}

/* MRTD over a scripted build, against Python's hashlib over the §7.3
 * byte stream. The expected digest comes from:
 *
 *   import hashlib, struct
 *   def blk(name, gpa):
 *       b = name.encode().ljust(16, b'\0') + struct.pack('<Q', gpa)
 *       return b.ljust(128, b'\0')
 *   pat1 = bytes(((i * 7 + 3) & 0xff) for i in range(4096))
 *   pat2 = bytes(((i * 13 + 0x5a) & 0xff) for i in range(4096))
 *   h = hashlib.sha384()
 *   h.update(blk("MEM.PAGE.ADD", 0xFFFFF000))
 *   for k in range(16):
 *       h.update(blk("MR.EXTEND", 0xFFFFF000 + 256 * k)); h.update(pat1[256 * k:256 * k + 256])
 *   h.update(blk("MEM.PAGE.ADD", 0x1000))
 *   h.update(blk("MEM.PAGE.ADD", 0x2000))
 *   for k in range(2):
 *       h.update(blk("MR.EXTEND", 0x2000 + 256 * k)); h.update(pat2[256 * k:256 * k + 256])
 *   print(h.hexdigest())
 */
static void test_mrtd(void **state)
{
	static const uint8_t expected[48] = {
		0x26, 0x52, 0xaa, 0x4a, 0xc3, 0x5a, 0x76, 0xcc, 0xcf, 0xa8, 0x7d, 0x17,
		0x94, 0x54, 0x14, 0xd6, 0x1d, 0xf7, 0x8a, 0x1d, 0x17, 0xaf, 0xd9, 0xf6,
		0x16, 0x65, 0x98, 0x82, 0x5f, 0x61, 0xe2, 0xae, 0xcd, 0xbb, 0x39, 0xab,
		0xdb, 0x95, 0xe6, 0x23, 0x85, 0x45, 0x37, 0x40, 0x73, 0xef, 0x3b, 0xec,
	};
	struct tdt x = mk_td(1, 0);

	(void)state;
	/* S-EPT pages and AUG-ed pages are not measured. */
	sept_path(&x, 0xfffff000, 1);
	sept_path(&x, 0x1000, 1);
	assert_int_equal(call(&x, TDH_MEM_PAGE_AUG, PI(0x9000, 0), x.tdr, tdfx_page(x.t), 0, NULL),
			 TDX_SUCCESS);
	fill_src(&x, SRC_PA, 7, 3);
	page_add(&x, 0xfffff000, SRC_PA);
	for (unsigned k = 0; k < 16; k++)
		OK(&x, TDH_MR_EXTEND, 0xfffff000 + 256 * k, x.tdr, 0, 0, NULL);
	page_add(&x, 0x1000, SRC_PA);
	fill_src(&x, SRC_PA, 13, 0x5a);
	page_add(&x, 0x2000, SRC_PA);
	for (unsigned k = 0; k < 2; k++)
		OK(&x, TDH_MR_EXTEND, 0x2000 + 256 * k, x.tdr, 0, 0, NULL);
	/* A refused leaf measures nothing. */
	assert_int_equal(call(&x, TDH_MR_EXTEND, 0x9000, x.tdr, 0, 0, NULL),
			 ERR(TDX_EPT_ENTRY_NOT_PRESENT, RCX));
	finalize(&x);
	assert_memory_equal(x.td->mrtd, expected, sizeof(expected));
	rm_td(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_empty_and_indices),
		cmocka_unit_test(test_leaves_and_translate),
		cmocka_unit_test(test_info_encoding),
		cmocka_unit_test(test_table_helpers),
		cmocka_unit_test(test_tlb_tracked_predicate),
		cmocka_unit_test(test_sept_add_order),
		cmocka_unit_test(test_sept_add_errors),
		cmocka_unit_test(test_page_add),
		cmocka_unit_test(test_page_aug),
		cmocka_unit_test(test_block_track_remove),
		cmocka_unit_test(test_track_busy),
		cmocka_unit_test(test_remove_initialized),
		cmocka_unit_test(test_unblock),
		cmocka_unit_test(test_sept_remove),
		cmocka_unit_test(test_mem_rd_wr),
		cmocka_unit_test(test_mr_extend_and_finalize_errors),
		cmocka_unit_test(test_mrtd),
		cmocka_unit_test(test_teardown_reclaims_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
