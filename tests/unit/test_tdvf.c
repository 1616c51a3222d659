/* TDVF metadata (seam/tdvf.h): Debian's OVMF.fd and our td_hello payload
 * when present, a synthetic image built here, one mutation of it per
 * check with the reason it must give, and random byte flips that must
 * never crash the parser (ASan/UBSan). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seam/tdvf.h"

#define OVMF_FD		"/usr/share/ovmf/OVMF.fd"
#define TD_HELLO_BIN	"build/guests/td_hello.bin"

static struct tdvf_info I;
static char why[160];

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

/* Parses a heap copy that ends exactly at len, so ASan sees any read
 * past the end. */
static int parse(const uint8_t *img, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, img, len);
	memset(why, 0x55, sizeof(why));
	rc = tdvf_parse(copy, len, &I, why, sizeof(why));
	free(copy);
	assert_non_null(memchr(why, 0, sizeof(why)));
	return rc;
}

static const struct tdvf_section *find_type(unsigned type, unsigned *count)
{
	const struct tdvf_section *first = NULL;

	*count = 0;
	for (unsigned i = 0; i < I.nsec; i++)
		if (I.sec[i].type == type) {
			if (!first)
				first = &I.sec[i];
			(*count)++;
		}
	return first;
}

/* ---- Real images ------------------------------------------------------------ */

static void test_ovmf_fd(void **state)
{
	const struct tdvf_section *bfv, *cfv, *hob;
	unsigned nbfv, ncfv, nhob, ntemp;
	size_t len;
	uint8_t *img = read_file(OVMF_FD, &len);

	(void)state;
	if (!img)
		skip();
	if (parse(img, len))
		fail_msg("%s: %s", OVMF_FD, why);
	assert_int_equal(I.nsec, 6);
	/* The table is [end-0x20-0x88, end-0x20): length includes the
	 * footer GUID and the length field. */
	assert_int_equal(I.table_len, 0x88);
	assert_int_equal(I.desc_len, 16 + 32 * 6);
	assert_int_equal(I.desc_offset + I.desc_back, len);
	assert_memory_equal(img + I.desc_offset, "TDVF", 4);

	bfv = find_type(TDVF_BFV, &nbfv);
	cfv = find_type(TDVF_CFV, &ncfv);
	hob = find_type(TDVF_TD_HOB, &nhob);
	find_type(TDVF_TEMP_MEM, &ntemp);
	assert_int_equal(nbfv, 1);
	assert_int_equal(ncfv, 1);
	assert_int_equal(nhob, 1);
	assert_int_equal(ntemp, 3);

	assert_int_equal(bfv->gpa, 0xffe20000);
	assert_true(bfv->attributes & TDVF_ATTR_MR_EXTEND);
	assert_int_equal(bfv->raw_size, bfv->mem_size);
	assert_int_equal(bfv->gpa + bfv->mem_size, 1ull << 32);
	assert_int_equal(bfv->data_offset + bfv->raw_size, len);	/* BFV ends the file */
	assert_int_equal(cfv->gpa, 0xffe00000);
	assert_int_equal(cfv->data_offset, 0);
	assert_false(cfv->attributes & TDVF_ATTR_MR_EXTEND);
	assert_int_equal(hob->gpa, 0x809000);
	assert_int_equal(hob->raw_size, 0);
	free(img);
}

static void test_td_hello(void **state)
{
	size_t len;
	uint8_t *img = read_file(TD_HELLO_BIN, &len);

	(void)state;
	if (!img)
		skip();
	if (parse(img, len))
		fail_msg("%s: %s", TD_HELLO_BIN, why);
	assert_int_equal(I.nsec, 1);
	assert_int_equal(I.sec[0].type, TDVF_BFV);
	assert_int_equal(I.sec[0].data_offset, 0);
	assert_int_equal(I.sec[0].raw_size, len);
	assert_int_equal(I.sec[0].mem_size, len);
	assert_int_equal(I.sec[0].gpa, (1ull << 32) - len);
	assert_int_equal(I.sec[0].attributes, TDVF_ATTR_MR_EXTEND);
	assert_int_equal(I.desc_offset, len - 0x78);
	assert_int_equal(I.table_len, 0x28);
	/* the reset vector is still at end-0x10: a jmp */
	assert_true(img[len - 0x10] == 0xe9 || img[len - 0x10] == 0xeb);
	free(img);
}

