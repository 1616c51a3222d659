/* The host TD lifecycle (seam/td_host.c) against the emulated TDX module
 * in one process: tdx_host_init() brings a small platform to READY (4 LPs
 * in 2 packages, CMRs [1 MiB, 1 GiB - 32 MiB) and [4 GiB, 5 GiB), 32 TDX
 * KeyIDs), then TDs are created, built, measured, grown, run on a scripted
 * CPU and destroyed.
 *
 * Memory is the page allocator (the approach of test_tdx_host.c): every
 * block it hands out is backed by host memory, PAMT included, and the
 * emulator reads and writes those bytes; an access outside every live
 * block is stray (none may happen: e.g. to a page freed too early).
 * Addresses go upwards and are never reused, so every allocation and
 * every free is visible. The platform ops run leaves on the CPU named,
 * one at a time; this_cpu() is the CPU the test says it runs on. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "seam/emu/emu.h"
#include "seam/sha384.h"
#include "seam/td_host.h"
#include "seam/tdx_host.h"
#include "seam/tdx_status.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define PG 4096ull

#define NLPS		4
#define NUM_MKTME	31
#define NUM_TDX		32
#define MAXPA		46
#define KEYID_BITS	6
#define SEAMRR_BASE	(1 * GiB - 32 * MiB)
#define SEAMRR_SIZE	(32 * MiB)
/* Allocations come from CMR 1. */
#define ARENA_BASE	(4 * GiB)
#define ARENA_END	(5 * GiB)

#define IMAGE_GPA	0xFFFFD000ull	/* 3 pages up to the reset vector */
#define IMAGE_SIZE	(3 * PG)
#define TDCALL_GPA	0xFFFFE010ull	/* two TDCALLs in a row there */
#define TSC_HZ		2500000000ull

/* ---- Memory: the page allocator, the emulator's view of it -------------- */

struct block {
	uint64_t pa, size;
	uint8_t *data;
};

struct mem {
	struct block *blk;		/* sorted by pa (addresses only grow) */
	unsigned n, cap;
	unsigned calls;			/* alloc calls, failed ones included */
	unsigned fail_at;		/* the fail_at-th call fails; 0: none */
	unsigned nallocs, nfrees, failed;
	uint64_t next, live, stray, bad_free;
};

/* The live block holding [pa, pa + len), or NULL. */
static struct block *find_block(struct mem *m, uint64_t pa, uint64_t len)
{
	unsigned lo = 0, hi = m->n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (m->blk[mid].pa <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	struct block *b = &m->blk[lo - 1];
	return pa - b->pa + len <= b->size ? b : NULL;
}

static int mem_alloc(struct mem *m, uint64_t bytes, uint64_t align, uint64_t *pa)
{
	uint64_t at;

	assert_true(align && !(align & (align - 1)) && bytes);
	if (align < PG)
		align = PG;
	at = ((m->next ? m->next : ARENA_BASE) + align - 1) & ~(align - 1);
	bytes = (bytes + PG - 1) & ~(PG - 1);
	if (++m->calls == m->fail_at || at + bytes > ARENA_END) {
		m->failed++;
		return -1;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 256;
		m->blk = realloc(m->blk, m->cap * sizeof(*m->blk));
		assert_non_null(m->blk);
	}
	m->blk[m->n] = (struct block){ at, bytes, calloc(1, bytes) };
	assert_non_null(m->blk[m->n].data);
	m->n++;
	m->next = at + bytes;
	m->live += bytes;
	m->nallocs++;
	*pa = at;
	return 0;
}

static void mem_free(struct mem *m, uint64_t pa, uint64_t bytes)
{
	struct block *b = find_block(m, pa, 1);

	if (!b || b->pa != pa || b->size != ((bytes + PG - 1) & ~(PG - 1))) {
		m->bad_free++;
		return;
	}
	free(b->data);
	m->live -= b->size;
	m->nfrees++;
	memmove(b, b + 1, (size_t)(&m->blk[--m->n] - b) * sizeof(*b));
}

static int emu_mem_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	struct mem *m = ctx;
	struct block *b = find_block(m, pa, len);

	if (!b)
		return m->stray++, -1;
	memcpy(buf, b->data + (pa - b->pa), len);
	return 0;
}

static int emu_mem_write(void *ctx, uint64_t pa, const void *buf, size_t len)
{
	struct mem *m = ctx;
	struct block *b = find_block(m, pa, len);

	if (!b)
		return m->stray++, -1;
	memcpy(b->data + (pa - b->pa), buf, len);
	return 0;
}

/* ---- The CPU: a scripted guest behind TDH.VP.ENTER ------------------------ */

#define INTR_VALID	(1u << 31)
#define UD_EXIT		(INTR_VALID | 3u << 8 | 6u)	/* #UD, hardware exception */
#define EXIT_EXCEPTION	0
#define EXIT_EXT_INT	1
#define EXIT_EPT_VIOL	48
#define MAX_RUNS	16

/* One stretch of guest execution: the GPRs the guest sets, then its exit. */
struct step {
	uint32_t reason, intr_info;
	uint64_t rip, qual, gpa;
	uint32_t set;			/* bitmap of gpr[] the guest writes */
	uint64_t gpr[EMU_NGPRS];
};

struct fake_cpu {
	const struct step *script;
	unsigned nsteps, nruns;
	bool overrun;
	/* What each run() saw. */
	unsigned lp[MAX_RUNS];
	struct emu_vmentry in[MAX_RUNS];
	uint64_t gpr[MAX_RUNS][EMU_NGPRS];
	/* flush() calls. */
	unsigned nflush, flush_lp[MAX_RUNS];
	uint64_t flush_vmcs[MAX_RUNS];
};

