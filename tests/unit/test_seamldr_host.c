/* seam/seamldr_host.c: which blob suits (seamldr_fit, seamldr_pick_best),
 * the SEAMLDR_PARAMS page (seamldr_params_fill) and the one-CPU-at-a-time
 * SEAMLDR.INSTALL session (seamldr_install_all), the last against the
 * emulated P-SEAMLDR with blobs built and signed on the host
 * (tools/blob_build.c, the openssl command, a key made for this run). */
#define _POSIX_C_SOURCE 200809L
#define EMU_FIXTURE_NO_MAIN
#include "test_emu_fixture.c"
#include <unistd.h>
#include "seam/seamldr_host.h"
#include "seam/tdx_status.h"
#include "tools/blob_build.h"

/* Fake-memory places (RAM, outside SEAMRR). */
#define PARAMS_PA	(32 * MiB)
#define BLOB_PA		(64 * MiB)	/* 0x4000000 */
#define MODULE_PAGES	4

/* The good blob: emulated module 1.5.16 build 812, SEAMSVN 1.11. */
#define GOOD_SVN	0x010b
#define GOOD_DATE	0x20250219u
#define GOOD_MAJOR	1
#define GOOD_MINOR	5
#define GOOD_UPDATE	16
#define GOOD_BUILD_NUM	812
#define GOOD_BUILD_DATE	20250219u

/* The fixture's packages are 0x806f8; 0x806c0 is in the table for the
 * stepping checks. */
#define FMS_FIXTURE	0x806f8u

struct blobs {
	char dir[64];
	char key[96];
	uint8_t *v1, *v2;	/* the same module in both header layouts */
	size_t v1_len, v2_len;
};

static struct blobs B;

static uint8_t *build(uint16_t header_version, size_t *len)
{
	struct blob_spec s;
	uint8_t *module, *b;
	char why[128];

	memset(&s, 0, sizeof(s));
	s.header_version = header_version;
	s.date = GOOD_DATE;
	s.seamsvn = GOOD_SVN;
	s.cpuids[0] = FMS_FIXTURE & ~TDXBLOB_FMS_STEPPING_MASK;
	s.cpuids[1] = 0x806c0;
	s.ncpuids = 2;
	s.max_tdmrs = 32;
	module = blob_emu_module(MODULE_PAGES, GOOD_MAJOR, GOOD_MINOR, GOOD_UPDATE,
				 GOOD_BUILD_DATE, GOOD_BUILD_NUM);
	if (!module)
		return NULL;
	b = blob_build(&s, module, MODULE_PAGES * PG, B.key, len, why, sizeof(why));
	free(module);
	if (!b)
		fprintf(stderr, "test_seamldr_host: blob_build(0x%04x): %s\n", header_version, why);
	return b;
}

static int group_setup(void **state)
{
	char keywhy[128];

	(void)state;
	if (blob_test_key("seamldr-host", B.dir, sizeof(B.dir), B.key, sizeof(B.key), keywhy,
			  sizeof(keywhy))) {
		fprintf(stderr, "test_seamldr_host: %s\n", keywhy);
		return -1;
	}
	B.v1 = build(TDXBLOB_V1, &B.v1_len);
	B.v2 = build(TDXBLOB_V2, &B.v2_len);
	return B.v1 && B.v2 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	free(B.v1);
	free(B.v2);
	unlink(B.key);
	rmdir(B.dir);
	return 0;
}

/* ---- Helpers -------------------------------------------------------------- */

/* Parsed blobs are large (the CPUID table, the reasons): keep them off
 * the stack. */
static struct tdxblob *parse(const uint8_t *blob, size_t len, bool want_ok)
{
	struct tdxblob *b = calloc(1, sizeof(*b));
	unsigned failed;

	assert_non_null(b);
	failed = tdxblob_parse(blob, len, b);
	assert_int_equal(failed, b->failed);
	if (want_ok && failed) {
		unsigned c = tdxblob_first_failure(b);
		fail_msg("tdxblob_parse: %u failed, first %s: %s", failed,
			 tdxblob_check_name(c), b->why[c]);
	}
	return b;
}

/* A SEAMLDR_INFO with updates left and, if `valid`, SEAMEXTEND showing a
 * running module of SEAMSVN `svn` (major << 8 | minor). */