/* ---- Synthetic images ------------------------------------------------------- */

/* A 16 KiB image ending at 4 GiB, laid out like OVMF's:
 *   [0, 0x1000)        CFV at 0xffffc000
 *   [0x1000, 0x4000)   BFV at 0xffffd000, measured; holds
 *     end-0x400          the descriptor (4 sections)
 *     end-0x62           an unrelated entry (8 bytes of data)
 *     end-0x48           the metadata entry
 *     end-0x32, -0x30    table length 0x42, footer GUID
 * plus TempMem 0x800000+0x6000 and TD_HOB 0x809000+0x2000. */
#define SYN_LEN		0x4000u
#define SYN_DESC_BACK	0x400u
#define SYN_DESC	(SYN_LEN - SYN_DESC_BACK)

struct syn {
	struct tdvf_section sec[20];
	unsigned nsec;		/* sections written */
	uint32_t count;		/* the descriptor's number of sections */
	uint32_t desc_len;	/* the descriptor's length */
	uint32_t version;
	uint32_t desc_back;	/* the metadata entry's value */
	uint16_t table_len;
	uint16_t meta_len;	/* the metadata entry's length */
	size_t len;		/* bytes handed to the parser */
	uint8_t img[SYN_LEN];
};

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

static void syn_init(struct syn *s)
{
	static const struct tdvf_section valid[] = {
		{ 0x1000, 0x3000, 0xffffd000, 0x3000, TDVF_BFV, TDVF_ATTR_MR_EXTEND },
		{ 0, 0x1000, 0xffffc000, 0x1000, TDVF_CFV, 0 },
		{ 0, 0, 0x800000, 0x6000, TDVF_TEMP_MEM, 0 },
		{ 0, 0, 0x809000, 0x2000, TDVF_TD_HOB, 0 },
	};

	memset(s, 0, sizeof(*s));
	memcpy(s->sec, valid, sizeof(valid));
	s->nsec = s->count = 4;
	s->desc_len = 16 + 32 * 4;
	s->version = 1;
	s->desc_back = SYN_DESC_BACK;
	s->table_len = 0x42;
	s->meta_len = 22;
	s->len = SYN_LEN;
}

/* Writes the image from s's fields; the mutations change those or the
 * bytes afterwards. */
static void syn_build(struct syn *s)
{
	uint8_t *e = s->img + SYN_LEN, *d = s->img + SYN_DESC;

	for (unsigned i = 0; i < SYN_LEN; i++)
		s->img[i] = (uint8_t)(i * 7 + 1);
	memcpy(d, "TDVF", 4);
	wr32(d + 4, s->desc_len);
	wr32(d + 8, s->version);
	wr32(d + 12, s->count);
	for (unsigned i = 0; i < s->nsec; i++) {
		uint8_t *p = d + 16 + 32 * i;

		wr32(p, s->sec[i].data_offset);
		wr32(p + 4, s->sec[i].raw_size);
		wr64(p + 8, s->sec[i].gpa);
		wr64(p + 16, s->sec[i].mem_size);
		wr32(p + 24, s->sec[i].type);
		wr32(p + 28, s->sec[i].attributes);
	}
	/* the unrelated entry: 8 bytes, length 26, some other GUID */
	wr64(e - 0x62, 0x1122334455667788ull);
	wr16(e - 0x5a, 26);
	memset(e - 0x58, 0xa5, 16);
	/* the metadata entry */
	wr32(e - 0x48, s->desc_back);
	wr16(e - 0x44, s->meta_len);
	memcpy(e - 0x42, tdvf_metadata_guid, 16);
	wr16(e - 0x32, s->table_len);
	memcpy(e - 0x30, tdvf_table_footer_guid, 16);
	memset(e - 0x20, 0x90, 0x20);
}

static void expect_ok(struct syn *s)
{
	if (parse(s->img, s->len))
		fail_msg("valid synthetic image rejected: %s", why);
}

