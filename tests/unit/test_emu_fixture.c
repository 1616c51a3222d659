/* Shared fixture of the emulated-TDX-module tests (test_emu_init.c and
 * test_emu_config.c #include this file with EMU_FIXTURE_NO_MAIN defined;
 * built alone it tests the fake memory itself).
 *
 * - A sparse fake physical memory: 4 KiB pages allocated on first write in
 *   an open-addressing hash; never-written pages read as zeros inside the
 *   declared RAM ranges, and any access outside them fails (-1).
 * - The test platform: 4 LPs in 2 packages, CMRs [1 MiB, 2 GiB - 32 MiB)
 *   and [4 GiB, 6 GiB), a 32 MiB SEAMRR at 2 GiB - 32 MiB, 31 MKTME and 32
 *   TDX KeyIDs in K = 6 bits above MAXPA 46 (KeyID bits 45:40).
 * - A TDMR plan like Linux's (tdx-abi.md §5.5): TDMR0 [0, 2 GiB) with
 *   reserved areas for the first MiB, both PAMT blocks and the SEAMRR;
 *   TDMR1 [4 GiB, 6 GiB) with none. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "seam/emu/emu_internal.h"

/* Helpers are `static inline` so that each test file may use a subset. */

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)
#define PG  4096ull

/* ---- Fake physical memory ----------------------------------------------- */

struct fakemem {
	struct emu_range ram[8];
	unsigned nram;
	uint64_t *keys;		/* pfn + 1; 0 = empty slot */
	uint8_t **pages;
	size_t cap, count;
	bool fail_writes;	/* every write refused (RAM that vanished) */
};

static inline bool fm_in_ram(const struct fakemem *m, uint64_t pa, size_t len)
{
	for (unsigned i = 0; i < m->nram; i++)
		if (pa >= m->ram[i].base && len <= m->ram[i].size &&
		    pa - m->ram[i].base <= m->ram[i].size - len)
			return true;
	return false;
}

static inline size_t fm_slot(const struct fakemem *m, uint64_t pfn)
{
	size_t i = (size_t)((pfn * 0x9e3779b97f4a7c15ull) >> 20) & (m->cap - 1);

	while (m->keys[i] && m->keys[i] != pfn + 1)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static inline void fm_grow(struct fakemem *m)
{
	struct fakemem old = *m;

	m->cap = old.cap ? old.cap * 2 : 1024;
	m->keys = calloc(m->cap, sizeof(*m->keys));
	m->pages = calloc(m->cap, sizeof(*m->pages));
	assert_non_null(m->keys);
	assert_non_null(m->pages);
	for (size_t i = 0; i < old.cap; i++) {
		if (old.keys[i]) {
			size_t s = fm_slot(m, old.keys[i] - 1);
			m->keys[s] = old.keys[i];
			m->pages[s] = old.pages[i];
		}
	}
	free(old.keys);
	free(old.pages);
}

/* Only an insertion changes the table, so threads may share memory whose
 * pages all exist already. */
static inline uint8_t *fm_page(struct fakemem *m, uint64_t pfn, bool create)
{
	size_t s;

	if (!m->cap) {
		if (!create)
			return NULL;
		fm_grow(m);
	}
	s = fm_slot(m, pfn);
	if (m->keys[s])
		return m->pages[s];
	if (!create)
		return NULL;
	if (2 * (m->count + 1) > m->cap) {
		fm_grow(m);
		s = fm_slot(m, pfn);
	}
	m->keys[s] = pfn + 1;
	m->pages[s] = calloc(1, PG);
	assert_non_null(m->pages[s]);
	m->count++;
	return m->pages[s];
}

static inline int fm_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	struct fakemem *m = ctx;
	uint8_t *out = buf;

	if (!fm_in_ram(m, pa, len))
		return -1;
	while (len) {
		size_t off = pa % PG, n = PG - off < len ? PG - off : len;
		uint8_t *page = fm_page(m, pa / PG, false);

		if (page)
			memcpy(out, page + off, n);
		else
			memset(out, 0, n);
		out += n;
		pa += n;
		len -= n;
	}
	return 0;
}

static inline int fm_write(void *ctx, uint64_t pa, const void *buf, size_t len)
{
	struct fakemem *m = ctx;
	const uint8_t *in = buf;

	if (m->fail_writes || !fm_in_ram(m, pa, len))
		return -1;
	while (len) {
		size_t off = pa % PG, n = PG - off < len ? PG - off : len;

		memcpy(fm_page(m, pa / PG, true) + off, in, n);
		in += n;
		pa += n;
		len -= n;
	}
	return 0;
}

static inline void fm_free(struct fakemem *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->pages[i]);
	free(m->keys);
	free(m->pages);
	memset(m, 0, sizeof(*m));
}

static inline void fm_put64(struct fakemem *m, uint64_t pa, uint64_t v)
{
	assert_int_equal(fm_write(m, pa, &v, sizeof(v)), 0);
}

