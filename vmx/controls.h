/* VMX capabilities and control adjustment, pure: the kernel reads the
 * capability MSRs (vmx_msrs_read with its rdmsr), this decodes them and
 * settles control words by the allowed-0/allowed-1 rule (SDM Vol. 3C
 * Appendix A). */
#ifndef BARETDX_VMX_CONTROLS_H
#define BARETDX_VMX_CONTROLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Raw capability MSR values, one per MSR from 0x480 up, in order (vmx
 * info prints them by walking the struct). An MSR the processor does not have (A.3.3,
 * A.3.4, A.4.2, A.10, A.11, and the TRUE MSRs without IA32_VMX_BASIC bit
 * 55) is left 0. */
struct vmx_msrs {
	uint64_t basic;				/* 0x480 */
	uint64_t pinbased, procbased;		/* 0x481, 0x482 */
	uint64_t exit, entry;			/* 0x483, 0x484 */
	uint64_t misc;				/* 0x485 */
	uint64_t cr0_fixed0, cr0_fixed1;	/* 0x486, 0x487 */
	uint64_t cr4_fixed0, cr4_fixed1;	/* 0x488, 0x489 */
	uint64_t vmcs_enum;			/* 0x48A */
	uint64_t procbased2;			/* 0x48B */
	uint64_t ept_vpid_cap;			/* 0x48C */
	uint64_t true_pinbased, true_procbased;	/* 0x48D, 0x48E */
	uint64_t true_exit, true_entry;		/* 0x48F, 0x490 */
	uint64_t vmfunc;			/* 0x491 */
	uint64_t procbased3;			/* 0x492 */
	uint64_t exit2;				/* 0x493 */
};

/* Fills *raw through rdmsr, reading only the MSRs that exist given the
 * ones read before (Appendix A). Needs CPUID.1:ECX.VMX = 1. */
void vmx_msrs_read(struct vmx_msrs *raw, uint64_t (*rdmsr)(uint32_t msr));

struct vmx_caps {
	/* IA32_VMX_BASIC (A.1) */
	uint32_t revision_id;
	uint32_t region_size;		/* bytes of a VMCS/VMXON region */
	unsigned memtype;		/* VMX_MEMTYPE_UC or _WB */
	bool addr32;			/* regions must lie below 4 GiB */
	bool dual_monitor;
	bool ins_outs_info;
	bool true_ctls;
	bool no_err_code_ok;
	/* Capability words for vmx_adjust_ctls: the TRUE MSR when basic bit 55
	 * is set, the legacy one otherwise (A.2). proc2 is 0 when the primary
	 * controls cannot activate secondary ones. */
	uint64_t pin, proc, proc2, exit, entry;
	uint64_t proc3;			/* allowed-1 of the tertiary controls */
	uint64_t exit2;			/* allowed-1 of the secondary exit controls */
	/* IA32_VMX_MISC (A.6) */
	unsigned preempt_timer_rate;	/* timer ticks every 2^rate TSC ticks */
	bool exit_stores_lma;		/* exit saves EFER.LMA in the entry control */
	bool act_hlt, act_shutdown, act_wait_sipi;
	unsigned cr3_targets;
	unsigned msr_list_max;		/* entries per MSR load/store list */
	bool vmwrite_all;		/* VMWRITE reaches exit-information fields */
	bool inject_len0;		/* inject software events with length 0 */
	/* Unrestricted guest is allowed (secondary control bit 7): guest CR0.PE
	 * and CR0.PG may then be 0 (A.7). */
	bool unrestricted_guest;
	/* A.7, A.8 */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	unsigned vmcs_max_index;	/* A.9 */
	/* IA32_VMX_EPT_VPID_CAP (A.10) */
	bool ept_exec_only, ept_pwl4, ept_pwl5, ept_uc, ept_wb;
	bool ept_2m, ept_1g, ept_ad, ept_adv_exit_info;
	bool invept, invept_single, invept_all;
	bool invvpid, invvpid_addr, invvpid_single, invvpid_all;
	bool invvpid_single_ng;
	uint64_t vmfunc;		/* A.11: allowed VM functions */
};

void vmx_caps_decode(const struct vmx_msrs *raw, struct vmx_caps *out);

/* Settles a 32-bit control word against a capability word (bits 31:0
 * allowed 0-settings, 63:32 allowed 1-settings; A.3-A.5). *out is
 * (want | optional) without the bits that must be 0, plus every bit that
 * must be 1. Returns 0, or -1 when a wanted bit must be 0; *missing (may be
 * NULL) gets those bits either way and *out is still computed. */
int vmx_adjust_ctls(uint32_t want, uint32_t optional, uint64_t cap,
		    uint32_t *out, uint32_t *missing);

/* (value | fixed0) & fixed1: the CR0/CR4 value VMX operation accepts
 * (A.7, A.8). */
uint64_t vmx_fixed_cr(uint64_t value, uint64_t fixed0, uint64_t fixed1);

/* IA32_VMX_CR0_FIXED0 as it binds a guest: with "unrestricted guest" set,
 * PE (bit 0) and PG (bit 31) may be 0 (A.7, §27.3.1.1). */
uint64_t vmx_guest_cr0_fixed0(uint64_t cr0_fixed0, bool unrestricted_guest);

enum vmx_ctl_kind {
	VMX_CTL_PIN,
	VMX_CTL_PROC,
	VMX_CTL_PROC2,
	VMX_CTL_EXIT,
	VMX_CTL_ENTRY,
};

/* The SDM's name of a control bit ("enable EPT"), or NULL when it has none
 * here. */
const char *vmx_ctl_bit_name(enum vmx_ctl_kind kind, unsigned bit);

/* Writes the names of the set bits, comma-separated ("bit N" for unnamed
 * ones), into buf, truncating to size - 1 characters plus the NUL.
 * Returns the length the whole list needs, as snprintf does. */
size_t vmx_ctl_describe(enum vmx_ctl_kind kind, uint32_t bits, char *buf,
			size_t size);

#endif
