/* Decoding of raw TDX / P-SEAMLDR statuses; see seam/tdx_status.h.
 * All names and formats are from tdx-abi.md (§1.3-§1.6, §2, §5.3, §8.1). */
#include <stddef.h>
#include <stdint.h>

#include "seam/tdx_abi.h"
#include "seam/tdx_status.h"

/* What bits 31:0 carry for a code (§1.3 api_error_with_operand_id /
 * api_error_with_multiple_info; §5.3 and M15 tdh_sys_config.c). */
enum detail {
	D_DETAIL = 0,	/* unknown use: printed in hex when nonzero */
	D_WHOLE,	/* software value, compared whole, no detail */
	D_OPERAND,	/* operand ID */
	D_EXIT,		/* VM-exit reason of a TD exit (§6.6) */
	D_MSR,		/* MSR address */
	D_TDMR,		/* byte0 tdmr index */
	D_PAMT,		/* byte0 tdmr, byte1 page size */
	D_PAMT_OVERLAP,	/* byte0 tdmr, byte1 page size, byte2 other tdmr */
	D_RSVD,		/* byte0 tdmr, byte1 reserved-area index */
};

struct status_desc {
	uint64_t code;
	const char *name;
	uint8_t detail;		/* enum detail */
	uint8_t retry;		/* enum tdx_retry */
};

#define ST(code, detail, retry)	{ code, #code, detail, retry }
#define S(code)			{ code, #code, D_DETAIL, TDX_RETRY_NONE }

/* First match wins: the whole-compared software values precede
 * TDX_SW_ERROR, which they equal under the mask. */