static int fake_run(void *ctx, unsigned lp, const struct emu_vmentry *in, struct emu_vmexit *out)
{
	struct fake_cpu *f = ctx;
	unsigned n = f->nruns;

	if (n >= f->nsteps || n >= MAX_RUNS) {
		f->overrun = true;
		out->reason = TDX_EXIT_REASON_ENTRY_FAIL | 33;
		return -1;
	}
	const struct step *s = &f->script[n];
	f->lp[n] = lp;
	f->in[n] = *in;
	memcpy(f->gpr[n], in->gpr, sizeof(f->gpr[n]));
	f->nruns++;
	for (unsigned i = 0; i < EMU_NGPRS; i++)
		if (s->set & (1u << i))
			in->gpr[i] = s->gpr[i];
	/* 32-bit protected mode, paging off (§6.5), flat CS. */
	*out = (struct emu_vmexit){ .reason = s->reason, .intr_info = s->intr_info,
		.qual = s->qual, .gpa = s->gpa, .rip = s->rip, .rflags = 2, .cr0 = 0x21,
		.cr4 = 0x2040, .efer = 0x901, .cs_base = 0, .cpl = 0, .instr_len = 4 };
	return 0;
}

static void fake_flush(void *ctx, unsigned lp, uint64_t vmcs_pa)
{
	struct fake_cpu *f = ctx;

	if (f->nflush < MAX_RUNS) {
		f->flush_lp[f->nflush] = lp;
		f->flush_vmcs[f->nflush] = vmcs_pa;
	}
	f->nflush++;
}

static const struct emu_cpu_ops fake_cpu_ops = { .run = fake_run, .flush = fake_flush };

/* ---- The environment: emulator, host state, platform ops ---------------- */

struct env {
	struct emu *e;
	struct emu_config cfg;
	struct mem mem;
	struct tdx_host *h;
	struct tdx_host_ops ops;
	struct fake_cpu cpu;
	unsigned cur_cpu;		/* what this_cpu() says */
	uint64_t clock_us;
	uint32_t leaf_cpus[EMU_NLEAVES];	/* CPUs each leaf ran on, by bit */
	char lines[64][256];
	unsigned nlines;
	/* After init: what belongs to the module, not to any TD. */
	uint64_t base_live;
	unsigned base_blocks;
};

#define ENV(ctx) ((struct env *)(ctx))

static uint64_t op_seamcall(void *ctx, unsigned cpu, struct tdx_regs *r)
{
	struct env *v = ctx;
	struct emu_regs er;
	bool cf;

	_Static_assert(sizeof(er) == sizeof(*r), "register files differ");
	v->clock_us += 10;
	v->leaf_cpus[TDX_LEAF(r->rax) % EMU_NLEAVES] |= 1u << cpu;
	memcpy(&er, r, sizeof(er));
	emu_seamcall(v->e, cpu, &er, &cf);
	if (cf)
		return TDX_SEAMCALL_VMFAILINVALID;
	memcpy(r, &er, sizeof(er));
	return er.rax;
}

static void op_run_parallel(void *ctx, const unsigned *cpus, unsigned n,
			    void (*fn)(void *arg, unsigned cpu), void *arg)
{
	(void)ctx;
	for (unsigned i = 0; i < n; i++)
		fn(arg, cpus[i]);
}

static unsigned op_cpu_package(void *ctx, unsigned cpu) { return ENV(ctx)->cfg.lp_pkg[cpu]; }
static void op_wbinvd_all(void *ctx) { (void)ctx; }
static unsigned op_this_cpu(void *ctx) { return ENV(ctx)->cur_cpu; }
static uint64_t op_now_us(void *ctx) { return ENV(ctx)->clock_us; }
static void op_free_pages(void *ctx, uint64_t pa, uint64_t n) { mem_free(&ENV(ctx)->mem, pa, n); }

static int op_alloc_pages(void *ctx, uint64_t bytes, uint64_t align, uint64_t *pa)
{
	return mem_alloc(&ENV(ctx)->mem, bytes, align, pa);
}

static void *op_phys_to_virt(void *ctx, uint64_t pa)
{
	struct block *b = find_block(&ENV(ctx)->mem, pa, 1);

	if (!b)
		fail_msg("phys_to_virt(0x%llx): no live block", (unsigned long long)pa);
	return b->data + (pa - b->pa);
}

/* The last 64 lines; SEAMCALL failure reports are checked for. */
static void op_log(void *ctx, int level, const char *line)
{
	struct env *v = ctx;

	(void)level;
	if (v->nlines == 64) {
		memmove(v->lines[0], v->lines[1], sizeof(v->lines) - sizeof(v->lines[0]));
		v->nlines--;
	}
	snprintf(v->lines[v->nlines++], sizeof(v->lines[0]), "%s", line);
}

static unsigned log_count(const struct env *v, const char *needle)
{
	unsigned n = 0;

	for (unsigned i = 0; i < v->nlines; i++)
		n += strstr(v->lines[i], needle) != NULL;
	return n;
}

/* No SEAMCALL failed since init (the layer reports the first one). */
static void assert_no_failure(const struct env *v)
{
	if (log_count(v, "failed")) {
		for (unsigned i = 0; i < v->nlines; i++)
			printf("    | %s\n", v->lines[i]);
		fail_msg("a SEAMCALL failed");
	}
}

static struct env *env_new(void)
{
	struct env *v = calloc(1, sizeof(*v));
	struct emu_mem_ops mops;

