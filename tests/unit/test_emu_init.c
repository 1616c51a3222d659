/* Emulated TDX module, bring-up: the whole init sequence on a 4-LP,
 * 2-package platform with its PAMT checked entry by entry, every
 * out-of-order call with its state error (tdx-abi.md §3.2-§3.3), RAX
 * decoding (§1.2), the module's locks under concurrent SEAMCALLs,
 * shutdown, a missing module and the P-SEAMLDR (§8). */
#define EMU_FIXTURE_NO_MAIN
#include <pthread.h>
#include "test_emu_fixture.c"

#define INFO_BUF	(512 * MiB)
#define CMR_BUF		(512 * MiB + 4 * KiB)
#define LIST_BUF	(512 * MiB + 8 * KiB)
#define LDR_BUF		(512 * MiB + 12 * KiB)

/* ---- State machine ------------------------------------------------------- */

/* One call: RCX carries the leaf's address/value operand, except for
 * TDH.SYS.RD where it goes to RDX (the field ID). */
struct step {
	const char *what;
	unsigned lp;
	uint64_t rax, rcx;
	uint64_t status;
};

static uint64_t step_call(struct fixture *f, unsigned lp, uint64_t rax, uint64_t op)
{
	if (TDX_LEAF(rax) == TDH_SYS_RD && !(rax & SEAMLDR_LEAF_BIT))
		return sc5(f, lp, rax, 0, op, 0, 0, NULL);
	return sc1(f, lp, rax, op);
}

static void run_steps(struct fixture *f, const struct step *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t st = step_call(f, s[i].lp, s[i].rax, s[i].rcx);

		if (st != s[i].status)
			fail_msg("%s: got 0x%016llx, want 0x%016llx", s[i].what,
				 (unsigned long long)st, (unsigned long long)s[i].status);
	}
}

