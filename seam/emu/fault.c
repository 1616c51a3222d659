/* Fault injection (design.md §7): chosen leaves answer with a chosen status
 * some percent of the time, so that the host's retry and unwind paths run
 * on the emulator. Also the leaf-name table used by the cfg parser and the
 * statistics display. */
#include <string.h>
#include "seam/emu/emu_internal.h"

struct name_value {
	const char *name;
	uint64_t value;
};

/* Spec names of the module leaves (tdx-abi.md §2.1). */
static const struct name_value leaf_names[] = {
	{ "TDH.VP.ENTER", TDH_VP_ENTER },
	{ "TDH.MNG.ADDCX", TDH_MNG_ADDCX },
	{ "TDH.MEM.PAGE.ADD", TDH_MEM_PAGE_ADD },
	{ "TDH.MEM.SEPT.ADD", TDH_MEM_SEPT_ADD },
	{ "TDH.VP.ADDCX", TDH_VP_ADDCX },
	{ "TDH.MEM.PAGE.RELOCATE", TDH_MEM_PAGE_RELOCATE },
	{ "TDH.MEM.PAGE.AUG", TDH_MEM_PAGE_AUG },
	{ "TDH.MEM.RANGE.BLOCK", TDH_MEM_RANGE_BLOCK },
	{ "TDH.MNG.KEY.CONFIG", TDH_MNG_KEY_CONFIG },
	{ "TDH.MNG.CREATE", TDH_MNG_CREATE },
	{ "TDH.VP.CREATE", TDH_VP_CREATE },
	{ "TDH.MNG.RD", TDH_MNG_RD },
	{ "TDH.MEM.RD", TDH_MEM_RD },
	{ "TDH.MNG.WR", TDH_MNG_WR },
	{ "TDH.MEM.WR", TDH_MEM_WR },
	{ "TDH.MEM.PAGE.DEMOTE", TDH_MEM_PAGE_DEMOTE },
	{ "TDH.MR.EXTEND", TDH_MR_EXTEND },
	{ "TDH.MR.FINALIZE", TDH_MR_FINALIZE },
	{ "TDH.VP.FLUSH", TDH_VP_FLUSH },
	{ "TDH.MNG.VPFLUSHDONE", TDH_MNG_VPFLUSHDONE },
	{ "TDH.MNG.KEY.FREEID", TDH_MNG_KEY_FREEID },
	{ "TDH.MNG.INIT", TDH_MNG_INIT },
	{ "TDH.VP.INIT", TDH_VP_INIT },
	{ "TDH.MEM.PAGE.PROMOTE", TDH_MEM_PAGE_PROMOTE },
	{ "TDH.PHYMEM.PAGE.RDMD", TDH_PHYMEM_PAGE_RDMD },
	{ "TDH.MEM.SEPT.RD", TDH_MEM_SEPT_RD },
	{ "TDH.VP.RD", TDH_VP_RD },
	{ "TDH.MNG.KEY.RECLAIMID", TDH_MNG_KEY_RECLAIMID },
	{ "TDH.PHYMEM.PAGE.RECLAIM", TDH_PHYMEM_PAGE_RECLAIM },
	{ "TDH.MEM.PAGE.REMOVE", TDH_MEM_PAGE_REMOVE },
	{ "TDH.MEM.SEPT.REMOVE", TDH_MEM_SEPT_REMOVE },
	{ "TDH.SYS.KEY.CONFIG", TDH_SYS_KEY_CONFIG },
	{ "TDH.SYS.INFO", TDH_SYS_INFO },
	{ "TDH.SYS.INIT", TDH_SYS_INIT },
	{ "TDH.SYS.RD", TDH_SYS_RD },
	{ "TDH.SYS.LP.INIT", TDH_SYS_LP_INIT },
	{ "TDH.SYS.TDMR.INIT", TDH_SYS_TDMR_INIT },
	{ "TDH.SYS.RDALL", TDH_SYS_RDALL },
	{ "TDH.MEM.TRACK", TDH_MEM_TRACK },
	{ "TDH.MEM.RANGE.UNBLOCK", TDH_MEM_RANGE_UNBLOCK },
	{ "TDH.PHYMEM.CACHE.WB", TDH_PHYMEM_CACHE_WB },
	{ "TDH.PHYMEM.PAGE.WBINVD", TDH_PHYMEM_PAGE_WBINVD },
	{ "TDH.MEM.SEPT.WR", TDH_MEM_SEPT_WR },
	{ "TDH.VP.WR", TDH_VP_WR },
	{ "TDH.SYS.LP.SHUTDOWN", TDH_SYS_LP_SHUTDOWN },
	{ "TDH.SYS.CONFIG", TDH_SYS_CONFIG },
	{ "TDH.SERVTD.BIND", TDH_SERVTD_BIND },
	{ "TDH.SERVTD.PREBIND", TDH_SERVTD_PREBIND },
	{ "TDH.SYS.SHUTDOWN", TDH_SYS_SHUTDOWN },
	{ "TDH.SYS.UPDATE", TDH_SYS_UPDATE },
	{ "TDH.EXPORT.ABORT", TDH_EXPORT_ABORT },
	{ "TDH.EXPORT.BLOCKW", TDH_EXPORT_BLOCKW },
	{ "TDH.EXPORT.RESTORE", TDH_EXPORT_RESTORE },
	{ "TDH.EXPORT.MEM", TDH_EXPORT_MEM },
	{ "TDH.EXPORT.PAUSE", TDH_EXPORT_PAUSE },
	{ "TDH.EXPORT.TRACK", TDH_EXPORT_TRACK },
	{ "TDH.EXPORT.STATE.IMMUTABLE", TDH_EXPORT_STATE_IMMUTABLE },
	{ "TDH.EXPORT.STATE.TD", TDH_EXPORT_STATE_TD },
	{ "TDH.EXPORT.STATE.VP", TDH_EXPORT_STATE_VP },
	{ "TDH.EXPORT.UNBLOCKW", TDH_EXPORT_UNBLOCKW },
	{ "TDH.IMPORT.ABORT", TDH_IMPORT_ABORT },
	{ "TDH.IMPORT.END", TDH_IMPORT_END },
	{ "TDH.IMPORT.COMMIT", TDH_IMPORT_COMMIT },
	{ "TDH.IMPORT.MEM", TDH_IMPORT_MEM },
	{ "TDH.IMPORT.TRACK", TDH_IMPORT_TRACK },
	{ "TDH.IMPORT.STATE.IMMUTABLE", TDH_IMPORT_STATE_IMMUTABLE },
	{ "TDH.IMPORT.STATE.TD", TDH_IMPORT_STATE_TD },
	{ "TDH.IMPORT.STATE.VP", TDH_IMPORT_STATE_VP },
	{ "TDH.MIG.STREAM.CREATE", TDH_MIG_STREAM_CREATE },
};

