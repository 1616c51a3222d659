/* SHA-384 (FIPS 180-4) and HMAC-SHA-384 (RFC 2104), freestanding: for the
 * emulated module's MRTD/RTMR/TDREPORT and later for TDX module blobs and
 * TDVF images. Pure C11; builds in the kernel, the loader and on the host. */
#ifndef BARETDX_SEAM_SHA384_H
#define BARETDX_SEAM_SHA384_H

#include <stddef.h>
#include <stdint.h>

#define SHA384_DIGEST_SIZE 48
#define SHA384_BLOCK_SIZE  128

struct sha384_ctx {
	uint64_t h[8];
	uint64_t len;			/* bytes hashed so far (< 2^61) */
	uint8_t buf[SHA384_BLOCK_SIZE];
	unsigned fill;			/* bytes waiting in buf */
};

void sha384_init(struct sha384_ctx *c);
void sha384_update(struct sha384_ctx *c, const void *data, size_t n);
/* Writes the digest; c must be initialized again before reuse. */
void sha384_final(struct sha384_ctx *c, uint8_t out[SHA384_DIGEST_SIZE]);
void sha384(const void *data, size_t n, uint8_t out[SHA384_DIGEST_SIZE]);
void hmac_sha384(const void *key, size_t key_len, const void *msg, size_t n,
		 uint8_t out[SHA384_DIGEST_SIZE]);

#endif