static void expect_reject(struct syn *s, const char *name, const char *reason)
{
	if (!parse(s->img, s->len))
		fail_msg("%s: accepted, want \"%s\"", name, reason);
	if (!strstr(why, reason))
		fail_msg("%s: want \"%s\", got \"%s\"", name, reason, why);
	assert_int_equal(I.nsec, 0);	/* cleared on error */
	print_message("  %-28s %s\n", name, why);
}

static void test_synthetic_valid(void **state)
{
	struct syn *s = malloc(sizeof(*s));

	(void)state;
	assert_non_null(s);
	syn_init(s);
	syn_build(s);
	expect_ok(s);
	assert_int_equal(I.nsec, 4);
	assert_int_equal(I.desc_offset, SYN_DESC);
	assert_int_equal(I.desc_back, SYN_DESC_BACK);
	assert_int_equal(I.table_len, 0x42);
	for (unsigned i = 0; i < 4; i++)
		assert_memory_equal(&I.sec[i], &s->sec[i], sizeof(I.sec[i]));

	/* also fine: 16 sections, PAGE.AUG memory, a measured Payload, a
	 * section ending exactly at 2^52 */
	syn_init(s);
	s->nsec = s->count = 16;
	s->desc_len = 16 + 32 * 16;
	for (unsigned i = 4; i < 16; i++)
		s->sec[i] = (struct tdvf_section){ 0, 0, 0x1000000ull * i, 0x1000,
						   TDVF_PERM_MEM, TDVF_ATTR_PAGE_AUG };
	s->sec[15] = (struct tdvf_section){ 0x800, 0x100, 0x40000000, 0x1000, TDVF_PAYLOAD,
					    TDVF_ATTR_MR_EXTEND };
	s->sec[14].gpa = (1ull << 52) - 0x1000;		/* ends exactly at 2^52 */
	syn_build(s);
	expect_ok(s);
	assert_int_equal(I.nsec, 16);

	/* the metadata entry alone: table length 0x28 */
	syn_init(s);
	s->table_len = 0x28;
	syn_build(s);
	expect_ok(s);

	/* the why buffer is optional */
	syn_init(s);
	syn_build(s);
	assert_int_equal(tdvf_parse(s->img, s->len, &I, NULL, 0), 0);
	s->version = 2;
	syn_build(s);
	assert_int_equal(tdvf_parse(s->img, s->len, &I, NULL, 0), -1);
	assert_int_equal(tdvf_parse(s->img, s->len, &I, why, 1), -1);
	assert_int_equal(why[0], 0);
	assert_int_equal(tdvf_parse(s->img, s->len, &I, why, 12), -1);
	assert_string_equal(why, "descriptor ");	/* truncated, terminated */
	free(s);
}

/* ---- One mutation per check ------------------------------------------------ */

#define SEC(n)	(s->sec[n])

