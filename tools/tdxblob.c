/* tdxblob: look inside TDX module blobs, and make test-signed ones.
 *
 *   tdxblob info FILE [--json]
 *       The layout, SIGSTRUCT fields, CPUID table, MRSIGNER and every check
 *       of seam/tdxblob.c with its result. Exit 0 only when every check
 *       passes, 1 when one fails, 2 for bad usage or an unreadable file.
 *
 *   tdxblob make --key KEY.pem --out FILE (--module FILE | --emu-version X.Y.Z)
 *                [--header 1|2] [--date YYYYMMDD] [--svn MAJOR.MINOR]
 *                [--cpuid FMS[,FMS...]] [--debug] [--max-tdmrs N]
 *                [--emu-pages N] [--build-num N]
 *       A blob signed with an RSA-3072 key (openssl genrsa 3072) through the
 *       openssl command. --emu-version makes a module image the emulated
 *       P-SEAMLDR can install (seam/emu/emu.h); --module takes any image
 *       (padded to 4 KiB). Not Intel-signed: only the emulator loads it. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seam/tdxblob.h"
#include "tools/blob_build.h"

static const char usage[] =
	"usage: tdxblob info FILE [--json]\n"
	"       tdxblob make --key KEY.pem --out FILE (--module FILE | --emu-version X.Y.Z)\n"
	"                    [--header 1|2] [--date YYYYMMDD] [--svn MAJOR.MINOR]\n"
	"                    [--cpuid FMS[,FMS...]] [--debug] [--max-tdmrs N]\n"
	"                    [--emu-pages N] [--build-num N]\n";

static int die(int code, const char *fmt, const char *arg)
{
	fprintf(stderr, "tdxblob: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return code;
}

static uint8_t *read_file(const char *path, size_t *len, size_t max)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(max + 1);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	*len = n;
	return buf;
}

static void hex(FILE *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(o, "%02x", p[i]);
}

static const char *const results[] = { "pass", "FAIL", "skip" };
static const char *const json_results[] = { "pass", "fail", "skip" };

static void print_text(const char *path, const struct tdxblob *b)
{
	printf("%s: %u bytes\n", path, b->len);
	printf("  header version 0x%04x, checksum 0x%04x\n", b->header_version, b->checksum);
	if (b->module_pages)
		printf("  SIGSTRUCT at 0x%x, module at 0x%x: %u pages (%u bytes)\n",
		       b->sigstruct_offset, b->module_offset, b->module_pages,
		       b->module_pages * TDXBLOB_PAGE);
	if (b->has_sigstruct) {
		printf("  date %04x-%02x-%02x, SEAMSVN %u (major %u, minor %u), %s-signed, attributes 0x%llx\n",
		       b->date >> 16, (b->date >> 8) & 0xff, b->date & 0xff, b->seamsvn,
		       b->seamsvn >> 8, b->seamsvn & 0xff,
		       tdxblob_debug_signed(b) ? "debug" : "production",
		       (unsigned long long)b->attributes);
		printf("  limits: max_tdmrs %u, max_rsvd_per_tdmr %u, PAMT entries %u/%u/%u; handoff hv %u, min %u, no_downgrade %u\n",
		       b->max_tdmrs, b->max_rsvd_per_tdmr, b->pamt_entry_size[0],
		       b->pamt_entry_size[1], b->pamt_entry_size[2], b->module_hv,
		       b->min_update_hv, b->no_downgrade);
		printf("  CPUID table (%u):", b->ncpuids);
		for (uint32_t i = 0; i < b->ncpuids && i < SIGSTRUCT_MAX_CPUIDS; i++)
			printf(" 0x%x", b->cpuids[i]);
		printf("\n  MRSIGNER ");
		hex(stdout, b->mrsigner, 48);
		printf("\n  SEAMHASH ");
		hex(stdout, b->seamhash, 48);
		printf("\n");
	}
	for (unsigned c = 0; c < TDXBLOB_NCHECKS; c++)
		printf("  %-4s %-18s %s\n", results[b->result[c]], tdxblob_check_name(c), b->why[c]);
	printf("%s: %s\n", path, b->failed ? "REJECTED" : "all checks pass");
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static void print_json(const char *path, const struct tdxblob *b)
{
	printf("{\"file\": ");
	json_str(path);
	printf(", \"length\": %u, \"header_version\": %u, \"module_pages\": %u",
	       b->len, b->header_version, b->module_pages);
	printf(", \"date\": \"%08x\", \"svn\": %u, \"debug_signed\": %s, \"attributes\": %llu",
	       b->date, b->seamsvn, tdxblob_debug_signed(b) ? "true" : "false",
	       (unsigned long long)b->attributes);
	printf(", \"max_tdmrs\": %u, \"cpuids\": [", b->max_tdmrs);
	for (uint32_t i = 0; i < b->ncpuids && i < SIGSTRUCT_MAX_CPUIDS; i++)
		printf("%s%u", i ? ", " : "", b->cpuids[i]);
	printf("], \"mrsigner\": \"");
	hex(stdout, b->mrsigner, 48);
	printf("\", \"seamhash\": \"");
	hex(stdout, b->seamhash, 48);
	printf("\"");
	for (unsigned c = 0; c < TDXBLOB_NCHECKS; c++)
		printf(", \"%s_ok\": %s", tdxblob_check_name(c),
		       b->result[c] == TDXBLOB_PASS ? "true" : "false");
	printf(", \"checks\": {");
	for (unsigned c = 0; c < TDXBLOB_NCHECKS; c++) {
		printf("%s\"%s\": {\"result\": \"%s\", \"why\": ", c ? ", " : "",
		       tdxblob_check_name(c), json_results[b->result[c]]);
		json_str(b->why[c]);
		printf("}");
	}
	printf("}, \"ok\": %s}\n", b->failed ? "false" : "true");
}

static int cmd_info(int argc, char **argv)
{
	static struct tdxblob b;
	const char *path = NULL;
	bool json = false;
	uint8_t *data;
	size_t len;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!path)
			path = argv[i];
		else
			return die(2, "%s", usage);
	}
	if (!path)
		return die(2, "%s", usage);
	data = read_file(path, &len, TDXBLOB_MAX_FILE);
	if (!data)
		return die(2, "cannot read %s", path);
	if (len > TDXBLOB_MAX_FILE) {
		free(data);
		return die(1, "%s: larger than the largest blob (498 pages)", path);
	}
	tdxblob_parse(data, len, &b);
	free(data);
	if (json)
		print_json(path, &b);
	else
		print_text(path, &b);
	return b.failed ? 1 : 0;
}

static bool parse_num(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	return !errno && end != s && !*end;
}

/* 20250219 -> 0x20250219 (BCD). */
static bool parse_date(const char *s, uint32_t *bcd)
{
	if (strlen(s) != 8 || strspn(s, "0123456789") != 8)
		return false;
	*bcd = (uint32_t)strtoul(s, NULL, 16);
	return true;
}

