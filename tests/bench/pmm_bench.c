/* Host throughput of the physical page allocator (mm/pmm.c) on a simulated
 * 64 GiB machine: only the tag map (16 MiB) exists, the allocator never
 * touches the memory it hands out.
 *
 *   mkdir -p build/bench && gcc -std=c11 -O2 -Wall -Wextra -Werror -I. \
 *       -o build/bench/pmm_bench tests/bench/pmm_bench.c mm/pmm.c && \
 *   build/bench/pmm_bench
 *
 * Every line starts "bench: pmm "; the exit status is non-zero when the
 * allocator misbehaves (an unexpected error or a failed pmm_check). */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "mm/pmm.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define PG  4096ull

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, int rc)
{
	printf("bench: pmm FAILED %s: %s\n", what, pmm_strerror(rc));
	exit(1);
}

static void check(const struct pmm *p, const char *phase)
{
	char why[128];

	if (pmm_check(p, why, sizeof(why))) {
		printf("bench: pmm FAILED check after %s: %s\n", phase, why);
		exit(1);
	}
}

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static void report(const char *name, const char *unit, uint64_t n, double secs,
		   const char *extra)
{
	printf("bench: pmm %-10s %12.0f %s/s  (%llu in %.3f s%s)\n", name,
	       (double)n / secs, unit, (unsigned long long)n, secs, extra);
}

/* 4 KiB alloc + free pairs: the next-fit cursor should make each O(1). */
static void bench_pairs(struct pmm *p)
{
	const uint64_t n = 20000000;
	uint64_t pa, sum = 0;
	double t = now();
	int rc;

	for (uint64_t i = 0; i < n; i++) {
		if ((rc = pmm_alloc(p, 1, PG, 0, 1, &pa)))
			die("4k alloc", rc);
		sum += pa;
		if ((rc = pmm_free(p, pa, 1, 1)))
			die("4k free", rc);
	}
	report("4k-pairs", "allocs", n, now() - t, sum ? ", each with its free" : "");
	check(p, "4k-pairs");
}

/* 1M single pages held at once (4 GiB), then all freed. */
static void bench_fill(struct pmm *p)
{
	const uint64_t n = 1 << 20;
	uint64_t *pa = malloc(n * sizeof(*pa));
	double t;
	int rc;

	if (!pa)
		exit(1);
	t = now();
	for (uint64_t i = 0; i < n; i++)
		if ((rc = pmm_alloc(p, 1, PG, 0, 2, &pa[i])))
			die("fill alloc", rc);
	t = now() - t;
	report("4k-fill", "allocs", n, t, ", 4 GiB held");
	check(p, "4k-fill");
	t = now();
	for (uint64_t i = 0; i < n; i++)
		if ((rc = pmm_free(p, pa[i], 1, 2)))
			die("fill free", rc);
	report("4k-drain", "frees", n, now() - t, "");
	free(pa);
}

struct live {
	uint64_t pa, n;
	unsigned owner;
};

/* Random sizes, alignments and limits with up to 64k allocations live. */
static void bench_mix(struct pmm *p)
{
	const uint64_t ops = 5000000;
	const size_t cap = 65536;
	struct live *live = malloc(cap * sizeof(*live));
	size_t nlive = 0;
	uint64_t allocs = 0, nomem = 0;
	double t;
	char extra[96];
	int rc;

	if (!live)
		exit(1);
	t = now();
	for (uint64_t op = 0; op < ops; op++) {
		uint64_t r = rnd() % 100;

		if (nlive < cap && (r < 55 || nlive == 0)) {
			uint64_t n, al, max_pa, pa;
			unsigned owner = 1 + (unsigned)(rnd() % 63);

			r = rnd() % 100;
			n = r < 60 ? 1 : r < 85 ? 2 + rnd() % 15 : r < 98 ? 17 + rnd() % 496
			  : 513 + rnd() % 3584;
			r = rnd() % 100;
			al = r < 70 ? PG : r < 90 ? PG << (rnd() % 5) : 2 * MiB;
			r = rnd() % 100;
			max_pa = r < 80 ? 0 : r < 98 ? 4 * GiB : 1 * MiB;
			allocs++;
			rc = pmm_alloc(p, n, al, max_pa, owner, &pa);
			if (rc == PMM_E_NOMEM) {
				nomem++;
				continue;
			}
			if (rc)
				die("mix alloc", rc);
			live[nlive++] = (struct live){ pa, n, owner };
		} else {
			size_t k = rnd() % nlive;

			if ((rc = pmm_free(p, live[k].pa, live[k].n, live[k].owner)))
				die("mix free", rc);
			live[k] = live[--nlive];
		}
	}
	t = now() - t;
	snprintf(extra, sizeof(extra), ", %llu out of memory; %.0f ops/s with frees",
		 (unsigned long long)nomem, (double)ops / t);
	report("mix", "allocs", allocs, t, extra);
	check(p, "mix");
	while (nlive) {
		nlive--;
		if ((rc = pmm_free(p, live[nlive].pa, live[nlive].n, live[nlive].owner)))
			die("mix free", rc);
	}
	free(live);
}

/* A PAMT-like run: 8 GiB aligned to 1 GiB. Single pages dirty every other
 * GiB from 4 to 46 GiB, so each search rejects several candidates and
 * lands at 47 GiB. */
static void bench_large(struct pmm *p)
{
	const uint64_t pages = 8 * GiB / PG, n = 200;
	uint64_t pa, first = 0;
	double t, t1;
	char extra[96];
	int rc;

	for (uint64_t g = 4; g < 48; g += 2)
		if ((rc = pmm_reserve(p, g * GiB + g * 37 * MiB % GiB, 1, 3)))
			die("large reserve", rc);
	t = now();
	if ((rc = pmm_alloc(p, pages, GiB, 0, 4, &first)))
		die("large alloc", rc);
	t1 = now() - t;
	if ((rc = pmm_free(p, first, pages, 4)))
		die("large free", rc);
	t = now();
	for (uint64_t i = 0; i < n; i++) {
		if ((rc = pmm_alloc(p, pages, GiB, 0, 4, &pa)))
			die("large alloc", rc);
		if ((rc = pmm_free(p, pa, pages, 4)))
			die("large free", rc);
	}
	t = now() - t;
	snprintf(extra, sizeof(extra), ", each with its free; 8 GiB at %#llx, first %.1f us",
		 (unsigned long long)first, t1 * 1e6);
	report("large", "allocs", n, t, extra);
	check(p, "large");
}

int main(void)
{
	struct pmm p;
	size_t n = pmm_tagmap_bytes(0, 64 * GiB);
	uint8_t *tag = malloc(n);
	double t;

	if (!tag || pmm_init(&p, 0, 64 * GiB, tag))
		return 1;
	pmm_add_free(&p, 0, 0x9f000);
	pmm_add_free(&p, 1 * MiB, 3 * GiB - 1 * MiB);
	pmm_add_free(&p, 4 * GiB, 60 * GiB);
	printf("bench: pmm machine 64 GiB simulated, %llu pages free, tag map %zu KiB\n",
	       (unsigned long long)pmm_free_pages(&p), n >> 10);

	bench_pairs(&p);
	bench_fill(&p);
	bench_mix(&p);
	bench_large(&p);

	t = now();
	for (int i = 0; i < 10; i++)
		check(&p, "check");
	printf("bench: pmm check      %12.1f ms per full pmm_check of 64 GiB\n",
	       (now() - t) * 100.0);
	free(tag);
	return 0;
}
