/* TD HOB builder (seam/tdhob.h), checked by a HOB-list parser written
 * here from the PI spec layouts, not from the builder: Debian's OVMF.fd
 * TDVF sections in a 256 MiB TD, a 3 GiB TD split around the 32-bit
 * hole, accepted ranges at the edges of RAM and touching each other,
 * MMIO, every rejected input with its reason, and random layouts.
 *
 * What QEMU builds for OVMF (reading hw/i386/tdvf-hob.c,
 * target/i386/kvm/tdx.c tdx_init_ram_entries / tdx_accept_ram_range,
 * include/standard-headers/uefi/uefi.h, hw/i386/tdvf-hob.h): each e820
 * RAM entry starts as one UNACCEPTED entry; every TempMem and TD_HOB
 * section is cut out of its entry as an ADDED entry (one per section,
 * never merged); the entries are sorted by address. The list goes into
 * the TD_HOB section: the PHIT, one descriptor per entry, END, each HOB
 * 8-aligned. For `-m 256M` (e820 RAM [0, 0x10000000)) and this OVMF.fd
 * (TempMem 0x800000+0x6000, TD_HOB 0x809000+0x2000, TempMem
 * 0x80b000+0x2000, TempMem 0x810000+0x10000):
 *
 *   0x809000  PHIT  type 1, len 56, Version 9, BootMode 0, the four
 *                   memory fields 0, EfiEndOfHobList 0x8091c0
 *   0x809038  RD  type 7 UNACCEPTED  attr 0x7  [0x0,      0x800000)
 *   0x809068  RD  type 0 SYSTEM_MEM  attr 0x7  [0x800000, 0x806000) TempMem
 *   0x809098  RD  type 7             attr 0x7  [0x806000, 0x809000)
 *   0x8090c8  RD  type 0             attr 0x7  [0x809000, 0x80b000) TD_HOB
 *   0x8090f8  RD  type 0             attr 0x7  [0x80b000, 0x80d000) TempMem
 *   0x809128  RD  type 7             attr 0x7  [0x80d000, 0x810000)
 *   0x809158  RD  type 0             attr 0x7  [0x810000, 0x820000) TempMem
 *   0x809188  RD  type 7             attr 0x7  [0x820000, 0x10000000)
 *   0x8091b8  END type 0xffff, len 8
 *   (RD = resource descriptor, len 48, Owner GUID zero; EfiEndOfHobList
 *   is the address just past END: 0x809000 + 0x1c0.)
 *
 * Upstream QEMU adds no MMIO descriptors (its 2022 TDX series put
 * [below_4g, 0xfee00000), the 64-bit PCI hole and MMCFG after the
 * memory, type 1, attr 0x403). tdhob_build merges touching accepted
 * ranges, so ours has 7 descriptors here (TD_HOB + the TempMem after it
 * are one [0x809000, 0x80d000)) and EfiEndOfHobList 0x809190. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seam/tdhob.h"
#include "seam/tdvf.h"

#define OVMF_FD		"/usr/share/ovmf/OVMF.fd"

#define KiB		0x400ull
#define MiB		(1024 * KiB)
#define GiB		(1024 * MiB)

#define CAP		0x2000u

/* ---- An independent HOB-list parser ---------------------------------------- */

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

struct desc {
	uint32_t type, attr;
	uint64_t base, size;
};

struct parsed {
	uint32_t version, boot_mode;
	uint64_t mem[4];		/* EfiMemoryTop .. EfiFreeMemoryBottom */
	uint64_t end_of_list;		/* EfiEndOfHobList */
	struct desc d[256];
	unsigned nd;
	size_t end_at;			/* offset of the END HOB */
	size_t total;			/* bytes through END */
};

static struct parsed P;

/* Walks buf[0, cap): a PHIT first, then resource descriptors, then END;
 * fails the test on anything else. */
