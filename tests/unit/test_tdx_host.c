/* Host TDX module init (seam/tdx_host.c, tdx_leaves.c) with the emulated
 * module core in one process: the 256 GiB host of tests/data/hosts/
 * host-256g-spr.log, 8 LPs in 2 packages (16 to compare TDMR.INIT).
 * TDH.SYS.TDMR.INIT writes every entry of ~1 GiB of PAMT, which the
 * fixture's sparse memory (test_emu_fixture.c) would keep; here memory is
 * the page allocator: small blocks (TDMR_INFO) are backed by host memory,
 * PAMT writes are checked and counted, not stored. An access outside every
 * live block is stray: none may happen, e.g. to freed PAMT. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "seam/emu/emu.h"
#include "seam/tdx_host.h"
#include "seam/tdx_status.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static const struct emu_range host_cmrs[] = {
	{ 0x100000, 0x77800000 - 0x100000 },
	{ 0x100000000, 0x206e000000 - 0x100000000 },
	{ 0x2080000000, 0x4070000000 - 0x2080000000 },
};
#define NCMRS		3
#define LINUX_PAMT_KB	1050636		/* with its 3 TDMRs */
#define NUM_MKTME	63		/* "private KeyID range [64, 128)" */
#define NUM_TDX		64
/* Allocations come from the top 64 GiB of CMR 2. */
#define ARENA_BASE	0x3070000000ull
#define ARENA_END	0x4070000000ull
#define STORED_MAX	MiB		/* larger blocks are PAMT */
#define MAX_BLOCKS	512

/* ---- Memory: the page allocator, the emulator's view of it -------------- */

struct block {
	uint64_t pa, size;
	uint8_t *data;			/* NULL: not stored */
};

/* Addresses go upwards, never reused: the arena fits a test many times. */
struct mem {
	struct block blk[MAX_BLOCKS];
	unsigned n, nallocs, nfrees;
	unsigned fail_at;		/* the n-th allocation fails; 0: none */
	uint64_t next, live, stray, bad_free, bad_entries, pamt_written, rsvd_entries;
};

#define add64(v, n) __atomic_fetch_add(v, n, __ATOMIC_RELAXED)

/* The live block holding [pa, pa + len), or NULL. */
static struct block *find_block(struct mem *m, uint64_t pa, uint64_t len)
{
	for (unsigned i = 0; i < m->n; i++)
		if (pa >= m->blk[i].pa && pa - m->blk[i].pa + len <= m->blk[i].size)
			return &m->blk[i];
	return NULL;
}

static int mem_alloc(struct mem *m, uint64_t bytes, uint64_t align, uint64_t *pa)
{
	uint64_t at = ((m->next ? m->next : ARENA_BASE) + align - 1) & ~(align - 1);

	bytes = (bytes + 4095) & ~4095ull;
	if (++m->nallocs == m->fail_at || m->n == MAX_BLOCKS || at + bytes > ARENA_END)
		return -1;
	m->blk[m->n++] = (struct block){ at, bytes, bytes <= STORED_MAX ? calloc(1, bytes) : NULL };
	m->next = at + bytes;
	m->live += bytes;
	*pa = at;
	return 0;
}

static void mem_free(struct mem *m, uint64_t pa, uint64_t bytes)
{
	struct block *b = find_block(m, pa, 1);

	if (!b || b->pa != pa || b->size != ((bytes + 4095) & ~4095ull))
		return (void)m->bad_free++;
	free(b->data);
	m->live -= b->size;
	m->nfrees++;
	memmove(b, b + 1, (size_t)(&m->blk[--m->n] - b) * sizeof(*b));
}

static int emu_mem_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	struct block *b = find_block(ctx, pa, len);

	if (!b)
		return add64(&((struct mem *)ctx)->stray, 1), -1;
	return (b->data ? memcpy(buf, b->data + (pa - b->pa), len) : memset(buf, 0, len)), 0;
}

/* PAMT entries (emu_internal.h) at TDMR.INIT: byte 2 is PT_NDA or PT_RSVD,
 * the rest 0. */
