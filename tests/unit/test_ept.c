/* EPT builder: leaves of every size with permissions, memory types and
 * offsets; the EPTP; ept_map_range's choice of page sizes; unmap, protect
 * and split of whole leaves and of parts (split chains); table freeing;
 * invalid arguments; EXISTS and NOT_MAPPED; the suppress-#VE variant; out of
 * memory at every allocation of an operation script; and a seeded random
 * run against a 4 KiB-granular model.
 *
 * The fake allocator hands out host pages under made-up physical addresses
 * (indices are never reused, so a walk into a freed table fails), fills
 * them with junk (the builder must write every entry) and counts live
 * pages: every test ends with zero. check_tree() walks the tables on its
 * own and checks every entry's format and the builder's invariants. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mm/ept.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

#define ADDR_MASK 0x000ffffffffff000ull
#define LARGE     (1ull << 7)
#define ACCESSED  (1ull << 8)
#define DIRTY     (1ull << 9)
#define SVE       (1ull << 63)
#define RWX       (EPT_R | EPT_W | EPT_X)
#define ALLPERM   (RWX | EPT_XU)
#define FLAGS     (EPT_F_2M | EPT_F_1G)
#define FAKE_BASE 0x00000abc00000000ull /* high bits catch address masking */

/* ---- fake page allocator ------------------------------------------------ */

struct fake {
	void **page;  /* by index; NULL once freed */
	size_t n, cap;
	uint64_t live;
	long budget;  /* allocations left before failing; -1 unlimited */
	bool once;    /* fail one allocation only, then unlimited again */
};

static int fake_alloc(void *ctx, uint64_t *pa)
{
	struct fake *f = ctx;

	if (f->budget == 0) {
		if (f->once)
			f->budget = -1;
		return -1;
	}
	if (f->budget > 0)
		f->budget--;
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 1024;
		f->page = realloc(f->page, f->cap * sizeof(*f->page));
		assert_non_null(f->page);
	}
	void *p = aligned_alloc(4096, 4096);
	assert_non_null(p);
	memset(p, 0xa5, 4096);
	f->page[f->n] = p;
	*pa = FAKE_BASE + f->n * 4096;
	f->n++;
	f->live++;
	return 0;
}

static size_t fake_index(const struct fake *f, uint64_t pa)
{
	assert_true(pa >= FAKE_BASE && !(pa & 4095));
	size_t i = (size_t)((pa - FAKE_BASE) / 4096);
	assert_true(i < f->n);
	assert_non_null(f->page[i]); /* use after free */
	return i;
}

static void fake_free(void *ctx, uint64_t pa)
{
	struct fake *f = ctx;
	size_t i = fake_index(f, pa);

	free(f->page[i]);
	f->page[i] = NULL;
	f->live--;
}

static void *fake_virt(void *ctx, uint64_t pa)
{
	struct fake *f = ctx;
	return f->page[fake_index(f, pa)];
}

static void setup(struct fake *f, struct ept *e, unsigned flags)
{
	struct ept_ops ops = { fake_alloc, fake_free, fake_virt, f };

	*f = (struct fake){ .budget = -1 };
	assert_int_equal(ept_init(e, &ops, flags, 0), EPT_OK);
	assert_int_equal(e->table_pages, 1);
}

/* ---- independent walker: format checks and invariants -------------------- */

struct leaves {
	uint64_t *v; /* gpa, level, entry triples */
	size_t n, cap;
};

static void leaves_add(struct leaves *l, uint64_t gpa, int level, uint64_t x)
{
	if (l->n + 3 > l->cap) {
		l->cap = l->cap ? 2 * l->cap : 3 * 1024;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		assert_non_null(l->v);
	}
	l->v[l->n++] = gpa;
	l->v[l->n++] = (uint64_t)level;
	l->v[l->n++] = x;
}

static unsigned shift_of(int level)
{
	return 12 + 9 * (unsigned)(level - 1);
}

/* Tables in the subtree at pa (entries of `level`); leaves go to out. */
static uint64_t walk(const struct ept *e, struct fake *f, uint64_t pa,
		     int level, uint64_t base, struct leaves *out)
{
	const uint64_t *t = fake_virt(f, pa);
	uint64_t tables = 1;
	bool any = false;

	for (uint64_t i = 0; i < 512; i++) {
		uint64_t x = t[i], gpa = base + (i << shift_of(level));
		if (!(x & RWX)) {
			assert_int_equal(x, e->empty);
			continue;
		}
		any = true;
		if (level == 1 || (x & LARGE)) {
			uint64_t size = 1ull << shift_of(level);
			uint64_t allowed = ADDR_MASK | ALLPERM | 0x78 | ACCESSED |
					   DIRTY | e->empty | (level > 1 ? LARGE : 0);
			unsigned mt = (x >> 3) & 7;
			assert_true(level <= 3);
			assert_int_equal(x & ~allowed, 0);
			assert_int_equal(x & ADDR_MASK & (size - 1), 0);
			assert_true((x & ADDR_MASK) < e->hpa_limit);
			assert_true(mt != 2 && mt != 3 && mt != 7);
			assert_true((x & EPT_R) || !(x & EPT_W));
			if (out)
				leaves_add(out, gpa, level, x);
		} else {
			assert_int_equal(x & ~ADDR_MASK, ALLPERM | e->empty);
			tables += walk(e, f, x & ADDR_MASK, level - 1, gpa, out);
		}
	}
	assert_true(any || level == 4);
	return tables;
}

static void check_tree(const struct ept *e, struct fake *f, struct leaves *out)
{
	if (out)
		out->n = 0;
	uint64_t tables = walk(e, f, e->root_pa, 4, 0, out);
	assert_int_equal(tables, e->table_pages);
	assert_int_equal(tables, f->live);
}

static void teardown(struct fake *f, struct ept *e)
{
	check_tree(e, f, NULL);
	ept_destroy(e);
	assert_int_equal(e->table_pages, 0);
	assert_int_equal(f->live, 0);
	free(f->page);
}

/* Asserts the translation of gpa. */
static void expect(const struct ept *e, uint64_t gpa, uint64_t hpa,
		   uint64_t size, unsigned perm, enum ept_memtype mt)
{
	struct ept_walk w;

	assert_int_equal(ept_lookup(e, gpa, &w), EPT_OK);
	assert_int_equal(w.hpa, hpa);
	assert_int_equal(w.page_size, size);
	assert_int_equal(w.level, size == EPT_4K ? 1 : size == EPT_2M ? 2 : 3);
	assert_int_equal(w.perm, perm);
	assert_int_equal(w.mt, mt);
	assert_int_equal(w.entry & ADDR_MASK, hpa & ~(size - 1));
}

static void expect_none(const struct ept *e, uint64_t gpa)
{
	struct ept_walk w;

	assert_int_equal(ept_lookup(e, gpa, &w), EPT_E_NOT_MAPPED);
	assert_int_equal(w.level, 0);
}

/* ---- basics ----------------------------------------------------------- */

