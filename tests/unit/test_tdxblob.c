/* TDX module blobs (seam/tdxblob.c) built by tools/blob_build.c and signed
 * through openssl with two RSA-3072 keys made at test time in a mkdtemp
 * directory under /tmp: good blobs of both header layouts (tdx-abi.md
 * §8.5), their bytes against the published layouts, their decoded
 * SIGSTRUCT, MRSIGNER and signature against openssl; then one corruption
 * per check, each of which must fail exactly that check with a reason that
 * names the problem; the CPUID table rule; and the tdxblob tool (info
 * --json, make) run as a process. Without openssl the group setup fails:
 * these tests do not skip. The tool is build/tools/tdxblob (the Makefile
 * builds it first), or $TDXBLOB_TOOL. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seam/sha384.h"
#include "seam/tdxblob.h"
#include "tools/blob_build.h"

#define MODULE_PAGES	4u
#define MODULE_LEN	(MODULE_PAGES * TDXBLOB_PAGE)
#define GOOD_LEN	(2 * TDXBLOB_PAGE + MODULE_LEN)
#define NVER		2		/* [0] header 0x0100, [1] header 0x0200 */

static const uint16_t versions[NVER] = { TDXBLOB_V1, TDXBLOB_V2 };

static char dir[64], key1[96], key2[96];
static uint8_t *module;				/* the emulated module, 4 pages */
static uint8_t *good[NVER], *other[NVER];	/* signed with key1 / key2 */
static size_t good_len[NVER], other_len[NVER];
static uint8_t modulus1[SIGSTRUCT_KEY_BYTES];	/* key1's, big-endian (openssl) */
static uint8_t mrsigner1[48], mrsigner2[48];

static const struct blob_spec base_spec = {
	.date = 0x20250219,
	.seamsvn = 0x010b,
	.module_type = 0,
	.cpuids = { 0x806c0, 0xc06f0 },
	.ncpuids = 2,
	.max_tdmrs = 32,
	.max_rsvd_per_tdmr = 16,
	.pamt_entry_size = { 16, 8, 4 },
	.module_hv = 3,
	.min_update_hv = 1,
	.no_downgrade = 1,
};

/* ---- helpers ------------------------------------------------------------ */

static uint32_t rd16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
	return rd16(p) | rd16(p + 2) << 16;
}

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

/* The 16-bit little-endian word sum of an even-length file. */
static uint32_t word_sum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += rd16(p + i);
	return sum & 0xffff;
}

static void path(char *out, size_t size, const char *name)
{
	int r = snprintf(out, size, "%s/%s", dir, name);
	assert_true(r > 0 && (size_t)r < size);
}

static void write_file(const char *name, const void *data, size_t n)
{
	char p[128];
	FILE *f;

	path(p, sizeof(p), name);
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Reads dir/name into a malloc'ed buffer. */
static uint8_t *read_file(const char *name, size_t *len)
{
	char p[128];
	uint8_t *buf = malloc(4 * TDXBLOB_MAX_FILE);
	FILE *f;

	assert_non_null(buf);
	path(p, sizeof(p), name);
	f = fopen(p, "rb");
	assert_non_null(f);
	*len = fread(buf, 1, 4 * TDXBLOB_MAX_FILE, f);
	fclose(f);
	return buf;
}

/* Runs cmd through the shell: its exit status, stdout in out (NUL-ended). */
static int run(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;
	int st;

	if (!p)
		return -1;
	if (out) {
		n = fread(out, 1, cap - 1, p);
		out[n] = 0;
	} else {
		char sink[4096];
		while (fread(sink, 1, sizeof(sink), p) > 0)
			;
	}
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void to_hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = 0;
}

static struct blob_spec spec_for(unsigned v)
{
	struct blob_spec s = base_spec;

	s.header_version = versions[v];
	return s;
}

static const char *vname(unsigned v)
{
	return v ? "v2" : "v1";
}

static void dump(const char *what, const struct tdxblob *b)
{
	print_message("%s: %u failed\n", what, b->failed);
	for (unsigned c = 0; c < TDXBLOB_NCHECKS; c++)
		print_message("  %u %-18s %s\n", b->result[c], tdxblob_check_name(c), b->why[c]);
}

/* Every verdict is well-formed: results in range, reasons exactly on FAIL
 * and SKIP, failed counts the FAILs. */
static void assert_consistent(const struct tdxblob *b)
{
	unsigned nfail = 0;

	for (unsigned c = 0; c < TDXBLOB_NCHECKS; c++) {
		assert_in_range(b->result[c], TDXBLOB_PASS, TDXBLOB_SKIP);
		assert_non_null(memchr(b->why[c], 0, TDXBLOB_WHY_MAX));
		if (b->result[c] == TDXBLOB_PASS)
			assert_int_equal(b->why[c][0], 0);
		else
			assert_true(b->why[c][0] != 0);
		nfail += b->result[c] == TDXBLOB_FAIL;
	}
	assert_int_equal(b->failed, nfail);
}

static void assert_all_pass(const char *what, const uint8_t *blob, size_t len, struct tdxblob *b)
{
	unsigned r = tdxblob_parse(blob, len, b);

	if (r || b->failed)
		dump(what, b);
	assert_int_equal(r, 0);
	assert_consistent(b);
	for (unsigned c = 0; c < TDXBLOB_NCHECKS; c++)
		assert_int_equal(b->result[c], TDXBLOB_PASS);
	assert_int_equal(tdxblob_first_failure(b), TDXBLOB_NCHECKS);
}

/* ---- setup ---------------------------------------------------------------- */

static int read_modulus(const char *key, uint8_t out[SIGSTRUCT_KEY_BYTES])
{
	char cmd[256], text[2048], *hex;

	snprintf(cmd, sizeof(cmd), "openssl rsa -in '%s' -noout -modulus 2>/dev/null", key);
	if (run(cmd, text, sizeof(text)) != 0 || !(hex = strstr(text, "Modulus=")))
		return -1;
	hex += 8;
	if (strcspn(hex, "\r\n") != 2 * SIGSTRUCT_KEY_BYTES)
		return -1;
	for (unsigned i = 0; i < SIGSTRUCT_KEY_BYTES; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int make_key(char *out, size_t size, const char *name)
{
	char cmd[256];

	snprintf(out, size, "%s/%s", dir, name);
	snprintf(cmd, sizeof(cmd), "openssl genrsa -out '%s' 3072 2>/dev/null", out);
	if (run(cmd, NULL, 0) != 0) {
		fprintf(stderr, "test_tdxblob: openssl genrsa failed for %s\n", out);
		return -1;
	}
	return 0;
}

static int setup_keys_and_blobs(void)
{
	char why[160];

	snprintf(dir, sizeof(dir), "/tmp/test_tdxblob-XXXXXX");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "test_tdxblob: mkdtemp failed\n");
		dir[0] = 0;
		return -1;
	}
	if (run("openssl version 2>/dev/null", NULL, 0) != 0) {
		fprintf(stderr, "test_tdxblob: the openssl command is required (apt-get install openssl)\n");
		return -1;
	}
	if (make_key(key1, sizeof(key1), "k1.pem") || make_key(key2, sizeof(key2), "k2.pem"))
		return -1;
	if (read_modulus(key1, modulus1)) {
		fprintf(stderr, "test_tdxblob: cannot read the modulus of %s\n", key1);
		return -1;
	}
	module = blob_emu_module(MODULE_PAGES, 1, 5, 16, 20250219, 812);
	if (!module)
		return -1;
	for (unsigned v = 0; v < NVER; v++) {
		struct blob_spec s = spec_for(v);

		good[v] = blob_build(&s, module, MODULE_LEN, key1, &good_len[v], why, sizeof(why));
		if (good[v])
			other[v] = blob_build(&s, module, MODULE_LEN, key2, &other_len[v], why,
					      sizeof(why));
		if (!good[v] || !other[v]) {
			fprintf(stderr, "test_tdxblob: blob_build: %s\n", why);
			return -1;
		}
	}
	sha384(good[0] + TDXBLOB_HEADER_SIZE + SIGSTRUCT_MODULUS, SIGSTRUCT_KEY_BYTES, mrsigner1);
	sha384(other[0] + TDXBLOB_HEADER_SIZE + SIGSTRUCT_MODULUS, SIGSTRUCT_KEY_BYTES, mrsigner2);
	return 0;
}

/* Removes the files made in dir (it has no subdirectories), then dir. */
static void remove_dir(void)
{
	struct dirent *e;
	char p[128];
	DIR *d;

	if (!dir[0] || !(d = opendir(dir)))
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			path(p, sizeof(p), e->d_name);
			unlink(p);
		}
	closedir(d);
	rmdir(dir);
	dir[0] = 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned v = 0; v < NVER; v++) {
		free(good[v]);
		free(other[v]);
		good[v] = other[v] = NULL;
	}
	free(module);
	module = NULL;
	remove_dir();
	return 0;
}