static int emu_mem_write(void *ctx, uint64_t pa, const void *buf, size_t len)
{
	struct mem *m = ctx;
	struct block *b = find_block(m, pa, len);
	uint64_t bad = len % 16 != 0, rsvd = 0, w[2];

	if (!b)
		return add64(&m->stray, 1), -1;
	if (b->data)
		return memcpy(b->data + (pa - b->pa), buf, len), 0;
	for (size_t off = 0; off + 16 <= len; off += 16) {
		memcpy(w, (const uint8_t *)buf + off, 16);
		bad += (w[0] & ~0xff0000ull) || w[1] || (w[0] >> 16 & 0xff) > 1;
		rsvd += (w[0] >> 16 & 0xff) == 1;
	}
	add64(&m->pamt_written, len);
	add64(&m->bad_entries, bad);
	add64(&m->rsvd_entries, rsvd);
	return 0;
}

/* ---- The environment: emulator, host state, platform ops ---------------- */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

struct env {
	struct emu *e;
	struct emu_config cfg;
	struct mem mem;
	struct tdx_host *h;
	struct tdx_host_ops ops;
	bool threads, echo;		/* run_parallel on pthreads, print the log */
	char lines[256][256];
	unsigned nlines, wbinvds;
	uint64_t clock_us;
	unsigned keyed[EMU_MAX_PKGS];	/* successful KEY.CONFIGs per package */
	bool hide_no_rbp_mod;		/* TDX_FEATURES0 read without it */
	unsigned fail_leaf;		/* its fail_nth-th call gets fail_status */
	uint64_t fail_nth, fail_status, fail_seen;
};

#define ENV(ctx) ((struct env *)(ctx))

_Static_assert(sizeof(struct emu_regs) == sizeof(struct tdx_regs) &&
	       offsetof(struct emu_regs, r8) == offsetof(struct tdx_regs, r8), "register files");

static uint64_t op_seamcall(void *ctx, unsigned cpu, struct tdx_regs *r)
{
	struct env *v = ctx;
	unsigned leaf = TDX_LEAF(r->rax);
	struct emu_regs er;
	bool cf;

	/* Fake time: a TDMR.INIT call (4 MiB of PAMT) takes longest. */
	add64(&v->clock_us, leaf == TDH_SYS_TDMR_INIT ? 200 : 10);
	if (v->fail_nth && leaf == v->fail_leaf &&
	    __atomic_add_fetch(&v->fail_seen, 1, __ATOMIC_RELAXED) == v->fail_nth)
		return r->rcx = r->rdx = r->r8 = r->r9 = ~0ull, v->fail_status;	/* trashed */
	memcpy(&er, r, sizeof(er));
	emu_seamcall(v->e, cpu, &er, &cf);
	if (cf)
		return TDX_SEAMCALL_VMFAILINVALID;
	if (leaf == TDH_SYS_KEY_CONFIG && er.rax == TDX_SUCCESS)
		__atomic_fetch_add(&v->keyed[v->cfg.lp_pkg[cpu]], 1, __ATOMIC_RELAXED);
	if (leaf == TDH_SYS_RD && r->rdx == MD_SYS_TDX_FEATURES0 && v->hide_no_rbp_mod)
		er.r8 &= ~TDX_FEATURES0_NO_RBP_MOD;
	memcpy(r, &er, sizeof(er));
	return er.rax;
}

/* One run_parallel at a time: its threads find fn and arg here. */
static void (*par_fn)(void *arg, unsigned cpu);
static void *par_arg;

static void *thread_main(void *cpu)
{
	par_fn(par_arg, *(const unsigned *)cpu);
	return NULL;
}

static void op_run_parallel(void *ctx, const unsigned *cpus, unsigned n,
			    void (*fn)(void *arg, unsigned cpu), void *arg)
{
	pthread_t tid[EMU_MAX_LPS];

	par_fn = fn;
	par_arg = arg;
	for (unsigned i = 0; i < n; i++)
		if (!ENV(ctx)->threads)
			fn(arg, cpus[i]);
		else if (pthread_create(&tid[i], NULL, thread_main, (void *)&cpus[i]))
			abort();
	for (unsigned i = 0; ENV(ctx)->threads && i < n; i++)
		pthread_join(tid[i], NULL);
}