static void parse_list(const uint8_t *buf, size_t cap)
{
	size_t off = 0;
	bool first = true;

	memset(&P, 0, sizeof(P));
	for (;;) {
		uint32_t type, len;

		assert_true(off + 8 <= cap);
		type = (uint32_t)le(buf + off, 2);
		len = (uint32_t)le(buf + off + 2, 2);
		assert_int_equal(le(buf + off + 4, 4), 0);	/* Reserved */
		assert_true(len >= 8);
		assert_int_equal(len % 8, 0);
		assert_true(off + len <= cap);
		if (first) {
			assert_int_equal(type, 0x0001);
			assert_int_equal(len, 56);
			P.version = (uint32_t)le(buf + off + 8, 4);
			P.boot_mode = (uint32_t)le(buf + off + 12, 4);
			for (unsigned i = 0; i < 4; i++)
				P.mem[i] = le(buf + off + 16 + 8 * i, 8);
			P.end_of_list = le(buf + off + 48, 8);
			first = false;
		} else if (type == 0xffff) {
			assert_int_equal(len, 8);
			P.end_at = off;
			P.total = off + len;
			return;
		} else {
			struct desc *d = &P.d[P.nd];

			assert_int_equal(type, 0x0003);
			assert_int_equal(len, 48);
			for (unsigned i = 0; i < 16; i++)
				assert_int_equal(buf[off + 8 + i], 0);	/* Owner */
			assert_true(P.nd < 256);
			d->type = (uint32_t)le(buf + off + 24, 4);
			d->attr = (uint32_t)le(buf + off + 28, 4);
			d->base = le(buf + off + 32, 8);
			d->size = le(buf + off + 40, 8);
			P.nd++;
		}
		off += len;
	}
}

/* ---- What the list must say ------------------------------------------------------ */

struct range {
	uint64_t base, size;
};

/* [base, end) lies in the union of acc (any order). */
static bool covered(const struct tdhob_range *acc, unsigned nacc, uint64_t base,
		    uint64_t end)
{
	uint64_t cur = base;
	bool moved = true;

	while (cur < end && moved) {
		moved = false;
		for (unsigned i = 0; i < nacc; i++)
			if (acc[i].base <= cur && cur < acc[i].base + acc[i].size) {
				cur = acc[i].base + acc[i].size;
				moved = true;
			}
	}
	return cur >= end;
}

static bool disjoint(const struct tdhob_range *acc, unsigned nacc, uint64_t base,
		     uint64_t end)
{
	for (unsigned i = 0; i < nacc; i++)
		if (acc[i].base < end && base < acc[i].base + acc[i].size)
			return false;
	return true;
}

/* The ResourceAttribute bits OVMF's ValidateHobList lets through
 * (TdxHelperLib/SecTdxHelper.c): every PiHob.h attribute from PRESENT
 * (bit 0) to MORE_RELIABLE (bit 25). */
#define OVMF_ATTR_ALLOWED	0x03ffffffu

/* Checks a built list at gpa against its inputs: the PHIT, the tiling of
 * RAM in order with the right types and attributes, maximal pieces, the
 * MMIO descriptors in order, END last, zeros after it, what OVMF's SEC
 * checks. */