static void test_out_of_order(void **state)
{
	struct fixture *f = fx_new();
	struct plan p;
	static const struct step before_init[] = {
		{ "LP.INIT before SYS.INIT", 0, TDH_SYS_LP_INIT, 0, TDX_SYS_LP_INIT_NOT_PENDING },
		{ "SYS.RD before LP.INIT", 0, TDH_SYS_RD, MD_SYS_NUM_PKGS, TDX_SYS_LP_INIT_NOT_DONE },
		{ "SYS.RDALL before LP.INIT", 0, TDH_SYS_RDALL, 0, TDX_SYS_LP_INIT_NOT_DONE },
		{ "SYS.INFO before LP.INIT", 0, TDH_SYS_INFO, INFO_BUF, TDX_SYS_LP_INIT_NOT_DONE },
		{ "CONFIG before SYS.INIT", 0, TDH_SYS_CONFIG, ARRAY_PA, TDX_SYS_CONFIG_NOT_PENDING },
		{ "KEY.CONFIG before CONFIG", 0, TDH_SYS_KEY_CONFIG, 0, TDX_SYS_KEY_CONFIG_NOT_PENDING },
		{ "TDMR.INIT before SYS_READY", 0, TDH_SYS_TDMR_INIT, 0, TDX_SYS_NOT_READY },
		{ "SHUTDOWN before SYS_READY", 0, TDH_SYS_SHUTDOWN, 0, TDX_SYS_NOT_READY },
		{ "TD leaf before SYS_READY", 0, TDH_MNG_CREATE, 0, TDX_SYS_NOT_READY },
		{ "SYS.UPDATE (not emulated)", 0, TDH_SYS_UPDATE, 0,
		  TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX },
		{ "LP.SHUTDOWN any time", 3, TDH_SYS_LP_SHUTDOWN, 0, TDX_SUCCESS },
		{ "SYS.INIT with attributes", 0, TDH_SYS_INIT, 1,
		  TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX },
		{ "SYS.INIT", 1, TDH_SYS_INIT, 0, TDX_SUCCESS },
		{ "second SYS.INIT", 0, TDH_SYS_INIT, 0, TDX_SYS_INIT_NOT_PENDING },
		{ "SYS.RD on an LP without LP.INIT", 0, TDH_SYS_RD, MD_SYS_NUM_PKGS,
		  TDX_SYS_LP_INIT_NOT_DONE },
		{ "LP.INIT 0", 0, TDH_SYS_LP_INIT, 0, TDX_SUCCESS },
		{ "LP.INIT 0 again", 0, TDH_SYS_LP_INIT, 0, TDX_SYS_LP_INIT_DONE },
		{ "SYS.RD on LP 0", 0, TDH_SYS_RD, MD_SYS_NUM_PKGS, TDX_SUCCESS },
		{ "LP.INIT 1", 1, TDH_SYS_LP_INIT, 0, TDX_SUCCESS },
		{ "LP.INIT 2", 2, TDH_SYS_LP_INIT, 0, TDX_SUCCESS },
		{ "CONFIG before every LP did LP.INIT", 0, TDH_SYS_CONFIG, ARRAY_PA,
		  TDX_SYS_CONFIG_NOT_PENDING },
		{ "LP.INIT 3", 3, TDH_SYS_LP_INIT, 0, TDX_SUCCESS },
	};
	static const struct step after_config[] = {
		{ "LP.INIT after CONFIG", 3, TDH_SYS_LP_INIT, 0, TDX_SYS_LP_INIT_NOT_PENDING },
		{ "CONFIG twice", 0, TDH_SYS_CONFIG, ARRAY_PA, TDX_SYS_CONFIG_NOT_PENDING },
		{ "SYS.INIT after CONFIG", 0, TDH_SYS_INIT, 0, TDX_SYS_INIT_NOT_PENDING },
		{ "TDMR.INIT with no package keyed", 0, TDH_SYS_TDMR_INIT, 0, TDX_SYS_NOT_READY },
		{ "KEY.CONFIG package 0", 1, TDH_SYS_KEY_CONFIG, 0, TDX_SUCCESS },
		{ "KEY.CONFIG package 0 again", 0, TDH_SYS_KEY_CONFIG, 0, TDX_KEY_CONFIGURED },
		{ "TDMR.INIT with one package keyed", 0, TDH_SYS_TDMR_INIT, 0, TDX_SYS_NOT_READY },
		{ "KEY.CONFIG package 1", 3, TDH_SYS_KEY_CONFIG, 0, TDX_SUCCESS },
		{ "KEY.CONFIG after SYS_READY", 2, TDH_SYS_KEY_CONFIG, 0,
		  TDX_SYS_KEY_CONFIG_NOT_PENDING },
		{ "TD leaf at SYS_READY (HKID 0)", 0, TDH_MNG_CREATE, 0,
		  TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX },
		{ "unknown leaf", 0, 200, 0, TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX },
		{ "SHUTDOWN, HV above MODULE_HV", 0, TDH_SYS_SHUTDOWN, 1,
		  TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX },
		{ "SHUTDOWN", 0, TDH_SYS_SHUTDOWN, 0, TDX_SUCCESS },
		{ "SYS.RD after SHUTDOWN", 0, TDH_SYS_RD, MD_SYS_NUM_PKGS, TDX_SYS_SHUTDOWN },
		{ "SYS.INIT after SHUTDOWN", 0, TDH_SYS_INIT, 0, TDX_SYS_SHUTDOWN },
		{ "TDMR.INIT after SHUTDOWN", 0, TDH_SYS_TDMR_INIT, 0, TDX_SYS_SHUTDOWN },
		{ "LP.SHUTDOWN after SHUTDOWN", 2, TDH_SYS_LP_SHUTDOWN, 0, TDX_SUCCESS },
	};

	(void)state;
	run_steps(f, before_init, sizeof(before_init) / sizeof(before_init[0]));
	plan_default(&p);
	assert_int_equal(do_config(f, &p), TDX_SUCCESS);
	run_steps(f, after_config, sizeof(after_config) / sizeof(after_config[0]));
	assert_int_equal(f->e->state, TDX_GLOBAL_SYS_SHUTDOWN);
	fx_free(f);
}

/* SYS.INIT zeroes RCX, RDX, R8-R10; LP.INIT RCX, RDX, R8 (M15). */
static void test_output_registers(void **state)
{
	struct fixture *f = fx_new();
	struct emu_regs r = { .rax = TDH_SYS_INIT, .rdx = 1, .rbx = 2, .r8 = 3, .r9 = 4,
			      .r10 = 5, .r11 = 6 };

	(void)state;
	assert_int_equal(sc(f, 0, &r), TDX_SUCCESS);
	assert_true(r.rcx == 0 && r.rdx == 0 && r.r8 == 0 && r.r9 == 0 && r.r10 == 0);
	assert_true(r.rbx == 2 && r.r11 == 6);
	r = (struct emu_regs){ .rax = TDH_SYS_LP_INIT, .rcx = 7, .rdx = 8, .r8 = 9, .r9 = 10 };
	assert_int_equal(sc(f, 0, &r), TDX_SUCCESS);
	assert_true(r.rcx == 0 && r.rdx == 0 && r.r8 == 0 && r.r9 == 10);
	fx_free(f);
}