static unsigned op_cpu_package(void *ctx, unsigned cpu) { return ENV(ctx)->cfg.lp_pkg[cpu]; }
static void op_wbinvd_all(void *ctx) { ENV(ctx)->wbinvds++; }
static void op_free_pages(void *ctx, uint64_t pa, uint64_t n) { mem_free(&ENV(ctx)->mem, pa, n); }
static uint64_t op_now_us(void *ctx) { return __atomic_load_n(&ENV(ctx)->clock_us, __ATOMIC_RELAXED); }

static int op_alloc_pages(void *ctx, uint64_t bytes, uint64_t align, uint64_t *pa)
{
	return mem_alloc(&ENV(ctx)->mem, bytes, align, pa);
}

static void *op_phys_to_virt(void *ctx, uint64_t pa)
{
	struct block *b = find_block(&ENV(ctx)->mem, pa, 1);

	if (!b || !b->data)
		fail_msg("phys_to_virt(0x%llx): no stored block", (unsigned long long)pa);
	return b->data + (pa - b->pa);
}

static void op_log(void *ctx, int level, const char *line)
{
	struct env *v = ctx;

	(void)level;
	pthread_mutex_lock(&log_lock);
	if (v->nlines < 256)
		snprintf(v->lines[v->nlines++], sizeof(v->lines[0]), "%s", line);
	if (v->echo)
		printf("    | %s\n", line);
	pthread_mutex_unlock(&log_lock);
}

/* emu_init again, after a change to v->cfg (drops faults). */
static void env_reconfig(struct env *v)
{
	struct emu_mem_ops mops = { emu_mem_read, emu_mem_write, &v->mem };

	assert_int_equal(emu_init(v->e, &v->cfg, &mops), 0);
}

static struct env *env_new(unsigned nlps, bool threads)
{
	struct env *v = calloc(1, sizeof(*v));

	assert_true(v && (v->e = calloc(1, sizeof(*v->e))) && (v->h = calloc(1, sizeof(*v->h))));
	v->threads = threads;
	v->cfg = (struct emu_config){ .nlps = nlps, .npkgs = 2, .pkg_fms = { 0x806f8, 0x806f8 },
		.ncmr = NCMRS, .seamrr_base = 0x2070000000, .seamrr_size = 64 * MiB,
		.num_mktme_keyids = NUM_MKTME, .num_tdx_keyids = NUM_TDX, .maxpa = 46,
		.keyid_bits = 7, .module_loaded = true, .seed = 1 };
	for (unsigned i = 0; i < nlps; i++)
		v->cfg.lp_pkg[i] = i >= nlps / 2;
	memcpy(v->cfg.cmr, host_cmrs, sizeof(host_cmrs));
	env_reconfig(v);
	v->h->num_mktme_keyids = NUM_MKTME;
	v->h->num_tdx_keyids = NUM_TDX;
	v->ops = (struct tdx_host_ops){ .ncpus = nlps, .cpu_package = op_cpu_package,
		.seamcall = op_seamcall, .run_parallel = op_run_parallel, .wbinvd_all = op_wbinvd_all,
		.alloc_pages = op_alloc_pages, .free_pages = op_free_pages,
		.phys_to_virt = op_phys_to_virt, .log = op_log, .now_us = op_now_us, .ctx = v };
	return v;
}

static int env_init(struct env *v) { return tdx_host_init(v->h, &v->ops); }

/* What every run leaves: no stray access or bad free, and PAMT allocated
 * exactly while the module is ready. */
static void env_free(struct env *v)
{
	assert_true(v->mem.stray == 0 && v->mem.bad_free == 0 && v->mem.bad_entries == 0);
	assert_int_equal(v->mem.live, v->h->state == TDX_HOST_READY ? v->h->plan.pamt_bytes : 0);
	for (unsigned i = 0; i < v->mem.n; i++)
		free(v->mem.blk[i].data);
	free(v->e);
	free(v->h);
	free(v);
}

static unsigned log_count(const struct env *v, const char *needle)
{
	unsigned n = 0;

	for (unsigned i = 0; i < v->nlines; i++)
		n += strstr(v->lines[i], needle) != NULL;
	return n;
}

static void assert_logged(const struct env *v, const char *needle)
{
	for (unsigned i = 0; !log_count(v, needle) && i < v->nlines; i++)
		printf("    | %s\n", v->lines[i]);
	if (!log_count(v, needle))
		fail_msg("not in the log: \"%s\"", needle);
}

static const char *last_line(const struct env *v) { return v->nlines ? v->lines[v->nlines - 1] : ""; }