static const struct status_desc statuses[] = {
	/* §1.4 */
	ST(TDX_SEAMCALL_VMFAILINVALID, D_WHOLE, TDX_RETRY_NONE),
	ST(TDX_SEAMCALL_GP, D_WHOLE, TDX_RETRY_NONE),
	ST(TDX_SEAMCALL_UD, D_WHOLE, TDX_RETRY_NONE),
	S(TDX_SW_ERROR),
	ST(TDX_SUCCESS, D_EXIT, TDX_RETRY_NONE),
	S(TDX_ERROR),
	S(TDX_NON_RECOVERABLE),
	/* class 0x00 */
	ST(TDX_NON_RECOVERABLE_VCPU, D_EXIT, TDX_RETRY_NONE),
	ST(TDX_NON_RECOVERABLE_TD, D_EXIT, TDX_RETRY_NONE),
	ST(TDX_INTERRUPTED_RESUMABLE, D_DETAIL, TDX_RETRY_RESUME),
	S(TDX_INTERRUPTED_RESTARTABLE),
	ST(TDX_NON_RECOVERABLE_TD_NON_ACCESSIBLE, D_EXIT, TDX_RETRY_NONE),
	S(TDX_INVALID_RESUMPTION),
	ST(TDX_NON_RECOVERABLE_TD_WRONG_APIC_MODE, D_EXIT, TDX_RETRY_NONE),
	ST(TDX_NON_RECOVERABLE_TD_CORRUPTED_MD, D_EXIT, TDX_RETRY_NONE),
	/* 0x01 */
	ST(TDX_OPERAND_INVALID, D_OPERAND, TDX_RETRY_NONE),
	ST(TDX_OPERAND_ADDR_RANGE_ERROR, D_OPERAND, TDX_RETRY_NONE),
	/* 0x02 */
	ST(TDX_OPERAND_BUSY, D_OPERAND, TDX_RETRY_BUSY),
	S(TDX_PREVIOUS_TLB_EPOCH_BUSY),	/* kick the vCPUs first (§1.5) */
	ST(TDX_SYS_BUSY, D_DETAIL, TDX_RETRY_BUSY),
	ST(TDX_RND_NO_ENTROPY, D_DETAIL, TDX_RETRY_ENTROPY),
	ST(TDX_OPERAND_BUSY_HOST_PRIORITY, D_OPERAND, TDX_RETRY_BUSY),
	/* 0x03, 0x04 */
	S(TDX_PAGE_METADATA_INCORRECT),
	S(TDX_PAGE_ALREADY_FREE),
	S(TDX_PAGE_NOT_OWNED_BY_TD),
	S(TDX_PAGE_NOT_FREE),
	S(TDX_TD_ASSOCIATED_PAGES_EXIST),
	/* 0x05 */
	S(TDX_SYS_INIT_NOT_PENDING),
	S(TDX_SYS_LP_INIT_NOT_DONE),
	S(TDX_SYS_LP_INIT_DONE),
	S(TDX_SYS_NOT_READY),
	S(TDX_SYS_SHUTDOWN),
	S(TDX_SYS_KEY_CONFIG_NOT_PENDING),
	S(TDX_SYS_STATE_INCORRECT),
	S(TDX_SYS_INVALID_HANDOFF),
	S(TDX_SYS_LP_INIT_NOT_PENDING),
	S(TDX_SYS_CONFIG_NOT_PENDING),
	S(TDX_INCOMPATIBLE_SEAM_CAPABILITIES),
	/* 0x06 */
	S(TDX_TD_FATAL),
	S(TDX_TD_NON_DEBUG),
	S(TDX_TDCS_NOT_ALLOCATED),
	S(TDX_LIFECYCLE_STATE_INCORRECT),
	S(TDX_OP_STATE_INCORRECT),
	S(TDX_NO_VCPUS),
	S(TDX_TDCX_NUM_INCORRECT),
	/* 0x07 */
	S(TDX_VCPU_STATE_INCORRECT),
	S(TDX_VCPU_ASSOCIATED),
	S(TDX_VCPU_NOT_ASSOCIATED),
	S(TDX_NO_VALID_VE_INFO),
	S(TDX_MAX_VCPUS_EXCEEDED),
	S(TDX_TSC_ROLLBACK),
	S(TDX_TD_VMCS_FIELD_NOT_INITIALIZED),
	/* 0x08 */
	ST(TDX_KEY_GENERATION_FAILED, D_DETAIL, TDX_RETRY_ENTROPY),
	S(TDX_TD_KEYS_NOT_CONFIGURED),
	S(TDX_KEY_STATE_INCORRECT),
	S(TDX_KEY_CONFIGURED),
	S(TDX_WBCACHE_NOT_COMPLETE),
	S(TDX_HKID_NOT_FREE),
	S(TDX_NO_HKID_READY_TO_WBCACHE),
	S(TDX_WBCACHE_RESUME_ERROR),
	S(TDX_FLUSHVP_NOT_DONE),
	S(TDX_NUM_ACTIVATED_HKIDS_NOT_SUPPORTED),
	/* 0x09 */
	S(TDX_INCORRECT_CPUID_VALUE),
	S(TDX_LIMIT_CPUID_MAXVAL_SET),
	S(TDX_INCONSISTENT_CPUID_FIELD),
	S(TDX_SMRR_NOT_LOCKED),
	S(TDX_INVALID_SMRR_CONFIGURATION),
	S(TDX_SMRR_OVERLAPS_CMR),
	S(TDX_SMRR_LOCK_NOT_SUPPORTED),
	S(TDX_SMRR_NOT_SUPPORTED),
	ST(TDX_INCONSISTENT_MSR, D_MSR, TDX_RETRY_NONE),
	ST(TDX_INCORRECT_MSR_VALUE, D_MSR, TDX_RETRY_NONE),
	/* 0x0A */
	ST(TDX_INVALID_TDMR, D_TDMR, TDX_RETRY_NONE),
	ST(TDX_NON_ORDERED_TDMR, D_TDMR, TDX_RETRY_NONE),
	ST(TDX_TDMR_OUTSIDE_CMRS, D_TDMR, TDX_RETRY_NONE),
	S(TDX_TDMR_ALREADY_INITIALIZED),
	ST(TDX_INVALID_PAMT, D_PAMT, TDX_RETRY_NONE),
	ST(TDX_PAMT_OUTSIDE_CMRS, D_PAMT, TDX_RETRY_NONE),
	ST(TDX_PAMT_OVERLAP, D_PAMT_OVERLAP, TDX_RETRY_NONE),
	ST(TDX_INVALID_RESERVED_IN_TDMR, D_RSVD, TDX_RETRY_NONE),
	ST(TDX_NON_ORDERED_RESERVED_IN_TDMR, D_RSVD, TDX_RETRY_NONE),
	S(TDX_CMR_LIST_INVALID),
	/* 0x0B */
	S(TDX_EPT_WALK_FAILED),
	S(TDX_EPT_ENTRY_FREE),
	S(TDX_EPT_ENTRY_NOT_FREE),
	S(TDX_EPT_ENTRY_NOT_PRESENT),
	S(TDX_EPT_ENTRY_NOT_LEAF),
	S(TDX_EPT_ENTRY_LEAF),
	S(TDX_GPA_RANGE_NOT_BLOCKED),
	S(TDX_GPA_RANGE_ALREADY_BLOCKED),
	S(TDX_TLB_TRACKING_NOT_DONE),
	S(TDX_PAGE_ALREADY_ACCEPTED),
	S(TDX_PAGE_SIZE_MISMATCH),
	S(TDX_EPT_ENTRY_STATE_INCORRECT),
	S(TDX_EPT_PAGE_NOT_FREE),
	/* 0x0C, 0x11 */
	S(TDX_METADATA_FIELD_ID_INCORRECT),
	S(TDX_METADATA_FIELD_NOT_WRITABLE),
	S(TDX_METADATA_FIELD_NOT_READABLE),
	S(TDX_METADATA_FIELD_VALUE_NOT_VALID),
	S(TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT),
	S(TDX_PENDING_INTERRUPT),
};

