/* Emulated TDX module, fault injection (design.md §7): always, never and
 * sometimes (reproducibly per seed), P-SEAMLDR faults, the table limit,
 * and the cfg syntax "<leaf>:<status>:<percent>". */
#define EMU_FIXTURE_NO_MAIN
#include "test_emu_fixture.c"

static void add(struct fixture *f, unsigned leaf, bool seamldr, uint64_t status, unsigned percent)
{
	struct emu_fault fault = { (uint16_t)leaf, seamldr, status, percent };

	assert_int_equal(emu_add_fault(f->e, &fault), 0);
}

static void test_always(void **state)
{
	struct fixture *f = fx_new();
	struct emu_regs r = { .rax = TDH_SYS_LP_INIT, .rcx = 0x77, .rdx = 0x88 };

	(void)state;
	do_sys_init(f);
	add(f, TDH_SYS_LP_INIT, false, TDX_RND_NO_ENTROPY, 100);
	assert_int_equal(sc(f, 1, &r), TDX_RND_NO_ENTROPY);
	/* Nothing else changed: not the registers the leaf zeroes, not state. */
	assert_int_equal(r.rcx, 0x77);
	assert_int_equal(r.rdx, 0x88);
	assert_int_equal(f->e->lp_init[1], 0);
	assert_int_equal(f->e->num_init_lps, 0);
	assert_int_equal(f->e->stats.injected, 1);
	assert_int_equal(f->e->stats.calls[TDH_SYS_LP_INIT], 1);
	assert_int_equal(f->e->stats.errors[TDH_SYS_LP_INIT], 1);
	/* Other leaves are untouched; the fault holds even for bad calls. */
	assert_int_equal(sc1(f, 1, TDH_SYS_LP_SHUTDOWN, 0), TDX_SUCCESS);
	assert_int_equal(sc1(f, 1, TDH_SYS_LP_INIT | 1ull << 30, 0), TDX_RND_NO_ENTROPY);
	fx_free(f);
}

static void test_never(void **state)
{
	struct fixture *f = fx_new();

	(void)state;
	add(f, TDH_SYS_INIT, false, TDX_SYS_BUSY, 0);
	do_sys_init(f);
	assert_int_equal(f->e->stats.injected, 0);
	fx_free(f);
}

/* 1000 calls at 30 %: roughly 300 hits, the same ones for the same seed. */
static void run_sometimes(uint64_t seed, unsigned *hits, uint8_t *pattern)
{
	struct emu_config c;
	struct fixture *f;

	platform_config(&c);
	c.seed = seed;
	f = fx_new_cfg(&c);
	add(f, TDH_SYS_LP_SHUTDOWN, false, TDX_INTERRUPTED_RESUMABLE, 30);
	*hits = 0;
	for (unsigned i = 0; i < 1000; i++) {
		uint64_t st = sc1(f, i % NLPS, TDH_SYS_LP_SHUTDOWN, 0);

		assert_true(st == TDX_SUCCESS || st == TDX_INTERRUPTED_RESUMABLE);
		pattern[i] = st != TDX_SUCCESS;
		*hits += pattern[i];
	}
	assert_int_equal(f->e->stats.injected, *hits);
	fx_free(f);
}

static void test_sometimes(void **state)
{
	static uint8_t a[1000], b[1000], c[1000];
	unsigned ha, hb, hc;

	(void)state;
	run_sometimes(42, &ha, a);
	run_sometimes(42, &hb, b);
	run_sometimes(43, &hc, c);
	assert_true(ha > 230 && ha < 370);
	assert_int_equal(ha, hb);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
}

static void test_seamldr_and_limits(void **state)
{
	struct fixture *f = fx_new();
	struct emu_fault fault = { TDH_SYS_RD, false, TDX_SYS_BUSY, 100 };
	uint64_t before = 0x1234;

	(void)state;
	fm_put64(&f->fm, 64 * MiB, before);
	add(f, 0, true, SEAMLDR_ENOENTROPY, 100);
	assert_int_equal(sc1(f, 0, SEAMLDR_INFO, 64 * MiB), SEAMLDR_ENOENTROPY);
	assert_int_equal(fm_get64(&f->fm, 64 * MiB), before);
	/* Module leaf 0 is another leaf. */
	assert_int_equal(sc1(f, 0, TDH_VP_ENTER, 0), TDX_SYS_NOT_READY);
	for (unsigned i = 1; i < EMU_MAX_FAULTS; i++)
		assert_int_equal(emu_add_fault(f->e, &fault), 0);
	assert_int_equal(emu_add_fault(f->e, &fault), -1);
	fx_free(f);

	f = fx_new();
	fault.percent = 101;
	assert_int_equal(emu_add_fault(f->e, &fault), -1);
	fx_free(f);
}