	assert_true(v && (v->e = calloc(1, sizeof(*v->e))) && (v->h = calloc(1, sizeof(*v->h))));
	v->cfg = (struct emu_config){ .nlps = NLPS, .npkgs = 2, .pkg_fms = { 0x806f8, 0x806f8 },
		.lp_pkg = { 0, 0, 1, 1 }, .ncmr = 2,
		.cmr = { { 1 * MiB, SEAMRR_BASE - 1 * MiB }, { 4 * GiB, 1 * GiB } },
		.seamrr_base = SEAMRR_BASE, .seamrr_size = SEAMRR_SIZE,
		.num_mktme_keyids = NUM_MKTME, .num_tdx_keyids = NUM_TDX, .maxpa = MAXPA,
		.keyid_bits = KEYID_BITS, .module_loaded = true, .seed = 1 };
	mops = (struct emu_mem_ops){ emu_mem_read, emu_mem_write, &v->mem };
	assert_int_equal(emu_init(v->e, &v->cfg, &mops), 0);
	emu_set_cpu_ops(v->e, &fake_cpu_ops, &v->cpu);
	v->h->num_mktme_keyids = NUM_MKTME;
	v->h->num_tdx_keyids = NUM_TDX;
	v->h->keyid_shift = MAXPA - KEYID_BITS;
	v->ops = (struct tdx_host_ops){ .ncpus = NLPS, .cpu_package = op_cpu_package,
		.seamcall = op_seamcall, .run_parallel = op_run_parallel, .wbinvd_all = op_wbinvd_all,
		.this_cpu = op_this_cpu, .alloc_pages = op_alloc_pages, .free_pages = op_free_pages,
		.phys_to_virt = op_phys_to_virt, .log = op_log, .now_us = op_now_us, .ctx = v };
	assert_int_equal(tdx_host_init(v->h, &v->ops), 0);
	assert_true(v->h->state == TDX_HOST_READY && v->h->td_keyid_first == NUM_MKTME + 2 &&
		    v->h->td_keyid_count == NUM_TDX - 1);
	assert_true(v->mem.stray == 0 && v->mem.live == v->h->plan.pamt_bytes);
	v->base_live = v->mem.live;
	v->base_blocks = v->mem.n;
	memset(v->leaf_cpus, 0, sizeof(v->leaf_cpus));
	return v;
}

static void env_free(struct env *v)
{
	assert_true(v->mem.stray == 0 && v->mem.bad_free == 0 && !v->cpu.overrun);
	for (unsigned i = 0; i < v->mem.n; i++)
		free(v->mem.blk[i].data);
	free(v->mem.blk);
	free(v->e);
	free(v->h);
	free(v);
}

static const struct emu_td *emu_td_of(const struct env *v, uint64_t tdr)
{
	for (unsigned i = 0; i < EMU_MAX_TDS; i++)
		if (tdr && v->e->tds[i].tdr_pa == tdr)
			return &v->e->tds[i];
	return NULL;
}

static const struct emu_vcpu *emu_vcpu_of(const struct env *v, uint64_t tdvpr)
{
	for (unsigned i = 0; i < EMU_MAX_VCPUS; i++)
		if (tdvpr && v->e->vcpus[i].tdvpr_pa == tdvpr)
			return &v->e->vcpus[i];
	return NULL;
}

static bool keyid_busy(const struct env *v, uint16_t keyid)
{
	unsigned i = (unsigned)(keyid - v->h->td_keyid_first);

	return v->h->td_keyid_busy[i / 64] >> (i % 64) & 1;
}

/* No TD anywhere: every page back in the allocator (only PAMT is left),
 * the module knows no TD or vCPU and owns no page, every KeyID free. */
static void check_clean(const struct env *v)
{
	assert_int_equal(v->mem.live, v->base_live);
	assert_int_equal(v->mem.n, v->base_blocks);
	assert_true(v->mem.stray == 0 && v->mem.bad_free == 0);
	for (unsigned i = 0; i < EMU_MAX_TDS; i++)
		assert_int_equal(v->e->tds[i].tdr_pa, 0);
	for (unsigned i = 0; i < EMU_MAX_VCPUS; i++)
		assert_int_equal(v->e->vcpus[i].tdvpr_pa, 0);
	for (unsigned pt = 2; pt < 16; pt++)
		assert_int_equal(v->e->stats.pamt_pages[pt], 0);
	for (unsigned i = 0; i < TDX_HOST_MAX_TD_KEYIDS / 64; i++)
		assert_int_equal(v->h->td_keyid_busy[i], 0);
}

static uint64_t emu_calls(const struct env *v)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < EMU_NLEAVES; i++)
		n += v->e->stats.calls[i];
	return n;
}

/* ---- The image and its measurement (§7.3) --------------------------------- */

static uint8_t image[IMAGE_SIZE];

static void make_image(void)
{
	static const uint8_t tdcall[] = { 0x66, 0x0f, 0x01, 0xcc, 0x66, 0x0f, 0x01, 0xcc };
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < sizeof(image); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		image[i] = (uint8_t)x;
	}
	memcpy(image + (TDCALL_GPA - IMAGE_GPA), tdcall, sizeof(tdcall));
}

static void mr_block(struct sha384_ctx *c, const char *tag, uint64_t gpa)
{
	uint8_t b[128] = { 0 };

	memcpy(b, tag, strlen(tag));
	for (int i = 0; i < 8; i++)
		b[16 + i] = (uint8_t)(gpa >> (8 * i));
	sha384_update(c, b, sizeof(b));
}

/* The MRTD of `size` bytes at gpa, PAGE.ADD-ed page by page (the tail
 * zero-padded), each page then MR.EXTEND-ed 256 bytes at a time. */
static void expected_mrtd(uint64_t gpa, const uint8_t *img, uint64_t size, bool measure,
			  uint8_t out[48])
{
	struct sha384_ctx c;
	uint8_t page[PG];

	sha384_init(&c);
	for (uint64_t off = 0; off < size; off += PG) {
		memset(page, 0, sizeof(page));
		memcpy(page, img + off, size - off < PG ? size - off : PG);
		mr_block(&c, "MEM.PAGE.ADD", gpa + off);
		for (unsigned k = 0; measure && k < 16; k++) {
			mr_block(&c, "MR.EXTEND", gpa + off + 256 * k);
			sha384_update(&c, page + 256 * k, 256);
		}
	}
	sha384_final(&c, out);
}

static const struct td_request one_vcpu = { .vcpus = 1, .tsc_hz = TSC_HZ };

