/* RSA public operation and PKCS#1 v1.5/SHA-384 verification (seam/rsa.c)
 * against openssl, run at test time in a mkdtemp directory under /tmp:
 * fresh keys (six RSA-3072, one 2048, one 4096, one 3072 with e = 3 when
 * openssl still offers -3, one 1100-bit key for an odd byte length),
 * signatures of random messages, tampered signatures, digests and keys,
 * raw x^e mod n, and hand-made encoded messages signed with the raw private
 * operation. Small moduli are also checked against a reference modexp.
 * Without openssl the group setup fails: these tests do not skip.
 * RSA_TEST_SEED=<n> changes the message/input seed (keys are always new). */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "seam/rsa.h"
#include "seam/sha384.h"

#define MAX_KEYS  10
#define N_MSG     24		/* signed messages per key */
#define N_RAW     6		/* random raw inputs per key, besides the edges */

struct key {
	char name[8];		/* kN: kN.pem (private), kN.pub (public) */
	unsigned bits;
	uint32_t e;
	size_t len;
	uint8_t n[RSA_MAX_BYTES];
};

static char dir[64];
static struct key keys[MAX_KEYS];
static unsigned nkeys;
static uint64_t rng_state;

/* ---- helpers ------------------------------------------------------------ */

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
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

/* Returns the file's length; fails if it is missing or bigger than max. */
static size_t read_file(const char *name, void *buf, size_t max)
{
	char p[128];
	FILE *f;
	size_t n;

	path(p, sizeof(p), name);
	f = fopen(p, "rb");
	if (!f)
		fail_msg("missing %s (did openssl fail?)", p);
	n = fread(buf, 1, max, f);
	assert_int_equal(fgetc(f), EOF);
	fclose(f);
	return n;
}

/* A shell script built up line by line, run with sh inside dir. */
static char *script;
static size_t script_len, script_cap;

static void sh_add(const char *fmt, ...)
{
	va_list ap;
	int need;

	va_start(ap, fmt);
	need = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(need >= 0);
	if (script_len + (size_t)need + 2 > script_cap) {
		script_cap = 2 * (script_len + (size_t)need + 2) + 4096;
		script = realloc(script, script_cap);
		assert_non_null(script);
	}
	va_start(ap, fmt);
	vsnprintf(script + script_len, script_cap - script_len, fmt, ap);
	va_end(ap);
	script_len += (size_t)need;
	script[script_len++] = '\n';
	script[script_len] = 0;
}

/* Runs the script; its stdout goes to out.txt in dir. Returns the exit
 * status (-1 if it did not exit normally) and empties the script. */
static int sh_run(void)
{
	char cmd[320];
	int st;

	write_file("run.sh", script ? script : "", script_len);
	script_len = 0;
	snprintf(cmd, sizeof(cmd), "cd '%s' && sh ./run.sh > out.txt", dir);
	st = system(cmd);
	if (st == -1 || (st & 0x7f))
		return -1;
	return (st >> 8) & 0xff;
}

static void sh_run_ok(void)
{
	int st = sh_run();

	if (st != 0)
		fail_msg("openssl script failed (status %d), see %s/run.sh", st, dir);
}

/* The result lines "tag value" of the last script, one per call; NULL at
 * the end. */
static FILE *out_file;