static void m_too_small(struct syn *s) { s->len = 0x3f; }
static void m_empty(struct syn *s) { s->len = 0; }
static void m_truncated(struct syn *s) { s->len = SYN_LEN - 0x1000; }
static void m_footer(struct syn *s) { s->img[SYN_LEN - 0x30 + 5] ^= 1; }
static void m_table_short(struct syn *s) { wr16(s->img + SYN_LEN - 0x32, 0x11); }
static void m_table_long(struct syn *s) { wr16(s->img + SYN_LEN - 0x32, SYN_LEN - 0x1f); }
static void m_table_ffff(struct syn *s) { wr16(s->img + SYN_LEN - 0x32, 0xffff); }
static void m_table_stray(struct syn *s) { s->table_len = 0x42 + 5; }
static void m_entry_short(struct syn *s) { wr16(s->img + SYN_LEN - 0x5a, 17); }
static void m_entry_zero(struct syn *s) { wr16(s->img + SYN_LEN - 0x44, 0); }
static void m_entry_long(struct syn *s) { wr16(s->img + SYN_LEN - 0x5a, 27); }
static void m_meta_missing(struct syn *s) { s->img[SYN_LEN - 0x42] ^= 0x80; }
static void m_meta_len(struct syn *s) { s->meta_len = 26; s->table_len = 0x42; }
static void m_meta_twice(struct syn *s)
{
	/* the unrelated entry becomes a second metadata entry */
	memcpy(s->img + SYN_LEN - 0x58, tdvf_metadata_guid, 16);
	wr16(s->img + SYN_LEN - 0x5a, 22);
	wr16(s->img + SYN_LEN - 0x32, 0x42 - 4);
}
static void m_desc_beyond(struct syn *s) { s->desc_back = SYN_LEN + 4; }
static void m_desc_huge(struct syn *s) { s->desc_back = 0xfffffffc; }
static void m_desc_tiny(struct syn *s) { s->desc_back = 12; }
static void m_desc_zero(struct syn *s) { s->desc_back = 0; }
static void m_desc_misaligned(struct syn *s) { s->desc_back = SYN_DESC_BACK - 2; }
static void m_signature(struct syn *s) { s->img[SYN_DESC + 3] = 'X'; }
static void m_version0(struct syn *s) { s->version = 0; }
static void m_version2(struct syn *s) { s->version = 2; }
static void m_zero_sections(struct syn *s) { s->count = 0; s->desc_len = 16; }
static void m_17_sections(struct syn *s) { s->count = 17; s->desc_len = 16 + 32 * 17; }
static void m_huge_count(struct syn *s) { s->count = 0x80000001u; s->desc_len = 16 + 32; }
static void m_desc_len(struct syn *s) { s->desc_len += 32; }
static void m_desc_len_small(struct syn *s) { s->desc_len = 16; }
static void m_desc_runs_out(struct syn *s)
{
	/* a whole 16-section descriptor in the last 0x100 bytes */
	wr32(s->img + SYN_LEN - 0x48, 0x100);
	memcpy(s->img + SYN_LEN - 0x100, "TDVF", 4);
	wr32(s->img + SYN_LEN - 0x100 + 4, 16 + 32 * 16);
	wr32(s->img + SYN_LEN - 0x100 + 8, 1);
	wr32(s->img + SYN_LEN - 0x100 + 12, 16);
}
static void m_type(struct syn *s) { SEC(2).type = 7; }
static void m_type_big(struct syn *s) { SEC(2).type = 0xffffffff; }
static void m_attr(struct syn *s) { SEC(0).attributes = 5; }
static void m_attr_high(struct syn *s) { SEC(3).attributes = 0x80000000; }
static void m_gpa_align(struct syn *s) { SEC(2).gpa += 0x800; }
static void m_size_align(struct syn *s) { SEC(2).mem_size = 0x6001; }
static void m_size_zero(struct syn *s) { SEC(3).mem_size = 0; }
static void m_raw_gt_mem(struct syn *s) { SEC(1).raw_size = 0x1001; }
static void m_raw_outside(struct syn *s) { SEC(0).data_offset = 0x1001; }
static void m_raw_overflow(struct syn *s)
{
	SEC(0).data_offset = 0xfffff000;
	SEC(0).raw_size = 0x2000;
	SEC(0).mem_size = 0x2000;
}
static void m_raw_big(struct syn *s) { SEC(0).raw_size = SEC(0).mem_size = 0x5000; }
static void m_gpa_wrap(struct syn *s) { SEC(2).gpa = 0xfffffffffffff000ull; }
static void m_gpa_wrap_to_0(struct syn *s) { SEC(2).gpa = 0xffffffffffffa000ull; }
static void m_gpa_2_52(struct syn *s) { SEC(2).gpa = (1ull << 52) - 0x1000; }
static void m_gpa_beyond_52(struct syn *s) { SEC(3).gpa = 1ull << 52; }
static void m_overlap(struct syn *s) { SEC(3).gpa = 0x805000; }
static void m_overlap_contains(struct syn *s) { SEC(2).gpa = 0x808000; SEC(2).mem_size = 0x4000; }
static void m_overlap_same(struct syn *s) { SEC(1).gpa = 0xffffd000; }
static void m_overlap_last(struct syn *s) { SEC(3).gpa = 0xfffff000; SEC(3).mem_size = 0x1000; }
static void m_mr_tempmem(struct syn *s) { SEC(2).attributes = TDVF_ATTR_MR_EXTEND; }
static void m_mr_hob(struct syn *s) { SEC(3).attributes = TDVF_ATTR_MR_EXTEND; }
static void m_mr_payload_noraw(struct syn *s)
{
	SEC(2).type = TDVF_PAYLOAD;
	SEC(2).attributes = TDVF_ATTR_MR_EXTEND;
}
static void m_mr_param(struct syn *s)
{
	SEC(2).type = TDVF_PAYLOAD_PARAM;
	SEC(2).raw_size = 0x100;
	SEC(2).attributes = TDVF_ATTR_MR_EXTEND;
}
static void m_aug_raw(struct syn *s) { SEC(1).attributes = TDVF_ATTR_PAGE_AUG; }
static void m_aug_mr(struct syn *s) { SEC(0).attributes = 3; }
static void m_bfv_noraw(struct syn *s) { SEC(0).raw_size = 0; SEC(0).attributes = 0; }
static void m_cfv_noraw(struct syn *s) { SEC(1).raw_size = 0; }
static void m_tempmem_raw(struct syn *s) { SEC(2).raw_size = 0x100; }
static void m_hob_raw(struct syn *s) { SEC(3).raw_size = 0x100; }
static void m_two_hobs(struct syn *s) { SEC(2).type = TDVF_TD_HOB; }
static void m_two_hobs_apart(struct syn *s)
{
	s->nsec = s->count = 5;
	s->desc_len = 16 + 32 * 5;
	SEC(4) = (struct tdvf_section){ 0, 0, 0x900000, 0x1000, TDVF_TD_HOB, 0 };
}