/* A runnable TD with the image. */
static void build(struct env *v, struct td *td, const struct td_request *req, uint64_t size,
		  bool measure)
{
	assert_int_equal(td_create(td, v->h, req), 0);
	assert_int_equal(td_add_image(td, IMAGE_GPA, image, size, measure), 0);
	assert_int_equal(td_finalize(td), 0);
	assert_int_equal(td->state, TD_RUNNABLE);
}

/* Destroys and checks that nothing is left. */
static void destroy_clean(struct env *v, struct td *td)
{
	assert_int_equal(td_destroy(td), 0);
	assert_int_equal(td->state, TD_NONE);
	assert_int_equal(td->pages, 0);
	check_clean(v);
	assert_int_equal(td_destroy(td), 0);	/* again: nothing to do */
}

/* ---- 1. Build and measure ----------------------------------------------- */

/* The 3-page image, measured: td->mrtd and the module's MRTD both equal a
 * SHA-384 over the §7.3 block stream built here. Unmeasured and 100 bytes
 * into a third page: only PAGE.ADD blocks, the page's tail zero. */
static void test_measure(void **state)
{
	struct env *v = env_new();
	const struct emu_td *et;
	uint8_t want[48];
	struct td td;

	(void)state;
	build(v, &td, &one_vcpu, IMAGE_SIZE, true);
	expected_mrtd(IMAGE_GPA, image, IMAGE_SIZE, true, want);
	assert_memory_equal(td.mrtd, want, 48);
	et = emu_td_of(v, td.tdr);
	assert_non_null(et);
	assert_memory_equal(et->mrtd, want, 48);
	assert_int_equal(et->hkid, td.hkid);
	assert_true(v->e->stats.calls[TDH_MEM_PAGE_ADD] == 3 &&
		    v->e->stats.calls[TDH_MR_EXTEND] == 48 &&
		    v->e->stats.calls[TDH_MEM_SEPT_ADD] == 3 &&
		    v->e->stats.calls[TDH_MR_FINALIZE] == 1);
	/* TDR, 6 TDCS, TDVPR + 5 TDCX, 3 S-EPT tables, 3 image pages. */
	assert_int_equal(td.pages, 1 + 6 + 6 + 3 + 3);
	assert_true(v->e->stats.pamt_pages[PT_TDR] == 1 && v->e->stats.pamt_pages[PT_TDCX] == 11 &&
		    v->e->stats.pamt_pages[PT_TDVPR] == 1 && v->e->stats.pamt_pages[PT_EPT] == 3 &&
		    v->e->stats.pamt_pages[PT_REG] == 3);
	/* Only the TD's pages and its S-EPT mirror are allocated: the
	 * bounce page and TD_PARAMS went back. */
	assert_int_equal(v->mem.live - v->base_live, td.pages * PG + td.map_bytes);
	/* Leaves without an LP of their own ran on this CPU; the key on the
	 * first CPU of each package. */
	assert_int_equal(v->leaf_cpus[TDH_MNG_CREATE] | v->leaf_cpus[TDH_MEM_PAGE_ADD], 1u << 0);
	assert_int_equal(v->leaf_cpus[TDH_MNG_KEY_CONFIG], 1u << 0 | 1u << 2);
	assert_no_failure(v);
	destroy_clean(v, &td);

	/* Unmeasured, with a partial last page. */
	uint64_t size = 2 * PG + 100;
	build(v, &td, &one_vcpu, size, false);
	expected_mrtd(IMAGE_GPA, image, size, false, want);
	assert_memory_equal(td.mrtd, want, 48);
	assert_memory_equal(emu_td_of(v, td.tdr)->mrtd, want, 48);
	for (unsigned i = 0; i < td.nmap; i++) {
		const struct td_map *m = &td.map[i];
		if (m->kind != TD_MAP_PAGE)
			continue;
		uint64_t off = m->gpa - IMAGE_GPA, n = size - off < PG ? size - off : PG;
		const uint8_t *page = op_phys_to_virt(v, m->pa);
		assert_memory_equal(page, image + off, n);
		for (uint64_t k = n; k < PG; k++)
			assert_int_equal(page[k], 0);
	}
	assert_int_equal(v->e->stats.calls[TDH_MEM_PAGE_ADD], 3 + 3);
	assert_no_failure(v);
	destroy_clean(v, &td);
	env_free(v);
}

/* ---- 2. Destroy ----------------------------------------------------------- */

/* Every page back, the KeyID free (the next TD gets it), no TD left in the
 * module; teardown in §6.9 order, each CACHE.WB on its package. */
static void test_destroy(void **state)
{
	struct env *v = env_new();
	unsigned allocs, frees;
	struct td td, td2;
	uint16_t hkid;

	(void)state;
	allocs = v->mem.nallocs;
	frees = v->mem.nfrees;
	build(v, &td, &one_vcpu, IMAGE_SIZE, true);
	assert_int_equal(td_aug(&td, 0x100000, 0), 0);
	assert_int_equal(td_aug(&td, 0x200000, 1), 0);
	hkid = td.hkid;
	assert_true(hkid >= v->h->td_keyid_first && keyid_busy(v, hkid));
	assert_non_null(emu_td_of(v, td.tdr));
	destroy_clean(v, &td);
	assert_int_equal(v->mem.nallocs - allocs, v->mem.nfrees - frees);
	assert_false(keyid_busy(v, hkid));
	assert_true(v->e->stats.calls[TDH_MNG_VPFLUSHDONE] == 1 &&
		    v->e->stats.calls[TDH_MNG_KEY_FREEID] == 1 &&
		    v->e->stats.calls[TDH_PHYMEM_CACHE_WB] >= 2 &&
		    v->e->stats.calls[TDH_PHYMEM_PAGE_WBINVD] == 1 &&
		    v->e->stats.errors[TDH_PHYMEM_PAGE_RECLAIM] == 0 &&
		    v->e->stats.errors[TDH_PHYMEM_PAGE_WBINVD] == 0);
	/* TDR, TDCS, TDVPR + TDCX, 5 S-EPT tables, 3 + 1 + 1 pages. */
	assert_int_equal(v->e->stats.calls[TDH_PHYMEM_PAGE_RECLAIM], 1 + 6 + 6 + 5 + 5);
	assert_int_equal(v->leaf_cpus[TDH_PHYMEM_CACHE_WB], 1u << 0 | 1u << 2);
	assert_no_failure(v);

	/* The same KeyID again; two TDs at once get two. */
	assert_int_equal(td_create(&td, v->h, &one_vcpu), 0);
	assert_int_equal(td.hkid, hkid);
	assert_int_equal(td_create(&td2, v->h, &one_vcpu), 0);
	assert_int_not_equal(td2.hkid, hkid);
	assert_int_equal(td_destroy(&td), 0);
	assert_false(keyid_busy(v, hkid));
	assert_true(keyid_busy(v, td2.hkid));
	destroy_clean(v, &td2);
	assert_no_failure(v);
	env_free(v);
}