/* cmocka runs no group teardown when the setup fails: clean up here. */
static int setup(void **state)
{
	if (setup_keys_and_blobs() == 0)
		return 0;
	teardown(state);
	return -1;
}

/* ---- good blobs ------------------------------------------------------------ */

/* The bytes of both layouts, read directly (tdx-abi.md §8.5). */
static void test_layout(void **state)
{
	const uint8_t *b;

	(void)state;
	b = good[0];
	assert_int_equal(good_len[0], GOOD_LEN);
	assert_int_equal(rd16(b + 0), 0x0100);
	assert_int_equal(rd32(b + 4), 0x2000);
	assert_memory_equal(b + 8, "TDX-BLOB", 8);
	assert_int_equal(rd32(b + 16), GOOD_LEN);
	for (unsigned i = 20; i < TDXBLOB_HEADER_SIZE; i++)
		assert_int_equal(b[i], 0);

	b = good[1];
	assert_int_equal(good_len[1], GOOD_LEN);
	assert_int_equal(rd16(b + 0), 0x0200);
	assert_memory_equal(b + 4, "TDX-BLOB", 8);
	assert_int_equal(rd32(b + 12), 1);
	assert_int_equal(rd32(b + 16), MODULE_PAGES);
	for (unsigned i = 20; i < TDXBLOB_HEADER_SIZE; i++)
		assert_int_equal(b[i], 0);

	for (unsigned v = 0; v < NVER; v++) {
		const uint8_t *s;

		b = good[v];
		s = b + 0x1000;
		/* Word sum 0, stored checksum included. */
		assert_int_equal(word_sum(b, good_len[v]), 0);
		/* The SIGSTRUCT page: 2 KiB, zero-padded; the module from 0x2000. */
		for (unsigned i = SIGSTRUCT_SIZE; i < TDXBLOB_PAGE; i++)
			assert_int_equal(s[i], 0);
		assert_memory_equal(b + 0x2000, module, MODULE_LEN);
		/* The SIGSTRUCT's fixed values (§8.6). */
		assert_int_equal(rd32(s + 0), 6);
		assert_int_equal(rd32(s + 4), 0xe1);
		assert_int_equal(rd32(s + 8), 0x10000);
		assert_int_equal(rd32(s + 16), 0x8086);
		assert_int_equal(rd32(s + 20), 0x20250219);
		assert_int_equal(rd32(s + 24), 0x200);
		assert_int_equal(rd32(s + 28), 0x60);
		assert_int_equal(rd32(s + 32), 0x60);
		assert_int_equal(rd32(s + 36), 1);
		assert_int_equal(rd32(s + 512), 65537);
		assert_int_equal(rd16(s + 948), 0x010b);
		assert_int_equal(rd32(s + 1024), 2);
		assert_int_equal(rd32(s + 1028), 0x806c0);
		assert_int_equal(rd32(s + 1032), 0xc06f0);
		/* The modulus little-endian: openssl's big-endian bytes reversed. */
		for (unsigned i = 0; i < SIGSTRUCT_KEY_BYTES; i++)
			assert_int_equal(s[128 + i], modulus1[SIGSTRUCT_KEY_BYTES - 1 - i]);
	}
	/* The emulated module's image header. */
	assert_memory_equal(module, "BTDXEMU1", 8);
	assert_int_equal(rd16(module + 8), 1);
	assert_int_equal(rd16(module + 10), 5);
	assert_int_equal(rd16(module + 12), 16);
	assert_int_equal(rd32(module + 16), 20250219);
	assert_int_equal(rd16(module + 20), 812);

	/* Any version numbers, the top bits included. */
	uint8_t *m = blob_emu_module(1, 0xffff, 0x8000, 0xfffe, 99991231, 0xffff);
	assert_non_null(m);
	assert_int_equal(rd16(m + 8), 0xffff);
	assert_int_equal(rd16(m + 10), 0x8000);
	assert_int_equal(rd16(m + 12), 0xfffe);
	assert_int_equal(rd32(m + 16), 99991231);
	assert_int_equal(rd16(m + 20), 0xffff);
	free(m);
}

static void test_good(void **state)
{
	static struct tdxblob b;
	uint8_t hash[48];

	(void)state;
	sha384(module, MODULE_LEN, hash);
	for (unsigned v = 0; v < NVER; v++) {
		assert_all_pass(vname(v), good[v], good_len[v], &b);
		assert_int_equal(b.len, GOOD_LEN);
		assert_int_equal(b.header_version, versions[v]);
		assert_int_equal(b.checksum, rd16(good[v] + 2));
		assert_int_equal(b.sigstruct_offset, 0x1000);
		assert_int_equal(b.module_offset, 0x2000);
		assert_int_equal(b.module_pages, MODULE_PAGES);
		assert_true(b.has_sigstruct);
		assert_int_equal(b.module_type, 0);
		assert_false(tdxblob_debug_signed(&b));
		assert_int_equal(b.vendor, 0x8086);
		assert_int_equal(b.date, 0x20250219);
		assert_int_equal(b.seamsvn, 0x010b);
		assert_int_equal(b.attributes, 0);
		assert_int_equal(b.max_tdmrs, 32);
		assert_int_equal(b.max_rsvd_per_tdmr, 16);
		assert_int_equal(b.pamt_entry_size[0], 16);
		assert_int_equal(b.pamt_entry_size[1], 8);
		assert_int_equal(b.pamt_entry_size[2], 4);
		assert_int_equal(b.module_hv, 3);
		assert_int_equal(b.min_update_hv, 1);
		assert_int_equal(b.no_downgrade, 1);
		assert_int_equal(b.ncpuids, 2);
		assert_int_equal(b.cpuids[0], 0x806c0);
		assert_int_equal(b.cpuids[1], 0xc06f0);
		assert_int_equal(b.cpuids[2], 0);
		assert_memory_equal(b.mrsigner, mrsigner1, 48);
		assert_memory_equal(b.module_hash, hash, 48);
		assert_memory_equal(b.seamhash, hash, 48);
		assert_memory_equal(b.seamhash, good[v] + 0x1000 + 900, 48);

		/* The other key's blob passes too, with another MRSIGNER. */
		assert_all_pass(vname(v), other[v], other_len[v], &b);
		assert_memory_equal(b.mrsigner, mrsigner2, 48);
	}
	assert_memory_not_equal(mrsigner1, mrsigner2, 48);
}