static void check_list(const uint8_t *buf, size_t cap, size_t ret, uint64_t gpa,
		       const struct tdhob_range *ram, unsigned nram,
		       const struct tdhob_range *acc, unsigned nacc,
		       const struct tdhob_range *mmio, unsigned nmmio)
{
	unsigned d = 0;

	assert_true(ret > 0);
	parse_list(buf, cap);
	assert_int_equal(P.total, ret);
	assert_int_equal(P.version, 9);
	assert_int_equal(P.boot_mode, 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(P.mem[i], 0);
	/* QEMU: tdvf_current_guest_addr() after the END HOB was taken */
	assert_int_equal(P.end_of_list, gpa + P.total);
	for (size_t i = P.total; i < cap; i++)
		assert_int_equal(buf[i], 0);
	/* ValidateHobList counts every HOB before END against the TD_HOB
	 * size */
	assert_true(P.end_at <= cap);

	for (unsigned r = 0; r < nram; r++) {
		uint64_t cur = ram[r].base, end = ram[r].base + ram[r].size;
		uint32_t prev_type = ~0u;

		while (cur < end) {
			const struct desc *x;

			assert_true(d < P.nd);
			x = &P.d[d++];
			assert_int_equal(x->base, cur);
			assert_true(x->size > 0 && x->size <= end - cur);
			if (x->type == 0) {
				assert_int_equal(x->attr, 0x7);
				assert_true(covered(acc, nacc, cur, cur + x->size));
			} else {
				assert_int_equal(x->type, 7);
				assert_int_equal(x->attr, 0x7);
				assert_true(disjoint(acc, nacc, cur, cur + x->size));
			}
			assert_int_not_equal(x->type, prev_type);	/* maximal */
			prev_type = x->type;
			cur += x->size;
		}
	}
	for (unsigned m = 0; m < nmmio; m++) {
		assert_true(d < P.nd);
		assert_int_equal(P.d[d].type, 1);
		assert_int_equal(P.d[d].attr, 0x403);
		assert_int_equal(P.d[d].base, mmio[m].base);
		assert_int_equal(P.d[d].size, mmio[m].size);
		d++;
	}
	assert_int_equal(d, P.nd);
	for (unsigned i = 0; i < P.nd; i++)
		assert_int_equal(P.d[i].attr & ~OVMF_ATTR_ALLOWED, 0);
}

static void expect(const struct desc *want, unsigned n)
{
	assert_int_equal(P.nd, n);
	for (unsigned i = 0; i < n; i++) {
		if (P.d[i].type != want[i].type || P.d[i].attr != want[i].attr ||
		    P.d[i].base != want[i].base || P.d[i].size != want[i].size)
			fail_msg("descriptor %u: type %u attr %#x [%#llx, +%#llx), want "
				 "type %u attr %#x [%#llx, +%#llx)", i, P.d[i].type,
				 P.d[i].attr, (unsigned long long)P.d[i].base,
				 (unsigned long long)P.d[i].size, want[i].type, want[i].attr,
				 (unsigned long long)want[i].base,
				 (unsigned long long)want[i].size);
	}
}

static char why[160];

/* Builds into a heap buffer of exactly cap bytes (ASan sees any
 * overrun), prefilled with garbage so the zeroing shows. */
static size_t build(uint8_t **out, size_t cap, uint64_t gpa,
		    const struct tdhob_range *ram, unsigned nram,
		    const struct tdhob_range *acc, unsigned nacc,
		    const struct tdhob_range *mmio, unsigned nmmio)
{
	uint8_t *buf = malloc(cap ? cap : 1);
	size_t ret;

	assert_non_null(buf);
	memset(buf, 0xa5, cap);
	memset(why, 0x55, sizeof(why));
	ret = tdhob_build(buf, cap, gpa, ram, nram, acc, nacc, mmio, nmmio, why,
			  sizeof(why));
	assert_non_null(memchr(why, 0, sizeof(why)));
	if (ret)
		assert_int_equal(why[0], 0);
	*out = buf;
	return ret;
}

/* ---- Debian's OVMF in a 256 MiB TD ------------------------------------------------ */

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_ovmf_256m(void **state)
{
	static const struct desc want[] = {
		{ 7, 0x7, 0x0, 0x800000 },
		{ 0, 0x7, 0x800000, 0x6000 },		/* TempMem */
		{ 7, 0x7, 0x806000, 0x3000 },
		{ 0, 0x7, 0x809000, 0x4000 },		/* TD_HOB + TempMem */
		{ 7, 0x7, 0x80d000, 0x3000 },
		{ 0, 0x7, 0x810000, 0x10000 },		/* TempMem */
		{ 7, 0x7, 0x820000, 0x10000000 - 0x820000 },
	};
	const struct tdhob_range ram[] = { { 0, 256 * MiB } };
	struct tdhob_range acc[TDVF_MAX_SECTIONS];
	struct tdvf_info info;
	const struct tdvf_section *hob = NULL;
	unsigned nacc = 0;
	uint8_t *img, *buf;
	size_t len, ret;

	(void)state;
	img = read_file(OVMF_FD, &len);
	if (!img)
		skip();
	if (tdvf_parse(img, len, &info, why, sizeof(why)))
		fail_msg("%s: %s", OVMF_FD, why);
	for (unsigned i = 0; i < info.nsec; i++) {
		const struct tdvf_section *s = &info.sec[i];

		if (s->type == TDVF_TD_HOB)
			hob = s;
		if (s->type == TDVF_TD_HOB || s->type == TDVF_TEMP_MEM) {
			acc[nacc].base = s->gpa;
			acc[nacc].size = s->mem_size;
			nacc++;
		}
	}
	assert_non_null(hob);
	assert_int_equal(nacc, 4);
	assert_int_equal(hob->gpa, 0x809000);

	ret = build(&buf, hob->mem_size, hob->gpa, ram, 1, acc, nacc, NULL, 0);
	if (!ret)
		fail_msg("%s", why);
	check_list(buf, hob->mem_size, ret, hob->gpa, ram, 1, acc, nacc, NULL, 0);
	expect(want, 7);
	assert_int_equal(ret, 56 + 7 * 48 + 8);
	assert_int_equal(P.end_of_list, 0x809190);

	/* OVMF's CheckUnacceptedMemory: no unaccepted piece may touch a
	 * TempMem section */
	for (unsigned i = 0; i < P.nd; i++)
		for (unsigned j = 0; j < info.nsec; j++) {
			const struct tdvf_section *s = &info.sec[j];

			if (P.d[i].type == 7 && s->type == TDVF_TEMP_MEM)
				assert_true(P.d[i].base + P.d[i].size <= s->gpa ||
					    s->gpa + s->mem_size <= P.d[i].base);
		}
	free(buf);
	free(img);
}

/* ---- A 3 GiB TD split around the 32-bit hole ------------------------------------ */

static void test_3g_split(void **state)
{
	static const struct desc want[] = {
		{ 7, 0x7, 0x0, 0x800000 },
		{ 0, 0x7, 0x800000, 0x6000 },
		{ 7, 0x7, 0x806000, 0x3000 },
		{ 0, 0x7, 0x809000, 0x4000 },
		{ 7, 0x7, 0x80d000, 0x3000 },
		{ 0, 0x7, 0x810000, 0x10000 },
		{ 7, 0x7, 0x820000, 2 * GiB - 0x820000 },
		{ 7, 0x7, 4 * GiB, 1 * GiB },
	};
	const struct tdhob_range ram[] = { { 0, 2 * GiB }, { 4 * GiB, 1 * GiB } };
	const struct tdhob_range acc[] = {
		{ 0x80b000, 0x2000 }, { 0x800000, 0x6000 },
		{ 0x810000, 0x10000 }, { 0x809000, 0x2000 },
	};
	uint8_t *buf;
	size_t ret;

	(void)state;
	ret = build(&buf, CAP, 0x809000, ram, 2, acc, 4, NULL, 0);
	if (!ret)
		fail_msg("%s", why);
	check_list(buf, CAP, ret, 0x809000, ram, 2, acc, 4, NULL, 0);
	expect(want, 8);
	assert_int_equal(ret, 56 + 8 * 48 + 8);
	free(buf);
}

/* ---- Accepted ranges at the edges of RAM, touching each other ------------------- */

static void test_edges(void **state)
{
	/* two RAM ranges that touch at 16 MiB */
	const struct tdhob_range ram[] = { { 0, 16 * MiB }, { 16 * MiB, 16 * MiB } };
	const struct tdhob_range acc[] = {
		{ 32 * MiB - 0x1000, 0x1000 },		/* end of RAM */
		{ 1 * MiB + 0x1000, 0x1000 },		/* touching the next one */
		{ 16 * MiB, 0x1000 },			/* start of ram[1] */
		{ 1 * MiB, 0x1000 },
		{ 0, 0x1000 },				/* start of RAM */
		{ 16 * MiB - 0x2000, 0x2000 },		/* end of ram[0] */
	};
	static const struct desc want[] = {
		{ 0, 0x7, 0, 0x1000 },
		{ 7, 0x7, 0x1000, 1 * MiB - 0x1000 },
		{ 0, 0x7, 1 * MiB, 0x2000 },
		{ 7, 0x7, 1 * MiB + 0x2000, 15 * MiB - 0x4000 },
		{ 0, 0x7, 16 * MiB - 0x2000, 0x2000 },
		/* ram[1]: the merged [16M-8K, 16M+4K) is cut at the RAM edge */
		{ 0, 0x7, 16 * MiB, 0x1000 },
		{ 7, 0x7, 16 * MiB + 0x1000, 16 * MiB - 0x2000 },
		{ 0, 0x7, 32 * MiB - 0x1000, 0x1000 },
	};
	uint8_t *buf;
	size_t ret;

	(void)state;
	/* the list at GPA 0, in the 4 KiB accepted there */
	ret = build(&buf, 0x1000, 0, ram, 2, acc, 6, NULL, 0);
	if (!ret)
		fail_msg("%s", why);
	check_list(buf, 0x1000, ret, 0, ram, 2, acc, 6, NULL, 0);
	expect(want, 8);
	assert_int_equal(P.end_of_list, ret);
	free(buf);
}

static void test_all_accepted(void **state)
{
	const struct tdhob_range ram[] = { { 0, 1 * MiB }, { 2 * MiB, 1 * MiB } };
	const struct tdhob_range acc[] = { { 2 * MiB, 1 * MiB }, { 0, 1 * MiB } };
	static const struct desc want[] = {
		{ 0, 0x7, 0, 1 * MiB },
		{ 0, 0x7, 2 * MiB, 1 * MiB },
	};
	uint8_t *buf;
	size_t ret;

	(void)state;
	ret = build(&buf, CAP, 2 * MiB + 0x8, ram, 2, acc, 2, NULL, 0);
	if (!ret)
		fail_msg("%s", why);
	check_list(buf, CAP, ret, 2 * MiB + 8, ram, 2, acc, 2, NULL, 0);
	expect(want, 2);
	free(buf);
}

/* Exactly the room needed: fits, nothing zeroed past it; one byte less
 * fails. */
static void test_exact_fit(void **state)
{
	const struct tdhob_range ram[] = { { 0, 64 * MiB } };
	const struct tdhob_range acc[] = { { 8 * MiB, 0x2000 } };
	const size_t need = 56 + 3 * 48 + 8;
	uint8_t *buf;
	size_t ret;

	(void)state;
	ret = build(&buf, need, 8 * MiB, ram, 1, acc, 1, NULL, 0);
	assert_int_equal(ret, need);
	check_list(buf, need, ret, 8 * MiB, ram, 1, acc, 1, NULL, 0);
	assert_true(need <= TDHOB_MAX_BYTES(1, 1, 0));
	free(buf);
	ret = build(&buf, need - 1, 8 * MiB, ram, 1, acc, 1, NULL, 0);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(why, "needs 208 bytes"));
	free(buf);
}