static void make_info(struct seamldr_info *info, uint32_t remaining, uint64_t valid, uint16_t svn)
{
	memset(info, 0, sizeof(*info));
	info->major_version = 1;
	info->minor_version = 5;
	info->num_remaining_updates = remaining;
	info->p_seam_ready = 1;
	info->seam_ready = valid != 0;
	memcpy(&info->seam_info[SEAMLDR_SEAMEXTEND_VALID], &valid, sizeof(valid));
	info->seam_info[SEAMLDR_SEAMEXTEND_TEE_TCB_SVN] = (uint8_t)(svn & 0xff);
	info->seam_info[SEAMLDR_SEAMEXTEND_TEE_TCB_SVN + 1] = (uint8_t)(svn >> 8);
}

/* ---- 1. seamldr_fit ------------------------------------------------------- */

static void test_fit(void **state)
{
	struct tdxblob *good = parse(B.v1, B.v1_len, true), *bad;
	struct seamldr_info info;
	uint8_t *copy;

	(void)state;
	assert_int_equal(good->seamsvn, GOOD_SVN);

	/* Updates left, the same SEAMSVN running. */
	make_info(&info, 5, 1, GOOD_SVN);
	assert_int_equal(seamldr_fit(good, FMS_FIXTURE, &info), SEAMLDR_FIT_OK);

	/* A module byte changed: SEAMHASH fails. Most serious first, so it
	 * wins over a foreign CPU and a missing loader. */
	copy = malloc(B.v1_len);
	assert_non_null(copy);
	memcpy(copy, B.v1, B.v1_len);
	copy[B.v1_len - 100] ^= 0x01;
	bad = parse(copy, B.v1_len, false);
	assert_true(bad->failed > 0);
	assert_int_equal(seamldr_fit(bad, FMS_FIXTURE, &info), SEAMLDR_FIT_BAD_BLOB);
	assert_int_equal(seamldr_fit(bad, 0x906a0, NULL), SEAMLDR_FIT_BAD_BLOB);
	free(bad);
	free(copy);

	/* The CPUID table ignores the stepping. */
	assert_int_equal(seamldr_fit(good, 0x806c1, &info), SEAMLDR_FIT_OK);
	assert_int_equal(seamldr_fit(good, 0x806cf, &info), SEAMLDR_FIT_OK);
	assert_int_equal(seamldr_fit(good, 0x806f0, &info), SEAMLDR_FIT_OK);
	assert_int_equal(seamldr_fit(good, 0x806d1, &info), SEAMLDR_FIT_CPU);
	assert_int_equal(seamldr_fit(good, 0x906c1, &info), SEAMLDR_FIT_CPU);
	assert_int_equal(seamldr_fit(good, 0x806d1, NULL), SEAMLDR_FIT_CPU);

	assert_int_equal(seamldr_fit(good, FMS_FIXTURE, NULL), SEAMLDR_FIT_NO_LOADER);

	make_info(&info, 0, 1, GOOD_SVN);
	assert_int_equal(seamldr_fit(good, FMS_FIXTURE, &info), SEAMLDR_FIT_NO_UPDATES);
	make_info(&info, 0, 1, 0x010c);
	assert_int_equal(seamldr_fit(good, FMS_FIXTURE, &info), SEAMLDR_FIT_NO_UPDATES);

	/* Running 1.12, the blob 1.11: a downgrade. */
	make_info(&info, 5, 1, 0x010c);
	assert_int_equal(seamldr_fit(good, FMS_FIXTURE, &info), SEAMLDR_FIT_DOWNGRADE);
	/* Another major, up or down. */
	make_info(&info, 5, 1, 0x020b);
	assert_int_equal(seamldr_fit(good, FMS_FIXTURE, &info), SEAMLDR_FIT_DOWNGRADE);
	make_info(&info, 5, 1, 0x0001);
	assert_int_equal(seamldr_fit(good, FMS_FIXTURE, &info), SEAMLDR_FIT_DOWNGRADE);
	make_info(&info, 5, 1, 0x0200);
	assert_int_equal(seamldr_fit(good, FMS_FIXTURE, &info), SEAMLDR_FIT_DOWNGRADE);
	/* Any nonzero VALID counts, not only bit 0. */
	make_info(&info, 5, 1ull << 56, 0x010c);
	assert_int_equal(seamldr_fit(good, FMS_FIXTURE, &info), SEAMLDR_FIT_DOWNGRADE);
	/* An older minor of the same major is an upgrade. */
	make_info(&info, 5, 1, 0x0104);
	assert_int_equal(seamldr_fit(good, FMS_FIXTURE, &info), SEAMLDR_FIT_OK);
	/* SEAMEXTEND not valid: its SVN bytes do not count. */
	make_info(&info, 5, 0, 0x010c);
	assert_int_equal(seamldr_fit(good, FMS_FIXTURE, &info), SEAMLDR_FIT_OK);
	make_info(&info, 1, 0, 0x0300);
	assert_int_equal(seamldr_fit(good, FMS_FIXTURE, &info), SEAMLDR_FIT_OK);

	for (int f = SEAMLDR_FIT_OK; f <= SEAMLDR_FIT_DOWNGRADE; f++) {
		const char *t = seamldr_fit_text((enum seamldr_fit)f);

		assert_non_null(t);
		assert_true(strlen(t) > 1);
		for (int g = SEAMLDR_FIT_OK; g < f; g++)
			assert_string_not_equal(t, seamldr_fit_text((enum seamldr_fit)g));
	}
	assert_non_null(seamldr_fit_text((enum seamldr_fit)(SEAMLDR_FIT_DOWNGRADE + 1)));
	assert_non_null(seamldr_fit_text((enum seamldr_fit)-1));
	free(good);
}

