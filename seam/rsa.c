/* RSA public operation and RSASSA-PKCS1-v1_5/SHA-384 verification; see
 * seam/rsa.h. Numbers are little-endian arrays of 32-bit limbs, products
 * are 64-bit, so no 128-bit arithmetic and no division at all:
 *   - Montgomery multiplication (CIOS) with R = 2^(32*nw);
 *   - -n^-1 mod 2^32 by Newton/Hensel lifting;
 *   - x*R mod n by 32*nw modular doublings (shift, compare, subtract);
 *   - left-to-right square-and-multiply over the bits of e.
 * Everything lives on the stack: about 2 KiB for rsa_public at 4096 bits,
 * 1 KiB more for the verifier. Public data only: not constant time. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "seam/rsa.h"

#define RSA_MAX_WORDS (RSA_MAX_BYTES / 4)
#define SHA384_LEN    48
#define MIN_PS        8		/* RFC 8017 §9.2: at least 8 FF bytes */

/* DER DigestInfo prefix for SHA-384 (RFC 8017 §9.2, note 1). */
static const uint8_t sha384_prefix[19] = {
	0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30,
};

static void from_bytes(uint32_t *w, size_t nw, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < nw; i++)
		w[i] = 0;
	for (size_t i = 0; i < len; i++)
		w[i / 4] |= (uint32_t)b[len - 1 - i] << (8 * (i % 4));
}

static void to_bytes(uint8_t *b, size_t len, const uint32_t *w)
{
	for (size_t i = 0; i < len; i++)
		b[len - 1 - i] = (uint8_t)(w[i / 4] >> (8 * (i % 4)));
}

