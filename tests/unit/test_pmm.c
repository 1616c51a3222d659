/* Physical page allocator: init with holes, 4 KiB and aligned runs, max_pa,
 * zone preference, exhaustion, every kind of bad free, reserve, per-owner
 * counters, the invariant checker, a seeded random run against a naive
 * model, and a 12 GiB 1 GiB-aligned run on a large simulated machine.
 *
 * The allocator never touches the memory it manages, so a "machine" here is
 * only a tag map: no backing memory is needed for the simulated ranges. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mm/pmm.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)
#define PG  4096ull

struct sim {
	struct pmm p;
	uint8_t *tag;
};

static struct sim *sim_new(uint64_t base, uint64_t end)
{
	struct sim *s = calloc(1, sizeof(*s));
	size_t n = pmm_tagmap_bytes(base, end);

	assert_non_null(s);
	assert_true(n > 0);
	s->tag = malloc(n);
	assert_non_null(s->tag);
	assert_int_equal(pmm_init(&s->p, base, end, s->tag), PMM_OK);
	return s;
}

static void sim_del(struct sim *s)
{
	free(s->tag);
	free(s);
}

static void check_ok(const struct pmm *p)
{
	char why[128];
	int rc = pmm_check(p, why, sizeof(why));

	if (rc != 0)
		fail_msg("pmm_check: %s", why);
}

/* 0..8 GiB like a small PC: low RAM below 640 KiB, RAM from 1 MiB to
 * 3 GiB, the PCI hole, then 4 GiB of RAM above 4 GiB. */
static struct sim *pc_8g(void)
{
	struct sim *s = sim_new(0, 8 * GiB);

	pmm_add_free(&s->p, 0, 0x9f000);
	pmm_add_free(&s->p, 1 * MiB, 3 * GiB - 1 * MiB);
	pmm_add_free(&s->p, 4 * GiB, 4 * GiB);
	return s;
}

static const uint64_t PC_8G_FREE = 0x9f + (3 * GiB - 1 * MiB) / PG + 4 * GiB / PG;

/* A copy of everything, to prove a failed call changed nothing. */
struct snap {
	struct pmm p;
	uint8_t *tag;
};

static struct snap snap_take(const struct sim *s)
{
	struct snap k = { s->p, malloc(s->p.npages) };

	assert_non_null(k.tag);
	memcpy(k.tag, s->tag, s->p.npages);
	return k;
}

static void snap_same(const struct sim *s, struct snap *k)
{
	assert_memory_equal(&k->p, &s->p, sizeof(s->p));
	assert_memory_equal(k->tag, s->tag, s->p.npages);
	free(k->tag);
	k->tag = NULL;
}

static uint8_t tag_at(const struct sim *s, uint64_t pa)
{
	return s->tag[(pa - s->p.base_pa) / PG];
}

/* The run is one allocation of owner: head first, same-owner body after. */
static void assert_run(const struct sim *s, uint64_t pa, uint64_t n, unsigned owner)
{
	assert_int_equal(tag_at(s, pa), PMM_TAG_ALLOC | PMM_TAG_HEAD | owner);
	for (uint64_t i = 1; i < n; i++)
		assert_int_equal(tag_at(s, pa + i * PG), PMM_TAG_ALLOC | owner);
}

static void test_tagmap_bytes_and_init(void **state)
{
	struct pmm p;
	uint8_t t[4];
	(void)state;
	assert_int_equal(pmm_tagmap_bytes(0, 8 * GiB), 2 * MiB);
	assert_int_equal(pmm_tagmap_bytes(0x1800, 0x3001), 3); /* rounded out */
	assert_int_equal(pmm_tagmap_bytes(5, 5), 0);
	assert_int_equal(pmm_tagmap_bytes(8 * GiB, 4 * GiB), 0);
	assert_int_equal(pmm_tagmap_bytes(0, UINT64_MAX), 0);
	assert_int_equal(pmm_tagmap_bytes(0, UINT64_MAX - 4095), (1ull << 52) - 1);
	assert_int_equal(pmm_init(&p, 0, 4 * PG, NULL), PMM_E_INVAL);
	assert_int_equal(pmm_init(&p, 4 * PG, 4 * PG, t), PMM_E_INVAL);
	assert_int_equal(pmm_init(NULL, 0, 4 * PG, t), PMM_E_INVAL);
	memset(t, 0xee, sizeof(t));
	assert_int_equal(pmm_init(&p, 0x1800, 0x3001, t), PMM_OK);
	assert_int_equal(p.base_pa, 0x1000);
	assert_int_equal(p.npages, 3);
	assert_int_equal(t[0] | t[1] | t[2], PMM_TAG_HOLE);
	assert_int_equal(t[3], 0xee); /* nothing written past the map */
	assert_int_equal(pmm_free_pages(&p), 0);
	assert_int_equal(pmm_largest_free_run(&p), 0);
	check_ok(&p);
}

static void test_init_with_holes(void **state)
{
	struct sim *s = pc_8g();
	(void)state;
	assert_int_equal(pmm_free_pages(&s->p), PC_8G_FREE);
	assert_int_equal(s->p.zone_free[PMM_ZONE_1M], 0x9f);
	assert_int_equal(s->p.zone_free[PMM_ZONE_4G], (3 * GiB - 1 * MiB) / PG);
	assert_int_equal(s->p.zone_free[PMM_ZONE_HIGH], 4 * GiB / PG);
	assert_int_equal(pmm_largest_free_run(&s->p), 4 * GiB / PG);
	assert_int_equal(tag_at(s, 0x9e000), PMM_TAG_FREE);
	assert_int_equal(tag_at(s, 0x9f000), PMM_TAG_HOLE);
	assert_int_equal(tag_at(s, 3 * GiB), PMM_TAG_HOLE);
	check_ok(&s->p);

	/* Overlapping map entries add nothing twice. */
	assert_int_equal(pmm_add_free(&s->p, 0, 1 * MiB), 0x100 - 0x9f);
	assert_int_equal(pmm_add_free(&s->p, 0, 1 * MiB), 0);
	/* Page-aligned inward: partial pages at either end are not RAM. */
	assert_int_equal(pmm_add_free(&s->p, 3 * GiB + 1, 2 * PG), 1);
	assert_int_equal(tag_at(s, 3 * GiB), PMM_TAG_HOLE);
	assert_int_equal(tag_at(s, 3 * GiB + PG), PMM_TAG_FREE);
	assert_int_equal(pmm_add_free(&s->p, 3 * GiB + 0x10800, 0x1000), 0);
	assert_int_equal(pmm_add_free(&s->p, 3 * GiB + 0x20000, 0), 0);
	/* Clipped to the managed range, overflow-safe. */
	assert_int_equal(pmm_add_free(&s->p, 16 * GiB, GiB), 0);
	assert_int_equal(pmm_add_free(&s->p, UINT64_MAX - 100, 1000), 0);
	assert_int_equal(pmm_add_free(&s->p, 8 * GiB - PG, UINT64_MAX), 0);
	assert_int_equal(pmm_add_free(&s->p, 3 * GiB + 0x30000, UINT64_MAX), GiB / PG - 0x30);
	assert_int_equal(pmm_free_pages(&s->p),
			 PC_8G_FREE + 0x100 - 0x9f + 1 + GiB / PG - 0x30);
	check_ok(&s->p);
	/* Allocated pages inside an added range stay allocated. */
	assert_int_equal(pmm_reserve(&s->p, 3 * GiB + PG, 1, 4), PMM_OK);
	assert_int_equal(pmm_add_free(&s->p, 0, 8 * GiB), 0x30 - 1);
	assert_int_equal(tag_at(s, 3 * GiB + PG), PMM_TAG_ALLOC | PMM_TAG_HEAD | 4);
	assert_int_equal(pmm_free_pages(&s->p), 8 * GiB / PG - 1);
	assert_int_equal(pmm_largest_free_run(&s->p), 8 * GiB / PG - (3 * GiB / PG + 2));
	check_ok(&s->p);
	sim_del(s);
}