static const struct status_desc *find_status(uint64_t status)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		const struct status_desc *d = &statuses[i];
		uint64_t v = d->detail == D_WHOLE ? status : status & TDX_STATUS_MASK;

		if (v == d->code)
			return d;
	}
	return NULL;
}

/* "unknown status (class 0xNN)" for every class, without a writable
 * buffer (the decoder runs on any CPU at once). */
#define UC(h, l)	"unknown status (class 0x" #h #l ")"
#define UC16(h)		UC(h, 0), UC(h, 1), UC(h, 2), UC(h, 3), UC(h, 4),	\
			UC(h, 5), UC(h, 6), UC(h, 7), UC(h, 8), UC(h, 9),	\
			UC(h, a), UC(h, b), UC(h, c), UC(h, d), UC(h, e), UC(h, f)
static const char unknown_class[256][28] = {
	UC16(0), UC16(1), UC16(2), UC16(3), UC16(4), UC16(5), UC16(6), UC16(7),
	UC16(8), UC16(9), UC16(a), UC16(b), UC16(c), UC16(d), UC16(e), UC16(f),
};

const char *tdx_status_name(uint64_t status)
{
	const struct status_desc *d = find_status(status);

	return d ? d->name : unknown_class[TDX_STATUS_CLASS(status)];
}

enum tdx_retry tdx_status_retry_class(uint64_t status)
{
	const struct status_desc *d = find_status(status);

	return d ? (enum tdx_retry)d->retry : TDX_RETRY_NONE;
}