static void test_info_svn(void **state)
{
	struct seamldr_info info;

	(void)state;
	make_info(&info, 5, 1, 0x010c);
	assert_int_equal(seamldr_info_svn(&info), 0x010c);
	make_info(&info, 5, 1ull << 63, 0x0203);
	assert_int_equal(seamldr_info_svn(&info), 0x0203);
	make_info(&info, 5, 1, 0xff80);
	assert_int_equal(seamldr_info_svn(&info), 0xff80);
	make_info(&info, 5, 0, 0x010c);
	assert_int_equal(seamldr_info_svn(&info), 0);
	/* TEE_TCB_SVN[2..15] are not part of it. */
	make_info(&info, 5, 1, 0x0104);
	info.seam_info[SEAMLDR_SEAMEXTEND_TEE_TCB_SVN + 2] = 0x77;
	assert_int_equal(seamldr_info_svn(&info), 0x0104);
}

/* ---- 2. seamldr_pick_best ------------------------------------------------- */

#define NPICK 6

struct pick {
	struct tdxblob b[NPICK];
	const struct tdxblob *p[NPICK];
	enum seamldr_fit fit[NPICK];
};

static struct pick *pick_new(void)
{
	struct pick *k = calloc(1, sizeof(*k));

	assert_non_null(k);
	for (unsigned i = 0; i < NPICK; i++)
		k->p[i] = &k->b[i];
	return k;
}

static void pick_set(struct pick *k, unsigned i, uint16_t svn, uint32_t date, enum seamldr_fit fit)
{
	k->b[i].seamsvn = svn;
	k->b[i].date = date;
	k->fit[i] = fit;
}

