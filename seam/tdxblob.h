/* TDX module blobs ("TDX-BLOB" files): parsing and verification.
 *
 * A blob is what Intel publishes and what SEAMLDR.INSTALL consumes: a
 * 4 KiB header, the module's SEAM SIGSTRUCT in one 4 KiB page (2 KiB used),
 * then the module binary in 4 KiB pages. Two header layouts exist
 * (tdx-abi.md §8.5):
 *
 *   version 0x0100 (Intel's published files, intel/tdx-module-loader)
 *     +0 u16 version, +2 u16 checksum, +4 u32 offset_of_module (0x2000),
 *     +8 "TDX-BLOB", +16 u32 total length (= file size), +20 reserved
 *   version 0x0200 (Linux seamldr.c, blob_structure.txt)
 *     +0 u16 version, +2 u16 checksum, +4 "TDX-BLOB",
 *     +12 u32 sigstruct pages (1), +16 u32 module pages, +20 reserved
 *
 * The 16-bit little-endian word sum of the whole file is 0 (checked on
 * Intel's 0x0100 files; applied to 0x0200 too).
 *
 * The SIGSTRUCT layout and its rules are the P-SEAMLDR's (§8.6 and PSL
 * seamldr_install.c check_seam_sigstruct / verify_manifest): the signature
 * is RSA-3072, e = 65537, PKCS#1 v1.5 with SHA-384, over bytes 0-127 and
 * 900-2047; modulus and signature are stored little-endian; SEAMHASH is the
 * SHA-384 of the module binary. MRSIGNER is the SHA-384 of the 384 modulus
 * bytes as stored.
 *
 * tdxblob_parse() runs every check it can and records each result with a
 * one-line reason. Pure C11, freestanding: the kernel, the host tool
 * (tools/tdxblob) and the unit tests and fuzzer build the same file. */
#ifndef BARETDX_SEAM_TDXBLOB_H
#define BARETDX_SEAM_TDXBLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TDXBLOB_PAGE			4096u
#define TDXBLOB_HEADER_SIZE		4096u
#define TDXBLOB_V1			0x0100u
#define TDXBLOB_V2			0x0200u
#define TDXBLOB_V1_MODULE_OFFSET	0x2000u
#define TDXBLOB_MAX_MODULE_PAGES	496u	/* SEAMLDR_PARAMS list (§8.3) */
#define TDXBLOB_MAX_FILE		((2u + TDXBLOB_MAX_MODULE_PAGES) * TDXBLOB_PAGE)

/* SEAM SIGSTRUCT (2048 bytes), offsets (§8.6, PSL seam_sigstruct.h). */
#define SIGSTRUCT_SIZE			2048u
#define SIGSTRUCT_HEADER_TYPE		0
#define SIGSTRUCT_HEADER_LENGTH		4
#define SIGSTRUCT_HEADER_VERSION	8
#define SIGSTRUCT_MODULE_TYPE		12	/* bit 31 debug-signed */
#define SIGSTRUCT_MODULE_VENDOR		16
#define SIGSTRUCT_DATE			20	/* BCD yyyymmdd */
#define SIGSTRUCT_SIZE_DWORDS		24
#define SIGSTRUCT_KEY_SIZE		28
#define SIGSTRUCT_MODULUS_SIZE		32
#define SIGSTRUCT_EXPONENT_SIZE		36
#define SIGSTRUCT_RESERVED0		40	/* 88 bytes */
#define SIGSTRUCT_MODULUS		128	/* 384 bytes, little-endian */
#define SIGSTRUCT_EXPONENT		512
#define SIGSTRUCT_SIGNATURE		516	/* 384 bytes, little-endian */
#define SIGSTRUCT_SEAMHASH		900
#define SIGSTRUCT_SEAMSVN		948	/* minor byte, major byte */
#define SIGSTRUCT_ATTRIBUTES		950
#define SIGSTRUCT_RIP_OFFSET		958
#define SIGSTRUCT_NUM_STACK_PAGES	962
#define SIGSTRUCT_NUM_TLS_PAGES		963
#define SIGSTRUCT_NUM_KEYHOLE_PAGES	964
#define SIGSTRUCT_NUM_GLOBAL_PAGES	966
#define SIGSTRUCT_MAX_TDMRS		968
#define SIGSTRUCT_MAX_RSVD_PER_TDMR	970
#define SIGSTRUCT_PAMT_ENTRY_4K		972
#define SIGSTRUCT_PAMT_ENTRY_2M		974
#define SIGSTRUCT_PAMT_ENTRY_1G		976
#define SIGSTRUCT_RESERVED1		978	/* 6 bytes */
#define SIGSTRUCT_MODULE_HV		984
#define SIGSTRUCT_MIN_UPDATE_HV		986
#define SIGSTRUCT_NO_DOWNGRADE		988
#define SIGSTRUCT_RESERVED2		989	/* 1 byte */
#define SIGSTRUCT_NUM_HANDOFF_PAGES	990
#define SIGSTRUCT_GDT_IDT_OFFSET	992
#define SIGSTRUCT_FAULT_WRAPPER_OFFSET	996
#define SIGSTRUCT_RESERVED3		1000	/* 24 bytes */
#define SIGSTRUCT_CPUID_TABLE_SIZE	1024
#define SIGSTRUCT_CPUID_TABLE		1028
#define SIGSTRUCT_MAX_CPUIDS		255u

