/* Files the kernel needs from the boot medium: the loader reads
 * baretdx.cfg and the command line with the kernel's own parser
 * (kernel/cfg.c), picks out the keys that name files (script=, module=,
 * module-dir=, firmware=), and brings those files along before boot
 * services end, with every TDX module blob (*.blob) of the module
 * directory and every TD firmware file of \EFI\baretdx\. Every other
 * key is the kernel's business: it parses the same text again and reports
 * problems itself, so the loader stays silent about them. */
#include <string.h>
#include "boot/loader.h"
#include "kernel/cfg.h"

#define SCRIPT_MAX_BYTES (64 * 1024)
#define MODULE_MAX_BYTES (4 * 1024 * 1024) /* the largest blob is 498 pages */
#define MODULE_DIR_DEFAULT "/EFI/TDX"
#define MODULE_SUFFIX ".blob"
/* TD firmware (TDVF images such as OVMF.fd): every file of this directory,
 * or one named by firmware= (TFTP after a network boot). */
#define FIRMWARE_MAX_BYTES (16 * 1024 * 1024)
#define FIRMWARE_DIR "/EFI/baretdx"

struct wanted {
	char name[BOOT_FILE_NAME_MAX];
	UINT32 kind;
	UINTN max;
};

struct settings {
	struct wanted w[BOOT_FILES_MAX]; /* files named by a setting */
	UINT32 n;
	char module_dir[BOOT_FILE_NAME_MAX]; /* "": the default */
};

/* The kernel's check (kernel/config.c): 1-63 printable characters, no
 * blanks. A value it refuses names no file here either. */
static BOOLEAN name_ok(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= BOOT_FILE_NAME_MAX)
		return FALSE;
	for (size_t i = 0; i < n; i++)
		if (v[i] <= ' ' || v[i] > '~')
			return FALSE;
	return TRUE;
}

/* Adds or replaces the file of a kind: a later setting wins, as in the
 * kernel (the command line after baretdx.cfg). */
static void want(struct settings *s, UINT32 kind, const char *name, UINTN max)
{
	UINT32 i;

	if (!name_ok(name))
		return; /* the kernel refuses the value and says why */
	for (i = 0; i < s->n && s->w[i].kind != kind; i++)
		;
	if (i == s->n) {
		if (s->n == BOOT_FILES_MAX)
			return;
		s->n++;
	}
	CopyMem(s->w[i].name, (void *)name, strlen(name) + 1);
	s->w[i].kind = kind;
	s->w[i].max = max;
}

static enum cfg_verdict set(void *ctx, const char *key, const char *value,
			    const char **why)
{
	struct settings *s = ctx;

	(void)why;
	if (!strcmp(key, "script"))
		want(s, BOOT_FILE_SCRIPT, value, SCRIPT_MAX_BYTES);
	else if (!strcmp(key, "module"))
		want(s, BOOT_FILE_MODULE, value, MODULE_MAX_BYTES);
	else if (!strcmp(key, "firmware"))
		want(s, BOOT_FILE_FIRMWARE, value, FIRMWARE_MAX_BYTES);
	else if (!strcmp(key, "module-dir") && name_ok(value))
		CopyMem(s->module_dir, (void *)value, strlen(value) + 1);
	return CFG_OK;
}

static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

void bootfile_result(struct boot_file *f, EFI_STATUS st, BOOLEAN too_large,
		     UINT64 pa, UINT32 len, const CHAR16 *shown)
{
	f->efi_status = st;
	f->pa = 0;
	f->len = 0;
	if (st == EFI_NOT_FOUND || st == EFI_TFTP_ERROR)
		f->state = BOOT_FILE_NOT_FOUND;
	else if (st == EFI_OUT_OF_RESOURCES)
		f->state = BOOT_FILE_NO_MEMORY;
	else if (EFI_ERROR(st))
		f->state = BOOT_FILE_READ_ERROR;
	else if (too_large)
		f->state = BOOT_FILE_TOO_LARGE;
	else {
		f->state = BOOT_FILE_LOADED;
		f->pa = pa;
		f->len = len;
	}
	if (f->state != BOOT_FILE_LOADED)
		Print(L"baretdx loader: %s: not loaded (%r)\n", shown,
		      f->state == BOOT_FILE_TOO_LARGE ? EFI_BAD_BUFFER_SIZE : st);
}