/* ---- MMIO ----------------------------------------------------------------------------- */

static void test_mmio(void **state)
{
	/* a 2 GiB + 4 GiB TD with QEMU's old MMIO set: the 32-bit hole up
	 * to the APIC, MMCFG above it (touching nothing), the 64-bit hole */
	const struct tdhob_range ram[] = { { 0, 2 * GiB }, { 4 * GiB, 4 * GiB } };
	const struct tdhob_range acc[] = { { 0x800000, 0x10000 } };
	const struct tdhob_range mmio[] = {
		{ 2 * GiB, 0xfee00000 - 2 * GiB },
		{ 0x100000000ull - 0x100000, 0x1000 },
		{ 0x280000000ull, 0x800000000ull },
	};
	static const struct desc want[] = {
		{ 7, 0x7, 0, 0x800000 },
		{ 0, 0x7, 0x800000, 0x10000 },
		{ 7, 0x7, 0x810000, 2 * GiB - 0x810000 },
		{ 7, 0x7, 4 * GiB, 4 * GiB },
		{ 1, 0x403, 2 * GiB, 0xfee00000 - 2 * GiB },
		{ 1, 0x403, 0x100000000ull - 0x100000, 0x1000 },
		{ 1, 0x403, 0x280000000ull, 0x800000000ull },
	};
	uint8_t *buf;
	size_t ret;

	(void)state;
	ret = build(&buf, CAP, 0x800000, ram, 2, acc, 1, mmio, 3);
	if (!ret)
		fail_msg("%s", why);
	check_list(buf, CAP, ret, 0x800000, ram, 2, acc, 1, mmio, 3);
	expect(want, 7);
	free(buf);
}

