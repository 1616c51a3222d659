/* SHA-384 (FIPS 180-4 §6.5: SHA-512 with other initial values and the
 * digest cut to 384 bits) and HMAC-SHA-384 (RFC 2104); see seam/sha384.h.
 * Pure and freestanding: general registers only, no allocation, no 128-bit
 * arithmetic. The message length is kept in bytes below 2^61, so the upper
 * 64 bits of the 128-bit bit count in the last block are always zero. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "seam/sha384.h"

/* FIPS 180-4 §4.2.3: the first 64 bits of the fractional parts of the cube
 * roots of the first 80 primes. */
static const uint64_t K[80] = {
	0x428a2f98d728ae22ull, 0x7137449123ef65cdull, 0xb5c0fbcfec4d3b2full,
	0xe9b5dba58189dbbcull, 0x3956c25bf348b538ull, 0x59f111f1b605d019ull,
	0x923f82a4af194f9bull, 0xab1c5ed5da6d8118ull, 0xd807aa98a3030242ull,
	0x12835b0145706fbeull, 0x243185be4ee4b28cull, 0x550c7dc3d5ffb4e2ull,
	0x72be5d74f27b896full, 0x80deb1fe3b1696b1ull, 0x9bdc06a725c71235ull,
	0xc19bf174cf692694ull, 0xe49b69c19ef14ad2ull, 0xefbe4786384f25e3ull,
	0x0fc19dc68b8cd5b5ull, 0x240ca1cc77ac9c65ull, 0x2de92c6f592b0275ull,
	0x4a7484aa6ea6e483ull, 0x5cb0a9dcbd41fbd4ull, 0x76f988da831153b5ull,
	0x983e5152ee66dfabull, 0xa831c66d2db43210ull, 0xb00327c898fb213full,
	0xbf597fc7beef0ee4ull, 0xc6e00bf33da88fc2ull, 0xd5a79147930aa725ull,
	0x06ca6351e003826full, 0x142929670a0e6e70ull, 0x27b70a8546d22ffcull,
	0x2e1b21385c26c926ull, 0x4d2c6dfc5ac42aedull, 0x53380d139d95b3dfull,
	0x650a73548baf63deull, 0x766a0abb3c77b2a8ull, 0x81c2c92e47edaee6ull,
	0x92722c851482353bull, 0xa2bfe8a14cf10364ull, 0xa81a664bbc423001ull,
	0xc24b8b70d0f89791ull, 0xc76c51a30654be30ull, 0xd192e819d6ef5218ull,
	0xd69906245565a910ull, 0xf40e35855771202aull, 0x106aa07032bbd1b8ull,
	0x19a4c116b8d2d0c8ull, 0x1e376c085141ab53ull, 0x2748774cdf8eeb99ull,
	0x34b0bcb5e19b48a8ull, 0x391c0cb3c5c95a63ull, 0x4ed8aa4ae3418acbull,
	0x5b9cca4f7763e373ull, 0x682e6ff3d6b2b8a3ull, 0x748f82ee5defb2fcull,
	0x78a5636f43172f60ull, 0x84c87814a1f0ab72ull, 0x8cc702081a6439ecull,
	0x90befffa23631e28ull, 0xa4506cebde82bde9ull, 0xbef9a3f7b2c67915ull,
	0xc67178f2e372532bull, 0xca273eceea26619cull, 0xd186b8c721c0c207ull,
	0xeada7dd6cde0eb1eull, 0xf57d4f7fee6ed178ull, 0x06f067aa72176fbaull,
	0x0a637dc5a2c898a6ull, 0x113f9804bef90daeull, 0x1b710b35131c471bull,
	0x28db77f523047d84ull, 0x32caab7b40c72493ull, 0x3c9ebe0a15c9bebcull,
	0x431d67c49c100d4cull, 0x4cc5d4becb3e42b6ull, 0x597f299cfc657e2aull,
	0x5fcb6fab3ad6faecull, 0x6c44198c4a475817ull,
};

/* FIPS 180-4 §5.3.4: the SHA-384 initial hash value. */
static const uint64_t H0[8] = {
	0xcbbb9d5dc1059ed8ull, 0x629a292a367cd507ull, 0x9159015a3070dd17ull,
	0x152fecd8f70e5939ull, 0x67332667ffc00b31ull, 0x8eb44a8768581511ull,
	0xdb0c2e0d64f98fa7ull, 0x47b5481dbefa4fa4ull,
};

static inline uint64_t ror64(uint64_t x, unsigned n)
{
	return (x >> n) | (x << (64 - n));
}