/* A file a setting names, next to the image (ESP, or TFTP after a
 * network boot). Over its kind's limit it is not read at all. */
static void load_one(EFI_LOADED_IMAGE *li, const struct wanted *w,
		     struct boot_file *f)
{
	CHAR16 name[BOOT_FILE_NAME_MAX];
	BOOLEAN truncated;
	UINT64 pa;
	UINT32 len;
	EFI_STATUS st;
	UINTN i;

	CopyMem(f->name, (void *)w->name, sizeof(f->name));
	f->kind = w->kind;
	for (i = 0; w->name[i]; i++)
		name[i] = (CHAR16)(unsigned char)w->name[i];
	name[i] = 0;
	st = files_read_sibling(li, name, w->max, TRUE, &pa, &len, &truncated);
	bootfile_result(f, st, truncated, pa, len, name);
}

/* The module blobs of module-dir= (default \EFI\TDX\) into out[]; returns
 * how many entries it filled. A missing default directory is no news;
 * a named one that is missing or cannot be listed gets one line. */
static UINT32 load_module_dir(EFI_LOADED_IMAGE *li, const struct settings *s,
			      struct boot_file *out, UINT32 cap)
{
	BOOLEAN named = s->module_dir[0] != 0;
	const char *dir = named ? s->module_dir : MODULE_DIR_DEFAULT;
	UINT32 filled, skipped;
	EFI_STATUS st;

	st = files_read_dir(li, dir, MODULE_SUFFIX, BOOT_FILE_MODULE,
			    MODULE_MAX_BYTES, out, cap, &filled, &skipped);
	if (skipped)
		Print(L"baretdx loader: %a: %d more %a files than the file table holds (%d entries), skipped\n",
		      dir, skipped, MODULE_SUFFIX, BOOT_FILES_MAX);
	if (st == EFI_NOT_FOUND) {
		if (named)
			Print(L"baretdx loader: %a: not found\n", dir);
	} else if (st == EFI_UNSUPPORTED) {
		if (named)
			Print(L"baretdx loader: %a: no file system to list after a network boot; name the blob with module=\n",
			      dir);
	} else if (st == EFI_INVALID_PARAMETER) {
		Print(L"baretdx loader: %a: not a directory\n", dir);
	} else if (EFI_ERROR(st)) {
		Print(L"baretdx loader: %a: %r\n", dir, st);
	}
	return filled;
}

/* Every file of \EFI\baretdx\ as TD firmware; a missing directory is no
 * news (nor is a network boot, where firmware= names the file). */
static UINT32 load_firmware_dir(EFI_LOADED_IMAGE *li, struct boot_file *out, UINT32 cap)
{
	UINT32 filled, skipped;
	EFI_STATUS st;

	st = files_read_dir(li, FIRMWARE_DIR, "", BOOT_FILE_FIRMWARE, FIRMWARE_MAX_BYTES,
			    out, cap, &filled, &skipped);
	if (skipped)
		Print(L"baretdx loader: %a: %d more files than the file table holds (%d entries), skipped\n",
		      FIRMWARE_DIR, skipped, BOOT_FILES_MAX);
	if (EFI_ERROR(st) && st != EFI_NOT_FOUND && st != EFI_UNSUPPORTED)
		Print(L"baretdx loader: %a: %r\n", FIRMWARE_DIR, st);
	return filled;
}

UINT32 bootfiles_load(EFI_LOADED_IMAGE *li, const char *cfg, UINT32 cfg_len,
		      const char *cmdline, UINT32 cmdline_len,
		      struct boot_file *out)
{
	static struct settings s;
	struct cfg_sink sink = { set, quiet, &s };
	UINT32 n;

	s.n = 0;
	s.module_dir[0] = 0;
	if (cfg && cfg_len)
		cfg_parse(cfg, cfg_len, "baretdx.cfg", &sink);
	if (cmdline && cmdline_len)
		cfg_parse(cmdline, cmdline_len, "command line", &sink);
	for (n = 0; n < s.n; n++)
		load_one(li, &s.w[n], &out[n]);
	n += load_module_dir(li, &s, out + n, BOOT_FILES_MAX - n);
	return n + load_firmware_dir(li, out + n, BOOT_FILES_MAX - n);
}