static void test_rax_decoding(void **state)
{
	struct fixture *f = fx_new();
	static const struct step steps[] = {
		{ "bit 24", 0, TDH_SYS_INIT | 1ull << 24, 0, TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX },
		{ "bit 62", 0, TDH_SYS_INIT | 1ull << 62, 0, TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX },
		{ "SYS.INIT v1 (M20 only)", 0, TDX_RAX(TDH_SYS_INIT, 1), 0,
		  TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX },
		{ "SYS.CONFIG v1 (LX-new only)", 0, TDX_RAX(TDH_SYS_CONFIG, 1), 0,
		  TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX },
		{ "MNG.RD v1 is a versioned leaf", 0, TDX_RAX(TDH_MNG_RD, 1), 0, TDX_SYS_NOT_READY },
		{ "VP.INIT v1 (not in 1.5.01)", 0, TDX_RAX(TDH_VP_INIT, 1), 0,
		  TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX },
		{ "SYS.INIT v0 still works", 0, TDH_SYS_INIT, 0, TDX_SUCCESS },
	};

	(void)state;
	run_steps(f, steps, sizeof(steps) / sizeof(steps[0]));
	fx_free(f);
}

/* No SEAM VMCS on an LP MCHECK did not count; no module: CF = 1 and RAX
 * as the caller left it. The P-SEAMLDR still answers. */
static void test_vmfail(void **state)
{
	struct emu_config c;
	struct fixture *f;
	struct emu_regs r = { .rax = TDH_SYS_INIT, .rcx = 0x55 }, want;
	struct seamldr_info info = { 0 };
	bool cf = false;

	(void)state;
	platform_config(&c);
	c.module_loaded = false;
	f = fx_new_cfg(&c);
	for (unsigned leaf = 0; leaf < 100; leaf++) {
		r = (struct emu_regs){ .rax = leaf, .rcx = 0x55, .rdx = 0x66 };
		want = r;
		emu_seamcall(f->e, 0, &r, &cf);
		assert_true(cf);
		assert_memory_equal(&r, &want, sizeof(r));
	}
	assert_int_equal(sc1(f, 0, SEAMLDR_INFO, LDR_BUF), SEAMLDR_SUCCESS);
	assert_int_equal(fm_read(&f->fm, LDR_BUF, &info, sizeof(info)), 0);
	assert_int_equal(info.seam_ready, 0);
	assert_int_equal(info.p_seam_ready, 1);
	fx_free(f);

	f = fx_new();
	r = (struct emu_regs){ .rax = TDH_SYS_RD, .rdx = 7 };
	emu_seamcall(f->e, NLPS, &r, &cf);
	assert_true(cf);
	assert_int_equal(r.rax, TDH_SYS_RD);
	assert_int_equal(f->e->stats.vmfail, 1);
	fx_free(f);
}

/* ---- The whole sequence -------------------------------------------------- */

static bool in_reserved(const struct emu_tdmr_info *t, uint64_t pa)
{
	for (unsigned j = 0; j < EMU_MAX_RSVD && t->rsvd[j].size; j++)
		if (pa >= t->base + t->rsvd[j].base &&
		    pa < t->base + t->rsvd[j].base + t->rsvd[j].size)
			return true;
	return false;
}

static void fill(struct fakemem *m, uint64_t pa, uint64_t size, uint8_t v)
{
	static uint8_t page[PG];

	memset(page, v, sizeof(page));
	for (uint64_t off = 0; off < size; off += PG)
		assert_int_equal(fm_write(m, pa + off, page, PG), 0);
}

