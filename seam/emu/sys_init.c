/* Module bring-up and shutdown leaves: TDH.SYS.INIT, TDH.SYS.LP.INIT,
 * TDH.SYS.KEY.CONFIG, TDH.SYS.LP.SHUTDOWN, TDH.SYS.SHUTDOWN (tdx-abi.md
 * §3.2-§3.3, M15 tdh_sys_*.c).
 *
 * Each handler sets its default outputs, takes the module lock the module
 * takes, runs its checks in the module's order and leaves by one exit. */
#include <string.h>
#include "seam/emu/emu_internal.h"

/* M15 check_cmrs(): the CMR list MCHECK handed over must be 4K-granular,
 * free of KeyID bits, below MAXPA, sorted and non-overlapping. */
static bool cmrs_valid(const struct emu *e)
{
	uint64_t prev_start = 0, prev_last = 0;

	for (unsigned i = 0; i < e->cfg.ncmr; i++) {
		uint64_t base = e->cfg.cmr[i].base, size = e->cfg.cmr[i].size, last;

		if (!size)
			continue;
		if (base > ~0ull - size)
			return false;
		last = base + size - 1;
		if ((base & e->hkid_mask) || (last & e->hkid_mask) || !emu_pa_below_maxpa(e, last))
			return false;
		if ((base | size) & (EMU_4K - 1))
			return false;
		if (prev_last && (prev_start > base || prev_last > base))
			return false;
		prev_start = base;
		prev_last = last;
	}
	return true;
}

/* What TDH.SYS.INIT samples of the platform, in M15's order. CPUID, MSR,
 * SMRR and SEAMOPS checks pass by construction: emu_config describes a
 * platform that has them right. */
static uint64_t check_platform(const struct emu *e)
{
	/* No TDX KeyIDs means TDX is off in the BIOS; the module could not
	 * have been loaded. The emulator says so through the MSR it sampled. */
	if (e->cfg.num_tdx_keyids == 0)
		return emu_op(TDX_INCORRECT_MSR_VALUE, MSR_IA32_MKTME_KEYID_PARTITIONING);
	if (e->hkid_max >= EMU_MAX_HKIDS)
		return emu_op(TDX_NUM_ACTIVATED_HKIDS_NOT_SUPPORTED, EMU_MAX_HKIDS);
	if (!cmrs_valid(e))
		return TDX_CMR_LIST_INVALID;
	return TDX_SUCCESS;
}

uint64_t emu_sys_init(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint64_t attributes = r->rcx, st;
	bool locked;

	(void)lp;
	r->rcx = r->rdx = r->r8 = r->r9 = r->r10 = 0;
	if (!(locked = emu_glock_excl(e))) {
		st = TDX_SYS_BUSY;
		goto out;
	}
	/* All 64 attribute bits are reserved in 1.5 (M15 sys_attributes_t). */
	if (attributes != 0) {
		st = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		goto out;
	}
	if (e->state != TDX_GLOBAL_SYSINIT_PENDING) {
		st = TDX_SYS_INIT_NOT_PENDING;
		goto out;
	}
	st = check_platform(e);
	if (st != TDX_SUCCESS)
		goto out;

	e->sys_attributes = attributes;
	e->num_init_lps = 0;
	e->pkg_configured = 0;
	e->num_init_pkgs = 0;
	e->state = TDX_GLOBAL_SYSINIT_DONE;
out:
	if (locked)
		emu_glock_release(e);
	return st;
}

/* Runs on every LP after SYS.INIT and before SYS.CONFIG (§3.3 step 3);
 * LPs initialize in parallel under the shared global lock. */
uint64_t emu_sys_lp_init(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint64_t st;
	bool locked;

	r->rcx = r->rdx = r->r8 = 0;
	if (!(locked = emu_glock_shared(e))) {
		st = TDX_SYS_BUSY;
		goto out;
	}
	if (e->state != TDX_GLOBAL_SYSINIT_DONE) {
		st = TDX_SYS_LP_INIT_NOT_PENDING;
		goto out;
	}
	if (e->lp_init[lp]) {
		st = TDX_SYS_LP_INIT_DONE;
		goto out;
	}
	e->lp_init[lp] = 1;
	e->num_init_lps++;
	st = TDX_SUCCESS;
out:
	if (locked)
		emu_glock_release(e);
	return st;
}

/* Once per package, on any LP of it (§3.3 step 8). After SYS_READY the
 * state check answers first, so a repeat on the last package gets
 * TDX_SYS_KEY_CONFIG_NOT_PENDING, not TDX_KEY_CONFIGURED (M15). */
uint64_t emu_sys_key_config(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint32_t pkg_bit = 1u << e->cfg.lp_pkg[lp];
	uint64_t st;
	bool locked;

	(void)r;
	if (!(locked = emu_glock_excl(e))) {
		st = TDX_SYS_BUSY;
		goto out;
	}
	if (e->state != TDX_GLOBAL_SYSCONFIG_DONE) {
		st = TDX_SYS_KEY_CONFIG_NOT_PENDING;
		goto out;
	}
	if (e->pkg_configured & pkg_bit) {
		st = TDX_KEY_CONFIGURED;
		goto out;
	}
	e->pkg_configured |= pkg_bit;
	/* PCONFIG of the global KeyID on this package: nothing to program in
	 * an emulator without memory encryption, but other LPs run meanwhile. */
	emu_inside(e, lp, TDH_SYS_KEY_CONFIG);
	if (++e->num_init_pkgs == e->cfg.npkgs)
		e->state = TDX_GLOBAL_SYS_READY;
	st = TDX_SUCCESS;
out:
	if (locked)
		emu_glock_release(e);
	return st;
}

/* Deprecated; kept for old VMMs (M15). */
uint64_t emu_sys_lp_shutdown(struct emu *e, unsigned lp, struct emu_regs *r)
{
	(void)e;
	(void)lp;
	(void)r;
	return TDX_SUCCESS;
}

/* Prepares a runtime update (§2.3, §8.4): only from SYS_READY (the
 * dispatcher checks), only while no other LP is inside the module. */
uint64_t emu_sys_shutdown(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint64_t hv = r->rcx, st;
	bool locked = false;

	if (hv < e->module.min_update_hv || hv > e->module.module_hv ||
	    (e->module.no_downgrade && hv != e->module.module_hv)) {
		st = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		goto out;
	}
	if (!(locked = emu_glock_excl(e))) {
		st = TDX_SYS_BUSY;
		goto out;
	}
	for (unsigned i = 0; i < e->cfg.nlps; i++) {
		if (i != lp && e->lp_busy[i]) {
			st = TDX_SYS_BUSY;
			goto out;
		}
	}

	e->handoff_valid = true;
	e->handoff_hv = (uint16_t)hv;
	e->state = TDX_GLOBAL_SYS_SHUTDOWN;
	st = TDX_SUCCESS;
out:
	if (locked)
		emu_glock_release(e);
	return st;
}
