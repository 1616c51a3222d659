/* TDX module blob parser and verifier; see seam/tdxblob.h. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/fmt.h"
#include "seam/rsa.h"
#include "seam/sha384.h"
#include "seam/tdxblob.h"

static const char *const check_names[TDXBLOB_NCHECKS] = {
	[TDXBLOB_CHECK_HEADER] = "header",
	[TDXBLOB_CHECK_SIZES] = "sizes",
	[TDXBLOB_CHECK_PAGES] = "pages",
	[TDXBLOB_CHECK_RESERVED] = "reserved",
	[TDXBLOB_CHECK_CHECKSUM] = "checksum",
	[TDXBLOB_CHECK_SIGSTRUCT_HEADER] = "sigstruct_header",
	[TDXBLOB_CHECK_VENDOR] = "vendor",
	[TDXBLOB_CHECK_KEY_SIZES] = "key_sizes",
	[TDXBLOB_CHECK_SIGSTRUCT_RESERVED] = "sigstruct_reserved",
	[TDXBLOB_CHECK_SIGSTRUCT_FIELDS] = "sigstruct_fields",
	[TDXBLOB_CHECK_SEAMHASH] = "seamhash",
	[TDXBLOB_CHECK_SIGNATURE] = "signature",
};

const char *tdxblob_check_name(unsigned check)
{
	return check < TDXBLOB_NCHECKS ? check_names[check] : "unknown";
}

static uint32_t rd16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
	return rd16(p) | rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void verdict(struct tdxblob *b, unsigned check, enum tdxblob_result r,
		    const char *fmt, ...)
{
	va_list ap;

	b->result[check] = (uint8_t)r;
	b->why[check][0] = 0;
	if (fmt) {
		va_start(ap, fmt);
		fmt_vsnprintf(b->why[check], TDXBLOB_WHY_MAX, fmt, ap);
		va_end(ap);
	}
	if (r == TDXBLOB_FAIL)
		b->failed++;
}

#define PASS(b, c)		verdict((b), (c), TDXBLOB_PASS, NULL)
#define FAIL(b, c, ...)		verdict((b), (c), TDXBLOB_FAIL, __VA_ARGS__)

static void skip_from(struct tdxblob *b, unsigned first, unsigned last,
		      unsigned because)
{
	for (unsigned c = first; c <= last; c++)
		verdict(b, c, TDXBLOB_SKIP, "not checked: %s failed",
			check_names[because]);
}

/* ---- The header page ----------------------------------------------------- */

/* Returns false when nothing past the header can be located. */
static bool check_header(struct tdxblob *b, const uint8_t *f, size_t len)
{
	static const char magic[8] = { 'T', 'D', 'X', '-', 'B', 'L', 'O', 'B' };
	unsigned sig_at;

	if (len < TDXBLOB_HEADER_SIZE) {
		FAIL(b, TDXBLOB_CHECK_HEADER, "file is %u bytes, shorter than the 4096-byte header",
		     (unsigned)len);
		return false;
	}
	b->header_version = (uint16_t)rd16(f);
	b->checksum = (uint16_t)rd16(f + 2);
	if (b->header_version == TDXBLOB_V1)
		sig_at = 8;
	else if (b->header_version == TDXBLOB_V2)
		sig_at = 4;
	else {
		FAIL(b, TDXBLOB_CHECK_HEADER, "unknown header version 0x%04x (expected 0x0100 or 0x0200)",
		     b->header_version);
		return false;
	}
	if (memcmp(f + sig_at, magic, sizeof(magic))) {
		FAIL(b, TDXBLOB_CHECK_HEADER, "no \"TDX-BLOB\" signature at +%u for header version 0x%04x",
		     sig_at, b->header_version);
		return false;
	}
	PASS(b, TDXBLOB_CHECK_HEADER);
	return true;
}