static const struct mutation {
	const char *name;
	void (*before)(struct syn *s);	/* on the fields, before the build */
	void (*after)(struct syn *s);	/* on the bytes, after it */
	const char *reason;
} mutations[] = {
	{ "image too small", m_too_small, NULL, "image too small (0x3f bytes)" },
	{ "empty image", m_empty, NULL, "image too small (0x0 bytes)" },
	{ "truncated image", m_truncated, NULL, "footer GUID" },
	{ "corrupt footer GUID", NULL, m_footer, "no GUIDed table: footer GUID" },
	{ "table length < 0x12", NULL, m_table_short, "GUIDed table length 0x11 outside" },
	{ "table length > image", NULL, m_table_long, "GUIDed table length 0x3fe1 outside" },
	{ "table length 0xffff", NULL, m_table_ffff, "GUIDed table length 0xffff outside" },
	{ "table stray bytes", m_table_stray, NULL, "5 stray bytes" },
	{ "entry length < 0x12", NULL, m_entry_short, "length 0x11 below 0x12" },
	{ "entry length 0", NULL, m_entry_zero, "length 0x0 below 0x12" },
	{ "entry past table", NULL, m_entry_long, "length 0x1b runs past the table start" },
	{ "no metadata entry", NULL, m_meta_missing, "no TDVF metadata entry" },
	{ "metadata entry 8 bytes", m_meta_len, NULL, "TDVF metadata entry: 8 bytes of data, want 4" },
	{ "two metadata entries", NULL, m_meta_twice, "a second TDVF metadata entry" },
	{ "descriptor past start", m_desc_beyond, NULL, "TDVF metadata offset 0x4004: descriptor outside" },
	{ "descriptor offset huge", m_desc_huge, NULL, "TDVF metadata offset 0xfffffffc" },
	{ "descriptor header past end", m_desc_tiny, NULL, "TDVF metadata offset 0xc: descriptor outside" },
	{ "descriptor offset 0", m_desc_zero, NULL, "TDVF metadata offset 0x0: descriptor outside" },
	{ "descriptor misaligned", m_desc_misaligned, NULL, "descriptor at 0x3c02 not 4-aligned" },
	{ "bad signature", NULL, m_signature, "signature 0x58564454, want 'TDVF'" },
	{ "version 0", m_version0, NULL, "descriptor version 0, want 1" },
	{ "version 2", m_version2, NULL, "descriptor version 2, want 1" },
	{ "0 sections", m_zero_sections, NULL, "descriptor: 0 sections, want 1..16" },
	{ "17 sections", m_17_sections, NULL, "descriptor: 17 sections, want 1..16" },
	{ "2^31+1 sections", m_huge_count, NULL, "descriptor: 2147483649 sections" },
	{ "descriptor length +32", m_desc_len, NULL, "descriptor length 0xb0, want 0x90 for 4 sections" },
	{ "descriptor length 16", m_desc_len_small, NULL, "descriptor length 0x10, want 0x90" },
	{ "descriptor runs out", NULL, m_desc_runs_out, "descriptor [0x3f00+0x210) outside the image (0x4000 bytes)" },
	{ "unknown type 7", m_type, NULL, "section 2: unknown type 7" },
	{ "unknown type ~0", m_type_big, NULL, "section 2: unknown type 4294967295" },
	{ "attributes bit 2", m_attr, NULL, "section 0: attributes 0x5 beyond" },
	{ "attributes bit 31", m_attr_high, NULL, "section 3: attributes 0x80000000 beyond" },
	{ "GPA misaligned", m_gpa_align, NULL, "section 2: GPA 0x800800 not 4 KiB aligned" },
	{ "size misaligned", m_size_align, NULL, "section 2: memory size 0x6001 not 4 KiB aligned" },
	{ "size 0", m_size_zero, NULL, "section 3: memory size 0" },
	{ "raw > mem", m_raw_gt_mem, NULL, "section 1: raw data size 0x1001 > memory size 0x1000" },
	{ "raw data past end", m_raw_outside, NULL, "section 0: raw data [0x1001+0x3000) outside the image (0x4000 bytes)" },
	{ "raw data u32 overflow", m_raw_overflow, NULL, "section 0: raw data [0xfffff000+0x2000) outside" },
	{ "raw data > image", m_raw_big, NULL, "section 0: raw data [0x1000+0x5000) outside" },
	{ "GPA wraps", m_gpa_wrap, NULL, "section 2: GPA range [0xfffffffffffff000+0x6000) wraps" },
	{ "GPA wraps to 0", m_gpa_wrap_to_0, NULL, "wraps" },
	{ "GPA across 2^52", m_gpa_2_52, NULL, "section 2: GPA range [0xffffffffff000+0x6000) above 2^52" },
	{ "GPA at 2^52", m_gpa_beyond_52, NULL, "section 3: GPA range [0x10000000000000+0x2000) above 2^52" },
	{ "overlap", m_overlap, NULL, "section 3: GPA range [0x805000+0x2000) overlaps section 2 [0x800000+0x6000)" },
	{ "overlap contains", m_overlap_contains, NULL, "section 3: GPA range [0x809000+0x2000) overlaps section 2" },
	{ "overlap same base", m_overlap_same, NULL, "section 1: GPA range [0xffffd000+0x1000) overlaps section 0" },
	{ "overlap last page", m_overlap_last, NULL, "section 3: GPA range [0xfffff000+0x1000) overlaps section 0" },
	{ "MR.EXTEND TempMem", m_mr_tempmem, NULL, "section 2: MR.EXTEND on TempMem without raw data" },
	{ "MR.EXTEND TD_HOB", m_mr_hob, NULL, "section 3: MR.EXTEND on TD_HOB" },
	{ "MR.EXTEND Payload no raw", m_mr_payload_noraw, NULL, "section 2: MR.EXTEND on Payload without raw data" },
	{ "MR.EXTEND PayloadParam", m_mr_param, NULL, "section 2: MR.EXTEND on PayloadParam, not BFV/CFV/Payload" },
	{ "PAGE.AUG with raw data", m_aug_raw, NULL, "section 1: PAGE.AUG with raw data (0x1000 bytes)" },
	{ "PAGE.AUG + MR.EXTEND", m_aug_mr, NULL, "section 0: PAGE.AUG with raw data" },
	{ "BFV without raw data", m_bfv_noraw, NULL, "section 0: BFV without raw data" },
	{ "CFV without raw data", m_cfv_noraw, NULL, "section 1: CFV without raw data" },
	{ "TempMem with raw data", m_tempmem_raw, NULL, "section 2: TempMem with raw data (0x100 bytes)" },
	{ "TD_HOB with raw data", m_hob_raw, NULL, "section 3: TD_HOB with raw data" },
	{ "two TD_HOBs", m_two_hobs, NULL, "section 3: a second TD_HOB (the first is section 2)" },
	{ "two TD_HOBs apart", m_two_hobs_apart, NULL, "section 4: a second TD_HOB (the first is section 3)" },
};

