/* TD HOB builder; see seam/tdhob.h. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/fmt.h"
#include "seam/tdhob.h"

#define PAGE_MASK	0xfffull
#define GPA_LIMIT	(1ull << 52)

typedef unsigned long long ull;

/* ---- Little-endian writes at any alignment --------------------------------- */

static void wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v);
	wr16(p + 2, v >> 16);
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

/* ---- The list, written or only measured ------------------------------------ */

struct out {
	uint8_t *buf;	/* NULL: only count */
	size_t pos;
};

static uint8_t *hob(struct out *o, uint32_t type, uint32_t len)
{
	uint8_t *p = NULL;

	if (o->buf) {
		p = o->buf + o->pos;
		wr16(p, type);
		wr16(p + 2, len);
		wr32(p + 4, 0);		/* Reserved */
	}
	o->pos += len;
	return p;
}

static void resource(struct out *o, uint32_t type, uint32_t attr, uint64_t base,
		     uint64_t size)
{
	uint8_t *p = hob(o, TDHOB_TYPE_RESOURCE_DESCRIPTOR, TDHOB_RESOURCE_SIZE);

	if (!p)
		return;
	memset(p + 8, 0, 16);		/* Owner GUID */
	wr32(p + 24, type);
	wr32(p + 28, attr);
	wr64(p + 32, base);
	wr64(p + 40, size);
}

/* The PHIT, the descriptors and END. acc: sorted, merged. */
static void emit(struct out *o, uint64_t hob_gpa, const struct tdhob_range *ram,
		 unsigned nram, const struct tdhob_range *acc, unsigned nacc,
		 const struct tdhob_range *mmio, unsigned nmmio, size_t total)
{
	uint8_t *phit = hob(o, TDHOB_TYPE_HANDOFF, TDHOB_PHIT_SIZE);

	if (phit) {
		wr32(phit + 8, TDHOB_HANDOFF_VERSION);
		wr32(phit + 12, TDHOB_BOOT_WITH_FULL_CONFIGURATION);
		memset(phit + 16, 0, 32);	/* EfiMemoryTop .. EfiFreeMemoryBottom */
		wr64(phit + 48, hob_gpa + total);	/* EfiEndOfHobList, QEMU's way */
	}

	for (unsigned i = 0; i < nram; i++) {
		uint64_t cur = ram[i].base, end = ram[i].base + ram[i].size;

		for (unsigned j = 0; j < nacc; j++) {
			uint64_t lo = acc[j].base, hi = acc[j].base + acc[j].size;

			if (lo < cur)
				lo = cur;
			if (hi > end)
				hi = end;
			if (lo >= hi)
				continue;
			if (cur < lo)
				resource(o, TDHOB_RES_MEMORY_UNACCEPTED,
					 TDHOB_ATTR_TDVF_UNACCEPTED, cur, lo - cur);
			resource(o, TDHOB_RES_SYSTEM_MEMORY, TDHOB_ATTR_TDVF_PRIVATE, lo,
				 hi - lo);
			cur = hi;
		}
		if (cur < end)
			resource(o, TDHOB_RES_MEMORY_UNACCEPTED, TDHOB_ATTR_TDVF_UNACCEPTED,
				 cur, end - cur);
	}

	for (unsigned i = 0; i < nmmio; i++)
		resource(o, TDHOB_RES_MEMORY_MAPPED_IO, TDHOB_ATTR_TDVF_MMIO, mmio[i].base,
			 mmio[i].size);

	hob(o, TDHOB_TYPE_END_OF_HOB_LIST, TDHOB_END_SIZE);
}

/* ---- Validation ---------------------------------------------------------------- */

static bool overlaps(const struct tdhob_range *a, const struct tdhob_range *b)
{
	return a->base < b->base + b->size && b->base < a->base + a->size;
}

/* Non-empty, 4 KiB aligned, ending at or below 2^52. */
static bool range_ok(const char *what, unsigned i, const struct tdhob_range *r, char *why,
		     size_t why_len)
{
	if (r->size == 0) {
		fmt_snprintf(why, why_len, "%s[%u] at %#llx is empty", what, i,
			     (ull)r->base);
		return false;
	}
	if ((r->base | r->size) & PAGE_MASK) {
		fmt_snprintf(why, why_len, "%s[%u] [%#llx, +%#llx) is not 4 KiB aligned",
			     what, i, (ull)r->base, (ull)r->size);
		return false;
	}
	if (r->base >= GPA_LIMIT || r->size > GPA_LIMIT - r->base) {
		fmt_snprintf(why, why_len, "%s[%u] [%#llx, +%#llx) ends beyond 2^52", what,
			     i, (ull)r->base, (ull)r->size);
		return false;
	}
	return true;
}