/* §1.3 operand IDs. */
static const struct {
	uint8_t id;
	const char *name;
} operands[] = {
	{ TDX_OPERAND_ID_RAX, "RAX" }, { TDX_OPERAND_ID_RCX, "RCX" },
	{ TDX_OPERAND_ID_RDX, "RDX" }, { TDX_OPERAND_ID_RBX, "RBX" },
	{ TDX_OPERAND_ID_RBP, "RBP" }, { TDX_OPERAND_ID_RSI, "RSI" },
	{ TDX_OPERAND_ID_RDI, "RDI" }, { TDX_OPERAND_ID_R8, "R8" },
	{ TDX_OPERAND_ID_R9, "R9" }, { TDX_OPERAND_ID_R10, "R10" },
	{ TDX_OPERAND_ID_R11, "R11" }, { TDX_OPERAND_ID_R12, "R12" },
	{ TDX_OPERAND_ID_R13, "R13" }, { TDX_OPERAND_ID_R14, "R14" },
	{ TDX_OPERAND_ID_R15, "R15" },
	{ TDX_OPERAND_ID_ATTRIBUTES, "ATTRIBUTES" },
	{ TDX_OPERAND_ID_XFAM, "XFAM" },
	{ TDX_OPERAND_ID_EXEC_CONTROLS, "EXEC_CONTROLS" },
	{ TDX_OPERAND_ID_EPTP_CONTROLS, "EPTP_CONTROLS" },
	{ TDX_OPERAND_ID_MAX_VCPUS, "MAX_VCPUS" },
	{ TDX_OPERAND_ID_CPUID_CONFIG, "CPUID_CONFIG" },
	{ TDX_OPERAND_ID_TSC_FREQUENCY, "TSC_FREQUENCY" },
	{ TDX_OPERAND_ID_NUM_L2_VMS, "NUM_L2_VMS" },
	{ TDX_OPERAND_ID_IA32_ARCH_CAPABILITIES_CONFIG, "IA32_ARCH_CAPABILITIES_CONFIG" },
	{ TDX_OPERAND_ID_PAGE, "PAGE" },
	{ TDX_OPERAND_ID_TDMR_INFO_PA, "TDMR_INFO_PA" },
	{ TDX_OPERAND_ID_GPA_LIST_ENTRY, "GPA_LIST_ENTRY" },
	{ TDX_OPERAND_ID_MIG_BUFF_LIST_ENTRY, "MIG_BUFF_LIST_ENTRY" },
	{ TDX_OPERAND_ID_NEW_PAGE_LIST_ENTRY, "NEW_PAGE_LIST_ENTRY" },
	{ TDX_OPERAND_ID_TDR, "TDR" }, { TDX_OPERAND_ID_TDCX, "TDCX" },
	{ TDX_OPERAND_ID_TDVPR, "TDVPR" },
	{ TDX_OPERAND_ID_REG_PAGE, "REG_PAGE" },
	{ TDX_OPERAND_ID_TDCS, "TDCS" }, { TDX_OPERAND_ID_TDVPS, "TDVPS" },
	{ TDX_OPERAND_ID_SEPT_TREE, "SEPT_TREE" },
	{ TDX_OPERAND_ID_SEPT_ENTRY, "SEPT_ENTRY" },
	{ TDX_OPERAND_ID_RTMR, "RTMR" },
	{ TDX_OPERAND_ID_TD_EPOCH, "TD_EPOCH" },
	{ TDX_OPERAND_ID_L2_VAPIC_GPA, "L2_VAPIC_GPA" },
	{ TDX_OPERAND_ID_MIGSC, "MIGSC" },
	{ TDX_OPERAND_ID_OP_STATE, "OP_STATE" },
	{ TDX_OPERAND_ID_MIG, "MIG" },
	{ TDX_OPERAND_ID_SERVTD_BINDINGS, "SERVTD_BINDINGS" },
	{ TDX_OPERAND_ID_METADATA_FIELD, "METADATA_FIELD" },
	{ TDX_OPERAND_ID_SYS, "SYS" }, { TDX_OPERAND_ID_TDMR, "TDMR" },
	{ TDX_OPERAND_ID_KOT, "KOT" }, { TDX_OPERAND_ID_KET, "KET" },
	{ TDX_OPERAND_ID_WBCACHE, "WBCACHE" },
};

const char *tdx_operand_name(unsigned id)
{
	for (size_t i = 0; i < sizeof(operands) / sizeof(operands[0]); i++)
		if (operands[i].id == id)
			return operands[i].name;
	return NULL;
}