static void add_fault(struct env *v, unsigned leaf, uint64_t status, unsigned percent)
{
	assert_int_equal(emu_add_fault(v->e, &(struct emu_fault){ .leaf = (uint16_t)leaf,
				       .status = status, .percent = percent }), 0);
}

static void check_ready(struct env *v)
{
	const struct tdx_host *h = v->h;
	const struct tdx_module_info *m = &h->info;
	const struct tdmr_plan *p = &h->plan;
	unsigned long long kb = 0, entries = 0, rsvd = 0;
	char want[80];

	assert_true(h->state == TDX_HOST_READY && v->e->state == TDX_GLOBAL_SYS_READY &&
		    v->e->ntdmrs == p->ntdmrs);
	for (unsigned i = 0; i < NCMRS; i++) {
		snprintf(want, sizeof(want), "tdx: CMR: [0x%llx, 0x%llx)",
			 (unsigned long long)host_cmrs[i].base,
			 (unsigned long long)(host_cmrs[i].base + host_cmrs[i].size));
		assert_int_equal(log_count(v, want), 1);
	}
	/* The planner's total: Linux's, plus at most 8 KiB per TDMR cut off
	 * for parallel TDMR.INIT (tdmr_plan_split_for_parallel). */
	for (unsigned i = 0; i < v->nlines && !kb; i++)
		sscanf(v->lines[i], "tdx: %llu KB allocated for PAMT", &kb);
	assert_int_equal(kb, h->plan.pamt_bytes / 1024);
	assert_true(kb <= LINUX_PAMT_KB + 8 * (h->plan.ntdmrs > 3 ? h->plan.ntdmrs - 3 : 0));
	assert_string_equal(last_line(v), "tdx: module initialized");
	/* TDMR.INIT wrote every 4K, 2M and 1G entry of every TDMR once,
	 * PT_RSVD for exactly the pages in reserved areas. */
	for (unsigned i = 0; i < p->ntdmrs; i++) {
		entries += p->tdmr[i].size / 4096 + p->tdmr[i].size / (2 * MiB) + p->tdmr[i].size / GiB;
		for (unsigned j = 0; j < p->tdmr[i].nrsvd; j++)
			rsvd += p->tdmr[i].rsvd[j].size / 4096;
	}
	assert_true(v->mem.pamt_written == entries * 16 && v->mem.rsvd_entries == rsvd &&
		    v->e->stats.mem_errors == 0);
	/* One WBINVD, each package keyed once, every CPU LP.INIT-ed. */
	assert_true(v->wbinvds == 1 && v->keyed[0] == 1 && v->keyed[1] == 1);
	assert_int_equal(v->e->num_init_lps, v->cfg.nlps);
	assert_int_equal(h->stats.tdmr.calls,
			 h->stats.calls[TDH_SYS_TDMR_INIT] - h->stats.retries[TDH_SYS_TDMR_INIT]);
	/* KeyIDs, and some of what TD creation needs (1.5.01's values). */
	assert_true(h->global_keyid == NUM_MKTME + 1 && h->td_keyid_first == NUM_MKTME + 2 &&
		    h->td_keyid_count == NUM_TDX - 1);
	assert_true(m->major == 1 && m->minor == 5 && m->update == 1 && m->tdcs_base_size == 6 * 4096 &&
		    m->config_flags_fixed0 == 7 && m->has_max_vcpus_per_td && m->num_cpuid_config == 12);
	assert_true(m->cpuid_config[1].leaf == 4 && m->cpuid_config[1].ebx == 0xfffff000u);
}

/* One by one (log shown), then on 8 threads with a TDMR.INIT answered busy,
 * registers trashed: the retry re-issues the inputs. Then nothing to do. */