static inline uint64_t fm_get64(struct fakemem *m, uint64_t pa)
{
	uint64_t v;
	assert_int_equal(fm_read(m, pa, &v, sizeof(v)), 0);
	return v;
}

/* ---- Platform and emulator ---------------------------------------------- */

#define NLPS		4
#define SEAMRR_BASE	(2 * GiB - 32 * MiB)
#define SEAMRR_SIZE	(32 * MiB)
#define KEYID_SHIFT	40
#define GLOBAL_KEYID	32	/* first TDX KeyID */
#define HOLE_PA		(3 * GiB)	/* between the RAM ranges: not RAM */

static inline void platform_config(struct emu_config *c)
{
	memset(c, 0, sizeof(*c));
	c->nlps = NLPS;
	c->lp_pkg[0] = 0, c->lp_pkg[1] = 0, c->lp_pkg[2] = 1, c->lp_pkg[3] = 1;
	c->npkgs = 2;
	c->pkg_fms[0] = c->pkg_fms[1] = 0x806f8;
	c->cmr[0] = (struct emu_range){ 1 * MiB, SEAMRR_BASE - 1 * MiB };
	c->cmr[1] = (struct emu_range){ 4 * GiB, 2 * GiB };
	c->ncmr = 2;
	c->seamrr_base = SEAMRR_BASE;
	c->seamrr_size = SEAMRR_SIZE;
	c->num_mktme_keyids = 31;
	c->num_tdx_keyids = 32;
	c->maxpa = 46;
	c->keyid_bits = 6;
	c->module_loaded = true;
	c->seamldr_major = 1;
	c->seamldr_minor = 5;
	c->seamldr_update = 0;
	c->seamldr_build_date = 20230919;
	c->seamldr_build_num = 197;
	c->num_remaining_updates = 63;
	c->seed = 1;
}

struct fixture {
	struct emu *e;
	struct fakemem fm;
	struct emu_config cfg;
	struct emu_mem_ops ops;
};

static inline struct fixture *fx_new_cfg(const struct emu_config *cfg)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->e = calloc(1, sizeof(*f->e));
	assert_non_null(f->e);
	f->cfg = *cfg;
	f->fm.ram[0] = (struct emu_range){ 0, 2 * GiB };
	f->fm.ram[1] = (struct emu_range){ 4 * GiB, 2 * GiB };
	f->fm.nram = 2;
	f->ops = (struct emu_mem_ops){ fm_read, fm_write, &f->fm };
	assert_int_equal(emu_init(f->e, &f->cfg, &f->ops), 0);
	return f;
}

static inline struct fixture *fx_new(void)
{
	struct emu_config c;

	platform_config(&c);
	return fx_new_cfg(&c);
}

static inline void fx_free(struct fixture *f)
{
	fm_free(&f->fm);
	free(f->e);
	free(f);
}

/* One SEAMCALL that must not VMfail; returns RAX. */
static inline uint64_t sc(struct fixture *f, unsigned lp, struct emu_regs *r)
{
	bool cf = true;

	emu_seamcall(f->e, lp, r, &cf);
	assert_false(cf);
	return r->rax;
}

static inline uint64_t sc5(struct fixture *f, unsigned lp, uint64_t rax, uint64_t rcx,
		    uint64_t rdx, uint64_t r8, uint64_t r9, struct emu_regs *out)
{
	struct emu_regs r = { .rax = rax, .rcx = rcx, .rdx = rdx, .r8 = r8, .r9 = r9 };
	uint64_t st = sc(f, lp, &r);

	if (out)
		*out = r;
	return st;
}

static inline uint64_t sc1(struct fixture *f, unsigned lp, uint64_t rax, uint64_t rcx)
{
	return sc5(f, lp, rax, rcx, 0, 0, 0, NULL);
}

static inline void do_sys_init(struct fixture *f)
{
	assert_int_equal(sc1(f, 0, TDH_SYS_INIT, 0), TDX_SUCCESS);
}

static inline void do_lp_init_all(struct fixture *f)
{
	for (unsigned lp = 0; lp < f->cfg.nlps; lp++)
		assert_int_equal(sc1(f, lp, TDH_SYS_LP_INIT, 0), TDX_SUCCESS);
}

/* ---- TDMR plan ------------------------------------------------------------ */

#define ARRAY_PA	(256 * MiB)		/* TDMR_INFO PA array */
#define INFO_PA		(256 * MiB + 4 * KiB)	/* TDMR_INFO i at + 512 * i */
#define PAMT_PA		(1792 * MiB)		/* both PAMT blocks */

struct plan {
	struct emu_tdmr_info t[EMU_MAX_TDMRS + 1];
	uint64_t entry_pa[EMU_MAX_TDMRS + 1];
	uint64_t array_pa, count, keyid;
};

static inline uint64_t pamt_bytes(uint64_t tdmr_size, uint64_t page)
{
	return (tdmr_size / page * 16 + PG - 1) & ~(PG - 1);
}

