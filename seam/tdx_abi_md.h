/* TDX metadata: field-ID encoding, the global (TDH.SYS.RD) field IDs the
 * host reads, a few TD/vCPU/guest field IDs and the TDX_FEATURES0 bits
 * (tdx-abi.md §4). Included by seam/tdx_abi.h; include that instead.
 *
 * Values column of §4.2 is what module 1.5.01 returns; never hard-code
 * sizes these fields enumerate (§0 version notes). */
#ifndef BARETDX_SEAM_TDX_ABI_MD_H
#define BARETDX_SEAM_TDX_ABI_MD_H

#include <stdint.h>

/* ---- Field ID encoding (§4.1; M15 md_field_id_t) ------------------------ */

#define MD_FIELD_CODE(id)		((uint32_t)(id) & 0xffffffu)		/* 23:0 */
#define MD_ELEMENT_SIZE_CODE(id)	((unsigned)((id) >> 32) & 3u)		/* 33:32 */
#define MD_ELEMENT_BYTES(id)		(1u << MD_ELEMENT_SIZE_CODE(id))
#define MD_LAST_ELEMENT(id)		((unsigned)((id) >> 34) & 0xfu)		/* 37:34 */
#define MD_LAST_FIELD(id)		((unsigned)((id) >> 38) & 0x1ffu)	/* 46:38 */
#define MD_INC_SIZE			(1ull << 50)
#define MD_WRITE_MASK_VALID		(1ull << 51)
#define MD_CONTEXT(id)			((unsigned)((id) >> 52) & 7u)		/* 54:52 */
#define MD_CLASS(id)			((unsigned)((id) >> 56) & 0x3fu)	/* 61:56 */
#define MD_NON_ARCH			(1ull << 63)	/* M15; "ignored" in M20 */

/* Reserved bits 31:24, 49:47, 55, 62. */
#define MD_RESERVED_MASK		((0xffull << 24) | (7ull << 47) | (1ull << 55) | (1ull << 62))
#define MD_LAST_ELEMENT_MASK		(0xfull << 34)
#define MD_LAST_FIELD_MASK		(0x1ffull << 38)
/* A single-element access (SYS.RD, MNG.RD, VP.RD/WR) only needs these bits
 * clear; size, INC_SIZE, WRITE_MASK_VALID and context are ignored (M15
 * md_check_as_single_element_id). */
#define MD_SINGLE_ELEMENT_MBZ_MASK	(MD_RESERVED_MASK | MD_LAST_ELEMENT_MASK | MD_LAST_FIELD_MASK)

#define MD_SIZE_8			0
#define MD_SIZE_16			1
#define MD_SIZE_32			2
#define MD_SIZE_64			3

#define MD_CONTEXT_SYS			0
#define MD_CONTEXT_TD			1
#define MD_CONTEXT_VCPU			2

/* SYS class codes (M15). */
#define MD_SYS_CLASS_PLATFORM		0
#define MD_SYS_CLASS_VERSION		8
#define MD_SYS_CLASS_HANDOFF		9
#define MD_SYS_CLASS_MODULE_INFO	10
#define MD_SYS_CLASS_CMR		16
#define MD_SYS_CLASS_TDMR		17
#define MD_SYS_CLASS_TD_CTRL_STRUCTS	24
#define MD_SYS_CLASS_TD_CONFIG		25
#define MD_SYS_CLASS_MIGRATION		32
#define MD_SYS_CLASS_SERVTD		33
#define MD_SYS_CLASS_TD_PARTITIONING	34

/* TDH.SYS.RD with the null ID (all ones; the module ignores the context
 * bits, M15 is_null_field_id) returns the first field in RDX and the
 * non-error status TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT; RDX = all ones
 * after the last field. ID 0 is a real field (class 0: NUM_PKGS). */
#define MD_FIELD_ID_NULL		0xffffffffffffffffull
#define MD_FIELD_ID_NONE		0xffffffffffffffffull

/* Element i of an array field is base + i (§4.1). */
#define MD_ELEM(base, i)		((base) + (uint64_t)(i))

/* ---- Global fields (§4.2; M15 global_sys_fields_lookup, LX) -------------
 * Comments: element size; "LX" = read by Linux. */
