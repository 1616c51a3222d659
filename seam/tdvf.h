/* TDVF metadata: how a TD image (our test payloads, OVMF's TDVF) says
 * which of its bytes go where in the TD, and which are measured.
 *
 * The image ends at 4 GiB. OVMF's GUIDed table sits at its end (layout
 * checked against Debian's OVMF.fd, edk2 OvmfPkg/ResetVector):
 *
 *   end-0x30  16  table footer GUID 96b582de-1fb2-45f7-baea-a366c55a082d
 *   end-0x32   2  u16 table length: every entry, this field and the
 *                 footer GUID (OVMF.fd: 0x88, the table is
 *                 [end-0x20-0x88, end-0x20))
 *   below         entries, walked backwards from end-0x32; each is
 *                 data | u16 length | GUID, the length covering all three
 *   end-0x20  32  (not ours: OVMF's VTF bytes and the reset vector)
 *
 * The entry with GUID e47a6535-984a-4798-865e-4685a7bf8ec2 holds a u32:
 * the TDVF descriptor's offset counted back from the end of the image.
 * The descriptor (TDVF spec §11) is "TDVF", u32 length (16 + 32 n),
 * u32 version 1, u32 n, then n sections of 32 bytes:
 *   u32 DataOffset, u32 RawDataSize   the raw data in the image
 *   u64 MemoryAddress, u64 MemoryDataSize   its GPA range
 *   u32 Type, u32 Attributes
 *
 * tdvf_parse validates all of it, for any bytes; pure and freestanding. */
#ifndef BARETDX_SEAM_TDVF_H
#define BARETDX_SEAM_TDVF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TDVF_MAX_SECTIONS	16

/* Section types (TDVF spec Table 11-3, td-shim for 5 and 6). */
enum tdvf_type {
	TDVF_BFV = 0,		/* boot firmware volume: code, raw data */
	TDVF_CFV = 1,		/* configuration firmware volume: raw data */
	TDVF_TD_HOB = 2,	/* the TD HOB the VMM builds; no raw data */
	TDVF_TEMP_MEM = 3,	/* zeroed temporary memory; no raw data */
	TDVF_PERM_MEM = 4,	/* permanent memory; no raw data */
	TDVF_PAYLOAD = 5,	/* td-shim payload */
	TDVF_PAYLOAD_PARAM = 6,	/* td-shim payload parameters */
	TDVF_TYPE_COUNT
};

#define TDVF_ATTR_MR_EXTEND	(1u << 0)	/* TDH.MR.EXTEND the pages */
#define TDVF_ATTR_PAGE_AUG	(1u << 1)	/* PAGE.AUG later, not PAGE.ADD */

/* Offsets from the end of the image. */
#define TDVF_FOOTER_GUID_BACK	0x30
#define TDVF_TABLE_LEN_BACK	0x32
#define TDVF_TABLE_END_BACK	0x20	/* the footer GUID ends here */
#define TDVF_ENTRY_HDR		18	/* u16 length + GUID */
#define TDVF_DESC_HDR		16
#define TDVF_SECTION_SIZE	32
#define TDVF_MIN_IMAGE		0x40

/* In EFI byte order (first three fields little-endian). */
extern const uint8_t tdvf_table_footer_guid[16];
extern const uint8_t tdvf_metadata_guid[16];

struct tdvf_section {
	uint32_t data_offset;	/* file offset of the raw data */
	uint32_t raw_size;	/* bytes of raw data, <= mem_size */
	uint64_t gpa;		/* 4 KiB aligned */
	uint64_t mem_size;	/* 4 KiB aligned, > 0 */
	uint32_t type;		/* enum tdvf_type */
	uint32_t attributes;	/* TDVF_ATTR_* */
};

struct tdvf_info {
	struct tdvf_section sec[TDVF_MAX_SECTIONS];
	unsigned nsec;		/* 1..TDVF_MAX_SECTIONS */
	uint32_t desc_offset;	/* file offset of the descriptor */
	uint32_t desc_back;	/* the metadata entry's value: len - desc_offset */
	uint32_t desc_len;	/* 16 + 32 nsec */
	uint32_t table_len;	/* the GUIDed table's u16 length */
};

/* Parses and validates the TDVF metadata of image[0, len). Returns 0
 * with *out filled, or -1 with *out cleared and a one-line reason in
 * why (NUL-terminated, truncated to why_len; why may be NULL). Checks:
 * the image size (0x40 .. 4 GiB - 1), the footer GUID, the table and
 * every entry's length, one metadata entry with a 4-byte value, the
 * descriptor (inside, 4-aligned, "TDVF", version 1, 1..16 sections,
 * length 16 + 32 n), and each section: a known type, attributes in
 * bits 0-1, 4 KiB aligned non-empty GPA range below 2^52 that overlaps
 * no other section, raw data inside the image and <= the memory size,
 * raw data for BFV/CFV and none for TD_HOB/TempMem/PermMem, MR.EXTEND
 * only with raw data of BFV/CFV/Payload, PAGE.AUG only without raw
 * data, at most one TD_HOB. Reads only image[0, len). */
int tdvf_parse(const uint8_t *image, size_t len, struct tdvf_info *out, char *why,
	       size_t why_len);

/* "BFV", "CFV", "TD_HOB", "TempMem", "PermMem", "Payload",
 * "PayloadParam", or "unknown". */
const char *tdvf_section_type_name(unsigned type);

#endif
