/* TDVF metadata parser and validator; see seam/tdvf.h. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "seam/tdvf.h"

/* 96b582de-1fb2-45f7-baea-a366c55a082d */
const uint8_t tdvf_table_footer_guid[16] = {
	0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
	0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d,
};

/* e47a6535-984a-4798-865e-4685a7bf8ec2 */
const uint8_t tdvf_metadata_guid[16] = {
	0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98, 0x47,
	0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2,
};

#define GPA_LIMIT	(1ull << 52)
#define PAGE_MASK	0xfffull

static const char *const type_names[TDVF_TYPE_COUNT] = {
	"BFV", "CFV", "TD_HOB", "TempMem", "PermMem", "Payload", "PayloadParam",
};

const char *tdvf_section_type_name(unsigned type)
{
	return type < TDVF_TYPE_COUNT ? type_names[type] : "unknown";
}

/* ---- Little-endian reads at any alignment -------------------------------- */

static uint32_t rd16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* ---- The reason: a one-line message in the caller's buffer ------------- */

struct msg {
	char *buf;
	size_t cap, pos;	/* cap 0: no buffer */
};

static void m_char(struct msg *m, char c)
{
	if (m->pos + 1 < m->cap) {
		m->buf[m->pos++] = c;
		m->buf[m->pos] = 0;
	}
}

static void m_str(struct msg *m, const char *s)
{
	while (*s)
		m_char(m, *s++);
}

static void m_num(struct msg *m, uint64_t v, unsigned radix)
{
	char d[24];
	unsigned n = 0;

	do {
		d[n++] = "0123456789abcdef"[v % radix];
		v /= radix;
	} while (v);
	while (n)
		m_char(m, d[--n]);
}

static void m_dec(struct msg *m, uint64_t v)
{
	m_num(m, v, 10);
}

static void m_hex(struct msg *m, uint64_t v)
{
	m_str(m, "0x");
	m_num(m, v, 16);
}

/* "[0x<base>+0x<size>)" */
static void m_span(struct msg *m, uint64_t base, uint64_t size)
{
	m_char(m, '[');
	m_hex(m, base);
	m_char(m, '+');
	m_hex(m, size);
	m_char(m, ')');
}

/* " (0x<len> bytes)" */
static void m_image(struct msg *m, size_t len)
{
	m_str(m, " (");
	m_hex(m, len);
	m_str(m, " bytes)");
}

static void m_section(struct msg *m, unsigned i)
{
	m_str(m, "section ");
	m_dec(m, i);
	m_str(m, ": ");
}

/* ---- The GUIDed table ------------------------------------------------------ */

/* Finds the metadata entry's value; 0 or -1 with the reason in m. */
static int find_metadata(const uint8_t *img, size_t len, struct tdvf_info *out,
			 struct msg *m)
{
	size_t start, p;
	uint32_t tlen;
	bool found = false;

	if (memcmp(img + len - TDVF_FOOTER_GUID_BACK, tdvf_table_footer_guid, 16)) {
		m_str(m, "no GUIDed table: footer GUID 96b582de-1fb2-45f7-baea-a366c55a082d "
			 "missing at end-0x30");
		return -1;
	}
	tlen = rd16(img + len - TDVF_TABLE_LEN_BACK);
	if (tlen < TDVF_ENTRY_HDR || tlen > len - TDVF_TABLE_END_BACK) {
		m_str(m, "GUIDed table length ");
		m_hex(m, tlen);
		m_str(m, " outside [0x12, ");
		m_hex(m, len - TDVF_TABLE_END_BACK);
		m_str(m, "]");
		m_image(m, len);
		return -1;
	}
	out->table_len = tlen;
	start = len - TDVF_TABLE_END_BACK - tlen;