/* ---- Rejected inputs ------------------------------------------------------------------ */

struct bad {
	const char *name;
	uint64_t gpa;
	size_t cap;
	struct tdhob_range ram[3], acc[3], mmio[2];
	unsigned nram, nacc, nmmio;
	const char *reason;	/* a substring of why */
};

#define R(b, s)		{ (b), (s) }
#define OKACC		{ R(0x800000, 0x2000) }

static const struct bad bads[] = {
	{ "no RAM", 0x800000, CAP, { R(0, 0) }, OKACC, { R(0, 0) }, 0, 1, 0, "no RAM" },
	{ "RAM unsorted", 0x800000, CAP, { R(4 * GiB, GiB), R(0, GiB) }, OKACC, { R(0, 0) },
	  2, 1, 0, "ram unsorted: [1] at 0 is below [0] at 0x100000000" },
	{ "RAM overlap", 0x800000, CAP, { R(0, GiB), R(GiB - 0x1000, GiB) }, OKACC,
	  { R(0, 0) }, 2, 1, 0, "ram[1] [0x3ffff000, +0x40000000) overlaps ram[0]" },
	{ "RAM same base", 0x800000, CAP, { R(0, GiB), R(0, 0x1000) }, OKACC, { R(0, 0) },
	  2, 1, 0, "overlaps ram[0]" },
	{ "RAM base misaligned", 0x800000, CAP, { R(0x800, GiB) }, OKACC, { R(0, 0) }, 1, 1,
	  0, "ram[0] [0x800, +0x40000000) is not 4 KiB aligned" },
	{ "RAM size misaligned", 0x800000, CAP, { R(0, GiB + 8) }, OKACC, { R(0, 0) }, 1, 1,
	  0, "ram[0] [0, +0x40000008) is not 4 KiB aligned" },
	{ "RAM empty", 0x800000, CAP, { R(0, GiB), R(2 * GiB, 0) }, OKACC, { R(0, 0) }, 2, 1,
	  0, "ram[1] at 0x80000000 is empty" },
	{ "RAM past 2^52", 0x800000, CAP, { R(0, GiB), R((1ull << 52) - 0x1000, 0x2000) },
	  OKACC, { R(0, 0) }, 2, 1, 0, "ends beyond 2^52" },
	{ "RAM wraps", 0x800000, CAP, { R(0, GiB), R(0xfffffffffffff000ull, 0x2000) }, OKACC,
	  { R(0, 0) }, 2, 1, 0, "ram[1] [0xfffffffffffff000, +0x2000) ends beyond 2^52" },
	{ "accepted misaligned", 0x800000, CAP, { R(0, GiB) },
	  { R(0x800000, 0x2000), R(0x900100, 0x1000) }, { R(0, 0) }, 1, 2, 0,
	  "accepted[1] [0x900100, +0x1000) is not 4 KiB aligned" },
	{ "accepted empty", 0x800000, CAP, { R(0, GiB) },
	  { R(0x800000, 0x2000), R(0x900000, 0) }, { R(0, 0) }, 1, 2, 0,
	  "accepted[1] at 0x900000 is empty" },
	{ "accepted outside RAM", 0x800000, CAP, { R(0, GiB) },
	  { R(0x800000, 0x2000), R(2 * GiB, 0x1000) }, { R(0, 0) }, 1, 2, 0,
	  "accepted[1] [0x80000000, +0x1000) is not inside one RAM range" },
	{ "accepted past RAM end", 0x800000, CAP, { R(0, GiB) },
	  { R(0x800000, 0x2000), R(GiB - 0x1000, 0x2000) }, { R(0, 0) }, 1, 2, 0,
	  "is not inside one RAM range" },
	{ "accepted in a RAM gap", 0x800000, CAP, { R(0, GiB), R(2 * GiB, GiB) },
	  { R(0x800000, 0x2000), R(GiB + 0x1000, 0x1000) }, { R(0, 0) }, 2, 2, 0,
	  "is not inside one RAM range" },
	{ "accepted across RAM ranges", 0x800000, CAP, { R(0, GiB), R(GiB, GiB) },
	  { R(0x800000, 0x2000), R(GiB - 0x1000, 0x2000) }, { R(0, 0) }, 2, 2, 0,
	  "is not inside one RAM range" },
	{ "accepted overlap", 0x800000, CAP, { R(0, GiB) },
	  { R(0x801000, 0x2000), R(0x800000, 0x2000) }, { R(0, 0) }, 1, 2, 0,
	  "accepted ranges [0x800000, +0x2000) and [0x801000, +0x2000) overlap" },
	{ "accepted duplicate", 0x800000, CAP, { R(0, GiB) },
	  { R(0x800000, 0x2000), R(0x800000, 0x2000) }, { R(0, 0) }, 1, 2, 0, "overlap" },
	{ "MMIO over RAM", 0x800000, CAP, { R(0, GiB), R(4 * GiB, GiB) }, OKACC,
	  { R(GiB, GiB), R(5 * GiB - 0x1000, 0x2000) }, 2, 1, 2,
	  "mmio[1] [0x13ffff000, +0x2000) overlaps ram[1] [0x100000000, +0x40000000)" },
	{ "MMIO unsorted", 0x800000, CAP, { R(0, GiB) }, OKACC,
	  { R(3 * GiB, 0x1000), R(2 * GiB, 0x1000) }, 1, 1, 2, "mmio unsorted" },
	{ "MMIO overlap", 0x800000, CAP, { R(0, GiB) }, OKACC,
	  { R(2 * GiB, 0x2000), R(2 * GiB + 0x1000, 0x1000) }, 1, 1, 2,
	  "mmio[1] [0x80001000, +0x1000) overlaps mmio[0]" },
	{ "MMIO misaligned", 0x800000, CAP, { R(0, GiB) }, OKACC, { R(2 * GiB, 0x10) }, 1,
	  1, 1, "mmio[0] [0x80000000, +0x10) is not 4 KiB aligned" },
	{ "cap too small", 0x800000, 56 + 3 * 48, { R(0, GiB) }, OKACC, { R(0, 0) }, 1, 1,
	  0, "the HOB list needs 208 bytes, TD_HOB has 200" },
	{ "cap zero", 0x800000, 0, { R(0, GiB) }, OKACC, { R(0, 0) }, 1, 1, 0,
	  "needs 208 bytes, TD_HOB has 0" },
	{ "HOB misaligned", 0x800004, CAP, { R(0, GiB) }, OKACC, { R(0, 0) }, 1, 1, 0,
	  "HOB address 0x800004 is not 8-byte aligned" },
	{ "HOB in unaccepted RAM", 0x900000, CAP, { R(0, GiB) }, OKACC, { R(0, 0) }, 1, 1, 0,
	  "the HOB list [0x900000, +0xd0) is not inside accepted memory" },
	{ "HOB runs past accepted", 0x802000 - 0x80, CAP, { R(0, GiB) }, OKACC, { R(0, 0) },
	  1, 1, 0, "is not inside accepted memory" },
	{ "nothing accepted", 0x800000, CAP, { R(0, GiB) }, OKACC, { R(0, 0) }, 1, 0, 0,
	  "is not inside accepted memory" },
};

