/* TDX completion status codes (tdx-abi.md §1.4-§1.6). Included by
 * seam/tdx_abi.h; include that instead.
 *
 * Compare module codes under TDX_STATUS_MASK: bits 31:0 carry an operand ID
 * or packed detail bytes (§1.3). Codes with bit 63 clear are not errors. */
#ifndef BARETDX_SEAM_TDX_ABI_STATUS_H
#define BARETDX_SEAM_TDX_ABI_STATUS_H

/* ---- Linux's software values for "SEAMCALL itself failed" (§1.4, LX
 * asm/tdx.h). The module never produces class 0xFF; we synthesize these
 * from CF and from #UD/#GP fixups, so compare them whole. */
#define TDX_SUCCESS				0x0000000000000000ull
#define TDX_ERROR				(1ull << 63)
#define TDX_NON_RECOVERABLE			(1ull << 62)
#define TDX_SW_ERROR				0x8000ff0000000000ull
#define TDX_SEAMCALL_VMFAILINVALID		0x8000ff00ffff0000ull /* CF=1 */
#define TDX_SEAMCALL_GP				0x8000ff000000000dull /* no SEAMRR */
#define TDX_SEAMCALL_UD				0x8000ff0000000006ull /* no VMXON */

/* ---- Class 0x00: TD exit / general (§1.5, §1.6; M15) ------------------- */
#define TDX_NON_RECOVERABLE_VCPU		0x4000000100000000ull
/* [CONFLICT] LX shared/tdx_errno.h: 0x4000000200000000. */
#define TDX_NON_RECOVERABLE_TD			0x6000000200000000ull
#define TDX_INTERRUPTED_RESUMABLE		0x8000000300000000ull
#define TDX_INTERRUPTED_RESTARTABLE		0x8000000400000000ull
#define TDX_NON_RECOVERABLE_TD_NON_ACCESSIBLE	0x6000000500000000ull
#define TDX_INVALID_RESUMPTION			0xc000000600000000ull
/* [CONFLICT] LX: 0x6000000700000000. */
#define TDX_NON_RECOVERABLE_TD_WRONG_APIC_MODE	0xe000000700000000ull
#define TDX_NON_RECOVERABLE_TD_CORRUPTED_MD	0x6000000a00000000ull

/* ---- Class 0x01: operands ----------------------------------------------- */
#define TDX_OPERAND_INVALID			0xc000010000000000ull
#define TDX_OPERAND_ADDR_RANGE_ERROR		0xc000010100000000ull

/* ---- Class 0x02: busy / resources (retry, §1.5) ------------------------- */
#define TDX_OPERAND_BUSY			0x8000020000000000ull
#define TDX_PREVIOUS_TLB_EPOCH_BUSY		0x8000020100000000ull
#define TDX_SYS_BUSY				0x8000020200000000ull
#define TDX_RND_NO_ENTROPY			0x8000020300000000ull
#define TDX_OPERAND_BUSY_HOST_PRIORITY		0x8000020400000000ull

/* ---- Class 0x03: page metadata ------------------------------------------ */
#define TDX_PAGE_METADATA_INCORRECT		0xc000030000000000ull
#define TDX_PAGE_ALREADY_FREE			0x0000030100000000ull /* not an error */
#define TDX_PAGE_NOT_OWNED_BY_TD		0xc000030200000000ull
#define TDX_PAGE_NOT_FREE			0xc000030300000000ull

/* ---- Class 0x04: TD pages ----------------------------------------------- */
#define TDX_TD_ASSOCIATED_PAGES_EXIST		0xc000040000000000ull

/* ---- Class 0x05: module state (§3.2, §3.3) ------------------------------ */
#define TDX_SYS_INIT_NOT_PENDING		0xc000050000000000ull
#define TDX_SYS_LP_INIT_NOT_DONE		0xc000050200000000ull
#define TDX_SYS_LP_INIT_DONE			0xc000050300000000ull
#define TDX_SYS_NOT_READY			0xc000050500000000ull
#define TDX_SYS_SHUTDOWN			0xc000050600000000ull
#define TDX_SYS_KEY_CONFIG_NOT_PENDING		0xc000050700000000ull
#define TDX_SYS_STATE_INCORRECT			0xc000050800000000ull
#define TDX_SYS_INVALID_HANDOFF			0xc000050900000000ull
#define TDX_SYS_LP_INIT_NOT_PENDING		0xc000050b00000000ull
#define TDX_SYS_CONFIG_NOT_PENDING		0xc000050c00000000ull
#define TDX_INCOMPATIBLE_SEAM_CAPABILITIES	0xc000050d00000000ull

/* ---- Class 0x06: TD state ----------------------------------------------- */
#define TDX_TD_FATAL				0xe000060400000000ull
#define TDX_TD_NON_DEBUG			0xc000060500000000ull
#define TDX_TDCS_NOT_ALLOCATED			0xc000060600000000ull
#define TDX_LIFECYCLE_STATE_INCORRECT		0xc000060700000000ull
#define TDX_OP_STATE_INCORRECT			0xc000060800000000ull
#define TDX_NO_VCPUS				0xc000060900000000ull
#define TDX_TDCX_NUM_INCORRECT			0xc000061000000000ull

/* ---- Class 0x07: vCPU --------------------------------------------------- */
#define TDX_VCPU_STATE_INCORRECT		0xc000070000000000ull
#define TDX_VCPU_ASSOCIATED			0x8000070100000000ull
#define TDX_VCPU_NOT_ASSOCIATED			0x8000070200000000ull
#define TDX_MAX_VCPUS_EXCEEDED			0xc000070500000000ull
#define TDX_TSC_ROLLBACK			0xc000070600000000ull
/* M15 tdx_error_codes_defs.h; TDH.VP.WR enabling posted interrupts before
 * the vector/descriptor are written (metadata_vp.c). Bits 31:0 = the VMCS
 * encoding of the field still uninitialized. */
