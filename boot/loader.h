/* Private interface between the parts of the UEFI loader. */
#ifndef BARETDX_BOOT_LOADER_H
#define BARETDX_BOOT_LOADER_H

#include <efi.h>
#include <efilib.h>
#include "boot/boot_info.h"
#include "boot/memmap.h"

#define CFG_FILE_NAME L"baretdx.cfg"
#define CFG_MAX_BYTES (64 * 1024)

/* Allocation of zeroed pages of one of our own memory types. */
EFI_STATUS loader_alloc_pages(UINT32 type, UINTN pages, UINT64 max_pa,
			      UINT64 *pa);

/* kernel_load.c: places the embedded kernel ELF. */
struct loaded_kernel {
	UINT64 pa, size;        /* physical span holding all segments */
	UINT64 vbase;           /* virtual address of pa */
	UINT64 entry;
	UINT64 syms_pa, names_pa;
	UINT32 syms_count, names_size;
	BOOLEAN syms_truncated;
};
EFI_STATUS kernel_load(struct loaded_kernel *k);

/* paging.c: initial page tables (identity, direct map, kernel). */
EFI_STATUS paging_build(UINT64 map_end, const struct loaded_kernel *k,
			UINT64 *pml4_pa, BOOLEAN *used_1g);

/* files.c: files next to the loader image, and load options. */
EFI_STATUS files_read_sibling(EFI_LOADED_IMAGE *li, const CHAR16 *name,
			      UINTN max, UINT64 *pa, UINT32 *len,
			      BOOLEAN *truncated);
UINT32 cmdline_from_load_options(EFI_LOADED_IMAGE *li, char *out, UINT32 cap);

/* bootfiles.c: the files settings name (script=), read into out[]; returns
 * how many entries it filled, at most BOOT_FILES_MAX. */
UINT32 bootfiles_load(EFI_LOADED_IMAGE *li, const char *cfg, UINT32 cfg_len,
		      const char *cmdline, UINT32 cmdline_len,
		      struct boot_file *out);

#endif
