/* Files a setting names: the loader reads baretdx.cfg and the command line
 * with the kernel's own parser (kernel/cfg.c), picks out the keys that name
 * files (script=), and brings those files along before boot services end.
 * Every other key is the kernel's business: it parses the same text again
 * and reports problems itself, so the loader stays silent about them. */
#include <string.h>
#include "boot/loader.h"
#include "kernel/cfg.h"

#define SCRIPT_MAX_BYTES (64 * 1024)

struct wanted {
	char name[BOOT_FILE_NAME_MAX];
	UINT32 kind;
	UINTN max;
};

struct wanted_list {
	struct wanted w[BOOT_FILES_MAX];
	UINT32 n;
};

/* Adds or replaces the file of a kind: a later setting wins, as in the
 * kernel (the command line after baretdx.cfg). */
static void want(struct wanted_list *l, UINT32 kind, const char *name, UINTN max)
{
	size_t len = strlen(name);
	UINT32 i;

	if (len == 0 || len >= BOOT_FILE_NAME_MAX)
		return; /* the kernel refuses the value and says why */
	for (i = 0; i < l->n && l->w[i].kind != kind; i++)
		;
	if (i == l->n) {
		if (l->n == BOOT_FILES_MAX)
			return;
		l->n++;
	}
	CopyMem(l->w[i].name, (void *)name, len + 1);
	l->w[i].kind = kind;
	l->w[i].max = max;
}

static enum cfg_verdict set(void *ctx, const char *key, const char *value,
			    const char **why)
{
	(void)why;
	if (!strcmp(key, "script"))
		want(ctx, BOOT_FILE_SCRIPT, value, SCRIPT_MAX_BYTES);
	return CFG_OK;
}

static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

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
	st = files_read_sibling(li, name, w->max, &pa, &len, &truncated);
	f->efi_status = st;
	if (st == EFI_NOT_FOUND || st == EFI_TFTP_ERROR)
		f->state = BOOT_FILE_NOT_FOUND;
	else if (st == EFI_OUT_OF_RESOURCES)
		f->state = BOOT_FILE_NO_MEMORY;
	else if (EFI_ERROR(st))
		f->state = BOOT_FILE_READ_ERROR;
	else if (truncated)
		f->state = BOOT_FILE_TOO_LARGE;
	else {
		f->state = BOOT_FILE_LOADED;
		f->pa = pa;
		f->len = len;
	}
	if (f->state != BOOT_FILE_LOADED)
		Print(L"baretdx loader: %s: not loaded (%r)\n", name,
		      f->state == BOOT_FILE_TOO_LARGE ? EFI_BAD_BUFFER_SIZE : st);
}

UINT32 bootfiles_load(EFI_LOADED_IMAGE *li, const char *cfg, UINT32 cfg_len,
		      const char *cmdline, UINT32 cmdline_len,
		      struct boot_file *out)
{
	static struct wanted_list l;
	struct cfg_sink sink = { set, quiet, &l };

	l.n = 0;
	if (cfg && cfg_len)
		cfg_parse(cfg, cfg_len, "baretdx.cfg", &sink);
	if (cmdline && cmdline_len)
		cfg_parse(cmdline, cmdline_len, "command line", &sink);
	for (UINT32 i = 0; i < l.n; i++)
		load_one(li, &l.w[i], &out[i]);
	return l.n;
}
