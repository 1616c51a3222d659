/* Physical page allocator: a tag map, one byte per 4 KiB page.
 *
 * Why a tag map rather than free lists or a buddy allocator:
 *  - Every page says who owns it and whether it starts an allocation, so a
 *    free can be checked exactly: double free, a free by the wrong owner, a
 *    free from the middle of a run or with the wrong size are all detected
 *    before anything changes. Test benches for TDX hand out memory to many
 *    parties (TD metadata, PAMT, guests); a silent mix-up there corrupts a TD.
 *  - Per-owner accounting falls out of the same byte, and pmm_check() can
 *    recount everything from the map alone.
 *  - The metadata is one caller-supplied array (0.025% of the range), so the
 *    allocator needs no allocator of its own and never touches the memory it
 *    manages; it runs before any mapping beyond the direct map exists.
 *  - Arbitrary sizes and alignments (PAMT: ~12 GiB contiguous, 1 GiB
 *    aligned) are first-class, where a buddy allocator would round up to a
 *    power of two and cap the order.
 * The cost is search time, kept down by comparing 8 tags per load, by
 * rejecting a candidate run at the first used page found (checking from its
 * end) and jumping past that page, and by a next-fit cursor per zone so that
 * streams of small allocations do not rescan allocated memory. Every search
 * is still linear in the span it crosses: a failing one over 3 TiB reads
 * the whole 805 MB map (tens of ms), acceptable for the allocator of a test
 * bench, where a summary level would be the next step if it is not.
 *
 * Zones (below 1 MiB, below 4 GiB, above) exist only for placement: requests
 * without a limit take high memory first so the scarce low pages remain for
 * AP trampolines and 32-bit devices. A run may cross a zone boundary; it is
 * found by the pass of the zone it starts in.
 *
 * Indices are page numbers relative to base_pa and stay below 2^52, so sums
 * of two of them cannot overflow; caller values are range-checked before any
 * arithmetic that could. */
#include "mm/pmm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PAGE_MASK (PMM_PAGE_SIZE - 1)
#define ONES      0x0101010101010101ull
#define NONE      UINT64_MAX

/* __builtin_memcpy stays an inline load under -ffreestanding, where a plain
 * memcpy would be a call per 8 tags. */
static inline uint64_t load8(const uint8_t *t)
{
	uint64_t x;
	__builtin_memcpy(&x, t, sizeof(x));
	return x;
}

/* Nonzero exactly when some byte of x is zero (the borrow trick can flag
 * bytes above a zero byte, never a word without one). */
static inline uint64_t zero_bytes(uint64_t x)
{
	return (x - ONES) & ~x & (ONES << 7);
}

/* First index in [i, to) whose tag is not v, or to. 32 tags per step
 * while nothing matches: long free or used stretches and holes are what
 * searches mostly cross. */
static uint64_t first_not(const uint8_t *tag, uint64_t i, uint64_t to, uint8_t v)
{
	uint64_t w = ONES * v;

	while (i + 32 <= to && ((load8(tag + i) ^ w) | (load8(tag + i + 8) ^ w) |
				(load8(tag + i + 16) ^ w) | (load8(tag + i + 24) ^ w)) == 0)
		i += 32;
	while (i + 8 <= to && load8(tag + i) == w)
		i += 8;
	for (; i < to; i++)
		if (tag[i] != v)
			return i;
	return to;
}

/* Last index in [from, to) whose tag is not v, or NONE. */
static uint64_t last_not(const uint8_t *tag, uint64_t from, uint64_t to, uint8_t v)
{
	uint64_t w = ONES * v;

	while (to - from >= 32 && ((load8(tag + to - 8) ^ w) | (load8(tag + to - 16) ^ w) |
				   (load8(tag + to - 24) ^ w) | (load8(tag + to - 32) ^ w)) == 0)
		to -= 32;
	while (to - from >= 8 && load8(tag + to - 8) == w)
		to -= 8;
	while (to > from)
		if (tag[--to] != v)
			return to;
	return NONE;
}

