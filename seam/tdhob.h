/* TD HOB: the page a VMM hands TDVF (EDK2's OVMF running as a TD) saying
 * where the TD's memory is, built the way QEMU builds it
 * (hw/i386/tdvf-hob.c, target/i386/kvm/tdx.c) so OVMF's SEC accepts it
 * (OvmfPkg/IntelTdx/TdxHelperLib/SecTdxHelper.c ValidateHobList).
 *
 * The list, all little-endian, every HOB a multiple of 8 bytes:
 *
 *   PHIT (EFI_HOB_HANDOFF_INFO_TABLE, 56 bytes)
 *     +0  u16 HobType 1, u16 HobLength 56, u32 Reserved 0
 *     +8  u32 Version 9, u32 BootMode 0 (BOOT_WITH_FULL_CONFIGURATION)
 *     +16 u64 EfiMemoryTop, EfiMemoryBottom, EfiFreeMemoryTop,
 *         EfiFreeMemoryBottom: all 0, as QEMU leaves them
 *     +48 u64 EfiEndOfHobList: QEMU's rule, the guest address just past
 *         the END HOB (hob_gpa + bytes used). EDK2's own HobLib points
 *         it at the END HOB instead; OVMF never reads the field, it
 *         walks the list to the END HOB (TdxHelperLib ValidateHobList,
 *         PlatformInitLib TransferTdxHobList).
 *   resource descriptors (EFI_HOB_RESOURCE_DESCRIPTOR, 48 bytes)
 *     +0  u16 HobType 3, u16 HobLength 48, u32 Reserved 0
 *     +8  EFI_GUID Owner: all zero
 *     +24 u32 ResourceType, u32 ResourceAttribute
 *     +32 u64 PhysicalStart, u64 ResourceLength
 *   END (EFI_HOB_GENERIC_HEADER, 8 bytes): HobType 0xffff, HobLength 8
 *
 * Sources for the numbers: PI spec vol 3 (HOBs), EDK2
 * MdePkg/Include/Pi/PiHob.h and Pi/PiBootMode.h, QEMU
 * include/standard-headers/uefi/uefi.h and hw/i386/tdvf-hob.h.
 *
 * Pure and freestanding. */
#ifndef BARETDX_SEAM_TDHOB_H
#define BARETDX_SEAM_TDHOB_H

#include <stddef.h>
#include <stdint.h>

/* HOB types (PiHob.h EFI_HOB_TYPE_*). */
#define TDHOB_TYPE_HANDOFF		0x0001u
#define TDHOB_TYPE_RESOURCE_DESCRIPTOR	0x0003u
#define TDHOB_TYPE_END_OF_HOB_LIST	0xffffu

/* PHIT fields (PiHob.h EFI_HOB_HANDOFF_TABLE_VERSION; PiBootMode.h). */
#define TDHOB_HANDOFF_VERSION		9u
#define TDHOB_BOOT_WITH_FULL_CONFIGURATION	0u

/* Resource types (PiHob.h EFI_RESOURCE_*; 7 is PI 1.8's
 * EFI_RESOURCE_MEMORY_UNACCEPTED, BZ3937 in OVMF). */
#define TDHOB_RES_SYSTEM_MEMORY		0u
#define TDHOB_RES_MEMORY_MAPPED_IO	1u
#define TDHOB_RES_MEMORY_UNACCEPTED	7u

/* Resource attribute bits (PiHob.h EFI_RESOURCE_ATTRIBUTE_*). */
#define TDHOB_ATTR_PRESENT		0x00000001u
#define TDHOB_ATTR_INITIALIZED		0x00000002u
#define TDHOB_ATTR_TESTED		0x00000004u
#define TDHOB_ATTR_UNCACHEABLE		0x00000400u

/* QEMU's combinations (hw/i386/tdvf-hob.h EFI_RESOURCE_ATTRIBUTE_TDVF_*):
 * the same 0x7 for PAGE.ADDed and unaccepted RAM, 0x403 for MMIO. */
#define TDHOB_ATTR_TDVF_PRIVATE \
	(TDHOB_ATTR_PRESENT | TDHOB_ATTR_INITIALIZED | TDHOB_ATTR_TESTED)
#define TDHOB_ATTR_TDVF_UNACCEPTED \
	(TDHOB_ATTR_PRESENT | TDHOB_ATTR_INITIALIZED | TDHOB_ATTR_TESTED)
#define TDHOB_ATTR_TDVF_MMIO \
	(TDHOB_ATTR_PRESENT | TDHOB_ATTR_INITIALIZED | TDHOB_ATTR_UNCACHEABLE)

/* Sizes in bytes. */
#define TDHOB_PHIT_SIZE			56u
#define TDHOB_RESOURCE_SIZE		48u
#define TDHOB_END_SIZE			8u

#define TDHOB_MAX_ACCEPTED		32u

/* An upper bound on tdhob_build's bytes: each accepted range splits at
 * most one RAM piece into three. */
#define TDHOB_MAX_BYTES(nram, nacc, nmmio) \
	(TDHOB_PHIT_SIZE + TDHOB_END_SIZE + \
	 TDHOB_RESOURCE_SIZE * ((size_t)(nram) + 2 * (size_t)(nacc) + (size_t)(nmmio)))

struct tdhob_range {
	uint64_t base, size;
};

/* Builds the HOB list into buf (cap bytes; the caller's TD_HOB section,
 * cap = its size), as it will sit at guest physical hob_gpa:
 *   the PHIT (version 9, BootMode 0, EfiEndOfHobList = hob_gpa + the
 *     bytes used, as QEMU sets it, the memory fields 0);
 *   one resource descriptor per piece of RAM in address order: the parts
 *     of `ram` that lie inside an `accepted` range (pages the VMM
 *     PAGE.ADDed: TempMem, TD_HOB, ...) as SYSTEM_MEMORY with
 *     TDVF_PRIVATE, the rest as MEMORY_UNACCEPTED with TDVF_UNACCEPTED;
 *   one MEMORY_MAPPED_IO descriptor per `mmio` range, in the given
 *     order, with TDVF_MMIO;
 *   the END HOB.
 * buf[used, cap) is zeroed.
 *
 * ram: sorted, non-overlapping (may touch), 4 KiB aligned, non-empty,
 * ending at or below 2^52; at least one. mmio: the same, and overlapping
 * no RAM. accepted: at most TDHOB_MAX_ACCEPTED, any order, may touch but
 * not overlap, 4 KiB aligned, non-empty, each inside one RAM range;
 * touching ones are merged into one descriptor (QEMU would emit one per
 * range). hob_gpa: 8-byte aligned, and the bytes used must lie in one
 * accepted range (OVMF reads the list before it accepts anything).
 *
 * Returns the bytes used, or 0 with a one-line reason in why
 * (NUL-terminated, truncated to why_len; why may be NULL) when an input
 * breaks one of those rules or the list does not fit in cap; buf is not
 * written then. */
size_t tdhob_build(void *buf, size_t cap, uint64_t hob_gpa,
		   const struct tdhob_range *ram, unsigned nram,
		   const struct tdhob_range *accepted, unsigned nacc,
		   const struct tdhob_range *mmio, unsigned nmmio,
		   char *why, size_t why_len);

#endif
