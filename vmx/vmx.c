/* VMX bring-up (SDM Vol. 3C §24.7 "Enabling and entering VMX operation"):
 * CPUID.1:ECX.VMX, IA32_FEATURE_CONTROL, CR0/CR4 fixed bits, CR4.VMXE,
 * a VMXON region per CPU holding the VMCS revision identifier, VMXON. */
#include <string.h>
#include "kernel/cpu.h"
#include "kernel/log.h"
#include "kernel/shell.h"
#include "kernel/smp.h"
#include "mm/direct_map.h"
#include "mm/page.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"
#include "vmx/vmx_arch.h"
#include "vmx/vmx_names.h"

struct vmx_caps vmx_caps;
static struct vmx_msrs raw;
_Static_assert(sizeof(raw) == (0x493 - 0x480 + 1) * sizeof(uint64_t),
	       "vmx info walks struct vmx_msrs as consecutive MSRs");
static const char *why_not;
static bool ready;
static uint64_t feature_control;

static uint64_t read_msr(uint32_t msr)
{
	return rdmsr(msr);
}

static void set_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static void set_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* IA32_FEATURE_CONTROL (SDM Vol. 4 §2.1, Vol. 3C §24.7): firmware should
 * lock it with "VMX outside SMX" set. OVMF under Bochs leaves it 0 and
 * unlocked; then we set and lock it as OS kernels do. Locked with VMX off
 * only the firmware setup can change. */
static const char *feature_control_ok(void)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (!(fc & FEATURE_CONTROL_LOCK)) {
		fc |= FEATURE_CONTROL_VMX_OUTSIDE_SMX | FEATURE_CONTROL_LOCK;
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc);
	}
	feature_control = fc;
	if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
		return "firmware locked VMX off (IA32_FEATURE_CONTROL lock set, "
		       "VMX-outside-SMX clear): enable Intel Virtualization "
		       "Technology (VT-x) in the firmware setup";
	return NULL;
}

static long vmxon_this_cpu(void *arg)
{
	struct percpu *c = this_cpu();
	uint64_t pa;
	(void)arg;

	if (c->vmx_on)
		return 0;
	if (feature_control_ok())
		return -1;
	if (!c->vmxon_pa) {
		if (page_alloc(1, PAGE_SIZE, vmx_caps.addr32 ? MAX_PA_4G : 0,
			       OWN_VMX, &pa) != 0)
			return -2;
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
		*(uint32_t *)phys_to_virt(pa) = vmx_caps.revision_id;
		c->vmxon_pa = pa;
	}
	set_cr0(vmx_fixed_cr(read_cr0(), vmx_caps.cr0_fixed0, vmx_caps.cr0_fixed1));
	set_cr4(vmx_fixed_cr(read_cr4() | VMX_CR4_VMXE, vmx_caps.cr4_fixed0,
			     vmx_caps.cr4_fixed1));
	int st = vmxon(c->vmxon_pa);
	if (st) {
		set_cr4(read_cr4() & ~(uint64_t)VMX_CR4_VMXE);
		return st < 0 ? -3 : 100 + st;
	}
	c->vmx_on = true;
	return 0;
}

static long vmxoff_this_cpu(void *arg)
{
	struct percpu *c = this_cpu();
	(void)arg;

	if (!c->vmx_on)
		return 0;
	vmxoff();
	set_cr4(read_cr4() & ~(uint64_t)VMX_CR4_VMXE);
	c->vmx_on = false;
	return 0;
}

void vmx_init(void)
{
	static long results[MAX_CPUS];
	unsigned ok = 0, n;

	if (!(cpuid(1, 0).ecx & VMX_CPUID1_ECX_VMX)) {
		why_not = "the CPU does not report VMX (CPUID.1:ECX.VMX = 0); "
			  "QEMU without KVM (TCG) has none, a hypervisor must "
			  "expose it, and on hardware it is a firmware setting";
		kprintf("vmx: VMX not available: %s\n", why_not);
		return;
	}
	why_not = feature_control_ok();
	if (why_not) {
		kprintf("vmx: VMX not available: %s\n", why_not);
		return;
	}
	vmx_msrs_read(&raw, read_msr);
	vmx_caps_decode(&raw, &vmx_caps);
	n = on_each_cpu(vmxon_this_cpu, NULL, results);
	for (unsigned i = 0; i < cpu_count; i++) {
		if (!cpu_list[i]->online)
			continue;
		if (results[i] == 0)
			ok++;
		else
			kprintf("vmx: VMXON failed on cpu %u (apic-id %u): %s\n", i,
				cpu_list[i]->apic_id,
				results[i] == -1 ? "VMX locked off by firmware" :
				results[i] == -2 ? "out of memory" :
				results[i] == -3 ? "VMfailInvalid" :
				vmx_insn_error_name((int)results[i] - 100));
	}
	ready = ok == n;
	if (!ready)
		why_not = "VMXON failed on some CPUs";
	kprintf("vmx: VMXON on %u of %u CPUs (VMCS revision 0x%x, EPT %s, unrestricted guest %s)\n",
		ok, n, vmx_caps.revision_id, vmx_caps.proc2 ? "yes" : "no",
		vmx_caps.unrestricted_guest ? "yes" : "no");
}

bool vmx_ready(void)
{
	return ready;
}

const char *vmx_unavailable(void)
{
	return why_not;
}

