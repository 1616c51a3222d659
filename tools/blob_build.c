/* Host-side TDX module blob builder; see tools/blob_build.h. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seam/emu/emu.h"
#include "seam/sha384.h"
#include "seam/tdxblob.h"
#include "tools/blob_build.h"

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

static void say(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (!why || !n)
		return;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

uint8_t *blob_emu_module(unsigned pages, uint16_t major, uint16_t minor,
			 uint16_t update, uint32_t build_date, uint16_t build_num)
{
	uint8_t *m = calloc(pages ? pages : 1, TDXBLOB_PAGE);
	uint64_t x = 0x9e3779b97f4a7c15ull ^ ((uint64_t)major << 32 | (uint64_t)minor << 16 | update);

	if (!m)
		return NULL;
	for (size_t i = 0; i < (size_t)pages * TDXBLOB_PAGE; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		m[i] = (uint8_t)x;
	}
	memcpy(m, EMU_MODULE_IMAGE_MAGIC, 8);
	wr16(m + 8, major);
	wr16(m + 10, minor);
	wr16(m + 12, update);
	wr16(m + 14, 0);
	wr32(m + 16, build_date);
	wr16(m + 20, build_num);
	wr16(m + 22, 0);
	return m;
}

size_t blob_sigstruct_offset(const uint8_t *blob)
{
	(void)blob;
	return TDXBLOB_HEADER_SIZE;	/* both layouts */
}

static size_t module_offset(void)
{
	return TDXBLOB_HEADER_SIZE + TDXBLOB_PAGE;
}

void blob_fix_seamhash(uint8_t *blob, size_t len)
{
	sha384(blob + module_offset(), len - module_offset(),
	       blob + blob_sigstruct_offset(blob) + SIGSTRUCT_SEAMHASH);
}

void blob_fix_checksum(uint8_t *blob, size_t len)
{
	uint32_t sum = 0;

	wr16(blob + 2, 0);
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)blob[i] | (uint32_t)blob[i + 1] << 8;
	wr16(blob + 2, (0x10000u - (sum & 0xffff)) & 0xffff);
}

/* Runs cmd; returns its stdout (at most cap bytes) length, or -1. */
static long run(const char *cmd, uint8_t *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	if (!p)
		return -1;
	n = fread(out, 1, cap, p);
	if (pclose(p) != 0)
		return -1;
	return (long)n;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int blob_sign(uint8_t *blob, size_t len, const char *key_pem, char *why, size_t why_len)
{
	uint8_t *s = blob + blob_sigstruct_offset(blob);
	char dir[] = "/tmp/tdxblob-XXXXXX", path[64], cmd[512];
	uint8_t text[2048], sig[SIGSTRUCT_KEY_BYTES];
	const char *hex;
	long n;
	FILE *f;
	int rc = -1;

	(void)len;
	if (!mkdtemp(dir)) {
		say(why, why_len, "cannot make a temporary directory");
		return -1;
	}
	/* The modulus, big-endian hex from openssl, stored little-endian. */
	snprintf(cmd, sizeof(cmd), "openssl rsa -in '%s' -noout -modulus 2>/dev/null", key_pem);
	n = run(cmd, text, sizeof(text) - 1);
	if (n < 0 || !(text[n] = 0, hex = strstr((char *)text, "Modulus="))) {
		say(why, why_len, "%s: not an RSA private key openssl can read", key_pem);
		goto out;
	}
	hex += 8;
	if (strcspn(hex, "\r\n") != 2 * SIGSTRUCT_KEY_BYTES) {
		say(why, why_len, "%s: not an RSA-3072 key", key_pem);
		goto out;
	}
	for (unsigned i = 0; i < SIGSTRUCT_KEY_BYTES; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			say(why, why_len, "%s: bad modulus from openssl", key_pem);
			goto out;
		}
		s[SIGSTRUCT_MODULUS + SIGSTRUCT_KEY_BYTES - 1 - i] = (uint8_t)(hi << 4 | lo);
	}
	wr32(s + SIGSTRUCT_EXPONENT, SIGSTRUCT_RSA_EXPONENT);
	/* The signed bytes: [0, 128) and [900, 2048). */
	snprintf(path, sizeof(path), "%s/signed", dir);
	if (!(f = fopen(path, "wb"))) {
		say(why, why_len, "cannot write %s", path);
		goto out;
	}
	fwrite(s, 1, SIGSTRUCT_SIGNED_HEAD, f);
	fwrite(s + SIGSTRUCT_SIGNED_TAIL, 1, SIGSTRUCT_SIZE - SIGSTRUCT_SIGNED_TAIL, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "openssl dgst -sha384 -sign '%s' '%s' 2>/dev/null", key_pem, path);
	n = run(cmd, sig, sizeof(sig));
	unlink(path);
	if (n != (long)sizeof(sig)) {
		say(why, why_len, "openssl could not sign with %s", key_pem);
		goto out;
	}
	for (unsigned i = 0; i < SIGSTRUCT_KEY_BYTES; i++)
		s[SIGSTRUCT_SIGNATURE + i] = sig[SIGSTRUCT_KEY_BYTES - 1 - i];
	rc = 0;
out:
	rmdir(dir);
	return rc;
}