/* openssl itself verifies the stored signature over bytes 0-127 and
 * 900-2047 (§8.6), the signature little-endian. */
static void test_signature_openssl(void **state)
{
	char cmd[512], pub[128], sig[128], msg[128];

	(void)state;
	path(pub, sizeof(pub), "k1.pub");
	path(sig, sizeof(sig), "sig.bin");
	path(msg, sizeof(msg), "signed.bin");
	snprintf(cmd, sizeof(cmd), "openssl rsa -in '%s' -pubout -out '%s' 2>/dev/null", key1, pub);
	assert_int_equal(run(cmd, NULL, 0), 0);
	for (unsigned v = 0; v < NVER; v++) {
		const uint8_t *s = good[v] + TDXBLOB_HEADER_SIZE;
		uint8_t be[SIGSTRUCT_KEY_BYTES], signed_bytes[128 + 2048 - 900];

		for (unsigned i = 0; i < SIGSTRUCT_KEY_BYTES; i++)
			be[i] = s[516 + SIGSTRUCT_KEY_BYTES - 1 - i];
		memcpy(signed_bytes, s, 128);
		memcpy(signed_bytes + 128, s + 900, 2048 - 900);
		write_file("sig.bin", be, sizeof(be));
		write_file("signed.bin", signed_bytes, sizeof(signed_bytes));
		snprintf(cmd, sizeof(cmd),
			 "openssl dgst -sha384 -verify '%s' -signature '%s' '%s' >/dev/null 2>&1",
			 pub, sig, msg);
		assert_int_equal(run(cmd, NULL, 0), 0);
		/* And rejects it over the other bytes. */
		signed_bytes[200] ^= 1;
		write_file("signed.bin", signed_bytes, sizeof(signed_bytes));
		assert_int_not_equal(run(cmd, NULL, 0), 0);
	}
}

/* The SIGSTRUCT checks alone, as the emulated P-SEAMLDR runs them. */
static void test_check_sigstruct(void **state)
{
	static struct tdxblob b;

	(void)state;
	for (unsigned v = 0; v < NVER; v++) {
		memset(&b, 0, sizeof(b));
		b.module_pages = MODULE_PAGES;
		tdxblob_check_sigstruct(&b, good[v] + TDXBLOB_HEADER_SIZE);
		assert_consistent(&b);
		assert_int_equal(b.failed, 0);
		assert_true(b.has_sigstruct);
		assert_int_equal(b.date, 0x20250219);
		assert_memory_equal(b.mrsigner, mrsigner1, 48);
		assert_int_equal(tdxblob_first_failure(&b), TDXBLOB_NCHECKS);

		/* A SIGSTRUCT of another key's blob, the modulus swapped. */
		uint8_t s[SIGSTRUCT_SIZE];
		memcpy(s, other[v] + TDXBLOB_HEADER_SIZE, sizeof(s));
		memcpy(s + SIGSTRUCT_MODULUS, good[v] + TDXBLOB_HEADER_SIZE + SIGSTRUCT_MODULUS,
		       SIGSTRUCT_KEY_BYTES);
		memset(&b, 0, sizeof(b));
		b.module_pages = MODULE_PAGES;
		tdxblob_check_sigstruct(&b, s);
		assert_consistent(&b);
		assert_int_equal(b.failed, 1);
		assert_int_equal(tdxblob_first_failure(&b), TDXBLOB_CHECK_SIGNATURE);
	}
}

/* ---- one corruption per check --------------------------------------------- */

struct ctx {
	uint8_t *b;
	size_t len;
	unsigned v;
};

#define SIG(c)		((c)->b + TDXBLOB_HEADER_SIZE)
#define MOD(c)		((c)->b + 2 * TDXBLOB_PAGE)

static void resize(struct ctx *c, size_t len)
{
	uint8_t *n = realloc(c->b, len ? len : 1);

	assert_non_null(n);
	if (len > c->len)
		memset(n + c->len, 0, len - c->len);
	c->b = n;
	c->len = len;
}

enum {
	RESIGN = 1,		/* blob_sign with key1 after the edit */
	KEEP_CHECKSUM = 2,	/* do not fix the checksum */
	FROM_KEY2 = 4,		/* start from the blob key2 signed */
	V1 = 8, V2 = 16,	/* the header versions the case applies to */
	BOTH = V1 | V2,
};

struct corruption {
	const char *name;
	unsigned flags;
	void (*edit)(struct ctx *);	/* before signing */
	void (*after)(struct ctx *);	/* after signing, before the checksum */
	unsigned check;
	const char *needle;		/* in the check's why[] */
};

/* header */
static void e_magic(struct ctx *c) { c->b[c->v ? 4 : 8] ^= 0x20; }
static void e_magic_last(struct ctx *c) { c->b[c->v ? 11 : 15] = 'C'; }
static void e_version_0300(struct ctx *c) { wr16(c->b, 0x0300); }
static void e_version_0(struct ctx *c) { wr16(c->b, 0); }
/* The other layout's version number: "TDX-BLOB" is then in the wrong place. */
static void e_relabel(struct ctx *c) { wr16(c->b, c->v ? TDXBLOB_V1 : TDXBLOB_V2); }
static void e_short(struct ctx *c) { resize(c, TDXBLOB_HEADER_SIZE - 1); }
static void e_empty(struct ctx *c) { resize(c, 0); }

/* sizes */
static void e_total_long(struct ctx *c) { wr32(c->b + 16, (uint32_t)c->len + TDXBLOB_PAGE); }
static void e_total_short(struct ctx *c) { wr32(c->b + 16, (uint32_t)c->len - 2); }
static void e_offset_3000(struct ctx *c) { wr32(c->b + 4, 0x3000); }
static void e_offset_1000(struct ctx *c) { wr32(c->b + 4, 0x1000); }
static void e_v1_unaligned(struct ctx *c)
{
	resize(c, c->len + 2);
	wr32(c->b + 16, (uint32_t)c->len);
}
static void e_v1_header_only(struct ctx *c)
{
	resize(c, TDXBLOB_HEADER_SIZE);
	wr32(c->b + 16, (uint32_t)c->len);
}
static void e_v2_pages_5(struct ctx *c) { wr32(c->b + 16, MODULE_PAGES + 1); }
static void e_v2_pages_3(struct ctx *c) { wr32(c->b + 16, MODULE_PAGES - 1); }
static void e_v2_pages_huge(struct ctx *c) { wr32(c->b + 16, 0xffffffffu); wr32(c->b + 12, 0xffffffffu); }
static void e_v2_unaligned(struct ctx *c) { resize(c, c->len + 2); }
static void e_v2_header_only(struct ctx *c) { resize(c, TDXBLOB_HEADER_SIZE); }

