/* tdmrplan: the TDMR/PAMT plan baretdx would make for a host, from its
 * Linux kernel log (the `CMR: [...)` lines) or a plain `start end` list.
 *
 *   tdmrplan [--max-tdmrs N] [--max-reserved N] [--pamt-entry-size N]
 *            [--parallel N] [--json] [FILE]
 *
 * Defaults are the 1.5 module's limits (64 TDMRs, 16 reserved areas,
 * 16-byte PAMT entries). FILE "-" or none reads stdin. Exit status 0 with
 * a plan, 1 when no plan fits the limits, 2 for bad options or input (a
 * CMR list the module could not report included); the reason is one line
 * on stderr, with the input line where there is one. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seam/cmr_parse.h"
#include "seam/tdmr_plan.h"

#define MAX_INPUT	(64u << 20)

static const char usage[] =
	"usage: tdmrplan [--max-tdmrs N] [--max-reserved N] [--pamt-entry-size N]\n"
	"                [--parallel N] [--json] [FILE]\n";

static int die(int code, const char *what, const char *detail)
{
	fprintf(stderr, "tdmrplan: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	return code;
}

static int read_all(const char *path, char **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 1 << 16, n = 0;
	char *b;

	if (!f)
		return -1;
	b = malloc(cap);
	while (b) {
		size_t got = fread(b + n, 1, cap - n, f);

		n += got;
		if (got == 0 || n > MAX_INPUT)
			break;
		if (n == cap) {
			char *nb = cap < MAX_INPUT + 1 ? realloc(b, cap * 2) : NULL;

			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
	}
	if (b && (ferror(f) || n > MAX_INPUT)) {
		free(b);
		b = NULL;
		errno = ferror(f) ? EIO : EFBIG;
	}
	if (f != stdin)
		fclose(f);
	*buf = b;
	*len = n;
	return b ? 0 : -1;
}

static int parse_opt_num(const char *s, unsigned lo, unsigned hi, unsigned *v)
{
	char *end;
	unsigned long x;

	if (!s || !*s)
		return -1;
	errno = 0;
	x = strtoul(s, &end, 0);
	if (errno || *end || s[0] == '-' || x < lo || x > hi)
		return -1;
	*v = (unsigned)x;
	return 0;
}

static void print_json(const struct cmr_list *in, const struct tdmr_plan *p)
{
	static const char *const level[3] = { "4k", "2m", "1g" };

	printf("{\"cmrs\":[");
	for (unsigned i = 0; i < in->n; i++)
		printf("%s[%" PRIu64 ",%" PRIu64 "]", i ? "," : "", in->cmr[i].base,
		       in->cmr[i].base + in->cmr[i].size);
	printf("],\"tdmrs\":[");
	for (unsigned i = 0; i < p->ntdmrs; i++) {
		const struct plan_tdmr *t = &p->tdmr[i];

		printf("%s{\"base\":%" PRIu64 ",\"size\":%" PRIu64 ",\"pamt\":{", i ? "," : "",
		       t->base, t->size);
		for (unsigned l = 0; l < 3; l++)
			printf("%s\"%s\":[%" PRIu64 ",%" PRIu64 "]", l ? "," : "", level[l],
			       t->pamt[l].base, t->pamt[l].size);
		printf("},\"reserved\":[");
		for (unsigned j = 0; j < t->nrsvd; j++)
			printf("%s[%" PRIu64 ",%" PRIu64 "]", j ? "," : "", t->rsvd[j].base,
			       t->rsvd[j].size);
		printf("]}");
	}
	printf("],\"pamt_kb\":%" PRIu64 "}\n", p->pamt_bytes >> 10);
}

static void print_human(const struct cmr_list *in, const struct tdmr_plan *p,
			const struct tdx_limits *lim)
{
	printf("CMRs: %u\n", in->n);
	for (unsigned i = 0; i < in->n; i++)
		printf("  [0x%" PRIx64 ", 0x%" PRIx64 ")  %" PRIu64 " MiB\n", in->cmr[i].base,
		       in->cmr[i].base + in->cmr[i].size, in->cmr[i].size >> 20);
	printf("TDMRs: %u (max %u), reserved areas per TDMR: max %u, PAMT entry %u bytes\n",
	       p->ntdmrs, lim->max_tdmrs, lim->max_rsvd, lim->pamt_entry_size[0]);
	if (p->splits || p->merges || p->moves)
		printf("  planner made %u splits, %u merges, %u PAMT moves\n", p->splits, p->merges,
		       p->moves);
	for (unsigned i = 0; i < p->ntdmrs; i++) {
		const struct plan_tdmr *t = &p->tdmr[i];
		uint64_t block = t->pamt[0].size + t->pamt[1].size + t->pamt[2].size;

		printf("TDMR %u: base 0x%" PRIx64 " size 0x%" PRIx64 " (%" PRIu64 " GiB)\n", i,
		       t->base, t->size, t->size >> 30);
		printf("  PAMT [0x%" PRIx64 ", 0x%" PRIx64 ") %" PRIu64 " KiB: 4K 0x%" PRIx64
		       " 2M 0x%" PRIx64 " 1G 0x%" PRIx64 "\n", t->pamt[0].base, t->pamt[0].base + block,
		       block >> 10, t->pamt[0].size, t->pamt[1].size, t->pamt[2].size);
		printf("  reserved %u:", t->nrsvd);
		for (unsigned j = 0; j < t->nrsvd; j++)
			printf(" [+0x%" PRIx64 ", +0x%" PRIx64 ")", t->rsvd[j].base,
			       t->rsvd[j].base + t->rsvd[j].size);
		printf("\n");
	}
	if (in->has_linux_kb)
		printf("PAMT: %" PRIu64 " KB (Linux: %" PRIu64 " KB)\n", p->pamt_bytes >> 10,
		       in->linux_pamt_kb);
	else
		printf("PAMT: %" PRIu64 " KB\n", p->pamt_bytes >> 10);
}

int main(int argc, char **argv)
{
	struct tdx_limits lim = { 64, 16, { 16, 16, 16 } };
	static struct cmr_list in;
	static struct tdmr_plan plan;
	const char *path = "-";
	unsigned parallel = 0, entry = 16;
	int json = 0, have_path = 0, rc;
	char *buf;
	size_t len;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		unsigned *num = NULL, lo = 0, hi = 0;

		if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "--max-tdmrs")) {
			num = &lim.max_tdmrs, lo = 1, hi = 4096;
		} else if (!strcmp(a, "--max-reserved")) {
			num = &lim.max_rsvd, lo = 0, hi = 4096;
		} else if (!strcmp(a, "--pamt-entry-size")) {
			num = &entry, lo = 1, hi = 4096;
		} else if (!strcmp(a, "--parallel")) {
			num = &parallel, lo = 1, hi = PLAN_MAX_TDMRS;
		} else if (a[0] == '-' && a[1]) {
			fputs(usage, stderr);
			return die(2, "unknown option", a);
		} else if (have_path++) {
			fputs(usage, stderr);
			return die(2, "more than one input file", a);
		} else {
			path = a;
		}
		if (num && parse_opt_num(i + 1 < argc ? argv[++i] : NULL, lo, hi, num))
			return die(2, "bad or missing number for", a);
	}
	lim.pamt_entry_size[0] = lim.pamt_entry_size[1] = lim.pamt_entry_size[2] = entry;

	if (read_all(path, &buf, &len))
		return die(2, strcmp(path, "-") ? path : "stdin", strerror(errno));
	rc = cmr_parse(buf, len, &in);
	free(buf);
	if (rc)
		return die(2, in.why, NULL);
	/* A list the module could never report is bad input: name its line. */
	for (unsigned i = 1; i <= in.n; i++) {
		char why[PLAN_WHY_LEN], where[32];
		struct plan_msg m;

		plan_msg_init(&m, why, sizeof(why));
		if (tdmr_plan_check_cmrs(in.cmr, i, &m)) {
			snprintf(where, sizeof(where), "line %u", in.line_of[i - 1]);
			return die(2, where, why);
		}
	}
	if (tdmr_plan_build(in.cmr, in.n, &lim, NULL, &plan))
		return die(1, plan.why, NULL);
	if (parallel && tdmr_plan_split_for_parallel(&plan, parallel, in.cmr, in.n, &lim, NULL))
		return die(1, plan.why, NULL);
	if (json)
		print_json(&in, &plan);
	else
		print_human(&in, &plan, &lim);
	return 0;
}