/* ---- 3. PAGE.AUG ------------------------------------------------------------ */

/* Each AUG adds the S-EPT tables it lacks, once; the same GPA again is a
 * no-op (no SEAMCALL, no allocation). The image made the tables above
 * 0xFFFFD000: PML4 entry 0 (L3), the PDPT entry for [3 GiB, 4 GiB) (L2)
 * and the PD entry for its last 2 MiB (L1). */
static void test_aug(void **state)
{
	static const struct { uint64_t gpa; unsigned level, tables; } cases[] = {
		{ 0x100000, 0, 2 },		/* L2 [0, 1G), L1 [0, 2M) */
		{ 0x101000, 0, 0 },
		{ 0x200000, 1, 0 },		/* a 2M leaf in the L2 table */
		{ 0x40000000, 1, 1 },		/* L2 [1G, 2G) */
		{ 0x40200000, 0, 1 },		/* L1 [1G + 2M, 1G + 4M) */
		{ 0xFFFFC000, 0, 0 },		/* beside the image */
		{ 0x8000000000, 0, 3 },		/* 512G: L3, L2, L1 */
		{ 0x8000200000, 1, 0 },
	};
	struct env *v = env_new();
	uint64_t *sept = &v->e->stats.calls[TDH_MEM_SEPT_ADD];
	uint64_t *aug = &v->e->stats.calls[TDH_MEM_PAGE_AUG];
	uint64_t tables = 3, data = 3, pages, calls, live;
	unsigned nalloc;
	struct td td;

	(void)state;
	build(v, &td, &one_vcpu, IMAGE_SIZE, false);
	assert_int_equal(*sept, 3);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t s0 = *sept, a0 = *aug, p0 = td.pages, size = cases[i].level ? 2 * MiB : PG;

		assert_int_equal(td_aug(&td, cases[i].gpa, cases[i].level), 0);
		assert_int_equal(*sept - s0, cases[i].tables);
		assert_int_equal(*aug - a0, 1);
		assert_int_equal(td.pages - p0, cases[i].tables + size / PG);
		tables += cases[i].tables;
		data += size / PG;
		/* Again, and anywhere inside the page: nothing happens. */
		calls = emu_calls(v);
		nalloc = v->mem.calls;
		assert_int_equal(td_aug(&td, cases[i].gpa, cases[i].level), 0);
		assert_int_equal(td_aug(&td, cases[i].gpa + size - 8, cases[i].level), 0);
		assert_true(emu_calls(v) == calls && v->mem.calls == nalloc);
	}
	assert_true(v->e->stats.pamt_pages[PT_EPT] == tables && v->e->stats.pamt_pages[PT_REG] == data);
	assert_int_equal(td.pages, 1 + 6 + 6 + tables + data);
	assert_no_failure(v);

	/* Enough 4K pages to grow the S-EPT mirror: 700 in [2G, 2G + 2.8M). */
	unsigned cap = td.capmap;
	for (uint64_t k = 0; k < 700; k++)
		assert_int_equal(td_aug(&td, 2 * GiB + k * PG, 0), 0);
	assert_true(td.capmap > cap && td.nmap > cap);
	assert_int_equal(td.pages, 1 + 6 + 6 + tables + data + 3 + 700);
	assert_no_failure(v);

	/* A 4K page inside a 2M page: SEPT.ADD refuses the L1 table, nothing
	 * is left behind. */
	pages = td.pages;
	live = v->mem.live;
	assert_int_equal(td_aug(&td, 0x201000, 0), -1);
	assert_non_null(strstr(td.why, "TDH.MEM.SEPT.ADD failed"));
	assert_true(td.pages == pages && v->mem.live == live);
	destroy_clean(v, &td);
	env_free(v);
}

/* ---- 4. Running --------------------------------------------------------- */

#define GPR(r) (1u << EMU_GPR_##r)

/* TDG.VP.VMCALL<Instruction.IO> (in, port 0x60) from the first TDCALL; the
 * reply arrives, the guest runs TDG.VP.INFO (the module answers it), then
 * an interrupt exits. Next entry: an EPT violation on a shared GPA. Then
 * on CPU 1 after the move: an interrupt. */