static void test_mutations(void **state)
{
	struct syn *s = malloc(sizeof(*s));

	(void)state;
	assert_non_null(s);
	for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		const struct mutation *m = &mutations[i];

		syn_init(s);
		if (m->before)
			m->before(s);
		syn_build(s);
		if (m->after)
			m->after(s);
		expect_reject(s, m->name, m->reason);
	}
	free(s);
}

static void test_type_names(void **state)
{
	static const char *const names[] = {
		"BFV", "CFV", "TD_HOB", "TempMem", "PermMem", "Payload", "PayloadParam",
	};

	(void)state;
	for (unsigned t = 0; t < 7; t++)
		assert_string_equal(tdvf_section_type_name(t), names[t]);
	assert_string_equal(tdvf_section_type_name(7), "unknown");
	assert_string_equal(tdvf_section_type_name(~0u), "unknown");
}

/* ---- Random byte flips ------------------------------------------------------ */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* What an accepted image must satisfy, whatever its bytes. */
static void check_invariants(size_t len)
{
	unsigned hobs = 0;

	assert_true(I.nsec >= 1 && I.nsec <= TDVF_MAX_SECTIONS);
	assert_true((uint64_t)I.desc_offset + I.desc_len <= len);
	assert_int_equal(I.desc_offset % 4, 0);
	for (unsigned i = 0; i < I.nsec; i++) {
		const struct tdvf_section *a = &I.sec[i];

		assert_true(a->type < TDVF_TYPE_COUNT);
		assert_true((uint64_t)a->data_offset + a->raw_size <= len);
		assert_true(a->raw_size <= a->mem_size && a->mem_size);
		assert_true(a->gpa + a->mem_size <= 1ull << 52 && a->gpa + a->mem_size > a->gpa);
		hobs += a->type == TDVF_TD_HOB;
		for (unsigned j = 0; j < i; j++)
			assert_true(a->gpa + a->mem_size <= I.sec[j].gpa ||
				    I.sec[j].gpa + I.sec[j].mem_size <= a->gpa);
	}
	assert_true(hobs <= 1);
}

