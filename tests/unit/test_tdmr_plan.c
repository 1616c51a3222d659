/* TDMR/PAMT planner (seam/tdmr_plan.h): every real host layout in
 * tests/data/hosts planned with the 1.5 limits, no more PAMT than Linux,
 * accepted by our checker and by the emulated module's TDH.SYS.CONFIG;
 * layouts that need splits, merges, trims and PAMT moves; tight limits;
 * bad input; the allocator path; the checker against the emulator rule by
 * rule; TDMR_INFO encoding; the parallel split. */
#define _POSIX_C_SOURCE 200809L	/* clock_gettime, opendir */
#define EMU_FIXTURE_NO_MAIN
#include "test_emu_fixture.c"

#include <dirent.h>
#include <time.h>

#include "seam/cmr_parse.h"
#include "seam/tdmr_plan.h"
#include "seam/tdx_status.h"

#define TiB		(1024ull * GiB)
#define SCRATCH_PA	(16 * TiB)		/* TDMR_INFO array + entries */
#define SCRATCH_SIZE	(1 * MiB)
#define T_SEAMRR	(SCRATCH_PA + GiB)
#define T_KEYID		32

static const struct tdx_limits lim15 = { 64, 16, { 16, 16, 16 } };

static char hosts_dir[512];

/* tests/data/hosts next to this file, whichever way it was compiled. */
static const char *hosts(void)
{
	const char *f = __FILE__, *slash = strrchr(f, '/');

	if (!hosts_dir[0])
		snprintf(hosts_dir, sizeof(hosts_dir), "%.*s../data/hosts",
			 slash ? (int)(slash - f + 1) : 0, f);
	return hosts_dir;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = calloc(1, 1 << 20);

	assert_non_null(fp);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 20) - 1, fp);
	fclose(fp);
	return buf;
}

/* ---- The emulator as the judge -------------------------------------------- */

/* A 4-LP, 2-package platform with these CMRs and 52-bit PAs (KeyID bits
 * 51:46), memory = the CMRs (or their hull when there are more than the
 * fake memory takes) plus a scratch range for TDMR_INFO. Touching CMRs
 * are one stretch of RAM, as the module sees them. */
static struct fixture *judge_new(const struct plan_range *cmrs, unsigned n)
{
	struct emu_config c;
	struct fixture *f;

	platform_config(&c);
	c.ncmr = n;
	for (unsigned i = 0; i < n; i++)
		c.cmr[i] = (struct emu_range){ cmrs[i].base, cmrs[i].size };
	c.maxpa = 52;
	c.seamrr_base = T_SEAMRR;
	f = fx_new_cfg(&c);
	f->fm.nram = 0;
	for (unsigned i = 0; i < n && f->fm.nram < 8; i++) {
		struct emu_range *last = f->fm.nram ? &f->fm.ram[f->fm.nram - 1] : NULL;

		if (last && last->base + last->size == cmrs[i].base)
			last->size += cmrs[i].size;	/* touching CMRs: one run */
		else
			f->fm.ram[f->fm.nram++] = (struct emu_range){ cmrs[i].base, cmrs[i].size };
	}
	if (f->fm.nram < 8) {
		f->fm.nram++;
	} else {
		f->fm.ram[0] = (struct emu_range){ cmrs[0].base,
						   cmrs[n - 1].base + cmrs[n - 1].size - cmrs[0].base };
		f->fm.nram = 2;
	}
	f->fm.ram[f->fm.nram - 1] = (struct emu_range){ SCRATCH_PA, SCRATCH_SIZE };
	do_sys_init(f);
	do_lp_init_all(f);
	return f;
}

/* Writes the plan as the kernel will (TDMR_INFO with the module's 16
 * slots, 512-aligned, and the PA array) and issues TDH.SYS.CONFIG. */
static uint64_t judge_config(struct fixture *f, const struct tdmr_plan *p)
{
	uint8_t info[TDX_TDMR_INFO_SIZE(EMU_MAX_RSVD)];

	for (unsigned i = 0; i < p->ntdmrs; i++) {
		uint64_t pa = SCRATCH_PA + 512 * (i + 1);

		assert_int_equal(tdmr_plan_encode(&p->tdmr[i], EMU_MAX_RSVD, info, sizeof(info)),
				 sizeof(info));
		assert_int_equal(fm_write(&f->fm, pa, info, sizeof(info)), 0);
		fm_put64(&f->fm, SCRATCH_PA + 8 * i, pa);
	}
	return sc5(f, 0, TDH_SYS_CONFIG, SCRATCH_PA, p->ntdmrs, T_KEYID, 0, NULL);
}

static void expect_emu_ok(const struct plan_range *cmrs, unsigned n, const struct tdmr_plan *p)
{
	struct fixture *f = judge_new(cmrs, n);
	uint64_t st = judge_config(f, p);
	char line[160];

	tdx_status_describe(st, line, sizeof(line));
	if (st != TDX_SUCCESS)
		fail_msg("TDH.SYS.CONFIG: %s", line);
	/* The PAMT blocks are memory the fake platform has. */
	for (unsigned i = 0; i < p->ntdmrs; i++)
		for (unsigned l = 0; l < 3; l++)
			assert_true(fm_in_ram(&f->fm, p->tdmr[i].pamt[l].base, p->tdmr[i].pamt[l].size));
	fx_free(f);
}

