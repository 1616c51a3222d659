/* Intel TDX host ABI facts: SEAMCALL/TDCALL leaf numbers, the RAX status
 * format and every status code we decode, operand IDs, P-SEAMLDR leaves and
 * errors, module/TD state numbers and the MSRs TDX detection reads.
 * Section numbers are those of /work/shared/docs/tdx-abi.md; the source keys
 * (M15, M15n, M20, LX, LX-new, PSL, LDR) are defined in its §0.
 *
 * Spec facts only (style.md rule 1); freestanding. Metadata field IDs are in
 * seam/tdx_abi_md.h and in-memory structures in seam/tdx_abi_struct.h; both
 * are included at the end, so this is the one header to include. */
#ifndef BARETDX_SEAM_TDX_ABI_H
#define BARETDX_SEAM_TDX_ABI_H

#include <stdint.h>

/* ---- Instruction encodings (§1.1; LX tdxcall.S, LDR AsmSeamcall.nasm) ---- */

/* Byte lists for initializers, e.g. uint8_t b[] = { TDX_SEAMCALL_BYTES }. */
#define TDX_SEAMCALL_BYTES		0x66, 0x0f, 0x01, 0xcf
#define TDX_TDCALL_BYTES		0x66, 0x0f, 0x01, 0xcc
#define TDX_SEAMRET_BYTES		0x66, 0x0f, 0x01, 0xcd	/* module only */
#define TDX_SEAMOPS_BYTES		0x66, 0x0f, 0x01, 0xce	/* module/P-SEAMLDR */
/* The same four bytes read as a little-endian u32 (for decoding a fault). */
#define TDX_SEAMCALL_U32		0xcf010f66u
#define TDX_TDCALL_U32			0xcc010f66u
#define TDX_SEAMRET_U32			0xcd010f66u
#define TDX_SEAMOPS_U32			0xce010f66u
#define TDX_INSN_LEN			4

/* ---- RAX on input (§1.2; M15 tdx_leaf_and_version_t) -------------------- */

#define TDX_LEAF(rax)			((unsigned)((rax) & 0xffffu))	  /* 15:0 */
#define TDX_LEAF_VERSION(rax)		((unsigned)((rax) >> 16) & 0xffu) /* 23:16 */
/* Nonzero bits here make the module fail with TDX_OPERAND_INVALID + RAX. */
#define TDX_LEAF_RSVD_MASK		0xffffffffff000000ull		  /* 63:24 */
#define TDX_RAX(leaf, version)		((uint64_t)(leaf) | ((uint64_t)(version) << 16))

/* ---- Host SEAMCALL leaves (§2.1; M15 seamcall_leaf_opcode_t, LX tdx.h) ---
 * "(v0,v1)": the leaf accepts version 1 in 1.5.01 (§1.2). */
