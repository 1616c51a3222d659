/* RSA public-key operations, freestanding: the raw public operation and
 * RSASSA-PKCS1-v1_5 verification with SHA-384 (RFC 8017 §8.2.2), for
 * checking signed TDX module blobs and images. Pure C11, no allocation;
 * builds in the kernel and on the host. Public data only, so nothing here
 * tries to be constant time. */
#ifndef BARETDX_SEAM_RSA_H
#define BARETDX_SEAM_RSA_H

#include <stddef.h>
#include <stdint.h>

#define RSA_MAX_BYTES 512	/* up to 4096-bit moduli */

enum rsa_result {
	RSA_OK = 0,
	/* Modulus length 0 or > RSA_MAX_BYTES, modulus even, or exponent
	 * even or < 3. Leading zero bytes in the modulus are fine. */
	RSA_BAD_KEY,
	/* Signature length != modulus length, or signature >= modulus. */
	RSA_SIG_RANGE,
	/* EM is not 00 01 FF..FF 00 DigestInfo(SHA-384) digest with at least
	 * 8 FF bytes filling the modulus length. */
	RSA_BAD_PADDING,
	/* Well-formed, but the digest differs. */
	RSA_DIGEST_MISMATCH,
};

/* out = in^e mod n; all big-endian byte strings of len bytes (len = modulus
 * length). in must be < n. Returns RSA_OK, RSA_BAD_KEY or RSA_SIG_RANGE;
 * out is written only on RSA_OK. in and out may be the same buffer. */
enum rsa_result rsa_public(const uint8_t *n, size_t len, uint32_t e, const uint8_t *in,
			   uint8_t *out);

/* RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2) with SHA-384: sig and n
 * big-endian, len bytes each; digest is the 48-byte SHA-384 of the
 * message. */
enum rsa_result rsa_verify_pkcs1_sha384(const uint8_t *n, size_t len, uint32_t e,
					const uint8_t *sig, size_t sig_len,
					const uint8_t digest[48]);

/* "ok", "bad key", "signature out of range", "bad padding",
 * "digest mismatch"; "unknown" for anything else. */
const char *rsa_result_name(enum rsa_result r);

#endif