static void test_fuzz(void **state)
{
	struct syn *s = malloc(sizeof(*s));
	uint8_t *valid = malloc(SYN_LEN);
	unsigned accepted = 0;

	(void)state;
	assert_non_null(s);
	assert_non_null(valid);
	syn_init(s);
	syn_build(s);
	memcpy(valid, s->img, SYN_LEN);
	for (unsigned round = 0; round < 20000; round++) {
		unsigned flips = 1 + next() % 4;
		size_t len = SYN_LEN;

		memcpy(s->img, valid, SYN_LEN);
		for (unsigned f = 0; f < flips; f++) {
			uint64_t r = next(), pick = r & 3;
			/* mostly the descriptor and the table, some anywhere */
			size_t at = pick < 2 ? SYN_DESC + (r >> 8) % (16 + 32 * 4) :
				    pick == 2 ? SYN_LEN - 0x62 + (r >> 8) % 0x42 :
						(r >> 8) % SYN_LEN;

			if ((r >> 4 & 7) == 0)
				s->img[at] ^= (uint8_t)(1u << (r >> 40 & 7));	/* one bit */
			else
				s->img[at] = (uint8_t)(r >> 48);
		}
		if (next() % 16 == 0)
			len = next() % (SYN_LEN + 1);	/* truncated too */
		if (!parse(s->img, len)) {
			accepted++;
			check_invariants(len);
		} else {
			assert_true(why[0] != 0);
		}
	}
	print_message("  fuzz: %u of 20000 mutated images accepted\n", accepted);
	free(valid);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ovmf_fd),
		cmocka_unit_test(test_td_hello),
		cmocka_unit_test(test_synthetic_valid),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