static void test_init(void **state)
{
	char line[160];

	(void)state;
	for (unsigned threads = 0; threads < 2; threads++) {
		struct env *v = env_new(8, threads);

		v->echo = !threads;
		v->fail_leaf = TDH_SYS_TDMR_INIT;
		v->fail_nth = threads ? 100 : 0;
		v->fail_status = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
		assert_int_equal(env_init(v), 0);
		check_ready(v);
		assert_true(v->h->stats.tdmr.nworkers == 8 && v->h->stats.busy_retries == threads);
		/* 200 us per TDMR.INIT: a progress line every 5 s of the 13. */
		assert_int_equal(log_count(v, "tdx: TDH.SYS.TDMR.INIT "), 2);
		tdx_host_tdmr_init_stats(v->h, line, sizeof(line));
		printf("    %s: %u TDMRs; %s\n", threads ? "threads" : "one by one", v->h->plan.ntdmrs, line);
		assert_int_equal(env_init(v), 0);
		assert_string_equal(last_line(v), "tdx: module already initialized");
		assert_int_equal(v->e->stats.calls[TDH_SYS_INIT], 1);
		env_free(v);
	}
}

/* The failure report once, the init error last, nothing left allocated,
 * WBINVD once more if the module may have touched PAMT; and for good. */
static void check_failed(struct env *v, int rc, unsigned leaf, uint64_t status, unsigned wbinvds)
{
	char want[160], *p;

	assert_true(rc == -TDX_HOST_ERR_SEAMCALL && v->h->state == TDX_HOST_FAILED);
	p = want + snprintf(want, sizeof(want), "tdx: SEAMCALL %s failed: ", tdx_leaf_name(leaf));
	tdx_status_describe(status, p, sizeof(want) - (size_t)(p - want));
	assert_logged(v, want);
	assert_true(log_count(v, "tdx: SEAMCALL ") == 1 && log_count(v, "tdx: RCX 0x") == 1);
	assert_string_equal(last_line(v), "tdx: module initialization failed (-4): SEAMCALL failed");
	assert_true(v->wbinvds == wbinvds && v->mem.live == 0 && v->mem.nallocs == v->mem.nfrees);
	assert_true(v->h->fail.status == status && TDX_LEAF(v->h->fail.rax_in) == leaf);

	assert_int_equal(env_init(v), -TDX_HOST_ERR_STATE);
	assert_logged(v, "reboot to try again");
	assert_int_equal(log_count(v, "the module cannot return to SYSINIT_PENDING"),
			 leaf != TDH_SYS_INIT);
}

/* Each leaf failing for good, sequentially and on threads; the retry
 * bounds (1 + 10 calls for entropy, 1 + 1000 for busy); TDMR.INIT failing
 * deep into the work while other CPUs work on other TDMRs: they stop. */
static void test_leaf_fails(void **state)
{
	static const struct { unsigned leaf; uint64_t status; unsigned wbinvds, calls; } cases[] = {
		{ TDH_SYS_INIT, TDX_OPERAND_INVALID, 0, 1 }, { TDH_SYS_LP_INIT, TDX_OPERAND_INVALID, 0, 8 },
		{ TDH_SYS_RD, TDX_OPERAND_INVALID, 0, 1 }, { TDH_SYS_CONFIG, TDX_OPERAND_INVALID, 0, 1 },
		{ TDH_SYS_KEY_CONFIG, TDX_OPERAND_INVALID, 2, 1 },
		{ TDH_SYS_TDMR_INIT, TDX_OPERAND_INVALID, 2, 0 },
		{ TDH_SYS_INIT, TDX_RND_NO_ENTROPY, 0, 1 + TDX_HOST_ENTROPY_RETRIES },
		{ TDH_SYS_KEY_CONFIG, TDX_SYS_BUSY, 2, 1 + TDX_HOST_BUSY_RETRIES },
	};
	struct env *v;
	uint64_t calls;

	(void)state;
	for (unsigned threads = 0; threads < 2; threads++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			v = env_new(8, threads);
			add_fault(v, cases[i].leaf, cases[i].status, 100);
			check_failed(v, env_init(v), cases[i].leaf, cases[i].status, cases[i].wbinvds);
			calls = v->e->stats.calls[cases[i].leaf];	/* TDMR.INIT: 1 per CPU */
			assert_true(cases[i].calls ? calls == cases[i].calls : calls <= 8);
			env_free(v);
		}
		v = env_new(8, threads);
		v->fail_leaf = TDH_SYS_TDMR_INIT;
		v->fail_nth = 5000;
		v->fail_status = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		check_failed(v, env_init(v), TDH_SYS_TDMR_INIT, v->fail_status, 2);
		assert_logged(v, "TDX_OPERAND_INVALID (0xc000010000000001) operand RCX on CPU ");
		calls = v->e->stats.calls[TDH_SYS_TDMR_INIT];
		assert_true(calls >= 4999 && calls < 4999 + 8);
		env_free(v);
	}
}