static const struct step run_script[] = {
	{ .reason = EXIT_EXCEPTION, .intr_info = UD_EXIT, .rip = TDCALL_GPA,
	  .set = GPR(RAX) | GPR(RCX) | GPR(R10) | GPR(R11) | GPR(R12) | GPR(R13) | GPR(R14) |
		 GPR(R15) | GPR(RDX) | GPR(RBX),
	  .gpr = { [EMU_GPR_RAX] = TDG_VP_VMCALL, [EMU_GPR_RCX] = 0xfc00, [EMU_GPR_R10] = 0,
		   [EMU_GPR_R11] = 30, [EMU_GPR_R12] = 1, [EMU_GPR_R13] = 0, [EMU_GPR_R14] = 0x60,
		   [EMU_GPR_R15] = 0, [EMU_GPR_RDX] = 0xdead, [EMU_GPR_RBX] = 0xbeef } },
	{ .reason = EXIT_EXCEPTION, .intr_info = UD_EXIT, .rip = TDCALL_GPA + 4,
	  .set = GPR(RAX), .gpr = { [EMU_GPR_RAX] = TDG_VP_INFO } },
	{ .reason = EXIT_EXT_INT, .intr_info = INTR_VALID | 0x20 },
	{ .reason = EXIT_EPT_VIOL, .qual = 0x182, .gpa = TD_SHARED_BIT | 0x5000 },
	{ .reason = EXIT_EXT_INT, .intr_info = INTR_VALID | 0x21 },
};

static void test_run(void **state)
{
	static const uint64_t reply[4] = { 0x11, 0x12, 0x13, 0x14 };
	struct env *v = env_new();
	struct fake_cpu *f = &v->cpu;
	struct tdx_regs x;
	struct td td;
	uint64_t st;

	(void)state;
	build(v, &td, &one_vcpu, IMAGE_SIZE, true);
	/* A shared EPT whose empty top entry suppresses #VE, so that the
	 * shared-GPA violation below is the host's (a TD exit). */
	uint64_t sh;
	assert_int_equal(mem_alloc(&v->mem, 4096, 4096, &sh), 0);
	((uint64_t *)op_phys_to_virt(v, sh))[256] = 1ull << 63;
	assert_int_equal(td_vp_wr(&td, 0, MD_VP_SHARED_EPTP, sh, MD_VP_SHARED_EPTP_WRITE_MASK), 0);
	f->script = run_script;
	f->nsteps = sizeof(run_script) / sizeof(run_script[0]);
	assert_int_equal(td.vcpu[0].assoc_cpu, 0);

	/* The TDCALL: RAX = 77, RCX the bitmap, the selected GPRs, nothing else. */
	st = td_enter(&td, 0, &x);
	assert_int_equal(st, TDX_EXIT_REASON_TDCALL);
	assert_int_equal(x.rax, TDX_EXIT_REASON_TDCALL);
	assert_true(x.rcx == 0xfc00 && x.r10 == 0 && x.r11 == 30 && x.r12 == 1 && x.r13 == 0 &&
		    x.r14 == 0x60 && x.r15 == 0);
	assert_true(x.rdx == 0 && x.rbx == 0 && x.rsi == 0 && x.rdi == 0 && x.r8 == 0 && x.r9 == 0);
	assert_int_equal(f->nruns, 1);
	/* The first entry: the §6.5 state, RCX = R8 = the VP.INIT RDX (0). */
	assert_true(f->lp[0] == 0 && f->in[0].init_state && !f->in[0].launched &&
		    f->in[0].vmcs_pa == td.vcpu[0].tdcx[0] && f->in[0].rip_advance == 0);
	assert_true(f->gpr[0][EMU_GPR_RBX] == 48 && f->gpr[0][EMU_GPR_RCX] == 0 &&
		    f->gpr[0][EMU_GPR_R8] == 0 && f->gpr[0][EMU_GPR_RSI] == 0);

	/* The reply goes in with the next entry: R10 status, R11, R12-R15. */
	td_vmcall_reply(&td, 0, TDVMCALL_SUCCESS, 0x5a, reply);
	st = td_enter(&td, 0, &x);
	assert_int_equal(st, EXIT_EXT_INT);
	assert_int_equal(x.r9, INTR_VALID | 0x20);
	assert_int_equal(f->nruns, 3);
	assert_true(f->in[1].rip_advance == 4 && f->in[1].launched && !f->in[1].init_state);
	assert_true(f->gpr[1][EMU_GPR_RAX] == 0 && f->gpr[1][EMU_GPR_RCX] == 0xfc00 &&
		    f->gpr[1][EMU_GPR_R10] == TDVMCALL_SUCCESS && f->gpr[1][EMU_GPR_R11] == 0x5a &&
		    f->gpr[1][EMU_GPR_R12] == 0x11 && f->gpr[1][EMU_GPR_R13] == 0x12 &&
		    f->gpr[1][EMU_GPR_R14] == 0x13 && f->gpr[1][EMU_GPR_R15] == 0x14);
	/* Registers the guest did not select stay its own. */
	assert_true(f->gpr[1][EMU_GPR_RDX] == 0xdead && f->gpr[1][EMU_GPR_RBX] == 0xbeef);
	/* TDG.VP.INFO, answered by the module: GPAW, vCPU 0 of 1. */
	assert_true(f->in[2].rip_advance == 4 && f->gpr[2][EMU_GPR_RAX] == 0 &&
		    f->gpr[2][EMU_GPR_RCX] == 48 && f->gpr[2][EMU_GPR_R8] == (1ull << 32 | 1) &&
		    f->gpr[2][EMU_GPR_R9] == 0);

	/* No reply pending: nothing written into the guest. */
	st = td_enter(&td, 0, &x);
	assert_int_equal(st, EXIT_EPT_VIOL);
	assert_true(x.r8 == (TD_SHARED_BIT | 0x5000) && x.rcx == 0x182 && x.r11 == 0);
	assert_true(f->in[3].rip_advance == 0 && f->gpr[3][EMU_GPR_R12] == 0x11);
	assert_true(f->lp[3] == 0 && f->nflush == 0 && td.vcpu[0].assoc_cpu == 0);

	/* Move to CPU 1: VP.FLUSH (VMCLEAR) on CPU 0 first. */
	assert_int_equal(td_vcpu_move(&td, 0, 1), 0);
	assert_true(f->nflush == 1 && f->flush_lp[0] == 0 && f->flush_vmcs[0] == td.vcpu[0].tdcx[0]);
	assert_true(td.vcpu[0].assoc_cpu == -1 && td.vcpu[0].cpu == 1);
	assert_int_equal(v->leaf_cpus[TDH_VP_FLUSH], 1u << 0);
	v->cur_cpu = 1;
	st = td_enter(&td, 0, &x);
	assert_int_equal(st, EXIT_EXT_INT);
	assert_true(f->lp[4] == 1 && !f->in[4].launched && td.vcpu[0].assoc_cpu == 1);
	/* Already there: no flush. */
	assert_int_equal(td_vcpu_move(&td, 0, 1), 0);
	assert_int_equal(f->nflush, 1);
	assert_int_equal(f->nruns, f->nsteps);
	assert_no_failure(v);

	/* Destroy flushes it where it ran. */
	mem_free(&v->mem, sh, 4096);
	destroy_clean(v, &td);
	assert_true(f->nflush == 2 && f->flush_lp[1] == 1);
	env_free(v);
}