/* The values the P-SEAMLDR accepts. */
#define SIGSTRUCT_HEADER_TYPE_GENERIC_FW 6u
#define SIGSTRUCT_HEADER_LENGTH_DWORDS	0xe1u
#define SIGSTRUCT_HEADER_VERSION_1_0	0x10000u
#define SIGSTRUCT_SIZE_DWORDS_VALUE	0x200u
#define SIGSTRUCT_KEY_DWORDS		0x60u
#define SIGSTRUCT_EXPONENT_DWORDS	1u
#define SIGSTRUCT_RSA_EXPONENT		65537u
#define SIGSTRUCT_VENDOR_INTEL		0x8086u
#define SIGSTRUCT_MODULE_TYPE_DEBUG	(1u << 31)
#define SIGSTRUCT_KEY_BYTES		384u
#define SIGSTRUCT_SIGNED_HEAD		128u	/* bytes [0, 128) are signed */
#define SIGSTRUCT_SIGNED_TAIL		SIGSTRUCT_SEAMHASH /* and [900, 2048) */
/* CPUID table entries match CPUID.1.EAX with the stepping masked off. */
#define TDXBLOB_FMS_STEPPING_MASK	0xfu

enum tdxblob_check {
	TDXBLOB_CHECK_HEADER,		/* "TDX-BLOB", a known version, 4 KiB */
	TDXBLOB_CHECK_SIZES,		/* lengths agree with the file size */
	TDXBLOB_CHECK_PAGES,		/* 1 SIGSTRUCT page, 1..496 module pages */
	TDXBLOB_CHECK_RESERVED,		/* header reserved bytes zero */
	TDXBLOB_CHECK_CHECKSUM,		/* 16-bit word sum 0 */
	TDXBLOB_CHECK_SIGSTRUCT_HEADER,	/* type, length, version, size */
	TDXBLOB_CHECK_VENDOR,		/* 0x8086 */
	TDXBLOB_CHECK_KEY_SIZES,	/* key/modulus/exponent sizes, e */
	TDXBLOB_CHECK_SIGSTRUCT_RESERVED, /* reserved fields, type bits, attributes */
	TDXBLOB_CHECK_SIGSTRUCT_FIELDS,	/* SVN, HVs, GDT/IDT, CPUID table */
	TDXBLOB_CHECK_SEAMHASH,		/* SHA-384 of the module binary */
	TDXBLOB_CHECK_SIGNATURE,	/* RSA-3072 PKCS#1 v1.5 SHA-384 */
	TDXBLOB_NCHECKS
};

enum tdxblob_result { TDXBLOB_PASS, TDXBLOB_FAIL, TDXBLOB_SKIP };

#define TDXBLOB_WHY_MAX 96

struct tdxblob {
	/* The file. */
	uint32_t len;
	uint16_t header_version;	/* 0x0100 or 0x0200 once HEADER passed */
	uint16_t checksum;
	uint32_t sigstruct_offset;	/* file offset of the SIGSTRUCT page */
	uint32_t module_offset;		/* file offset of the module binary */
	uint32_t module_pages;
	/* The SIGSTRUCT, decoded when the file holds one. */
	bool has_sigstruct;
	uint32_t module_type, vendor, date;
	uint16_t seamsvn;		/* major << 8 | minor */
	uint64_t attributes;
	uint16_t max_tdmrs, max_rsvd_per_tdmr;
	uint16_t pamt_entry_size[3];	/* 4K, 2M, 1G; 0 in older blobs */
	uint16_t module_hv, min_update_hv;
	uint8_t no_downgrade;
	uint32_t ncpuids;		/* as stored; at most 255 are read */
	uint32_t cpuids[SIGSTRUCT_MAX_CPUIDS];
	uint8_t seamhash[48];		/* as stored */
	uint8_t module_hash[48];	/* computed, when the module is present */
	uint8_t mrsigner[48];		/* SHA-384 of the modulus as stored */
	/* The verdicts. */
	uint8_t result[TDXBLOB_NCHECKS];	/* enum tdxblob_result */
	char why[TDXBLOB_NCHECKS][TDXBLOB_WHY_MAX];	/* "" unless FAIL/SKIP */
	unsigned failed;
};

/* Parses and verifies blob[0, len). Fills *b (all of it, whatever the
 * bytes) and returns the number of failed checks: 0 means the blob is
 * well-formed, its module hash matches and the signature verifies. A
 * check that cannot run because an earlier one failed is SKIP. */
unsigned tdxblob_parse(const uint8_t *blob, size_t len, struct tdxblob *b);

/* The SIGSTRUCT checks alone, for a SIGSTRUCT that does not sit in a
 * blob file (the emulated P-SEAMLDR reads it from SEAMLDR_PARAMS): decodes
 * s[0, 2048) into *b and sets the SIGSTRUCT_*, KEY_SIZES, VENDOR and
 * SIGNATURE results. b->module_pages must be set (the GDT/IDT offsets are
 * checked against it); the caller hashes the module itself. */
void tdxblob_check_sigstruct(struct tdxblob *b, const uint8_t *s);

/* "header", "sizes", ... the names of enum tdxblob_check. */
const char *tdxblob_check_name(unsigned check);

/* The first failed check, or TDXBLOB_NCHECKS when none failed. */
unsigned tdxblob_first_failure(const struct tdxblob *b);

/* Whether a CPU with this CPUID.1.EAX may run the module: the SIGSTRUCT's
 * CPUID table lists it with the stepping ignored (PSL check_cpuid_support).
 * An empty table allows every CPU (debug-signed modules only). */
bool tdxblob_cpu_supported(const struct tdxblob *b, uint32_t fms);

/* Debug-signed (MODULE_TYPE bit 31): only a debug-unlocked platform loads it. */
bool tdxblob_debug_signed(const struct tdxblob *b);

#endif