enum tdx_leaf {
	TDH_VP_ENTER			= 0,
	TDH_MNG_ADDCX			= 1,
	TDH_MEM_PAGE_ADD		= 2,
	TDH_MEM_SEPT_ADD		= 3,	/* v0,v1 */
	TDH_VP_ADDCX			= 4,
	TDH_MEM_PAGE_RELOCATE		= 5,
	TDH_MEM_PAGE_AUG		= 6,
	TDH_MEM_RANGE_BLOCK		= 7,
	TDH_MNG_KEY_CONFIG		= 8,
	TDH_MNG_CREATE			= 9,
	TDH_VP_CREATE			= 10,
	TDH_MNG_RD			= 11,	/* v0,v1 */
	TDH_MEM_RD			= 12,
	TDH_MNG_WR			= 13,
	TDH_MEM_WR			= 14,
	TDH_MEM_PAGE_DEMOTE		= 15,
	TDH_MR_EXTEND			= 16,
	TDH_MR_FINALIZE			= 17,
	TDH_VP_FLUSH			= 18,
	TDH_MNG_VPFLUSHDONE		= 19,
	TDH_MNG_KEY_FREEID		= 20,
	TDH_MNG_INIT			= 21,
	TDH_VP_INIT			= 22,	/* v1 (x2APIC ID) not in 1.5.01 */
	TDH_MEM_PAGE_PROMOTE		= 23,	/* v0,v1 */
	TDH_PHYMEM_PAGE_RDMD		= 24,
	TDH_MEM_SEPT_RD			= 25,
	TDH_VP_RD			= 26,	/* v0,v1 */
	TDH_MNG_KEY_RECLAIMID		= 27,	/* 1.5: no-op */
	TDH_PHYMEM_PAGE_RECLAIM		= 28,
	TDH_MEM_PAGE_REMOVE		= 29,
	TDH_MEM_SEPT_REMOVE		= 30,	/* v0,v1 */
	TDH_SYS_KEY_CONFIG		= 31,
	TDH_SYS_INFO			= 32,	/* legacy, §4.4 */
	TDH_SYS_INIT			= 33,
	TDH_SYS_RD			= 34,
	TDH_SYS_LP_INIT			= 35,
	TDH_SYS_TDMR_INIT		= 36,
	TDH_SYS_RDALL			= 37,
	TDH_MEM_TRACK			= 38,
	TDH_MEM_RANGE_UNBLOCK		= 39,
	TDH_PHYMEM_CACHE_WB		= 40,
	TDH_PHYMEM_PAGE_WBINVD		= 41,
	TDH_MEM_SEPT_WR			= 42,
	TDH_VP_WR			= 43,
	TDH_SYS_LP_SHUTDOWN		= 44,	/* deprecated, returns SUCCESS */
	TDH_SYS_CONFIG			= 45,
	TDH_SERVTD_BIND			= 48,
	TDH_SERVTD_PREBIND		= 49,
	TDH_SYS_SHUTDOWN		= 52,
	TDH_SYS_UPDATE			= 53,
	/* Dynamic PAMT: M20 only. */
	TDH_PHYMEM_PAMT_ADD		= 58,
	TDH_PHYMEM_PAMT_REMOVE		= 59,
	/* LX-new patch series only; [UNVERIFIED] against a module source. */
	TDH_EXT_INIT			= 60,
	TDH_EXT_MEM_ADD			= 61,
	TDH_SYS_DISABLE			= 69,
	/* Migration (1.5.01). */
	TDH_EXPORT_ABORT		= 64,
	TDH_EXPORT_BLOCKW		= 65,
	TDH_EXPORT_RESTORE		= 66,
	TDH_EXPORT_MEM			= 68,
	TDH_EXPORT_PAUSE		= 70,
	TDH_EXPORT_TRACK		= 71,
	TDH_EXPORT_STATE_IMMUTABLE	= 72,
	TDH_EXPORT_STATE_TD		= 73,
	TDH_EXPORT_STATE_VP		= 74,
	TDH_EXPORT_UNBLOCKW		= 75,
	TDH_IMPORT_ABORT		= 80,
	TDH_IMPORT_END			= 81,
	TDH_IMPORT_COMMIT		= 82,
	TDH_IMPORT_MEM			= 83,
	TDH_IMPORT_TRACK		= 84,
	TDH_IMPORT_STATE_IMMUTABLE	= 85,
	TDH_IMPORT_STATE_TD		= 86,
	TDH_IMPORT_STATE_VP		= 87,
	TDH_MIG_STREAM_CREATE		= 96,
	TDH_MEM_SHARED_SEPT_WR		= 163,	/* M20 */
	TDDEBUGCONFIG			= 0xfe,	/* debug modules only */
};

/* ---- Guest TDCALL leaves (§7.1; M15 tdcall_leaf_opcode_t) --------------- */
enum tdg_leaf {
	TDG_VP_VMCALL			= 0,
	TDG_VP_INFO			= 1,
	TDG_MR_RTMR_EXTEND		= 2,
	TDG_VP_VEINFO_GET		= 3,
	TDG_MR_REPORT			= 4,
	TDG_VP_CPUIDVE_SET		= 5,
	TDG_MEM_PAGE_ACCEPT		= 6,
	TDG_VM_RD			= 7,
	TDG_VM_WR			= 8,
	TDG_VP_RD			= 9,
	TDG_VP_WR			= 10,
	TDG_SYS_RD			= 11,
	TDG_SYS_RDALL			= 12,
	TDG_SERVTD_RD			= 18,
	TDG_SERVTD_WR			= 20,
	TDG_MR_VERIFYREPORT		= 22,
	TDG_MEM_PAGE_ATTR_RD		= 23,
	TDG_MEM_PAGE_ATTR_WR		= 24,
	TDG_VP_ENTER			= 25,
	TDG_VP_INVEPT			= 26,
	TDG_VP_INVVPID			= 27,
};