/* Carves t's PAMT block at `pa`, 4K first, as Linux does; returns its end. */
static inline uint64_t plan_pamt(struct emu_tdmr_info *t, uint64_t pa)
{
	t->pamt_4k_base = pa;
	t->pamt_4k_size = pamt_bytes(t->size, 4 * KiB);
	t->pamt_2m_base = t->pamt_4k_base + t->pamt_4k_size;
	t->pamt_2m_size = pamt_bytes(t->size, 2 * MiB);
	t->pamt_1g_base = t->pamt_2m_base + t->pamt_2m_size;
	t->pamt_1g_size = pamt_bytes(t->size, GiB);
	return t->pamt_1g_base + t->pamt_1g_size;
}

static inline void plan_default(struct plan *p)
{
	uint64_t end0, end1;

	memset(p, 0, sizeof(*p));
	p->array_pa = ARRAY_PA;
	p->count = 2;
	p->keyid = GLOBAL_KEYID;
	p->t[0].base = 0;
	p->t[0].size = 2 * GiB;
	p->t[1].base = 4 * GiB;
	p->t[1].size = 2 * GiB;
	end0 = plan_pamt(&p->t[0], PAMT_PA);
	end1 = plan_pamt(&p->t[1], end0);
	p->t[0].rsvd[0] = (struct emu_range){ 0, 1 * MiB };
	p->t[0].rsvd[1] = (struct emu_range){ PAMT_PA, end0 - PAMT_PA };
	p->t[0].rsvd[2] = (struct emu_range){ end0, end1 - end0 };
	p->t[0].rsvd[3] = (struct emu_range){ SEAMRR_BASE, SEAMRR_SIZE };
	for (unsigned i = 0; i <= EMU_MAX_TDMRS; i++)
		p->entry_pa[i] = INFO_PA + 512ull * i;
}

static inline void plan_write(struct fixture *f, const struct plan *p)
{
	unsigned n = p->count <= EMU_MAX_TDMRS + 1 ? (unsigned)p->count : EMU_MAX_TDMRS + 1;

	/* Shared KeyIDs in a PA select a key, not other memory. */
	uint64_t array = p->array_pa & ((1ull << KEYID_SHIFT) - 1);

	for (unsigned i = 0; i < n; i++) {
		if (fm_in_ram(&f->fm, array + 8ull * i, 8))
			fm_put64(&f->fm, array + 8ull * i, p->entry_pa[i]);
		if (fm_in_ram(&f->fm, p->entry_pa[i], sizeof(p->t[i])))
			assert_int_equal(fm_write(&f->fm, p->entry_pa[i], &p->t[i], sizeof(p->t[i])), 0);
	}
}

static inline uint64_t do_config(struct fixture *f, const struct plan *p)
{
	plan_write(f, p);
	return sc5(f, 0, TDH_SYS_CONFIG, p->array_pa, p->count, p->keyid, 0, NULL);
}

static inline void do_key_config_all(struct fixture *f)
{
	assert_int_equal(sc1(f, 0, TDH_SYS_KEY_CONFIG, 0), TDX_SUCCESS);
	assert_int_equal(sc1(f, 2, TDH_SYS_KEY_CONFIG, 0), TDX_SUCCESS);
}

/* SYS.INIT, LP.INIT everywhere, CONFIG with the default plan. */
static inline struct fixture *fx_configured(void)
{
	struct fixture *f = fx_new();
	struct plan p;

	do_sys_init(f);
	do_lp_init_all(f);
	plan_default(&p);
	assert_int_equal(do_config(f, &p), TDX_SUCCESS);
	return f;
}

static inline struct fixture *fx_ready(void)
{
	struct fixture *f = fx_configured();

	do_key_config_all(f);
	assert_int_equal(f->e->state, TDX_GLOBAL_SYS_READY);
	return f;
}

#ifndef EMU_FIXTURE_NO_MAIN
static void test_fakemem(void **state)
{
	struct fakemem m = { .ram = { { 0, 1 * MiB }, { 4 * GiB, 8 * KiB } }, .nram = 2 };
	uint8_t buf[64];

	(void)state;
	assert_int_equal(fm_read(&m, 0x1000, buf, sizeof(buf)), 0);
	assert_int_equal(buf[0] | buf[63], 0);
	assert_int_equal(fm_read(&m, 1 * MiB - 8, buf, 16), -1);
	assert_int_equal(fm_write(&m, 2 * MiB, buf, 1), -1);
	for (uint64_t pa = 0; pa < 1 * MiB; pa += PG)
		fm_put64(&m, pa + 8, pa);
	assert_int_equal(m.count, 256);
	assert_int_equal(fm_get64(&m, 0x2000 + 8), 0x2000);
	/* A write across a page boundary lands in both pages. */
	fm_put64(&m, 4 * GiB + PG - 4, 0x1122334455667788ull);
	assert_int_equal(fm_get64(&m, 4 * GiB + PG - 4), 0x1122334455667788ull);
	assert_int_equal(m.count, 258);
	fm_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_fakemem) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