static int cmd_make(int argc, char **argv)
{
	struct blob_spec sp = { .header_version = TDXBLOB_V1, .date = 0x20261122,
				.seamsvn = 0x0104 };
	const char *key = NULL, *out = NULL, *module_path = NULL, *emu = NULL;
	unsigned long n, emu_pages = 8, build_num = 1;
	unsigned maj, min, upd;
	uint8_t *module = NULL, *blob;
	size_t module_len = 0, len;
	char why[160];
	FILE *f;

	for (int i = 0; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--debug")) {
			sp.module_type |= SIGSTRUCT_MODULE_TYPE_DEBUG;
			continue;
		}
		if (!v)
			return die(2, "%s", usage);
		i++;
		if (!strcmp(o, "--key"))
			key = v;
		else if (!strcmp(o, "--out"))
			out = v;
		else if (!strcmp(o, "--module"))
			module_path = v;
		else if (!strcmp(o, "--emu-version"))
			emu = v;
		else if (!strcmp(o, "--header") && parse_num(v, &n) && (n == 1 || n == 2))
			sp.header_version = n == 1 ? TDXBLOB_V1 : TDXBLOB_V2;
		else if (!strcmp(o, "--date") && parse_date(v, &sp.date))
			;
		else if (!strcmp(o, "--svn") && sscanf(v, "%u.%u", &maj, &min) == 2 && maj < 256 && min < 256)
			sp.seamsvn = (uint16_t)(maj << 8 | min);
		else if (!strcmp(o, "--max-tdmrs") && parse_num(v, &n) && n < 65536)
			sp.max_tdmrs = (uint16_t)n;
		else if (!strcmp(o, "--emu-pages") && parse_num(v, &n) && n >= 1 && n <= TDXBLOB_MAX_MODULE_PAGES)
			emu_pages = n;
		else if (!strcmp(o, "--build-num") && parse_num(v, &n) && n < 65536)
			build_num = n;
		else if (!strcmp(o, "--cpuid")) {
			char copy[256], *tok, *save;
			snprintf(copy, sizeof(copy), "%s", v);
			for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (sp.ncpuids == 16 || !parse_num(tok, &n) || n > 0xffffffffu)
					return die(2, "bad --cpuid list: %s", v);
				sp.cpuids[sp.ncpuids++] = (uint32_t)n;
			}
		} else
			return die(2, "bad option or value: %s", o);
	}
	if (!key || !out || !!module_path == !!emu)
		return die(2, "%s", usage);
	if (emu) {
		if (sscanf(emu, "%u.%u.%u", &maj, &min, &upd) != 3 || maj > 0xffff || min > 0xffff || upd > 0xffff)
			return die(2, "--emu-version wants MAJOR.MINOR.UPDATE, not %s", emu);
		/* The module's build date: the SIGSTRUCT's, as decimal yyyymmdd. */
		char date[16];
		snprintf(date, sizeof(date), "%08x", sp.date);
		module = blob_emu_module((unsigned)emu_pages, (uint16_t)maj, (uint16_t)min,
					 (uint16_t)upd, (uint32_t)strtoul(date, NULL, 10),
					 (uint16_t)build_num);
		if (!module)
			return die(2, "%s", "out of memory");
		module_len = emu_pages * TDXBLOB_PAGE;
	} else {
		uint8_t *raw = read_file(module_path, &len, TDXBLOB_MAX_MODULE_PAGES * TDXBLOB_PAGE);
		if (!raw)
			return die(2, "cannot read %s", module_path);
		if (len == 0 || len > TDXBLOB_MAX_MODULE_PAGES * TDXBLOB_PAGE) {
			free(raw);
			return die(2, "%s: a module is 1 byte to 496 pages", module_path);
		}
		module_len = (len + TDXBLOB_PAGE - 1) / TDXBLOB_PAGE * TDXBLOB_PAGE;
		module = calloc(1, module_len);
		memcpy(module, raw, len);
		free(raw);
	}
	blob = blob_build(&sp, module, module_len, key, &len, why, sizeof(why));
	free(module);
	if (!blob)
		return die(2, "%s", why);
	f = fopen(out, "wb");
	if (!f || fwrite(blob, 1, len, f) != len || fclose(f)) {
		free(blob);
		return die(2, "cannot write %s", out);
	}
	free(blob);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "info"))
		return cmd_info(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "make"))
		return cmd_make(argc - 2, argv + 2);
	fputs(usage, stderr);
	return 2;
}
