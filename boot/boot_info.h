/* The hand-over contract between the UEFI loader (boot/) and the kernel.
 *
 * This header is the only thing boot/ and the rest of baretdx share. Every
 * address in it is physical; the kernel reaches it through the direct map
 * (BOOT_DIRECT_MAP_BASE + pa). The loader fills it just before it jumps and
 * never runs again. */
#ifndef BARETDX_BOOT_INFO_H
#define BARETDX_BOOT_INFO_H

#include <stdint.h>

#define BOOT_INFO_MAGIC   0x4f464e4954455242ull /* "BRETINFO" */
#define BOOT_INFO_VERSION 3

/* Virtual layout the loader sets up and the kernel relies on. */
#define BOOT_DIRECT_MAP_BASE 0xffff800000000000ull /* PML4 slot 256 */
#define BOOT_KERNEL_BASE     0xffffffff80000000ull /* linker.ld */

/* Memory types, converted from the UEFI memory map (boot/memmap.c). */
enum boot_mem_type {
	BOOT_MEM_USABLE = 1,     /* free RAM, incl. boot-services memory */
	BOOT_MEM_RESERVED,       /* firmware reserved or of unknown type */
	BOOT_MEM_ACPI_RECLAIM,   /* ACPI tables */
	BOOT_MEM_ACPI_NVS,
	BOOT_MEM_MMIO,           /* memory-mapped I/O listed by firmware */
	BOOT_MEM_UNUSABLE,       /* RAM with errors */
	BOOT_MEM_PERSISTENT,
	BOOT_MEM_FIRMWARE,       /* UEFI runtime services code and data */
	BOOT_MEM_LOADER,         /* the loader image and its pool; free later */
	BOOT_MEM_KERNEL,         /* the kernel image as loaded */
	BOOT_MEM_BOOT_DATA,      /* boot_info, page tables, cfg, ELF copy */
	BOOT_MEM_TRAMPOLINE,     /* the AP start-up page below 1 MiB */
	BOOT_MEM_SEAMRR,         /* emulated SEAMRR, carved by the kernel */
	BOOT_MEM_NTYPES
};

struct boot_mem_region {
	uint64_t base;
	uint64_t size;
	uint32_t type;  /* enum boot_mem_type */
	uint32_t efi_type; /* original UEFI type, for diagnostics */
};

/* Kernel function symbols, extracted by the loader from the embedded ELF
 * so that exception reports can name code. */
struct boot_symbol {
	uint64_t addr;
	uint32_t size;
	uint32_t name; /* offset into the names block */
};

struct boot_framebuffer {
	uint64_t base;
	uint32_t width, height, pitch; /* pitch in pixels */
	uint32_t format;               /* UEFI EFI_GRAPHICS_PIXEL_FORMAT */
};

/* Files the loader brought along: the ones a setting names (script=,
 * module=) and the TDX module blobs of a directory (module-dir=, default
 * \EFI\TDX\); later TD firmware. The kernel cannot read the ESP or TFTP
 * itself, so a file missing here stays missing. */
#define BOOT_FILE_NAME_MAX 64
#define BOOT_FILES_MAX     32

enum boot_file_kind {
	BOOT_FILE_SCRIPT = 1,
	BOOT_FILE_MODULE = 2,   /* a TDX module blob (*.blob), <= 4 MiB */
	BOOT_FILE_FIRMWARE = 3, /* TD firmware (\EFI\baretdx\, firmware=), <= 16 MiB */
};

enum boot_file_state {
	BOOT_FILE_LOADED = 0,
	BOOT_FILE_NOT_FOUND,     /* neither on the ESP nor over TFTP */
	BOOT_FILE_TOO_LARGE,     /* over the kind's size limit: not loaded */
	BOOT_FILE_READ_ERROR,    /* efi_status says why */
	BOOT_FILE_NO_MEMORY,
};

struct boot_file {
	char name[BOOT_FILE_NAME_MAX]; /* as the setting gave it, or the
					* file name of a directory entry */
	uint64_t pa;                   /* contents, 0 unless LOADED; page
					* aligned */
	uint64_t efi_status;           /* what the firmware answered */
	uint32_t len;
	uint32_t kind;                 /* enum boot_file_kind */
	uint32_t state;                /* enum boot_file_state */
	uint32_t reserved;
};

struct boot_info {
	uint64_t magic;
	uint32_t version;
	uint32_t size;            /* sizeof(struct boot_info) */

	uint64_t mem_pa;          /* struct boot_mem_region[mem_count] */
	uint32_t mem_count;
	uint32_t mem_fixups;      /* overlaps and bad entries the loader fixed */
	uint32_t mem_cap;         /* room in the region array */
	uint32_t reserved1;

	uint64_t rsdp_pa;         /* 0 when firmware gave none */

	uint64_t cmdline_pa;      /* ASCII from the UEFI load options */
	uint32_t cmdline_len;
	uint32_t cfg_len;
	uint64_t cfg_pa;          /* raw bytes of baretdx.cfg, 0 if none */

	uint64_t files_pa;        /* struct boot_file[files_count] */
	uint32_t files_count;
	uint32_t reserved2;

	uint64_t trampoline_pa;   /* one 4 KiB page below 1 MiB */

	uint64_t kernel_pa;       /* physical base of the loaded image */
	uint64_t kernel_size;
	uint64_t syms_pa;         /* struct boot_symbol[syms_count], by addr */
	uint32_t syms_count;
	uint32_t symnames_size;
	uint64_t symnames_pa;     /* NUL-terminated names */

	uint64_t pml4_pa;         /* page tables the kernel starts on */
	uint64_t direct_map_size; /* bytes mapped at BOOT_DIRECT_MAP_BASE */

	struct boot_framebuffer fb; /* base 0 when none */

	uint64_t tsc_loader_entry; /* TSC at efi_main */
	uint64_t tsc_kernel_jump;  /* TSC just before the jump */
	uint32_t flags;            /* BOOT_FLAG_* */
	uint32_t reserved0;
};

#define BOOT_FLAG_CFG_TRUNCATED (1u << 0) /* cfg larger than the limit */
#define BOOT_FLAG_1G_PAGES      (1u << 1) /* direct map uses 1 GiB pages */
#define BOOT_FLAG_SYMS_TRUNCATED (1u << 2)

#endif