/* Every PAMT entry of a TDMR after TDMR.INIT: layout in emu_internal.h. */
static void check_pamt(struct fixture *f, const struct emu_tdmr_info *t)
{
	uint8_t e[16], zero[16] = { 0 };
	uint64_t n4k = t->size / PG;

	for (uint64_t i = 0; i < n4k; i++) {
		uint64_t pa = t->base + i * PG;

		assert_int_equal(fm_read(&f->fm, t->pamt_4k_base + i * 16, e, 16), 0);
		if (e[EMU_PAMT_PT] != (in_reserved(t, pa) ? PT_RSVD : PT_NDA))
			fail_msg("PAMT_4K entry of 0x%llx: type %u", (unsigned long long)pa, e[2]);
		e[EMU_PAMT_PT] = 0;
		assert_memory_equal(e, zero, 16);
	}
	for (uint64_t i = 0; i < t->size / (2 * MiB); i++) {
		assert_int_equal(fm_read(&f->fm, t->pamt_2m_base + i * 16, e, 16), 0);
		assert_memory_equal(e, zero, 16);
	}
	for (uint64_t i = 0; i < t->size / GiB; i++) {
		assert_int_equal(fm_read(&f->fm, t->pamt_1g_base + i * 16, e, 16), 0);
		assert_memory_equal(e, zero, 16);
	}
	/* Past the last 1G entry the page keeps what the host left there. */
	assert_int_equal(fm_read(&f->fm, t->pamt_1g_base + t->size / GiB * 16, e, 16), 0);
	assert_int_equal(e[0], 0xa5);
}

