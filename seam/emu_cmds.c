/* `tdx emu state`: what the emulated TDX module holds right now: module
 * state, TDs with their HKID, lifecycle, OP_STATE and epoch, their vCPUs,
 * and PAMT pages by type. Reads the module's state under its lock. */
#include "kernel/log.h"
#include "kernel/shell.h"
#include "seam/emu/td.h"
#include "seam/emu_cmds.h"
#include "seam/emu_host.h"

static const char *const lifecycles[] = { "HKID_ASSIGNED", "KEYS_CONFIGURED", "BLOCKED",
					  "TEARDOWN" };
static const char *const op_states[] = { "UNINITIALIZED", "INITIALIZED", "RUNNABLE" };
static const char *const globals[] = { "SYSINIT_PENDING", "SYSINIT_DONE", "SYSCONFIG_DONE",
				       "SYS_READY", "SYS_SHUTDOWN" };
static const char *const vcpu_states[] = { "?", "CREATED", "READY", "DEAD" };

static const char *name(const char *const *t, unsigned n, unsigned i)
{
	return i < n ? t[i] : "?";
}
#define NAME(t, i) name(t, sizeof(t) / sizeof(t[0]), (i))

int emu_state_cmd(void)
{
	struct emu *e = tdx_emu();
	unsigned ntds = 0;

	if (!e) {
		kprintf("error: the emulated TDX module is off (tdx=emulate)\n");
		return CMD_FAIL;
	}
	spin_lock(&e->lock);
	kprintf("tdx-emu: module %s, %u TDMRs, global KeyID %u, TDX KeyIDs %u-%u\n",
		NAME(globals, e->state), e->ntdmrs, e->global_keyid, e->hkid_min, e->hkid_max);
	kprintf("  pamt pages: TDR %llu, TDCX %llu, TDVPR %llu, EPT %llu, REG %llu\n",
		(unsigned long long)e->stats.pamt_pages[PT_TDR],
		(unsigned long long)e->stats.pamt_pages[PT_TDCX],
		(unsigned long long)e->stats.pamt_pages[PT_TDVPR],
		(unsigned long long)e->stats.pamt_pages[PT_EPT],
		(unsigned long long)e->stats.pamt_pages[PT_REG]);
	for (unsigned i = 0; i < EMU_MAX_TDS; i++) {
		const struct emu_td *td = &e->tds[i];
		if (!td->tdr_pa)
			continue;
		ntds++;
		kprintf("  td tdr 0x%llx: HKID %u, %s, %s, epoch %llu, %u/%u vCPUs, %llu pages%s\n",
			(unsigned long long)td->tdr_pa, td->hkid, NAME(lifecycles, td->lifecycle),
			NAME(op_states, td->op_state), (unsigned long long)td->epoch,
			td->num_init_vcpus, td->max_vcpus, (unsigned long long)td->child_pages,
			td->fatal ? ", FATAL" : "");
		for (unsigned k = 0; k < EMU_MAX_VCPUS; k++) {
			const struct emu_vcpu *v = &e->vcpus[k];
			if (!v->tdvpr_pa || v->td != i)
				continue;
			kprintf("    vcpu %u tdvpr 0x%llx: %s, %s%d%s, entry epoch %llu\n", v->index,
				(unsigned long long)v->tdvpr_pa, NAME(vcpu_states, v->state),
				v->assoc_lp >= 0 ? "LP " : "not associated", v->assoc_lp >= 0 ? v->assoc_lp : 0,
				v->running ? ", running" : "", (unsigned long long)v->entry_epoch);
		}
	}
	if (!ntds)
		kprintf("  no TDs\n");
	spin_unlock(&e->lock);
	return CMD_OK;
}