/* Each range valid, sorted, no two overlapping (touching is fine). */
static bool list_ok(const char *what, const struct tdhob_range *r, unsigned n, char *why,
		    size_t why_len)
{
	if (n && !r) {
		fmt_snprintf(why, why_len, "%s is NULL with %u ranges", what, n);
		return false;
	}
	for (unsigned i = 0; i < n; i++) {
		if (!range_ok(what, i, &r[i], why, why_len))
			return false;
		if (i == 0)
			continue;
		if (r[i].base < r[i - 1].base) {
			fmt_snprintf(why, why_len,
				     "%s unsorted: [%u] at %#llx is below [%u] at %#llx", what,
				     i, (ull)r[i].base, i - 1, (ull)r[i - 1].base);
			return false;
		}
		if (overlaps(&r[i], &r[i - 1])) {
			fmt_snprintf(why, why_len,
				     "%s[%u] [%#llx, +%#llx) overlaps %s[%u] [%#llx, +%#llx)",
				     what, i, (ull)r[i].base, (ull)r[i].size, what, i - 1,
				     (ull)r[i - 1].base, (ull)r[i - 1].size);
			return false;
		}
	}
	return true;
}

static bool inside(const struct tdhob_range *in, const struct tdhob_range *out)
{
	return in->base >= out->base && in->size <= out->size &&
	       in->base - out->base <= out->size - in->size;
}

size_t tdhob_build(void *buf, size_t cap, uint64_t hob_gpa,
		   const struct tdhob_range *ram, unsigned nram,
		   const struct tdhob_range *accepted, unsigned nacc,
		   const struct tdhob_range *mmio, unsigned nmmio,
		   char *why, size_t why_len)
{
	struct tdhob_range acc[TDHOB_MAX_ACCEPTED] = { { 0, 0 } };
	struct tdhob_range used;
	struct out o = { NULL, 0 };
	unsigned n = 0;
	bool in_acc = false;

	if (why && why_len)
		why[0] = 0;
	else
		why_len = 0;

	if (!buf) {
		fmt_snprintf(why, why_len, "no buffer");
		return 0;
	}
	if (hob_gpa & 7) {
		fmt_snprintf(why, why_len, "HOB address %#llx is not 8-byte aligned",
			     (ull)hob_gpa);
		return 0;
	}
	if (nram == 0) {
		fmt_snprintf(why, why_len, "no RAM ranges");
		return 0;
	}
	if (!list_ok("ram", ram, nram, why, why_len) ||
	    !list_ok("mmio", mmio, nmmio, why, why_len))
		return 0;
	for (unsigned i = 0; i < nmmio; i++)
		for (unsigned j = 0; j < nram; j++)
			if (overlaps(&mmio[i], &ram[j])) {
				fmt_snprintf(why, why_len,
					     "mmio[%u] [%#llx, +%#llx) overlaps ram[%u] "
					     "[%#llx, +%#llx)", i, (ull)mmio[i].base,
					     (ull)mmio[i].size, j, (ull)ram[j].base,
					     (ull)ram[j].size);
				return 0;
			}

	/* Accepted: each inside one RAM range; then sorted (insertion) and
	 * checked for overlap, touching neighbours merged. */
	if (nacc > TDHOB_MAX_ACCEPTED) {
		fmt_snprintf(why, why_len, "%u accepted ranges, at most %u", nacc,
			     TDHOB_MAX_ACCEPTED);
		return 0;
	}
	if (nacc && !accepted) {
		fmt_snprintf(why, why_len, "accepted is NULL with %u ranges", nacc);
		return 0;
	}
	for (unsigned i = 0; i < nacc; i++) {
		const struct tdhob_range *a = &accepted[i];
		unsigned j, k;

		if (!range_ok("accepted", i, a, why, why_len))
			return 0;
		for (j = 0; j < nram && !inside(a, &ram[j]); j++)
			;
		if (j == nram) {
			fmt_snprintf(why, why_len,
				     "accepted[%u] [%#llx, +%#llx) is not inside one RAM range",
				     i, (ull)a->base, (ull)a->size);
			return 0;
		}
		for (k = i; k > 0 && acc[k - 1].base > a->base; k--)
			acc[k] = acc[k - 1];
		acc[k] = *a;
	}
	for (unsigned i = 0; i < nacc; i++) {
		if (n && overlaps(&acc[i], &acc[n - 1])) {
			fmt_snprintf(why, why_len,
				     "accepted ranges [%#llx, +%#llx) and [%#llx, +%#llx) overlap",
				     (ull)acc[n - 1].base, (ull)acc[n - 1].size,
				     (ull)acc[i].base, (ull)acc[i].size);
			return 0;
		}
		if (n && acc[n - 1].base + acc[n - 1].size == acc[i].base)
			acc[n - 1].size += acc[i].size;
		else
			acc[n++] = acc[i];
	}

	/* Measure, then check the room and where the list sits. */
	emit(&o, hob_gpa, ram, nram, acc, n, mmio, nmmio, 0);
	if (o.pos > cap) {
		fmt_snprintf(why, why_len, "the HOB list needs %zu bytes, TD_HOB has %zu",
			     o.pos, cap);
		return 0;
	}
	used.base = hob_gpa;
	used.size = o.pos;
	for (unsigned i = 0; i < n && !in_acc; i++)
		in_acc = inside(&used, &acc[i]);
	if (!in_acc) {
		fmt_snprintf(why, why_len,
			     "the HOB list [%#llx, +%#zx) is not inside accepted memory",
			     (ull)hob_gpa, o.pos);
		return 0;
	}

	o.buf = buf;
	o.pos = 0;
	emit(&o, hob_gpa, ram, nram, acc, n, mmio, nmmio, used.size);
	memset(o.buf + o.pos, 0, cap - o.pos);
	return o.pos;
}