#define TDX_TD_VMCS_FIELD_NOT_INITIALIZED	0xc000073000000000ull
/* M15 tdx_error_codes_defs.h: TDG.VP.VEINFO.GET without a #VE pending. */
#define TDX_NO_VALID_VE_INFO			0xc000070400000000ull
/* M15 tdx_error_codes_defs.h: TDH.MEM.SEPT.REMOVE of a table with live
 * entries. */
#define TDX_EPT_PAGE_NOT_FREE			0xc0000b0e00000000ull

/* ---- Class 0x08: keys --------------------------------------------------- */
#define TDX_KEY_GENERATION_FAILED		0x8000080000000000ull
#define TDX_TD_KEYS_NOT_CONFIGURED		0x8000081000000000ull
#define TDX_KEY_STATE_INCORRECT			0xc000081100000000ull
#define TDX_KEY_CONFIGURED			0x0000081500000000ull /* not an error */
#define TDX_WBCACHE_NOT_COMPLETE		0x8000081700000000ull
#define TDX_HKID_NOT_FREE			0xc000082000000000ull
#define TDX_NO_HKID_READY_TO_WBCACHE		0x0000082100000000ull /* not an error */
#define TDX_WBCACHE_RESUME_ERROR		0xc000082300000000ull
#define TDX_FLUSHVP_NOT_DONE			0x8000082400000000ull
#define TDX_NUM_ACTIVATED_HKIDS_NOT_SUPPORTED	0xc000082500000000ull

/* ---- Class 0x09: platform checks of TDH.SYS.INIT / LP.INIT (§3.1) ------- */
#define TDX_INCORRECT_CPUID_VALUE		0xc000090000000000ull
#define TDX_LIMIT_CPUID_MAXVAL_SET		0xc000090100000000ull
#define TDX_INCONSISTENT_CPUID_FIELD		0xc000090200000000ull
#define TDX_SMRR_NOT_LOCKED			0xc000091000000000ull
#define TDX_INVALID_SMRR_CONFIGURATION		0xc000091100000000ull
#define TDX_SMRR_OVERLAPS_CMR			0xc000091200000000ull
#define TDX_SMRR_LOCK_NOT_SUPPORTED		0xc000091300000000ull
#define TDX_SMRR_NOT_SUPPORTED			0xc000091400000000ull
/* Bits 31:0 = the MSR address (§1.3). */
#define TDX_INCONSISTENT_MSR			0xc000092000000000ull
#define TDX_INCORRECT_MSR_VALUE			0xc000092100000000ull

/* ---- Class 0x0A: TDMR / PAMT checks of TDH.SYS.CONFIG (§5.3) ------------
 * Bits 31:0 = tdmr index, | page size << 8 (PAMT), | area << 8 (reserved). */
#define TDX_INVALID_TDMR			0xc0000a0000000000ull
#define TDX_NON_ORDERED_TDMR			0xc0000a0100000000ull
#define TDX_TDMR_OUTSIDE_CMRS			0xc0000a0200000000ull
#define TDX_TDMR_ALREADY_INITIALIZED		0x00000a0300000000ull /* not an error */
#define TDX_INVALID_PAMT			0xc0000a1000000000ull
#define TDX_PAMT_OUTSIDE_CMRS			0xc0000a1100000000ull
#define TDX_PAMT_OVERLAP			0xc0000a1200000000ull
#define TDX_INVALID_RESERVED_IN_TDMR		0xc0000a2000000000ull
#define TDX_NON_ORDERED_RESERVED_IN_TDMR	0xc0000a2100000000ull
#define TDX_CMR_LIST_INVALID			0xc0000a2200000000ull

/* ---- Class 0x0B: Secure EPT --------------------------------------------- */
#define TDX_EPT_WALK_FAILED			0xc0000b0000000000ull
#define TDX_EPT_ENTRY_FREE			0xc0000b0100000000ull
#define TDX_EPT_ENTRY_NOT_FREE			0xc0000b0200000000ull
#define TDX_EPT_ENTRY_NOT_PRESENT		0xc0000b0300000000ull
#define TDX_EPT_ENTRY_NOT_LEAF			0xc0000b0400000000ull
#define TDX_EPT_ENTRY_LEAF			0xc0000b0500000000ull
#define TDX_GPA_RANGE_NOT_BLOCKED		0xc0000b0600000000ull
#define TDX_GPA_RANGE_ALREADY_BLOCKED		0x00000b0700000000ull /* not an error */
#define TDX_TLB_TRACKING_NOT_DONE		0xc0000b0800000000ull
#define TDX_PAGE_ALREADY_ACCEPTED		0x00000b0a00000000ull /* not an error */
#define TDX_PAGE_SIZE_MISMATCH			0xc0000b0b00000000ull
#define TDX_EPT_ENTRY_STATE_INCORRECT		0xc0000b0d00000000ull

/* ---- Class 0x0C: metadata ----------------------------------------------- */
#define TDX_METADATA_FIELD_ID_INCORRECT		0xc0000c0000000000ull
#define TDX_METADATA_FIELD_NOT_WRITABLE		0xc0000c0100000000ull
#define TDX_METADATA_FIELD_NOT_READABLE		0xc0000c0200000000ull
#define TDX_METADATA_FIELD_VALUE_NOT_VALID	0xc0000c0300000000ull
#define TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT	0x00000c0b00000000ull /* not an error */

/* ---- Class 0x11: L2 / TD partitioning ----------------------------------- */
#define TDX_PENDING_INTERRUPT			0x0000112000000000ull /* not an error */

#endif
