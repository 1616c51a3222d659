/* `tdx status`: one PASS/FAIL line per TDX prerequisite, each FAIL with
 * its cause in plain words and what usually fixes it. The facts are
 * gathered by the kernel (tdx_preflight_gather); judging them is pure, so
 * the wording is unit-tested on made-up platforms. */
#ifndef BARETDX_SEAM_TDX_PREFLIGHT_H
#define BARETDX_SEAM_TDX_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tdx_facts {
	bool vmx_cpuid;           /* CPUID.1:ECX.VMX */
	bool fc_ok;               /* MSR 0x3A readable */
	uint64_t feature_control;
	bool vmx_on;              /* VMXON succeeded on every CPU */
	bool mtrrcap_ok;
	uint64_t mtrrcap;
	bool seamrr_ok;           /* both SEAMRR MSRs readable */
	uint64_t seamrr_base, seamrr_mask;
	bool keyid_ok;
	uint64_t keyid_partitioning;
	bool x2apic, xsave, movdir64b;
	uint64_t seamldr_status;  /* SEAMLDR.INFO status (0 = present) */
	uint16_t seamldr_major, seamldr_minor, seamldr_update;
	uint32_t seamldr_remaining;
	uint64_t module_status;   /* TDH.SYS.RD probe status */
	bool emulated;            /* answers come from the emulated module */
};

enum { TDX_CHECK_PASS, TDX_CHECK_FAIL, TDX_CHECK_SKIP };

struct tdx_check {
	const char *name;
	int result;
	char text[256];
};

#define TDX_NCHECKS 8

/* Judges every prerequisite; returns the number of FAILs. */
unsigned tdx_preflight_judge(const struct tdx_facts *f,
			     struct tdx_check out[TDX_NCHECKS]);

#endif