#define MD_SYS_NUM_PKGS			0x0000000200000000ull	/* 32 */
#define MD_SYS_PKG_FMS			0x0000000200000001ull	/* 32, [i] */
#define MD_SYS_VENDOR_ID		0x0800000200000000ull	/* 32, 0x8086 */
#define MD_SYS_BUILD_DATE		0x8800000200000001ull	/* 32 */
#define MD_SYS_BUILD_NUM		0x8800000100000002ull	/* 16 */
#define MD_SYS_MINOR_VERSION		0x0800000100000003ull	/* 16, LX */
#define MD_SYS_MAJOR_VERSION		0x0800000100000004ull	/* 16, LX */
#define MD_SYS_UPDATE_VERSION		0x0800000100000005ull	/* 16, LX */
#define MD_SYS_INTERNAL_VERSION		0x0800000100000006ull	/* 16 */
#define MD_SYS_MODULE_HV		0x8900000100000000ull	/* 16, LX-new */
#define MD_SYS_MIN_UPDATE_HV		0x8900000100000001ull	/* 16 */
#define MD_SYS_NO_DOWNGRADE		0x8900000000000002ull	/* 8 */
#define MD_SYS_NUM_HANDOFF_PAGES	0x8900000100000003ull	/* 16 */
#define MD_SYS_HANDOFF_DATA_VALID	0x8900000000000004ull	/* 8 */
#define MD_SYS_HANDOFF_DATA_HV		0x8900000100000005ull	/* 16 */
#define MD_SYS_HANDOFF_DATA_SIZE	0x8900000200000006ull	/* 32 */
#define MD_SYS_SYS_ATTRIBUTES		0x0a00000200000000ull	/* 32 */
#define MD_SYS_NUM_TDX_FEATURES		0x0a00000000000001ull	/* 8 */
#define MD_SYS_TDX_FEATURES0		0x0a00000300000008ull	/* 64, LX, §4.3 */
/* 1.5.01 returns 32 (MAX_CMR), not the non-empty count: size 0 = null. */
#define MD_SYS_NUM_CMRS			0x9000000100000000ull	/* 16 */
#define MD_SYS_CMR_BASE			0x9000000300000080ull	/* 64, [i], i < 32 */
#define MD_SYS_CMR_SIZE			0x9000000300000100ull	/* 64, [i], i < 32 */
#define MD_SYS_MAX_TDMRS		0x9100000100000008ull	/* 16, LX */
#define MD_SYS_MAX_RESERVED_PER_TDMR	0x9100000100000009ull	/* 16, LX */
#define MD_SYS_PAMT_4K_ENTRY_SIZE	0x9100000100000010ull	/* 16, LX */
#define MD_SYS_PAMT_2M_ENTRY_SIZE	0x9100000100000011ull	/* 16, LX */
#define MD_SYS_PAMT_1G_ENTRY_SIZE	0x9100000100000012ull	/* 16, LX */
#define MD_SYS_TDR_BASE_SIZE		0x9800000100000000ull	/* 16, LX */
#define MD_SYS_TDCS_BASE_SIZE		0x9800000100000100ull	/* 16, LX */
#define MD_SYS_TDCS_SIZE_PER_L2_VM	0x9800000100000101ull	/* 16 */
#define MD_SYS_TDVPS_BASE_SIZE		0x9800000100000200ull	/* 16, LX */
#define MD_SYS_TDVPS_SIZE_PER_L2_VM	0x9800000100000201ull	/* 16 */
#define MD_SYS_ATTRIBUTES_FIXED0	0x1900000300000000ull	/* 64, LX: may be 1 */
#define MD_SYS_ATTRIBUTES_FIXED1	0x1900000300000001ull	/* 64, LX: must be 1 */
#define MD_SYS_XFAM_FIXED0		0x1900000300000002ull	/* 64, LX */
#define MD_SYS_XFAM_FIXED1		0x1900000300000003ull	/* 64, LX */
#define MD_SYS_NUM_CPUID_CONFIG		0x9900000100000004ull	/* 16, LX */
#define MD_SYS_CONFIG_FLAGS_FIXED0	0x9900000300000006ull	/* 64 */
#define MD_SYS_CONFIG_FLAGS_FIXED1	0x9900000300000007ull	/* 64 */
/* Absent from 1.5.01's table. [CONFLICT] KVM says old modules lack it
 * (limit U16_MAX) yet LX reads it unconditionally. */
#define MD_SYS_MAX_VCPUS_PER_TD		0x9900000100000008ull	/* 16, LX */
/* [i]: low 32 bits leaf, high 32 sub-leaf (0xFFFFFFFF = none). */
#define MD_SYS_CPUID_CONFIG_LEAVES	0x9900000300000400ull	/* 64, LX */
/* [2i + j]: j = 0 EBX:EAX, j = 1 EDX:ECX (EAX/ECX in the low half). */
#define MD_SYS_CPUID_CONFIG_VALUES	0x9900000300000500ull	/* 64, LX */
#define MD_SYS_CPUID_CONFIG_VALUE(i, j)	MD_ELEM(MD_SYS_CPUID_CONFIG_VALUES, 2 * (i) + (j))
#define MD_SYS_IA32_ARCH_CAPABILITIES_CONFIG_MASK 0x9900000300000600ull /* 64 */
#define MD_SYS_NUM_ALLOWED_FMS		0x9900000100000800ull	/* 16 */
#define MD_SYS_NUM_DISALLOWED_FMS	0x9900000100000801ull	/* 16 */
#define MD_SYS_ALLOWED_FMS		0x9900000300000810ull	/* 64, [i] */
#define MD_SYS_DISALLOWED_FMS		0x9900000300000850ull	/* 64, [i] */
/* LX-new patches only. [CONFLICT] another revision uses
 * 0x3100000100000000 for the pool size. */