static void expect_valid(const struct plan_range *cmrs, unsigned n, const struct tdx_limits *lim,
			 const struct tdmr_plan *p)
{
	char why[160];

	if (tdmr_plan_check(p, cmrs, n, lim, why, sizeof(why)))
		fail_msg("tdmr_plan_check: %s", why);
	if (lim->pamt_entry_size[0] >= 16 && lim->pamt_entry_size[1] >= 16 &&
	    lim->pamt_entry_size[2] >= 16 && lim->max_rsvd >= 1)
		expect_emu_ok(cmrs, n, p);
}

/* Every CMR byte is in some TDMR: TDX may use all convertible memory. */
static void expect_covered(const struct plan_range *cmrs, unsigned n, const struct tdmr_plan *p)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t a = cmrs[i].base, e = a + cmrs[i].size;

		for (unsigned j = 0; j < p->ntdmrs && a < e; j++)
			if (a >= p->tdmr[j].base && a < p->tdmr[j].base + p->tdmr[j].size)
				a = p->tdmr[j].base + p->tdmr[j].size;
		assert_true(a >= e);
	}
}

/* Linux (tdx-abi.md §5.5 step 3): TDMRs open when a rounded range reaches
 * past the current one; touching ranges do not merge. */
static uint64_t linux_pamt(const struct plan_range *cmrs, unsigned n, const struct tdx_limits *lim)
{
	uint64_t total = 0, cur_end = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t b = cmrs[i].base & ~(GiB - 1);
		uint64_t e = (cmrs[i].base + cmrs[i].size + GiB - 1) & ~(GiB - 1);

		if (e <= cur_end)
			continue;
		if (b < cur_end)
			b = cur_end;
		total += tdmr_pamt_block_size(e - b, lim);
		cur_end = e;
	}
	return total;
}

/* ---- Real hosts ---------------------------------------------------------- */