	/* p: the end of the next entry; each step goes down >= 18 bytes. */
	for (p = len - TDVF_TABLE_LEN_BACK; p > start;) {
		uint32_t elen;

		if (p - start < TDVF_ENTRY_HDR) {
			m_str(m, "GUIDed table: ");
			m_dec(m, p - start);
			m_str(m, " stray bytes at ");
			m_hex(m, start);
			m_str(m, ", too few for an entry");
			return -1;
		}
		elen = rd16(img + p - TDVF_ENTRY_HDR);
		if (elen < TDVF_ENTRY_HDR || elen > p - start) {
			m_str(m, "GUIDed table entry ending at ");
			m_hex(m, p);
			m_str(m, ": length ");
			m_hex(m, elen);
			m_str(m, elen < TDVF_ENTRY_HDR ? " below 0x12" : " runs past the table start ");
			if (elen >= TDVF_ENTRY_HDR)
				m_hex(m, start);
			return -1;
		}
		if (!memcmp(img + p - 16, tdvf_metadata_guid, 16)) {
			if (found) {
				m_str(m, "GUIDed table: a second TDVF metadata entry, ending at ");
				m_hex(m, p);
				return -1;
			}
			if (elen != TDVF_ENTRY_HDR + 4) {
				m_str(m, "TDVF metadata entry: ");
				m_dec(m, elen - TDVF_ENTRY_HDR);
				m_str(m, " bytes of data, want 4");
				return -1;
			}
			out->desc_back = rd32(img + p - TDVF_ENTRY_HDR - 4);
			found = true;
		}
		p -= elen;
	}
	if (!found) {
		m_str(m, "GUIDed table: no TDVF metadata entry "
			 "(GUID e47a6535-984a-4798-865e-4685a7bf8ec2)");
		return -1;
	}
	return 0;
}

/* ---- The descriptor -------------------------------------------------------- */

static int check_descriptor(const uint8_t *img, size_t len, struct tdvf_info *out,
			    struct msg *m)
{
	uint32_t back = out->desc_back, dlen, version, n;
	const uint8_t *d;

	if (back < TDVF_DESC_HDR || back > len) {
		m_str(m, "TDVF metadata offset ");
		m_hex(m, back);
		m_str(m, ": descriptor outside the image");
		m_image(m, len);
		return -1;
	}
	out->desc_offset = (uint32_t)(len - back);
	if (out->desc_offset & 3) {
		m_str(m, "descriptor at ");
		m_hex(m, out->desc_offset);
		m_str(m, " not 4-aligned");
		return -1;
	}
	d = img + out->desc_offset;
	if (memcmp(d, "TDVF", 4)) {
		m_str(m, "descriptor at ");
		m_hex(m, out->desc_offset);
		m_str(m, ": signature ");
		m_hex(m, rd32(d));
		m_str(m, ", want 'TDVF'");
		return -1;
	}
	dlen = rd32(d + 4);
	version = rd32(d + 8);
	n = rd32(d + 12);
	if (version != 1) {
		m_str(m, "descriptor version ");
		m_dec(m, version);
		m_str(m, ", want 1");
		return -1;
	}
	if (n < 1 || n > TDVF_MAX_SECTIONS) {
		m_str(m, "descriptor: ");
		m_dec(m, n);
		m_str(m, " sections, want 1..16");
		return -1;
	}
	if (dlen != TDVF_DESC_HDR + TDVF_SECTION_SIZE * n) {
		m_str(m, "descriptor length ");
		m_hex(m, dlen);
		m_str(m, ", want ");
		m_hex(m, TDVF_DESC_HDR + TDVF_SECTION_SIZE * n);
		m_str(m, " for ");
		m_dec(m, n);
		m_str(m, " sections");
		return -1;
	}
	if (dlen > back) {
		m_str(m, "descriptor ");
		m_span(m, out->desc_offset, dlen);
		m_str(m, " outside the image");
		m_image(m, len);
		return -1;
	}
	out->desc_len = dlen;
	out->nsec = n;
	return 0;
}

/* ---- Sections ---------------------------------------------------------------- */

static bool has_raw_data_type(uint32_t type)
{
	return type == TDVF_BFV || type == TDVF_CFV || type == TDVF_PAYLOAD;
}