static void test_init_eptp(void **state)
{
	struct fake f;
	struct ept e;
	struct ept_ops ops = { fake_alloc, fake_free, fake_virt, &f };
	(void)state;

	setup(&f, &e, FLAGS);
	assert_int_equal(e.root_pa & 4095, 0);
	assert_int_equal(ept_eptp(&e, true, false), e.root_pa | 6 | 3 << 3);
	assert_int_equal(ept_eptp(&e, false, true), e.root_pa | 0 | 3 << 3 | 1 << 6);
	assert_int_equal(ept_eptp(&e, true, true), e.root_pa | 0x5e);
	teardown(&f, &e);

	/* Bad flags or widths allocate nothing; destroy is then a no-op. */
	f = (struct fake){ .budget = -1 };
	assert_int_equal(ept_init(&e, &ops, EPT_F_1G, 0), EPT_E_INVAL);
	ept_destroy(&e);
	assert_int_equal(ept_init(&e, &ops, 0x10, 0), EPT_E_INVAL);
	assert_int_equal(ept_init(&e, &ops, 0, 35), EPT_E_INVAL);
	assert_int_equal(ept_init(&e, &ops, 0, 53), EPT_E_INVAL);
	f.budget = 0;
	assert_int_equal(ept_init(&e, &ops, 0, 46), EPT_E_NOMEM);
	ept_destroy(&e);
	assert_int_equal(f.live, 0);
	f.budget = -1;
	assert_int_equal(ept_init(&e, &ops, 0, 46), EPT_OK);
	assert_int_equal(e.hpa_limit, 1ull << 46);
	teardown(&f, &e);

	const char *s[] = { ept_strerror(EPT_OK), ept_strerror(EPT_E_NOMEM),
			    ept_strerror(EPT_E_INVAL), ept_strerror(EPT_E_EXISTS),
			    ept_strerror(EPT_E_NOT_MAPPED), ept_strerror(-99) };
	for (unsigned i = 0; i < 6; i++)
		for (unsigned j = 0; j < i; j++)
			assert_string_not_equal(s[i], s[j]);
}

static void test_map_lookup(void **state)
{
	struct fake f;
	struct ept e;
	struct ept_walk w;
	(void)state;

	setup(&f, &e, FLAGS | EPT_F_XONLY);
	assert_int_equal(ept_map(&e, 0x1000, 0x5555000, EPT_4K, EPT_R, EPT_MT_WB), EPT_OK);
	assert_int_equal(e.table_pages, 4);
	expect(&e, 0x1234, 0x5555234, EPT_4K, EPT_R, EPT_MT_WB);
	assert_int_equal(ept_lookup(&e, 0x1fff, &w), EPT_OK);
	assert_int_equal(w.entry, 0x5555000 | EPT_R | EPT_MT_WB << 3);
	expect_none(&e, 0x0fff);
	expect_none(&e, 0x2000);

	assert_int_equal(ept_map(&e, GiB + 2 * MiB, 0x123400000, EPT_2M,
				 EPT_R | EPT_W, EPT_MT_WC), EPT_OK);
	assert_int_equal(e.table_pages, 5);
	expect(&e, GiB + 2 * MiB, 0x123400000, EPT_2M, EPT_R | EPT_W, EPT_MT_WC);
	expect(&e, GiB + 4 * MiB - 1, 0x123400000 + 2 * MiB - 1, EPT_2M,
	       EPT_R | EPT_W, EPT_MT_WC);
	assert_int_equal(ept_lookup(&e, GiB + 3 * MiB, &w), EPT_OK);
	assert_int_equal(w.entry, 0x123400000 | LARGE | 3 | EPT_MT_WC << 3);

	assert_int_equal(ept_map(&e, 5 * GiB, 15 * GiB, EPT_1G, ALLPERM, EPT_MT_UC), EPT_OK);
	assert_int_equal(e.table_pages, 5);
	expect(&e, 5 * GiB, 15 * GiB, EPT_1G, ALLPERM, EPT_MT_UC);
	expect(&e, 6 * GiB - 1, 16 * GiB - 1, EPT_1G, ALLPERM, EPT_MT_UC);
	assert_int_equal(ept_lookup(&e, 5 * GiB + 12345, &w), EPT_OK);
	assert_int_equal(w.entry, 15 * GiB | LARGE | ALLPERM);

	/* Execute-only (EPT_F_XONLY), the remaining memory types, and the
	 * highest guest page and host page. */
	assert_int_equal(ept_map(&e, 0x3000, 0x9000, EPT_4K, EPT_W | EPT_X, EPT_MT_WT), EPT_E_INVAL);
	assert_int_equal(ept_protect(&e, 0x1000, EPT_4K, EPT_W | EPT_X | EPT_XU), EPT_E_INVAL);
	assert_int_equal(ept_map(&e, 0x3000, 0x9000, EPT_4K, EPT_X, EPT_MT_WT), EPT_OK);
	expect(&e, 0x3008, 0x9008, EPT_4K, EPT_X, EPT_MT_WT);
	assert_int_equal(ept_map(&e, 0x4000, 0xa000, EPT_4K, EPT_X | EPT_XU, EPT_MT_WP), EPT_OK);
	expect(&e, 0x4000, 0xa000, EPT_4K, EPT_X | EPT_XU, EPT_MT_WP);
	assert_int_equal(ept_map(&e, EPT_GPA_LIMIT - EPT_4K, (1ull << 52) - EPT_4K,
				 EPT_4K, EPT_R | EPT_W, EPT_MT_WB), EPT_OK);
	assert_int_equal(e.table_pages, 8);
	expect(&e, EPT_GPA_LIMIT - 1, (1ull << 52) - 1, EPT_4K, EPT_R | EPT_W, EPT_MT_WB);
	assert_int_equal(ept_lookup(&e, EPT_GPA_LIMIT, &w), EPT_E_INVAL);
	assert_int_equal(w.level, 0);
	teardown(&f, &e);
}

