/* The one decoder of raw TDX and P-SEAMLDR statuses (style.md rule 5):
 * spec names, the detail packed in bits 31:0, leaf names and the retry
 * class the host's single retry policy acts on. Pure; builds for the
 * kernel and the host. */
#ifndef BARETDX_SEAM_TDX_STATUS_H
#define BARETDX_SEAM_TDX_STATUS_H

#include <stddef.h>
#include <stdint.h>

/* What the caller may do about a status (tdx-abi.md §1.5). */
enum tdx_retry {
	TDX_RETRY_NONE = 0,	/* not retryable as is */
	TDX_RETRY_BUSY,		/* a lock was held: retry the same call */
	TDX_RETRY_ENTROPY,	/* RDRAND/PCONFIG ran dry: retry the same call */
	TDX_RETRY_RESUME,	/* call again in resume mode */
};

/* Spec name of the status: module codes compare under TDX_STATUS_MASK,
 * the software TDX_SEAMCALL_* values compare whole. Never NULL: unknown
 * codes give "unknown status (class 0xNN)". */
const char *tdx_status_name(uint64_t status);

/* Operand ID name ("RCX", "TDR", "SEPT_TREE"...), NULL if unknown. */
const char *tdx_operand_name(unsigned id);

/* "TDH.SYS.INIT" for a SEAMCALL RAX (the version byte is ignored),
 * "SEAMLDR.INFO" for bit-63 leaves; NULL if RAX names no known leaf. */
const char *tdx_leaf_name(uint64_t rax);

/* P-SEAMLDR status name ("SEAMLDR_EBADSIG"); the TDX_SEAMCALL_* software
 * values decode as with tdx_status_name. Never NULL. */
const char *seamldr_status_name(uint64_t status);

/* One line: "NAME (0x%016llx)" and the detail bits 31:0 carry, e.g.
 * "TDX_OPERAND_INVALID (0xc000010000000001) operand RCX" or
 * "TDX_INVALID_PAMT (0xc0000a1000000102) tdmr 2 page-size 2M".
 * Writes at most len bytes, always NUL-terminated when len > 0, and
 * returns the length of the whole line (as snprintf does). */
size_t tdx_status_describe(uint64_t status, char *buf, size_t len);

enum tdx_retry tdx_status_retry_class(uint64_t status);

#endif