static int check_section(const struct tdvf_info *out, unsigned i, size_t len, struct msg *m)
{
	const struct tdvf_section *s = &out->sec[i];
	const char *name = tdvf_section_type_name(s->type);

	if (s->type >= TDVF_TYPE_COUNT) {
		m_section(m, i);
		m_str(m, "unknown type ");
		m_dec(m, s->type);
		return -1;
	}
	if (s->attributes & ~(TDVF_ATTR_MR_EXTEND | TDVF_ATTR_PAGE_AUG)) {
		m_section(m, i);
		m_str(m, "attributes ");
		m_hex(m, s->attributes);
		m_str(m, " beyond MR.EXTEND|PAGE.AUG (0x3)");
		return -1;
	}
	if (s->gpa & PAGE_MASK) {
		m_section(m, i);
		m_str(m, "GPA ");
		m_hex(m, s->gpa);
		m_str(m, " not 4 KiB aligned");
		return -1;
	}
	if (s->mem_size & PAGE_MASK) {
		m_section(m, i);
		m_str(m, "memory size ");
		m_hex(m, s->mem_size);
		m_str(m, " not 4 KiB aligned");
		return -1;
	}
	if (!s->mem_size) {
		m_section(m, i);
		m_str(m, "memory size 0");
		return -1;
	}
	if (s->raw_size > s->mem_size) {
		m_section(m, i);
		m_str(m, "raw data size ");
		m_hex(m, s->raw_size);
		m_str(m, " > memory size ");
		m_hex(m, s->mem_size);
		return -1;
	}
	if ((uint64_t)s->data_offset + s->raw_size > len) {
		m_section(m, i);
		m_str(m, "raw data ");
		m_span(m, s->data_offset, s->raw_size);
		m_str(m, " outside the image");
		m_image(m, len);
		return -1;
	}
	if (s->mem_size > UINT64_MAX - s->gpa) {
		m_section(m, i);
		m_str(m, "GPA range ");
		m_span(m, s->gpa, s->mem_size);
		m_str(m, " wraps");
		return -1;
	}
	if (s->gpa + s->mem_size > GPA_LIMIT) {
		m_section(m, i);
		m_str(m, "GPA range ");
		m_span(m, s->gpa, s->mem_size);
		m_str(m, " above 2^52");
		return -1;
	}
	if ((s->type == TDVF_BFV || s->type == TDVF_CFV) && !s->raw_size) {
		m_section(m, i);
		m_str(m, name);
		m_str(m, " without raw data");
		return -1;
	}
	if (!has_raw_data_type(s->type) && s->type != TDVF_PAYLOAD_PARAM && s->raw_size) {
		m_section(m, i);
		m_str(m, name);
		m_str(m, " with raw data (");
		m_hex(m, s->raw_size);
		m_str(m, " bytes)");
		return -1;
	}
	if ((s->attributes & TDVF_ATTR_MR_EXTEND) &&
	    (!has_raw_data_type(s->type) || !s->raw_size)) {
		m_section(m, i);
		m_str(m, "MR.EXTEND on ");
		m_str(m, name);
		m_str(m, s->raw_size ? ", not BFV/CFV/Payload" : " without raw data");
		return -1;
	}
	if ((s->attributes & TDVF_ATTR_PAGE_AUG) && s->raw_size) {
		m_section(m, i);
		m_str(m, "PAGE.AUG with raw data (");
		m_hex(m, s->raw_size);
		m_str(m, " bytes)");
		return -1;
	}
	for (unsigned j = 0; j < i; j++) {
		const struct tdvf_section *t = &out->sec[j];

		if (s->type == TDVF_TD_HOB && t->type == TDVF_TD_HOB) {
			m_section(m, i);
			m_str(m, "a second TD_HOB (the first is section ");
			m_dec(m, j);
			m_str(m, ")");
			return -1;
		}
		if (s->gpa < t->gpa + t->mem_size && t->gpa < s->gpa + s->mem_size) {
			m_section(m, i);
			m_str(m, "GPA range ");
			m_span(m, s->gpa, s->mem_size);
			m_str(m, " overlaps section ");
			m_dec(m, j);
			m_str(m, " ");
			m_span(m, t->gpa, t->mem_size);
			return -1;
		}
	}
	return 0;
}

/* ---- Entry point -------------------------------------------------------------- */

static int parse(const uint8_t *img, size_t len, struct tdvf_info *out, struct msg *m)
{
	if (len < TDVF_MIN_IMAGE) {
		m_str(m, "image too small");
		m_image(m, len);
		m_str(m, ", need at least 0x40");
		return -1;
	}
	if (len > UINT32_MAX) {
		m_str(m, "image too large");
		m_image(m, len);
		m_str(m, ", offsets are u32");
		return -1;
	}
	if (find_metadata(img, len, out, m) || check_descriptor(img, len, out, m))
		return -1;
	for (unsigned i = 0; i < out->nsec; i++) {
		const uint8_t *p = img + out->desc_offset + TDVF_DESC_HDR + TDVF_SECTION_SIZE * i;
		struct tdvf_section *s = &out->sec[i];

		s->data_offset = rd32(p);
		s->raw_size = rd32(p + 4);
		s->gpa = rd64(p + 8);
		s->mem_size = rd64(p + 16);
		s->type = rd32(p + 24);
		s->attributes = rd32(p + 28);
		if (check_section(out, i, len, m))
			return -1;
	}
	return 0;
}

int tdvf_parse(const uint8_t *image, size_t len, struct tdvf_info *out, char *why,
	       size_t why_len)
{
	struct msg m = { why, why ? why_len : 0, 0 };

	if (m.cap)
		why[0] = 0;
	memset(out, 0, sizeof(*out));
	if (parse(image, len, out, &m)) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}