/* ---- P-SEAMLDR (§2.2, §8.1; PSL pseamldr_api_defs.h, LX seamldr.c) -------
 * SEAMCALL with RAX bit 63 set reaches the P-SEAMLDR, one LP at a time. */
#define SEAMLDR_LEAF_BIT		(1ull << 63)
#define SEAMLDR_INFO			0x8000000000000000ull
#define SEAMLDR_INSTALL			0x8000000000000001ull
#define SEAMLDR_SHUTDOWN		0x8000000000000002ull
#define SEAMLDR_SEAMINFO		0x8000000000000003ull
#define SEAMLDR_CLEANUP			0x8000000000000004ull	/* newer PSL */
#define SEAMLDR_TDDEBUGCONFIG		0x80000000000000feull	/* debug */

#define SEAMLDR_SUCCESS			0x0000000000000000ull
#define SEAMLDR_EBADPARAM		0x8000000000000000ull
#define SEAMLDR_EBADCALL		0x8000000000000003ull
#define SEAMLDR_EBADHANDOFF		0x8000000000000004ull
#define SEAMLDR_ECLEANUPREQ		0x8000000000000005ull
#define SEAMLDR_EUNSUPPORTED		0x8000000000000006ull
#define SEAMLDR_ENOMEM			0x8000000000010002ull
#define SEAMLDR_EUNSPECERR		0x8000000000010003ull
#define SEAMLDR_EUNSUPCPU		0x8000000000010004ull
#define SEAMLDR_EBADSIG			0x8000000000020000ull
#define SEAMLDR_EBADHASH		0x8000000000020001ull
#define SEAMLDR_EINTERRUPT		0x8000000000030000ull
#define SEAMLDR_ENOENTROPY		0x8000000000030001ull
/* SEAMLDR.INSTALL's RDX on error (§8.1). */
#define SEAMLDR_INSTALL_RECOVERABLE	0
#define SEAMLDR_INSTALL_UNRECOVERABLE	1

/* ---- Status (RAX on output) layout (§1.3; M15 api_error_code_t) --------- */

#define TDX_STATUS_MASK			0xffffffff00000000ull /* strip 31:0 (LX) */
#define TDX_STATUS_CLASS(s)		((unsigned)((s) >> 40) & 0xffu)	/* 47:40 */
#define TDX_STATUS_DETAILS_L1(s)	((unsigned)((s) >> 32) & 0xffu)	/* 39:32 */
#define TDX_STATUS_OPERAND(s)		((uint32_t)(s))			/* 31:0 */
#define TDX_IS_ERROR(s)			(((s) >> 63) != 0)
#define TDX_STATUS_FATAL		(1ull << 61)
#define TDX_STATUS_HOST_RECOVERABILITY_HINT (1ull << 60)

/* Classes (bits 47:40), grouped as §1.3 reads them off the code list. */
#define TDX_CLASS_GENERAL		0x00
#define TDX_CLASS_OPERAND		0x01
#define TDX_CLASS_RESOURCE		0x02
#define TDX_CLASS_PAGE_METADATA		0x03
#define TDX_CLASS_TD_PAGES		0x04
#define TDX_CLASS_SYS_STATE		0x05
#define TDX_CLASS_TD_STATE		0x06
#define TDX_CLASS_VCPU			0x07
#define TDX_CLASS_KEYS			0x08
#define TDX_CLASS_PLATFORM		0x09
#define TDX_CLASS_TDMR			0x0a
#define TDX_CLASS_EPT			0x0b
#define TDX_CLASS_METADATA		0x0c
#define TDX_CLASS_SERVTD		0x0d
#define TDX_CLASS_MIGRATION		0x0e
#define TDX_CLASS_REPORT		0x10
#define TDX_CLASS_L2			0x11
#define TDX_CLASS_SW			0xff	/* Linux's; never the module's */

