/* Capability decoding and control adjustment (SDM Vol. 3C Appendix A). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmx/controls.h"
#include "vmx/vmx_arch.h"

void vmx_msrs_read(struct vmx_msrs *raw, uint64_t (*rdmsr)(uint32_t msr))
{
	uint32_t proc_may1, proc2_may1;

	*raw = (struct vmx_msrs){ 0 };
	raw->basic = rdmsr(MSR_IA32_VMX_BASIC);
	raw->pinbased = rdmsr(MSR_IA32_VMX_PINBASED_CTLS);
	raw->procbased = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
	raw->exit = rdmsr(MSR_IA32_VMX_EXIT_CTLS);
	raw->entry = rdmsr(MSR_IA32_VMX_ENTRY_CTLS);
	raw->misc = rdmsr(MSR_IA32_VMX_MISC);
	raw->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	raw->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	raw->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	raw->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	raw->vmcs_enum = rdmsr(MSR_IA32_VMX_VMCS_ENUM);

	/* A.2: the TRUE MSRs exist when IA32_VMX_BASIC bit 55 is 1. */
	if (raw->basic & VMX_BASIC_TRUE_CTLS) {
		raw->true_pinbased = rdmsr(MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		raw->true_procbased = rdmsr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		raw->true_exit = rdmsr(MSR_IA32_VMX_TRUE_EXIT_CTLS);
		raw->true_entry = rdmsr(MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	}

	/* Presence follows bits of IA32_VMX_PROCBASED_CTLS and
	 * IA32_VMX_EXIT_CTLS themselves: A.3.3, A.3.4, A.4.2, A.10, A.11. */
	proc_may1 = VMX_CAP_MAY1(raw->procbased);
	if (proc_may1 & PROC_ACTIVATE_SECONDARY) {
		raw->procbased2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
		proc2_may1 = VMX_CAP_MAY1(raw->procbased2);
		if (proc2_may1 & (PROC2_ENABLE_EPT | PROC2_ENABLE_VPID))
			raw->ept_vpid_cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
		if (proc2_may1 & PROC2_ENABLE_VMFUNC)
			raw->vmfunc = rdmsr(MSR_IA32_VMX_VMFUNC);
	}
	if (proc_may1 & PROC_ACTIVATE_TERTIARY)
		raw->procbased3 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS3);
	if (VMX_CAP_MAY1(raw->exit) & EXIT_ACTIVATE_SECONDARY)
		raw->exit2 = rdmsr(MSR_IA32_VMX_EXIT_CTLS2);
}

static bool has(uint64_t value, uint64_t bit)
{
	return (value & bit) != 0;
}