/* ---- 5. Failure unwinding -------------------------------------------------- */

/* One line per run of allocations that failed for the same reason. */
static void note_failure(unsigned n, const char *why, bool last)
{
	static char prev[sizeof(((struct td *)0)->why)];
	static unsigned first;

	if (prev[0] && (last || strcmp(prev, why))) {
		if (n - 1 > first)
			printf("    allocations %u-%u fail: %s\n", first, n - 1, prev);
		else
			printf("    allocation %u fails: %s\n", first, prev);
		prev[0] = 0;
	}
	if (!last && !prev[0]) {
		snprintf(prev, sizeof(prev), "%s", why);
		first = n;
	}
}

static void check_failed(struct env *v, struct td *td, const char *why)
{
	uint64_t leaked = td->state != TD_NONE ? td_destroy(td) : 0;

	if (leaked)
		fail_msg("%llu pages leaked after \"%s\"", (unsigned long long)leaked, td->why);
	if (strncmp(td->why, why, strlen(why)))
		fail_msg("td->why \"%s\", want \"%s...\"", td->why, why);
	assert_int_equal(td->pages, 0);
	check_clean(v);
}

/* Allocation n fails, for n = 1, 2, ... until the build succeeds: each
 * failure unwinds everything, says why, and leaves the KeyID free. */
static void test_out_of_memory(void **state)
{
	struct td_request req = { .vcpus = 2, .tsc_hz = TSC_HZ };
	struct env *v = env_new();
	unsigned n;
	int rc = -1;

	(void)state;
	for (n = 1; rc; n++) {
		unsigned failed = v->mem.failed, allocs = v->mem.nallocs, frees = v->mem.nfrees;
		struct td td;

		v->mem.fail_at = v->mem.calls + n;
		rc = td_create(&td, v->h, &req);
		if (rc)
			assert_int_equal(td.state, TD_NONE);	/* undone already */
		else
			rc = td_add_image(&td, IMAGE_GPA, image, IMAGE_SIZE, true);
		v->mem.fail_at = 0;
		note_failure(n, td.why, !rc);
		if (rc) {
			assert_int_equal(v->mem.failed, failed + 1);
			check_failed(v, &td, "out of memory");
		} else {
			assert_int_equal(v->mem.failed, failed);
			assert_int_equal(td_finalize(&td), 0);
			destroy_clean(v, &td);
		}
		assert_int_equal(v->mem.nallocs - allocs, v->mem.nfrees - frees);
	}
	/* TDR, TDCS, TD_PARAMS, 2 x (TDVPR, TDCX), bounce, mirror, S-EPT, image. */
	assert_true(n > 1 + 6 + 1 + 12 + 1 + 1 + 3 + 3);
	assert_no_failure(v);
	env_free(v);
}

/* PAGE.AUG with the S-EPT mirror full: n-th allocation failing among the
 * new tables, the data page and the mirror's growth. */
static void test_aug_out_of_memory(void **state)
{
	struct env *v = env_new();
	unsigned n;
	int rc = -1;

	(void)state;
	for (n = 1; rc; n++) {
		struct td td;
		uint64_t k = 0;
		unsigned cap;

		build(v, &td, &one_vcpu, PG, false);
		while (td.nmap + 1 < td.capmap || td.nmap == 0)
			assert_int_equal(td_aug(&td, 0x100000 + PG * k++, 0), 0);
		assert_int_equal(td.nmap + 1, td.capmap);
		cap = td.capmap;
		v->mem.fail_at = v->mem.calls + n;
		rc = td_aug(&td, 0x40000000, 0);	/* L2, L1 and the page */
		v->mem.fail_at = 0;
		note_failure(n, td.why, !rc);
		if (rc) {
			check_failed(v, &td, "out of memory");
		} else {
			assert_true(td.nmap == cap + 2 && td.capmap > cap);
			destroy_clean(v, &td);
		}
	}
	assert_true(n > 4);
	assert_no_failure(v);
	env_free(v);
}

/* A leaf of the build failing for good (an injected fault): the same. */
static void test_leaf_fails(void **state)
{
	static const unsigned leaves[] = {
		TDH_MNG_CREATE, TDH_MNG_ADDCX, TDH_MNG_INIT, TDH_VP_CREATE, TDH_VP_ADDCX,
		TDH_VP_INIT, TDH_MEM_SEPT_ADD, TDH_MEM_PAGE_ADD, TDH_MR_EXTEND, TDH_MR_FINALIZE,
	};
	struct env *v = env_new();
	char want[64];

	(void)state;
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		struct td td;

		v->e->nfaults = 0;
		assert_int_equal(emu_add_fault(v->e, &(struct emu_fault){ .leaf = (uint16_t)leaves[i],
			.status = TDX_OPERAND_INVALID, .percent = 100 }), 0);
		if (td_create(&td, v->h, &one_vcpu) == 0 &&
		    td_add_image(&td, IMAGE_GPA, image, IMAGE_SIZE, true) == 0)
			assert_int_equal(td_finalize(&td), -1);
		snprintf(want, sizeof(want), "%s failed: 0x%016llx", tdx_leaf_name(leaves[i]),
			 (unsigned long long)TDX_OPERAND_INVALID);
		check_failed(v, &td, want);
	}
	v->e->nfaults = 0;
	env_free(v);
}