/* Refusals before any allocation: no module, too few KeyIDs (before any
 * SEAMCALL), no NO_RBP_MOD; an LP the BIOS enabled that the host lacks. */
static void test_refusals(void **state)
{
	struct env *v = env_new(8, false);

	(void)state;
	v->cfg.module_loaded = false;
	env_reconfig(v);
	assert_int_equal(env_init(v), -TDX_HOST_ERR_NO_MODULE);
	assert_string_equal(v->lines[0], "tdx: module not loaded");
	assert_string_equal(last_line(v), "tdx: module initialization failed (-3): module not loaded");
	assert_true(log_count(v, "SEAMCALL") == 0 && v->mem.nallocs == 0);
	assert_int_equal(env_init(v), -TDX_HOST_ERR_STATE);
	assert_string_equal(last_line(v), "tdx: module initialization failed earlier "
			    "(module not loaded), reboot to try again");
	assert_int_equal(v->e->stats.vmfail, 1);
	env_free(v);

	v = env_new(8, false);
	v->cfg.num_tdx_keyids = v->h->num_tdx_keyids = 1;
	env_reconfig(v);
	assert_int_equal(env_init(v), -TDX_HOST_ERR_KEYIDS);
	assert_string_equal(v->lines[0], "tdx: initialization failed: too few private KeyIDs available.");
	assert_true(v->e->stats.calls[TDH_SYS_INIT] == 0 && v->e->stats.vmfail == 0);
	env_free(v);

	v = env_new(8, false);
	v->hide_no_rbp_mod = true;
	assert_int_equal(env_init(v), -TDX_HOST_ERR_MODULE);
	assert_logged(v, "tdx: frame pointer (RBP) clobber bug present, upgrade TDX module");
	assert_true(v->e->stats.calls[TDH_SYS_CONFIG] == 0 && v->mem.nallocs == 0);
	env_free(v);

	v = env_new(8, false);
	v->ops.ncpus = 7;
	check_failed(v, env_init(v), TDH_SYS_CONFIG, TDX_SYS_CONFIG_NOT_PENDING, 0);
	assert_logged(v, "every BIOS-enabled CPU must do TDH.SYS.LP.INIT before TDH.SYS.CONFIG; "
		      "7 are online");
	env_free(v);
}

/* Allocation k fails, for every k until init succeeds; the last failure
 * hits the cut for parallel init, and the plan stays as built. */
static void test_out_of_memory(void **state)
{
	int k, rc = -1;

	(void)state;
	for (k = 0; rc; k++) {
		struct env *v = env_new(8, false);

		v->mem.fail_at = k + 1;
		if ((rc = env_init(v)) == 0) {
			check_ready(v);
			assert_logged(v, "tdx: TDMRs not split for parallel TDH.SYS.TDMR.INIT");
		} else {
			assert_true(rc == -TDX_HOST_ERR_NOMEM || rc == -TDX_HOST_ERR_PLAN);
			assert_logged(v, k ? "tdx: initialization failed: " : "tdx: out of memory for TDMR_INFO");
			assert_int_equal(v->e->stats.calls[TDH_SYS_CONFIG], 0);
		}
		env_free(v);
	}
	assert_true(k > 2);
}

static const unsigned init_leaves[6] = {
	TDH_SYS_INIT, TDH_SYS_LP_INIT, TDH_SYS_RD, TDH_SYS_CONFIG, TDH_SYS_KEY_CONFIG, TDH_SYS_TDMR_INIT,
};

/* A fault on every init leaf (seed 2: its first roll, SYS.INIT's, hits).
 * Init succeeds; each host call reached the emulator, each injected fault
 * was retried, and per leaf, calls = retries + one per call the sequence
 * made. SYS.CONFIG (1 call) and KEY.CONFIG (2) may miss their rolls. */