static inline uint64_t load_be64(const uint8_t *p)
{
	return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 |
	       (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
	       (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
	       (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

static inline void store_be64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* One 128-byte block (§6.4.2), with the 16-word rolling schedule. */
static void sha384_block(uint64_t h[8], const uint8_t *blk)
{
	uint64_t w[16];
	uint64_t a = h[0], b = h[1], c = h[2], d = h[3];
	uint64_t e = h[4], f = h[5], g = h[6], hh = h[7];

	for (unsigned t = 0; t < 16; t++)
		w[t] = load_be64(blk + 8 * t);

	for (unsigned t = 0; t < 80; t++) {
		uint64_t wt, t1, t2;

		if (t < 16) {
			wt = w[t];
		} else {
			uint64_t w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
			uint64_t s0 = ror64(w15, 1) ^ ror64(w15, 8) ^ (w15 >> 7);
			uint64_t s1 = ror64(w2, 19) ^ ror64(w2, 61) ^ (w2 >> 6);

			wt = w[t & 15] + s0 + w[(t - 7) & 15] + s1;
			w[t & 15] = wt;
		}
		t1 = hh + (ror64(e, 14) ^ ror64(e, 18) ^ ror64(e, 41)) +
		     ((e & f) ^ (~e & g)) + K[t] + wt;
		t2 = (ror64(a, 28) ^ ror64(a, 34) ^ ror64(a, 39)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}

	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += hh;
}

void sha384_init(struct sha384_ctx *c)
{
	memcpy(c->h, H0, sizeof(c->h));
	c->len = 0;
	c->fill = 0;
}

void sha384_update(struct sha384_ctx *c, const void *data, size_t n)
{
	const uint8_t *p = data;

	if (!n)
		return;
	c->len += n;
	if (c->fill) {
		size_t take = SHA384_BLOCK_SIZE - c->fill;

		if (take > n)
			take = n;
		memcpy(c->buf + c->fill, p, take);
		c->fill += (unsigned)take;
		p += take;
		n -= take;
		if (c->fill < SHA384_BLOCK_SIZE)
			return;
		sha384_block(c->h, c->buf);
		c->fill = 0;
	}
	while (n >= SHA384_BLOCK_SIZE) {
		sha384_block(c->h, p);
		p += SHA384_BLOCK_SIZE;
		n -= SHA384_BLOCK_SIZE;
	}
	if (n) {
		memcpy(c->buf, p, n);
		c->fill = (unsigned)n;
	}
}

/* Padding (§5.1.2): 0x80, zeros, then the bit count as a 128-bit
 * big-endian number in the last 16 bytes of the final block. */
void sha384_final(struct sha384_ctx *c, uint8_t out[SHA384_DIGEST_SIZE])
{
	unsigned fill = c->fill;

	c->buf[fill++] = 0x80;
	if (fill > SHA384_BLOCK_SIZE - 16) {
		memset(c->buf + fill, 0, SHA384_BLOCK_SIZE - fill);
		sha384_block(c->h, c->buf);
		fill = 0;
	}
	memset(c->buf + fill, 0, SHA384_BLOCK_SIZE - 8 - fill);
	store_be64(c->buf + SHA384_BLOCK_SIZE - 8, c->len << 3);
	sha384_block(c->h, c->buf);

	for (unsigned i = 0; i < SHA384_DIGEST_SIZE / 8; i++)
		store_be64(out + 8 * i, c->h[i]);
	memset(c, 0, sizeof(*c));
}

void sha384(const void *data, size_t n, uint8_t out[SHA384_DIGEST_SIZE])
{
	struct sha384_ctx c;

	sha384_init(&c);
	sha384_update(&c, data, n);
	sha384_final(&c, out);
}

/* RFC 2104: H((K ^ opad) || H((K ^ ipad) || msg)), with K zero padded to
 * the block size, or first hashed down when longer than a block. */
void hmac_sha384(const void *key, size_t key_len, const void *msg, size_t n,
		 uint8_t out[SHA384_DIGEST_SIZE])
{
	uint8_t k[SHA384_BLOCK_SIZE];
	uint8_t inner[SHA384_DIGEST_SIZE];
	struct sha384_ctx c;

	memset(k, 0, sizeof(k));
	if (key_len > SHA384_BLOCK_SIZE)
		sha384(key, key_len, k);
	else if (key_len)
		memcpy(k, key, key_len);

	for (unsigned i = 0; i < SHA384_BLOCK_SIZE; i++)
		k[i] ^= 0x36;
	sha384_init(&c);
	sha384_update(&c, k, sizeof(k));
	sha384_update(&c, msg, n);
	sha384_final(&c, inner);

	for (unsigned i = 0; i < SHA384_BLOCK_SIZE; i++)
		k[i] ^= 0x36 ^ 0x5c;
	sha384_init(&c);
	sha384_update(&c, k, sizeof(k));
	sha384_update(&c, inner, sizeof(inner));
	sha384_final(&c, out);

	memset(k, 0, sizeof(k));
	memset(inner, 0, sizeof(inner));
}