/* §2.1 */
static const char *const tdh_names[256] = {
	[TDH_VP_ENTER] = "TDH.VP.ENTER",
	[TDH_MNG_ADDCX] = "TDH.MNG.ADDCX",
	[TDH_MEM_PAGE_ADD] = "TDH.MEM.PAGE.ADD",
	[TDH_MEM_SEPT_ADD] = "TDH.MEM.SEPT.ADD",
	[TDH_VP_ADDCX] = "TDH.VP.ADDCX",
	[TDH_MEM_PAGE_RELOCATE] = "TDH.MEM.PAGE.RELOCATE",
	[TDH_MEM_PAGE_AUG] = "TDH.MEM.PAGE.AUG",
	[TDH_MEM_RANGE_BLOCK] = "TDH.MEM.RANGE.BLOCK",
	[TDH_MNG_KEY_CONFIG] = "TDH.MNG.KEY.CONFIG",
	[TDH_MNG_CREATE] = "TDH.MNG.CREATE",
	[TDH_VP_CREATE] = "TDH.VP.CREATE",
	[TDH_MNG_RD] = "TDH.MNG.RD",
	[TDH_MEM_RD] = "TDH.MEM.RD",
	[TDH_MNG_WR] = "TDH.MNG.WR",
	[TDH_MEM_WR] = "TDH.MEM.WR",
	[TDH_MEM_PAGE_DEMOTE] = "TDH.MEM.PAGE.DEMOTE",
	[TDH_MR_EXTEND] = "TDH.MR.EXTEND",
	[TDH_MR_FINALIZE] = "TDH.MR.FINALIZE",
	[TDH_VP_FLUSH] = "TDH.VP.FLUSH",
	[TDH_MNG_VPFLUSHDONE] = "TDH.MNG.VPFLUSHDONE",
	[TDH_MNG_KEY_FREEID] = "TDH.MNG.KEY.FREEID",
	[TDH_MNG_INIT] = "TDH.MNG.INIT",
	[TDH_VP_INIT] = "TDH.VP.INIT",
	[TDH_MEM_PAGE_PROMOTE] = "TDH.MEM.PAGE.PROMOTE",
	[TDH_PHYMEM_PAGE_RDMD] = "TDH.PHYMEM.PAGE.RDMD",
	[TDH_MEM_SEPT_RD] = "TDH.MEM.SEPT.RD",
	[TDH_VP_RD] = "TDH.VP.RD",
	[TDH_MNG_KEY_RECLAIMID] = "TDH.MNG.KEY.RECLAIMID",
	[TDH_PHYMEM_PAGE_RECLAIM] = "TDH.PHYMEM.PAGE.RECLAIM",
	[TDH_MEM_PAGE_REMOVE] = "TDH.MEM.PAGE.REMOVE",
	[TDH_MEM_SEPT_REMOVE] = "TDH.MEM.SEPT.REMOVE",
	[TDH_SYS_KEY_CONFIG] = "TDH.SYS.KEY.CONFIG",
	[TDH_SYS_INFO] = "TDH.SYS.INFO",
	[TDH_SYS_INIT] = "TDH.SYS.INIT",
	[TDH_SYS_RD] = "TDH.SYS.RD",
	[TDH_SYS_LP_INIT] = "TDH.SYS.LP.INIT",
	[TDH_SYS_TDMR_INIT] = "TDH.SYS.TDMR.INIT",
	[TDH_SYS_RDALL] = "TDH.SYS.RDALL",
	[TDH_MEM_TRACK] = "TDH.MEM.TRACK",
	[TDH_MEM_RANGE_UNBLOCK] = "TDH.MEM.RANGE.UNBLOCK",
	[TDH_PHYMEM_CACHE_WB] = "TDH.PHYMEM.CACHE.WB",
	[TDH_PHYMEM_PAGE_WBINVD] = "TDH.PHYMEM.PAGE.WBINVD",
	[TDH_MEM_SEPT_WR] = "TDH.MEM.SEPT.WR",
	[TDH_VP_WR] = "TDH.VP.WR",
	[TDH_SYS_LP_SHUTDOWN] = "TDH.SYS.LP.SHUTDOWN",
	[TDH_SYS_CONFIG] = "TDH.SYS.CONFIG",
	[TDH_SERVTD_BIND] = "TDH.SERVTD.BIND",
	[TDH_SERVTD_PREBIND] = "TDH.SERVTD.PREBIND",
	[TDH_SYS_SHUTDOWN] = "TDH.SYS.SHUTDOWN",
	[TDH_SYS_UPDATE] = "TDH.SYS.UPDATE",
	[TDH_PHYMEM_PAMT_ADD] = "TDH.PHYMEM.PAMT.ADD",
	[TDH_PHYMEM_PAMT_REMOVE] = "TDH.PHYMEM.PAMT.REMOVE",
	[TDH_EXT_INIT] = "TDH.EXT.INIT",
	[TDH_EXT_MEM_ADD] = "TDH.EXT.MEM.ADD",
	[TDH_SYS_DISABLE] = "TDH.SYS.DISABLE",
	[TDH_EXPORT_ABORT] = "TDH.EXPORT.ABORT",
	[TDH_EXPORT_BLOCKW] = "TDH.EXPORT.BLOCKW",
	[TDH_EXPORT_RESTORE] = "TDH.EXPORT.RESTORE",
	[TDH_EXPORT_MEM] = "TDH.EXPORT.MEM",
	[TDH_EXPORT_PAUSE] = "TDH.EXPORT.PAUSE",
	[TDH_EXPORT_TRACK] = "TDH.EXPORT.TRACK",
	[TDH_EXPORT_STATE_IMMUTABLE] = "TDH.EXPORT.STATE.IMMUTABLE",
	[TDH_EXPORT_STATE_TD] = "TDH.EXPORT.STATE.TD",
	[TDH_EXPORT_STATE_VP] = "TDH.EXPORT.STATE.VP",
	[TDH_EXPORT_UNBLOCKW] = "TDH.EXPORT.UNBLOCKW",
	[TDH_IMPORT_ABORT] = "TDH.IMPORT.ABORT",
	[TDH_IMPORT_END] = "TDH.IMPORT.END",
	[TDH_IMPORT_COMMIT] = "TDH.IMPORT.COMMIT",
	[TDH_IMPORT_MEM] = "TDH.IMPORT.MEM",
	[TDH_IMPORT_TRACK] = "TDH.IMPORT.TRACK",
	[TDH_IMPORT_STATE_IMMUTABLE] = "TDH.IMPORT.STATE.IMMUTABLE",
	[TDH_IMPORT_STATE_TD] = "TDH.IMPORT.STATE.TD",
	[TDH_IMPORT_STATE_VP] = "TDH.IMPORT.STATE.VP",
	[TDH_MIG_STREAM_CREATE] = "TDH.MIG.STREAM.CREATE",
	[TDH_MEM_SHARED_SEPT_WR] = "TDH.MEM.SHARED.SEPT.WR",
	[TDDEBUGCONFIG] = "TDDEBUGCONFIG",
};