static void retried(const uint64_t *status, const unsigned *percent, bool busy)
{
	struct env *v = env_new(8, false);
	const struct tdx_host_stats *s = &v->h->stats;
	uint64_t retries = 0, made[6] = { 1, v->cfg.nlps, 0, 1, v->cfg.npkgs, 0 };

	v->cfg.seed = 2;
	env_reconfig(v);
	for (unsigned i = 0; i < 6; i++)
		add_fault(v, init_leaves[i], status[i], percent[i]);
	assert_int_equal(env_init(v), 0);
	check_ready(v);
	made[5] = s->tdmr.calls;
	for (unsigned leaf = 0; leaf < EMU_NLEAVES; leaf++) {
		assert_int_equal(s->calls[leaf], v->e->stats.calls[leaf]);
		retries += s->retries[leaf];
	}
	assert_int_equal(retries, v->e->stats.injected);
	assert_int_equal(busy ? s->busy_retries : s->entropy_retries, v->e->stats.injected);
	made[2] = s->calls[TDH_SYS_RD] - s->retries[TDH_SYS_RD];
	for (unsigned i = 0; i < 6; i++) {
		printf("    %-20s %6llu calls, %5llu retried\n", tdx_leaf_name(init_leaves[i]),
		       (unsigned long long)s->calls[init_leaves[i]],
		       (unsigned long long)s->retries[init_leaves[i]]);
		assert_int_equal(s->calls[init_leaves[i]] - s->retries[init_leaves[i]], made[i]);
		assert_true(s->retries[init_leaves[i]] || init_leaves[i] == TDH_SYS_CONFIG ||
			    init_leaves[i] == TDH_SYS_KEY_CONFIG);
	}
	env_free(v);
}

/* SYS_BUSY where the module takes its global lock, OPERAND_BUSY where it
 * locks an object (metadata, the KET, a TDMR), 50% each. Entropy: 50%
 * where a leaf has few calls; 10% for SYS.RD and TDMR.INIT: with 10
 * retries a call, 50% runs out about once in 2000 calls, and TDMR.INIT
 * makes 65,536 here (no module runs out of entropy there). */
static void test_retried(void **state)
{
	static const uint64_t busy[6] = {
		TDX_SYS_BUSY, TDX_SYS_BUSY, TDX_OPERAND_BUSY | TDX_OPERAND_ID_RDX, TDX_SYS_BUSY,
		TDX_OPERAND_BUSY | TDX_OPERAND_ID_KET, TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX,
	};
	static const uint64_t entropy[6] = {
		TDX_RND_NO_ENTROPY, TDX_RND_NO_ENTROPY, TDX_RND_NO_ENTROPY, TDX_RND_NO_ENTROPY,
		TDX_KEY_GENERATION_FAILED, TDX_RND_NO_ENTROPY,
	};
	static const unsigned half[6] = { 50, 50, 50, 50, 50, 50 }, few[6] = { 50, 50, 10, 50, 50, 10 };

	(void)state;
	retried(busy, half, true);
	retried(entropy, few, false);
}

/* TDMR.INIT: 16 CPUs against a serial loop. */
static void test_tdmr_init_parallel(void **state)
{
	struct env *par = env_new(16, false), *ser = env_new(16, false), *v[2] = { par, ser };
	const struct tdx_tdmr_init_stats *p = &par->h->stats.tdmr, *s = &ser->h->stats.tdmr;
	char line[160];

	(void)state;
	ser->h->tdmr_init_cpus = 1;
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(env_init(v[i]), 0);
		check_ready(v[i]);
		tdx_host_tdmr_init_stats(v[i]->h, line, sizeof(line));
		printf("    %s: %u TDMRs, %llu KB PAMT; %s\n", i ? "serial " : "16 CPUs",
		       v[i]->h->plan.ntdmrs, (unsigned long long)(v[i]->h->plan.pamt_bytes / 1024), line);
	}
	/* Uncut, the plan needs less PAMT than Linux's. */
	assert_true(ser->h->plan.pamt_bytes / 1024 <= LINUX_PAMT_KB);
	assert_true(s->nworkers == 1 && s->critical_path == s->calls && s->calls == 256 * 256);
	assert_true(p->calls == s->calls && p->nworkers == 16 && p->critical_path * 4 < s->critical_path);
	/* The r-th CPU of each package in round r. */
	assert_true(p->worker_cpu[0] == 0 && p->worker_cpu[1] == 8 && p->worker_cpu[2] == 1);
	env_free(par);
	env_free(ser);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_leaf_fails),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_retried),
		cmocka_unit_test(test_tdmr_init_parallel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