static void test_hosts(void **state)
{
	DIR *d = opendir(hosts());
	struct dirent *de;
	struct cmr_list *in = calloc(1, sizeof(*in));
	struct tdmr_plan *p = calloc(1, sizeof(*p));
	unsigned nfiles = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t nl = strlen(de->d_name), len;
		char path[1024], *text;
		unsigned rsvd = 0;

		if (nl < 4 || strcmp(de->d_name + nl - 4, ".log"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", hosts(), de->d_name);
		text = slurp(path, &len);
		assert_int_equal(cmr_parse(text, len, in), 0);
		free(text);
		if (tdmr_plan_build(in->cmr, in->n, &lim15, NULL, p))
			fail_msg("%s: %s", de->d_name, p->why);
		expect_valid(in->cmr, in->n, &lim15, p);
		expect_covered(in->cmr, in->n, p);
		assert_true(p->pamt_bytes <= linux_pamt(in->cmr, in->n, &lim15));
		if (in->has_linux_kb) {
			/* The README's rule is Linux's figure to the KB. */
			assert_int_equal(linux_pamt(in->cmr, in->n, &lim15) / 1024, in->linux_pamt_kb);
			assert_true(p->pamt_bytes / 1024 <= in->linux_pamt_kb);
		}
		for (unsigned i = 0; i < p->ntdmrs; i++)
			rsvd += p->tdmr[i].nrsvd;
		print_message("%-22s %u CMRs -> %u TDMRs, %2u reserved areas, PAMT %8llu KB (Linux %s%llu)\n",
			      de->d_name, in->n, p->ntdmrs, rsvd,
			      (unsigned long long)(p->pamt_bytes >> 10), in->has_linux_kb ? "" : "rule ",
			      (unsigned long long)(in->has_linux_kb ? in->linux_pamt_kb :
						   linux_pamt(in->cmr, in->n, &lim15) >> 10));
		nfiles++;
	}
	closedir(d);
	assert_true(nfiles >= 6);
	free(in);
	free(p);
}

static void test_time_3tib(void **state)
{
	size_t len;
	char path[1024], *text;
	struct cmr_list *in = calloc(1, sizeof(*in));
	struct tdmr_plan *p = calloc(1, sizeof(*p));
	struct timespec t0, t1;
	const unsigned rounds = 100;

	(void)state;
	snprintf(path, sizeof(path), "%s/host-3tib.log", hosts());
	text = slurp(path, &len);
	assert_int_equal(cmr_parse(text, len, in), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned k = 0; k < rounds; k++)
		assert_int_equal(tdmr_plan_build(in->cmr, in->n, &lim15, NULL, p), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("3 TiB layout: %.1f us per plan (this build)\n",
		      ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / rounds / 1e3);
	assert_int_equal(p->ntdmrs, 5);
	assert_int_equal(p->pamt_bytes >> 10, 12591124);
	free(text);
	free(in);
	free(p);
}

/* ---- Synthetic layouts ------------------------------------------------------ */

/* The Emerald Rapids failure of the README: 17 firmware holes below 2 GiB
 * (here as 18 CMR pieces), then plain memory. One TDMR over [0, 2 GiB)
 * would need 19 areas; the planner cuts it at 1 GiB. The emulator then
 * runs the whole init and its PAMT marks exactly the reserved pages. */
static void test_17_holes(void **state)
{
	struct plan_range c[20];
	struct tdmr_plan *p = calloc(1, sizeof(*p));
	struct fixture *f;
	unsigned n = 0;
	uint8_t e[16];

	(void)state;
	for (unsigned k = 0; k < 18; k++)
		c[n++] = (struct plan_range){ k ? k * 112 * MiB : 1 * MiB,
					      k ? 100 * MiB : 99 * MiB };
	c[n++] = (struct plan_range){ 4 * GiB, 4 * GiB };
	assert_int_equal(tdmr_plan_build(c, n, &lim15, NULL, p), 0);
	expect_valid(c, n, &lim15, p);
	expect_covered(c, n, p);
	assert_int_equal(p->ntdmrs, 3);
	assert_int_equal(p->splits, 1);

	f = judge_new(c, n);
	assert_int_equal(judge_config(f, p), TDX_SUCCESS);
	do_key_config_all(f);
	for (unsigned i = 0; i < p->ntdmrs; i++) {
		unsigned calls = 0;

		while (sc1(f, i % NLPS, TDH_SYS_TDMR_INIT, p->tdmr[i].base) == TDX_SUCCESS)
			calls++;
		assert_int_equal(calls, p->tdmr[i].size / (4 * MiB));
	}
	/* 4K PAMT entry of the page at 99 MiB + 1 MiB (a hole) and at 2 MiB. */
	assert_int_equal(fm_read(&f->fm, p->tdmr[0].pamt[0].base + (100 * MiB / PG) * 16, e, 16), 0);
	assert_int_equal(e[EMU_PAMT_PT], PT_RSVD);
	assert_int_equal(fm_read(&f->fm, p->tdmr[0].pamt[0].base + (2 * MiB / PG) * 16, e, 16), 0);
	assert_int_equal(e[EMU_PAMT_PT], PT_NDA);
	assert_int_equal(f->e->stats.mem_errors, 0);
	fx_free(f);

	/* All 17 holes inside the first GiB: no 1 GiB cut can help. */
	n = 0;
	for (unsigned k = 0; k < 18; k++)
		c[n++] = (struct plan_range){ 1 * MiB + k * 50 * MiB, 40 * MiB };
	c[n++] = (struct plan_range){ 4 * GiB, 4 * GiB };
	assert_int_equal(tdmr_plan_build(c, n, &lim15, NULL, p), -1);
	print_message("17 holes in one GiB: %s\n", p->why);
	assert_non_null(strstr(p->why, "TDMR 0 [0x0, 0x40000000)"));
	assert_non_null(strstr(p->why, "max_rsvd 16"));
	assert_int_equal(p->ntdmrs, 0);
	free(p);
}

/* 32 CMRs, each in its own far-apart GiB: 32 TDMRs under the 1.5 limits;
 * with max_tdmrs 8 the nearest ones merge (gaps become reserved areas);
 * with max_tdmrs 1 the merged TDMR would need 33 areas: the reason names
 * the TDMR that is one too many and both limits. */
static void test_far_apart(void **state)
{
	struct plan_range c[32];
	struct tdmr_plan *p = calloc(1, sizeof(*p));
	struct tdx_limits lim = lim15;

	(void)state;
	for (unsigned i = 0; i < 32; i++)
		c[i] = (struct plan_range){ (i * 64 + (i % 3)) * GiB + 2 * MiB, 16 * GiB };
	assert_int_equal(tdmr_plan_build(c, 32, &lim, NULL, p), 0);
	assert_int_equal(p->ntdmrs, 32);
	expect_valid(c, 32, &lim, p);

	lim.max_tdmrs = 8;
	assert_int_equal(tdmr_plan_build(c, 32, &lim, NULL, p), 0);
	assert_int_equal(p->ntdmrs, 8);
	assert_int_equal(p->merges, 24);
	expect_valid(c, 32, &lim, p);
	expect_covered(c, 32, p);

	lim.max_tdmrs = 1;
	assert_int_equal(tdmr_plan_build(c, 32, &lim, NULL, p), -1);
	print_message("32 far-apart CMRs, max_tdmrs 1: %s\n", p->why);
	assert_non_null(strstr(p->why, "TDMR 1 ["));
	assert_non_null(strstr(p->why, "max_tdmrs 1"));
	assert_non_null(strstr(p->why, "max_rsvd 16"));
	free(p);
}

/* 32 CMRs of 3 GiB less a MiB at each end, max_rsvd 1: every TDMR must
 * be cut in two, 64 TDMRs, the most the module takes (and the emulator
 * accepts them). With max_tdmrs 40 the demand is too high: the reason
 * names the TDMR and both limits. */
static void test_tdmr_demand(void **state)
{
	struct plan_range c[32];
	struct tdmr_plan *p = calloc(1, sizeof(*p));
	struct tdx_limits lim = lim15;

	(void)state;
	for (unsigned i = 0; i < 32; i++)
		c[i] = (struct plan_range){ i * 8 * GiB + 1 * MiB, 3 * GiB - 2 * MiB };
	lim.max_rsvd = 1;
	assert_int_equal(tdmr_plan_build(c, 32, &lim, NULL, p), 0);
	assert_int_equal(p->ntdmrs, 64);
	assert_int_equal(p->splits, 32);
	expect_valid(c, 32, &lim, p);
	expect_covered(c, 32, p);

	lim.max_tdmrs = 40;
	assert_int_equal(tdmr_plan_build(c, 32, &lim, NULL, p), -1);
	print_message("64 TDMRs needed, max_tdmrs 40: %s\n", p->why);
	assert_non_null(strstr(p->why, "needs 2 reserved areas, max_rsvd 1"));
	assert_non_null(strstr(p->why, "max_tdmrs reached"));
	assert_non_null(strstr(p->why, "TDMR 16 [0x1000000000, 0x10c0000000)"));
	free(p);
}

static void expect_refused(const struct plan_range *c, unsigned n, const struct tdx_limits *lim,
			   const char *reason)
{
	struct tdmr_plan *p = calloc(1, sizeof(*p));

	assert_int_equal(tdmr_plan_build(c, n, lim, NULL, p), -1);
	if (!strstr(p->why, reason))
		fail_msg("want \"%s\", got \"%s\"", reason, p->why);
	assert_int_equal(p->ntdmrs, 0);
	free(p);
}

static void test_bad_input(void **state)
{
	static struct plan_range many[100];
	const struct plan_range unsorted[] = { { 4 * GiB, GiB }, { 1 * MiB, GiB } };
	const struct plan_range overlapping[] = { { 1 * MiB, GiB }, { GiB, GiB } };
	const struct plan_range empty[] = { { 1 * MiB, GiB }, { 4 * GiB, 0 } };
	const struct plan_range unaligned[] = { { 1 * MiB + 512, GiB } };
	const struct plan_range beyond[] = { { (1ull << 52) - GiB, 2 * GiB } };
	const struct plan_range wraps[] = { { ~0ull - 4095, 8192 } };
	const struct plan_range ok[] = { { 1 * MiB, GiB } };
	struct tdx_limits lim = lim15;

	(void)state;
	for (unsigned i = 0; i < 100; i++)
		many[i] = (struct plan_range){ (uint64_t)i * 16 * GiB, GiB };
	expect_refused(many, 100, &lim, "100 CMRs: the module reports at most 32");
	expect_refused(many, 33, &lim, "33 CMRs");
	expect_refused(unsorted, 2, &lim, "CMR 1 [0x100000, +0x40000000): below the previous");
	expect_refused(overlapping, 2, &lim, "CMR 1 [0x40000000, +0x40000000): overlaps");
	expect_refused(empty, 2, &lim, "CMR 1 [0x100000000, +0x0): size 0");
	expect_refused(unaligned, 1, &lim, "not 4 KiB aligned");
	expect_refused(beyond, 1, &lim, "beyond 2^52");
	expect_refused(wraps, 1, &lim, "beyond 2^52");
	expect_refused(ok, 0, &lim, "no CMRs");
	expect_refused(NULL, 1, &lim, "no CMRs");
	expect_refused(ok, 1, NULL, "no limits");
	lim.max_tdmrs = 0;
	expect_refused(ok, 1, &lim, "max_tdmrs is 0");
	lim = lim15;
	lim.pamt_entry_size[1] = 0;
	expect_refused(ok, 1, &lim, "PAMT 2M entry size 0");
	lim = lim15;
	lim.max_rsvd = 0;
	expect_refused(ok, 1, &lim, "TDMR 0 [0x0, 0x40000000) needs 1 reserved areas, max_rsvd 0");
	assert_int_equal(tdmr_plan_build(ok, 1, &lim15, NULL, NULL), -1);
}

/* max_rsvd 1 and 2 on every real host: cuts at 1 GiB (the first MiB and
 * the tail of the low 2 GiB go to different TDMRs) or a clear reason. */
static void test_tight_rsvd(void **state)
{
	static const char *const files[] = { "host-3tib.log", "host-1tib.log", "host-512g-spr.log",
					     "host-tdx10-hole.log" };
	struct cmr_list *in = calloc(1, sizeof(*in));
	struct tdmr_plan *p = calloc(1, sizeof(*p));

	(void)state;
	for (unsigned k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		char path[1024], *text;
		size_t len;

		snprintf(path, sizeof(path), "%s/%s", hosts(), files[k]);
		text = slurp(path, &len);
		assert_int_equal(cmr_parse(text, len, in), 0);
		free(text);
		for (unsigned r = 1; r <= 3; r++) {
			struct tdx_limits lim = lim15;

			lim.max_rsvd = r;
			if (tdmr_plan_build(in->cmr, in->n, &lim, NULL, p)) {
				print_message("%s max_rsvd %u: %s\n", files[k], r, p->why);
				assert_non_null(strstr(p->why, "TDMR "));
				assert_non_null(strstr(p->why, "max_rsvd"));
				continue;
			}
			expect_valid(in->cmr, in->n, &lim, p);
			expect_covered(in->cmr, in->n, p);
			print_message("%s max_rsvd %u: %u TDMRs, %u splits, PAMT %llu KB\n", files[k],
				      r, p->ntdmrs, p->splits, (unsigned long long)(p->pamt_bytes >> 10));
		}
	}
	free(in);
	free(p);
}

/* ---- The kernel's path: an allocator -------------------------------------- */

/* Top-down first fit over the CMRs, as mm/pmm.c hands out big runs; a
 * script of addresses may come first; a call may be made to fail. */
struct fake_alloc {
	const struct plan_range *cmr;
	unsigned n;
	struct plan_range used[2 * PLAN_MAX_TDMRS];
	unsigned nused, calls, fail_at;
	uint64_t script[4];
	unsigned nscript;
};

static int fa_alloc(void *ctx, uint64_t size, uint64_t *base)
{
	struct fake_alloc *a = ctx;

	if (++a->calls == a->fail_at || a->nused == 2 * PLAN_MAX_TDMRS)
		return -1;
	if (a->nscript) {
		*base = a->script[0];
		memmove(a->script, a->script + 1, --a->nscript * sizeof(a->script[0]));
		a->used[a->nused++] = (struct plan_range){ *base, size };
		return 0;
	}
	for (unsigned i = a->n; i-- > 0;) {
		uint64_t hi = a->cmr[i].base + a->cmr[i].size;

		while (hi - a->cmr[i].base >= size) {
			uint64_t lo = hi - size, next = hi;

			for (unsigned k = 0; k < a->nused; k++)
				if (a->used[k].base < hi && lo < a->used[k].base + a->used[k].size &&
				    a->used[k].base < next)
					next = a->used[k].base;
			if (next == hi) {
				*base = lo;
				a->used[a->nused++] = (struct plan_range){ lo, size };
				return 0;
			}
			if (next < a->cmr[i].base + size)
				break;
			hi = next;
		}
	}
	return -1;
}

static void fa_free(void *ctx, uint64_t base, uint64_t size)
{
	struct fake_alloc *a = ctx;

	for (unsigned k = 0; k < a->nused; k++)
		if (a->used[k].base == base) {
			assert_int_equal(a->used[k].size, size);
			a->used[k] = a->used[--a->nused];
			return;
		}
	fail_msg("free of 0x%llx, never allocated", (unsigned long long)base);
}

static void test_alloc_ops(void **state)
{
	const struct plan_range c[] = { { 1 * MiB, 2 * GiB - 1 * MiB - 32 * MiB }, { 4 * GiB, 60 * GiB },
					{ 65 * GiB, 3 * GiB } };
	struct fake_alloc a = { .cmr = c, .n = 3 };
	struct plan_alloc_ops ops = { fa_alloc, fa_free, &a };
	struct tdmr_plan *p = calloc(1, sizeof(*p));

	(void)state;
	assert_int_equal(tdmr_plan_build(c, 3, &lim15, &ops, p), 0);
	assert_int_equal(a.nused, p->ntdmrs);
	expect_valid(c, 3, &lim15, p);
	tdmr_plan_release(p, &ops);
	assert_int_equal(a.nused, 0);
	assert_int_equal(p->ntdmrs, 0);

	/* Out of memory at the second block: the first goes back. */
	a = (struct fake_alloc){ .cmr = c, .n = 3, .fail_at = 2 };
	assert_int_equal(tdmr_plan_build(c, 3, &lim15, &ops, p), -1);
	assert_non_null(strstr(p->why, "TDMR 1 [0x100000000, 0x1000000000): PAMT block of"));
	assert_non_null(strstr(p->why, "out of memory"));
	assert_int_equal(a.nused, 0);

	/* An allocator handing out a hole is refused, nothing leaks. */
	a = (struct fake_alloc){ .cmr = c, .n = 3, .script = { 3 * GiB }, .nscript = 1 };
	assert_int_equal(tdmr_plan_build(c, 3, &lim15, &ops, p), -1);
	assert_non_null(strstr(p->why, "outside the CMRs"));
	assert_int_equal(a.nused, 0);
	free(p);
}

/* 16 CMR pieces in one GiB: 16 holes, the limit. A block the allocator
 * puts in the middle of a piece would make 17; the planner asks again,
 * gets one next to a hole, keeps it and frees the first. */
static void test_alloc_move(void **state)
{
	struct plan_range c[16];
	struct fake_alloc a = { .cmr = c, .n = 16, .script = { GiB - 64 * MiB, 960 * MiB - 64 * MiB },
				.nscript = 2 };
	struct plan_alloc_ops ops = { fa_alloc, fa_free, &a };
	struct tdmr_plan *p = calloc(1, sizeof(*p));

	(void)state;
	for (unsigned k = 0; k < 16; k++)
		c[k] = (struct plan_range){ 1 * MiB + k * 60 * MiB, 59 * MiB };
	c[15].size = GiB - c[15].base;
	assert_int_equal(c[15].base, 901 * MiB);
	a.script[1] = c[15].base;
	assert_int_equal(tdmr_plan_build(c, 16, &lim15, &ops, p), 0);
	assert_int_equal(p->moves, 1);
	assert_int_equal(p->splits, 0);
	assert_int_equal(p->tdmr[0].pamt[0].base, c[15].base);
	assert_int_equal(p->tdmr[0].nrsvd, 16);
	assert_int_equal(a.nused, 1);
	expect_valid(c, 16, &lim15, p);
	tdmr_plan_release(p, &ops);
	assert_int_equal(a.nused, 0);
	free(p);
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random layouts up to 32 CMRs below 16 TiB and random limits: a plan
 * passes the checker and the emulator, or the reason names a TDMR. */
static void test_random(void **state)
{
	struct plan_range c[32];
	struct tdmr_plan *p = calloc(1, sizeof(*p));
	uint64_t s = 0x9e3779b97f4a7c15ull;
	unsigned ok = 0, refused = 0;

	(void)state;
	for (unsigned iter = 0; iter < 400; iter++) {
		unsigned n = 1 + rng_next(&s) % 32;
		uint64_t cur = (rng_next(&s) % (4 * GiB)) & ~(PG - 1);
		struct tdx_limits lim = lim15;
		struct fake_alloc a = { .cmr = c, .n = n };
		struct plan_alloc_ops ops = { fa_alloc, fa_free, &a };
		bool with_ops = iter & 1;

		for (unsigned i = 0; i < n; i++) {
			uint64_t kind = rng_next(&s) % 4, size;

			cur += kind == 0 ? 0 : kind == 1 ? (rng_next(&s) % (64 * MiB)) & ~(PG - 1) :
			       kind == 2 ? (rng_next(&s) % (2 * GiB)) & ~(PG - 1) :
			       (rng_next(&s) % (256 * GiB)) & ~(PG - 1);
			size = ((rng_next(&s) % (rng_next(&s) & 1 ? 64 * MiB : 32 * GiB)) & ~(PG - 1)) + PG;
			c[i] = (struct plan_range){ cur, size };
			cur += size;
		}
		if (rng_next(&s) % 3 == 0)
			lim.max_tdmrs = 1 + rng_next(&s) % 12;
		if (rng_next(&s) % 3 == 0)
			lim.max_rsvd = rng_next(&s) % 8;
		if (rng_next(&s) % 8 == 0)
			lim.pamt_entry_size[0] = lim.pamt_entry_size[1] = lim.pamt_entry_size[2] = 32;
		if (tdmr_plan_build(c, n, &lim, with_ops ? &ops : NULL, p)) {
			assert_int_equal(a.nused, 0);
			if (!strstr(p->why, "TDMR "))
				fail_msg("iteration %u: %s", iter, p->why);
			refused++;
			continue;
		}
		expect_valid(c, n, &lim, p);
		expect_covered(c, n, p);
		if (lim.max_tdmrs >= 32)
			assert_true(p->pamt_bytes <= linux_pamt(c, n, &lim) + (uint64_t)p->splits * 2 * PG);
		if (with_ops) {
			tdmr_plan_release(p, &ops);
			assert_int_equal(a.nused, 0);
		}
		ok++;
	}
	print_message("random layouts: %u planned, %u refused with a reason\n", ok, refused);
	assert_true(ok > 250);
	free(p);
}

/* ---- The checker is the module's rules ---------------------------------- */

struct corruption {
	const char *name;
	void (*mutate)(struct tdmr_plan *p);
	bool emu;		/* the emulator sees it too (else a limit only) */
};

static void c_swap(struct tdmr_plan *p)
{
	struct plan_tdmr t = p->tdmr[0];
	p->tdmr[0] = p->tdmr[1];
	p->tdmr[1] = t;
}
static void c_base_2m(struct plan_tdmr *t) { t->base += 2 * MiB; }
static void c_unaligned(struct tdmr_plan *p) { c_base_2m(&p->tdmr[1]); }
static void c_size0(struct tdmr_plan *p) { p->tdmr[1].size = 0; }
static void c_overlap(struct tdmr_plan *p) { p->tdmr[1].base = p->tdmr[0].base; }
static void c_beyond(struct tdmr_plan *p) { p->tdmr[2].base = 1ull << 52; }
static void c_rsvd_swap(struct tdmr_plan *p)
{
	struct plan_range r = p->tdmr[0].rsvd[0];
	p->tdmr[0].rsvd[0] = p->tdmr[0].rsvd[1];
	p->tdmr[0].rsvd[1] = r;
}
static void c_rsvd_overlap(struct tdmr_plan *p) { p->tdmr[0].rsvd[0].size = p->tdmr[0].rsvd[1].base + PG; }
static void c_rsvd_outside(struct tdmr_plan *p) { p->tdmr[0].rsvd[1].size += GiB; }
static void c_rsvd_4k(struct tdmr_plan *p) { p->tdmr[0].rsvd[0].size += 512; }
static void c_pamt_small(struct tdmr_plan *p) { p->tdmr[1].pamt[0].size -= PG; }
static void c_pamt_own(struct tdmr_plan *p) { p->tdmr[1].pamt[1].base = p->tdmr[1].pamt[0].base; }
static void c_pamt_other(struct tdmr_plan *p) { p->tdmr[2].pamt[2] = p->tdmr[1].pamt[2]; }
static void c_pamt_4k(struct tdmr_plan *p) { p->tdmr[1].pamt[0].base += 512; }
static void c_pamt_exposed(struct tdmr_plan *p)
{
	/* TDMR 2's block with its area moved off it: PAMT on usable memory. */
	p->tdmr[2].rsvd[0].base -= 2 * GiB;
}
static void c_pamt_in_hole(struct tdmr_plan *p) { p->tdmr[0].pamt[2].base = 0; }
static void c_head_exposed(struct tdmr_plan *p)
{
	memmove(&p->tdmr[0].rsvd[0], &p->tdmr[0].rsvd[1], sizeof(p->tdmr[0].rsvd[0]) * 15);
	p->tdmr[0].nrsvd--;
}
static void c_count(struct tdmr_plan *p) { (void)p; }

static void test_checker_mirrors_emulator(void **state)
{
	const struct plan_range c[] = { { 1 * MiB, 2 * GiB - 1 * MiB - 32 * MiB }, { 4 * GiB, 4 * GiB },
					{ 10 * GiB, 2 * GiB } };
	static const struct corruption cases[] = {
		{ "TDMRs unsorted", c_swap, true },
		{ "TDMR base not 1 GiB aligned", c_unaligned, true },
		{ "TDMR size 0", c_size0, true },
		{ "TDMRs overlap", c_overlap, true },
		{ "TDMR beyond 2^52", c_beyond, true },
		{ "reserved areas unsorted", c_rsvd_swap, true },
		{ "reserved areas overlap", c_rsvd_overlap, true },
		{ "reserved area outside the TDMR", c_rsvd_outside, true },
		{ "reserved area not 4K", c_rsvd_4k, true },
		{ "PAMT 4K too small", c_pamt_small, true },
		{ "PAMT 2M on its own 4K", c_pamt_own, true },
		{ "PAMT on another TDMR's", c_pamt_other, true },
		{ "PAMT not 4K aligned", c_pamt_4k, true },
		{ "PAMT on non-reserved memory", c_pamt_exposed, true },
		{ "PAMT outside the CMRs", c_pamt_in_hole, true },
		{ "first MiB not reserved", c_head_exposed, true },
		{ "more TDMRs than max_tdmrs", c_count, false },
	};
	struct tdmr_plan *good = calloc(1, sizeof(*good)), *p = calloc(1, sizeof(*p));
	char why[160];

	(void)state;
	assert_int_equal(tdmr_plan_build(c, 3, &lim15, NULL, good), 0);
	assert_int_equal(good->ntdmrs, 3);
	assert_int_equal(good->tdmr[0].nrsvd, 2);
	assert_int_equal(good->tdmr[2].nrsvd, 1);
	expect_valid(c, 3, &lim15, good);
	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct tdx_limits lim = lim15;

		*p = *good;
		cases[k].mutate(p);
		if (!cases[k].emu)
			lim.max_tdmrs = 2;
		if (tdmr_plan_check(p, c, 3, &lim, why, sizeof(why)) == 0)
			fail_msg("%s: checker accepted it", cases[k].name);
		if (cases[k].emu) {
			struct fixture *f = judge_new(c, 3);
			uint64_t st = judge_config(f, p);

			if (st == TDX_SUCCESS)
				fail_msg("%s: the emulator accepted it", cases[k].name);
			fx_free(f);
		}
		print_message("%-32s checker: %s\n", cases[k].name, why);
	}
	/* max_rsvd below what the plan uses. */
	{
		struct tdx_limits lim = lim15;

		lim.max_rsvd = 1;
		assert_int_equal(tdmr_plan_check(good, c, 3, &lim, why, sizeof(why)), -1);
		assert_non_null(strstr(why, "TDMR 0"));
	}
	free(good);
	free(p);
}

static void test_encode(void **state)
{
	struct plan_tdmr t = { .base = 4 * GiB, .size = 2 * GiB,
			       .pamt = { { 0x10000000, 0x800000 }, { 0x10800000, 0x4000 },
					 { 0x10804000, 0x1000 } },
			       .rsvd = { { 0, 1 * MiB }, { GiB, 2 * MiB } }, .nrsvd = 2 };
	uint8_t buf[1024];
	struct tdx_tdmr_info *info = (struct tdx_tdmr_info *)buf;

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(tdmr_plan_encode(&t, 16, buf, sizeof(buf)), 320);
	assert_int_equal(info->base, 4 * GiB);
	assert_int_equal(info->size, 2 * GiB);
	assert_int_equal(info->pamt_1g_base, 0x10804000);
	assert_int_equal(info->pamt_1g_size, 0x1000);
	assert_int_equal(info->pamt_2m_base, 0x10800000);
	assert_int_equal(info->pamt_4k_size, 0x800000);
	assert_int_equal(info->reserved[1].offset, GiB);
	assert_int_equal(info->reserved[1].size, 2 * MiB);
	for (unsigned j = 2; j < 16; j++)
		assert_true(info->reserved[j].offset == 0 && info->reserved[j].size == 0);
	assert_int_equal(buf[320], 0xa5);
	/* A module with 32 slots gets 32, zeroed. */
	assert_int_equal(tdmr_plan_encode(&t, 32, buf, sizeof(buf)), 576);
	assert_int_equal(info->reserved[31].size, 0);
	assert_int_equal(tdmr_plan_encode(&t, 16, buf, 319), 0);
	assert_int_equal(tdmr_plan_encode(&t, 1, buf, sizeof(buf)), 0);
}

static void test_pamt_size(void **state)
{
	(void)state;
	/* tdx-abi.md §5.4: 1 GiB with 16-byte entries. */
	assert_int_equal(tdmr_pamt_size(GiB, 0, 16), 4 * MiB);
	assert_int_equal(tdmr_pamt_size(GiB, 1, 16), 8 * KiB);
	assert_int_equal(tdmr_pamt_size(GiB, 2, 16), 4 * KiB);
	assert_int_equal(tdmr_pamt_block_size(GiB, &lim15), 4 * MiB + 12 * KiB);
	assert_int_equal(tdmr_pamt_size(3068 * GiB, 2, 16), 48 * KiB);
	assert_int_equal(tdmr_pamt_size(GiB, 3, 16), 0);
	assert_int_equal(tdmr_pamt_size(~0ull, 0, 4096), ~0ull & ~(PG - 1));
}

/* Splitting the 3 TiB host into 16 TDMRs for parallel TDMR.INIT costs a
 * page or two of PAMT per cut and still passes the module's rules. */
static void test_parallel(void **state)
{
	char path[1024], *text;
	size_t len;
	struct cmr_list *in = calloc(1, sizeof(*in));
	struct tdmr_plan *p = calloc(1, sizeof(*p));
	struct fake_alloc a = { 0 };
	struct plan_alloc_ops ops = { fa_alloc, fa_free, &a };
	uint64_t before;

	(void)state;
	snprintf(path, sizeof(path), "%s/host-3tib.log", hosts());
	text = slurp(path, &len);
	assert_int_equal(cmr_parse(text, len, in), 0);
	free(text);
	assert_int_equal(tdmr_plan_build(in->cmr, in->n, &lim15, NULL, p), 0);
	before = p->pamt_bytes;
	assert_int_equal(tdmr_plan_split_for_parallel(p, 16, in->cmr, in->n, &lim15, NULL), 0);
	assert_int_equal(p->ntdmrs, 16);
	assert_true(p->pamt_bytes - before <= 11 * 2 * PG);
	expect_valid(in->cmr, in->n, &lim15, p);
	for (unsigned i = 1; i < p->ntdmrs; i++)
		assert_true(p->tdmr[i].size <= 384 * GiB);
	print_message("3 TiB split for 16-way TDMR.INIT: +%llu KB PAMT\n",
		      (unsigned long long)((p->pamt_bytes - before) >> 10));

	/* Same with the allocator; the limit caps the target. */
	a = (struct fake_alloc){ .cmr = in->cmr, .n = in->n };
	assert_int_equal(tdmr_plan_build(in->cmr, in->n, &lim15, &ops, p), 0);
	assert_int_equal(tdmr_plan_split_for_parallel(p, 200, in->cmr, in->n, &lim15, &ops), 0);
	assert_int_equal(p->ntdmrs, 64);
	assert_int_equal(a.nused, 64);
	expect_valid(in->cmr, in->n, &lim15, p);
	tdmr_plan_release(p, &ops);
	assert_int_equal(a.nused, 0);

	/* An invalid plan is not touched. */
	assert_int_equal(tdmr_plan_build(in->cmr, in->n, &lim15, NULL, p), 0);
	p->tdmr[1].base += GiB;
	assert_int_equal(tdmr_plan_split_for_parallel(p, 16, in->cmr, in->n, &lim15, NULL), -1);
	assert_int_equal(p->ntdmrs, 5);
	free(in);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_time_3tib),
		cmocka_unit_test(test_17_holes),
		cmocka_unit_test(test_far_apart),
		cmocka_unit_test(test_tdmr_demand),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_tight_rsvd),
		cmocka_unit_test(test_alloc_ops),
		cmocka_unit_test(test_alloc_move),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_checker_mirrors_emulator),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_pamt_size),
		cmocka_unit_test(test_parallel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
