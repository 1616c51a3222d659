/* The loader's file table, and the `bootfiles` command that lists it. */
#include <stdbool.h>
#include <string.h>
#include "kernel/bootfiles.h"
#include "kernel/log.h"
#include "kernel/shell.h"
#include "mm/direct_map.h"
#include "seam/sha384.h"

static const struct boot_file *files;
static unsigned nfiles;

void bootfiles_init(const struct boot_info *bi)
{
	files = bi->files_pa ? phys_to_virt(bi->files_pa) : NULL;
	nfiles = files ? bi->files_count : 0;
	if (nfiles > BOOT_FILES_MAX)
		nfiles = BOOT_FILES_MAX;
}

unsigned bootfiles_count(void)
{
	return nfiles;
}

const struct boot_file *bootfiles_get(unsigned i)
{
	return i < nfiles ? &files[i] : NULL;
}

static const char *const state_names[] = {
	[BOOT_FILE_LOADED] = "loaded",
	[BOOT_FILE_NOT_FOUND] = "not found next to the image (ESP or TFTP)",
	[BOOT_FILE_TOO_LARGE] = "too large",
	[BOOT_FILE_READ_ERROR] = "read error",
	[BOOT_FILE_NO_MEMORY] = "no memory for it in the loader",
};

/* One word each, for the table. */
static const char *const state_words[] = {
	[BOOT_FILE_LOADED] = "loaded",
	[BOOT_FILE_NOT_FOUND] = "not-found",
	[BOOT_FILE_TOO_LARGE] = "too-large",
	[BOOT_FILE_READ_ERROR] = "read-error",
	[BOOT_FILE_NO_MEMORY] = "no-memory",
};

static const char *const kind_names[] = {
	[BOOT_FILE_SCRIPT] = "script",
	[BOOT_FILE_MODULE] = "module",
	[BOOT_FILE_FIRMWARE] = "firmware",
};

#define NAME_OF(table, i) \
	((i) < sizeof(table) / sizeof(table[0]) && table[i] ? table[i] : NULL)

const char *bootfiles_state_name(uint32_t state)
{
	const char *s = NAME_OF(state_names, state);
	return s ? s : "unknown state";
}

const char *bootfiles_kind_name(uint32_t kind)
{
	const char *s = NAME_OF(kind_names, kind);
	return s ? s : "?";
}

static void print_sha384(const struct boot_file *f)
{
	uint8_t d[SHA384_DIGEST_SIZE];

	sha384(phys_to_virt(f->pa), f->len, d);
	kprintf("    sha384 ");
	for (unsigned i = 0; i < SHA384_DIGEST_SIZE; i++)
		kprintf("%02x", d[i]);
	kprintf("\n");
}

/* bootfiles [--sha384]: one line per file; with --sha384 the digest of
 * each loaded file's bytes on the line after. */
int cmd_bootfiles(int argc, char **argv)
{
	bool sums = argc == 2 && !strcmp(argv[1], "--sha384");

	if (argc > 2 || (argc == 2 && !sums))
		return CMD_USAGE;
	if (nfiles == 0) {
		kprintf("bootfiles: none\n");
		return CMD_OK;
	}
	for (unsigned i = 0; i < nfiles; i++) {
		const struct boot_file *f = &files[i];
		const char *state = NAME_OF(state_words, f->state);
		/* The name as the loader wrote it, NUL or not. */
		kprintf("%3u %-8s %-10s %8u %.*s", i, bootfiles_kind_name(f->kind),
			state ? state : "?", f->len, (int)sizeof(f->name), f->name);
		if (f->state != BOOT_FILE_LOADED && f->state != BOOT_FILE_TOO_LARGE)
			kprintf(" (firmware status 0x%llx)",
				(unsigned long long)f->efi_status);
		kprintf("\n");
		if (sums && f->state == BOOT_FILE_LOADED)
			print_sha384(f);
	}
	return CMD_OK;
}