/* P-SEAMLDR leaves by number (RAX without bit 63; §2.2). */
static const struct name_value seamldr_names[] = {
	{ "SEAMLDR.INFO", 0 },
	{ "SEAMLDR.INSTALL", 1 },
	{ "SEAMLDR.SHUTDOWN", 2 },
	{ "SEAMLDR.SEAMINFO", 3 },
	{ "SEAMLDR.CLEANUP", 4 },
};

/* Status names the cfg syntax accepts, retry classes first (§1.5). */
static const struct name_value status_names[] = {
	{ "TDX_OPERAND_BUSY", TDX_OPERAND_BUSY },
	{ "TDX_OPERAND_BUSY_HOST_PRIORITY", TDX_OPERAND_BUSY_HOST_PRIORITY },
	{ "TDX_SYS_BUSY", TDX_SYS_BUSY },
	{ "TDX_RND_NO_ENTROPY", TDX_RND_NO_ENTROPY },
	{ "TDX_INTERRUPTED_RESUMABLE", TDX_INTERRUPTED_RESUMABLE },
	{ "TDX_INTERRUPTED_RESTARTABLE", TDX_INTERRUPTED_RESTARTABLE },
	{ "TDX_KEY_GENERATION_FAILED", TDX_KEY_GENERATION_FAILED },
	{ "TDX_PREVIOUS_TLB_EPOCH_BUSY", TDX_PREVIOUS_TLB_EPOCH_BUSY },
	{ "TDX_OPERAND_INVALID", TDX_OPERAND_INVALID },
	{ "TDX_SYS_NOT_READY", TDX_SYS_NOT_READY },
	{ "TDX_SYS_SHUTDOWN", TDX_SYS_SHUTDOWN },
	{ "TDX_SUCCESS", TDX_SUCCESS },
	{ "SEAMLDR_EBADPARAM", SEAMLDR_EBADPARAM },
	{ "SEAMLDR_EBADCALL", SEAMLDR_EBADCALL },
	{ "SEAMLDR_EUNSPECERR", SEAMLDR_EUNSPECERR },
	{ "SEAMLDR_ENOENTROPY", SEAMLDR_ENOENTROPY },
	{ "SEAMLDR_EINTERRUPT", SEAMLDR_EINTERRUPT },
};

const char *emu_leaf_name(unsigned leaf)
{
	for (size_t i = 0; i < sizeof(leaf_names) / sizeof(leaf_names[0]); i++)
		if (leaf_names[i].value == leaf)
			return leaf_names[i].name;
	return NULL;
}