/* Each TD needs a KeyID of its own: with all of them in use, td_create
 * fails before anything is allocated; a destroyed TD's KeyID is reused. */
static void test_no_keyid(void **state)
{
	struct env *v = env_new();
	unsigned count = v->h->td_keyid_count, calls;
	struct td *tds = calloc(count + 1, sizeof(*tds));
	uint64_t seen[2] = { 0, 0 };

	(void)state;
	assert_non_null(tds);
	for (unsigned i = 0; i < count; i++) {
		unsigned k;
		assert_int_equal(td_create(&tds[i], v->h, &one_vcpu), 0);
		k = tds[i].hkid - v->h->td_keyid_first;
		assert_true(k < count && !(seen[k / 64] >> (k % 64) & 1));
		seen[k / 64] |= 1ull << (k % 64);
	}
	calls = v->mem.calls;
	assert_int_equal(td_create(&tds[count], v->h, &one_vcpu), -1);
	assert_string_equal(tds[count].why, "no free TDX KeyID (each TD needs its own)");
	assert_int_equal(v->mem.calls, calls);
	assert_int_equal(td_destroy(&tds[count]), 0);

	/* Free one in the middle: the next TD gets it. */
	uint16_t hkid = tds[5].hkid;
	assert_int_equal(td_destroy(&tds[5]), 0);
	assert_int_equal(td_create(&tds[count], v->h, &one_vcpu), 0);
	assert_int_equal(tds[count].hkid, hkid);
	assert_int_equal(td_destroy(&tds[count]), 0);
	for (unsigned i = 0; i < count; i++)
		assert_int_equal(td_destroy(&tds[i]), 0);
	check_clean(v);

	/* Refused requests, before a KeyID is taken. */
	struct td_request bad = one_vcpu;
	bad.vcpus = 0;
	assert_int_equal(td_create(&tds[0], v->h, &bad), -1);
	assert_string_equal(tds[0].why, "vCPU count out of range");
	bad.vcpus = TD_MAX_VCPUS + 1;
	assert_int_equal(td_create(&tds[0], v->h, &bad), -1);
	assert_int_equal(td_destroy(&tds[0]), 0);
	check_clean(v);
	assert_no_failure(v);
	free(tds);
	env_free(v);
}

/* ---- 6. Two vCPUs ---------------------------------------------------------- */

static const struct step two_script[] = {
	{ .reason = EXIT_EXT_INT, .intr_info = INTR_VALID | 0x20 },
	{ .reason = EXIT_EXT_INT, .intr_info = INTR_VALID | 0x20 },
};

/* Created from CPU 3: VP.INIT there with RDX = the vCPU index, each vCPU
 * associated with CPU 3; moved to CPUs 0 and 2 they start with their own
 * RCX = R8 = RSI = index. */
static void test_two_vcpus(void **state)
{
	struct td_request req = { .vcpus = 2, .tsc_hz = TSC_HZ };
	struct env *v = env_new();
	struct fake_cpu *f = &v->cpu;
	const struct emu_vcpu *ev[2];
	struct tdx_regs x;
	struct td td;

	(void)state;
	v->cur_cpu = 3;
	build(v, &td, &req, IMAGE_SIZE, true);
	assert_int_equal(td.nvcpus, 2);
	for (unsigned i = 0; i < 2; i++) {
		ev[i] = emu_vcpu_of(v, td.vcpu[i].tdvpr);
		assert_non_null(ev[i]);
		assert_true(ev[i]->index == i && ev[i]->init_rcx == i && ev[i]->assoc_lp == 3 &&
			    ev[i]->ntdcx == 5 && td.vcpu[i].ntdcx == 5 && td.vcpu[i].assoc_cpu == 3);
	}
	assert_int_equal(emu_td_of(v, td.tdr)->num_init_vcpus, 2);
	assert_int_equal(v->e->stats.calls[TDH_VP_INIT], 2);
	for (unsigned leaf = 0; leaf < EMU_NLEAVES; leaf++)
		if (v->leaf_cpus[leaf] && leaf != TDH_MNG_KEY_CONFIG)
			assert_int_equal(v->leaf_cpus[leaf], 1u << 3);

	f->script = two_script;
	f->nsteps = 2;
	assert_int_equal(td_vcpu_move(&td, 0, 0), 0);
	assert_int_equal(td_vcpu_move(&td, 1, 2), 0);
	assert_true(f->nflush == 2 && f->flush_lp[0] == 3 && f->flush_lp[1] == 3 &&
		    f->flush_vmcs[0] == td.vcpu[0].tdcx[0] && f->flush_vmcs[1] == td.vcpu[1].tdcx[0]);
	for (unsigned i = 0; i < 2; i++) {
		v->cur_cpu = td.vcpu[i].cpu;
		assert_int_equal(td_enter(&td, i, &x), EXIT_EXT_INT);
		assert_true(f->lp[i] == 2 * i && f->in[i].vmcs_pa == td.vcpu[i].tdcx[0]);
		assert_true(f->gpr[i][EMU_GPR_RCX] == i && f->gpr[i][EMU_GPR_R8] == i &&
			    f->gpr[i][EMU_GPR_RSI] == i);
	}
	assert_no_failure(v);
	v->cur_cpu = 0;
	destroy_clean(v, &td);
	assert_true(f->nflush == 4 && f->flush_lp[2] == 0 && f->flush_lp[3] == 2);
	env_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_measure),
		cmocka_unit_test(test_destroy),
		cmocka_unit_test(test_aug),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_aug_out_of_memory),
		cmocka_unit_test(test_leaf_fails),
		cmocka_unit_test(test_no_keyid),
		cmocka_unit_test(test_two_vcpus),
	};

	make_image();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