#define MD_SYS_MEMORY_POOL_REQUIRED_PAGES 0x3100000200000000ull
#define MD_SYS_EXT_REQUIRED		0x3100000000000001ull

/* ---- TD scope, TDH.MNG.RD (§4.2; LX kvm tdx.c) -------------------------- */
#define MD_TD_TSC_OFFSET		0x110000000000000aull
#define MD_TD_TSC_MULTIPLIER		0x110000000000000bull
/* CPUID values: field code = leaf bit 31 << 16 | leaf[6:0] << 9 |
 * subleaf_na << 8 | subleaf[6:0] << 1 | element. */
#define MD_TD_CPUID_VALUES		0x9410000300000000ull
#define MD_TD_CPUID_FIELD(leaf, subleaf_na, subleaf, elem)			\
	(MD_TD_CPUID_VALUES | ((uint64_t)((leaf) >> 31) & 1) << 16 |		\
	 ((uint64_t)(leaf) & 0x7f) << 9 | ((uint64_t)(subleaf_na) & 1) << 8 |	\
	 ((uint64_t)(subleaf) & 0x7f) << 1 | ((uint64_t)(elem) & 1))

/* ---- vCPU scope, TDH.VP.RD/WR (§6.4, §6.6) ------------------------------
 * TD-VMCS fields are class 0 with the VMCS encoding as field code. */
#define MD_VP_SHARED_EPTP		0x002400030000203cull	/* canonical */
/* TD VMCS posted-interrupt notification vector and descriptor address
 * (M15 td_vmcs_fields_lookup.c; VMCS encodings 0x0002, 0x2016). */
#define MD_VP_PI_NV			0x0024000100000002ull
#define MD_VP_PI_DESC			0x0024000300002016ull
#define MD_VP_SHARED_EPTP_WRITE_MASK	0x000ffffffffff000ull
#define MD_VP_PEND_NMI			0x200000000000000bull	/* 8-bit, 1 */

/* ---- Guest TDG.VM.RD/WR fields (§4.2; LX shared/tdx.h) ------------------ */
#define MD_TDG_TDCS_CONFIG_FLAGS	0x1110000300000016ull
#define MD_TDG_TDCS_TD_CTLS		0x1110000300000017ull
#define MD_TDG_NOTIFY_ENABLES		0x9100000000000010ull
#define MD_TDG_TOPOLOGY_ENUM_CONFIGURED	0x9100000000000019ull

/* ---- TDX_FEATURES0 bits (§4.3; M15, M15n, LX-new) ----------------------- */
#define TDX_FEATURES0_TD_MIGRATION			(1ull << 0)
#define TDX_FEATURES0_TD_PRESERVING			(1ull << 1)	/* runtime update */
#define TDX_FEATURES0_SERVICE_TD			(1ull << 2)
#define TDX_FEATURES0_TDG_VP_RDWR			(1ull << 3)
#define TDX_FEATURES0_RELAXED_MEM_MNG_CONCURRENCY	(1ull << 4)
#define TDX_FEATURES0_CPUID_VIRT_GUEST_CTRL		(1ull << 5)
#define TDX_FEATURES0_TD_PARTITIONING			(1ull << 7)
#define TDX_FEATURES0_LOCAL_ATTESTATION			(1ull << 8)
#define TDX_FEATURES0_TD_ENTRY_ENHANCEMENTS		(1ull << 9)
#define TDX_FEATURES0_HOST_PRIORITY_LOCKS		(1ull << 10)
#define TDX_FEATURES0_CONFIG_IA32_ARCH_CAP		(1ull << 11)
#define TDX_FEATURES0_PENDING_EPT_VIOLATION_V2		(1ull << 16)
#define TDX_FEATURES0_FMS_CONFIG			(1ull << 17)
#define TDX_FEATURES0_NO_RBP_MOD			(1ull << 18)	/* LX requires */
#define TDX_FEATURES0_L2_TLB_INVD_OPT			(1ull << 19)
#define TDX_FEATURES0_TOPOLOGY_ENUM			(1ull << 20)	/* M15n */
#define TDX_FEATURES0_PARTITIONED_TD_MIGRATION		(1ull << 21)	/* M15n */
#define TDX_FEATURES0_ICSSD				(1ull << 25)	/* M15n */
#define TDX_FEATURES0_FIXED_CTR12_PROF			(1ull << 26)	/* M15n */
#define TDX_FEATURES0_MAXPA_VIRT			(1ull << 27)	/* M15n */
#define TDX_FEATURES0_APX				(1ull << 28)	/* M15n */
#define TDX_FEATURES0_CPUID2_VIRT			(1ull << 29)	/* M15n */
#define TDX_FEATURES0_EXT				(1ull << 39)	/* LX-new */

#endif