void vmx_caps_decode(const struct vmx_msrs *raw, struct vmx_caps *c)
{
	uint64_t b = raw->basic, m = raw->misc, e = raw->ept_vpid_cap;

	*c = (struct vmx_caps){ 0 };
	c->revision_id = VMX_BASIC_REVISION(b);
	c->region_size = VMX_BASIC_REGION_SIZE(b);
	c->memtype = VMX_BASIC_MEMTYPE(b);
	c->addr32 = has(b, VMX_BASIC_ADDR32);
	c->dual_monitor = has(b, VMX_BASIC_DUAL_MONITOR);
	c->ins_outs_info = has(b, VMX_BASIC_INS_OUTS_INFO);
	c->true_ctls = has(b, VMX_BASIC_TRUE_CTLS);
	c->no_err_code_ok = has(b, VMX_BASIC_NO_ERR_CODE_OK);

	c->pin = c->true_ctls ? raw->true_pinbased : raw->pinbased;
	c->proc = c->true_ctls ? raw->true_procbased : raw->procbased;
	c->exit = c->true_ctls ? raw->true_exit : raw->exit;
	c->entry = c->true_ctls ? raw->true_entry : raw->entry;
	c->proc2 = raw->procbased2;
	c->proc3 = raw->procbased3;
	c->exit2 = raw->exit2;

	c->preempt_timer_rate = VMX_MISC_PREEMPT_RATE(m);
	c->exit_stores_lma = has(m, VMX_MISC_STORE_LMA);
	c->act_hlt = has(m, VMX_MISC_ACT_HLT);
	c->act_shutdown = has(m, VMX_MISC_ACT_SHUTDOWN);
	c->act_wait_sipi = has(m, VMX_MISC_ACT_WAIT_SIPI);
	c->cr3_targets = VMX_MISC_CR3_TARGETS(m);
	c->msr_list_max = VMX_MISC_MSR_LIST_MAX(m);
	c->vmwrite_all = has(m, VMX_MISC_VMWRITE_ALL);
	c->inject_len0 = has(m, VMX_MISC_INJECT_LEN0);
	c->unrestricted_guest =
		has(VMX_CAP_MAY1(raw->procbased2), PROC2_UNRESTRICTED_GUEST);

	c->cr0_fixed0 = raw->cr0_fixed0;
	c->cr0_fixed1 = raw->cr0_fixed1;
	c->cr4_fixed0 = raw->cr4_fixed0;
	c->cr4_fixed1 = raw->cr4_fixed1;
	c->vmcs_max_index = VMX_VMCS_ENUM_MAX_INDEX(raw->vmcs_enum);

	c->ept_exec_only = has(e, VMX_EPT_EXEC_ONLY);
	c->ept_pwl4 = has(e, VMX_EPT_PWL4);
	c->ept_pwl5 = has(e, VMX_EPT_PWL5);
	c->ept_uc = has(e, VMX_EPT_UC);
	c->ept_wb = has(e, VMX_EPT_WB);
	c->ept_2m = has(e, VMX_EPT_2M);
	c->ept_1g = has(e, VMX_EPT_1G);
	c->ept_ad = has(e, VMX_EPT_AD);
	c->ept_adv_exit_info = has(e, VMX_EPT_ADV_EXIT_INFO);
	c->invept = has(e, VMX_EPT_INVEPT);
	c->invept_single = has(e, VMX_EPT_INVEPT_SINGLE);
	c->invept_all = has(e, VMX_EPT_INVEPT_ALL);
	c->invvpid = has(e, VMX_VPID_INVVPID);
	c->invvpid_addr = has(e, VMX_VPID_INVVPID_ADDR);
	c->invvpid_single = has(e, VMX_VPID_INVVPID_SINGLE);
	c->invvpid_all = has(e, VMX_VPID_INVVPID_ALL);
	c->invvpid_single_ng = has(e, VMX_VPID_INVVPID_SINGLE_NG);
	c->vmfunc = raw->vmfunc;
}

int vmx_adjust_ctls(uint32_t want, uint32_t optional, uint64_t cap,
		    uint32_t *out, uint32_t *missing)
{
	uint32_t must1 = VMX_CAP_MUST1(cap), may1 = VMX_CAP_MAY1(cap);
	uint32_t lacking = want & ~may1;

	*out = ((want | optional) & may1) | must1;
	if (missing)
		*missing = lacking;
	return lacking ? -1 : 0;
}

uint64_t vmx_fixed_cr(uint64_t value, uint64_t fixed0, uint64_t fixed1)
{
	return (value | fixed0) & fixed1;
}

uint64_t vmx_guest_cr0_fixed0(uint64_t cr0_fixed0, bool unrestricted_guest)
{
	return unrestricted_guest ? cr0_fixed0 & ~(VMX_CR0_PE | VMX_CR0_PG)
				  : cr0_fixed0;
}

/* Control names as the SDM tables spell them (§25.6.1, §25.6.2, §25.7.1,
 * §25.8.1). */
struct ctl_name {
	uint32_t bit;
	const char *name;
};

static const struct ctl_name pin_names[] = {
	{ PIN_EXT_INT_EXITING, "external-interrupt exiting" },
	{ PIN_NMI_EXITING, "NMI exiting" },
	{ PIN_VIRTUAL_NMIS, "virtual NMIs" },
	{ PIN_PREEMPTION_TIMER, "activate VMX-preemption timer" },
	{ PIN_POSTED_INTERRUPTS, "process posted interrupts" },
};