static void test_alloc_free_4k(void **state)
{
	struct sim *s = pc_8g();
	uint64_t pa, prev = 0;
	(void)state;
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 0, 7, &pa), PMM_OK);
	assert_true(pa >= 4 * GiB && pa < 8 * GiB && pa % PG == 0);
	assert_int_equal(tag_at(s, pa), PMM_TAG_ALLOC | PMM_TAG_HEAD | 7);
	assert_int_equal(pmm_owner_pages(&s->p, 7), 1);
	assert_int_equal(pmm_free_pages(&s->p), PC_8G_FREE - 1);
	check_ok(&s->p);
	assert_int_equal(pmm_free(&s->p, pa, 1, 7), PMM_OK);
	assert_int_equal(tag_at(s, pa), PMM_TAG_FREE);
	assert_int_equal(pmm_owner_pages(&s->p, 7), 0);
	assert_int_equal(pmm_free_pages(&s->p), PC_8G_FREE);
	check_ok(&s->p);

	/* Next fit: a stream of single pages walks forward. */
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(pmm_alloc(&s->p, 1, PG, 0, 1, &pa), PMM_OK);
		if (i)
			assert_int_equal(pa, prev + PG);
		prev = pa;
	}
	assert_int_equal(pmm_owner_pages(&s->p, 1), 1000);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(pmm_free(&s->p, prev - (uint64_t)i * PG, 1, 1), PMM_OK);
	assert_int_equal(pmm_free_pages(&s->p), PC_8G_FREE);
	check_ok(&s->p);
	sim_del(s);
}

static void test_next_fit_wraps(void **state)
{
	struct sim *s = sim_new(4 * GiB, 4 * GiB + 16 * PG);
	uint64_t pa[16], x;
	(void)state;
	pmm_add_free(&s->p, 4 * GiB, 16 * PG);
	for (int i = 0; i < 16; i++)
		assert_int_equal(pmm_alloc(&s->p, 1, PG, 0, 2, &pa[i]), PMM_OK);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 0, 2, &x), PMM_E_NOMEM);
	assert_int_equal(pmm_free(&s->p, pa[3], 1, 2), PMM_OK);
	assert_int_equal(pmm_free(&s->p, pa[9], 1, 2), PMM_OK);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 0, 2, &x), PMM_OK);
	assert_int_equal(x, pa[3]);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 0, 2, &x), PMM_OK);
	assert_int_equal(x, pa[9]);
	check_ok(&s->p);
	sim_del(s);

	/* The cursor one past the only free page: the wrap must reach it. */
	s = sim_new(4 * GiB, 4 * GiB + 16 * PG);
	pmm_add_free(&s->p, 4 * GiB, 16 * PG);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 0, 2, &x), PMM_OK);
	assert_int_equal(x, 4 * GiB);
	assert_int_equal(pmm_reserve(&s->p, 4 * GiB + PG, 15, 3), PMM_OK);
	assert_int_equal(pmm_free(&s->p, x, 1, 2), PMM_OK);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 0, 2, &x), PMM_OK);
	assert_int_equal(x, 4 * GiB);
	check_ok(&s->p);
	sim_del(s);
}

static void test_alignment(void **state)
{
	struct sim *s = pc_8g();
	uint64_t pa, last = 0;
	(void)state;
	for (int i = 0; i < 10; i++) {
		assert_int_equal(pmm_alloc(&s->p, 3, 2 * MiB, 0, 4, &pa), PMM_OK);
		assert_int_equal(pa % (2 * MiB), 0);
		assert_true(pa > last);
		assert_run(s, pa, 3, 4);
		last = pa;
	}
	assert_int_equal(pmm_alloc(&s->p, 2 * GiB / PG, GiB, 0, 5, &pa), PMM_OK);
	assert_int_equal(pa % GiB, 0);
	assert_true(pa >= 4 * GiB && pa + 2 * GiB <= 8 * GiB);
	assert_run(s, pa, 2 * GiB / PG, 5);
	assert_int_equal(pmm_owner_pages(&s->p, 4), 30);
	assert_int_equal(pmm_owner_pages(&s->p, 5), 2 * GiB / PG);
	check_ok(&s->p);
	/* 4..5 GiB is dirty, 5..7 GiB taken: the last clean high GiB, then
	 * the two below 3 GiB, then none. */
	assert_int_equal(pa, 5 * GiB);
	assert_int_equal(pmm_alloc(&s->p, GiB / PG, GiB, 0, 5, &pa), PMM_OK);
	assert_int_equal(pa, 7 * GiB);
	assert_int_equal(pmm_alloc(&s->p, GiB / PG, GiB, 0, 5, &pa), PMM_OK);
	assert_true(pa == 1 * GiB || pa == 2 * GiB);
	assert_int_equal(pmm_alloc(&s->p, GiB / PG, GiB, 0, 5, &pa), PMM_OK);
	assert_true(pa == 1 * GiB || pa == 2 * GiB);
	assert_int_equal(pmm_alloc(&s->p, GiB / PG, GiB, 0, 5, &pa), PMM_E_NOMEM);
	check_ok(&s->p);
	sim_del(s);

	/* Alignment is of the physical address, not of the map index. */
	s = sim_new(0x3000, 64 * MiB);
	pmm_add_free(&s->p, 0x3000, 64 * MiB);
	assert_int_equal(pmm_alloc(&s->p, 1, 2 * MiB, 0, 1, &pa), PMM_OK);
	assert_int_equal(pa % (2 * MiB), 0);
	assert_int_equal(pmm_alloc(&s->p, 1, 1ull << 63, 0, 1, &pa), PMM_E_NOMEM);
	assert_int_equal(pmm_alloc(&s->p, 1, 64 * MiB, 0, 1, &pa), PMM_E_NOMEM);
	check_ok(&s->p);
	sim_del(s);
}