/* pages */
static void e_v2_sig_pages_2(struct ctx *c)
{
	resize(c, c->len + TDXBLOB_PAGE);
	wr32(c->b + 12, 2);
}
static void e_v2_sig_pages_0(struct ctx *c)
{
	wr32(c->b + 12, 0);
	resize(c, c->len - TDXBLOB_PAGE);
}
static void e_v2_module_pages_0(struct ctx *c)
{
	resize(c, 2 * TDXBLOB_PAGE);
	wr32(c->b + 16, 0);
}
static void e_v1_module_pages_0(struct ctx *c)
{
	resize(c, 2 * TDXBLOB_PAGE);
	wr32(c->b + 16, (uint32_t)c->len);
}
static void e_module_pages_497(struct ctx *c)
{
	resize(c, (2 + TDXBLOB_MAX_MODULE_PAGES + 1) * TDXBLOB_PAGE);
	wr32(c->b + 16, c->v ? TDXBLOB_MAX_MODULE_PAGES + 1 : (uint32_t)c->len);
}

/* reserved */
static void e_reserved_20(struct ctx *c) { c->b[20] = 1; }
static void e_reserved_23(struct ctx *c) { c->b[23] = 0x40; }
static void e_reserved_last(struct ctx *c) { c->b[TDXBLOB_HEADER_SIZE - 1] = 0x80; }

/* checksum */
static void e_checksum_field(struct ctx *c) { c->b[2] ^= 1; }
static void e_checksum_top(struct ctx *c) { c->b[3] ^= 0x80; }
static void e_checksum_module(struct ctx *c)
{
	/* The module changed, SEAMHASH and the signature made right, the
	 * checksum left as it was (unless the sum happens to come out 0:
	 * then change another byte). */
	for (unsigned i = 0; i < 64; i++) {
		char why[160];

		MOD(c)[100 + i] ^= 0x5a;
		blob_fix_seamhash(c->b, c->len);
		assert_int_equal(blob_sign(c->b, c->len, key1, why, sizeof(why)), 0);
		if (word_sum(c->b, c->len))
			return;
	}
	fail_msg("word sum stayed 0");
}

/* sigstruct_header */
static void e_type_7(struct ctx *c) { wr32(SIG(c) + 0, 7); }
static void e_hlen(struct ctx *c) { wr32(SIG(c) + 4, 0xe2); }
static void e_hver(struct ctx *c) { wr32(SIG(c) + 8, 0x20000); }
static void e_size(struct ctx *c) { wr32(SIG(c) + 24, 0x1ff); }

/* vendor */
static void e_vendor(struct ctx *c) { wr32(SIG(c) + 16, 0x1234); }

/* key_sizes */
static void e_key_size(struct ctx *c) { wr32(SIG(c) + 28, 0x40); }
static void e_modulus_size(struct ctx *c) { wr32(SIG(c) + 32, 0x40); }
static void e_exponent_size(struct ctx *c) { wr32(SIG(c) + 36, 2); }
static void e_exponent_3(struct ctx *c) { wr32(SIG(c) + 512, 3); }

/* sigstruct_reserved */
static void e_rsvd0_first(struct ctx *c) { SIG(c)[40] = 1; }
static void e_rsvd0_last(struct ctx *c) { SIG(c)[127] = 0x10; }
static void e_rsvd1(struct ctx *c) { SIG(c)[983] = 2; }
static void e_rsvd2(struct ctx *c) { SIG(c)[989] = 1; }
static void e_rsvd3_first(struct ctx *c) { SIG(c)[1000] = 1; }
static void e_rsvd3_last(struct ctx *c) { SIG(c)[1023] = 0xff; }
static void e_type_bit0(struct ctx *c) { wr32(SIG(c) + 12, 1); }
static void e_type_bit30(struct ctx *c) { wr32(SIG(c) + 12, 1u << 30 | 1u << 31); }
static void e_attributes(struct ctx *c) { SIG(c)[950] = 1; }
static void e_attributes_top(struct ctx *c) { SIG(c)[957] = 0x80; }

/* sigstruct_fields */
static void e_svn_major_0(struct ctx *c) { wr16(SIG(c) + 948, 0x00ff); }
static void e_min_update_hv(struct ctx *c) { wr16(SIG(c) + 986, 4); }
static void e_no_cpuids(struct ctx *c) { wr32(SIG(c) + 1024, 0); }
static void e_cpuids_300(struct ctx *c) { wr32(SIG(c) + 1024, 300); }
static void e_cpuids_256(struct ctx *c) { wr32(SIG(c) + 1024, 256); }
static void e_gdt_unaligned(struct ctx *c)
{
	wr32(SIG(c) + 992, 0x800);
	wr32(SIG(c) + 996, 0x10);
}
static void e_gdt_without_fw(struct ctx *c) { wr32(SIG(c) + 992, 0x1000); }
static void e_fw_without_gdt(struct ctx *c) { wr32(SIG(c) + 996, 0x10); }
static void e_gdt_outside(struct ctx *c)
{
	wr32(SIG(c) + 992, MODULE_LEN);
	wr32(SIG(c) + 996, 0x10);
}
static void e_fw_outside(struct ctx *c)
{
	wr32(SIG(c) + 992, 0x1000);
	wr32(SIG(c) + 996, MODULE_LEN);
}

/* seamhash */
static void e_module_byte(struct ctx *c) { MOD(c)[MODULE_LEN - 1] ^= 1; }
static void e_module_header(struct ctx *c) { MOD(c)[0] = 'b'; }
static void e_seamhash_byte(struct ctx *c) { SIG(c)[900 + 47] ^= 0x80; }

/* signature */
static void e_signature_byte(struct ctx *c) { SIG(c)[516 + 7] ^= 1; }
static void e_signature_top(struct ctx *c) { SIG(c)[516 + 383] ^= 0x40; }
static void e_date(struct ctx *c) { SIG(c)[20] ^= 1; }		/* signed head */
static void e_max_tdmrs(struct ctx *c) { SIG(c)[968] ^= 1; }	/* signed tail */
static void e_cpuid_entry(struct ctx *c) { SIG(c)[2047] = 1; }	/* last signed byte */
static void e_modulus_byte(struct ctx *c) { SIG(c)[128 + 100] ^= 4; }
static void e_key1_modulus(struct ctx *c)
{
	memcpy(SIG(c) + SIGSTRUCT_MODULUS, good[c->v] + TDXBLOB_HEADER_SIZE + SIGSTRUCT_MODULUS,
	       SIGSTRUCT_KEY_BYTES);
}