static const struct ctl_name proc_names[] = {
	{ PROC_INT_WINDOW_EXITING, "interrupt-window exiting" },
	{ PROC_USE_TSC_OFFSETTING, "use TSC offsetting" },
	{ PROC_HLT_EXITING, "HLT exiting" },
	{ PROC_INVLPG_EXITING, "INVLPG exiting" },
	{ PROC_MWAIT_EXITING, "MWAIT exiting" },
	{ PROC_RDPMC_EXITING, "RDPMC exiting" },
	{ PROC_RDTSC_EXITING, "RDTSC exiting" },
	{ PROC_CR3_LOAD_EXITING, "CR3-load exiting" },
	{ PROC_CR3_STORE_EXITING, "CR3-store exiting" },
	{ PROC_ACTIVATE_TERTIARY, "activate tertiary controls" },
	{ PROC_CR8_LOAD_EXITING, "CR8-load exiting" },
	{ PROC_CR8_STORE_EXITING, "CR8-store exiting" },
	{ PROC_USE_TPR_SHADOW, "use TPR shadow" },
	{ PROC_NMI_WINDOW_EXITING, "NMI-window exiting" },
	{ PROC_MOV_DR_EXITING, "MOV-DR exiting" },
	{ PROC_UNCOND_IO_EXITING, "unconditional I/O exiting" },
	{ PROC_USE_IO_BITMAPS, "use I/O bitmaps" },
	{ PROC_MONITOR_TRAP_FLAG, "monitor trap flag" },
	{ PROC_USE_MSR_BITMAPS, "use MSR bitmaps" },
	{ PROC_MONITOR_EXITING, "MONITOR exiting" },
	{ PROC_PAUSE_EXITING, "PAUSE exiting" },
	{ PROC_ACTIVATE_SECONDARY, "activate secondary controls" },
};

static const struct ctl_name proc2_names[] = {
	{ PROC2_VIRT_APIC_ACCESSES, "virtualize APIC accesses" },
	{ PROC2_ENABLE_EPT, "enable EPT" },
	{ PROC2_DESC_TABLE_EXITING, "descriptor-table exiting" },
	{ PROC2_ENABLE_RDTSCP, "enable RDTSCP" },
	{ PROC2_VIRT_X2APIC_MODE, "virtualize x2APIC mode" },
	{ PROC2_ENABLE_VPID, "enable VPID" },
	{ PROC2_WBINVD_EXITING, "WBINVD exiting" },
	{ PROC2_UNRESTRICTED_GUEST, "unrestricted guest" },
	{ PROC2_APIC_REG_VIRT, "APIC-register virtualization" },
	{ PROC2_VIRT_INT_DELIVERY, "virtual-interrupt delivery" },
	{ PROC2_PAUSE_LOOP_EXITING, "PAUSE-loop exiting" },
	{ PROC2_RDRAND_EXITING, "RDRAND exiting" },
	{ PROC2_ENABLE_INVPCID, "enable INVPCID" },
	{ PROC2_ENABLE_VMFUNC, "enable VM functions" },
	{ PROC2_VMCS_SHADOWING, "VMCS shadowing" },
	{ PROC2_ENCLS_EXITING, "enable ENCLS exiting" },
	{ PROC2_RDSEED_EXITING, "RDSEED exiting" },
	{ PROC2_ENABLE_PML, "enable PML" },
	{ PROC2_EPT_VIOLATION_VE, "EPT-violation #VE" },
	{ PROC2_CONCEAL_VMX_FROM_PT, "conceal VMX from PT" },
	{ PROC2_ENABLE_XSAVES, "enable XSAVES/XRSTORS" },
	{ PROC2_MODE_BASED_EPT_EXEC, "mode-based execute control for EPT" },
	{ PROC2_PT_USES_GPA, "Intel PT uses guest physical addresses" },
	{ PROC2_USE_TSC_SCALING, "use TSC scaling" },
	{ PROC2_ENABLE_USER_WAIT_PAUSE, "enable user wait and pause" },
	{ PROC2_ENCLV_EXITING, "enable ENCLV exiting" },
	{ PROC2_BUS_LOCK_DETECTION, "VMM bus-lock detection" },
	{ PROC2_INSTRUCTION_TIMEOUT, "instruction timeout" },
};

