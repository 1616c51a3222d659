/* The emulated module's TD and vCPU state, kept in struct emu (SEAMRR).
 * See td.h for what lives where and how it is locked. */
#ifndef BARETDX_SEAM_EMU_TD_STATE_H
#define BARETDX_SEAM_EMU_TD_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include "seam/sha384.h"

#define EMU_NUM_CPUID_CONFIG		12	/* CPUID leaves a host configures */

#define EMU_TDCS_PAGES		6	/* TDCS_BASE_SIZE / 4096 (metadata.c) */
#define EMU_TDVPS_PAGES		6	/* TDVPS_BASE_SIZE / 4096 */
#define EMU_TDCX_PAGES		(EMU_TDVPS_PAGES - 1)
#define EMU_TDCS_SEPT_ROOT	0	/* which TDCS page is the S-EPT root */
#define EMU_TDCX_VMCS		0	/* which TDCX page is the TD VMCS */
#define EMU_NUM_RTMRS		4

#define EMU_MAX_TDS		64
#define EMU_MAX_VCPUS		256	/* in all TDs together */
#define EMU_MAX_VCPUS_PER_TD	64	/* reported as MAX_VCPUS_PER_TD */

enum emu_vcpu_state {
	EMU_VCPU_CREATED = 1,		/* VP.CREATE done, TDCX being added */
	EMU_VCPU_READY,			/* VP.INIT done: may enter */
	EMU_VCPU_DEAD,			/* the TD died while it ran */
};

/* Guest GPRs while the vCPU is out of the CPU (RSP and RIP live in the
 * VMCS). Index order = TDVMCALL GPR bitmap order (tdx-abi.md §6.6). */
enum {
	EMU_GPR_RAX, EMU_GPR_RCX, EMU_GPR_RDX, EMU_GPR_RBX, EMU_GPR_RSP,
	EMU_GPR_RBP, EMU_GPR_RSI, EMU_GPR_RDI, EMU_GPR_R8, EMU_GPR_R9,
	EMU_GPR_R10, EMU_GPR_R11, EMU_GPR_R12, EMU_GPR_R13, EMU_GPR_R14,
	EMU_GPR_R15, EMU_NGPRS
};

struct emu_td {
	uint64_t tdr_pa;		/* 0: slot free */
	uint16_t hkid;
	uint8_t lifecycle;		/* enum td_lifecycle */
	uint8_t op_state;		/* enum td_op_state */
	bool fatal;			/* a vCPU triple-faulted: TDX_TD_FATAL */
	uint32_t pkg_keyed;		/* packages that ran TDH.MNG.KEY.CONFIG */
	uint32_t pkg_wb_done;		/* packages whose CACHE.WB covered it */
	unsigned ntdcs;
	uint64_t tdcs_pa[EMU_TDCS_PAGES];
	uint64_t child_pages;		/* PAMT entries naming this TDR as owner */
	unsigned vcpus_running;		/* inside TDH.VP.ENTER now */
	/* TD_PARAMS as TDH.MNG.INIT accepted them. */
	uint64_t attributes, xfam, eptp_controls, config_flags;
	uint16_t max_vcpus, tsc_frequency;
	uint8_t mrconfigid[48], mrowner[48], mrownerconfig[48];
	uint32_t cpuid[EMU_NUM_CPUID_CONFIG][4];
	unsigned gpaw;			/* 48 or 52 */
	unsigned levels;		/* S-EPT levels: 4 or 5 */
	unsigned num_vcpus;		/* VP.CREATE-d */
	unsigned num_init_vcpus;	/* VP.INIT-ed; the next vCPU index */
	/* Measurement (§7.3). */
	struct sha384_ctx mrtd_ctx;	/* open from MNG.INIT to MR.FINALIZE */
	uint8_t mrtd[48];		/* valid once RUNNABLE */
	uint8_t rtmr[EMU_NUM_RTMRS][48];
	/* TLB tracking (§6.8): the TD epoch, and how many running vCPUs
	 * entered in each of the last two epochs. */
	uint64_t epoch;
	unsigned running_in_epoch[2];	/* index epoch & 1 */
};

struct emu_vcpu {
	uint64_t tdvpr_pa;		/* 0: slot free */
	unsigned td;			/* index in e->tds */
	uint8_t state;			/* enum emu_vcpu_state */
	unsigned ntdcx;
	uint64_t tdcx_pa[EMU_TDCX_PAGES];
	unsigned index;			/* vCPU index (VP.INIT order) */
	int assoc_lp;			/* LP whose VMCS cache holds it; -1 none */
	bool running;			/* inside TDH.VP.ENTER (TDVPR lock) */
	bool launched;			/* VMLAUNCH done since the last flush */
	bool vmcs_loaded;		/* initial state written into the VMCS */
	uint64_t entry_epoch;		/* TD epoch at its last entry */
	uint64_t init_rcx;		/* VP.INIT RDX: initial RCX and R8 */
	uint64_t gpr[EMU_NGPRS];
	/* TD-VMCS fields the host may write (TDH.VP.WR). */
	uint64_t shared_eptp;		/* 0x203C; 0: the zero page */
	uint64_t posted_intr_nv, posted_intr_desc, pin_based;
	/* Virtual interrupts taken from the posted-interrupt descriptor:
	 * requested and in service, one bit per vector (the virtual APIC's
	 * IRR and ISR). */
	uint64_t virr[4], visr[4];
	uint8_t vtpr;			/* virtual TPR (x2APIC 0x808) */
	uint8_t pend_nmi;
	/* A TDG.VP.VMCALL the host is answering: RIP still at TDCALL. */
	bool in_vmcall;
	uint16_t vmcall_gprs;		/* the guest's GPR bitmap */
	/* #VE information for TDG.VP.VEINFO.GET. */
	bool ve_valid;
	uint32_t ve_reason;
	uint64_t ve_qual, ve_gla, ve_gpa;
	uint64_t ve_instr;		/* length 31:0, info 63:32 */
};

/* ---- Secure EPT entry states (sept.c) ------------------------------------
 * Entries are architectural EPT entries: present ones have R/W/X (bits
 * 2:0) set, large leaves bit 7, leaves memory type WB (bits 5:3 = 6) and
 * ignore-PAT (bit 6); the PA sits in bits 51:12. The module's entry state
 * lives in bits the CPU ignores (EMU_SEPT_STATE_SHIFT); a non-present
 * entry (R/W/X = 0) keeps its PA so that UNBLOCK and ACCEPT restore it. */
enum emu_sept_state {
	EMU_SEPT_FREE = 0,		/* nothing mapped */
	EMU_SEPT_PRESENT,		/* table or mapped page (RWX set) */
	EMU_SEPT_BLOCKED,		/* was present; RANGE.BLOCK */
	EMU_SEPT_PENDING,		/* PAGE.AUG-ed, not yet accepted */
	EMU_SEPT_PENDING_BLOCKED,	/* pending, then blocked */
};
#define EMU_SEPT_STATE_SHIFT	52	/* bits 54:52, ignored by the CPU */
#define EMU_SEPT_STATE_MASK	(7ull << EMU_SEPT_STATE_SHIFT)
#define EMU_EPT_RWX		7ull
#define EMU_EPT_WB		(6ull << 3)
#define EMU_EPT_IGNORE_PAT	(1ull << 6)
#define EMU_EPT_LARGE		(1ull << 7)
#define EMU_EPT_PA_MASK		0x000ffffffffff000ull

static inline unsigned emu_sept_state(uint64_t entry)
{
	return (unsigned)((entry & EMU_SEPT_STATE_MASK) >> EMU_SEPT_STATE_SHIFT);
}

#endif