static void test_pick_best(void **state)
{
	struct pick *k = pick_new();

	(void)state;
	assert_int_equal(seamldr_pick_best(k->p, k->fit, 0), -1);

	/* Highest SEAMSVN wins, whatever the dates. */
	pick_set(k, 0, 0x0105, 0x20250101, SEAMLDR_FIT_OK);
	pick_set(k, 1, 0x010b, 0x20230101, SEAMLDR_FIT_OK);
	pick_set(k, 2, 0x0107, 0x20260101, SEAMLDR_FIT_OK);
	assert_int_equal(seamldr_pick_best(k->p, k->fit, 3), 1);
	assert_int_equal(seamldr_pick_best(k->p, k->fit, 1), 0);
	/* Major counts before minor. */
	pick_set(k, 3, 0x0200, 0x20200101, SEAMLDR_FIT_OK);
	assert_int_equal(seamldr_pick_best(k->p, k->fit, 4), 3);

	/* Same SEAMSVN: the later date. */
	pick_set(k, 0, 0x010b, 0x20240101, SEAMLDR_FIT_OK);
	pick_set(k, 1, 0x010b, 0x20250219, SEAMLDR_FIT_OK);
	pick_set(k, 2, 0x010b, 0x20241231, SEAMLDR_FIT_OK);
	assert_int_equal(seamldr_pick_best(k->p, k->fit, 3), 1);
	pick_set(k, 2, 0x010b, 0x20250220, SEAMLDR_FIT_OK);
	assert_int_equal(seamldr_pick_best(k->p, k->fit, 3), 2);

	/* A full tie: the first. */
	for (unsigned i = 0; i < NPICK; i++)
		pick_set(k, i, 0x010b, 0x20250219, SEAMLDR_FIT_OK);
	assert_int_equal(seamldr_pick_best(k->p, k->fit, NPICK), 0);
	k->fit[0] = SEAMLDR_FIT_CPU;
	assert_int_equal(seamldr_pick_best(k->p, k->fit, NPICK), 1);

	/* Nothing fits. */
	for (unsigned i = 0; i < NPICK; i++)
		k->fit[i] = (enum seamldr_fit)(SEAMLDR_FIT_BAD_BLOB + i % 5);
	assert_int_equal(seamldr_pick_best(k->p, k->fit, NPICK), -1);

	/* Better but unfit ones are passed over, whatever the reason. */
	pick_set(k, 0, 0x0300, 0x20300101, SEAMLDR_FIT_BAD_BLOB);
	pick_set(k, 1, 0x0105, 0x20230101, SEAMLDR_FIT_OK);
	pick_set(k, 2, 0x0200, 0x20250101, SEAMLDR_FIT_DOWNGRADE);
	pick_set(k, 3, 0x0110, 0x20250101, SEAMLDR_FIT_CPU);
	pick_set(k, 4, 0x0106, 0x20220101, SEAMLDR_FIT_NO_UPDATES);
	pick_set(k, 5, 0x0105, 0x20230102, SEAMLDR_FIT_NO_LOADER);
	assert_int_equal(seamldr_pick_best(k->p, k->fit, NPICK), 1);
	free(k);
}

/* ---- 3. seamldr_params_fill ----------------------------------------------- */

static void check_params(const uint8_t *blob, size_t len, uint16_t version)
{
	struct tdxblob *b = parse(blob, len, true);
	struct seamldr_params *p = malloc(sizeof(*p)), *want = calloc(1, sizeof(*want));

	assert_non_null(p);
	assert_non_null(want);
	assert_int_equal(b->header_version, version);
	assert_int_equal(b->module_pages, MODULE_PAGES);

	memset(p, 0xa5, sizeof(*p));
	seamldr_params_fill(b, BLOB_PA, p);
	assert_int_equal(p->version, 0);
	assert_int_equal(p->scenario, SEAMLDR_SCENARIO_LOAD);
	assert_int_equal(p->sigstruct_pa, BLOB_PA + 4096);
	assert_int_equal(p->num_module_pages, MODULE_PAGES);
	for (unsigned i = 0; i < MODULE_PAGES; i++)
		assert_int_equal(p->module_pages_pa[i], BLOB_PA + 8192 + i * 4096ull);
	/* Everything else zero: the whole page compared. */
	want->version = 0;
	want->scenario = SEAMLDR_SCENARIO_LOAD;
	want->sigstruct_pa = BLOB_PA + 4096;
	want->num_module_pages = MODULE_PAGES;
	for (unsigned i = 0; i < MODULE_PAGES; i++)
		want->module_pages_pa[i] = BLOB_PA + 8192 + i * 4096ull;
	assert_memory_equal(p, want, sizeof(*p));
	free(want);
	free(p);
	free(b);
}

static void test_params_fill(void **state)
{
	(void)state;
	check_params(B.v1, B.v1_len, TDXBLOB_V1);
	check_params(B.v2, B.v2_len, TDXBLOB_V2);
}

/* ---- 4. seamldr_install_all ----------------------------------------------- */

struct ctx {
	struct fixture *f;
	unsigned order[16];
	unsigned n;
	bool wrap;
	unsigned fail_cpu;
};

static uint64_t emu_install_on(void *p, unsigned cpu, uint64_t params_pa, uint64_t *rdx)
{
	struct ctx *c = p;
	struct emu_regs r = { .rax = SEAMLDR_INSTALL, .rcx = params_pa };
	bool cf = true;

	assert_true(c->n < 16);
	assert_true(cpu < NLPS);
	c->order[c->n++] = cpu;
	emu_seamcall(c->f->e, cpu, &r, &cf);
	assert_false(cf);
	*rdx = r.rdx;
	return r.rax;
}

/* The wrapper: CPU fail_cpu answers EBADCALL (as a second INSTALL on one
 * CPU in a session would) without reaching the emulator. */
