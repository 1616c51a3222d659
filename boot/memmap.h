/* Conversion of the UEFI memory map into boot_info regions.
 *
 * Pure logic: used by the loader after ExitBootServices and by the unit
 * tests on the host. It does not include EFI headers, so it restates the
 * descriptor layout (UEFI 2.10 §7.2, EFI_MEMORY_DESCRIPTOR). */
#ifndef BARETDX_BOOT_MEMMAP_H
#define BARETDX_BOOT_MEMMAP_H

#include <stddef.h>
#include <stdint.h>
#include "boot/boot_info.h"

struct efi_mem_desc {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t num_pages;  /* 4 KiB pages */
	uint64_t attribute;
};

/* UEFI memory types (UEFI 2.10 §7.2, EFI_MEMORY_TYPE). */
enum {
	EFI_RESERVED = 0, EFI_LOADER_CODE, EFI_LOADER_DATA,
	EFI_BS_CODE, EFI_BS_DATA, EFI_RT_CODE, EFI_RT_DATA,
	EFI_CONVENTIONAL, EFI_UNUSABLE, EFI_ACPI_RECLAIM, EFI_ACPI_NVS,
	EFI_MMIO, EFI_MMIO_PORT, EFI_PAL_CODE, EFI_PERSISTENT, EFI_UNACCEPTED,
};

/* Types the loader allocates with, from the OS-defined range
 * 0x80000000-0xffffffff, so that the kernel can tell its own memory apart. */
#define EFI_TYPE_BARETDX_KERNEL     0x80000001u
#define EFI_TYPE_BARETDX_BOOT_DATA  0x80000002u
#define EFI_TYPE_BARETDX_TRAMPOLINE 0x80000003u

struct memmap_result {
	size_t count;     /* regions written */
	unsigned fixups;  /* entries dropped or trimmed (bad, overlapping) */
	int error;        /* 0, or MEMMAP_E_* */
};

#define MEMMAP_E_DESC_SIZE 1 /* descriptor size smaller than the layout */
#define MEMMAP_E_CAPACITY  2 /* more regions than `cap` */

/* Converts `map_size` bytes of descriptors, each `desc_size` bytes apart,
 * into regions sorted by base, with overlaps trimmed and adjacent regions
 * of the same type merged. */
struct memmap_result memmap_from_efi(const void *map, size_t map_size,
				     size_t desc_size,
				     struct boot_mem_region *out, size_t cap);

uint32_t memmap_type_from_efi(uint32_t efi_type);

struct mem_totals {
	uint64_t by_type[BOOT_MEM_NTYPES];
	uint64_t ram;      /* everything but MMIO and firmware-reserved */
	uint64_t highest;  /* end of the highest RAM region */
};

/* Takes `size` bytes aligned to `align` (a power of two) out of the
 * highest usable region below `limit` that can hold them, as a region of
 * type `type`, keeping the array sorted. Returns the base, or 0 when no
 * usable region fits or the array has no room for the split (*n grows by
 * at most 2). */
uint64_t memmap_carve(struct boot_mem_region *r, size_t *n, size_t cap,
		      uint64_t size, uint64_t align, uint64_t limit,
		      uint32_t type);

/* Sums regions by type; shared with the kernel's `mem` report. */
struct mem_totals memmap_totals(const struct boot_mem_region *r, size_t n);
const char *memmap_type_name(uint32_t type);

#endif