#define H TDXBLOB_CHECK_HEADER
static const struct corruption corruptions[] = {
	{ "bad magic", BOTH, e_magic, NULL, H, "TDX-BLOB" },
	{ "magic's last byte", BOTH, e_magic_last, NULL, H, "TDX-BLOB" },
	{ "version 0x0300", BOTH, e_version_0300, NULL, H, "0x0300" },
	{ "version 0", BOTH, e_version_0, NULL, H, "0x0000" },
	{ "the other layout's version", BOTH, e_relabel, NULL, H, "TDX-BLOB" },
	{ "4095 bytes", BOTH, e_short, NULL, H, "4095" },
	{ "empty file", BOTH | KEEP_CHECKSUM, e_empty, NULL, H, "shorter" },

	{ "v1 total length too big", V1, e_total_long, NULL, TDXBLOB_CHECK_SIZES, "total length" },
	{ "v1 total length too small", V1, e_total_short, NULL, TDXBLOB_CHECK_SIZES, "total length" },
	{ "v1 module offset 0x3000", V1, e_offset_3000, NULL, TDXBLOB_CHECK_SIZES, "0x3000" },
	{ "v1 module offset 0x1000", V1, e_offset_1000, NULL, TDXBLOB_CHECK_SIZES, "0x1000" },
	{ "v1 file not a multiple of 4096", V1, e_v1_unaligned, NULL, TDXBLOB_CHECK_SIZES,
	  "multiple of 4096" },
	{ "v1 header only", V1, e_v1_header_only, NULL, TDXBLOB_CHECK_SIZES, "0x2000" },
	{ "v2 module_nr_pages 5 in a 4-page file", V2, e_v2_pages_5, NULL, TDXBLOB_CHECK_SIZES,
	  "5 module pages" },
	{ "v2 module_nr_pages 3 in a 4-page file", V2, e_v2_pages_3, NULL, TDXBLOB_CHECK_SIZES,
	  "3 module pages" },
	{ "v2 page counts 0xffffffff", V2, e_v2_pages_huge, NULL, TDXBLOB_CHECK_SIZES,
	  "4294967295 module pages" },
	{ "v2 file not a multiple of 4096", V2, e_v2_unaligned, NULL, TDXBLOB_CHECK_SIZES,
	  "file is 24578" },
	{ "v2 header only", V2, e_v2_header_only, NULL, TDXBLOB_CHECK_SIZES, "file is 4096" },

	{ "v2 2 SIGSTRUCT pages", V2, e_v2_sig_pages_2, NULL, TDXBLOB_CHECK_PAGES,
	  "2 SIGSTRUCT pages" },
	{ "v2 0 SIGSTRUCT pages", V2, e_v2_sig_pages_0, NULL, TDXBLOB_CHECK_PAGES,
	  "0 SIGSTRUCT pages" },
	{ "v2 0 module pages", V2, e_v2_module_pages_0, NULL, TDXBLOB_CHECK_PAGES,
	  "0 module pages" },
	{ "v1 0 module pages", V1, e_v1_module_pages_0, NULL, TDXBLOB_CHECK_PAGES,
	  "0 module pages" },
	{ "497 module pages", BOTH, e_module_pages_497, NULL, TDXBLOB_CHECK_PAGES,
	  "497 module pages" },

	{ "header byte +20", BOTH, e_reserved_20, NULL, TDXBLOB_CHECK_RESERVED, "+20" },
	{ "header byte +23", BOTH, e_reserved_23, NULL, TDXBLOB_CHECK_RESERVED, "+23" },
	{ "header byte +4095", BOTH, e_reserved_last, NULL, TDXBLOB_CHECK_RESERVED, "+4095" },

	{ "stored checksum", BOTH | KEEP_CHECKSUM, e_checksum_field, NULL, TDXBLOB_CHECK_CHECKSUM,
	  "word sum" },
	{ "stored checksum's top bit", BOTH | KEEP_CHECKSUM, e_checksum_top, NULL,
	  TDXBLOB_CHECK_CHECKSUM, "word sum is 0x8000" },
	{ "module edited, hash and signature fixed", BOTH | KEEP_CHECKSUM, e_checksum_module, NULL,
	  TDXBLOB_CHECK_CHECKSUM, "word sum" },

	{ "SIGSTRUCT type 7", BOTH | RESIGN, e_type_7, NULL, TDXBLOB_CHECK_SIGSTRUCT_HEADER,
	  "type 7" },
	{ "SIGSTRUCT header length", BOTH | RESIGN, e_hlen, NULL, TDXBLOB_CHECK_SIGSTRUCT_HEADER,
	  "length 0xe2" },
	{ "SIGSTRUCT header version", BOTH | RESIGN, e_hver, NULL, TDXBLOB_CHECK_SIGSTRUCT_HEADER,
	  "version 0x20000" },
	{ "SIGSTRUCT size", BOTH | RESIGN, e_size, NULL, TDXBLOB_CHECK_SIGSTRUCT_HEADER,
	  "size 0x1ff" },

	{ "vendor 0x1234", BOTH | RESIGN, e_vendor, NULL, TDXBLOB_CHECK_VENDOR, "0x1234" },

	{ "key size 0x40", BOTH | RESIGN, e_key_size, NULL, TDXBLOB_CHECK_KEY_SIZES,
	  "key size 0x40" },
	{ "modulus size 0x40", BOTH | RESIGN, e_modulus_size, NULL, TDXBLOB_CHECK_KEY_SIZES,
	  "modulus size 0x40" },
	{ "exponent size 2", BOTH | RESIGN, e_exponent_size, NULL, TDXBLOB_CHECK_KEY_SIZES,
	  "exponent size 2" },
	{ "exponent 3", BOTH | RESIGN, NULL, e_exponent_3, TDXBLOB_CHECK_KEY_SIZES, "exponent 3" },

	{ "reserved0 first byte", BOTH | RESIGN, e_rsvd0_first, NULL,
	  TDXBLOB_CHECK_SIGSTRUCT_RESERVED, "reserved0" },
	{ "reserved0 last byte", BOTH | RESIGN, e_rsvd0_last, NULL,
	  TDXBLOB_CHECK_SIGSTRUCT_RESERVED, "reserved0" },
	{ "reserved1", BOTH | RESIGN, e_rsvd1, NULL, TDXBLOB_CHECK_SIGSTRUCT_RESERVED, "reserved1" },
	{ "reserved2", BOTH | RESIGN, e_rsvd2, NULL, TDXBLOB_CHECK_SIGSTRUCT_RESERVED, "reserved2" },
	{ "reserved3 first byte", BOTH | RESIGN, e_rsvd3_first, NULL,
	  TDXBLOB_CHECK_SIGSTRUCT_RESERVED, "reserved3" },
	{ "reserved3 last byte", BOTH | RESIGN, e_rsvd3_last, NULL,
	  TDXBLOB_CHECK_SIGSTRUCT_RESERVED, "reserved3" },
	{ "module type bit 0", BOTH | RESIGN, e_type_bit0, NULL, TDXBLOB_CHECK_SIGSTRUCT_RESERVED,
	  "module type 0x1" },
	{ "module type bit 30", BOTH | RESIGN, e_type_bit30, NULL, TDXBLOB_CHECK_SIGSTRUCT_RESERVED,
	  "module type 0xc0000000" },
	{ "attributes 1", BOTH | RESIGN, e_attributes, NULL, TDXBLOB_CHECK_SIGSTRUCT_RESERVED,
	  "attributes 0x1," },
	{ "attributes bit 63", BOTH | RESIGN, e_attributes_top, NULL,
	  TDXBLOB_CHECK_SIGSTRUCT_RESERVED, "attributes 0x8000000000000000" },

	{ "SEAMSVN major 0", BOTH | RESIGN, e_svn_major_0, NULL, TDXBLOB_CHECK_SIGSTRUCT_FIELDS,
	  "major version 0" },
	{ "min_update_hv above module_hv", BOTH | RESIGN, e_min_update_hv, NULL,
	  TDXBLOB_CHECK_SIGSTRUCT_FIELDS, "min_update_hv 4 is above module_hv 3" },
	{ "production-signed, no CPUID table", BOTH | RESIGN, e_no_cpuids, NULL,
	  TDXBLOB_CHECK_SIGSTRUCT_FIELDS, "without a CPUID table" },
	{ "CPUID table of 300", BOTH | RESIGN, e_cpuids_300, NULL, TDXBLOB_CHECK_SIGSTRUCT_FIELDS,
	  "300 entries" },
	{ "CPUID table of 256", BOTH | RESIGN, e_cpuids_256, NULL, TDXBLOB_CHECK_SIGSTRUCT_FIELDS,
	  "256 entries" },
	{ "GDT/IDT offset not page-aligned", BOTH | RESIGN, e_gdt_unaligned, NULL,
	  TDXBLOB_CHECK_SIGSTRUCT_FIELDS, "GDT/IDT offset 0x800" },
	{ "GDT/IDT offset without fault wrapper", BOTH | RESIGN, e_gdt_without_fw, NULL,
	  TDXBLOB_CHECK_SIGSTRUCT_FIELDS, "disagree" },
	{ "fault wrapper without GDT/IDT offset", BOTH | RESIGN, e_fw_without_gdt, NULL,
	  TDXBLOB_CHECK_SIGSTRUCT_FIELDS, "disagree" },
	{ "GDT/IDT page past the module", BOTH | RESIGN, e_gdt_outside, NULL,
	  TDXBLOB_CHECK_SIGSTRUCT_FIELDS, "outside the 16384-byte module" },
	{ "fault wrapper past the module", BOTH | RESIGN, e_fw_outside, NULL,
	  TDXBLOB_CHECK_SIGSTRUCT_FIELDS, "outside the 16384-byte module" },

	{ "module's last byte", BOTH, e_module_byte, NULL, TDXBLOB_CHECK_SEAMHASH, "SEAMHASH" },
	{ "module's first byte", BOTH, e_module_header, NULL, TDXBLOB_CHECK_SEAMHASH, "SEAMHASH" },
	{ "stored SEAMHASH, re-signed", BOTH | RESIGN, e_seamhash_byte, NULL,
	  TDXBLOB_CHECK_SEAMHASH, "SEAMHASH" },

	{ "signature's low byte", BOTH, e_signature_byte, NULL, TDXBLOB_CHECK_SIGNATURE,
	  "signature" },
	{ "signature's top byte", BOTH, e_signature_top, NULL, TDXBLOB_CHECK_SIGNATURE,
	  "signature" },
	{ "date, not re-signed", BOTH, e_date, NULL, TDXBLOB_CHECK_SIGNATURE, "signature" },
	{ "max_tdmrs, not re-signed", BOTH, e_max_tdmrs, NULL, TDXBLOB_CHECK_SIGNATURE,
	  "signature" },
	{ "SIGSTRUCT byte 2047, not re-signed", BOTH, e_cpuid_entry, NULL, TDXBLOB_CHECK_SIGNATURE,
	  "signature" },
	{ "modulus byte", BOTH, e_modulus_byte, NULL, TDXBLOB_CHECK_SIGNATURE, "signature" },
	{ "signed by another key, key1's modulus", BOTH | FROM_KEY2, e_key1_modulus, NULL,
	  TDXBLOB_CHECK_SIGNATURE, "signature" },
};
#undef H