static void tdmr_init_step(struct fixture *f, unsigned lp, const struct emu_tdmr_info *t,
			   unsigned k)
{
	struct emu_regs r;
	uint64_t next = t->base + (uint64_t)k * 4 * MiB;

	assert_int_equal(sc5(f, lp, TDH_SYS_TDMR_INIT, t->base, 0, 0, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.rdx, next & ~(GiB - 1));
}

static void test_full_init(void **state)
{
	struct fixture *f = fx_new();
	struct plan p;
	struct emu_regs r;
	uint64_t id, nfields = 0;
	unsigned calls0 = (unsigned)(2 * GiB / (4 * MiB));

	(void)state;
	do_sys_init(f);
	do_lp_init_all(f);

	/* Metadata, as a host reads it before planning. */
	assert_int_equal(sc5(f, 1, TDH_SYS_RD, 0, MD_FIELD_ID_NONE, 0, 0, &r),
			 TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	for (id = r.rdx; id != MD_FIELD_ID_NONE; id = r.rdx, nfields++)
		assert_int_equal(sc5(f, (unsigned)nfields % NLPS, TDH_SYS_RD, 0, id, 0, 0, &r),
				 TDX_SUCCESS);
	assert_true(nfields > 300);
	assert_int_equal(sc5(f, 2, TDH_SYS_INFO, INFO_BUF, 1024, CMR_BUF, 32, &r), TDX_SUCCESS);
	assert_int_equal(sc5(f, 3, TDH_SYS_RDALL, 0, LIST_BUF, MD_FIELD_ID_NONE, 0, &r), TDX_SUCCESS);

	plan_default(&p);
	assert_int_equal(do_config(f, &p), TDX_SUCCESS);
	assert_int_equal(f->e->global_keyid, GLOBAL_KEYID);
	assert_int_equal(f->e->ntdmrs, 2);
	do_key_config_all(f);
	assert_int_equal(f->e->state, TDX_GLOBAL_SYS_READY);

	/* The host's PAMT memory holds garbage until TDMR.INIT. */
	fill(&f->fm, PAMT_PA, p.t[1].pamt_1g_base + PG - PAMT_PA, 0xa5);
	for (unsigned k = 1; k <= calls0; k++) {
		tdmr_init_step(f, 0, &p.t[0], k);
		tdmr_init_step(f, 2, &p.t[1], k);
	}
	assert_int_equal(sc5(f, 1, TDH_SYS_TDMR_INIT, p.t[0].base, 0, 0, 0, &r),
			 TDX_TDMR_ALREADY_INITIALIZED);
	assert_int_equal(r.rdx, 0);
	assert_int_equal(sc1(f, 3, TDH_SYS_TDMR_INIT, p.t[1].base), TDX_TDMR_ALREADY_INITIALIZED);
	check_pamt(f, &p.t[0]);
	check_pamt(f, &p.t[1]);

	assert_int_equal(f->e->stats.calls[TDH_SYS_TDMR_INIT], 2 * calls0 + 2);
	assert_int_equal(f->e->stats.calls[TDH_SYS_RD], nfields + 1);
	assert_int_equal(f->e->stats.errors[TDH_SYS_TDMR_INIT], 0);
	assert_int_equal(f->e->stats.mem_errors, 0);
	fx_free(f);
}

/* A TDMR whose size is not a multiple of 1 GiB cannot exist; one of 1 GiB
 * takes 256 calls and RDX reaches the end only with the last one. */
static void test_tdmr_init_progress(void **state)
{
	struct fixture *f = fx_new();
	struct plan p;
	struct emu_regs r;

	(void)state;
	do_sys_init(f);
	do_lp_init_all(f);
	plan_default(&p);
	p.t[1].size = 1 * GiB;
	plan_pamt(&p.t[1], p.t[0].pamt_1g_base + p.t[0].pamt_1g_size);
	assert_int_equal(do_config(f, &p), TDX_SUCCESS);
	do_key_config_all(f);
	for (unsigned k = 1; k < 256; k++) {
		assert_int_equal(sc5(f, 1, TDH_SYS_TDMR_INIT, 4 * GiB, 0, 0, 0, &r), TDX_SUCCESS);
		assert_int_equal(r.rdx, 4 * GiB);
	}
	assert_int_equal(sc5(f, 1, TDH_SYS_TDMR_INIT, 4 * GiB, 0, 0, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.rdx, 5 * GiB);
	assert_int_equal(sc1(f, 1, TDH_SYS_TDMR_INIT, 4 * GiB), TDX_TDMR_ALREADY_INITIALIZED);
	/* Memory that refuses PAMT writes is counted, not reported. */
	f->fm.fail_writes = true;
	assert_int_equal(sc1(f, 0, TDH_SYS_TDMR_INIT, 0), TDX_SUCCESS);
	assert_true(f->e->stats.mem_errors > 0);
	fx_free(f);
}

/* ---- Concurrency --------------------------------------------------------- */

struct action {
	unsigned lp;
	uint64_t rax, rcx;	/* as in struct step */
	uint64_t status;	/* expected; ~0 = VMfailInvalid */
};

struct hook {
	unsigned when;		/* leaf (or EMU_INSIDE_SEAMLDR | n) to act inside */
	const struct action *a;
	size_t n;
	bool running;
	unsigned fired;
};

static void hook_fn(void *ctx, struct emu *e, unsigned lp, unsigned leaf)
{
	struct hook *h = ctx;

	(void)lp;
	if (leaf != h->when || h->running)
		return;
	h->running = true;
	h->fired++;
	for (size_t i = 0; i < h->n; i++) {
		bool rd = h->a[i].rax == TDH_SYS_RD;
		struct emu_regs r = { .rax = h->a[i].rax, .rcx = rd ? 0 : h->a[i].rcx,
				      .rdx = rd ? h->a[i].rcx : 0 };
		bool cf = false;

		emu_seamcall(e, h->a[i].lp, &r, &cf);
		if (h->a[i].status == ~0ull)
			assert_true(cf);
		else if (cf || r.rax != h->a[i].status)
			fail_msg("action %zu inside leaf 0x%x: cf %d, 0x%016llx", i, leaf, cf,
				 (unsigned long long)r.rax);
	}
	h->running = false;
}

static void test_tdmr_init_concurrent(void **state)
{
	struct fixture *f = fx_ready();
	static const struct action inside[] = {
		{ 1, TDH_SYS_TDMR_INIT, 0, TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX },
		{ 2, TDH_SYS_TDMR_INIT, 4 * GiB, TDX_SUCCESS },
		{ 3, TDH_SYS_SHUTDOWN, 0, TDX_SYS_BUSY },
		{ 3, TDH_SYS_RD, MD_SYS_MAX_TDMRS, TDX_SUCCESS },
	};
	struct hook h = { TDH_SYS_TDMR_INIT, inside, 4, false, 0 };

	(void)state;
	emu_set_inside_hook(f->e, hook_fn, &h);
	assert_int_equal(sc1(f, 0, TDH_SYS_TDMR_INIT, 0), TDX_SUCCESS);
	assert_int_equal(h.fired, 1);
	assert_int_equal(f->e->tdmr[0].next, 4 * MiB);
	assert_int_equal(f->e->tdmr[1].next, 4 * GiB + 4 * MiB);
	assert_false(f->e->tdmr[0].busy);
	/* Nobody inside now: SHUTDOWN goes through. */
	emu_set_inside_hook(f->e, NULL, NULL);
	assert_int_equal(sc1(f, 3, TDH_SYS_SHUTDOWN, 0), TDX_SUCCESS);
	fx_free(f);
}

static void test_global_lock(void **state)
{
	struct fixture *f = fx_new();
	struct plan p;
	static const struct action in_config[] = {
		{ 1, TDH_SYS_LP_INIT, 0, TDX_SYS_BUSY },
		{ 1, TDH_SYS_INIT, 0, TDX_SYS_BUSY },
		{ 2, TDH_SYS_CONFIG, ARRAY_PA, TDX_SYS_BUSY },
		{ 2, TDH_SYS_KEY_CONFIG, 0, TDX_SYS_BUSY },
		{ 3, TDH_SYS_RD, MD_SYS_NUM_CMRS, TDX_SUCCESS },	/* no global lock */
	};
	static const struct action in_key_config[] = {
		{ 2, TDH_SYS_KEY_CONFIG, 0, TDX_SYS_BUSY },
		{ 1, TDH_SYS_KEY_CONFIG, 0, TDX_SYS_BUSY },
	};
	struct hook h = { TDH_SYS_CONFIG, in_config, 5, false, 0 };

	(void)state;
	do_sys_init(f);
	do_lp_init_all(f);
	plan_default(&p);
	emu_set_inside_hook(f->e, hook_fn, &h);
	assert_int_equal(do_config(f, &p), TDX_SUCCESS);
	assert_int_equal(h.fired, 1);
	h = (struct hook){ TDH_SYS_KEY_CONFIG, in_key_config, 2, false, 0 };
	assert_int_equal(sc1(f, 0, TDH_SYS_KEY_CONFIG, 0), TDX_SUCCESS);
	assert_int_equal(h.fired, 1);
	assert_int_equal(f->e->glock, 0);
	assert_int_equal(sc1(f, 2, TDH_SYS_KEY_CONFIG, 0), TDX_SUCCESS);
	assert_int_equal(f->e->state, TDX_GLOBAL_SYS_READY);
	fx_free(f);
}

/* Real threads, one per LP: two on each TDMR, retrying on BUSY, one more
 * reading metadata. Every 4 MiB chunk is initialized exactly once. */
struct worker {
	struct fixture *f;
	unsigned lp;
	bool reader;		/* SYS.RD instead of TDMR.INIT of `base` */
	uint64_t base;
	unsigned ok, busy;
	uint64_t bad;
	pthread_t thread;
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;

	for (;;) {
		struct emu_regs r = { .rax = w->reader ? TDH_SYS_RD : TDH_SYS_TDMR_INIT,
				      .rcx = w->base, .rdx = MD_SYS_NUM_CMRS };
		bool cf = false;

		emu_seamcall(w->f->e, w->lp, &r, &cf);
		if (!cf && r.rax == TDX_SUCCESS) {
			w->ok++;
			if (w->reader && w->ok == 2000)
				break;
		} else if (!cf && r.rax == (TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX)) {
			w->busy++;
		} else if (!cf && r.rax == TDX_TDMR_ALREADY_INITIALIZED) {
			break;
		} else {
			w->bad = cf ? ~0ull : r.rax;
			break;
		}
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fixture *f = fx_ready();
	struct plan p;
	struct worker w[5] = {
		{ .f = f, .lp = 0, .base = 0 }, { .f = f, .lp = 1, .base = 0 },
		{ .f = f, .lp = 2, .base = 4 * GiB }, { .f = f, .lp = 3, .base = 4 * GiB },
		{ .f = f, .lp = 1, .reader = true },
	};

	(void)state;
	plan_default(&p);
	/* All PAMT pages exist before the threads write them. */
	fill(&f->fm, PAMT_PA, p.t[1].pamt_1g_base + PG - PAMT_PA, 0xa5);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(pthread_create(&w[i].thread, NULL, worker_fn, &w[i]), 0);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(pthread_join(w[i].thread, NULL), 0);
	for (unsigned i = 0; i < 5; i++)
		if (w[i].bad)
			fail_msg("worker %u: 0x%016llx", i, (unsigned long long)w[i].bad);
	assert_int_equal(w[0].ok + w[1].ok, 512);
	assert_int_equal(w[2].ok + w[3].ok, 512);
	assert_int_equal(w[4].ok, 2000);
	assert_int_equal(f->e->stats.calls[TDH_SYS_TDMR_INIT],
			 1024 + w[0].busy + w[1].busy + w[2].busy + w[3].busy + 4);
	check_pamt(f, &p.t[0]);
	check_pamt(f, &p.t[1]);
	assert_int_equal(sc1(f, 2, TDH_SYS_SHUTDOWN, 0), TDX_SUCCESS);
	fx_free(f);
}

/* ---- P-SEAMLDR ------------------------------------------------------------ */

static void test_seamldr(void **state)
{
	struct fixture *f = fx_new();
	struct seamldr_info info = { 0 };
	struct emu_regs r;
	uint64_t mktme_pa = LDR_BUF | 5ull << KEYID_SHIFT;
	static const struct action inside[] = {
		{ 1, SEAMLDR_INFO, LDR_BUF, ~0ull },		/* one LP at a time */
		{ 1, TDH_SYS_INIT, 0, TDX_SUCCESS },		/* the module is free */
	};
	struct hook h = { EMU_INSIDE_SEAMLDR | 0, inside, 2, false, 0 };

	(void)state;
	fill(&f->fm, LDR_BUF, PG, 0xa5);
	assert_int_equal(sc1(f, 0, SEAMLDR_INFO, LDR_BUF), SEAMLDR_SUCCESS);
	assert_int_equal(fm_read(&f->fm, LDR_BUF, &info, sizeof(info)), 0);
	assert_int_equal(info.version, 0);
	assert_int_equal(info.vendor_id, 0x8086);
	assert_int_equal(info.major_version, 1);
	assert_int_equal(info.minor_version, 5);
	assert_int_equal(info.build_date, 20230919);
	assert_int_equal(info.build_num, 197);
	assert_int_equal(info.num_remaining_updates, 63);
	assert_int_equal(info.seam_ready, 1);
	assert_int_equal(info.p_seam_ready, 1);
	assert_int_equal(info.seam_info[SEAMLDR_SEAMEXTEND_VALID], 0xff); /* PSL: 0x1ff */
	assert_int_equal(info.seam_info[SEAMLDR_SEAMEXTEND_TEE_TCB_SVN + 1], 1);
	assert_int_equal(info.reserved1[79], 0);	/* all 256 bytes written */

	assert_int_equal(sc1(f, 0, SEAMLDR_INFO, LDR_BUF + 128), SEAMLDR_EBADPARAM);
	assert_int_equal(sc1(f, 0, SEAMLDR_INFO, SEAMRR_BASE), SEAMLDR_EBADPARAM);
	assert_int_equal(sc1(f, 0, SEAMLDR_INFO, LDR_BUF | 40ull << KEYID_SHIFT), SEAMLDR_EBADPARAM);
	assert_int_equal(sc1(f, 0, SEAMLDR_INFO, 1ull << 46), SEAMLDR_EBADPARAM);
	assert_int_equal(sc1(f, 0, SEAMLDR_INFO, HOLE_PA), SEAMLDR_EBADPARAM);
	assert_int_equal(sc1(f, 0, SEAMLDR_INFO, mktme_pa), SEAMLDR_SUCCESS);
	assert_int_equal(sc1(f, 0, SEAMLDR_SHUTDOWN, 0), SEAMLDR_EUNSUPPORTED);
	assert_int_equal(sc1(f, 0, SEAMLDR_LEAF_BIT | 9, 0), SEAMLDR_EBADPARAM);
	assert_int_equal(f->e->stats.seamldr_calls[0], 7);
	(void)r;

	emu_set_inside_hook(f->e, hook_fn, &h);
	assert_int_equal(sc1(f, 0, SEAMLDR_INFO, LDR_BUF), SEAMLDR_SUCCESS);
	assert_int_equal(h.fired, 1);
	assert_false(f->e->seamldr_busy);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_output_registers),
		cmocka_unit_test(test_rax_decoding),
		cmocka_unit_test(test_vmfail),
		cmocka_unit_test(test_full_init),
		cmocka_unit_test(test_tdmr_init_progress),
		cmocka_unit_test(test_tdmr_init_concurrent),
		cmocka_unit_test(test_global_lock),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_seamldr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
