/* In-memory TDX ABI structures (tdx-abi.md §5, §8): CMR and TDMR info,
 * TDSYSINFO_STRUCT, TD_PARAMS with its attribute/EPTP/CONFIG_FLAGS values,
 * SEAMLDR_INFO and SEAMLDR_PARAMS. Included by seam/tdx_abi.h.
 *
 * All are packed little-endian in the spec; the member types below give
 * the same layout without packing, which the static asserts prove.
 * Alignments are the physical-address alignments the module checks; the
 * types carry none, so callers align their buffers. */
#ifndef BARETDX_SEAM_TDX_ABI_STRUCT_H
#define BARETDX_SEAM_TDX_ABI_STRUCT_H

#include <stddef.h>
#include <stdint.h>

#define TDX_ABI_ASSERT_OFF(type, member, off) \
	_Static_assert(offsetof(type, member) == (off), #type "." #member)

/* ---- CMR_INFO (§5.1; M15 cmr_info_entry_t) ------------------------------ */
struct tdx_cmr_info {
	uint64_t base;		/* 4K aligned */
	uint64_t size;		/* 4K aligned; 0 = null entry */
};
#define TDX_MAX_CMRS			32
#define TDX_CMR_INFO_ARRAY_ALIGN	512
_Static_assert(sizeof(struct tdx_cmr_info) == 16, "CMR_INFO");

/* ---- TDMR_INFO and TDX_RESERVED_AREA (§5.2; M15 tdmr_info_entry_t) ------
 * Note the PAMT order: 1G, 2M, 4K. The module reads MAX_RESERVED_PER_TDMR
 * slots of every entry, so unused ones must be zero. */
struct tdx_reserved_area {
	uint64_t offset;	/* from TDMR base, 4K aligned */
	uint64_t size;		/* 4K multiple; 0 = null, only after non-null */
};
_Static_assert(sizeof(struct tdx_reserved_area) == 16, "TDX_RESERVED_AREA");

struct tdx_tdmr_info {
	uint64_t base;		/* 1 GiB aligned */
	uint64_t size;		/* 1 GiB multiple, > 0 */
	uint64_t pamt_1g_base;
	uint64_t pamt_1g_size;
	uint64_t pamt_2m_base;
	uint64_t pamt_2m_size;
	uint64_t pamt_4k_base;
	uint64_t pamt_4k_size;
	struct tdx_reserved_area reserved[];	/* MAX_RESERVED_PER_TDMR */
};
_Static_assert(sizeof(struct tdx_tdmr_info) == 64, "TDMR_INFO header");
TDX_ABI_ASSERT_OFF(struct tdx_tdmr_info, pamt_1g_base, 16);
TDX_ABI_ASSERT_OFF(struct tdx_tdmr_info, pamt_2m_base, 32);
TDX_ABI_ASSERT_OFF(struct tdx_tdmr_info, pamt_4k_base, 48);
TDX_ABI_ASSERT_OFF(struct tdx_tdmr_info, reserved, 64);

#define TDX_TDMR_INFO_SIZE(nres)	(64 + 16 * (size_t)(nres))
/* Each entry and the PA array given to TDH.SYS.CONFIG (§5.2). */
#define TDX_TDMR_INFO_ALIGN		512
#define TDX_TDMR_ALIGN			(1ull << 30)
/* Bytes per PAMT entry in 1.5.01; read MD_SYS_PAMT_*_ENTRY_SIZE instead. */
#define TDX_PAMT_ENTRY_SIZE_1_5		16

/* ---- TDSYSINFO_STRUCT, TDH.SYS.INFO output (§5.1; M15 td_sys_info_t) ---- */
struct tdx_cpuid_config {
	uint32_t leaf;
	uint32_t sub_leaf;	/* 0xFFFFFFFF = no sub-leaf */
	uint32_t eax, ebx, ecx, edx;
};
_Static_assert(sizeof(struct tdx_cpuid_config) == 24, "CPUID_CONFIG");

#define TDX_SYSINFO_SIZE		1024
#define TDX_SYSINFO_ALIGN		1024
#define TDX_SYSINFO_MAX_CPUID_CONFIGS	((TDX_SYSINFO_SIZE - 132) / 24)	/* 37 */
#define TDX_SYSINFO_ATTR_DEBUG_MODULE	(1u << 31)

struct tdx_sysinfo {
	uint32_t attributes;
	uint32_t vendor_id;		/* 0x8086 */
	uint32_t build_date;
	uint16_t build_num;
	uint16_t minor_version;
	uint16_t major_version;
	uint8_t sys_rd;			/* 1.5: 1 = use TDH.SYS.RD (§4.4) */
	uint8_t reserved0[13];
	uint16_t max_tdmrs;		/* @32 */
	uint16_t max_reserved_per_tdmr;
	uint16_t pamt_entry_size;
	uint8_t reserved1[10];
	uint16_t tdcs_base_size;	/* @48 */
	uint16_t reserved2;
	uint16_t tdvps_base_size;
	uint8_t tdvps_xfam_dependent_size;
	uint8_t reserved3[9];
	uint64_t attributes_fixed0;	/* @64 */
	uint64_t attributes_fixed1;
	uint64_t xfam_fixed0;
	uint64_t xfam_fixed1;
	uint8_t reserved4[32];
	uint32_t num_cpuid_config;	/* @128 */
	struct tdx_cpuid_config cpuid_configs[TDX_SYSINFO_MAX_CPUID_CONFIGS];
	uint8_t reserved5[4];
};
_Static_assert(sizeof(struct tdx_sysinfo) == TDX_SYSINFO_SIZE, "TDSYSINFO");
TDX_ABI_ASSERT_OFF(struct tdx_sysinfo, build_num, 12);
TDX_ABI_ASSERT_OFF(struct tdx_sysinfo, sys_rd, 18);
TDX_ABI_ASSERT_OFF(struct tdx_sysinfo, max_tdmrs, 32);
TDX_ABI_ASSERT_OFF(struct tdx_sysinfo, pamt_entry_size, 36);
TDX_ABI_ASSERT_OFF(struct tdx_sysinfo, tdcs_base_size, 48);
TDX_ABI_ASSERT_OFF(struct tdx_sysinfo, tdvps_base_size, 52);
TDX_ABI_ASSERT_OFF(struct tdx_sysinfo, tdvps_xfam_dependent_size, 54);
TDX_ABI_ASSERT_OFF(struct tdx_sysinfo, attributes_fixed0, 64);
TDX_ABI_ASSERT_OFF(struct tdx_sysinfo, xfam_fixed1, 88);
TDX_ABI_ASSERT_OFF(struct tdx_sysinfo, num_cpuid_config, 128);
TDX_ABI_ASSERT_OFF(struct tdx_sysinfo, cpuid_configs, 132);

/* ---- TD_PARAMS, TDH.MNG.INIT input (§5.7; M15 td_params_t) -------------- */
struct tdx_cpuid_value {
	uint32_t eax, ebx, ecx, edx;
};
_Static_assert(sizeof(struct tdx_cpuid_value) == 16, "CPUID value");

#define TDX_TD_PARAMS_SIZE		1024
#define TDX_TD_PARAMS_ALIGN		1024
#define TDX_TD_PARAMS_MAX_CPUID_VALUES	((TDX_TD_PARAMS_SIZE - 256) / 16) /* 48 */

/* In CPUID_CONFIG_LEAVES order; only configurable bits may be 1. */
struct tdx_td_params {
	uint64_t attributes;		/* TDX_TD_ATTR_* */
	uint64_t xfam;			/* XCR0 | IA32_XSS format */
	uint16_t max_vcpus;
	uint8_t num_l2_vms;		/* 1.5; Linux: 0 */
	uint8_t msr_config_ctls;	/* 1.5; Linux: 0 */
	uint32_t reserved0;
	uint64_t eptp_controls;		/* @24: TDX_EPTP_CONTROLS_* */
	uint64_t config_flags;		/* TDX_CONFIG_FLAGS_* */
	uint16_t tsc_frequency;		/* @40: 25 MHz units */
	uint8_t reserved1[38];
	uint8_t mrconfigid[48];		/* @80 */
	uint8_t mrowner[48];		/* @128 */
	uint8_t mrownerconfig[48];	/* @176 */
	uint64_t ia32_arch_capabilities_config;	/* @224, 1.5 */
	uint8_t reserved2[24];
	struct tdx_cpuid_value cpuid_values[TDX_TD_PARAMS_MAX_CPUID_VALUES]; /* @256 */
};
_Static_assert(sizeof(struct tdx_td_params) == TDX_TD_PARAMS_SIZE, "TD_PARAMS");
TDX_ABI_ASSERT_OFF(struct tdx_td_params, max_vcpus, 16);
TDX_ABI_ASSERT_OFF(struct tdx_td_params, num_l2_vms, 18);
TDX_ABI_ASSERT_OFF(struct tdx_td_params, msr_config_ctls, 19);
TDX_ABI_ASSERT_OFF(struct tdx_td_params, eptp_controls, 24);
TDX_ABI_ASSERT_OFF(struct tdx_td_params, config_flags, 32);
TDX_ABI_ASSERT_OFF(struct tdx_td_params, tsc_frequency, 40);
TDX_ABI_ASSERT_OFF(struct tdx_td_params, mrconfigid, 80);
TDX_ABI_ASSERT_OFF(struct tdx_td_params, mrowner, 128);
TDX_ABI_ASSERT_OFF(struct tdx_td_params, mrownerconfig, 176);
TDX_ABI_ASSERT_OFF(struct tdx_td_params, ia32_arch_capabilities_config, 224);
TDX_ABI_ASSERT_OFF(struct tdx_td_params, cpuid_values, 256);

/* ATTRIBUTES (§5.7; LX shared/tdx.h). Allowed: ~ATTRIBUTES_FIXED0 clear,
 * FIXED1 set; MIGRATABLE excludes DEBUG and PERFMON. */
#define TDX_TD_ATTR_DEBUG		(1ull << 0)
#define TDX_TD_ATTR_HGS_PLUS_PROF	(1ull << 4)
#define TDX_TD_ATTR_PERF_PROF		(1ull << 5)
#define TDX_TD_ATTR_PMT_PROF		(1ull << 6)
#define TDX_TD_ATTR_ICSSD		(1ull << 16)
#define TDX_TD_ATTR_LASS		(1ull << 27)
#define TDX_TD_ATTR_SEPT_VE_DISABLE	(1ull << 28)
#define TDX_TD_ATTR_MIGRATABLE		(1ull << 29)
#define TDX_TD_ATTR_PKS			(1ull << 30)
#define TDX_TD_ATTR_KL			(1ull << 31)
#define TDX_TD_ATTR_TPA			(1ull << 62)
#define TDX_TD_ATTR_PERFMON		(1ull << 63)

#define TDX_TD_MSR_CONFIG_ARCH_CAP	(1u << 0)	/* msr_config_ctls */

/* EPTP_CONTROLS: bits 2:0 memory type WB (6), 5:3 page-walk length - 1,
 * everything else 0 — so exactly one of two values (§5.7). */
#define TDX_EPTP_MEMTYPE_WB		6ull
#define TDX_EPTP_PWL_SHIFT		3
#define TDX_EPTP_CONTROLS_PWL4		0x1eull	/* 4-level, GPAW 48 */
#define TDX_EPTP_CONTROLS_PWL5		0x26ull	/* 5-level, MAXPA >= 49 */

/* CONFIG_FLAGS (§5.7); within CONFIG_FLAGS_FIXED0/1. */
#define TDX_CONFIG_FLAGS_GPAW		(1ull << 0)	/* shared bit 51; needs PWL5 */
#define TDX_CONFIG_FLAGS_FLEXIBLE_PENDING_VE (1ull << 1)
#define TDX_CONFIG_FLAGS_NO_RBP_MOD	(1ull << 2)
#define TDX_CONFIG_FLAGS_MAXPA_VIRT	(1ull << 3)	/* M15n */
#define TDX_CONFIG_FLAGS_MAXGPA_VIRT	(1ull << 4)	/* M20 */

/* Shared GPA bit by GPAW (§6.4). */
#define TDX_SHARED_BIT_GPAW48		(1ull << 47)
#define TDX_SHARED_BIT_GPAW52		(1ull << 51)

#define TDX_TSC_FREQ_UNIT_HZ		25000000ull
#define TDX_TSC_FREQ_MIN		4	/* 100 MHz */
#define TDX_TSC_FREQ_MAX		400	/* 10 GHz */

/* ---- SEAMLDR_INFO, SEAMLDR.INFO output (§8.2; LX asm/seamldr.h, PSL) ---- */
#define SEAMLDR_INFO_SIZE		256
#define SEAMLDR_INFO_ALIGN		256
#define SEAMLDR_INFO_ATTR_DEBUG		(1u << 31)
#define SEAMLDR_FEATURES0_S4_MIGRATION	(1ull << 0)	/* PSL */
#define SEAMLDR_FEATURES0_CLEANUP	(1ull << 1)	/* PSL */

struct seamldr_info {
	uint32_t version;
	uint32_t attributes;
	uint32_t vendor_id;
	uint32_t build_date;
	uint16_t build_num;
	uint16_t minor_version;
	uint16_t major_version;
	uint16_t update_version;	/* LX; [CONFLICT] PSL: reserved_0 */
	uint32_t acm_x2apicid;		/* LP that launched the NP-SEAMLDR ACM */
	uint32_t num_remaining_updates;
	/* Opaque to Linux. PSL: SEAMEXTEND (136 bytes from @32): valid u64
	 * @32, TEE_TCB_SVN[16] @40, MRSEAM[48] @56, MRSIGNER[48] @104,
	 * attributes u64 @152, then the three flags below and 5 reserved. */
	uint8_t seam_info[128];
	uint8_t seam_ready;		/* @160 */
	uint8_t seam_debug;		/* @161 */
	uint8_t p_seam_ready;		/* @162 */
	uint8_t reserved0[5];
	uint64_t features0;		/* @168, PSL; reserved in LX */
	uint8_t reserved1[80];
};
_Static_assert(sizeof(struct seamldr_info) == SEAMLDR_INFO_SIZE, "SEAMLDR_INFO");
TDX_ABI_ASSERT_OFF(struct seamldr_info, build_num, 16);
TDX_ABI_ASSERT_OFF(struct seamldr_info, update_version, 22);
TDX_ABI_ASSERT_OFF(struct seamldr_info, acm_x2apicid, 24);
TDX_ABI_ASSERT_OFF(struct seamldr_info, seam_info, 32);
TDX_ABI_ASSERT_OFF(struct seamldr_info, seam_ready, 160);
TDX_ABI_ASSERT_OFF(struct seamldr_info, p_seam_ready, 162);
TDX_ABI_ASSERT_OFF(struct seamldr_info, features0, 168);

/* Offsets inside seam_info[] of PSL's SEAMEXTEND fields. */
#define SEAMLDR_SEAMEXTEND_VALID	(32 - 32)
#define SEAMLDR_SEAMEXTEND_TEE_TCB_SVN	(40 - 32)
#define SEAMLDR_SEAMEXTEND_MRSEAM	(56 - 32)
#define SEAMLDR_SEAMEXTEND_MRSIGNER	(104 - 32)
#define SEAMLDR_SEAMEXTEND_ATTRIBUTES	(152 - 32)

/* ---- SEAMLDR_PARAMS, SEAMLDR.INSTALL input (§8.3; PSL, LX, LDR) --------- */
#define SEAMLDR_PARAMS_SIZE		4096
#define SEAMLDR_MAX_MODULE_PAGES	496
#define SEAMLDR_SCENARIO_LOAD		0	/* fresh install (UEFI loader) */
#define SEAMLDR_SCENARIO_UPDATE		1	/* runtime update (Linux) */

struct seamldr_params {
	uint32_t version;		/* 0 */
	uint32_t scenario;
	uint64_t sigstruct_pa;		/* 4K aligned, 4 KiB SIGSTRUCT */
	uint8_t reserved[104];
	uint64_t num_module_pages;	/* @120: 1..496 */
	uint64_t module_pages_pa[SEAMLDR_MAX_MODULE_PAGES]; /* @128 */
};
_Static_assert(sizeof(struct seamldr_params) == SEAMLDR_PARAMS_SIZE, "SEAMLDR_PARAMS");
TDX_ABI_ASSERT_OFF(struct seamldr_params, sigstruct_pa, 8);
TDX_ABI_ASSERT_OFF(struct seamldr_params, num_module_pages, 120);
TDX_ABI_ASSERT_OFF(struct seamldr_params, module_pages_pa, 128);

#endif