/* Locates the SIGSTRUCT and the module; false when they cannot be. */
static bool check_layout(struct tdxblob *b, const uint8_t *f, size_t len)
{
	uint64_t module_pages, sig_pages, expect;

	if (b->header_version == TDXBLOB_V1) {
		uint32_t offset = rd32(f + 4), total = rd32(f + 16);

		if (total != len) {
			FAIL(b, TDXBLOB_CHECK_SIZES, "total length %u in the header, file is %u bytes",
			     total, (unsigned)len);
		} else if (offset != TDXBLOB_V1_MODULE_OFFSET) {
			FAIL(b, TDXBLOB_CHECK_SIZES, "module offset 0x%x, expected 0x2000 (one SIGSTRUCT page)",
			     offset);
		} else if (len < TDXBLOB_V1_MODULE_OFFSET) {
			FAIL(b, TDXBLOB_CHECK_SIZES, "file is %u bytes, it ends before the module offset 0x2000",
			     (unsigned)len);
		} else if (len % TDXBLOB_PAGE) {
			FAIL(b, TDXBLOB_CHECK_SIZES, "file size %u is not a multiple of 4096",
			     (unsigned)len);
		} else {
			PASS(b, TDXBLOB_CHECK_SIZES);
		}
		if (b->result[TDXBLOB_CHECK_SIZES] != TDXBLOB_PASS) {
			skip_from(b, TDXBLOB_CHECK_PAGES, TDXBLOB_CHECK_PAGES, TDXBLOB_CHECK_SIZES);
			return false;
		}
		sig_pages = 1;
		module_pages = (len - TDXBLOB_V1_MODULE_OFFSET) / TDXBLOB_PAGE;
	} else {
		sig_pages = rd32(f + 12);
		module_pages = rd32(f + 16);
		expect = (1 + sig_pages + module_pages) * TDXBLOB_PAGE;
		if (expect != len) {
			FAIL(b, TDXBLOB_CHECK_SIZES, "header + %llu SIGSTRUCT + %llu module pages = %llu bytes, file is %u",
			     (unsigned long long)sig_pages, (unsigned long long)module_pages,
			     (unsigned long long)expect, (unsigned)len);
			skip_from(b, TDXBLOB_CHECK_PAGES, TDXBLOB_CHECK_PAGES, TDXBLOB_CHECK_SIZES);
			return false;
		}
		PASS(b, TDXBLOB_CHECK_SIZES);
	}
	if (sig_pages != 1) {
		FAIL(b, TDXBLOB_CHECK_PAGES, "%llu SIGSTRUCT pages, expected 1",
		     (unsigned long long)sig_pages);
		return false;
	}
	if (module_pages < 1 || module_pages > TDXBLOB_MAX_MODULE_PAGES) {
		FAIL(b, TDXBLOB_CHECK_PAGES, "%llu module pages, SEAMLDR_PARAMS takes 1..496",
		     (unsigned long long)module_pages);
		return false;
	}
	PASS(b, TDXBLOB_CHECK_PAGES);
	b->sigstruct_offset = TDXBLOB_HEADER_SIZE;
	b->module_offset = TDXBLOB_HEADER_SIZE + TDXBLOB_PAGE;
	b->module_pages = (uint32_t)module_pages;
	return true;
}

static void check_reserved(struct tdxblob *b, const uint8_t *f)
{
	/* 0x0100: a u32 at +20, then 509 u64; 0x0200: 4076 bytes at +20. */
	for (unsigned i = 20; i < TDXBLOB_HEADER_SIZE; i++) {
		if (f[i]) {
			FAIL(b, TDXBLOB_CHECK_RESERVED, "reserved header byte at +%u is 0x%02x, not 0",
			     i, f[i]);
			return;
		}
	}
	PASS(b, TDXBLOB_CHECK_RESERVED);
}

static void check_checksum(struct tdxblob *b, const uint8_t *f, size_t len)
{
	uint32_t sum = 0;

	if (len & 1) {
		FAIL(b, TDXBLOB_CHECK_CHECKSUM, "odd file size %u: no 16-bit word sum",
		     (unsigned)len);
		return;
	}
	for (size_t i = 0; i < len; i += 2)
		sum += rd16(f + i);
	if (sum & 0xffff)
		FAIL(b, TDXBLOB_CHECK_CHECKSUM, "16-bit word sum is 0x%04x, not 0 (stored checksum 0x%04x)",
		     sum & 0xffff, b->checksum);
	else
		PASS(b, TDXBLOB_CHECK_CHECKSUM);
}

/* ---- The SIGSTRUCT ------------------------------------------------------- */