static void test_bad_inputs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		uint8_t *buf;
		size_t ret = build(&buf, b->cap, b->gpa, b->ram, b->nram, b->acc, b->nacc,
				   b->mmio, b->nmmio);

		if (ret)
			fail_msg("%s: accepted", b->name);
		if (!strstr(why, b->reason))
			fail_msg("%s: reason \"%s\", want \"%s\"", b->name, why, b->reason);
		for (size_t j = 0; j < b->cap; j++)	/* buf untouched */
			assert_int_equal(buf[j], 0xa5);
		/* why NULL and a one-byte why are fine */
		assert_int_equal(tdhob_build(buf, b->cap, b->gpa, b->ram, b->nram, b->acc,
					     b->nacc, b->mmio, b->nmmio, NULL, 0), 0);
		why[0] = 'x';
		assert_int_equal(tdhob_build(buf, b->cap, b->gpa, b->ram, b->nram, b->acc,
					     b->nacc, b->mmio, b->nmmio, why, 1), 0);
		assert_int_equal(why[0], 0);
		free(buf);
	}
}

static void test_bad_pointers_and_counts(void **state)
{
	const struct tdhob_range ram[] = { { 0, GiB } };
	struct tdhob_range acc[TDHOB_MAX_ACCEPTED + 1];
	uint8_t *buf = malloc(CAP);
	size_t ret;

	(void)state;
	assert_non_null(buf);
	for (unsigned i = 0; i <= TDHOB_MAX_ACCEPTED; i++) {
		acc[i].base = 0x800000 + 0x2000ull * i;	/* gaps between them */
		acc[i].size = 0x1000;
	}
	assert_int_equal(tdhob_build(buf, CAP, 0x800000, ram, 1, acc,
				     TDHOB_MAX_ACCEPTED + 1, NULL, 0, why, sizeof(why)), 0);
	assert_string_equal(why, "33 accepted ranges, at most 32");
	ret = tdhob_build(buf, CAP, 0x800000, ram, 1, acc, TDHOB_MAX_ACCEPTED, NULL, 0,
			  why, sizeof(why));
	assert_int_equal(ret, 56 + (2 * 32 + 1) * 48 + 8);
	assert_int_equal(ret, TDHOB_MAX_BYTES(1, 32, 0));
	check_list(buf, CAP, ret, 0x800000, ram, 1, acc, 32, NULL, 0);

	assert_int_equal(tdhob_build(NULL, CAP, 0x800000, ram, 1, acc, 1, NULL, 0, why,
				     sizeof(why)), 0);
	assert_string_equal(why, "no buffer");
	assert_int_equal(tdhob_build(buf, CAP, 0x800000, NULL, 1, acc, 1, NULL, 0, why,
				     sizeof(why)), 0);
	assert_string_equal(why, "ram is NULL with 1 ranges");
	assert_int_equal(tdhob_build(buf, CAP, 0x800000, ram, 1, NULL, 1, NULL, 0, why,
				     sizeof(why)), 0);
	assert_string_equal(why, "accepted is NULL with 1 ranges");
	assert_int_equal(tdhob_build(buf, CAP, 0x800000, ram, 1, acc, 1, NULL, 2, why,
				     sizeof(why)), 0);
	assert_string_equal(why, "mmio is NULL with 2 ranges");
	free(buf);
}

