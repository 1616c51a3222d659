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

/* files.c: files next to the loader image, and load options. Over max
 * bytes a file is truncated (*truncated set), or not read at all when
 * whole is TRUE (*pa stays 0). */
EFI_STATUS files_read_sibling(EFI_LOADED_IMAGE *li, const CHAR16 *name,
			      UINTN max, BOOLEAN whole, UINT64 *pa,
			      UINT32 *len, BOOLEAN *truncated);
UINT32 cmdline_from_load_options(EFI_LOADED_IMAGE *li, char *out, UINT32 cap);

/* files.c: every file (not subdirectory) in dir whose name ends in suffix
 * (ASCII letters in any case; "" for all), read whole into out[] as kind,
 * at most max bytes each (state TOO_LARGE beyond), sorted by name. dir is
 * absolute on the boot file system when it starts with / or \, else
 * relative to the image's directory. At most cap entries, the first by
 * name: *skipped counts the matching files left out. Names that do not fit
 * the table are skipped with a message.
 * EFI_UNSUPPORTED: no file system (network boot); EFI_NOT_FOUND: no such
 * directory; EFI_INVALID_PARAMETER: not a directory. */
EFI_STATUS files_read_dir(EFI_LOADED_IMAGE *li, const char *dir,
			  const char *suffix, UINT32 kind, UINTN max,
			  struct boot_file *out, UINT32 cap, UINT32 *filled,
			  UINT32 *skipped);

/* bootfiles.c: the files settings name (script=, module=) and the module
 * blobs of module-dir=, read into out[]; returns how many entries it
 * filled, at most BOOT_FILES_MAX. */
UINT32 bootfiles_load(EFI_LOADED_IMAGE *li, const char *cfg, UINT32 cfg_len,
		      const char *cmdline, UINT32 cmdline_len,
		      struct boot_file *out);

/* bootfiles.c: records how reading f went (state, efi_status, pa, len),
 * with one console line, naming the file as shown, unless it loaded. */
void bootfile_result(struct boot_file *f, EFI_STATUS st, BOOLEAN too_large,
		     UINT64 pa, UINT32 len, const CHAR16 *shown);

#endif