/* Packed detail bytes (§1.3 api_error_with_multiple_info, §5.3):
 * byte0 | byte1 << 8 | byte2 << 16 | byte3 << 24. */
#define TDX_DETAIL_BYTE(s, n)		((unsigned)((s) >> (8 * (n))) & 0xffu)
/* Page-size codes in PAMT details and RECLAIM/RDMD R8 (§5.3, §2.3). */
#define TDX_PS_4K			0
#define TDX_PS_2M			1
#define TDX_PS_1G			2

#include "seam/tdx_abi_status.h"

/* ---- Operand IDs in status bits 31:0 (§1.3; M15 tdx_error_codes_defs.h) - */
enum tdx_operand_id {
	TDX_OPERAND_ID_RAX		= 0,
	TDX_OPERAND_ID_RCX		= 1,
	TDX_OPERAND_ID_RDX		= 2,
	TDX_OPERAND_ID_RBX		= 3,
	TDX_OPERAND_ID_RBP		= 5,
	TDX_OPERAND_ID_RSI		= 6,
	TDX_OPERAND_ID_RDI		= 7,
	TDX_OPERAND_ID_R8		= 8,
	TDX_OPERAND_ID_R9		= 9,
	TDX_OPERAND_ID_R10		= 10,
	TDX_OPERAND_ID_R11		= 11,
	TDX_OPERAND_ID_R12		= 12,
	TDX_OPERAND_ID_R13		= 13,
	TDX_OPERAND_ID_R14		= 14,
	TDX_OPERAND_ID_R15		= 15,
	/* TD_PARAMS fields rejected by TDH.MNG.INIT (§6.2 step 5). */
	TDX_OPERAND_ID_ATTRIBUTES	= 64,
	TDX_OPERAND_ID_XFAM		= 65,
	TDX_OPERAND_ID_EXEC_CONTROLS	= 66,
	TDX_OPERAND_ID_EPTP_CONTROLS	= 67,
	TDX_OPERAND_ID_MAX_VCPUS	= 68,
	TDX_OPERAND_ID_CPUID_CONFIG	= 69,
	TDX_OPERAND_ID_TSC_FREQUENCY	= 70,
	TDX_OPERAND_ID_NUM_L2_VMS	= 71,
	TDX_OPERAND_ID_IA32_ARCH_CAPABILITIES_CONFIG = 72,
	TDX_OPERAND_ID_PAGE		= 95,
	TDX_OPERAND_ID_TDMR_INFO_PA	= 96,
	TDX_OPERAND_ID_GPA_LIST_ENTRY	= 97,
	TDX_OPERAND_ID_MIG_BUFF_LIST_ENTRY = 98,
	TDX_OPERAND_ID_NEW_PAGE_LIST_ENTRY = 99,
	TDX_OPERAND_ID_TDR		= 128,
	TDX_OPERAND_ID_TDCX		= 129,
	TDX_OPERAND_ID_TDVPR		= 130,
	TDX_OPERAND_ID_REG_PAGE		= 132,
	TDX_OPERAND_ID_TDCS		= 144,
	TDX_OPERAND_ID_TDVPS		= 145,
	TDX_OPERAND_ID_SEPT_TREE	= 146,
	TDX_OPERAND_ID_SEPT_ENTRY	= 147,
	TDX_OPERAND_ID_RTMR		= 168,
	TDX_OPERAND_ID_TD_EPOCH		= 169,
	TDX_OPERAND_ID_L2_VAPIC_GPA	= 170,
	TDX_OPERAND_ID_MIGSC		= 171,
	TDX_OPERAND_ID_OP_STATE		= 172,
	TDX_OPERAND_ID_MIG		= 173,
	TDX_OPERAND_ID_SERVTD_BINDINGS	= 174,
	TDX_OPERAND_ID_METADATA_FIELD	= 176,
	TDX_OPERAND_ID_SYS		= 184,
	TDX_OPERAND_ID_TDMR		= 185,
	TDX_OPERAND_ID_KOT		= 186,
	TDX_OPERAND_ID_KET		= 187,
	TDX_OPERAND_ID_WBCACHE		= 188,
};