/* ---- Random layouts ------------------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Up to 4 RAM ranges (pages, gaps or touching), up to 8 accepted ranges
 * inside them in random order (skipping any that would overlap), up to
 * 2 MMIO ranges above RAM; the list in the first accepted range. */
static void test_random(void **state)
{
	unsigned built = 0;

	(void)state;
	for (unsigned iter = 0; iter < 5000; iter++) {
		struct tdhob_range ram[4], acc[8], mmio[2];
		unsigned nram = 1 + (unsigned)(next() % 4), nacc = 0, nmmio;
		uint64_t at = (next() % 4) * 0x1000;
		uint8_t *buf;
		size_t ret;

		for (unsigned i = 0; i < nram; i++) {
			ram[i].base = at;
			ram[i].size = (1 + next() % 64) * 0x1000;
			at += ram[i].size + (next() % 3) * 0x1000;
		}
		for (unsigned tries = 0, want = (unsigned)(next() % 9); tries < 32 && nacc < want;
		     tries++) {
			const struct tdhob_range *r = &ram[next() % nram];
			uint64_t pages = r->size / 0x1000;
			uint64_t first = next() % pages;
			struct tdhob_range a = {
				r->base + first * 0x1000,
				(1 + next() % (pages - first)) * 0x1000,
			};
			bool clash = false;

			for (unsigned j = 0; j < nacc; j++)
				clash |= a.base < acc[j].base + acc[j].size &&
					 acc[j].base < a.base + a.size;
			if (!clash)
				acc[nacc++] = a;
		}
		nmmio = (unsigned)(next() % 3);
		for (unsigned i = 0; i < nmmio; i++) {
			at += (next() % 2) * 0x1000;
			mmio[i].base = at;
			mmio[i].size = (1 + next() % 8) * 0x1000;
			at += mmio[i].size;
		}

		ret = build(&buf, 0x1000, nacc ? acc[0].base : 0, ram, nram, acc, nacc, mmio,
			    nmmio);
		if (nacc) {
			if (!ret)
				fail_msg("iteration %u: %s", iter, why);
			check_list(buf, 0x1000, ret, acc[0].base, ram, nram, acc, nacc, mmio,
				   nmmio);
			assert_true(ret <= TDHOB_MAX_BYTES(nram, nacc, nmmio));
			built++;
		} else {
			assert_int_equal(ret, 0);
			assert_non_null(strstr(why, "not inside accepted memory"));
		}
		free(buf);
	}
	print_message("  random: %u of 5000 layouts built and checked\n", built);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ovmf_256m),
		cmocka_unit_test(test_3g_split),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_all_accepted),
		cmocka_unit_test(test_exact_fit),
		cmocka_unit_test(test_mmio),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_bad_pointers_and_counts),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