int blob_test_key(const char *tag, char *dir, size_t dir_len, char *key, size_t key_len,
		  char *why, size_t why_len)
{
	char cmd[256];
	int rc;

	if (system("openssl version >/dev/null 2>&1") != 0) {
		say(why, why_len, "the openssl command is required to sign test blobs");
		return -1;
	}
	snprintf(dir, dir_len, "/tmp/%s-XXXXXX", tag);
	if (!mkdtemp(dir)) {
		say(why, why_len, "mkdtemp %s failed", dir);
		return -1;
	}
	snprintf(key, key_len, "%s/key.pem", dir);
	snprintf(cmd, sizeof(cmd), "openssl genrsa -out '%s' 3072 2>/dev/null", key);
	rc = system(cmd);
	if (rc != 0) {
		say(why, why_len, "openssl genrsa failed (%d)", rc);
		rmdir(dir);
		return -1;
	}
	return 0;
}

uint8_t *blob_build(const struct blob_spec *sp, const uint8_t *module, size_t module_len,
		    const char *key_pem, size_t *len, char *why, size_t why_len)
{
	size_t pages = module_len / TDXBLOB_PAGE, total = module_offset() + module_len;
	uint8_t *b, *s;

	if (module_len == 0 || module_len % TDXBLOB_PAGE) {
		say(why, why_len, "module size %zu is not a positive multiple of 4096", module_len);
		return NULL;
	}
	if (sp->ncpuids > 16) {
		say(why, why_len, "at most 16 CPUID entries");
		return NULL;
	}
	if (!(b = calloc(1, total))) {
		say(why, why_len, "out of memory");
		return NULL;
	}
	wr16(b, sp->header_version);
	if (sp->header_version == TDXBLOB_V2) {
		memcpy(b + 4, "TDX-BLOB", 8);
		wr32(b + 12, 1);
		wr32(b + 16, (uint32_t)pages);
	} else {
		wr32(b + 4, TDXBLOB_V1_MODULE_OFFSET);
		memcpy(b + 8, "TDX-BLOB", 8);
		wr32(b + 16, (uint32_t)total);
	}
	s = b + blob_sigstruct_offset(b);
	wr32(s + SIGSTRUCT_HEADER_TYPE, SIGSTRUCT_HEADER_TYPE_GENERIC_FW);
	wr32(s + SIGSTRUCT_HEADER_LENGTH, SIGSTRUCT_HEADER_LENGTH_DWORDS);
	wr32(s + SIGSTRUCT_HEADER_VERSION, SIGSTRUCT_HEADER_VERSION_1_0);
	wr32(s + SIGSTRUCT_MODULE_TYPE, sp->module_type);
	wr32(s + SIGSTRUCT_MODULE_VENDOR, SIGSTRUCT_VENDOR_INTEL);
	wr32(s + SIGSTRUCT_DATE, sp->date);
	wr32(s + SIGSTRUCT_SIZE_DWORDS, SIGSTRUCT_SIZE_DWORDS_VALUE);
	wr32(s + SIGSTRUCT_KEY_SIZE, SIGSTRUCT_KEY_DWORDS);
	wr32(s + SIGSTRUCT_MODULUS_SIZE, SIGSTRUCT_KEY_DWORDS);
	wr32(s + SIGSTRUCT_EXPONENT_SIZE, SIGSTRUCT_EXPONENT_DWORDS);
	wr16(s + SIGSTRUCT_SEAMSVN, sp->seamsvn);
	wr16(s + SIGSTRUCT_MAX_TDMRS, sp->max_tdmrs);
	wr16(s + SIGSTRUCT_MAX_RSVD_PER_TDMR, sp->max_rsvd_per_tdmr);
	for (unsigned i = 0; i < 3; i++)
		wr16(s + SIGSTRUCT_PAMT_ENTRY_4K + 2 * i, sp->pamt_entry_size[i]);
	wr16(s + SIGSTRUCT_MODULE_HV, sp->module_hv);
	wr16(s + SIGSTRUCT_MIN_UPDATE_HV, sp->min_update_hv);
	s[SIGSTRUCT_NO_DOWNGRADE] = sp->no_downgrade;
	wr32(s + SIGSTRUCT_CPUID_TABLE_SIZE, sp->ncpuids);
	for (unsigned i = 0; i < sp->ncpuids; i++)
		wr32(s + SIGSTRUCT_CPUID_TABLE + 4 * i, sp->cpuids[i]);
	memcpy(b + module_offset(), module, module_len);
	blob_fix_seamhash(b, total);
	if (blob_sign(b, total, key_pem, why, why_len)) {
		free(b);
		return NULL;
	}
	blob_fix_checksum(b, total);
	*len = total;
	return b;
}