static void decode_sigstruct(struct tdxblob *b, const uint8_t *s)
{
	b->has_sigstruct = true;
	b->module_type = rd32(s + SIGSTRUCT_MODULE_TYPE);
	b->vendor = rd32(s + SIGSTRUCT_MODULE_VENDOR);
	b->date = rd32(s + SIGSTRUCT_DATE);
	b->seamsvn = (uint16_t)rd16(s + SIGSTRUCT_SEAMSVN);
	b->attributes = rd64(s + SIGSTRUCT_ATTRIBUTES);
	b->max_tdmrs = (uint16_t)rd16(s + SIGSTRUCT_MAX_TDMRS);
	b->max_rsvd_per_tdmr = (uint16_t)rd16(s + SIGSTRUCT_MAX_RSVD_PER_TDMR);
	b->pamt_entry_size[0] = (uint16_t)rd16(s + SIGSTRUCT_PAMT_ENTRY_4K);
	b->pamt_entry_size[1] = (uint16_t)rd16(s + SIGSTRUCT_PAMT_ENTRY_2M);
	b->pamt_entry_size[2] = (uint16_t)rd16(s + SIGSTRUCT_PAMT_ENTRY_1G);
	b->module_hv = (uint16_t)rd16(s + SIGSTRUCT_MODULE_HV);
	b->min_update_hv = (uint16_t)rd16(s + SIGSTRUCT_MIN_UPDATE_HV);
	b->no_downgrade = s[SIGSTRUCT_NO_DOWNGRADE];
	b->ncpuids = rd32(s + SIGSTRUCT_CPUID_TABLE_SIZE);
	for (uint32_t i = 0; i < b->ncpuids && i < SIGSTRUCT_MAX_CPUIDS; i++)
		b->cpuids[i] = rd32(s + SIGSTRUCT_CPUID_TABLE + 4 * i);
	memcpy(b->seamhash, s + SIGSTRUCT_SEAMHASH, sizeof(b->seamhash));
	sha384(s + SIGSTRUCT_MODULUS, SIGSTRUCT_KEY_BYTES, b->mrsigner);
}

static void check_sigstruct_header(struct tdxblob *b, const uint8_t *s)
{
	uint32_t type = rd32(s + SIGSTRUCT_HEADER_TYPE);
	uint32_t hlen = rd32(s + SIGSTRUCT_HEADER_LENGTH);
	uint32_t ver = rd32(s + SIGSTRUCT_HEADER_VERSION);
	uint32_t size = rd32(s + SIGSTRUCT_SIZE_DWORDS);

	if (type != SIGSTRUCT_HEADER_TYPE_GENERIC_FW)
		FAIL(b, TDXBLOB_CHECK_SIGSTRUCT_HEADER, "SIGSTRUCT header type %u, expected 6", type);
	else if (hlen != SIGSTRUCT_HEADER_LENGTH_DWORDS)
		FAIL(b, TDXBLOB_CHECK_SIGSTRUCT_HEADER, "SIGSTRUCT header length 0x%x dwords, expected 0xe1",
		     hlen);
	else if (ver != SIGSTRUCT_HEADER_VERSION_1_0)
		FAIL(b, TDXBLOB_CHECK_SIGSTRUCT_HEADER, "SIGSTRUCT header version 0x%x, expected 0x10000",
		     ver);
	else if (size != SIGSTRUCT_SIZE_DWORDS_VALUE)
		FAIL(b, TDXBLOB_CHECK_SIGSTRUCT_HEADER, "SIGSTRUCT size 0x%x dwords, expected 0x200", size);
	else
		PASS(b, TDXBLOB_CHECK_SIGSTRUCT_HEADER);

	if (b->vendor != SIGSTRUCT_VENDOR_INTEL)
		FAIL(b, TDXBLOB_CHECK_VENDOR, "module vendor 0x%x, expected 0x8086", b->vendor);
	else
		PASS(b, TDXBLOB_CHECK_VENDOR);
}

static void check_key_sizes(struct tdxblob *b, const uint8_t *s)
{
	uint32_t key = rd32(s + SIGSTRUCT_KEY_SIZE);
	uint32_t mod = rd32(s + SIGSTRUCT_MODULUS_SIZE);
	uint32_t exp = rd32(s + SIGSTRUCT_EXPONENT_SIZE);
	uint32_t e = rd32(s + SIGSTRUCT_EXPONENT);

	if (key != SIGSTRUCT_KEY_DWORDS || mod != SIGSTRUCT_KEY_DWORDS)
		FAIL(b, TDXBLOB_CHECK_KEY_SIZES, "key size 0x%x / modulus size 0x%x dwords, expected 0x60 (RSA-3072)",
		     key, mod);
	else if (exp != SIGSTRUCT_EXPONENT_DWORDS)
		FAIL(b, TDXBLOB_CHECK_KEY_SIZES, "exponent size %u dwords, expected 1", exp);
	else if (e != SIGSTRUCT_RSA_EXPONENT)
		FAIL(b, TDXBLOB_CHECK_KEY_SIZES, "RSA exponent %u, expected 65537", e);
	else
		PASS(b, TDXBLOB_CHECK_KEY_SIZES);
}