static void test_alloc_invalid(void **state)
{
	struct sim *s = pc_8g();
	uint64_t pa = 0;
	struct snap k = snap_take(s);
	(void)state;
	assert_int_equal(pmm_alloc(&s->p, 0, PG, 0, 1, &pa), PMM_E_INVAL);
	assert_int_equal(pmm_alloc(&s->p, 1, 0, 0, 1, &pa), PMM_E_INVAL);
	assert_int_equal(pmm_alloc(&s->p, 1, 2048, 0, 1, &pa), PMM_E_INVAL);
	assert_int_equal(pmm_alloc(&s->p, 1, 3 * PG, 0, 1, &pa), PMM_E_INVAL);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 0, 0, &pa), PMM_E_INVAL);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 0, 64, &pa), PMM_E_INVAL);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 0, 1, NULL), PMM_E_INVAL);
	assert_int_equal(pmm_alloc(NULL, 1, PG, 0, 1, &pa), PMM_E_INVAL);
	/* Sizes that cannot fit are out of memory, not a crash. */
	assert_int_equal(pmm_alloc(&s->p, UINT64_MAX, PG, 0, 1, &pa), PMM_E_NOMEM);
	assert_int_equal(pmm_alloc(&s->p, 1ull << 52, PG, 0, 1, &pa), PMM_E_NOMEM);
	assert_int_equal(pmm_alloc(&s->p, 5 * GiB / PG, PG, 0, 1, &pa), PMM_E_NOMEM);
	assert_int_equal(pmm_alloc(&s->p, 1, 1ull << 63, 0, 1, &pa), PMM_OK);
	assert_int_equal(pa, 0); /* page 0 is the one such address */
	assert_int_equal(pmm_free(&s->p, 0, 1, 1), PMM_OK);
	s->p.cursor[PMM_ZONE_1M] = k.p.cursor[PMM_ZONE_1M];
	snap_same(s, &k);
	sim_del(s);
}

static void test_max_pa(void **state)
{
	struct sim *s = pc_8g();
	uint64_t pa;
	int n;
	(void)state;
	/* The limit is the end of the run: only page 0 ends at or below 4 KiB. */
	assert_int_equal(pmm_alloc(&s->p, 1, PG, PG, 2, &pa), PMM_OK);
	assert_int_equal(pa, 0);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, PG, 2, &pa), PMM_E_NOMEM);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 1, 2, &pa), PMM_E_NOMEM);
	assert_int_equal(pmm_alloc(&s->p, 16, PG, 1 * MiB, 1, &pa), PMM_OK);
	assert_true(pa + 16 * PG <= 0x9f000);
	/* Below 4 GiB prefers 1 MiB..4 GiB, keeping the first MiB. */
	assert_int_equal(pmm_alloc(&s->p, 2, PG, 4 * GiB, 1, &pa), PMM_OK);
	assert_true(pa >= 1 * MiB && pa + 2 * PG <= 4 * GiB);
	assert_int_equal(pmm_alloc(&s->p, 512, 2 * MiB, 4 * GiB, 1, &pa), PMM_OK);
	assert_true(pa >= 1 * MiB && pa + 2 * MiB <= 3 * GiB && pa % (2 * MiB) == 0);
	/* An unaligned limit bounds the end of the run. */
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 0x9f800, 2, &pa), PMM_OK);
	assert_true(pa + PG <= 0x9f000);
	/* A limit above 4 GiB still takes high memory first. */
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 6 * GiB, 3, &pa), PMM_OK);
	assert_true(pa >= 4 * GiB && pa < 6 * GiB);
	assert_int_equal(pmm_alloc(&s->p, GiB / PG, GiB, 6 * GiB, 3, &pa), PMM_OK);
	assert_int_equal(pa, 5 * GiB);
	assert_int_equal(pmm_alloc(&s->p, GiB / PG, GiB, 6 * GiB, 3, &pa), PMM_OK);
	assert_true(pa == 1 * GiB || pa == 2 * GiB);
	check_ok(&s->p);

	/* Drain below 1 MiB; high memory does not help such requests. */
	for (n = 0; pmm_alloc(&s->p, 1, PG, 1 * MiB, 9, &pa) == PMM_OK; n++)
		assert_true(pa < 0x9f000);
	assert_int_equal(n, 0x9f - 16 - 2);
	assert_int_equal(s->p.zone_free[PMM_ZONE_1M], 0);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 1 * MiB, 9, &pa), PMM_E_NOMEM);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 0, 9, &pa), PMM_OK);
	assert_true(pa >= 4 * GiB);
	check_ok(&s->p);
	sim_del(s);

	/* A range starting above the limit. */
	s = sim_new(1 * MiB, 64 * MiB);
	pmm_add_free(&s->p, 1 * MiB, 63 * MiB);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, PG, 1, &pa), PMM_E_NOMEM);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 1 * MiB, 1, &pa), PMM_E_NOMEM);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 1 * MiB + PG, 1, &pa), PMM_OK);
	assert_int_equal(pa, 1 * MiB);
	sim_del(s);
}

static void test_prefers_high(void **state)
{
	struct sim *s = sim_new(0, 4 * GiB + 64 * KiB);
	uint64_t pa;
	(void)state;
	pmm_add_free(&s->p, 0x1000, 2 * PG);
	pmm_add_free(&s->p, 1 * MiB, 2 * PG);
	pmm_add_free(&s->p, 4 * GiB, 2 * PG);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(pmm_alloc(&s->p, 1, PG, 0, 1, &pa), PMM_OK);
		if (i < 2)
			assert_true(pa >= 4 * GiB);
		else if (i < 4)
			assert_true(pa >= 1 * MiB && pa < 4 * GiB);
		else
			assert_true(pa < 1 * MiB);
	}
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 0, 1, &pa), PMM_E_NOMEM);
	check_ok(&s->p);
	sim_del(s);

	/* A run across 4 GiB is found when neither side alone is enough. */
	s = sim_new(0, 4 * GiB + 64 * KiB);
	pmm_add_free(&s->p, 4 * GiB - 16 * KiB, 32 * KiB);
	assert_int_equal(pmm_alloc(&s->p, 8, PG, 0, 1, &pa), PMM_OK);
	assert_int_equal(pa, 4 * GiB - 16 * KiB);
	assert_run(s, pa, 8, 1);
	check_ok(&s->p);
	sim_del(s);
}