static unsigned ncases[TDXBLOB_NCHECKS];

static void apply(const struct corruption *k, unsigned v, struct ctx *c)
{
	const uint8_t *from = k->flags & FROM_KEY2 ? other[v] : good[v];
	size_t len = k->flags & FROM_KEY2 ? other_len[v] : good_len[v];
	char why[160];

	c->v = v;
	c->len = len;
	c->b = malloc(len);
	assert_non_null(c->b);
	memcpy(c->b, from, len);
	if (k->edit)
		k->edit(c);
	if (k->flags & RESIGN) {
		if (blob_sign(c->b, c->len, key1, why, sizeof(why)))
			fail_msg("blob_sign: %s", why);
	}
	if (k->after)
		k->after(c);
	if (!(k->flags & KEEP_CHECKSUM))
		blob_fix_checksum(c->b, c->len);
}

/* Every corruption of one check, on both layouts where it applies: that
 * check fails, first, alone, and says why; later checks that cannot run
 * are SKIP with a reason. */
static void test_reject(void **state)
{
	const unsigned check = *(const unsigned *)*state;
	static struct tdxblob b;
	unsigned n = 0;

	for (size_t i = 0; i < sizeof(corruptions) / sizeof(corruptions[0]); i++) {
		const struct corruption *k = &corruptions[i];

		if (k->check != check)
			continue;
		for (unsigned v = 0; v < NVER; v++) {
			struct ctx c;
			char what[128];

			if (!(k->flags & (v ? V2 : V1)))
				continue;
			snprintf(what, sizeof(what), "%s: %s", vname(v), k->name);
			apply(k, v, &c);
			tdxblob_parse(c.b, c.len, &b);
			if (tdxblob_first_failure(&b) != check || b.failed != 1 ||
			    !strstr(b.why[check], k->needle)) {
				dump(what, &b);
				print_message("  expected %s failing with \"%s\"\n",
					      tdxblob_check_name(check), k->needle);
			}
			assert_consistent(&b);
			assert_int_equal(tdxblob_first_failure(&b), check);
			assert_int_equal(b.result[check], TDXBLOB_FAIL);
			assert_int_equal(b.failed, 1);
			assert_non_null(strstr(b.why[check], k->needle));
			assert_int_equal(b.len, c.len);
			/* The checks a failure stops are SKIP and name it. */
			for (unsigned o = 0; o < TDXBLOB_NCHECKS; o++)
				if (b.result[o] == TDXBLOB_SKIP)
					assert_non_null(strstr(b.why[o], tdxblob_check_name(check)));
			if (check == TDXBLOB_CHECK_HEADER) {
				for (unsigned o = check + 1; o < TDXBLOB_NCHECKS; o++)
					assert_int_equal(b.result[o], TDXBLOB_SKIP);
				assert_false(b.has_sigstruct);
			}
			if (check == TDXBLOB_CHECK_SIZES || check == TDXBLOB_CHECK_PAGES) {
				for (unsigned o = TDXBLOB_CHECK_SIGSTRUCT_HEADER; o < TDXBLOB_NCHECKS; o++)
					assert_int_equal(b.result[o], TDXBLOB_SKIP);
				assert_false(b.has_sigstruct);
				assert_int_equal(b.module_pages, 0);
			}
			if (check == TDXBLOB_CHECK_KEY_SIZES)
				assert_int_equal(b.result[TDXBLOB_CHECK_SIGNATURE], TDXBLOB_SKIP);
			if (check >= TDXBLOB_CHECK_SIGSTRUCT_HEADER)
				assert_true(b.has_sigstruct);
			free(c.b);
			n++;
		}
	}
	ncases[check] = n;
	assert_true(n > 0);
}