/* §2.2 */
static const char *seamldr_leaf_name(uint64_t leaf)
{
	switch (leaf) {
	case SEAMLDR_INFO: return "SEAMLDR.INFO";
	case SEAMLDR_INSTALL: return "SEAMLDR.INSTALL";
	case SEAMLDR_SHUTDOWN: return "SEAMLDR.SHUTDOWN";
	case SEAMLDR_SEAMINFO: return "SEAMLDR.SEAMINFO";
	case SEAMLDR_CLEANUP: return "SEAMLDR.CLEANUP";
	case SEAMLDR_TDDEBUGCONFIG: return "SEAMLDR.TDDEBUGCONFIG";
	default: return NULL;
	}
}

const char *tdx_leaf_name(uint64_t rax)
{
	if (rax & SEAMLDR_LEAF_BIT)
		return seamldr_leaf_name(rax);
	if ((rax & TDX_LEAF_RSVD_MASK) || TDX_LEAF(rax) >= 256)
		return NULL;
	return tdh_names[TDX_LEAF(rax)];
}

/* §8.1 */
const char *seamldr_status_name(uint64_t status)
{
	switch (status) {
	case SEAMLDR_SUCCESS: return "SEAMLDR_SUCCESS";
	case SEAMLDR_EBADPARAM: return "SEAMLDR_EBADPARAM";
	case SEAMLDR_EBADCALL: return "SEAMLDR_EBADCALL";
	case SEAMLDR_EBADHANDOFF: return "SEAMLDR_EBADHANDOFF";
	case SEAMLDR_ECLEANUPREQ: return "SEAMLDR_ECLEANUPREQ";
	case SEAMLDR_EUNSUPPORTED: return "SEAMLDR_EUNSUPPORTED";
	case SEAMLDR_ENOMEM: return "SEAMLDR_ENOMEM";
	case SEAMLDR_EUNSPECERR: return "SEAMLDR_EUNSPECERR";
	case SEAMLDR_EUNSUPCPU: return "SEAMLDR_EUNSUPCPU";
	case SEAMLDR_EBADSIG: return "SEAMLDR_EBADSIG";
	case SEAMLDR_EBADHASH: return "SEAMLDR_EBADHASH";
	case SEAMLDR_EINTERRUPT: return "SEAMLDR_EINTERRUPT";
	case SEAMLDR_ENOENTROPY: return "SEAMLDR_ENOENTROPY";
	case TDX_SEAMCALL_VMFAILINVALID:
	case TDX_SEAMCALL_GP:
	case TDX_SEAMCALL_UD:
		return tdx_status_name(status);
	default: return "unknown SEAMLDR status";
	}
}