static void test_exhaustion(void **state)
{
	struct sim *s = sim_new(0, 64 * MiB);
	uint64_t pa, first = 0, n = 0, got = 0;
	struct snap k;
	(void)state;
	pmm_add_free(&s->p, 0, 0x9f000);
	pmm_add_free(&s->p, 1 * MiB, 20 * MiB);
	pmm_add_free(&s->p, 30 * MiB, 34 * MiB);
	/* Mixed sizes until even one page does not fit. */
	for (uint64_t sz = 1;; sz = sz % 37 + 1) {
		int rc = pmm_alloc(&s->p, sz, PG, 0, 1 + sz % 63, &pa);

		if (rc == PMM_E_NOMEM && sz == 1)
			break;
		if (rc == PMM_OK) {
			if (!n++)
				first = pa;
			got += sz;
		} else {
			assert_int_equal(rc, PMM_E_NOMEM);
		}
	}
	assert_int_equal(pmm_free_pages(&s->p), 0);
	assert_int_equal(pmm_largest_free_run(&s->p), 0);
	k = snap_take(s);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 0, 1, &pa), PMM_E_NOMEM);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 1 * MiB, 1, &pa), PMM_E_NOMEM);
	assert_int_equal(pmm_alloc(&s->p, 4096, 2 * MiB, 0, 1, &pa), PMM_E_NOMEM);
	assert_int_equal(pmm_alloc(&s->p, UINT64_MAX, PG, 0, 1, &pa), PMM_E_NOMEM);
	snap_same(s, &k);
	check_ok(&s->p);
	/* Freed pages are found again, even behind the cursor. */
	assert_int_equal(pmm_free(&s->p, first, 1, 2), PMM_OK);
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 0, 5, &pa), PMM_OK);
	assert_int_equal(pa, first);
	assert_int_equal(got, 0x9f + 20 * MiB / PG + 34 * MiB / PG);
	check_ok(&s->p);
	sim_del(s);
}

static void test_double_free(void **state)
{
	struct sim *s = pc_8g();
	uint64_t pa, pb;
	struct snap k;
	(void)state;
	assert_int_equal(pmm_alloc(&s->p, 4, PG, 0, 3, &pa), PMM_OK);
	assert_int_equal(pmm_free(&s->p, pa, 4, 3), PMM_OK);
	k = snap_take(s);
	assert_int_equal(pmm_free(&s->p, pa, 4, 3), PMM_E_DOUBLE_FREE);
	assert_int_equal(pmm_free(&s->p, pa, 1, 3), PMM_E_DOUBLE_FREE);
	assert_int_equal(pmm_free(&s->p, pa + PG, 3, 3), PMM_E_DOUBLE_FREE);
	snap_same(s, &k);
	/* The pages went to someone else in between: theirs to free. */
	assert_int_equal(pmm_reserve(&s->p, pa, 4, 8), PMM_OK);
	assert_int_equal(pmm_free(&s->p, pa, 4, 3), PMM_E_FOREIGN_FREE);
	assert_int_equal(pmm_free(&s->p, pa, 4, 8), PMM_OK);
	/* A size reaching into free pages is a size mismatch. */
	assert_int_equal(pmm_alloc(&s->p, 1, PG, 0, 3, &pb), PMM_OK);
	assert_int_equal(pmm_free(&s->p, pb, 2, 3), PMM_E_SIZE_MISMATCH);
	assert_int_equal(pmm_free(&s->p, pb, 1, 3), PMM_OK);
	assert_int_equal(pmm_free(&s->p, pb, 1, 3), PMM_E_DOUBLE_FREE);
	check_ok(&s->p);
	sim_del(s);
}

static void test_foreign_free(void **state)
{
	struct sim *s = pc_8g();
	uint64_t pa;
	struct snap k;
	(void)state;
	assert_int_equal(pmm_alloc(&s->p, 8, PG, 0, 3, &pa), PMM_OK);
	k = snap_take(s);
	assert_int_equal(pmm_free(&s->p, pa, 8, 4), PMM_E_FOREIGN_FREE);
	assert_int_equal(pmm_free(&s->p, pa, 8, 63), PMM_E_FOREIGN_FREE);
	assert_int_equal(pmm_free(&s->p, pa + PG, 7, 4), PMM_E_FOREIGN_FREE);
	snap_same(s, &k);
	assert_int_equal(pmm_free(&s->p, pa, 8, 3), PMM_OK);
	check_ok(&s->p);
	sim_del(s);
}

static void test_partial_free(void **state)
{
	struct sim *s = pc_8g();
	uint64_t pa, x = 1 * GiB, last = 8 * GiB - PG;
	struct snap k;
	(void)state;
	assert_int_equal(pmm_alloc(&s->p, 8, PG, 0, 2, &pa), PMM_OK);
	k = snap_take(s);
	assert_int_equal(pmm_free(&s->p, pa, 4, 2), PMM_E_SIZE_MISMATCH);
	assert_int_equal(pmm_free(&s->p, pa, 7, 2), PMM_E_SIZE_MISMATCH);
	assert_int_equal(pmm_free(&s->p, pa, 9, 2), PMM_E_SIZE_MISMATCH);
	assert_int_equal(pmm_free(&s->p, pa + PG, 7, 2), PMM_E_NOT_HEAD);
	assert_int_equal(pmm_free(&s->p, pa + 7 * PG, 1, 2), PMM_E_NOT_HEAD);
	snap_same(s, &k);
	assert_int_equal(pmm_free(&s->p, pa, 8, 2), PMM_OK);

	/* Two adjacent allocations of one owner stay two allocations. */
	assert_int_equal(pmm_reserve(&s->p, x, 2, 5), PMM_OK);
	assert_int_equal(pmm_reserve(&s->p, x + 2 * PG, 2, 5), PMM_OK);
	k = snap_take(s);
	assert_int_equal(pmm_free(&s->p, x, 4, 5), PMM_E_SIZE_MISMATCH);
	assert_int_equal(pmm_free(&s->p, x, 1, 5), PMM_E_SIZE_MISMATCH);
	snap_same(s, &k);
	assert_int_equal(pmm_free(&s->p, x + 2 * PG, 2, 5), PMM_OK);
	assert_int_equal(pmm_free(&s->p, x, 2, 5), PMM_OK);

	/* The last page of the range: the size check must not read past it. */
	assert_int_equal(pmm_reserve(&s->p, last - PG, 2, 6), PMM_OK);
	assert_int_equal(pmm_free(&s->p, last - PG, 1, 6), PMM_E_SIZE_MISMATCH);
	assert_int_equal(pmm_free(&s->p, last - PG, 3, 6), PMM_E_INVAL);
	assert_int_equal(pmm_free(&s->p, last - PG, 2, 6), PMM_OK);
	assert_int_equal(pmm_free_pages(&s->p), PC_8G_FREE);
	check_ok(&s->p);
	sim_del(s);
}