static void test_invalid(void **state)
{
	struct fake f;
	struct ept e;
	(void)state;

	setup(&f, &e, FLAGS);
	uint64_t bad_size[] = { 0, 1, 2 * KiB, 8 * KiB, 4 * MiB, 2 * GiB, 512 * GiB };
	for (unsigned i = 0; i < sizeof(bad_size) / sizeof(bad_size[0]); i++) {
		assert_int_equal(ept_map(&e, 0, 0, bad_size[i], EPT_R, EPT_MT_WB), EPT_E_INVAL);
		assert_int_equal(ept_unmap(&e, 0, bad_size[i]), EPT_E_INVAL);
		assert_int_equal(ept_protect(&e, 0, bad_size[i], EPT_R), EPT_E_INVAL);
		assert_int_equal(ept_split(&e, 0, bad_size[i]), EPT_E_INVAL);
	}
	/* Alignment of gpa and hpa. */
	assert_int_equal(ept_map(&e, 0x800, 0, EPT_4K, EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map(&e, 0, 0x10, EPT_4K, EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map(&e, 0x1000, 0, EPT_2M, EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map(&e, 0, 0x1000, EPT_2M, EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map(&e, 2 * MiB, 0, EPT_1G, EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map(&e, 0, 2 * MiB, EPT_1G, EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_unmap(&e, 0x1000, EPT_2M), EPT_E_INVAL);
	assert_int_equal(ept_protect(&e, 2 * MiB, EPT_1G, EPT_R), EPT_E_INVAL);
	assert_int_equal(ept_split(&e, 0x1000, EPT_2M), EPT_E_INVAL);
	/* Permissions: none, write-only, write/execute, XU alone, unknown
	 * bits, execute-only without EPT_F_XONLY (§29.3.3.1). */
	unsigned bad_perm[] = { 0, EPT_W, EPT_W | EPT_X, EPT_XU, EPT_W | EPT_XU,
				EPT_R | 8, EPT_R | 0x800, EPT_X, EPT_X | EPT_XU };
	for (unsigned i = 0; i < sizeof(bad_perm) / sizeof(bad_perm[0]); i++) {
		assert_int_equal(ept_map(&e, 0, 0, EPT_4K, bad_perm[i], EPT_MT_WB), EPT_E_INVAL);
		assert_int_equal(ept_map_range(&e, 0, 0, EPT_4K, bad_perm[i], EPT_MT_WB), EPT_E_INVAL);
		assert_int_equal(ept_protect(&e, 0, EPT_4K, bad_perm[i]), EPT_E_INVAL);
	}
	/* Reserved memory types. */
	for (unsigned mt = 2; mt < 10; mt += (mt == 3 ? 4 : 1)) {
		assert_int_equal(ept_map(&e, 0, 0, EPT_4K, EPT_R, (enum ept_memtype)mt), EPT_E_INVAL);
		assert_int_equal(ept_map_range(&e, 0, 0, EPT_4K, EPT_R, (enum ept_memtype)mt), EPT_E_INVAL);
	}
	/* Guest addresses beyond 4 levels, host addresses beyond MAXPHYADDR,
	 * wrap-around, empty and unaligned lengths. */
	assert_int_equal(ept_map(&e, EPT_GPA_LIMIT, 0, EPT_4K, EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map(&e, 1ull << 63, 0, EPT_1G, EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map(&e, 0, 1ull << 52, EPT_4K, EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_unmap(&e, EPT_GPA_LIMIT, EPT_4K), EPT_E_INVAL);
	assert_int_equal(ept_protect(&e, EPT_GPA_LIMIT, EPT_1G, EPT_R), EPT_E_INVAL);
	assert_int_equal(ept_split(&e, EPT_GPA_LIMIT, EPT_4K), EPT_E_INVAL);
	assert_int_equal(ept_map_range(&e, 0, 0, 0, EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map_range(&e, 0, 0, 0x800, EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map_range(&e, 0x800, 0, EPT_4K, EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map_range(&e, 0, 0x800, EPT_4K, EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map_range(&e, EPT_GPA_LIMIT - EPT_4K, 0, 2 * EPT_4K,
				       EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map_range(&e, 0x1000, 0, UINT64_MAX & ~0xfffull,
				       EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map_range(&e, 0, (1ull << 52) - EPT_4K, 2 * EPT_4K,
				       EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map_range(&e, 0, UINT64_MAX & ~0xfffull, EPT_4K,
				       EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(f.live, 1);
	teardown(&f, &e);

	/* Page sizes the CPU lacks, and a narrower MAXPHYADDR. */
	struct ept_ops ops = { fake_alloc, fake_free, fake_virt, &f };
	f = (struct fake){ .budget = -1 };
	assert_int_equal(ept_init(&e, &ops, EPT_F_2M, 40), EPT_OK);
	assert_int_equal(ept_map(&e, 0, 0, EPT_1G, EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map(&e, 0, 1ull << 40, EPT_4K, EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map_range(&e, 0, (1ull << 40) - 2 * MiB, 4 * MiB,
				       EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map(&e, 0, (1ull << 40) - EPT_4K, EPT_4K, EPT_R, EPT_MT_WB), EPT_OK);
	assert_int_equal(ept_map_range(&e, GiB, 0, GiB, EPT_R, EPT_MT_WB), EPT_OK);
	expect(&e, GiB + GiB - 1, GiB - 1, EPT_2M, EPT_R, EPT_MT_WB);
	teardown(&f, &e);

	f = (struct fake){ .budget = -1 };
	assert_int_equal(ept_init(&e, &ops, 0, 0), EPT_OK);
	assert_int_equal(ept_map(&e, 0, 0, EPT_2M, EPT_R, EPT_MT_WB), EPT_E_INVAL);
	assert_int_equal(ept_map_range(&e, 0, 0, 4 * MiB, EPT_R, EPT_MT_WB), EPT_OK);
	expect(&e, 4 * MiB - 1, 4 * MiB - 1, EPT_4K, EPT_R, EPT_MT_WB);
	teardown(&f, &e);
}

static void test_exists(void **state)
{
	struct fake f;
	struct ept e;
	const uint64_t a = 3 * GiB + 6 * MiB + 0x5000, b = 3 * GiB + 10 * MiB, c = 7 * GiB;
	(void)state;

	setup(&f, &e, FLAGS);
	assert_int_equal(ept_map(&e, a, 0x77000, EPT_4K, EPT_R, EPT_MT_WB), EPT_OK);
	assert_int_equal(ept_map(&e, b, 0x800000, EPT_2M, EPT_R | EPT_X, EPT_MT_WT), EPT_OK);
	assert_int_equal(ept_map(&e, c, 9 * GiB, EPT_1G, RWX, EPT_MT_UC), EPT_OK);
	uint64_t pages = e.table_pages;

	/* The same or another page over a present leaf, even identical. */
	assert_int_equal(ept_map(&e, a, 0x77000, EPT_4K, EPT_R, EPT_MT_WB), EPT_E_EXISTS);
	assert_int_equal(ept_map(&e, a, 0x88000, EPT_4K, RWX, EPT_MT_UC), EPT_E_EXISTS);
	assert_int_equal(ept_map(&e, b, 0x800000, EPT_2M, EPT_R | EPT_X, EPT_MT_WT), EPT_E_EXISTS);
	assert_int_equal(ept_map(&e, c, 9 * GiB, EPT_1G, RWX, EPT_MT_UC), EPT_E_EXISTS);
	/* A large leaf over a table holding smaller ones. */
	assert_int_equal(ept_map(&e, a & ~(EPT_2M - 1), 0, EPT_2M, EPT_R, EPT_MT_WB), EPT_E_EXISTS);
	assert_int_equal(ept_map(&e, 3 * GiB, 0, EPT_1G, EPT_R, EPT_MT_WB), EPT_E_EXISTS);
	/* A smaller leaf inside a larger one. */
	assert_int_equal(ept_map(&e, b + 0x3000, 0, EPT_4K, EPT_R, EPT_MT_WB), EPT_E_EXISTS);
	assert_int_equal(ept_map(&e, c + 6 * MiB, 0, EPT_2M, EPT_R, EPT_MT_WB), EPT_E_EXISTS);
	assert_int_equal(ept_map(&e, c + 0x7000, 0, EPT_4K, EPT_R, EPT_MT_WB), EPT_E_EXISTS);
	/* A range that runs into `a` after making new leaves and tables
	 * (2 GiB ... a) takes all of them back. */
	assert_int_equal(ept_map_range(&e, 2 * GiB - 4 * MiB, 0, GiB + 12 * MiB,
				       EPT_R, EPT_MT_WB), EPT_E_EXISTS);
	assert_int_equal(ept_map_range(&e, c - 8 * KiB, 0, 16 * KiB, EPT_R, EPT_MT_WB),
			 EPT_E_EXISTS);
	assert_int_equal(e.table_pages, pages);
	expect_none(&e, 2 * GiB - 4 * MiB);
	expect_none(&e, 2 * GiB);
	expect_none(&e, 3 * GiB);
	expect_none(&e, a - EPT_4K);
	expect_none(&e, c - EPT_4K);
	expect(&e, a + 1, 0x77001, EPT_4K, EPT_R, EPT_MT_WB);
	expect(&e, b + 1, 0x800001, EPT_2M, EPT_R | EPT_X, EPT_MT_WT);
	expect(&e, c + 1, 9 * GiB + 1, EPT_1G, RWX, EPT_MT_UC);
	teardown(&f, &e);
}

/* ---- ept_map_range ------------------------------------------------------ */

/* Steps through [gpa, gpa + len) leaf by leaf: each translates to hpa plus
 * the offset, and is the largest size both addresses' alignment and the
 * rest of the range allow. Counts leaves per level in n[1..3]. */
static void check_range(const struct ept *e, uint64_t gpa, uint64_t hpa,
			uint64_t len, unsigned perm, enum ept_memtype mt,
			unsigned flags, uint64_t n[4])
{
	struct ept_walk w;

	memset(n, 0, 4 * sizeof(n[0]));
	for (uint64_t off = 0; off < len; off += w.page_size) {
		assert_int_equal(ept_lookup(e, gpa + off, &w), EPT_OK);
		assert_int_equal(w.hpa, hpa + off);
		assert_int_equal(w.perm, perm);
		assert_int_equal(w.mt, mt);
		assert_int_equal((gpa + off) & (w.page_size - 1), 0);
		uint64_t bigger = w.page_size << 9;
		bool allowed = (bigger == EPT_2M && (flags & EPT_F_2M)) ||
			       (bigger == EPT_1G && (flags & EPT_F_1G));
		assert_false(allowed && !(((gpa + off) | (hpa + off)) & (bigger - 1)) &&
			     len - off >= bigger);
		n[w.level]++;
	}
	expect_none(e, gpa - EPT_4K);
	expect_none(e, gpa + len);
}

static void unmap_all(struct ept *e, uint64_t gpa, uint64_t len)
{
	struct ept_walk w;

	for (uint64_t off = 0; off < len; off += w.page_size) {
		assert_int_equal(ept_lookup(e, gpa + off, &w), EPT_OK);
		assert_int_equal(ept_unmap(e, gpa + off, w.page_size), EPT_OK);
	}
}

static void test_map_range(void **state)
{
	struct fake f;
	struct ept e;
	uint64_t n[4];
	(void)state;

	/* 3 GiB + 6 MiB + 12 KiB starting 2 MiB + 4 KiB below a 1 GiB line,
	 * hpa congruent modulo 1 GiB: 4K, 2M, 3 x 1G, 2 x 2M, 2 x 4K. */
	const uint64_t gpa = GiB - 2 * MiB - 4 * KiB, hpa = 7 * GiB + gpa;
	const uint64_t len = 3 * GiB + 6 * MiB + 12 * KiB;
	setup(&f, &e, FLAGS);
	assert_int_equal(ept_map_range(&e, gpa, hpa, len, EPT_R | EPT_X, EPT_MT_WB), EPT_OK);
	check_range(&e, gpa, hpa, len, EPT_R | EPT_X, EPT_MT_WB, FLAGS, n);
	assert_int_equal(n[3], 3);
	assert_int_equal(n[2], 3);
	assert_int_equal(n[1], 3);
	/* PML4, PDPT, PD + PT around 1 GiB, PD + PT at 4 GiB. */
	assert_int_equal(e.table_pages, 6);
	srand(1);
	for (int i = 0; i < 1000; i++) {
		uint64_t off = ((uint64_t)rand() << 16 ^ (uint64_t)rand()) % len;
		expect(&e, gpa + off, hpa + off,
		       off < 4 * KiB ? EPT_4K : off < 4 * KiB + 2 * MiB ? EPT_2M :
		       off < 4 * KiB + 2 * MiB + 3 * GiB ? EPT_1G :
		       off < len - 8 * KiB ? EPT_2M : EPT_4K,
		       EPT_R | EPT_X, EPT_MT_WB);
	}
	check_tree(&e, &f, NULL);
	unmap_all(&e, gpa, len);
	assert_int_equal(e.table_pages, 1);

	/* 2 MiB-aligned gpa, hpa only 4 KiB-congruent: all 4 KiB leaves. */
	assert_int_equal(ept_map_range(&e, 2 * MiB, 0x301000, 4 * MiB, RWX, EPT_MT_WC), EPT_OK);
	check_range(&e, 2 * MiB, 0x301000, 4 * MiB, RWX, EPT_MT_WC, FLAGS, n);
	assert_int_equal(n[1], 1024);
	assert_int_equal(n[2] + n[3], 0);
	/* 1 GiB-aligned gpa, hpa 2 MiB-congruent only: 2 MiB leaves. */
	assert_int_equal(ept_map_range(&e, 4 * GiB, 6 * MiB, 2 * GiB + 2 * MiB,
				       EPT_R, EPT_MT_UC), EPT_OK);
	check_range(&e, 4 * GiB, 6 * MiB, 2 * GiB + 2 * MiB, EPT_R, EPT_MT_UC, FLAGS, n);
	assert_int_equal(n[2], 1025);
	assert_int_equal(n[1] + n[3], 0);
	check_tree(&e, &f, NULL);
	unmap_all(&e, 2 * MiB, 4 * MiB);
	unmap_all(&e, 4 * GiB, 2 * GiB + 2 * MiB);
	assert_int_equal(e.table_pages, 1);
	teardown(&f, &e);

	/* Without 1 GiB pages the same first range uses 2 MiB leaves. */
	setup(&f, &e, EPT_F_2M);
	assert_int_equal(ept_map_range(&e, gpa, hpa, len, EPT_R, EPT_MT_WB), EPT_OK);
	check_range(&e, gpa, hpa, len, EPT_R, EPT_MT_WB, EPT_F_2M, n);
	assert_int_equal(n[2], 3 * 512 + 3);
	assert_int_equal(n[1], 3);
	teardown(&f, &e);
}

/* ---- unmap, split, protect ------------------------------------------------ */

static void test_unmap_whole(void **state)
{
	struct fake f;
	struct ept e;
	(void)state;

	setup(&f, &e, FLAGS);
	assert_int_equal(ept_map(&e, GiB, 2 * GiB, EPT_1G, RWX, EPT_MT_WB), EPT_OK);
	assert_int_equal(ept_map(&e, 4 * GiB, 0x200000, EPT_2M, RWX, EPT_MT_WB), EPT_OK);
	assert_int_equal(ept_map(&e, 600 * GiB + 0x3000, 0x3000, EPT_4K, RWX, EPT_MT_WB), EPT_OK);
	assert_int_equal(e.table_pages, 1 + 1 + 1 + 3);

	assert_int_equal(ept_unmap(&e, 600 * GiB + 0x3000, EPT_4K), EPT_OK);
	assert_int_equal(e.table_pages, 3);
	expect_none(&e, 600 * GiB + 0x3000);
	assert_int_equal(ept_unmap(&e, 600 * GiB + 0x3000, EPT_4K), EPT_E_NOT_MAPPED);
	assert_int_equal(ept_unmap(&e, GiB, EPT_1G), EPT_OK);
	expect_none(&e, GiB + 5);
	assert_int_equal(e.table_pages, 3);
	expect(&e, 4 * GiB, 0x200000, EPT_2M, RWX, EPT_MT_WB);
	assert_int_equal(ept_unmap(&e, 4 * GiB, EPT_2M), EPT_OK);
	assert_int_equal(e.table_pages, 1);
	/* Nothing there: no allocation, no change, at every size. */
	f.budget = 0;
	assert_int_equal(ept_unmap(&e, 4 * GiB, EPT_2M), EPT_E_NOT_MAPPED);
	assert_int_equal(ept_unmap(&e, 0, EPT_1G), EPT_E_NOT_MAPPED);
	assert_int_equal(ept_unmap(&e, 0x5000, EPT_4K), EPT_E_NOT_MAPPED);
	teardown(&f, &e);
}

static void test_unmap_4k_in_2m(void **state)
{
	struct fake f;
	struct ept e;
	const uint64_t g = 6 * MiB, h = 0x123400000;
	(void)state;

	setup(&f, &e, FLAGS);
	assert_int_equal(ept_map(&e, g, h, EPT_2M, EPT_R | EPT_X, EPT_MT_WT), EPT_OK);
	assert_int_equal(e.table_pages, 3);
	/* Out of memory: the split cannot happen, nothing changes. */
	f.budget = 0;
	assert_int_equal(ept_unmap(&e, g + 0x5000, EPT_4K), EPT_E_NOMEM);
	expect(&e, g + 0x5000, h + 0x5000, EPT_2M, EPT_R | EPT_X, EPT_MT_WT);
	assert_int_equal(e.table_pages, 3);
	f.budget = -1;

	assert_int_equal(ept_unmap(&e, g + 0x5000, EPT_4K), EPT_OK);
	assert_int_equal(e.table_pages, 4);
	expect_none(&e, g + 0x5000);
	for (uint64_t off = 0; off < EPT_2M; off += EPT_4K)
		if (off != 0x5000)
			expect(&e, g + off + 0x10, h + off + 0x10, EPT_4K,
			       EPT_R | EPT_X, EPT_MT_WT);
	check_tree(&e, &f, NULL);
	/* The rest page by page: the last one frees PT, PD and PDPT. */
	for (uint64_t off = 0; off < EPT_2M; off += EPT_4K) {
		if (off == 0x5000)
			continue;
		assert_int_equal(e.table_pages, 4);
		assert_int_equal(ept_unmap(&e, g + off, EPT_4K), EPT_OK);
	}
	assert_int_equal(e.table_pages, 1);
	teardown(&f, &e);
}

static void test_unmap_in_1g(void **state)
{
	struct fake f;
	struct ept e;
	struct ept_walk w;
	const uint64_t g = 2 * GiB, h = 256 * GiB, hole = g + 3 * MiB + 0x7000;
	(void)state;

	setup(&f, &e, FLAGS);
	assert_int_equal(ept_map(&e, g, h, EPT_1G, RWX, EPT_MT_WB), EPT_OK);
	/* As if the CPU had set the accessed and dirty flags: they carry over
	 * to every leaf of the split. */
	uint64_t *pdpt = fake_virt(&f, *(uint64_t *)fake_virt(&f, e.root_pa) & ADDR_MASK);
	pdpt[2] |= ACCESSED | DIRTY;

	f.budget = 1; /* the PD, not the PT: the PD must go back */
	assert_int_equal(ept_unmap(&e, hole, EPT_4K), EPT_E_NOMEM);
	assert_int_equal(f.live, 2);
	assert_int_equal(e.table_pages, 2);
	expect(&e, hole, h + (hole - g), EPT_1G, RWX, EPT_MT_WB);
	f.budget = -1;

	assert_int_equal(ept_unmap(&e, hole, EPT_4K), EPT_OK);
	assert_int_equal(e.table_pages, 4);
	expect_none(&e, hole);
	for (uint64_t off = 0; off < EPT_1G; off += EPT_4K) {
		uint64_t gpa = g + off;
		if (gpa == hole)
			continue;
		bool small = gpa >> 21 == hole >> 21;
		expect(&e, gpa, h + off, small ? EPT_4K : EPT_2M, RWX, EPT_MT_WB);
		assert_int_equal(ept_lookup(&e, gpa, &w), EPT_OK);
		assert_int_equal(w.entry & (ACCESSED | DIRTY), ACCESSED | DIRTY);
		if (!small)
			off += EPT_2M - EPT_4K;
	}
	check_tree(&e, &f, NULL);

	/* A 2 MiB part of another 1 GiB leaf: one split. */
	assert_int_equal(ept_map(&e, 5 * GiB, GiB, EPT_1G, EPT_R, EPT_MT_WC), EPT_OK);
	assert_int_equal(ept_unmap(&e, 5 * GiB + 10 * MiB, EPT_2M), EPT_OK);
	assert_int_equal(e.table_pages, 5);
	expect_none(&e, 5 * GiB + 11 * MiB);
	expect(&e, 5 * GiB + 8 * MiB + 1, GiB + 8 * MiB + 1, EPT_2M, EPT_R, EPT_MT_WC);
	expect(&e, 5 * GiB + 12 * MiB, GiB + 12 * MiB, EPT_2M, EPT_R, EPT_MT_WC);
	/* Whole 1 GiB regions holding tables go at once. */
	assert_int_equal(ept_unmap(&e, g, EPT_1G), EPT_OK);
	assert_int_equal(e.table_pages, 3);
	assert_int_equal(ept_unmap(&e, 5 * GiB, EPT_1G), EPT_OK);
	assert_int_equal(e.table_pages, 1);
	teardown(&f, &e);
}

static void test_unmap_region_of_tables(void **state)
{
	struct fake f;
	struct ept e;
	(void)state;

	setup(&f, &e, FLAGS);
	for (uint64_t i = 0; i < 8; i++)
		assert_int_equal(ept_map(&e, 10 * MiB + i * 0x3000, i * 0x1000, EPT_4K,
					 EPT_R, EPT_MT_WB), EPT_OK);
	assert_int_equal(ept_map(&e, 20 * MiB, 0, EPT_4K, EPT_R, EPT_MT_WB), EPT_OK);
	assert_int_equal(ept_map(&e, 40 * MiB, 0, EPT_2M, EPT_R, EPT_MT_WB), EPT_OK);
	assert_int_equal(e.table_pages, 5);
	/* The 2 MiB region at 10 MiB holds a table with 8 leaves. */
	assert_int_equal(ept_unmap(&e, 10 * MiB, EPT_2M), EPT_OK);
	assert_int_equal(e.table_pages, 4);
	expect_none(&e, 10 * MiB);
	expect_none(&e, 10 * MiB + 7 * 0x3000);
	expect(&e, 20 * MiB, 0, EPT_4K, EPT_R, EPT_MT_WB);
	/* The first 1 GiB holds the rest. */
	assert_int_equal(ept_unmap(&e, 0, EPT_1G), EPT_OK);
	assert_int_equal(e.table_pages, 1);
	expect_none(&e, 40 * MiB);
	teardown(&f, &e);
}

static void test_split(void **state)
{
	struct fake f;
	struct ept e;
	const uint64_t g = 3 * GiB, h = 40 * GiB;
	(void)state;

	setup(&f, &e, FLAGS);
	assert_int_equal(ept_map(&e, g, h, EPT_1G, EPT_R | EPT_X, EPT_MT_WC), EPT_OK);
	assert_int_equal(ept_split(&e, g, EPT_1G), EPT_OK); /* already */
	assert_int_equal(e.table_pages, 2);
	f.budget = 1;
	assert_int_equal(ept_split(&e, g + 4 * MiB + 0x3000, EPT_4K), EPT_E_NOMEM);
	assert_int_equal(f.live, 2);
	f.budget = -1;
	assert_int_equal(ept_split(&e, g + 4 * MiB + 0x3000, EPT_4K), EPT_OK);
	assert_int_equal(e.table_pages, 4);
	for (uint64_t off = 0; off < EPT_1G; off += 0x1000 + 61 * EPT_4K) {
		bool small = off >> 21 == 2;
		expect(&e, g + off + 9, h + off + 9, small ? EPT_4K : EPT_2M,
		       EPT_R | EPT_X, EPT_MT_WC);
	}
	/* Already small enough: nothing to do. */
	assert_int_equal(ept_split(&e, g + 4 * MiB + 0x3000, EPT_4K), EPT_OK);
	assert_int_equal(ept_split(&e, g, EPT_2M), EPT_OK);
	assert_int_equal(ept_split(&e, g + 4 * MiB, EPT_2M), EPT_OK);
	assert_int_equal(e.table_pages, 4);
	/* 2 MiB leaf to 4 KiB. */
	assert_int_equal(ept_split(&e, g + 8 * MiB, EPT_4K), EPT_OK);
	assert_int_equal(e.table_pages, 5);
	expect(&e, g + 10 * MiB - 1, h + 10 * MiB - 1, EPT_4K, EPT_R | EPT_X, EPT_MT_WC);
	/* Nothing mapped. */
	assert_int_equal(ept_split(&e, 0, EPT_4K), EPT_E_NOT_MAPPED);
	assert_int_equal(ept_split(&e, g - EPT_2M, EPT_2M), EPT_E_NOT_MAPPED);
	/* Unmapping all 4 KiB leaves of a split 2 MiB frees its table only. */
	for (uint64_t off = 0; off < EPT_2M; off += EPT_4K)
		assert_int_equal(ept_unmap(&e, g + 8 * MiB + off, EPT_4K), EPT_OK);
	assert_int_equal(e.table_pages, 4);
	expect_none(&e, g + 9 * MiB);
	expect(&e, g + 10 * MiB, h + 10 * MiB, EPT_2M, EPT_R | EPT_X, EPT_MT_WC);
	assert_int_equal(ept_split(&e, g + 8 * MiB, EPT_2M), EPT_E_NOT_MAPPED);
	teardown(&f, &e);
}

static void test_protect(void **state)
{
	struct fake f;
	struct ept e;
	struct ept_walk w;
	const uint64_t g = 8 * MiB, h = 0x40000000, g2 = 2 * GiB;
	(void)state;

	setup(&f, &e, FLAGS);
	assert_int_equal(ept_map(&e, g, h, EPT_2M, RWX, EPT_MT_WB), EPT_OK);
	f.budget = 0;
	assert_int_equal(ept_protect(&e, g + EPT_4K, EPT_4K, EPT_R), EPT_E_NOMEM);
	expect(&e, g + EPT_4K, h + EPT_4K, EPT_2M, RWX, EPT_MT_WB);
	/* A larger leaf that has the permissions already: no split needed. */
	assert_int_equal(ept_protect(&e, g + EPT_4K, EPT_4K, RWX), EPT_OK);
	assert_int_equal(e.table_pages, 3);
	f.budget = -1;
	assert_int_equal(ept_protect(&e, g + EPT_4K, EPT_4K, EPT_R), EPT_OK);
	assert_int_equal(e.table_pages, 4);
	expect(&e, g + EPT_4K, h + EPT_4K, EPT_4K, EPT_R, EPT_MT_WB);
	expect(&e, g, h, EPT_4K, RWX, EPT_MT_WB);
	expect(&e, g + 2 * EPT_4K, h + 2 * EPT_4K, EPT_4K, RWX, EPT_MT_WB);
	expect(&e, g + EPT_2M - 1, h + EPT_2M - 1, EPT_4K, RWX, EPT_MT_WB);

	/* A/D flags and other attributes survive. */
	assert_int_equal(ept_lookup(&e, g + 2 * EPT_4K, &w), EPT_OK);
	uint64_t *pd = fake_virt(&f, e.root_pa);
	pd = fake_virt(&f, pd[0] & ADDR_MASK);
	pd = fake_virt(&f, pd[0] & ADDR_MASK);
	uint64_t *pt = fake_virt(&f, pd[4] & ADDR_MASK);
	pt[2] |= ACCESSED | DIRTY;
	assert_int_equal(ept_protect(&e, g + 2 * EPT_4K, EPT_4K, EPT_R | EPT_X | EPT_XU), EPT_OK);
	assert_int_equal(pt[2], (w.entry & ~(uint64_t)ALLPERM) | ACCESSED | DIRTY |
			 EPT_R | EPT_X | EPT_XU);

	/* A region holding a table: every leaf in it. */
	assert_int_equal(ept_protect(&e, g, EPT_2M, EPT_R | EPT_W), EPT_OK);
	for (uint64_t off = 0; off < EPT_2M; off += EPT_4K)
		expect(&e, g + off, h + off, EPT_4K, EPT_R | EPT_W, EPT_MT_WB);
	assert_int_equal(e.table_pages, 4);

	/* Only the mapped leaves of a partly mapped region change. */
	assert_int_equal(ept_map(&e, g2 + 0x1000, 0x1000, EPT_4K, EPT_R, EPT_MT_UC), EPT_OK);
	assert_int_equal(ept_map(&e, g2 + 4 * MiB, 0, EPT_2M, EPT_R, EPT_MT_UC), EPT_OK);
	assert_int_equal(ept_protect(&e, g2, EPT_1G, RWX), EPT_OK);
	expect(&e, g2 + 0x1000, 0x1000, EPT_4K, RWX, EPT_MT_UC);
	expect(&e, g2 + 5 * MiB, 1 * MiB, EPT_2M, RWX, EPT_MT_UC);
	expect_none(&e, g2);
	expect_none(&e, g2 + 2 * MiB);
	/* Whole-leaf protect of a 1 GiB leaf needs no table. */
	assert_int_equal(ept_map(&e, 5 * GiB, 0, EPT_1G, RWX, EPT_MT_WB), EPT_OK);
	uint64_t pages = e.table_pages;
	assert_int_equal(ept_protect(&e, 5 * GiB, EPT_1G, EPT_R), EPT_OK);
	assert_int_equal(e.table_pages, pages);
	expect(&e, 5 * GiB, 0, EPT_1G, EPT_R, EPT_MT_WB);

	assert_int_equal(ept_protect(&e, 9 * GiB, EPT_4K, EPT_R), EPT_E_NOT_MAPPED);
	assert_int_equal(ept_protect(&e, g2 + EPT_2M, EPT_2M, EPT_R), EPT_E_NOT_MAPPED);
	teardown(&f, &e);
}

static void test_suppress_ve(void **state)
{
	struct fake f;
	struct ept e;
	struct ept_walk w;
	(void)state;

	setup(&f, &e, FLAGS | EPT_F_SVE);
	assert_int_equal(e.empty, SVE);
	check_tree(&e, &f, NULL); /* every non-present entry is SVE */
	assert_int_equal(ept_map(&e, 0x5000, 0x6000, EPT_4K, EPT_R, EPT_MT_WB), EPT_OK);
	assert_int_equal(ept_lookup(&e, 0x5000, &w), EPT_OK);
	assert_int_equal(w.entry, 0x6000 | EPT_R | EPT_MT_WB << 3 | SVE);
	assert_int_equal(ept_map(&e, GiB, 0, EPT_1G, RWX, EPT_MT_WB), EPT_OK);
	assert_int_equal(ept_unmap(&e, GiB + 0x1000, EPT_4K), EPT_OK);
	assert_int_equal(ept_lookup(&e, GiB + 0x2000, &w), EPT_OK);
	assert_true(w.entry & SVE);
	check_tree(&e, &f, NULL);
	assert_int_equal(ept_unmap(&e, 0, EPT_1G), EPT_OK);
	check_tree(&e, &f, NULL);
	teardown(&f, &e);
}

/* ---- out of memory at every allocation of a script ----------------------- */

enum { OP_MAP, OP_RANGE, OP_UNMAP, OP_SPLIT, OP_PROTECT };
struct op {
	int kind;
	uint64_t gpa, hpa, size;
	unsigned perm;
};

static const struct op script[] = {
	{ OP_RANGE, GiB - 2 * MiB - 4 * KiB, 8 * GiB - 2 * MiB - 4 * KiB,
	  3 * GiB + 6 * MiB + 12 * KiB, EPT_R | EPT_W },
	{ OP_MAP, 512 * GiB + 0x1000, 0x1000, EPT_4K, EPT_R },
	{ OP_UNMAP, GiB + 0x12345000, 0, EPT_4K, 0 },
	{ OP_PROTECT, GiB - 2 * MiB + 0x3000, 0, EPT_4K, EPT_R },
	{ OP_SPLIT, 2 * GiB, 0, EPT_4K, 0 },
	{ OP_PROTECT, 3 * GiB, 0, EPT_1G, EPT_R | EPT_X },
	{ OP_UNMAP, 2 * GiB + 2 * MiB, 0, EPT_2M, 0 },
	{ OP_MAP, 2 * GiB + 2 * MiB, 0x600000, EPT_2M, RWX },
	{ OP_MAP, 6 * GiB + 5 * MiB, 0x5000, EPT_4K, EPT_R },
	{ OP_RANGE, 6 * GiB, 0, 8 * MiB, EPT_R },          /* EXISTS, rolls back */
	{ OP_PROTECT, GiB + 100 * MiB, 0, EPT_4K, EPT_R },
	{ OP_UNMAP, 0, 0, EPT_1G, 0 },
	{ OP_UNMAP, 512 * GiB + 0x1000, 0, EPT_4K, 0 },
	{ OP_RANGE, 10 * GiB - 8 * KiB, 0x5000, 16 * KiB, RWX },
	{ OP_UNMAP, GiB, 0, EPT_1G, 0 },
	{ OP_MAP, 7 * GiB, 0, EPT_1G, EPT_R },
	{ OP_UNMAP, 7 * GiB + 0x1000, 0, EPT_4K, 0 },
};

static int run_op(struct ept *e, const struct op *o)
{
	switch (o->kind) {
	case OP_MAP:
		return ept_map(e, o->gpa, o->hpa, o->size, o->perm, EPT_MT_WB);
	case OP_RANGE:
		return ept_map_range(e, o->gpa, o->hpa, o->size, o->perm, EPT_MT_WB);
	case OP_UNMAP:
		return ept_unmap(e, o->gpa, o->size);
	case OP_SPLIT:
		return ept_split(e, o->gpa, o->size);
	default:
		return ept_protect(e, o->gpa, o->size, o->perm);
	}
}

static void leaves_equal(const struct leaves *a, const struct leaves *b)
{
	assert_int_equal(a->n, b->n);
	assert_memory_equal(a->v, b->v, a->n * sizeof(*a->v));
}

/* Runs the script with allocation n failing (and, unless once, every one
 * after it); returns how many allocations failed. Every NOMEM must leave
 * the tables exactly as they were; other statuses must match the
 * unconstrained run until the first failure. */
static unsigned run_script(long n, bool once, const int *want)
{
	struct fake f;
	struct ept e;
	struct leaves before = { 0 }, after = { 0 };
	unsigned failed = 0;

	setup(&f, &e, FLAGS);
	f.budget = n;
	f.once = once;
	for (unsigned i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
		check_tree(&e, &f, &before);
		uint64_t pages = e.table_pages;
		int rc = run_op(&e, &script[i]);
		check_tree(&e, &f, &after);
		if (rc == EPT_E_NOMEM) {
			failed++;
			assert_int_equal(e.table_pages, pages);
			leaves_equal(&before, &after);
		} else if (want && !failed) {
			assert_int_equal(rc, want[i]);
		} else {
			assert_true(rc == EPT_OK || rc == EPT_E_EXISTS ||
				    rc == EPT_E_NOT_MAPPED);
		}
	}
	free(before.v);
	free(after.v);
	teardown(&f, &e);
	return failed;
}

static void test_nomem_every_allocation(void **state)
{
	int want[sizeof(script) / sizeof(script[0])];
	struct fake f;
	struct ept e;
	(void)state;

	setup(&f, &e, FLAGS);
	for (unsigned i = 0; i < sizeof(script) / sizeof(script[0]); i++)
		want[i] = run_op(&e, &script[i]);
	uint64_t total = f.n - 1;
	teardown(&f, &e);
	assert_int_equal(want[9], EPT_E_EXISTS);
	assert_true(total >= 20);

	for (long n = 0; n < (long)total; n++) {
		assert_true(run_script(n, false, want) > 0);
		assert_int_equal(run_script(n, true, NULL), 1);
	}
	assert_int_equal(run_script((long)total + 1, false, want), 0);
}

/* ---- seeded random run against a model ---------------------------------- */

#define R_BASE  (504 * GiB) /* 16 GiB across the PML4 slot 0/1 boundary */
#define R_SIZE  (16 * GiB)
#define R_PAGES (R_SIZE / EPT_4K)
#define R_2M    (R_SIZE / EPT_2M)
#define R_OPS   20000
#define M_VALID (1ull << 63)

/* Expected translation per 4 KiB page: valid, mt (bits 62:60), perm R W X
 * XU (bits 59:56), hpa frame (bits 39:0). */
struct model {
	uint64_t *pg;
	uint32_t *n2m; /* valid pages per 2 MiB */
	uint64_t valid;
};

static uint64_t m_pack(uint64_t hpa, unsigned perm, unsigned mt)
{
	unsigned p = (perm & RWX) | (perm & EPT_XU ? 8 : 0);
	return M_VALID | (uint64_t)mt << 60 | (uint64_t)p << 56 | hpa >> 12;
}

static void m_set(struct model *m, uint64_t i, uint64_t v)
{
	bool was = m->pg[i] & M_VALID, is = v & M_VALID;

	m->pg[i] = v;
	m->n2m[i / 512] += (uint32_t)is - (uint32_t)was;
	m->valid += (uint64_t)is - (uint64_t)was;
}

static bool m_any(const struct model *m, uint64_t gpa, uint64_t len)
{
	uint64_t i = (gpa - R_BASE) / EPT_4K, end = i + len / EPT_4K;

	while (i < end) {
		if (!(i % 512) && end - i >= 512) {
			if (m->n2m[i / 512])
				return true;
			i += 512;
		} else if (m->pg[i++] & M_VALID) {
			return true;
		}
	}
	return false;
}

/* Applies fn to every valid page of [gpa, gpa + len). */
static void m_each(struct model *m, uint64_t gpa, uint64_t len,
		   uint64_t (*fn)(uint64_t v, unsigned arg), unsigned arg)
{
	uint64_t i = (gpa - R_BASE) / EPT_4K, end = i + len / EPT_4K;

	while (i < end) {
		if (!(i % 512) && end - i >= 512 && !m->n2m[i / 512]) {
			i += 512;
			continue;
		}
		if (m->pg[i] & M_VALID)
			m_set(m, i, fn(m->pg[i], arg));
		i++;
	}
}

static uint64_t m_clear(uint64_t v, unsigned arg)
{
	(void)v;
	(void)arg;
	return 0;
}

static uint64_t m_perm(uint64_t v, unsigned perm)
{
	return m_pack((v & ((1ull << 40) - 1)) << 12, perm, (unsigned)(v >> 60) & 7);
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void m_check(const struct ept *e, const struct model *m, uint64_t gpa)
{
	struct ept_walk w;
	uint64_t v = m->pg[(gpa - R_BASE) / EPT_4K];

	if (!(v & M_VALID)) {
		expect_none(e, gpa);
		return;
	}
	assert_int_equal(ept_lookup(e, gpa, &w), EPT_OK);
	assert_int_equal(m_pack(w.hpa, w.perm, w.mt), v);
	/* The leaf's first and last pages agree with the model as well. */
	uint64_t first = gpa & ~(w.page_size - 1), last = first + w.page_size - EPT_4K;
	uint64_t hpa0 = w.hpa & ~(w.page_size - 1);
	assert_int_equal(m->pg[(first - R_BASE) / EPT_4K], m_pack(hpa0, w.perm, w.mt));
	assert_int_equal(m->pg[(last - R_BASE) / EPT_4K],
			 m_pack(hpa0 + w.page_size - EPT_4K, w.perm, w.mt));
}

/* Every leaf of the tree against the model, and the number of pages the
 * leaves cover against the model's count: the two agree exactly. */
static void m_check_all(const struct ept *e, struct fake *f, const struct model *m,
			struct leaves *l)
{
	uint64_t pages = 0;

	check_tree(e, f, l);
	for (size_t k = 0; k < l->n; k += 3) {
		uint64_t gpa = l->v[k], x = l->v[k + 2];
		uint64_t n = 1ull << (9 * (l->v[k + 1] - 1));
		assert_true(gpa >= R_BASE && gpa < R_BASE + R_SIZE);
		for (uint64_t j = 0; j < n; j++)
			assert_int_equal(m->pg[(gpa - R_BASE) / EPT_4K + j],
					 m_pack((x & ADDR_MASK) + j * EPT_4K,
						(unsigned)x & ALLPERM, (x >> 3) & 7));
		pages += n;
	}
	assert_int_equal(pages, m->valid);
}

static uint64_t pick_size(unsigned p4k, unsigned p2m)
{
	unsigned r = (unsigned)(rnd() % 100);
	return r < p4k ? EPT_4K : r < p4k + p2m ? EPT_2M : EPT_1G;
}

static void random_run(uint64_t seed, unsigned flags)
{
	static const unsigned perms[] = { EPT_R, EPT_R | EPT_W, EPT_R | EPT_X, RWX,
					  ALLPERM, EPT_R | EPT_XU, EPT_X, EPT_X | EPT_XU };
	static const enum ept_memtype mts[] = { EPT_MT_UC, EPT_MT_WC, EPT_MT_WT,
						EPT_MT_WP, EPT_MT_WB };
	static const char *names[] = { "map", "range", "unmap", "split", "protect" };
	struct model m = { calloc(R_PAGES, 8), calloc(R_2M, 4), 0 };
	unsigned nperms = (flags & EPT_F_XONLY) ? 8 : 6;
	unsigned ok[5] = { 0 }, other[5] = { 0 };
	uint64_t max_tables = 0, split_tables = 0, hot = R_BASE;
	struct leaves l = { 0 };
	struct fake f;
	struct ept e;

	assert_non_null(m.pg);
	assert_non_null(m.n2m);
	rng_state = seed;
	setup(&f, &e, flags);
	for (unsigned op = 0; op < R_OPS; op++) {
		unsigned r = (unsigned)(rnd() % 100), perm = perms[rnd() % nperms];
		enum ept_memtype mt = mts[rnd() % 5];
		int kind = r < 35 ? OP_MAP : r < 45 ? OP_RANGE : r < 70 ? OP_UNMAP :
			   r < 85 ? OP_PROTECT : OP_SPLIT;
		uint64_t size = kind == OP_MAP ? pick_size(60, 30) :
				kind == OP_SPLIT ? pick_size(60, 40) : pick_size(50, 35);
		/* Half of the smaller operations land in the 512 x size region
		 * around the last successful map: they often hit parts of
		 * leaves and mapped neighbours. */
		uint64_t gpa = R_BASE + (rnd() % (R_SIZE / size)) * size;
		if (size < EPT_1G && rnd() % 2)
			gpa = (hot & ~(512 * size - 1)) + (rnd() % 512) * size;
		uint64_t allocs = f.n;
		uint64_t hpa = (rnd() % (1ull << 34)) * EPT_4K;
		int rc, want;

		if (kind == OP_RANGE) {
			/* Lengths up to 4 MiB mostly, some up to 2 GiB; hpa congruent
			 * to gpa modulo 1 GiB, 2 MiB or only 4 KiB. */
			gpa = R_BASE + (rnd() % R_PAGES) * EPT_4K;
			uint64_t pages = rnd() % 8 ? 1024 : 524288;
			size = (1 + rnd() % pages) * EPT_4K;
			if (size > R_BASE + R_SIZE - gpa)
				size = R_BASE + R_SIZE - gpa;
			uint64_t mod = (uint64_t[]){ EPT_1G, EPT_2M, EPT_4K }[rnd() % 3];
			hpa = (hpa & ~(mod - 1)) | (gpa & (mod - 1));
		} else {
			hpa &= ~(size - 1);
		}
		switch (kind) {
		case OP_MAP:
		case OP_RANGE:
			rc = kind == OP_MAP ? ept_map(&e, gpa, hpa, size, perm, mt) :
			     ept_map_range(&e, gpa, hpa, size, perm, mt);
			want = m_any(&m, gpa, size) ? EPT_E_EXISTS : EPT_OK;
			if (want == EPT_OK)
				for (uint64_t j = 0; j < size / EPT_4K; j++)
					m_set(&m, (gpa - R_BASE) / EPT_4K + j,
					      m_pack(hpa + j * EPT_4K, perm, mt));
			break;
		case OP_UNMAP:
			rc = ept_unmap(&e, gpa, size);
			want = m_any(&m, gpa, size) ? EPT_OK : EPT_E_NOT_MAPPED;
			m_each(&m, gpa, size, m_clear, 0);
			break;
		case OP_PROTECT:
			rc = ept_protect(&e, gpa, size, perm);
			want = m_any(&m, gpa, size) ? EPT_OK : EPT_E_NOT_MAPPED;
			m_each(&m, gpa, size, m_perm, perm);
			break;
		default:
			rc = ept_split(&e, gpa, size);
			want = m_any(&m, gpa, size) ? EPT_OK : EPT_E_NOT_MAPPED;
			break;
		}
		if (rc != want)
			fail_msg("op %u: %s gpa %#llx size %#llx: %s, want %s", op,
				 names[kind], (unsigned long long)gpa,
				 (unsigned long long)size, ept_strerror(rc),
				 ept_strerror(want));
		(rc == EPT_OK ? ok : other)[kind]++;
		if (rc == EPT_OK && kind <= OP_RANGE)
			hot = gpa;
		if (kind >= OP_UNMAP)
			split_tables += f.n - allocs;
		if (e.table_pages > max_tables)
			max_tables = e.table_pages;

		/* The region's edges and the pages around it, plus random pages. */
		uint64_t probe[] = { gpa, gpa + size - EPT_4K, gpa - EPT_4K, gpa + size,
				     gpa + (rnd() % size & ~(EPT_4K - 1)) };
		for (unsigned k = 0; k < 5; k++)
			if (probe[k] >= R_BASE && probe[k] < R_BASE + R_SIZE)
				m_check(&e, &m, probe[k]);
		for (unsigned k = 0; k < 4; k++)
			m_check(&e, &m, R_BASE + (rnd() % R_PAGES) * EPT_4K);
		if (op % 2500 == 2499)
			m_check_all(&e, &f, &m, &l);
	}
	m_check_all(&e, &f, &m, &l);
	for (int k = 0; k < 5; k++) {
		print_message("  %-8s ok %5u  other %5u\n", names[k], ok[k], other[k]);
		assert_true(ok[k] > 100 && other[k] > 100);
	}
	print_message("  seed %#llx: %llu tables made by splits, up to %llu tables, "
		      "%llu pages mapped at the end\n", (unsigned long long)seed,
		      (unsigned long long)split_tables, (unsigned long long)max_tables,
		      (unsigned long long)m.valid);
	assert_true(split_tables > 500);
	/* Unmapping the whole space leaves the root alone. */
	for (uint64_t g = R_BASE; g < R_BASE + R_SIZE; g += EPT_1G)
		ept_unmap(&e, g, EPT_1G);
	assert_int_equal(e.table_pages, 1);
	teardown(&f, &e);
	free(l.v);
	free(m.pg);
	free(m.n2m);
}

static void test_random_model(void **state)
{
	(void)state;
	random_run(0x5eed0001, FLAGS);
	random_run(0x5eed0002, FLAGS | EPT_F_XONLY | EPT_F_SVE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_eptp),
		cmocka_unit_test(test_map_lookup),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_exists),
		cmocka_unit_test(test_map_range),
		cmocka_unit_test(test_unmap_whole),
		cmocka_unit_test(test_unmap_4k_in_2m),
		cmocka_unit_test(test_unmap_in_1g),
		cmocka_unit_test(test_unmap_region_of_tables),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_protect),
		cmocka_unit_test(test_suppress_ve),
		cmocka_unit_test(test_nomem_every_allocation),
		cmocka_unit_test(test_random_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