/* ---- Module and TD state numbers ---------------------------------------- */

/* Module-global state (§3.2; M15 tdx_global_data.h). */
enum tdx_global_state {
	TDX_GLOBAL_SYSINIT_PENDING	= 0,
	TDX_GLOBAL_SYSINIT_DONE		= 1,
	TDX_GLOBAL_SYSCONFIG_DONE	= 2,
	TDX_GLOBAL_SYS_READY		= 3,
	TDX_GLOBAL_SYS_SHUTDOWN		= 4,
};

/* TDR lifecycle (§2.4; M15). */
enum td_lifecycle {
	TD_LIFECYCLE_HKID_ASSIGNED	= 0,
	TD_LIFECYCLE_KEYS_CONFIGURED	= 1,
	TD_LIFECYCLE_BLOCKED		= 2,
	TD_LIFECYCLE_TEARDOWN		= 3,
};

/* TD OP_STATE (§2.4; M15 op_state_lookup.c); 3 and up are migration. */
enum td_op_state {
	TD_OP_UNINITIALIZED		= 0,
	TD_OP_INITIALIZED		= 1,
	TD_OP_RUNNABLE			= 2,
};

/* PAMT page types, TDH.PHYMEM.PAGE.RDMD/RECLAIM RCX (§2.3; M15). */
enum tdx_page_type {
	PT_NDA				= 0,	/* free */
	PT_RSVD				= 1,	/* PAMT pages */
	PT_REG				= 3,
	PT_TDR				= 4,
	PT_TDCX				= 5,
	PT_TDVPR			= 6,
	PT_EPT				= 8,
};

/* ---- Operand formats of the S-EPT and TD-entry leaves ------------------- */

/* GPA/level "page_info" in RCX (§6.3; M15 page_info_api_input_t). */
#define TDX_PAGE_INFO_LEVEL(v)		((unsigned)(v) & 7u)		/* 2:0 */
#define TDX_PAGE_INFO_GPA_MASK		0x000ffffffffff000ull		/* 51:12 */
#define TDX_PAGE_INFO_RSVD_MASK		0xfff0000000000ff8ull	/* 63:52, 11:3 */
#define TDX_PAGE_INFO(gpa, level)	(((gpa) & TDX_PAGE_INFO_GPA_MASK) | (uint64_t)(level))
/* TDH.MEM.SEPT.ADD RDX bit 0 (§2.3). */
#define TDX_SEPT_ADD_ALLOW_EXISTING	(1ull << 0)
/* Extended S-EPT error info in RDX (§2.3; M15 sept_entry_arch_info_t). */
#define TDX_SEPT_INFO_LEVEL(v)		((unsigned)(v) & 7u)		/* 2:0 */
#define TDX_SEPT_INFO_STATE(v)		((unsigned)((v) >> 8) & 0xffu)	/* 15:8 */
#define TDX_SEPT_INFO_VM(v)		((unsigned)((v) >> 16) & 3u)	/* 17:16 */

/* TDH.VP.ENTER (§6.6; M15 td_exit.c, tdg_vp_vmcall.c). */
#define TDX_VP_ENTER_TDVPR_MASK		0x000ffffffffff000ull		/* 51:12 */
#define TDX_VP_ENTER_HOST_RECOVERABILITY_HINT (1ull << 52)
#define TDX_VP_ENTER_RESUME_L1		(1ull << 53)
#define TDX_EXIT_REASON_TDCALL		77	/* RAX 31:0 on a TDG.VP.VMCALL exit */
#define TDX_EXIT_REASON_ENTRY_FAIL	(1u << 31)
#define TDX_VMCALL_GPR_MASK(rcx)	((unsigned)(rcx) & 0xffffu)	/* 15:0 */
#define TDX_VMCALL_XMM_MASK(rcx)	((unsigned)((rcx) >> 16) & 0xffffu) /* 31:16 */
#define TDX_EXIT_VM_INDEX(rcx)		((unsigned)((rcx) >> 32) & 3u)	/* 33:32 */