static void test_free_invalid(void **state)
{
	struct sim *s = sim_new(1 * MiB, 8 * GiB);
	uint64_t pa;
	struct snap k;
	(void)state;
	pmm_add_free(&s->p, 1 * MiB, 2 * GiB);
	pmm_add_free(&s->p, 4 * GiB, 4 * GiB);
	assert_int_equal(pmm_alloc(&s->p, 2, PG, 0, 1, &pa), PMM_OK);
	k = snap_take(s);
	assert_int_equal(pmm_free(&s->p, pa + 1, 2, 1), PMM_E_INVAL);
	assert_int_equal(pmm_free(&s->p, pa, 0, 1), PMM_E_INVAL);
	assert_int_equal(pmm_free(&s->p, pa, 2, 0), PMM_E_INVAL);
	assert_int_equal(pmm_free(&s->p, pa, 2, 64), PMM_E_INVAL);
	assert_int_equal(pmm_free(&s->p, pa, UINT64_MAX, 1), PMM_E_INVAL);
	assert_int_equal(pmm_free(&s->p, pa, (8 * GiB - pa) / PG + 1, 1), PMM_E_INVAL);
	assert_int_equal(pmm_free(&s->p, 0, 1, 1), PMM_E_INVAL);        /* below */
	assert_int_equal(pmm_free(&s->p, 8 * GiB, 1, 1), PMM_E_INVAL);  /* above */
	assert_int_equal(pmm_free(&s->p, UINT64_MAX & ~(PG - 1), 1, 1), PMM_E_INVAL);
	assert_int_equal(pmm_free(&s->p, 3 * GiB, 1, 1), PMM_E_INVAL);  /* hole */
	assert_int_equal(pmm_free(NULL, pa, 2, 1), PMM_E_INVAL);
	snap_same(s, &k);
	assert_int_equal(pmm_free(&s->p, pa, 2, 1), PMM_OK);
	check_ok(&s->p);
	sim_del(s);
}

static void test_reserve(void **state)
{
	struct sim *s = pc_8g();
	uint64_t pa;
	struct snap k;
	(void)state;
	assert_int_equal(pmm_reserve(&s->p, 2 * MiB, 256, 1), PMM_OK);
	assert_run(s, 2 * MiB, 256, 1);
	assert_int_equal(pmm_owner_pages(&s->p, 1), 256);
	k = snap_take(s);
	assert_int_equal(pmm_reserve(&s->p, 3 * MiB - PG, 2, 2), PMM_E_NOT_FREE);
	assert_int_equal(pmm_reserve(&s->p, 2 * MiB, 1, 1), PMM_E_NOT_FREE);
	assert_int_equal(pmm_reserve(&s->p, 3 * GiB, 1, 2), PMM_E_NOT_FREE);
	assert_int_equal(pmm_reserve(&s->p, 3 * GiB - PG, 2, 2), PMM_E_NOT_FREE);
	assert_int_equal(pmm_reserve(&s->p, 8 * GiB, 1, 2), PMM_E_INVAL);
	assert_int_equal(pmm_reserve(&s->p, 8 * GiB - PG, 2, 2), PMM_E_INVAL);
	assert_int_equal(pmm_reserve(&s->p, 4 * MiB, 1, 0), PMM_E_INVAL);
	assert_int_equal(pmm_reserve(&s->p, 4 * MiB, 0, 2), PMM_E_INVAL);
	assert_int_equal(pmm_reserve(&s->p, 4 * MiB + 8, 1, 2), PMM_E_INVAL);
	snap_same(s, &k);
	/* Allocations go around it. */
	for (int i = 0; i < 300; i++) {
		assert_int_equal(pmm_alloc(&s->p, 1, PG, 4 * MiB, 3, &pa), PMM_OK);
		assert_true(pa < 2 * MiB || pa >= 3 * MiB);
	}
	assert_int_equal(pmm_free(&s->p, 2 * MiB, 256, 1), PMM_OK);
	assert_int_equal(pmm_owner_pages(&s->p, 1), 0);
	check_ok(&s->p);
	sim_del(s);
}

static void test_owner_counters(void **state)
{
	struct sim *s = pc_8g();
	uint64_t pa, total = 0;
	(void)state;
	for (unsigned o = 1; o < PMM_OWNERS; o++)
		for (unsigned j = 0; j < o; j++)
			assert_int_equal(pmm_alloc(&s->p, o, PG, j & 1 ? 4 * GiB : 0,
						   o, &pa), PMM_OK);
	for (unsigned o = 1; o < PMM_OWNERS; o++) {
		assert_int_equal(pmm_owner_pages(&s->p, o), (uint64_t)o * o);
		total += (uint64_t)o * o;
	}
	assert_int_equal(pmm_owner_pages(&s->p, 0), 0);
	assert_int_equal(pmm_owner_pages(&s->p, 64), 0);
	assert_int_equal(pmm_owner_pages(&s->p, 1000), 0);
	assert_int_equal(pmm_free_pages(&s->p) + total, PC_8G_FREE);
	check_ok(&s->p);
	sim_del(s);
}

static void check_says(struct sim *s, const char *part)
{
	char why[128];

	assert_int_equal(pmm_check(&s->p, why, sizeof(why)), -1);
	if (!strstr(why, part))
		fail_msg("pmm_check said \"%s\", expected \"%s\"", why, part);
}

static void test_check_detects_corruption(void **state)
{
	struct sim *s = pc_8g();
	uint64_t pa, i;
	char small[8], why[128], expect[128];
	(void)state;
	assert_int_equal(pmm_alloc(&s->p, 20, PG, 0, 9, &pa), PMM_OK);
	i = pa / PG;
	check_ok(&s->p);
	s->tag[i] = PMM_TAG_ALLOC | 9;                  /* head lost */
	check_says(s, "no head for pa 0x");
	s->tag[i] = PMM_TAG_ALLOC | PMM_TAG_HEAD | 9;
	s->tag[i + 12] = PMM_TAG_ALLOC | 8;             /* owner changes mid-run */
	check_says(s, "no head");
	s->tag[i + 12] = PMM_TAG_ALLOC | 9;
	s->tag[i + 30] = 0x02;                          /* unknown values */
	check_says(s, "bad tag at pa ");
	s->tag[i + 30] = PMM_TAG_ALLOC;
	check_says(s, "bad tag");
	s->tag[i + 30] = PMM_TAG_HEAD | 3;
	check_says(s, "bad tag");
	s->tag[i + 30] = PMM_TAG_FREE;
	check_ok(&s->p);
	s->p.free_pages++;
	snprintf(expect, sizeof(expect), "free count %#llx != map %#llx",
		 (unsigned long long)s->p.free_pages,
		 (unsigned long long)s->p.free_pages - 1);
	assert_int_equal(pmm_check(&s->p, why, sizeof(why)), -1);
	assert_string_equal(why, expect);
	s->p.free_pages--;
	s->p.zone_free[PMM_ZONE_4G]--;
	check_says(s, "zone free count");
	s->p.zone_free[PMM_ZONE_4G]++;
	s->p.owner_pages[9]--;
	check_says(s, "owner 0x9 count");
	s->p.owner_pages[9]++;
	s->p.owner_pages[0] = 1;
	check_says(s, "owner 0x0");
	s->p.owner_pages[0] = 0;
	s->tag[5] = PMM_TAG_HOLE;                       /* free page vanished */
	check_says(s, "zone free count");
	s->tag[5] = PMM_TAG_FREE;
	s->tag[i + 30] = PMM_TAG_ALLOC | 9;
	assert_int_equal(pmm_check(&s->p, small, sizeof(small)), -1);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(pmm_check(&s->p, NULL, 0), -1);
	s->tag[i + 30] = PMM_TAG_FREE;
	assert_int_equal(pmm_check(&s->p, NULL, 0), 0);
	assert_int_equal(pmm_check(NULL, why, sizeof(why)), -1);
	assert_string_equal(why, "no map, pages 0x0");
	sim_del(s);
}