static uint64_t wrapped_install_on(void *p, unsigned cpu, uint64_t params_pa, uint64_t *rdx)
{
	struct ctx *c = p;

	if (!c->wrap || cpu != c->fail_cpu)
		return emu_install_on(p, cpu, params_pa, rdx);
	assert_true(c->n < 16);
	c->order[c->n++] = cpu;
	*rdx = 0;
	return SEAMLDR_EBADCALL;
}

/* A fresh platform with the V1 blob and its SEAMLDR_PARAMS in memory. */
static struct fixture *staged(void)
{
	struct fixture *f = fx_new();
	struct tdxblob *b = parse(B.v1, B.v1_len, true);
	struct seamldr_params *p = malloc(sizeof(*p));

	assert_non_null(p);
	assert_int_equal(fm_write(&f->fm, BLOB_PA, B.v1, B.v1_len), 0);
	seamldr_params_fill(b, BLOB_PA, p);
	assert_int_equal(fm_write(&f->fm, PARAMS_PA, p, sizeof(*p)), 0);
	free(p);
	free(b);
	return f;
}

/* All CPUs but last_cpu ascending, then last_cpu; the first `n` of them. */
static void check_order(const struct ctx *c, unsigned last_cpu, unsigned n)
{
	unsigned want[NLPS], k = 0;

	for (unsigned cpu = 0; cpu < NLPS; cpu++)
		if (cpu != last_cpu)
			want[k++] = cpu;
	want[k++] = last_cpu;
	assert_int_equal(c->n, n);
	for (unsigned i = 0; i < n; i++)
		if (c->order[i] != want[i])
			fail_msg("last_cpu %u: call %u on CPU %u, want %u", last_cpu, i,
				 c->order[i], want[i]);
}

static uint64_t sys_rd(struct fixture *f, unsigned lp, uint64_t field)
{
	struct emu_regs r;

	assert_int_equal(sc5(f, lp, TDH_SYS_RD, 0, field, 0, 0, &r), TDX_SUCCESS);
	return r.r8;
}

static const unsigned last_cpus[] = { 0, 1, NLPS - 1 };

static void test_install_all(void **state)
{
	(void)state;
	for (unsigned t = 0; t < sizeof(last_cpus) / sizeof(last_cpus[0]); t++) {
		unsigned last = last_cpus[t];
		struct fixture *f = staged();
		struct ctx c = { .f = f };
		struct seamldr_ops ops = { emu_install_on, &c, NLPS, last };
		struct seamldr_install_result res;
		int rc;

		rc = seamldr_install_all(&ops, PARAMS_PA, &res);
		if (rc || res.status != SEAMLDR_SUCCESS)
			fail_msg("last_cpu %u: rc %d, %s on CPU %u (%s)", last, rc,
				 seamldr_status_text(res.status), res.cpu, f->e->ldr.why);
		assert_int_equal(res.rdx, 0);
		assert_int_equal(res.cpu, last);
		assert_int_equal(res.calls, NLPS);
		check_order(&c, last, NLPS);

		/* The new module answers with the blob's version. */
		assert_true(f->e->module_ready);
		assert_int_equal(sc1(f, 0, TDH_SYS_INIT, 0), TDX_SUCCESS);
		assert_int_equal(sc1(f, 0, TDH_SYS_LP_INIT, 0), TDX_SUCCESS);
		assert_int_equal(sys_rd(f, 0, MD_SYS_MAJOR_VERSION), GOOD_MAJOR);
		assert_int_equal(sys_rd(f, 0, MD_SYS_MINOR_VERSION), GOOD_MINOR);
		assert_int_equal(sys_rd(f, 0, MD_SYS_UPDATE_VERSION), GOOD_UPDATE);
		assert_int_equal(sys_rd(f, 0, MD_SYS_BUILD_NUM), GOOD_BUILD_NUM);
		assert_int_equal(sys_rd(f, 0, MD_SYS_BUILD_DATE), GOOD_BUILD_DATE);
		fx_free(f);
	}
}