static void check_sigstruct_reserved(struct tdxblob *b, const uint8_t *s)
{
	static const struct { unsigned off, len; const char *name; } rsvd[] = {
		{ SIGSTRUCT_RESERVED0, 88, "reserved0" },
		{ SIGSTRUCT_RESERVED1, 6, "reserved1" },
		{ SIGSTRUCT_RESERVED2, 1, "reserved2" },
		{ SIGSTRUCT_RESERVED3, 24, "reserved3" },
	};

	for (unsigned i = 0; i < sizeof(rsvd) / sizeof(rsvd[0]); i++) {
		if (!all_zero(s + rsvd[i].off, rsvd[i].len)) {
			FAIL(b, TDXBLOB_CHECK_SIGSTRUCT_RESERVED, "SIGSTRUCT %s (+%u, %u bytes) is not zero",
			     rsvd[i].name, rsvd[i].off, rsvd[i].len);
			return;
		}
	}
	if (b->module_type & ~SIGSTRUCT_MODULE_TYPE_DEBUG) {
		FAIL(b, TDXBLOB_CHECK_SIGSTRUCT_RESERVED, "module type 0x%x has reserved bits 30:0 set",
		     b->module_type);
		return;
	}
	if (b->attributes) {
		FAIL(b, TDXBLOB_CHECK_SIGSTRUCT_RESERVED, "attributes 0x%llx, must be 0",
		     (unsigned long long)b->attributes);
		return;
	}
	PASS(b, TDXBLOB_CHECK_SIGSTRUCT_RESERVED);
}

/* The P-SEAMLDR's remaining manifest rules (PSL verify_manifest). */
static void check_sigstruct_fields(struct tdxblob *b, const uint8_t *s)
{
	uint32_t gdt = rd32(s + SIGSTRUCT_GDT_IDT_OFFSET);
	uint32_t fw = rd32(s + SIGSTRUCT_FAULT_WRAPPER_OFFSET);
	uint64_t module_size = (uint64_t)b->module_pages * TDXBLOB_PAGE;

	if ((b->seamsvn >> 8) == 0)
		FAIL(b, TDXBLOB_CHECK_SIGSTRUCT_FIELDS, "SEAMSVN %u has major version 0, which no P-SEAMLDR loads",
		     b->seamsvn);
	else if (b->min_update_hv > b->module_hv)
		FAIL(b, TDXBLOB_CHECK_SIGSTRUCT_FIELDS, "min_update_hv %u is above module_hv %u",
		     b->min_update_hv, b->module_hv);
	else if (b->ncpuids > SIGSTRUCT_MAX_CPUIDS)
		FAIL(b, TDXBLOB_CHECK_SIGSTRUCT_FIELDS, "CPUID table of %u entries, at most 255",
		     b->ncpuids);
	else if (b->ncpuids == 0 && !tdxblob_debug_signed(b))
		FAIL(b, TDXBLOB_CHECK_SIGSTRUCT_FIELDS, "production-signed module without a CPUID table");
	else if (gdt % TDXBLOB_PAGE || (gdt == 0) != (fw == 0))
		FAIL(b, TDXBLOB_CHECK_SIGSTRUCT_FIELDS, "GDT/IDT offset 0x%x and fault-wrapper offset 0x%x disagree",
		     gdt, fw);
	else if (module_size && ((gdt && gdt > module_size - TDXBLOB_PAGE) || fw >= module_size))
		FAIL(b, TDXBLOB_CHECK_SIGSTRUCT_FIELDS, "GDT/IDT offset 0x%x or fault-wrapper offset 0x%x outside the %llu-byte module",
		     gdt, fw, (unsigned long long)module_size);
	else
		PASS(b, TDXBLOB_CHECK_SIGSTRUCT_FIELDS);
}

static void reverse(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[n - 1 - i];
}