static void test_strerror(void **state)
{
	static const int codes[] = { PMM_OK, PMM_E_NOMEM, PMM_E_INVAL,
		PMM_E_DOUBLE_FREE, PMM_E_FOREIGN_FREE, PMM_E_NOT_HEAD,
		PMM_E_SIZE_MISMATCH, PMM_E_NOT_FREE };
	size_t n = sizeof(codes) / sizeof(codes[0]);
	(void)state;
	for (size_t i = 0; i < n; i++) {
		assert_non_null(pmm_strerror(codes[i]));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(pmm_strerror(codes[i]),
						pmm_strerror(codes[j]));
	}
	assert_string_equal(pmm_strerror(-99), "unknown pmm status");
	assert_string_equal(pmm_strerror(PMM_E_DOUBLE_FREE), "double free");
}

/* ---- randomized run against a naive model ------------------------------ */

#define R_BASE  0x2000ull /* not aligned to anything large: alignment is physical */
#define R_END   (4 * GiB + 32 * MiB)
#define R_OPS   100000
#define R_LIVE  3000

static const struct { uint64_t lo, hi; } r_ram[] = {
	{ R_BASE, 0x9f000 },
	{ 1 * MiB, 17 * MiB },
	{ 4 * GiB - 8 * MiB, 4 * GiB + 24 * MiB }, /* runs may cross 4 GiB */
};
#define R_NRAM (sizeof(r_ram) / sizeof(r_ram[0]))

struct alloc_rec {
	uint64_t pa, n;
	unsigned owner;
};