/* First index in [i, to) whose tag is v, or to. */
static uint64_t first_eq(const uint8_t *tag, uint64_t i, uint64_t to, uint8_t v)
{
	uint64_t w = ONES * v;

	while (i + 32 <= to && !(zero_bytes(load8(tag + i) ^ w) |
				 zero_bytes(load8(tag + i + 8) ^ w) |
				 zero_bytes(load8(tag + i + 16) ^ w) |
				 zero_bytes(load8(tag + i + 24) ^ w)))
		i += 32;
	while (i + 8 <= to && !zero_bytes(load8(tag + i) ^ w))
		i += 8;
	for (; i < to; i++)
		if (tag[i] == v)
			return i;
	return to;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Index of the page at pa, clamped to [0, npages]: zone limits and max_pa
 * may lie anywhere relative to the managed range. */
static uint64_t index_below(const struct pmm *p, uint64_t pa)
{
	if (pa <= p->base_pa)
		return 0;
	return min_u64((pa - p->base_pa) >> PMM_PAGE_SHIFT, p->npages);
}

/* Smallest index >= i whose physical address is a multiple of al pages.
 * Alignment is physical, so a base_pa that is not itself aligned counts. */
static uint64_t align_index(const struct pmm *p, uint64_t i, uint64_t al)
{
	uint64_t pg = (p->base_pa >> PMM_PAGE_SHIFT) + i;

	return ((pg + al - 1) & ~(al - 1)) - (p->base_pa >> PMM_PAGE_SHIFT);
}

static bool owner_ok(unsigned owner)
{
	return owner >= 1 && owner < PMM_OWNERS;
}

/* Validates [pa, pa + npages pages) against the managed range. */
static int range_index(const struct pmm *p, uint64_t pa, uint64_t npages,
		       uint64_t *idx)
{
	uint64_t i;

	if (!p || (pa & PAGE_MASK) || pa < p->base_pa)
		return PMM_E_INVAL;
	i = (pa - p->base_pa) >> PMM_PAGE_SHIFT;
	if (i >= p->npages || npages == 0 || npages > p->npages - i)
		return PMM_E_INVAL;
	*idx = i;
	return PMM_OK;
}

/* Keeps zone_free in step with a run of pages changing between free and
 * not free (sign +1 or -1). */
static void zone_account(struct pmm *p, uint64_t s, uint64_t n, int sign)
{
	for (int z = 0; z < PMM_NZONES; z++) {
		uint64_t lo = max_u64(s, p->zone_start[z]);
		uint64_t hi = min_u64(s + n, p->zone_start[z + 1]);

		if (lo < hi)
			p->zone_free[z] += sign > 0 ? hi - lo : 0 - (hi - lo);
	}
}

static void take_run(struct pmm *p, uint64_t s, uint64_t n, unsigned owner)
{
	p->tag[s] = (uint8_t)(PMM_TAG_ALLOC | PMM_TAG_HEAD | owner);
	if (n > 1)
		memset(p->tag + s + 1, (int)(PMM_TAG_ALLOC | owner), n - 1);
	p->free_pages -= n;
	p->owner_pages[owner] += n;
	zone_account(p, s, n, -1);
}

size_t pmm_tagmap_bytes(uint64_t base_pa, uint64_t end_pa)
{
	uint64_t b = base_pa & ~PAGE_MASK, e, n;

	if (end_pa <= base_pa || end_pa > UINT64_MAX - PAGE_MASK)
		return 0;
	e = (end_pa + PAGE_MASK) & ~PAGE_MASK;
	n = (e - b) >> PMM_PAGE_SHIFT;
	if (n > SIZE_MAX)
		return 0;
	return (size_t)n;
}

int pmm_init(struct pmm *p, uint64_t base_pa, uint64_t end_pa, uint8_t *tagmap)
{
	size_t n = pmm_tagmap_bytes(base_pa, end_pa);

	if (!p || !tagmap || n == 0)
		return PMM_E_INVAL;
	memset(p, 0, sizeof(*p));
	p->tag = tagmap;
	p->base_pa = base_pa & ~PAGE_MASK;
	p->npages = n;
	p->zone_start[PMM_ZONE_1M] = 0;
	p->zone_start[PMM_ZONE_4G] = index_below(p, 1ull << 20);
	p->zone_start[PMM_ZONE_HIGH] = index_below(p, 1ull << 32);
	p->zone_start[PMM_NZONES] = n;
	for (int z = 0; z < PMM_NZONES; z++)
		p->cursor[z] = p->zone_start[z];
	memset(tagmap, PMM_TAG_HOLE, n);
	return PMM_OK;
}

uint64_t pmm_add_free(struct pmm *p, uint64_t pa, uint64_t size)
{
	uint64_t s, e, added = 0;

	if (!p || size == 0 || pa > UINT64_MAX - PAGE_MASK)
		return 0;
	s = (pa + PAGE_MASK) & ~PAGE_MASK;
	e = (size > UINT64_MAX - pa ? UINT64_MAX : pa + size) & ~PAGE_MASK;
	s = index_below(p, s);
	e = index_below(p, e);
	/* Zone by zone, so the per-zone counts need no per-page lookup; hole
	 * stretch by stretch, so a boot adding terabytes does word scans and
	 * memsets rather than a loop per page. */
	for (int z = 0; z < PMM_NZONES; z++) {
		uint64_t i = max_u64(s, p->zone_start[z]);
		uint64_t hi = min_u64(e, p->zone_start[z + 1]);

		while (i < hi) {
			uint64_t h = first_eq(p->tag, i, hi, PMM_TAG_HOLE);

			i = first_not(p->tag, h, hi, PMM_TAG_HOLE);
			memset(p->tag + h, PMM_TAG_FREE, i - h);
			p->zone_free[z] += i - h;
			added += i - h;
		}
	}
	p->free_pages += added;
	return added;
}

int pmm_reserve(struct pmm *p, uint64_t pa, uint64_t npages, unsigned owner)
{
	uint64_t i;
	int rc = range_index(p, pa, npages, &i);

	if (rc != PMM_OK)
		return rc;
	if (!owner_ok(owner))
		return PMM_E_INVAL;
	if (first_not(p->tag, i, i + npages, PMM_TAG_FREE) != i + npages)
		return PMM_E_NOT_FREE;
	take_run(p, i, npages, owner);
	return PMM_OK;
}

/* First fit among candidate starts in [a, b) aligned to al pages whose run
 * of n pages ends at or below index e. A candidate is checked from its end
 * backwards: the last used page found rules out every start up to it, so
 * sparse used pages cost one candidate per run length rather than one per
 * alignment step, and the free pages seen beyond it are not read again.
 * Each tag is read about once per call. */
static uint64_t search(const struct pmm *p, uint64_t a, uint64_t b, uint64_t e,
		       uint64_t n, uint64_t al)
{
	uint64_t s, known = 0; /* [s, known) is already known to be free */

	if (n > e)
		return NONE;
	b = min_u64(b, e - n + 1);
	s = align_index(p, a, al);
	while (s < b) {
		uint64_t used = last_not(p->tag, max_u64(s, known), s + n, PMM_TAG_FREE);

		if (used == NONE)
			return s;
		known = s + n;
		s = align_index(p, first_eq(p->tag, used + 1, b, PMM_TAG_FREE), al);
	}
	return NONE;
}

int pmm_alloc(struct pmm *p, uint64_t npages, uint64_t align, uint64_t max_pa,
	      unsigned owner, uint64_t *pa_out)
{
	uint64_t hi, al, free_here = 0;

	if (!p || !pa_out || npages == 0 || align < PMM_PAGE_SIZE ||
	    (align & (align - 1)) || !owner_ok(owner))
		return PMM_E_INVAL;
	if (npages > p->free_pages)
		return PMM_E_NOMEM;
	hi = max_pa ? index_below(p, max_pa) : p->npages;
	if (npages > hi)
		return PMM_E_NOMEM;
	al = align >> PMM_PAGE_SHIFT;

	for (int z = PMM_NZONES - 1; z >= 0; z--) {
		uint64_t lo = p->zone_start[z];
		uint64_t zhi = min_u64(p->zone_start[z + 1], hi);
		uint64_t c = p->cursor[z], s;

		/* A run starting in zone z lies in zones >= z: if those lack
		 * the pages, no scan can succeed. */
		free_here += p->zone_free[z];
		if (lo >= zhi || free_here < npages)
			continue;
		if (c < lo || c >= zhi)
			c = lo;
		s = search(p, c, zhi, hi, npages, al);
		if (s == NONE && c > lo)
			s = search(p, lo, c, hi, npages, al);
		if (s == NONE)
			continue;
		take_run(p, s, npages, owner);
		p->cursor[z] = s + npages;
		*pa_out = p->base_pa + (s << PMM_PAGE_SHIFT);
		return PMM_OK;
	}
	return PMM_E_NOMEM;
}

int pmm_free(struct pmm *p, uint64_t pa, uint64_t npages, unsigned owner)
{
	uint64_t i, end;
	uint8_t t, body;
	int rc = range_index(p, pa, npages, &i);

	if (rc != PMM_OK)
		return rc;
	if (!owner_ok(owner))
		return PMM_E_INVAL;
	t = p->tag[i];
	if (t == PMM_TAG_FREE)
		return PMM_E_DOUBLE_FREE;
	if (!(t & PMM_TAG_ALLOC))
		return PMM_E_INVAL; /* a hole, or a corrupt tag */
	if ((t & PMM_TAG_OWNER) != owner)
		return PMM_E_FOREIGN_FREE;
	if (!(t & PMM_TAG_HEAD))
		return PMM_E_NOT_HEAD;
	/* Exactly npages: the body must reach the end and stop there. */
	body = (uint8_t)(PMM_TAG_ALLOC | owner);
	end = i + npages;
	if (first_not(p->tag, i + 1, end, body) != end ||
	    (end < p->npages && p->tag[end] == body))
		return PMM_E_SIZE_MISMATCH;
	memset(p->tag + i, PMM_TAG_FREE, npages);
	p->free_pages += npages;
	p->owner_pages[owner] -= npages;
	zone_account(p, i, npages, +1);
	return PMM_OK;
}

uint64_t pmm_owner_pages(const struct pmm *p, unsigned owner)
{
	return p && owner < PMM_OWNERS ? p->owner_pages[owner] : 0;
}

uint64_t pmm_free_pages(const struct pmm *p)
{
	return p ? p->free_pages : 0;
}

uint64_t pmm_largest_free_run(const struct pmm *p)
{
	uint64_t i = 0, best = 0;

	while (p && i < p->npages) {
		uint64_t s = first_eq(p->tag, i, p->npages, PMM_TAG_FREE);
		uint64_t e = first_not(p->tag, s, p->npages, PMM_TAG_FREE);

		best = max_u64(best, e - s);
		i = e;
	}
	return best;
}

/* pmm_check's message: plain appends, truncated to the buffer. */
struct why {
	char *buf;
	size_t len, pos;
};

static void why_str(struct why *w, const char *s)
{
	while (*s && w->pos + 1 < w->len)
		w->buf[w->pos++] = *s++;
	if (w->len)
		w->buf[w->pos] = '\0';
}

static void why_hex(struct why *w, uint64_t v)
{
	char d[19];
	int n = 18;

	d[n] = '\0';
	do {
		d[--n] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	d[--n] = 'x';
	d[--n] = '0';
	why_str(w, d + n);
}

/* "<a><x><b><y>", or "<a><x>" when b is NULL; always -1. */
static int fail(struct why *w, const char *a, uint64_t x, const char *b,
		uint64_t y)
{
	why_str(w, a);
	why_hex(w, x);
	if (b) {
		why_str(w, b);
		why_hex(w, y);
	}
	return -1;
}

int pmm_check(const struct pmm *p, char *why, size_t why_len)
{
	struct why w = { why, why ? why_len : 0, 0 };
	uint64_t own[PMM_OWNERS] = { 0 }, free_total = 0;
	unsigned cur = 0; /* owner of the allocation being walked, 0 = none */

	why_str(&w, "");
	if (!p || !p->tag || p->npages == 0)
		return fail(&w, "no map, pages ", p ? p->npages : 0, NULL, 0);
	if (p->zone_start[0] != 0 || p->zone_start[PMM_NZONES] != p->npages)
		return fail(&w, "zone bounds ", p->zone_start[0], " .. ",
			    p->zone_start[PMM_NZONES]);
	for (int z = 0; z < PMM_NZONES; z++) {
		uint64_t i = p->zone_start[z], end = p->zone_start[z + 1];
		uint64_t zfree = 0;

		if (end < i)
			return fail(&w, "zone bounds ", i, " > ", end);
		while (i < end) {
			/* Whole words of free, holes or one allocation's body; 1
			 * stands for "under 8 tags left" and matches none. */
			uint64_t x = i + 8 <= end ? load8(p->tag + i) : 1;
			uint8_t t;

			if (x == ONES * PMM_TAG_FREE || x == ONES * PMM_TAG_HOLE) {
				zfree += x == ONES * PMM_TAG_FREE ? 8 : 0;
				cur = 0;
				i += 8;
				continue;
			}
			if (cur && x == ONES * (PMM_TAG_ALLOC | cur)) {
				own[cur] += 8;
				i += 8;
				continue;
			}
			t = p->tag[i];
			if (t == PMM_TAG_HOLE || t == PMM_TAG_FREE) {
				zfree += t == PMM_TAG_FREE;
				cur = 0;
			} else if ((t & PMM_TAG_ALLOC) && (t & PMM_TAG_OWNER)) {
				unsigned o = t & PMM_TAG_OWNER;

				if (t & PMM_TAG_HEAD)
					cur = o;
				else if (cur != o)
					return fail(&w, "no head for pa ",
						    p->base_pa + (i << PMM_PAGE_SHIFT),
						    " tag ", t);
				own[o]++;
			} else {
				return fail(&w, "bad tag at pa ",
					    p->base_pa + (i << PMM_PAGE_SHIFT),
					    ": ", t);
			}
			i++;
		}
		if (zfree != p->zone_free[z])
			return fail(&w, "zone free count ", p->zone_free[z],
				    " != map ", zfree);
		free_total += zfree;
	}
	if (free_total != p->free_pages)
		return fail(&w, "free count ", p->free_pages, " != map ",
			    free_total);
	for (unsigned o = 0; o < PMM_OWNERS; o++)
		if (own[o] != p->owner_pages[o])
			return fail(&w, "owner ", o, " count != map ", own[o]);
	return 0;
}

const char *pmm_strerror(int status)
{
	switch (status) {
	case PMM_OK: return "ok";
	case PMM_E_NOMEM: return "out of memory";
	case PMM_E_INVAL: return "invalid argument";
	case PMM_E_DOUBLE_FREE: return "double free";
	case PMM_E_FOREIGN_FREE: return "free by a foreign owner";
	case PMM_E_NOT_HEAD: return "not the start of an allocation";
	case PMM_E_SIZE_MISMATCH: return "size differs from the allocation";
	case PMM_E_NOT_FREE: return "pages not free";
	default: return "unknown pmm status";
	}
}