static void check_signature(struct tdxblob *b, const uint8_t *s)
{
	uint8_t n[SIGSTRUCT_KEY_BYTES], sig[SIGSTRUCT_KEY_BYTES], digest[48];
	struct sha384_ctx c;
	enum rsa_result r;

	sha384_init(&c);
	sha384_update(&c, s, SIGSTRUCT_SIGNED_HEAD);
	sha384_update(&c, s + SIGSTRUCT_SIGNED_TAIL, SIGSTRUCT_SIZE - SIGSTRUCT_SIGNED_TAIL);
	sha384_final(&c, digest);
	reverse(n, s + SIGSTRUCT_MODULUS, sizeof(n));
	reverse(sig, s + SIGSTRUCT_SIGNATURE, sizeof(sig));
	r = rsa_verify_pkcs1_sha384(n, sizeof(n), rd32(s + SIGSTRUCT_EXPONENT), sig,
				    sizeof(sig), digest);
	if (r != RSA_OK)
		FAIL(b, TDXBLOB_CHECK_SIGNATURE, "RSA-3072 PKCS#1 v1.5 SHA-384 signature: %s",
		     rsa_result_name(r));
	else
		PASS(b, TDXBLOB_CHECK_SIGNATURE);
}

void tdxblob_check_sigstruct(struct tdxblob *b, const uint8_t *s)
{
	decode_sigstruct(b, s);
	check_sigstruct_header(b, s);
	check_key_sizes(b, s);
	check_sigstruct_reserved(b, s);
	check_sigstruct_fields(b, s);
	if (b->result[TDXBLOB_CHECK_KEY_SIZES] != TDXBLOB_PASS)
		skip_from(b, TDXBLOB_CHECK_SIGNATURE, TDXBLOB_CHECK_SIGNATURE,
			  TDXBLOB_CHECK_KEY_SIZES);
	else
		check_signature(b, s);
}

unsigned tdxblob_parse(const uint8_t *blob, size_t len, struct tdxblob *b)
{
	const uint8_t *s;

	memset(b, 0, sizeof(*b));
	b->len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	if (!check_header(b, blob, len)) {
		skip_from(b, TDXBLOB_CHECK_SIZES, TDXBLOB_NCHECKS - 1, TDXBLOB_CHECK_HEADER);
		return b->failed;
	}
	check_reserved(b, blob);
	check_checksum(b, blob, len);
	if (!check_layout(b, blob, len)) {
		unsigned because = b->result[TDXBLOB_CHECK_SIZES] == TDXBLOB_FAIL
				   ? TDXBLOB_CHECK_SIZES : TDXBLOB_CHECK_PAGES;
		skip_from(b, TDXBLOB_CHECK_SIGSTRUCT_HEADER, TDXBLOB_NCHECKS - 1, because);
		return b->failed;
	}
	s = blob + b->sigstruct_offset;
	tdxblob_check_sigstruct(b, s);
	sha384(blob + b->module_offset, (size_t)b->module_pages * TDXBLOB_PAGE, b->module_hash);
	if (memcmp(b->module_hash, b->seamhash, sizeof(b->seamhash)))
		FAIL(b, TDXBLOB_CHECK_SEAMHASH, "SHA-384 of the %u module pages differs from SEAMHASH",
		     b->module_pages);
	else
		PASS(b, TDXBLOB_CHECK_SEAMHASH);

	return b->failed;
}

unsigned tdxblob_first_failure(const struct tdxblob *b)
{
	for (unsigned c = 0; c < TDXBLOB_NCHECKS; c++)
		if (b->result[c] == TDXBLOB_FAIL)
			return c;
	return TDXBLOB_NCHECKS;
}

bool tdxblob_debug_signed(const struct tdxblob *b)
{
	return (b->module_type & SIGSTRUCT_MODULE_TYPE_DEBUG) != 0;
}

bool tdxblob_cpu_supported(const struct tdxblob *b, uint32_t fms)
{
	if (!b->has_sigstruct)
		return false;
	if (b->ncpuids == 0)
		return true;
	for (uint32_t i = 0; i < b->ncpuids && i < SIGSTRUCT_MAX_CPUIDS; i++)
		if ((b->cpuids[i] & ~TDXBLOB_FMS_STEPPING_MASK) ==
		    (fms & ~TDXBLOB_FMS_STEPPING_MASK))
			return true;
	return false;
}