struct model {
	uint8_t *owner;   /* 0 = not allocated */
	uint8_t *head;
	uint8_t *ram;     /* 1 = managed */
	uint64_t npages, free_pages, owner_pages[PMM_OWNERS];
	struct alloc_rec live[R_LIVE], gone[64];
	size_t nlive, ngone;
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic across hosts */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

static uint64_t m_idx(uint64_t pa)
{
	return (pa - R_BASE) / PG;
}

static bool m_is_free(const struct model *m, uint64_t i)
{
	return m->ram[i] && !m->owner[i];
}

static uint8_t m_expected_tag(const struct model *m, uint64_t i)
{
	if (!m->ram[i])
		return PMM_TAG_HOLE;
	if (!m->owner[i])
		return PMM_TAG_FREE;
	return (uint8_t)(PMM_TAG_ALLOC | m->owner[i] | (m->head[i] ? PMM_TAG_HEAD : 0));
}

static void m_take(struct model *m, uint64_t pa, uint64_t n, unsigned owner)
{
	for (uint64_t i = m_idx(pa); i < m_idx(pa) + n; i++) {
		assert_true(m_is_free(m, i));
		m->owner[i] = (uint8_t)owner;
		m->head[i] = 0;
	}
	m->head[m_idx(pa)] = 1;
	m->free_pages -= n;
	m->owner_pages[owner] += n;
	assert_true(m->nlive < R_LIVE);
	m->live[m->nlive++] = (struct alloc_rec){ pa, n, owner };
}

static void m_release(struct model *m, size_t k)
{
	struct alloc_rec r = m->live[k];

	for (uint64_t i = m_idx(r.pa); i < m_idx(r.pa) + r.n; i++) {
		m->owner[i] = 0;
		m->head[i] = 0;
	}
	m->free_pages += r.n;
	m->owner_pages[r.owner] -= r.n;
	m->live[k] = m->live[--m->nlive];
	m->gone[m->ngone++ % 64] = r;
}

static long m_find(const struct model *m, uint64_t pa)
{
	for (size_t k = 0; k < m->nlive; k++)
		if (m->live[k].pa == pa)
			return (long)k;
	return -1;
}

/* What pmm_free must answer, decided from the model's own records. */
static int m_expect_free(const struct model *m, uint64_t pa, uint64_t n, unsigned owner)
{
	uint64_t i;
	long k;

	if ((pa & (PG - 1)) || pa < R_BASE || pa >= R_END || n == 0 ||
	    n > (R_END - pa) / PG || owner == 0 || owner >= PMM_OWNERS)
		return PMM_E_INVAL;
	i = m_idx(pa);
	if (!m->ram[i])
		return PMM_E_INVAL;
	if (!m->owner[i])
		return PMM_E_DOUBLE_FREE;
	if (m->owner[i] != owner)
		return PMM_E_FOREIGN_FREE;
	if (!m->head[i])
		return PMM_E_NOT_HEAD;
	k = m_find(m, pa);
	assert_true(k >= 0);
	return m->live[k].n == n ? PMM_OK : PMM_E_SIZE_MISMATCH;
}

/* Is there a free run of n pages starting at a physical page in
 * [start_lo, start_hi) that is a multiple of al, ending at or below end_hi
 * (all in page numbers)? Naive: one pass over the RAM ranges. */
static bool m_feasible(const struct model *m, uint64_t start_lo, uint64_t start_hi,
		       uint64_t end_hi, uint64_t n, uint64_t al)
{
	for (size_t r = 0; r < R_NRAM; r++) {
		/* Counting from start_lo on makes every start found >= start_lo. */
		uint64_t pg = r_ram[r].lo / PG > start_lo ? r_ram[r].lo / PG : start_lo;
		uint64_t run = 0;

		for (; pg < r_ram[r].hi / PG && pg < end_hi; pg++) {
			uint64_t s;

			run = m_is_free(m, m_idx(pg * PG)) ? run + 1 : 0;
			if (run < n)
				continue;
			s = pg + 1 - n;
			if (s >= start_hi)
				break;
			if (s % al == 0)
				return true;
		}
	}
	return false;
}

static unsigned zone_of(uint64_t pg)
{
	return pg < 1 * MiB / PG ? 0 : pg < 4 * GiB / PG ? 1 : 2;
}

static void m_check_counters(const struct sim *s, const struct model *m)
{
	assert_int_equal(pmm_free_pages(&s->p), m->free_pages);
	for (unsigned o = 0; o < PMM_OWNERS; o++)
		assert_int_equal(pmm_owner_pages(&s->p, o), m->owner_pages[o]);
}

static void m_check_tags(const struct sim *s, const struct model *m,
			 uint64_t pa, uint64_t n)
{
	if ((pa & (PG - 1)) || pa < R_BASE || pa >= R_END)
		return;
	for (uint64_t i = m_idx(pa); i < m_idx(pa) + n && i < m->npages; i++)
		assert_int_equal(s->tag[i], m_expected_tag(m, i));
}

/* Returns whether the allocation succeeded. */
static bool r_alloc(struct sim *s, struct model *m)
{
	static const uint64_t limits[] = { 1 * MiB, 4 * GiB, 17 * MiB, 4 * GiB + 4 * MiB };
	uint64_t r = rnd_below(100), n, al, max_pa, pa = 0, hi;
	unsigned owner = 1 + (unsigned)rnd_below(63);
	int rc;
	bool ok;

	n = r < 60 ? 1 : r < 85 ? 2 + rnd_below(7) : r < 95 ? 9 + rnd_below(56)
	  : r < 99 ? 65 + rnd_below(448) : 513 + rnd_below(3584);
	r = rnd_below(100);
	al = r < 60 ? 1 : r < 80 ? 2ull << rnd_below(4) : r < 92 ? 512
	   : r < 97 ? 1ull << rnd_below(13) : GiB / PG;
	r = rnd_below(100);
	max_pa = r < 50 ? 0 : r < 85 ? limits[rnd_below(4)]
	       : rnd_below(R_END + 16 * MiB);

	rc = pmm_alloc(&s->p, n, al * PG, max_pa, owner, &pa);
	hi = max_pa ? max_pa / PG : R_END / PG;
	if (hi > R_END / PG)
		hi = R_END / PG;
	if (rc == PMM_E_NOMEM) {
		assert_false(m_feasible(m, 0, UINT64_MAX, hi, n, al));
		return false;
	}
	assert_int_equal(rc, PMM_OK);
	assert_int_equal(pa % (al * PG), 0);
	assert_true(pa >= R_BASE && pa / PG + n <= hi);
	/* Placement: no run could have started in a higher zone. */
	for (unsigned z = zone_of(pa / PG) + 1; z < 3; z++) {
		uint64_t lo = z == 1 ? 1 * MiB / PG : 4 * GiB / PG;
		uint64_t top = z == 1 ? 4 * GiB / PG : UINT64_MAX;

		assert_false(m_feasible(m, lo, top, hi, n, al));
	}
	ok = true;
	for (uint64_t i = m_idx(pa); i < m_idx(pa) + n; i++)
		ok = ok && m_is_free(m, i);
	assert_true(ok);
	m_take(m, pa, n, owner);
	m_check_tags(s, m, pa, n + 1);
	if (m->nlive == R_LIVE) {
		assert_int_equal(pmm_free(&s->p, pa, n, owner), PMM_OK);
		m_release(m, m->nlive - 1);
	}
	return true;
}

static void r_bad_free(struct sim *s, struct model *m)
{
	uint64_t pa, n;
	unsigned owner;
	int want, rc;
	struct alloc_rec a = m->nlive ? m->live[rnd_below(m->nlive)]
				      : (struct alloc_rec){ R_BASE, 1, 1 };

	switch (rnd_below(6)) {
	case 0: /* double free of something freed lately */
		a = m->ngone ? m->gone[rnd_below(m->ngone < 64 ? m->ngone : 64)] : a;
		pa = a.pa, n = a.n, owner = a.owner;
		break;
	case 1: /* foreign */
		pa = a.pa, n = a.n, owner = a.owner % 63 + 1;
		break;
	case 2: /* wrong size */
		pa = a.pa, n = rnd_below(2) ? a.n + 1 : a.n - 1, owner = a.owner;
		break;
	case 3: /* from the middle */
		pa = a.pa + (1 + rnd_below(a.n)) * PG, n = a.n, owner = a.owner;
		break;
	case 4: /* anywhere, page aligned */
		pa = R_BASE + rnd_below(m->npages) * PG, n = 1 + rnd_below(16);
		owner = (unsigned)rnd_below(65);
		break;
	default: /* anything at all */
		pa = rnd(), n = rnd_below(4) ? 1 + rnd_below(16) : rnd();
		owner = (unsigned)rnd_below(70);
		break;
	}
	want = m_expect_free(m, pa, n, owner);
	rc = pmm_free(&s->p, pa, n, owner);
	if (rc != want)
		fail_msg("free(%#llx, %llu, %u) = %s, model says %s",
			 (unsigned long long)pa, (unsigned long long)n, owner,
			 pmm_strerror(rc), pmm_strerror(want));
	if (rc == PMM_OK)  /* an old record matched a new allocation exactly */
		m_release(m, (size_t)m_find(m, pa));
	m_check_tags(s, m, pa, n < 64 ? n + 1 : 64);
}

static void r_reserve(struct sim *s, struct model *m)
{
	size_t r = rnd_below(R_NRAM);
	uint64_t n = 1 + rnd_below(8);
	uint64_t pa = r_ram[r].lo + rnd_below((r_ram[r].hi - r_ram[r].lo) / PG) * PG;
	unsigned owner = 1 + (unsigned)rnd_below(63);
	int want = PMM_OK, rc;

	if (m->nlive + 1 >= R_LIVE)
		return;
	if (pa / PG + n > R_END / PG)
		want = PMM_E_INVAL;
	else
		for (uint64_t i = m_idx(pa); i < m_idx(pa) + n; i++)
			if (!m_is_free(m, i))
				want = PMM_E_NOT_FREE;
	rc = pmm_reserve(&s->p, pa, n, owner);
	assert_int_equal(rc, want);
	if (rc == PMM_OK)
		m_take(m, pa, n, owner);
	m_check_tags(s, m, pa, n + 1);
}

static void test_random_vs_model(void **state)
{
	struct sim *s = sim_new(R_BASE, R_END);
	struct model *m = calloc(1, sizeof(*m));
	unsigned long counts[5] = { 0 };
	(void)state;
	assert_non_null(m);
	m->npages = s->p.npages;
	m->owner = calloc(m->npages, 1);
	m->head = calloc(m->npages, 1);
	m->ram = calloc(m->npages, 1);
	assert_true(m->owner && m->head && m->ram);
	for (size_t r = 0; r < R_NRAM; r++) {
		pmm_add_free(&s->p, r_ram[r].lo, r_ram[r].hi - r_ram[r].lo);
		memset(m->ram + m_idx(r_ram[r].lo), 1, (r_ram[r].hi - r_ram[r].lo) / PG);
		m->free_pages += (r_ram[r].hi - r_ram[r].lo) / PG;
	}
	rng_state = 0x9e3779b97f4a7c15ull;
	for (int op = 0; op < R_OPS; op++) {
		/* Alternate filling and draining phases, so the run sees both
		 * near-empty and near-full memory. */
		uint64_t r = rnd_below(100), fill = (op / 5000) % 2 ? 30 : 60;

		if (r < fill) {
			counts[0]++;
			counts[4] += !r_alloc(s, m);
		} else if (r < 82 && m->nlive) {
			size_t k = rnd_below(m->nlive);
			struct alloc_rec a = m->live[k];

			assert_int_equal(pmm_free(&s->p, a.pa, a.n, a.owner), PMM_OK);
			m_release(m, k);
			m_check_tags(s, m, a.pa, a.n);
			counts[1]++;
		} else if (r < 95) {
			r_bad_free(s, m);
			counts[2]++;
		} else {
			r_reserve(s, m);
			counts[3]++;
		}
		m_check_counters(s, m);
		if (op % 1000 == 999) {
			for (uint64_t i = 0; i < m->npages; i++)
				if (s->tag[i] != m_expected_tag(m, i))
					fail_msg("op %d: tag of page %#llx is %#x, model %#x",
						 op, (unsigned long long)(R_BASE + i * PG),
						 s->tag[i], m_expected_tag(m, i));
			check_ok(&s->p);
		}
	}
	print_message("random: %lu allocs (%lu out of memory), %lu frees, %lu bad frees, "
		      "%lu reserves, %zu live, %llu pages free at the end\n", counts[0],
		      counts[4], counts[1], counts[2], counts[3], m->nlive,
		      (unsigned long long)m->free_pages);
	while (m->nlive) {
		struct alloc_rec a = m->live[m->nlive - 1];

		assert_int_equal(pmm_free(&s->p, a.pa, a.n, a.owner), PMM_OK);
		m_release(m, m->nlive - 1);
	}
	assert_int_equal(pmm_free_pages(&s->p), m->free_pages);
	check_ok(&s->p);
	free(m->owner);
	free(m->head);
	free(m->ram);
	free(m);
	sim_del(s);
}

/* ---- large machine ------------------------------------------------------ */

/* A 3 TiB host needs an ~805 MB tag map; 256 GiB (64 MB of tags) exercises
 * the same searches with a 12 GiB, 1 GiB-aligned PAMT-sized run. */
static void test_large_run_256g(void **state)
{
	struct sim *s = sim_new(0, 256 * GiB);
	uint64_t pa, runs[32], nruns = 0, frag = 0, pages = 12 * GiB / PG;
	clock_t t0;
	double ms;
	(void)state;
	pmm_add_free(&s->p, 0, 0x9f000);
	pmm_add_free(&s->p, 1 * MiB, 2 * GiB - 1 * MiB);
	pmm_add_free(&s->p, 4 * GiB, 96 * GiB);
	pmm_add_free(&s->p, 100 * GiB + 2 * MiB, 156 * GiB - 6 * MiB); /* a hole at 100 GiB */
	/* Scattered small allocations dirty every GiB from 4 to 40 GiB. */
	for (uint64_t g = 4; g < 40; g++) {
		assert_int_equal(pmm_reserve(&s->p, g * GiB + (g * 37 % 256) * MiB, 1, 2), PMM_OK);
		frag++;
	}
	for (int i = 0; i < 10000; i++) {
		assert_int_equal(pmm_alloc(&s->p, 1 + i % 3, PG, 0, 3, &pa), PMM_OK);
		frag += 1 + i % 3;
	}
	check_ok(&s->p);

	t0 = clock();
	assert_int_equal(pmm_alloc(&s->p, pages, GiB, 0, 4, &pa), PMM_OK);
	ms = (double)(clock() - t0) * 1000.0 / CLOCKS_PER_SEC;
	print_message("12 GiB / 1 GiB-aligned run on 256 GiB: pa %#llx in %.2f ms\n",
		      (unsigned long long)pa, ms);
	assert_int_equal(pa % GiB, 0);
	assert_true(pa >= 40 * GiB && (pa + 12 * GiB <= 100 * GiB || pa >= 101 * GiB));
	assert_run(s, pa, pages, 4);
	runs[nruns++] = pa;

	/* More of them until memory is out: no crash, then NOMEM. */
	t0 = clock();
	while (pmm_alloc(&s->p, pages, GiB, 0, 4, &pa) == PMM_OK) {
		assert_int_equal(pa % GiB, 0);
		assert_true(nruns < 32);
		runs[nruns++] = pa;
	}
	ms = (double)(clock() - t0) * 1000.0 / CLOCKS_PER_SEC;
	print_message("%llu runs of 12 GiB fit, the rest took %.2f ms\n",
		      (unsigned long long)nruns, ms);
	/* 40..100 GiB gives 5 runs; 101..256 GiB holds 154 whole GiB: 12 runs. */
	assert_int_equal(nruns, 5 + 12);
	assert_int_equal(pmm_owner_pages(&s->p, 4), nruns * pages);
	assert_int_equal(pmm_alloc(&s->p, pages, GiB, 0, 4, &pa), PMM_E_NOMEM);
	/* A 1 GiB run below 4 GiB is the one at 1 GiB. */
	assert_int_equal(pmm_alloc(&s->p, GiB / PG, GiB, 4 * GiB, 5, &pa), PMM_OK);
	assert_int_equal(pa, 1 * GiB);
	check_ok(&s->p);
	for (uint64_t i = 0; i < nruns; i++)
		assert_int_equal(pmm_free(&s->p, runs[i], pages, 4), PMM_OK);
	assert_int_equal(pmm_free(&s->p, 1 * GiB, GiB / PG, 5), PMM_OK);
	assert_int_equal(pmm_owner_pages(&s->p, 2) + pmm_owner_pages(&s->p, 3), frag);
	check_ok(&s->p);
	sim_del(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tagmap_bytes_and_init),
		cmocka_unit_test(test_init_with_holes),
		cmocka_unit_test(test_alloc_free_4k),
		cmocka_unit_test(test_next_fit_wraps),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_alloc_invalid),
		cmocka_unit_test(test_max_pa),
		cmocka_unit_test(test_prefers_high),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_double_free),
		cmocka_unit_test(test_foreign_free),
		cmocka_unit_test(test_partial_free),
		cmocka_unit_test(test_free_invalid),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_owner_counters),
		cmocka_unit_test(test_check_detects_corruption),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_random_vs_model),
		cmocka_unit_test(test_large_run_256g),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
