/* Installing a TDX module blob through the P-SEAMLDR (tdx-abi.md §8.3-§8.4),
 * the part that does not touch the machine: which blob suits, the
 * SEAMLDR_PARAMS page, and the one-LP-at-a-time SEAMLDR.INSTALL session
 * over the CPUs the caller's ops reach. Pure C11; the kernel glue is
 * seam/module_kernel.c, the unit test drives it against the emulator. */
#ifndef BARETDX_SEAM_SEAMLDR_HOST_H
#define BARETDX_SEAM_SEAMLDR_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include "seam/seamcall.h"
#include "seam/tdx_abi.h"
#include "seam/tdxblob.h"

/* Why a blob does or does not suit this machine, most serious first. */
enum seamldr_fit {
	SEAMLDR_FIT_OK,
	SEAMLDR_FIT_BAD_BLOB,		/* a check of seam/tdxblob.c failed */
	SEAMLDR_FIT_CPU,		/* this CPU is not in the CPUID table */
	SEAMLDR_FIT_NO_LOADER,		/* SEAMLDR.INFO did not answer */
	SEAMLDR_FIT_NO_UPDATES,		/* num_remaining_updates is 0 */
	SEAMLDR_FIT_DOWNGRADE,		/* older SEAMSVN than the running
					 * module: needs SEAMLDR.CLEANUP */
};

/* `info` NULL: no P-SEAMLDR answered. */
enum seamldr_fit seamldr_fit(const struct tdxblob *b, uint32_t fms,
			     const struct seamldr_info *info);
const char *seamldr_fit_text(enum seamldr_fit f);

/* The SEAMSVN (major, minor) of the running module from SEAMLDR_INFO's
 * SEAMEXTEND, or 0 when it describes none. */
uint16_t seamldr_info_svn(const struct seamldr_info *info);

/* Of n blobs, the index of the best one that fits (highest SEAMSVN, then
 * newest date, then the first), or -1. fit[i] from seamldr_fit. */
int seamldr_pick_best(const struct tdxblob *const *b, const enum seamldr_fit *fit,
		      unsigned n);

/* SEAMLDR_PARAMS for scenario LOAD of a parsed blob whose file starts at
 * the 4 KiB-aligned physical address blob_pa. */
void seamldr_params_fill(const struct tdxblob *b, uint64_t blob_pa,
			 struct seamldr_params *p);

/* SEAMCALL(SEAMLDR.INSTALL) on one CPU, with interrupts off there (and the
 * SEAMRET current-VMCS erratum handled): returns RAX, r->rdx the RDX. */
struct seamldr_ops {
	uint64_t (*install_on)(void *ctx, unsigned cpu, uint64_t params_pa,
			       uint64_t *rdx);
	void *ctx;
	unsigned ncpus;			/* CPUs 0..ncpus-1, all of them */
	unsigned last_cpu;		/* goes last (the boot CPU) */
};

struct seamldr_install_result {
	uint64_t status;		/* the last call's RAX */
	uint64_t rdx;			/* 0 recoverable, 1 unrecoverable */
	unsigned cpu;			/* the CPU that answered it */
	unsigned calls;			/* SEAMLDR.INSTALL calls made */
};

/* Every CPU once, in order, last_cpu last; stops at the first status that
 * is not SUCCESS. Returns 0 when the session completed with SUCCESS. */
int seamldr_install_all(const struct seamldr_ops *ops, uint64_t params_pa,
			struct seamldr_install_result *res);

/* One line on a SEAMLDR status: "SEAMLDR_EBADSIG: SIGSTRUCT, signer or
 * signature refused". */
const char *seamldr_status_text(uint64_t status);

#endif