/* ---- describe ----------------------------------------------------------- */

/* Appends to a bounded buffer, counting what would not fit. */
struct out {
	char *buf;
	size_t len, pos;
};

static void put_char(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_str(struct out *o, const char *s)
{
	while (*s)
		put_char(o, *s++);
}

static void put_hex(struct out *o, uint64_t v, unsigned min_digits)
{
	char tmp[16];
	unsigned n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v || n < min_digits);
	put_str(o, "0x");
	while (n)
		put_char(o, tmp[--n]);
}

static void put_dec(struct out *o, unsigned v)
{
	char tmp[10];
	unsigned n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		put_char(o, tmp[--n]);
}

static void put_page_size(struct out *o, unsigned ps)
{
	static const char *const sizes[] = { "4K", "2M", "1G" };

	put_str(o, " page-size ");
	if (ps < 3)
		put_str(o, sizes[ps]);
	else
		put_dec(o, ps);
}

static void put_detail(struct out *o, enum detail fmt, uint64_t status)
{
	uint32_t low = TDX_STATUS_OPERAND(status);
	const char *op;

	switch (fmt) {
	case D_WHOLE:
		return;
	case D_OPERAND:
		put_str(o, " operand ");
		op = tdx_operand_name(low);
		if (op)
			put_str(o, op);
		else
			put_hex(o, low, 1);
		return;
	case D_EXIT:
		if (low) {
			put_str(o, " exit-reason ");
			put_dec(o, low & 0xffff);
			if (low & TDX_EXIT_REASON_ENTRY_FAIL)
				put_str(o, " entry-failure");
		}
		return;
	case D_MSR:
		put_str(o, " msr ");
		put_hex(o, low, 1);
		return;
	case D_TDMR:
	case D_PAMT:
	case D_PAMT_OVERLAP:
	case D_RSVD:
		put_str(o, " tdmr ");
		put_dec(o, TDX_DETAIL_BYTE(status, 0));
		if (fmt == D_RSVD) {
			put_str(o, " area ");
			put_dec(o, TDX_DETAIL_BYTE(status, 1));
		} else if (fmt != D_TDMR) {
			put_page_size(o, TDX_DETAIL_BYTE(status, 1));
		}
		if (fmt == D_PAMT_OVERLAP) {
			put_str(o, " other-tdmr ");
			put_dec(o, TDX_DETAIL_BYTE(status, 2));
		}
		return;
	case D_DETAIL:
		if (low) {
			put_str(o, " detail ");
			put_hex(o, low, 1);
		}
		return;
	}
}

size_t tdx_status_describe(uint64_t status, char *buf, size_t len)
{
	const struct status_desc *d = find_status(status);
	struct out o = { buf, len, 0 };

	put_str(&o, d ? d->name : unknown_class[TDX_STATUS_CLASS(status)]);
	put_str(&o, " (");
	put_hex(&o, status, 16);
	put_char(&o, ')');
	put_detail(&o, d ? (enum detail)d->detail : D_DETAIL, status);
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = '\0';
	return o.pos;
}