static void test_install_bad_signature(void **state)
{
	(void)state;
	for (unsigned t = 0; t < sizeof(last_cpus) / sizeof(last_cpus[0]); t++) {
		unsigned last = last_cpus[t];
		struct fixture *f = staged();
		struct ctx c = { .f = f };
		struct seamldr_ops ops = { emu_install_on, &c, NLPS, last };
		struct seamldr_install_result res;
		uint64_t pa = BLOB_PA + PG + SIGSTRUCT_SIGNATURE + 100;
		uint8_t v;

		/* A flipped signature byte, in memory. */
		assert_int_equal(fm_read(&f->fm, pa, &v, 1), 0);
		v ^= 0x40;
		assert_int_equal(fm_write(&f->fm, pa, &v, 1), 0);

		assert_int_equal(seamldr_install_all(&ops, PARAMS_PA, &res), -1);
		assert_int_equal(res.status, SEAMLDR_EBADSIG);
		assert_int_equal(res.cpu, last);
		assert_int_equal(res.rdx, SEAMLDR_INSTALL_RECOVERABLE);
		assert_int_equal(res.calls, NLPS);
		check_order(&c, last, NLPS);
		/* Recoverable: the BIOS module still answers. */
		assert_true(f->e->module_ready);
		assert_int_equal(sc1(f, 0, TDH_SYS_INIT, 0), TDX_SUCCESS);
		assert_int_equal(sc1(f, 0, TDH_SYS_LP_INIT, 0), TDX_SUCCESS);
		assert_int_equal(sys_rd(f, 0, MD_SYS_MAJOR_VERSION), EMU_MODULE_MAJOR);
		assert_int_equal(sys_rd(f, 0, MD_SYS_MINOR_VERSION), EMU_MODULE_MINOR);
		fx_free(f);
	}
}

/* The call on CPU 1 answers EBADCALL: the session stops there. */
static void test_install_stops(void **state)
{
	(void)state;
	for (unsigned last = 0; last < NLPS; last++) {
		struct fixture *f = staged();
		struct ctx c = { .f = f, .wrap = true, .fail_cpu = 1 };
		struct seamldr_ops ops = { wrapped_install_on, &c, NLPS, last };
		struct seamldr_install_result res;
		/* CPU 1's place in the order: 1 + the CPUs before it. */
		unsigned want_calls = last == 1 ? NLPS : last == 0 ? 1 : 2;

		assert_int_equal(seamldr_install_all(&ops, PARAMS_PA, &res), -1);
		assert_int_equal(res.status, SEAMLDR_EBADCALL);
		assert_int_equal(res.cpu, 1);
		assert_int_equal(res.rdx, 0);
		assert_int_equal(res.calls, want_calls);
		check_order(&c, last, want_calls);
		fx_free(f);
	}
}

/* ---- The session without the emulator: every status and RDX passed on. -- */

struct fake {
	uint64_t status[NLPS], rdx[NLPS];
	unsigned order[16], n;
	uint64_t params_pa;
};

static uint64_t fake_install_on(void *p, unsigned cpu, uint64_t params_pa, uint64_t *rdx)
{
	struct fake *k = p;

	assert_true(k->n < 16);
	assert_true(cpu < NLPS);
	assert_int_equal(params_pa, k->params_pa);
	assert_int_equal(*rdx, 0);
	k->order[k->n++] = cpu;
	*rdx = k->rdx[cpu];
	return k->status[cpu];
}