static const struct ctl_name exit_names[] = {
	{ EXIT_SAVE_DEBUG_CTLS, "save debug controls" },
	{ EXIT_HOST_ADDR_SPACE_SIZE, "host address-space size" },
	{ EXIT_LOAD_PERF_GLOBAL_CTRL, "load IA32_PERF_GLOBAL_CTRL" },
	{ EXIT_ACK_INT, "acknowledge interrupt on exit" },
	{ EXIT_SAVE_PAT, "save IA32_PAT" },
	{ EXIT_LOAD_PAT, "load IA32_PAT" },
	{ EXIT_SAVE_EFER, "save IA32_EFER" },
	{ EXIT_LOAD_EFER, "load IA32_EFER" },
	{ EXIT_SAVE_PREEMPTION_TIMER, "save VMX-preemption timer value" },
	{ EXIT_CLEAR_BNDCFGS, "clear IA32_BNDCFGS" },
	{ EXIT_CONCEAL_VMX_FROM_PT, "conceal VMX from PT" },
	{ EXIT_CLEAR_RTIT_CTL, "clear IA32_RTIT_CTL" },
	{ EXIT_CLEAR_LBR_CTL, "clear IA32_LBR_CTL" },
	{ EXIT_LOAD_CET, "load CET state" },
	{ EXIT_LOAD_PKRS, "load PKRS" },
	{ EXIT_SAVE_PERF_GLOBAL_CTRL, "save IA32_PERF_GLOBAL_CTL" },
	{ EXIT_ACTIVATE_SECONDARY, "activate secondary controls" },
};

static const struct ctl_name entry_names[] = {
	{ ENTRY_LOAD_DEBUG_CTLS, "load debug controls" },
	{ ENTRY_IA32E_MODE_GUEST, "IA-32e mode guest" },
	{ ENTRY_TO_SMM, "entry to SMM" },
	{ ENTRY_DEACT_DUAL_MONITOR, "deactivate dual-monitor treatment" },
	{ ENTRY_LOAD_PERF_GLOBAL_CTRL, "load IA32_PERF_GLOBAL_CTRL" },
	{ ENTRY_LOAD_PAT, "load IA32_PAT" },
	{ ENTRY_LOAD_EFER, "load IA32_EFER" },
	{ ENTRY_LOAD_BNDCFGS, "load IA32_BNDCFGS" },
	{ ENTRY_CONCEAL_VMX_FROM_PT, "conceal VMX from PT" },
	{ ENTRY_LOAD_RTIT_CTL, "load IA32_RTIT_CTL" },
	{ ENTRY_LOAD_CET, "load CET state" },
	{ ENTRY_LOAD_LBR_CTL, "load guest IA32_LBR_CTL" },
	{ ENTRY_LOAD_PKRS, "load PKRS" },
};

#define NAMES(t) { t, sizeof(t) / sizeof(t[0]) }
static const struct {
	const struct ctl_name *names;
	size_t n;
} ctl_tables[] = {
	[VMX_CTL_PIN] = NAMES(pin_names),
	[VMX_CTL_PROC] = NAMES(proc_names),
	[VMX_CTL_PROC2] = NAMES(proc2_names),
	[VMX_CTL_EXIT] = NAMES(exit_names),
	[VMX_CTL_ENTRY] = NAMES(entry_names),
};

const char *vmx_ctl_bit_name(enum vmx_ctl_kind kind, unsigned bit)
{
	size_t k = (size_t)kind;

	if (k >= sizeof(ctl_tables) / sizeof(ctl_tables[0]) || bit > 31)
		return NULL;
	for (size_t i = 0; i < ctl_tables[k].n; i++)
		if (ctl_tables[k].names[i].bit == 1u << bit)
			return ctl_tables[k].names[i].name;
	return NULL;
}

/* Appends to a bounded buffer, counting what would not fit. */
struct text {
	char *buf;
	size_t size, len;
};

static void put(struct text *t, const char *s)
{
	for (; *s; s++, t->len++)
		if (t->len + 1 < t->size)
			t->buf[t->len] = *s;
}

size_t vmx_ctl_describe(enum vmx_ctl_kind kind, uint32_t bits, char *buf,
			size_t size)
{
	struct text t = { buf, size, 0 };

	for (unsigned bit = 0; bit < 32; bit++) {
		const char *name = vmx_ctl_bit_name(kind, bit);
		char num[3] = { 0 };

		if (!(bits & (1u << bit)))
			continue;
		if (t.len)
			put(&t, ", ");
		if (name) {
			put(&t, name);
			continue;
		}
		put(&t, "bit ");
		if (bit >= 10) {
			num[0] = (char)('0' + bit / 10);
			num[1] = (char)('0' + bit % 10);
		} else {
			num[0] = (char)('0' + bit);
		}
		put(&t, num);
	}
	if (size)
		buf[t.len < size ? t.len : size - 1] = '\0';
	return t.len;
}