/* A fault never hides a missing module. */
static void test_absent_module(void **state)
{
	struct emu_config c;
	struct fixture *f;
	struct emu_regs r = { .rax = TDH_SYS_INIT };
	bool cf = false;

	(void)state;
	platform_config(&c);
	c.module_loaded = false;
	f = fx_new_cfg(&c);
	add(f, TDH_SYS_INIT, false, TDX_SYS_BUSY, 100);
	emu_seamcall(f->e, 0, &r, &cf);
	assert_true(cf);
	assert_int_equal(r.rax, TDH_SYS_INIT);
	fx_free(f);
}

static void test_parse(void **state)
{
	static const struct {
		const char *spec;
		unsigned leaf;
		bool seamldr;
		uint64_t status;
		unsigned percent;
	} good[] = {
		{ "TDH.SYS.CONFIG:TDX_OPERAND_BUSY:100", TDH_SYS_CONFIG, false, TDX_OPERAND_BUSY, 100 },
		{ "sys.config:operand_busy:5", TDH_SYS_CONFIG, false, TDX_OPERAND_BUSY, 5 },
		{ "tdh_sys_key_config:TDX_KEY_GENERATION_FAILED:50", TDH_SYS_KEY_CONFIG, false,
		  TDX_KEY_GENERATION_FAILED, 50 },
		{ "sys.lp.init:TDX_RND_NO_ENTROPY:1", TDH_SYS_LP_INIT, false, TDX_RND_NO_ENTROPY, 1 },
		{ "SYS.TDMR.INIT:TDX_OPERAND_BUSY+1:30", TDH_SYS_TDMR_INIT, false,
		  TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX, 30 },
		{ "phymem.cache.wb:TDX_INTERRUPTED_RESUMABLE:75", TDH_PHYMEM_CACHE_WB, false,
		  TDX_INTERRUPTED_RESUMABLE, 75 },
		{ "TDH.SYS.INIT:TDX_SYS_BUSY:0", TDH_SYS_INIT, false, TDX_SYS_BUSY, 0 },
		{ "36:0x8000020000000001:10", 36, false, 0x8000020000000001ull, 10 },
		{ "0x24:8000020300000000:0", 36, false, TDX_RND_NO_ENTROPY, 0 },
		{ "0:c0000b0000000000:100", 0, false, TDX_EPT_WALK_FAILED, 100 },
		{ "SEAMLDR.INFO:SEAMLDR_EBADPARAM:100", 0, true, SEAMLDR_EBADPARAM, 100 },
		{ "seamldr.install:0x8000000000010003:9", 1, true, SEAMLDR_EUNSPECERR, 9 },
		{ "0x8000000000000003:SEAMLDR_ENOENTROPY:7", 3, true, SEAMLDR_ENOENTROPY, 7 },
	};
	static const char *const bad[] = {
		"", "sys.config", "sys.config:TDX_SYS_BUSY", "sys.config:TDX_SYS_BUSY:101",
		"sys.config:TDX_SYS_BUSY:-1", "sys.config:TDX_SYS_BUSY:", "sys.config:TDX_SYS_BUSY:1:2",
		":TDX_SYS_BUSY:1", "sys.config::1", "nosuch.leaf:TDX_SYS_BUSY:1",
		"sys.config:NOT_A_STATUS:1", "70000:TDX_SYS_BUSY:1", "sys.config:0x:5",
		"sys.config:0x10000000000000000:5", "sys.config:TDX_SYS_BUSY+:5",
		"sys.config:TDX_SYS_BUSY+0x100000000:5", "sys.config:TDX_SYS_BUSY:1x",
		"tdh.sys:TDX_SYS_BUSY:1",
		"sys.config:TDX_SYS_BUSY:0123456789012345678901234567890123456789012345678901234567890123",
	};
	struct emu_fault f;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&f, 0xff, sizeof(f));
		if (emu_fault_parse(good[i].spec, &f))
			fail_msg("rejected: %s", good[i].spec);
		assert_int_equal(f.leaf, good[i].leaf);
		assert_int_equal(f.seamldr, good[i].seamldr);
		assert_int_equal(f.status, good[i].status);
		assert_int_equal(f.percent, good[i].percent);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (emu_fault_parse(bad[i], &f) == 0)
			fail_msg("accepted: \"%s\"", bad[i]);
	assert_int_equal(emu_fault_parse(NULL, &f), -1);
	assert_string_equal(emu_leaf_name(TDH_SYS_INIT), "TDH.SYS.INIT");
	assert_null(emu_leaf_name(999));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_always),
		cmocka_unit_test(test_never),
		cmocka_unit_test(test_sometimes),
		cmocka_unit_test(test_seamldr_and_limits),
		cmocka_unit_test(test_absent_module),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