static void test_install_fake(void **state)
{
	struct fake k;
	struct seamldr_ops ops = { fake_install_on, &k, NLPS, 2 };
	struct seamldr_install_result res;

	(void)state;
	/* The last CPU fails unrecoverably: its RAX and RDX come back. */
	memset(&k, 0, sizeof(k));
	k.params_pa = 0x123000;
	k.status[2] = SEAMLDR_EBADHASH;
	k.rdx[2] = SEAMLDR_INSTALL_UNRECOVERABLE;
	assert_int_equal(seamldr_install_all(&ops, k.params_pa, &res), -1);
	assert_int_equal(res.status, SEAMLDR_EBADHASH);
	assert_int_equal(res.rdx, SEAMLDR_INSTALL_UNRECOVERABLE);
	assert_int_equal(res.cpu, 2);
	assert_int_equal(res.calls, NLPS);
	assert_int_equal(k.n, NLPS);
	assert_int_equal(k.order[0], 0);
	assert_int_equal(k.order[1], 1);
	assert_int_equal(k.order[2], 3);
	assert_int_equal(k.order[3], 2);

	/* A VMfail on CPU 0 stops before anything else. */
	memset(&k, 0, sizeof(k));
	k.params_pa = 0x123000;
	k.status[0] = TDX_SEAMCALL_VMFAILINVALID;
	assert_int_equal(seamldr_install_all(&ops, k.params_pa, &res), -1);
	assert_int_equal(res.status, TDX_SEAMCALL_VMFAILINVALID);
	assert_int_equal(res.cpu, 0);
	assert_int_equal(res.calls, 1);
	assert_int_equal(k.n, 1);

	/* One CPU: it is the last one too. */
	memset(&k, 0, sizeof(k));
	ops.ncpus = 1;
	ops.last_cpu = 0;
	assert_int_equal(seamldr_install_all(&ops, k.params_pa, &res), 0);
	assert_int_equal(res.status, SEAMLDR_SUCCESS);
	assert_int_equal(res.calls, 1);
	assert_int_equal(res.cpu, 0);

	/* last_cpu outside 0..ncpus-1, and no CPUs: refused before any call
	 * (calls on the others would run a whole session). */
	memset(&k, 0, sizeof(k));
	ops.ncpus = NLPS;
	ops.last_cpu = NLPS;
	assert_int_equal(seamldr_install_all(&ops, k.params_pa, &res), -1);
	assert_int_equal(res.calls, 0);
	assert_int_not_equal(res.status, SEAMLDR_SUCCESS);
	ops.last_cpu = 100;
	assert_int_equal(seamldr_install_all(&ops, k.params_pa, &res), -1);
	assert_int_equal(res.calls, 0);
	ops.ncpus = 0;
	ops.last_cpu = 0;
	assert_int_equal(seamldr_install_all(&ops, k.params_pa, &res), -1);
	assert_int_equal(res.calls, 0);
	assert_int_not_equal(res.status, SEAMLDR_SUCCESS);
	assert_int_equal(k.n, 0);
}

/* ---- 5. seamldr_status_text ----------------------------------------------- */

static void test_status_text(void **state)
{
	static const uint64_t codes[] = {
		SEAMLDR_SUCCESS, SEAMLDR_EBADPARAM, SEAMLDR_EBADCALL, SEAMLDR_EBADHANDOFF,
		SEAMLDR_ECLEANUPREQ, SEAMLDR_EUNSUPPORTED, SEAMLDR_ENOMEM, SEAMLDR_EUNSPECERR,
		SEAMLDR_EUNSUPCPU, SEAMLDR_EBADSIG, SEAMLDR_EBADHASH, SEAMLDR_EINTERRUPT,
		SEAMLDR_ENOENTROPY,
	};
	static const uint64_t unknown[] = {
		0x8000000000000001ull, 0x8000000000020002ull, 0x1ull, ~0ull,
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *name = seamldr_status_name(codes[i]);
		const char *text = seamldr_status_text(codes[i]);

		assert_non_null(text);
		assert_true(strncmp(name, "SEAMLDR_", 8) == 0);
		if (strncmp(text, name, strlen(name)) != 0)
			fail_msg("0x%016llx: \"%s\" does not start with \"%s\"",
				 (unsigned long long)codes[i], text, name);
		/* The name ends there: "SEAMLDR_EBADSIG" is not "SEAMLDR_EBADSIGX". */
		assert_true(text[strlen(name)] == '\0' || text[strlen(name)] == ':');
	}
	assert_string_equal(seamldr_status_text(SEAMLDR_EBADSIG),
			    "SEAMLDR_EBADSIG: SIGSTRUCT, signer or signature refused");
	for (unsigned i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		const char *text = seamldr_status_text(unknown[i]);

		assert_non_null(text);
		assert_string_equal(text, seamldr_status_name(unknown[i]));
		assert_true(strlen(text) > 0);
	}
	/* The software statuses of a SEAMCALL that did not reach the P-SEAMLDR. */
	assert_string_equal(seamldr_status_text(TDX_SEAMCALL_VMFAILINVALID),
			    tdx_status_name(TDX_SEAMCALL_VMFAILINVALID));
	assert_string_not_equal(seamldr_status_text(TDX_SEAMCALL_VMFAILINVALID),
				seamldr_status_text(0x8000000000000001ull));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_info_svn),
		cmocka_unit_test(test_pick_best),
		cmocka_unit_test(test_params_fill),
		cmocka_unit_test(test_install_all),
		cmocka_unit_test(test_install_bad_signature),
		cmocka_unit_test(test_install_stops),
		cmocka_unit_test(test_install_fake),
		cmocka_unit_test(test_status_text),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