/* Variants the checks must let through. */
static void e_ok_debug_no_cpuids(struct ctx *c)
{
	wr32(SIG(c) + 12, SIGSTRUCT_MODULE_TYPE_DEBUG);
	wr32(SIG(c) + 1024, 0);
}
static void e_ok_gdt(struct ctx *c)
{
	wr32(SIG(c) + 992, MODULE_LEN - TDXBLOB_PAGE);
	wr32(SIG(c) + 996, MODULE_LEN - 1);
}
static void e_ok_255_cpuids(struct ctx *c) { wr32(SIG(c) + 1024, 255); }
static void e_ok_hv_equal(struct ctx *c) { wr16(SIG(c) + 986, 3); }
static void e_ok_unsigned_bytes(struct ctx *c) { SIG(c)[2048] = 0xff; SIG(c)[4095] = 1; }
static void e_ok_496(struct ctx *c)
{
	resize(c, (2 + TDXBLOB_MAX_MODULE_PAGES) * TDXBLOB_PAGE);
	if (c->v)
		wr32(c->b + 16, TDXBLOB_MAX_MODULE_PAGES);
	else
		wr32(c->b + 16, (uint32_t)c->len);
	blob_fix_seamhash(c->b, c->len);
}

static void test_accept(void **state)
{
	static const struct corruption ok[] = {
		{ "debug-signed, no CPUID table", BOTH | RESIGN, e_ok_debug_no_cpuids, NULL, 0, "" },
		{ "GDT/IDT and fault wrapper at the module's end", BOTH | RESIGN, e_ok_gdt, NULL, 0, "" },
		{ "255 CPUID entries", BOTH | RESIGN, e_ok_255_cpuids, NULL, 0, "" },
		{ "min_update_hv == module_hv", BOTH | RESIGN, e_ok_hv_equal, NULL, 0, "" },
		/* The SIGSTRUCT page past 2 KiB is neither signed nor checked. */
		{ "SIGSTRUCT page padding", BOTH, e_ok_unsigned_bytes, NULL, 0, "" },
		{ "496 module pages", BOTH | RESIGN, e_ok_496, NULL, 0, "" },
	};
	static struct tdxblob b;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		for (unsigned v = 0; v < NVER; v++) {
			struct ctx c;
			char what[128];

			snprintf(what, sizeof(what), "%s: %s", vname(v), ok[i].name);
			apply(&ok[i], v, &c);
			assert_all_pass(what, c.b, c.len, &b);
			free(c.b);
		}
	}
}

/* ---- the CPUID table ------------------------------------------------------ */

static void test_cpu_supported(void **state)
{
	static const struct corruption debug_any = {
		"debug", BOTH | RESIGN, e_ok_debug_no_cpuids, NULL, 0, ""
	};
	static struct tdxblob b;
	struct ctx c;

	(void)state;
	assert_all_pass("v1", good[0], good_len[0], &b);	/* 0x806c0, 0xc06f0 */
	assert_true(tdxblob_cpu_supported(&b, 0x806c0));
	assert_true(tdxblob_cpu_supported(&b, 0x806c1));	/* stepping ignored */
	assert_true(tdxblob_cpu_supported(&b, 0x806cf));
	assert_true(tdxblob_cpu_supported(&b, 0xc06f8));
	assert_false(tdxblob_cpu_supported(&b, 0x806d1));	/* another model */
	assert_false(tdxblob_cpu_supported(&b, 0x806b0));
	assert_false(tdxblob_cpu_supported(&b, 0x906c0));	/* another ext. model */
	assert_false(tdxblob_cpu_supported(&b, 0x1806c0));	/* another ext. family */
	assert_false(tdxblob_cpu_supported(&b, 0x807c0));	/* another family */
	assert_false(tdxblob_cpu_supported(&b, 0x0806c0 | 0x1000)); /* type bits */
	assert_false(tdxblob_cpu_supported(&b, 0));
	assert_false(tdxblob_debug_signed(&b));

	/* An empty table, debug-signed: any CPU. */
	apply(&debug_any, 1, &c);
	assert_all_pass("v2 debug", c.b, c.len, &b);
	free(c.b);
	assert_true(tdxblob_debug_signed(&b));
	assert_int_equal(b.ncpuids, 0);
	assert_true(tdxblob_cpu_supported(&b, 0x806d1));
	assert_true(tdxblob_cpu_supported(&b, 0));
	assert_true(tdxblob_cpu_supported(&b, 0xffffffffu));

	/* No SIGSTRUCT: nothing runs it. */
	tdxblob_parse(good[0], TDXBLOB_HEADER_SIZE - 1, &b);
	assert_false(b.has_sigstruct);
	assert_false(tdxblob_cpu_supported(&b, 0x806c0));
}

/* ---- the tool ------------------------------------------------------------- */

static const char *tool(void)
{
	const char *t = getenv("TDXBLOB_TOOL");

	t = t && *t ? t : "build/tools/tdxblob";
	if (access(t, X_OK))
		fail_msg("%s is missing: make build/tools/tdxblob (or set TDXBLOB_TOOL)", t);
	return t;
}

static int info(const char *file, bool json, char *out, size_t cap)
{
	char cmd[512], p[128];

	path(p, sizeof(p), file);
	snprintf(cmd, sizeof(cmd), "'%s' info '%s'%s 2>/dev/null", tool(), p, json ? " --json" : "");
	return run(cmd, out, cap);
}

static void assert_has(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("\"%s\" not in: %s", needle, text);
}