/* xorshift64* (Vigna): deterministic, so a seed reproduces a run. */
static uint64_t rng_next(struct emu *e)
{
	uint64_t x = e->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	e->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

void emu_rng_seed(struct emu *e, uint64_t seed)
{
	e->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
}

int emu_add_fault(struct emu *e, const struct emu_fault *f)
{
	int rc = -1;

	spin_lock(&e->lock);
	if (e->nfaults < EMU_MAX_FAULTS && f->percent <= 100) {
		e->faults[e->nfaults++] = *f;
		rc = 0;
	}
	spin_unlock(&e->lock);
	return rc;
}

bool emu_fault_roll(struct emu *e, unsigned leaf, bool seamldr, uint64_t *status)
{
	for (unsigned i = 0; i < e->nfaults; i++) {
		const struct emu_fault *f = &e->faults[i];

		if (f->leaf != leaf || f->seamldr != seamldr || f->percent == 0)
			continue;
		if (f->percent < 100 && rng_next(e) % 100 >= f->percent)
			continue;
		e->stats.injected++;
		*status = f->status;
		return true;
	}
	return false;
}

/* ---- "<leaf>:<status>:<percent>" ---------------------------------------- */

#define TOKEN_MAX 64

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static int digit(char c, unsigned base)
{
	int d = c >= '0' && c <= '9' ? c - '0' :
		upper(c) >= 'A' && upper(c) <= 'F' ? upper(c) - 'A' + 10 : 99;
	return d < (int)base ? d : -1;
}

/* A whole token as a number: 0x-prefixed hex, else `base`. */
static int parse_number(const char *s, unsigned base, uint64_t *v)
{
	uint64_t x = 0;

	if (s[0] == '0' && upper(s[1]) == 'X') {
		s += 2;
		base = 16;
	}
	if (!*s)
		return -1;
	for (; *s; s++) {
		int d = digit(*s, base);

		if (d < 0 || x > (~0ull - (uint64_t)d) / base)
			return -1;
		x = x * base + (uint64_t)d;
	}
	*v = x;
	return 0;
}

/* Copies the next ':'-separated token (the last one must end the string).
 * Returns what follows the separator, or NULL for an empty or long token. */
static const char *next_token(const char *s, char *tok, bool last)
{
	size_t n = 0;

	while (*s && *s != ':') {
		if (n + 1 >= TOKEN_MAX)
			return NULL;
		tok[n++] = *s++;
	}
	tok[n] = '\0';
	if (n == 0 || (last ? *s != '\0' : *s != ':'))
		return NULL;
	return last ? s : s + 1;
}

static bool name_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '_' ? '.' : upper(*a), y = *b == '_' ? '.' : upper(*b);
		if (x != y)
			return false;
	}
	return *a == *b;
}

static int parse_leaf(const char *tok, struct emu_fault *f)
{
	uint64_t v;

	if (digit(tok[0], 10) >= 0) {
		if (parse_number(tok, 10, &v))
			return -1;
		f->seamldr = (v & SEAMLDR_LEAF_BIT) != 0;
		v &= ~SEAMLDR_LEAF_BIT;
		if (v > 0xffff)
			return -1;
		f->leaf = (uint16_t)v;
		return 0;
	}
	for (size_t i = 0; i < sizeof(seamldr_names) / sizeof(seamldr_names[0]); i++) {
		if (name_equal(tok, seamldr_names[i].name)) {
			f->seamldr = true;
			f->leaf = (uint16_t)seamldr_names[i].value;
			return 0;
		}
	}
	/* "TDH." is optional: "sys.config" names TDH.SYS.CONFIG. */
	for (size_t i = 0; i < sizeof(leaf_names) / sizeof(leaf_names[0]); i++) {
		if (name_equal(tok, leaf_names[i].name) ||
		    name_equal(tok, leaf_names[i].name + 4)) {
			f->seamldr = false;
			f->leaf = (uint16_t)leaf_names[i].value;
			return 0;
		}
	}
	return -1;
}

/* A status: hex with or without 0x, or a name ("TDX_" optional), either
 * optionally followed by "+<operand id>". */
static int parse_status(char *tok, uint64_t *status)
{
	char *plus = strchr(tok, '+');
	uint64_t operand = 0;

	if (plus) {
		*plus = '\0';
		if (parse_number(plus + 1, 10, &operand) || operand > 0xffffffffull)
			return -1;
	}
	if (parse_number(tok, 16, status) == 0) {
		*status |= operand;
		return 0;
	}
	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++) {
		const char *name = status_names[i].name;

		if (name_equal(tok, name) ||
		    (!strncmp(name, "TDX_", 4) && name_equal(tok, name + 4))) {
			*status = status_names[i].value | operand;
			return 0;
		}
	}
	return -1;
}

int emu_fault_parse(const char *spec, struct emu_fault *out)
{
	char tok[TOKEN_MAX];
	struct emu_fault f = { 0 };
	uint64_t percent;

	if (!spec || !(spec = next_token(spec, tok, false)) || parse_leaf(tok, &f))
		return -1;
	if (!(spec = next_token(spec, tok, false)) || parse_status(tok, &f.status))
		return -1;
	if (!next_token(spec, tok, true) || parse_number(tok, 10, &percent) || percent > 100)
		return -1;
	f.percent = (unsigned)percent;
	*out = f;
	return 0;
}