void vmx_off_all(void)
{
	unsigned n = 0;

	if (!ready && !this_cpu()->vmx_on)
		return;
	for (unsigned i = 0; i < cpu_count; i++)
		n += cpu_list[i]->vmx_on;
	on_each_cpu(vmxoff_this_cpu, NULL, NULL);
	ready = false;
	kprintf("vmx: VMXOFF on %u CPUs\n", n);
}

static void show_ctls(const char *what, enum vmx_ctl_kind kind, uint64_t cap)
{
	char must[512], may[512];
	vmx_ctl_describe(kind, VMX_CAP_MUST1(cap), must, sizeof(must));
	vmx_ctl_describe(kind, VMX_CAP_MAY1(cap), may, sizeof(may));
	kprintf("  %-6s cap 0x%016llx\n    must be 1: %s\n    may be 1:  %s\n", what,
		(unsigned long long)cap, must[0] ? must : "-", may);
}

static int vmx_json(void)
{
	const struct vmx_caps *c = &vmx_caps;
	unsigned on = 0;

	for (unsigned i = 0; i < cpu_count; i++)
		on += cpu_list[i]->vmx_on;
	kprintf("{\"available\":%s,", ready ? "true" : "false");
	if (why_not)
		kprintf("\"reason\":\"%s\",", why_not);
	kprintf("\"cpus_on\":%u,\"revision\":%u,\"true_ctls\":%s,\"unrestricted_guest\":%s,"
		"\"ept\":{\"pwl4\":%s,\"wb\":%s,\"2m\":%s,\"1g\":%s,\"ad\":%s},"
		"\"vpid\":%s,\"preemption_timer_rate\":%u}\n", on, c->revision_id,
		c->true_ctls ? "true" : "false", c->unrestricted_guest ? "true" : "false",
		c->ept_pwl4 ? "true" : "false", c->ept_wb ? "true" : "false",
		c->ept_2m ? "true" : "false", c->ept_1g ? "true" : "false",
		c->ept_ad ? "true" : "false", c->invvpid ? "true" : "false",
		c->preempt_timer_rate);
	return CMD_OK;
}

int cmd_vmx(int argc, char **argv)
{
	const struct vmx_caps *c = &vmx_caps;

	if (argc == 3 && !strcmp(argv[1], "info") && !strcmp(argv[2], "--json"))
		return vmx_json();
	if (argc != 2 || strcmp(argv[1], "info"))
		return CMD_USAGE;
	if (why_not && !c->revision_id) {
		kprintf("vmx: not available: %s\n", why_not);
		return CMD_FAIL;
	}
	kprintf("vmx: IA32_FEATURE_CONTROL 0x%llx, VMCS revision 0x%x, region %u bytes, %s memory%s\n",
		(unsigned long long)feature_control, c->revision_id, c->region_size,
		c->memtype == VMX_MEMTYPE_WB ? "WB" : "UC",
		c->true_ctls ? ", TRUE controls" : "");
	show_ctls("pin", VMX_CTL_PIN, c->pin);
	show_ctls("proc", VMX_CTL_PROC, c->proc);
	show_ctls("proc2", VMX_CTL_PROC2, c->proc2);
	show_ctls("exit", VMX_CTL_EXIT, c->exit);
	show_ctls("entry", VMX_CTL_ENTRY, c->entry);
	kprintf("  misc: preemption timer rate 2^%u, activity states%s%s%s, %u CR3 targets\n",
		c->preempt_timer_rate, c->act_hlt ? " hlt" : "",
		c->act_shutdown ? " shutdown" : "", c->act_wait_sipi ? " wait-sipi" : "",
		c->cr3_targets);
	kprintf("  cr0 fixed0 0x%llx fixed1 0x%llx, cr4 fixed0 0x%llx fixed1 0x%llx\n",
		(unsigned long long)c->cr0_fixed0, (unsigned long long)c->cr0_fixed1,
		(unsigned long long)c->cr4_fixed0, (unsigned long long)c->cr4_fixed1);
	kprintf("  ept: 4-level %s, 5-level %s, WB %s, 2M %s, 1G %s, A/D %s, INVEPT %s (single %s, all %s); VPID %s\n",
		c->ept_pwl4 ? "yes" : "no", c->ept_pwl5 ? "yes" : "no",
		c->ept_wb ? "yes" : "no", c->ept_2m ? "yes" : "no",
		c->ept_1g ? "yes" : "no", c->ept_ad ? "yes" : "no",
		c->invept ? "yes" : "no", c->invept_single ? "yes" : "no",
		c->invept_all ? "yes" : "no", c->invvpid ? "yes" : "no");
	/* The raw MSRs, in address order, for comparing machines. */
	const uint64_t *r = &raw.basic;
	kprintf("  raw MSRs:");
	for (unsigned i = 0; i < sizeof(raw) / sizeof(*r); i++)
		kprintf("%s 0x%x=0x%llx", i % 4 ? "" : "\n   ", 0x480 + i,
			(unsigned long long)r[i]);
	kprintf("\n");
	for (unsigned i = 0; i < cpu_count; i++)
		kprintf("  cpu %u: %s\n", i, cpu_list[i]->vmx_on ? "VMX root operation" : "off");
	return CMD_OK;
}

void vmcs_access_failed(const char *op, uint32_t field, int err)
{
	pr_err("vmx: %s %s (0x%x) failed: %s\n", op, vmcs_field_name(field), field,
	       err < 0 ? "VMfailInvalid (no current VMCS)" : vmx_insn_error_name(err));
}