static void test_tool_info(void **state)
{
	static char out[16384];
	char hex[97], want[160];
	uint8_t *bad;

	(void)state;
	to_hex(hex, mrsigner1, 48);
	snprintf(want, sizeof(want), "\"mrsigner\": \"%s\"", hex);

	write_file("good1.blob", good[0], good_len[0]);
	assert_int_equal(info("good1.blob", true, out, sizeof(out)), 0);
	assert_has(out, "\"header_version\": 256,");
	assert_has(out, "\"module_pages\": 4,");
	assert_has(out, "\"date\": \"20250219\"");
	assert_has(out, "\"svn\": 267,");
	assert_has(out, "\"max_tdmrs\": 32,");
	assert_has(out, "\"cpuids\": [526016, 788208]");
	assert_has(out, "\"checksum_ok\": true");
	assert_has(out, "\"seamhash_ok\": true");
	assert_has(out, "\"signature_ok\": true");
	assert_has(out, "\"ok\": true}");
	assert_has(out, want);

	write_file("good2.blob", good[1], good_len[1]);
	assert_int_equal(info("good2.blob", true, out, sizeof(out)), 0);
	assert_has(out, "\"header_version\": 512,");
	assert_has(out, want);
	assert_int_equal(info("good2.blob", false, out, sizeof(out)), 0);
	assert_has(out, "all checks pass");

	/* A signature byte flipped: exit 1, only the signature fails. */
	bad = malloc(good_len[0]);
	assert_non_null(bad);
	memcpy(bad, good[0], good_len[0]);
	bad[TDXBLOB_HEADER_SIZE + 600] ^= 1;
	blob_fix_checksum(bad, good_len[0]);
	write_file("bad1.blob", bad, good_len[0]);
	assert_int_equal(info("bad1.blob", true, out, sizeof(out)), 1);
	assert_has(out, "\"signature_ok\": false");
	assert_has(out, "\"checksum_ok\": true");
	assert_has(out, "\"seamhash_ok\": true");
	assert_has(out, "\"signature\": {\"result\": \"fail\"");
	assert_has(out, "\"ok\": false}");
	assert_int_equal(info("bad1.blob", false, out, sizeof(out)), 1);
	assert_has(out, "REJECTED");

	/* The checksum left wrong as well. */
	bad[2] ^= 0x10;
	write_file("bad2.blob", bad, good_len[0]);
	assert_int_equal(info("bad2.blob", true, out, sizeof(out)), 1);
	assert_has(out, "\"checksum_ok\": false");
	free(bad);

	/* Not a blob; no file at all. */
	write_file("text.blob", "hello\n", 6);
	assert_int_equal(info("text.blob", true, out, sizeof(out)), 1);
	assert_has(out, "\"header_ok\": false");
	assert_has(out, "\"header\": {\"result\": \"fail\", \"why\": \"file is 6 bytes");
	assert_int_equal(info("missing.blob", true, out, sizeof(out)), 2);
}

static void test_tool_make(void **state)
{
	static char out[16384];
	static struct tdxblob b;
	char cmd[1024], p[128], hex[97], want[160];
	uint8_t *blob, *emu;
	size_t len;

	(void)state;
	path(p, sizeof(p), "made2.blob");
	snprintf(cmd, sizeof(cmd),
		 "'%s' make --key '%s' --out '%s' --header 2 --emu-version 1.5.16 --emu-pages 4 "
		 "--date 20250219 --svn 1.11 --cpuid 0x806c0,0xc06f0 --max-tdmrs 32 2>&1",
		 tool(), key1, p);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	assert_int_equal(info("made2.blob", true, out, sizeof(out)), 0);
	to_hex(hex, mrsigner1, 48);
	snprintf(want, sizeof(want), "\"mrsigner\": \"%s\"", hex);
	assert_has(out, "\"header_version\": 512,");
	assert_has(out, "\"module_pages\": 4,");
	assert_has(out, "\"signature_ok\": true");
	assert_has(out, want);

	blob = read_file("made2.blob", &len);
	assert_int_equal(len, GOOD_LEN);
	assert_int_equal(rd16(blob), 0x0200);
	assert_memory_equal(blob + 4, "TDX-BLOB", 8);
	assert_int_equal(rd32(blob + 12), 1);
	assert_int_equal(rd32(blob + 16), MODULE_PAGES);
	assert_all_pass("made2", blob, len, &b);
	assert_int_equal(b.date, 0x20250219);
	assert_int_equal(b.seamsvn, 0x010b);
	assert_int_equal(b.max_tdmrs, 32);
	assert_int_equal(b.ncpuids, 2);
	assert_int_equal(b.cpuids[1], 0xc06f0);
	assert_memory_equal(b.mrsigner, mrsigner1, 48);
	/* The module: the emulated image, build date the SIGSTRUCT's in decimal. */
	emu = blob_emu_module(MODULE_PAGES, 1, 5, 16, 20250219, 1);
	assert_non_null(emu);
	assert_memory_equal(blob + 0x2000, emu, MODULE_LEN);
	free(emu);
	free(blob);

	/* Header 1 (the default), debug-signed, any module file padded to 4 KiB. */
	write_file("raw.bin", "\x90\x90\xc3", 3);
	snprintf(cmd, sizeof(cmd), "'%s' make --key '%s' --out '%s/made1.blob' --module '%s/raw.bin' "
		 "--debug 2>&1", tool(), key2, dir, dir);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	blob = read_file("made1.blob", &len);
	assert_int_equal(len, 3 * TDXBLOB_PAGE);
	assert_int_equal(rd16(blob), 0x0100);
	assert_int_equal(rd32(blob + 16), 3 * TDXBLOB_PAGE);
	assert_all_pass("made1", blob, len, &b);
	assert_true(tdxblob_debug_signed(&b));
	assert_memory_equal(b.mrsigner, mrsigner2, 48);
	assert_memory_equal(blob + 0x2000, "\x90\x90\xc3\0", 4);
	free(blob);
	assert_int_equal(info("made1.blob", true, out, sizeof(out)), 0);

	/* Bad usage. */
	snprintf(cmd, sizeof(cmd), "'%s' make --key '%s' --out '%s/x.blob' --header 3 "
		 "--emu-version 1.5.16 2>/dev/null", tool(), key1, dir);
	assert_int_equal(run(cmd, NULL, 0), 2);
	snprintf(cmd, sizeof(cmd), "'%s' make --out '%s/x.blob' --emu-version 1.5.16 2>/dev/null",
		 tool(), dir);
	assert_int_equal(run(cmd, NULL, 0), 2);
	snprintf(cmd, sizeof(cmd), "'%s' 2>/dev/null", tool());
	assert_int_equal(run(cmd, NULL, 0), 2);
}

/* Last: how many corruptions each check saw. */
static void test_summary(void **state)
{
	unsigned total = 0;

	(void)state;
	for (unsigned c = 0; c < TDXBLOB_NCHECKS; c++) {
		assert_true(ncases[c] > 0);
		total += ncases[c];
	}
	print_message("%u corrupted blobs, every check rejected at least one\n", total);
}

static const unsigned check_ids[TDXBLOB_NCHECKS] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
};

#define REJECT(c) { "reject_" #c, test_reject, NULL, NULL, (void *)&check_ids[TDXBLOB_CHECK_##c] }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_signature_openssl),
		cmocka_unit_test(test_check_sigstruct),
		REJECT(HEADER),
		REJECT(SIZES),
		REJECT(PAGES),
		REJECT(RESERVED),
		REJECT(CHECKSUM),
		REJECT(SIGSTRUCT_HEADER),
		REJECT(VENDOR),
		REJECT(KEY_SIZES),
		REJECT(SIGSTRUCT_RESERVED),
		REJECT(SIGSTRUCT_FIELDS),
		REJECT(SEAMHASH),
		REJECT(SIGNATURE),
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_cpu_supported),
		cmocka_unit_test(test_tool_info),
		cmocka_unit_test(test_tool_make),
		cmocka_unit_test(test_summary),
	};

	_Static_assert(TDXBLOB_NCHECKS == 12, "check_ids covers every check");
	return cmocka_run_group_tests(tests, setup, teardown);
}