/* -1, 0 or 1 as a <, == or > b. */
static int cmp(const uint32_t *a, const uint32_t *b, size_t nw)
{
	for (size_t i = nw; i-- > 0;)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* a -= b mod 2^(32*nw). */
static void sub(uint32_t *a, const uint32_t *b, size_t nw)
{
	uint32_t borrow = 0;

	for (size_t i = 0; i < nw; i++) {
		uint64_t d = (uint64_t)a[i] - b[i] - borrow;
		a[i] = (uint32_t)d;
		borrow = (uint32_t)(d >> 32) & 1;
	}
}

/* x = 2x mod n, for x < n. */
static void double_mod(uint32_t *x, const uint32_t *n, size_t nw)
{
	uint32_t carry = 0;

	for (size_t i = 0; i < nw; i++) {
		uint32_t top = x[i] >> 31;
		x[i] = (x[i] << 1) | carry;
		carry = top;
	}
	/* 2x < 2n, so one subtraction suffices; with the carry set the
	 * wrapped difference is the right value. */
	if (carry || cmp(x, n, nw) >= 0)
		sub(x, n, nw);
}

/* -n0^-1 mod 2^32 for odd n0: n0 is its own inverse mod 8, and each
 * Newton step x = x(2 - n0 x) doubles the correct low bits (3, 6, 12, 24,
 * 48). */
static uint32_t neg_inv32(uint32_t n0)
{
	uint32_t x = n0;

	for (int i = 0; i < 4; i++)
		x *= 2u - n0 * x;
	return 0u - x;
}

/* r = a b R^-1 mod n (CIOS), for a < n and b < R; t is scratch of nw + 2
 * limbs; r may alias a or b. */
static void mont_mul(uint32_t *r, const uint32_t *a, const uint32_t *b, const uint32_t *n,
		     uint32_t n0inv, size_t nw, uint32_t *t)
{
	for (size_t i = 0; i < nw + 2; i++)
		t[i] = 0;
	for (size_t i = 0; i < nw; i++) {
		uint64_t c = 0, s;

		for (size_t j = 0; j < nw; j++) {
			s = (uint64_t)a[j] * b[i] + t[j] + c;
			t[j] = (uint32_t)s;
			c = s >> 32;
		}
		s = (uint64_t)t[nw] + c;
		t[nw] = (uint32_t)s;
		t[nw + 1] = (uint32_t)(s >> 32);

		uint32_t m = t[0] * n0inv;
		s = (uint64_t)m * n[0] + t[0];	/* low limb becomes 0 */
		c = s >> 32;
		for (size_t j = 1; j < nw; j++) {
			s = (uint64_t)m * n[j] + t[j] + c;
			t[j - 1] = (uint32_t)s;
			c = s >> 32;
		}
		s = (uint64_t)t[nw] + c;
		t[nw - 1] = (uint32_t)s;
		t[nw] = t[nw + 1] + (uint32_t)(s >> 32);
	}
	/* t < 2n here. */
	if (t[nw] || cmp(t, n, nw) >= 0)
		sub(t, n, nw);
	for (size_t i = 0; i < nw; i++)
		r[i] = t[i];
}

static bool key_ok(const uint8_t *n, size_t len, uint32_t e)
{
	if (len == 0 || len > RSA_MAX_BYTES || !n)
		return false;
	if (!(n[len - 1] & 1))
		return false;
	return e >= 3 && (e & 1);
}

enum rsa_result rsa_public(const uint8_t *n, size_t len, uint32_t e, const uint8_t *in,
			   uint8_t *out)
{
	uint32_t nn[RSA_MAX_WORDS], x[RSA_MAX_WORDS], acc[RSA_MAX_WORDS];
	uint32_t t[RSA_MAX_WORDS + 2];

	if (!key_ok(n, len, e))
		return RSA_BAD_KEY;
	size_t nw = (len + 3) / 4;
	from_bytes(nn, nw, n, len);
	from_bytes(x, nw, in, len);
	if (cmp(x, nn, nw) >= 0)
		return RSA_SIG_RANGE;

	uint32_t n0inv = neg_inv32(nn[0]);
	for (size_t i = 0; i < 32 * nw; i++)	/* x = in R mod n */
		double_mod(x, nn, nw);

	int top = 31;
	while (!(e >> top))
		top--;
	for (size_t i = 0; i < nw; i++)
		acc[i] = x[i];
	for (int bit = top - 1; bit >= 0; bit--) {
		mont_mul(acc, acc, acc, nn, n0inv, nw, t);
		if ((e >> bit) & 1)
			mont_mul(acc, acc, x, nn, n0inv, nw, t);
	}
	/* Leave the Montgomery domain: acc * 1 * R^-1. */
	x[0] = 1;
	for (size_t i = 1; i < nw; i++)
		x[i] = 0;
	mont_mul(acc, acc, x, nn, n0inv, nw, t);
	to_bytes(out, len, acc);
	return RSA_OK;
}

enum rsa_result rsa_verify_pkcs1_sha384(const uint8_t *n, size_t len, uint32_t e,
					const uint8_t *sig, size_t sig_len,
					const uint8_t digest[48])
{
	uint8_t em[RSA_MAX_BYTES], want[RSA_MAX_BYTES];
	const size_t t_len = sizeof(sha384_prefix) + SHA384_LEN;

	if (!key_ok(n, len, e))
		return RSA_BAD_KEY;
	if (sig_len != len || !sig)
		return RSA_SIG_RANGE;
	enum rsa_result r = rsa_public(n, len, e, sig, em);
	if (r != RSA_OK)
		return r;
	/* 00 01 PS 00 T with |PS| = len - |T| - 3 >= 8. */
	if (len < t_len + 3 + MIN_PS)
		return RSA_BAD_PADDING;
	size_t ps = len - t_len - 3;
	want[0] = 0x00;
	want[1] = 0x01;
	memset(want + 2, 0xff, ps);
	want[2 + ps] = 0x00;
	memcpy(want + 3 + ps, sha384_prefix, sizeof(sha384_prefix));
	memcpy(want + len - SHA384_LEN, digest, SHA384_LEN);
	/* Everything before the digest first, so that a malformed block is
	 * reported as padding, then the whole block. */
	if (memcmp(em, want, len - SHA384_LEN) != 0)
		return RSA_BAD_PADDING;
	if (memcmp(em, want, len) != 0)
		return RSA_DIGEST_MISMATCH;
	return RSA_OK;
}

const char *rsa_result_name(enum rsa_result r)
{
	switch (r) {
	case RSA_OK:
		return "ok";
	case RSA_BAD_KEY:
		return "bad key";
	case RSA_SIG_RANGE:
		return "signature out of range";
	case RSA_BAD_PADDING:
		return "bad padding";
	case RSA_DIGEST_MISMATCH:
		return "digest mismatch";
	}
	return "unknown";
}