/* ---- MSRs read by TDX detection (§3.1; M15 msr_defs.h, smrrs.h, LX) ---- */

#define MSR_IA32_MTRRCAP		0xfe
#define MTRRCAP_SMRR			(1ull << 11)
#define MTRRCAP_SMRR2			(1ull << 13)
#define MTRRCAP_SMRR_LOCK		(1ull << 14)
#define MTRRCAP_SEAMRR			(1ull << 15)

/* SEAMRR: base and mask hold PA bits [MAXPA-1:25] (32 MiB granularity). */
#define MSR_IA32_SEAMRR_PHYS_BASE	0x1400
#define SEAMRR_BASE_CONFIGURED		(1ull << 3)
#define MSR_IA32_SEAMRR_PHYS_MASK	0x1401
#define SEAMRR_MASK_LOCKED		(1ull << 10)
#define SEAMRR_MASK_ENABLED		(1ull << 11)
#define SEAMRR_ADDR_SHIFT		25
#define SEAMRR_GRANULARITY		(1ull << SEAMRR_ADDR_SHIFT)
#define SEAMRR_ADDR_MASK(maxpa)		((((uint64_t)1 << (maxpa)) - 1) & ~(SEAMRR_GRANULARITY - 1))

/* TDX KeyIDs are [NUM_MKTME + 1, NUM_MKTME + NUM_TDX] (LX tdx.c). */
#define MSR_IA32_MKTME_KEYID_PARTITIONING 0x87
#define MKTME_KEYID_NUM_MKTME(v)	((uint32_t)(v))			/* 31:0 */
#define MKTME_KEYID_NUM_TDX(v)		((uint32_t)((v) >> 32))		/* 63:32 */

#define MSR_IA32_TME_CAPABILITY		0x981
#define MSR_IA32_TME_ACTIVATE		0x982
#define TME_ACTIVATE_LOCKED		(1ull << 0)
#define TME_ACTIVATE_ENABLED		(1ull << 1)
/* K: KeyIDs occupy PA bits [MAXPHYADDR-1 : MAXPHYADDR-K]. M15 uses 52 - K
 * as the start bit; [CONFLICT] with LX where MAXPHYADDR != 52. */
#define TME_ACTIVATE_MK_TME_KEYID_BITS(v) ((unsigned)((v) >> 32) & 0xfu) /* 35:32 */
#define TME_ACTIVATE_TDX_RESERVED_KEYID_BITS(v) ((unsigned)((v) >> 36) & 0xfu) /* 39:36 */

/* Checked by TDH.SYS.INIT / LP.INIT (M15 tdh_sys_init.c, check_msrs). */
#define MSR_IA32_TSC_ADJUST		0x3b	/* must not change after SYS.INIT */
#define MSR_IA32_WBINVDP		0x98
#define MSR_IA32_WBNOINVDP		0x99
#define MSR_IA32_MISC_PACKAGE_CTLS	0xbc
#define MISC_PACKAGE_CTLS_ENERGY_FILTERING (1ull << 0)	/* must be 1 */
#define MSR_IA32_XAPIC_DISABLE_STATUS	0xbd
#define XAPIC_DISABLE_STATUS_LEGACY_DISABLED (1ull << 0) /* must be 1 */
#define MSR_IA32_MISC_ENABLE		0x1a0
#define MISC_ENABLE_LIMIT_CPUID		(1ull << 22)	/* must be 0 */
#define MSR_IA32_PERF_CAPABILITIES	0x345
#define PERF_CAPABILITIES_FW_WRITE	(1ull << 13)	/* must be 1 */
/* IA32_VMX_BASIC (0x480) bit 60: without it, SEAMRET from the P-SEAMLDR
 * clears the current-VMCS pointer (§3.1, §8.1; LX-new). */
#define TDX_VMX_BASIC_NO_SEAMRET_INVD_VMCS (1ull << 60)

#include "seam/tdx_abi_md.h"
#include "seam/tdx_abi_struct.h"

#endif
