/* Building TDX module blobs on the host, for tests and test benches: the
 * layouts seam/tdxblob.h reads, signed with an RSA-3072 key through the
 * openssl command (the key never enters this code). Host only. */
#ifndef BARETDX_TOOLS_BLOB_BUILD_H
#define BARETDX_TOOLS_BLOB_BUILD_H

#include <stddef.h>
#include <stdint.h>

struct blob_spec {
	uint16_t header_version;	/* TDXBLOB_V1 or TDXBLOB_V2 */
	uint32_t date;			/* BCD yyyymmdd */
	uint16_t seamsvn;		/* major << 8 | minor */
	uint32_t module_type;		/* bit 31: debug-signed */
	uint32_t cpuids[16];
	unsigned ncpuids;
	uint16_t max_tdmrs, max_rsvd_per_tdmr, pamt_entry_size[3];
	uint16_t module_hv, min_update_hv;
	uint8_t no_downgrade;
};

/* A module image the emulated P-SEAMLDR accepts (seam/emu/emu.h): the
 * BTDXEMU1 header with this version, then `pages` pages of deterministic
 * filler. Returns malloc'ed bytes (pages * 4096). */
uint8_t *blob_emu_module(unsigned pages, uint16_t major, uint16_t minor,
			 uint16_t update, uint32_t build_date, uint16_t build_num);

/* Header, SIGSTRUCT (SEAMHASH of module, modulus of key, signature) and
 * module, with the checksum fixed. module_len must be a multiple of 4096.
 * Returns malloc'ed bytes and *len, or NULL with a reason in why. */
uint8_t *blob_build(const struct blob_spec *s, const uint8_t *module, size_t module_len,
		    const char *key_pem, size_t *len, char *why, size_t why_len);

/* A fresh RSA-3072 signing key for tests: `openssl genrsa` into a new
 * directory dir (a mkdtemp template "/tmp/<tag>-XXXXXX"), the key at
 * dir/key.pem. Returns 0, or -1 with a reason in why (openssl missing
 * included: tests fail on that, they do not skip). */
int blob_test_key(const char *tag, char *dir, size_t dir_len, char *key, size_t key_len,
		  char *why, size_t why_len);

/* After editing a blob: the SIGSTRUCT's offset in it, SEAMHASH again,
 * the signature again (modulus from key_pem), the checksum again. */
size_t blob_sigstruct_offset(const uint8_t *blob);
void blob_fix_seamhash(uint8_t *blob, size_t len);
int blob_sign(uint8_t *blob, size_t len, const char *key_pem, char *why, size_t why_len);
void blob_fix_checksum(uint8_t *blob, size_t len);

#endif