static int out_next(char *tag, size_t tag_size, int *value)
{
	char line[256], t[128];

	if (!out_file) {
		char p[128];

		path(p, sizeof(p), "out.txt");
		out_file = fopen(p, "r");
		assert_non_null(out_file);
	}
	while (fgets(line, sizeof(line), out_file)) {
		if (sscanf(line, "%127s %d", t, value) == 2) {
			snprintf(tag, tag_size, "%s", t);
			return 1;
		}
	}
	fclose(out_file);
	out_file = NULL;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "Modulus=HEX" from openssl rsa -modulus. */
static void load_modulus(struct key *k)
{
	char fname[32], text[2 * RSA_MAX_BYTES + 64], *hex, *end;
	size_t n, digits;

	snprintf(fname, sizeof(fname), "%s.mod", k->name);
	n = read_file(fname, text, sizeof(text) - 1);
	text[n] = 0;
	hex = strstr(text, "Modulus=");
	assert_non_null(hex);
	hex += 8;
	for (end = hex; hexval(*end) >= 0; end++)
		;
	digits = (size_t)(end - hex);
	k->len = (digits + 1) / 2;
	assert_true(k->len > 0 && k->len <= RSA_MAX_BYTES);
	memset(k->n, 0, sizeof(k->n));
	for (size_t i = 0; i < digits; i++) {
		size_t pos = 2 * k->len - digits + i;	/* nibble index */
		k->n[pos / 2] |= (uint8_t)(hexval(hex[i]) << (pos % 2 ? 0 : 4));
	}
	assert_int_equal(k->len, (k->bits + 7) / 8);
	assert_true(k->n[k->len - 1] & 1);
}

static void load_exponent(struct key *k)
{
	char fname[32], text[256], *p;
	unsigned long e;
	size_t n;

	snprintf(fname, sizeof(fname), "%s.exp", k->name);
	n = read_file(fname, text, sizeof(text) - 1);
	text[n] = 0;
	p = strstr(text, "publicExponent:");
	assert_non_null(p);
	e = strtoul(p + 15, NULL, 10);
	assert_true(e >= 3 && e <= 0xffffffffu);
	k->e = (uint32_t)e;
}

static void flip_bit(uint8_t *p, size_t n)
{
	size_t bit = (size_t)(rnd() % (8 * n));

	p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

/* What a verifier must answer for a signature that does not belong: out of
 * range if sig >= n, otherwise (with overwhelming probability) garbage. */
static enum rsa_result expect_garbage(const struct key *k, const uint8_t *sig)
{
	return memcmp(sig, k->n, k->len) >= 0 ? RSA_SIG_RANGE : RSA_BAD_PADDING;
}

static const struct key *key_by_bits(unsigned bits, uint32_t e)
{
	for (unsigned i = 0; i < nkeys; i++)
		if (keys[i].bits == bits && keys[i].e == e)
			return &keys[i];
	return NULL;
}

/* ---- setup: keys -------------------------------------------------------- */

static int setup(void **state)
{
	static const unsigned sizes[] = { 3072, 3072, 3072, 3072, 3072, 3072, 2048, 4096, 1100 };
	const char *seed = getenv("RSA_TEST_SEED");
	bool have_e3;
	(void)state;

	rng_state = seed ? strtoull(seed, NULL, 0) : 0x7d5e1a2b3c4d5e6full;
	if (!rng_state)
		rng_state = 1;
	if (system("command -v openssl > /dev/null 2>&1") != 0) {
		fprintf(stderr, "test_rsa: FAIL: the openssl command is not installed; "
				"these tests need it\n");
		return -1;
	}
	snprintf(dir, sizeof(dir), "/tmp/test_rsa.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("test_rsa: mkdtemp");
		return -1;
	}
	have_e3 = system("openssl genrsa -help 2>&1 | grep -q -- '^ *-3 '") == 0;
	if (!have_e3)
		fprintf(stderr, "test_rsa: openssl genrsa has no -3, no e = 3 key\n");

	/* Generate in parallel, then check each key as it is converted. */
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct key *k = &keys[nkeys++];

		snprintf(k->name, sizeof(k->name), "k%u", i);
		k->bits = sizes[i];
		sh_add("openssl genrsa -out %s.pem %u 2>/dev/null &", k->name, k->bits);
	}
	if (have_e3) {
		struct key *k = &keys[nkeys++];

		snprintf(k->name, sizeof(k->name), "k%u", nkeys - 1);
		k->bits = 3072;
		sh_add("openssl genrsa -3 -out %s.pem 3072 2>/dev/null &", k->name);
	}
	sh_add("wait");
	sh_add("set -e");
	for (unsigned i = 0; i < nkeys; i++) {
		const char *n = keys[i].name;

		sh_add("openssl rsa -in %s.pem -pubout -out %s.pub 2>/dev/null", n, n);
		sh_add("openssl rsa -in %s.pem -noout -modulus > %s.mod", n, n);
		sh_add("openssl rsa -in %s.pem -noout -text | grep publicExponent > %s.exp", n, n);
	}
	if (sh_run() != 0) {
		fprintf(stderr, "test_rsa: FAIL: openssl could not make the keys (%s)\n", dir);
		return -1;
	}
	for (unsigned i = 0; i < nkeys; i++) {
		load_modulus(&keys[i]);
		load_exponent(&keys[i]);
		if (have_e3 && i == nkeys - 1)
			assert_int_equal(keys[i].e, 3);
		else
			assert_int_equal(keys[i].e, 65537);
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;

	free(script);
	script = NULL;
	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

/* ---- signatures of random messages ---------------------------------------- */

static size_t msg_len(unsigned m)
{
	static const size_t fixed[] = { 0, 1, 111, 112, 128, 3 };

	if (m < sizeof(fixed) / sizeof(fixed[0]))
		return fixed[m];
	return (size_t)(rnd() % 5000);
}

static void test_sign_verify(void **state)
{
	static uint8_t msg[5000];
	unsigned checks = 0, rejects = 0, ossl = 0;
	char tag[64];
	int rc;
	(void)state;

	/* One script per key, all running at once; each signs N_MSG files. */
	for (unsigned k = 0; k < nkeys; k++) {
		char name[32];

		for (unsigned m = 0; m < N_MSG; m++) {
			size_t n = msg_len(m);

			rnd_bytes(msg, n);
			snprintf(name, sizeof(name), "m%u_%u.bin", k, m);
			write_file(name, msg, n);
		}
		sh_add("(for m in $(seq 0 %u); do openssl dgst -sha384 -sign %s.pem "
		       "-out s%u_$m.bin m%u_$m.bin || exit 1; done) &",
		       N_MSG - 1, keys[k].name, k, k);
	}
	sh_add("wait");
	sh_run_ok();

	for (unsigned k = 0; k < nkeys; k++) {
		const struct key *key = &keys[k];

		for (unsigned m = 0; m < N_MSG; m++) {
			uint8_t sig[RSA_MAX_BYTES + 1], bad[RSA_MAX_BYTES], d[48];
			char name[32];
			size_t n, slen;

			snprintf(name, sizeof(name), "m%u_%u.bin", k, m);
			n = read_file(name, msg, sizeof(msg));
			snprintf(name, sizeof(name), "s%u_%u.bin", k, m);
			slen = read_file(name, sig, sizeof(sig));
			assert_int_equal(slen, key->len);
			sha384(msg, n, d);
			assert_int_equal(rsa_verify_pkcs1_sha384(key->n, key->len, key->e, sig,
								 slen, d), RSA_OK);
			checks++;

			/* A flipped signature bit. */
			memcpy(bad, sig, slen);
			flip_bit(bad, slen);
			assert_int_equal(rsa_verify_pkcs1_sha384(key->n, key->len, key->e, bad,
								 slen, d),
					 expect_garbage(key, bad));
			rejects++;
			if (m < 3) {
				snprintf(name, sizeof(name), "b%u_%u.bin", k, m);
				write_file(name, bad, slen);
				sh_add("openssl dgst -sha384 -verify %s.pub -signature s%u_%u.bin "
				       "m%u_%u.bin >/dev/null 2>&1; echo good_%u_%u $?",
				       key->name, k, m, k, m, k, m);
				sh_add("openssl dgst -sha384 -verify %s.pub -signature b%u_%u.bin "
				       "m%u_%u.bin >/dev/null 2>&1; echo badsig_%u_%u $?",
				       key->name, k, m, k, m, k, m);
			}

			/* A flipped digest bit; for openssl, a flipped message bit. */
			{
				uint8_t d2[48];

				memcpy(d2, d, 48);
				flip_bit(d2, 48);
				assert_int_equal(rsa_verify_pkcs1_sha384(key->n, key->len, key->e,
									 sig, slen, d2),
						 RSA_DIGEST_MISMATCH);
				rejects++;
			}
			if (m < 3 && n > 0) {
				uint8_t dx[48];

				flip_bit(msg, n);
				snprintf(name, sizeof(name), "x%u_%u.bin", k, m);
				write_file(name, msg, n);
				sha384(msg, n, dx);
				assert_int_equal(rsa_verify_pkcs1_sha384(key->n, key->len, key->e,
									 sig, slen, dx),
						 RSA_DIGEST_MISMATCH);
				rejects++;
				sh_add("openssl dgst -sha384 -verify %s.pub -signature s%u_%u.bin "
				       "x%u_%u.bin >/dev/null 2>&1; echo badmsg_%u_%u $?",
				       key->name, k, m, k, m, k, m);
			}

			/* Another key's modulus: same length if there is one. */
			for (unsigned o = 1; o < nkeys; o++) {
				const struct key *other = &keys[(k + o) % nkeys];

				if (other->len != key->len && o != nkeys - 1)
					continue;
				enum rsa_result r = rsa_verify_pkcs1_sha384(other->n, other->len,
									    other->e, sig, slen, d);
				if (other->len != key->len)
					assert_int_equal(r, RSA_SIG_RANGE);
				else
					assert_int_equal(r, expect_garbage(other, sig));
				rejects++;
				break;
			}

			/* The wrong public exponent. */
			assert_int_equal(rsa_verify_pkcs1_sha384(key->n, key->len,
								 key->e == 3 ? 65537 : 3, sig,
								 slen, d),
					 RSA_BAD_PADDING);
			rejects++;
			/* Signature one byte short. */
			assert_int_equal(rsa_verify_pkcs1_sha384(key->n, key->len, key->e, sig,
								 slen - 1, d), RSA_SIG_RANGE);
			rejects++;
		}
	}

	/* openssl must agree: originals verify, tampered ones do not. */
	rc = sh_run();
	assert_int_equal(rc, 0);
	while (out_next(tag, sizeof(tag), &rc)) {
		if (!strncmp(tag, "good_", 5))
			assert_int_equal(rc, 0);
		else if (rc == 0)
			fail_msg("openssl accepted %s", tag);
		ossl++;
	}
	assert_true(ossl >= 2 * 3 * nkeys);
	assert_true(checks >= 200);
	print_message("keys %u, valid signatures %u, rejected variants %u, openssl cross-checks %u\n",
		      nkeys, checks, rejects, ossl);
}

/* ---- raw x^e mod n -------------------------------------------------------- */

static void test_raw(void **state)
{
	static uint8_t xs[MAX_KEYS][N_RAW + 4][RSA_MAX_BYTES];
	const unsigned per = N_RAW + 4;
	unsigned cases = 0;
	(void)state;

	for (unsigned k = 0; k < nkeys; k++) {
		const struct key *key = &keys[k];

		for (unsigned i = 0; i < per; i++) {
			uint8_t *x = xs[k][i];
			char name[32];

			memset(x, 0, key->len);
			if (i == 0) {
				/* 0 */
			} else if (i == 1) {
				x[key->len - 1] = 1;
			} else if (i == 2) {
				memcpy(x, key->n, key->len);
				x[key->len - 1] -= 1;	/* n is odd: n - 1 */
			} else if (i == 3) {
				/* small: leading zero bytes */
				rnd_bytes(x + key->len - 5, 5);
			} else {
				rnd_bytes(x, key->len);
				x[0] = (uint8_t)(rnd() % key->n[0]);
			}
			snprintf(name, sizeof(name), "r%u_%u.bin", k, i);
			write_file(name, x, key->len);
			sh_add("openssl pkeyutl -verifyrecover -pubin -inkey %s.pub -pkeyopt "
			       "rsa_padding_mode:none -in r%u_%u.bin -out y%u_%u.bin || exit 1",
			       key->name, k, i, k, i);
		}
	}
	sh_run_ok();

	for (unsigned k = 0; k < nkeys; k++) {
		const struct key *key = &keys[k];

		for (unsigned i = 0; i < per; i++) {
			uint8_t want[RSA_MAX_BYTES + 1], got[RSA_MAX_BYTES + 1];
			uint8_t n1[RSA_MAX_BYTES + 1], x1[RSA_MAX_BYTES + 1];
			char name[32];
			size_t wl;

			snprintf(name, sizeof(name), "y%u_%u.bin", k, i);
			wl = read_file(name, want, sizeof(want));
			assert_int_equal(wl, key->len);
			memset(got, 0xa5, sizeof(got));
			assert_int_equal(rsa_public(key->n, key->len, key->e, xs[k][i], got),
					 RSA_OK);
			assert_memory_equal(got, want, key->len);
			assert_int_equal(got[key->len], 0xa5);
			if (i < 3)	/* 0, 1, n - 1 are fixed points for odd e */
				assert_memory_equal(got, xs[k][i], key->len);
			cases++;

			/* In place. */
			memcpy(got, xs[k][i], key->len);
			assert_int_equal(rsa_public(key->n, key->len, key->e, got, got), RSA_OK);
			assert_memory_equal(got, want, key->len);

			/* The same numbers with a leading zero byte. */
			if (key->len < RSA_MAX_BYTES) {
				n1[0] = 0;
				x1[0] = 0;
				memcpy(n1 + 1, key->n, key->len);
				memcpy(x1 + 1, xs[k][i], key->len);
				assert_int_equal(rsa_public(n1, key->len + 1, key->e, x1, got),
						 RSA_OK);
				assert_int_equal(got[0], 0);
				assert_memory_equal(got + 1, want, key->len);
			}
		}
	}
	assert_true(cases >= 50);
	print_message("raw cases compared with openssl: %u\n", cases);
}

/* ---- small moduli against a reference ------------------------------------ */

static uint64_t ref_modexp(uint64_t x, uint32_t e, uint64_t n)
{
	unsigned __int128 r = 1 % n, b = x % n;

	while (e) {
		if (e & 1)
			r = r * b % n;
		b = b * b % n;
		e >>= 1;
	}
	return (uint64_t)r;
}

static void test_small(void **state)
{
	static const uint32_t es[] = { 3, 5, 17, 65537, 0xffffffffu, 0x80000001u };
	(void)state;

	for (unsigned iter = 0; iter < 4000; iter++) {
		size_t len = 1 + iter % 8;
		unsigned bits = 1 + (unsigned)(rnd() % (8 * len));	/* leading zeros too */
		uint64_t n = rnd() & (bits == 64 ? ~0ull : (1ull << bits) - 1);
		uint32_t e = iter % 3 ? es[rnd() % 6] : ((uint32_t)rnd() | 1);
		uint8_t nb[8], xb[8], out[8];

		n |= 1;
		if (e < 3)
			e = 3;
		uint64_t x = iter % 7 == 0 ? n - 1 : rnd() % n;
		for (size_t i = 0; i < len; i++) {
			nb[len - 1 - i] = (uint8_t)(n >> (8 * i));
			xb[len - 1 - i] = (uint8_t)(x >> (8 * i));
		}
		assert_int_equal(rsa_public(nb, len, e, xb, out), RSA_OK);
		uint64_t want = ref_modexp(x, e, n), got = 0;
		for (size_t i = 0; i < len; i++)
			got = got << 8 | out[i];
		if (got != want)
			fail_msg("%llx^%x mod %llx: got %llx want %llx", (unsigned long long)x,
				 e, (unsigned long long)n, (unsigned long long)got,
				 (unsigned long long)want);
	}
	/* n = 1: only 0 is in range. */
	{
		uint8_t one = 1, zero = 0, out = 0xff;

		assert_int_equal(rsa_public(&one, 1, 3, &zero, &out), RSA_OK);
		assert_int_equal(out, 0);
		assert_int_equal(rsa_public(&one, 1, 3, &one, &out), RSA_SIG_RANGE);
	}
}

/* ---- bad keys and signatures out of range --------------------------------- */

static void test_bad_inputs(void **state)
{
	const struct key *key = key_by_bits(3072, 65537);
	static uint8_t big[RSA_MAX_BYTES + 2], sig[RSA_MAX_BYTES + 2];
	uint8_t n[RSA_MAX_BYTES], out[RSA_MAX_BYTES], d[48];
	static const uint32_t bad_e[] = { 0, 1, 2, 4, 65536, 0xfffffffeu };
	(void)state;

	assert_non_null(key);
	memset(d, 0x11, sizeof(d));
	memset(sig, 0x01, sizeof(sig));
	sig[0] = 0;

	/* Length 0 and longer than RSA_MAX_BYTES. */
	assert_int_equal(rsa_public(key->n, 0, 65537, sig, out), RSA_BAD_KEY);
	assert_int_equal(rsa_verify_pkcs1_sha384(key->n, 0, 65537, sig, 0, d), RSA_BAD_KEY);
	memset(big, 0xff, sizeof(big));
	assert_int_equal(rsa_public(big, RSA_MAX_BYTES + 1, 65537, sig, out), RSA_BAD_KEY);
	assert_int_equal(rsa_verify_pkcs1_sha384(big, RSA_MAX_BYTES + 1, 65537, sig,
						 RSA_MAX_BYTES + 1, d), RSA_BAD_KEY);
	/* RSA_MAX_BYTES itself is fine (and sig < n). */
	assert_int_equal(rsa_public(big, RSA_MAX_BYTES, 65537, sig, out), RSA_OK);
	assert_int_equal(rsa_verify_pkcs1_sha384(big, RSA_MAX_BYTES, 65537, sig,
						 RSA_MAX_BYTES, d), RSA_BAD_PADDING);

	/* Even modulus. */
	memcpy(n, key->n, key->len);
	n[key->len - 1] &= 0xfe;
	assert_int_equal(rsa_public(n, key->len, 65537, sig, out), RSA_BAD_KEY);
	assert_int_equal(rsa_verify_pkcs1_sha384(n, key->len, 65537, sig, key->len, d),
			 RSA_BAD_KEY);

	/* Bad exponents. */
	for (unsigned i = 0; i < sizeof(bad_e) / sizeof(bad_e[0]); i++) {
		assert_int_equal(rsa_public(key->n, key->len, bad_e[i], sig, out), RSA_BAD_KEY);
		assert_int_equal(rsa_verify_pkcs1_sha384(key->n, key->len, bad_e[i], sig,
							 key->len, d), RSA_BAD_KEY);
	}
	/* A bad key wins over a bad signature length. */
	assert_int_equal(rsa_verify_pkcs1_sha384(key->n, key->len, 1, sig, 7, d), RSA_BAD_KEY);

	/* sig == n, sig > n, sig all ones. */
	assert_int_equal(rsa_public(key->n, key->len, key->e, key->n, out), RSA_SIG_RANGE);
	assert_int_equal(rsa_verify_pkcs1_sha384(key->n, key->len, key->e, key->n, key->len, d),
			 RSA_SIG_RANGE);
	memcpy(sig, key->n, key->len);
	for (size_t i = key->len; i-- > 0;) {	/* n + 1, carrying */
		if (++sig[i])
			break;
	}
	assert_true(memcmp(sig, key->n, key->len) > 0);
	assert_int_equal(rsa_public(key->n, key->len, key->e, sig, out), RSA_SIG_RANGE);
	assert_int_equal(rsa_verify_pkcs1_sha384(key->n, key->len, key->e, sig, key->len, d),
			 RSA_SIG_RANGE);
	memset(sig, 0xff, key->len);
	assert_int_equal(rsa_verify_pkcs1_sha384(key->n, key->len, key->e, sig, key->len, d),
			 RSA_SIG_RANGE);
	/* n - 1 is in range (and 1, fixed point, is bad padding). */
	memcpy(sig, key->n, key->len);
	sig[key->len - 1]--;
	assert_int_equal(rsa_public(key->n, key->len, key->e, sig, out), RSA_OK);
	assert_memory_equal(out, sig, key->len);
	assert_int_equal(rsa_verify_pkcs1_sha384(key->n, key->len, key->e, sig, key->len, d),
			 RSA_BAD_PADDING);

	/* Signature length differs from the modulus length. */
	memset(sig, 0, sizeof(sig));
	sig[key->len] = 1;
	assert_int_equal(rsa_verify_pkcs1_sha384(key->n, key->len, key->e, sig, key->len - 1, d),
			 RSA_SIG_RANGE);
	assert_int_equal(rsa_verify_pkcs1_sha384(key->n, key->len, key->e, sig, key->len + 1, d),
			 RSA_SIG_RANGE);
	assert_int_equal(rsa_verify_pkcs1_sha384(key->n, key->len, key->e, sig, 0, d),
			 RSA_SIG_RANGE);

	/* A modulus too short for SHA-384 PKCS#1 (77 bytes) is a valid key,
	 * but nothing can verify under it. */
	memcpy(n, key->n, 77);
	n[76] |= 1;
	memset(sig, 0, 77);
	sig[76] = 2;
	assert_int_equal(rsa_verify_pkcs1_sha384(n, 77, 65537, sig, 77, d), RSA_BAD_PADDING);

	assert_string_equal(rsa_result_name(RSA_OK), "ok");
	assert_string_equal(rsa_result_name(RSA_BAD_KEY), "bad key");
	assert_string_equal(rsa_result_name(RSA_SIG_RANGE), "signature out of range");
	assert_string_equal(rsa_result_name(RSA_BAD_PADDING), "bad padding");
	assert_string_equal(rsa_result_name(RSA_DIGEST_MISMATCH), "digest mismatch");
	assert_string_equal(rsa_result_name((enum rsa_result)99), "unknown");
}

/* ---- hand-made encoded messages ------------------------------------------ */

static const uint8_t prefix384[19] = {
	0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30,
};

/* 00 01 FF.. 00 prefix digest, len bytes. */
static void good_em(uint8_t *em, size_t len, const uint8_t d[48])
{
	size_t ps = len - 3 - 19 - 48;

	em[0] = 0;
	em[1] = 1;
	memset(em + 2, 0xff, ps);
	em[2 + ps] = 0;
	memcpy(em + 3 + ps, prefix384, 19);
	memcpy(em + len - 48, d, 48);
}

enum variant {
	V_GOOD, V_OTHER_DIGEST, V_SHORT_PS, V_FE_IN_PS, V_NO_SEPARATOR, V_SHA256_OID,
	V_NO_NULL, V_TYPE_02, V_TYPE_00, V_LEADING_01, V_TRAILING, V_LEN_BYTE, V_COUNT
};

static const char *const variant_names[V_COUNT] = {
	"good", "other digest", "7 FF bytes", "FE in PS", "no 00 separator",
	"SHA-256 OID", "no NULL parameters", "block type 02", "block type 00",
	"leading 01", "trailing byte", "OCTET STRING length 2f",
};

static void make_em(enum variant v, uint8_t *em, size_t len, const uint8_t d[48])
{
	size_t ps = len - 3 - 19 - 48;
	uint8_t d2[48];

	good_em(em, len, d);
	switch (v) {
	case V_GOOD:
	case V_COUNT:
		break;
	case V_OTHER_DIGEST:
		memcpy(d2, d, 48);
		d2[47] ^= 0x80;
		memcpy(em + len - 48, d2, 48);
		break;
	case V_SHORT_PS:	/* 00 01 FF*7 00 then zeros, then T */
		memset(em + 2, 0, ps + 1);
		memset(em + 2, 0xff, 7);
		break;
	case V_FE_IN_PS:
		em[2 + ps / 2] = 0xfe;
		break;
	case V_NO_SEPARATOR:
		em[2 + ps] = 0xff;
		break;
	case V_SHA256_OID:
		em[3 + ps + 14] = 0x01;
		break;
	case V_NO_NULL:		/* DigestInfo with absent parameters */
		memset(em + 2, 0xff, ps + 2);
		em[2 + ps + 2] = 0;
		em[3 + ps + 2] = 0x30;
		em[3 + ps + 3] = 0x3f;
		em[3 + ps + 4] = 0x30;
		em[3 + ps + 5] = 0x0b;
		memcpy(em + 3 + ps + 6, prefix384 + 4, 11);	/* 06 09 OID */
		em[3 + ps + 17] = 0x04;
		em[3 + ps + 18] = 0x30;
		break;
	case V_TYPE_02:
		em[1] = 0x02;
		break;
	case V_TYPE_00:
		em[1] = 0x00;
		break;
	case V_LEADING_01:
		em[0] = 0x01;
		break;
	case V_TRAILING:	/* one FF fewer, T moved up, a stray byte last */
		good_em(em, len - 1, d);
		em[len - 1] = 0x5a;
		break;
	case V_LEN_BYTE:
		em[3 + ps + 18] = 0x2f;
		break;
	}
}

static void test_crafted(void **state)
{
	static uint8_t msg[300];
	uint8_t d[48];
	unsigned checks = 0, ossl = 0;
	char tag[64];
	int rc;
	(void)state;

	rnd_bytes(msg, sizeof(msg));
	write_file("cm.bin", msg, sizeof(msg));
	sha384(msg, sizeof(msg), d);

	for (unsigned k = 0; k < nkeys; k++) {
		const struct key *key = &keys[k];

		for (unsigned v = 0; v < V_COUNT; v++) {
			uint8_t em[RSA_MAX_BYTES];
			char name[32];

			make_em((enum variant)v, em, key->len, d);
			assert_true(memcmp(em, key->n, key->len) < 0);
			snprintf(name, sizeof(name), "e%u_%u.bin", k, v);
			write_file(name, em, key->len);
			/* The raw private operation: EM^d mod n. */
			sh_add("openssl pkeyutl -decrypt -inkey %s.pem -pkeyopt rsa_padding_mode:none "
			       "-in e%u_%u.bin -out c%u_%u.bin || exit 1",
			       key->name, k, v, k, v);
			if (k % 3 == 0 || v == V_GOOD)
				sh_add("openssl dgst -sha384 -verify %s.pub -signature c%u_%u.bin cm.bin "
				       ">/dev/null 2>&1; echo v%u_%u $?", key->name, k, v, k, v);
		}
	}
	rc = sh_run();
	assert_int_equal(rc, 0);
	while (out_next(tag, sizeof(tag), &rc)) {
		unsigned k, v;

		assert_int_equal(sscanf(tag, "v%u_%u", &k, &v), 2);
		if (v == V_GOOD && rc != 0)
			fail_msg("openssl rejected the good EM for %s", keys[k].name);
		if (v != V_GOOD && rc == 0)
			fail_msg("openssl accepted '%s' for %s", variant_names[v], keys[k].name);
		ossl++;
	}

	for (unsigned k = 0; k < nkeys; k++) {
		const struct key *key = &keys[k];

		for (unsigned v = 0; v < V_COUNT; v++) {
			uint8_t sig[RSA_MAX_BYTES + 1], em[RSA_MAX_BYTES], out[RSA_MAX_BYTES];
			enum rsa_result want = v == V_GOOD ? RSA_OK :
					       v == V_OTHER_DIGEST ? RSA_DIGEST_MISMATCH :
					       RSA_BAD_PADDING;
			enum rsa_result got;
			char name[32];
			size_t n;

			snprintf(name, sizeof(name), "c%u_%u.bin", k, v);
			n = read_file(name, sig, sizeof(sig));
			assert_int_equal(n, key->len);
			/* The signature really encrypts the EM. */
			make_em((enum variant)v, em, key->len, d);
			assert_int_equal(rsa_public(key->n, key->len, key->e, sig, out), RSA_OK);
			assert_memory_equal(out, em, key->len);
			got = rsa_verify_pkcs1_sha384(key->n, key->len, key->e, sig, n, d);
			if (got != want)
				fail_msg("%s, %s: got '%s', want '%s'", key->name, variant_names[v],
					 rsa_result_name(got), rsa_result_name(want));
			checks++;
		}
	}
	print_message("crafted encoded messages: %u, openssl cross-checks %u\n", checks, ossl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_crafted),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
