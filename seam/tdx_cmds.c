/* The `tdx` command group. `tdx status` gathers the prerequisite facts
 * from this machine (CPUID, platform MSRs, two probing SEAMCALLs) and
 * prints the judgement of seam/tdx_preflight.c. */
#include <string.h>
#include "kernel/cpu.h"
#include "kernel/log.h"
#include "kernel/msr.h"
#include "kernel/shell.h"
#include "mm/direct_map.h"
#include "mm/page.h"
#include "seam/emu_host.h"
#include "seam/seamcall.h"
#include "seam/tdx_abi.h"
#include "seam/emu_cmds.h"
#include "seam/module_kernel.h"
#include "seam/tdx_cmds.h"
#include "seam/tdx_kernel.h"
#include "seam/tdx_preflight.h"
#include "vmx/vmx.h"

static void probe_seamldr(struct tdx_facts *f)
{
	struct tdx_regs r;
	uint64_t pa;

	if (page_alloc(1, PAGE_SIZE, 0, OWN_TEST, &pa)) {
		f->seamldr_status = TDX_SEAMCALL_VMFAILINVALID;
		return;
	}
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	memset(&r, 0, sizeof(r));
	r.rax = SEAMLDR_INFO;
	r.rcx = pa;
	f->seamldr_status = seamcall_regs(&r);
	if (f->seamldr_status == 0) {
		const struct seamldr_info *i = phys_to_virt(pa);
		f->seamldr_major = i->major_version;
		f->seamldr_minor = i->minor_version;
		f->seamldr_update = i->update_version;
		f->seamldr_remaining = i->num_remaining_updates;
	}
	page_free(pa, 1, OWN_TEST);
}

/* Any answer but VMfailInvalid/#UD/#GP means a module is there; before
 * initialization TDH.SYS.RD says TDX_SYS_LP_INIT_NOT_DONE. */
static void probe_module(struct tdx_facts *f)
{
	struct tdx_regs r;

	memset(&r, 0, sizeof(r));
	r.rax = TDH_SYS_RD;
	r.rdx = MD_SYS_NUM_CMRS;
	f->module_status = seamcall_regs(&r);
}

static void gather(struct tdx_facts *f)
{
	struct cpuid_regs c1 = cpuid(1, 0), c7 = { 0, 0, 0, 0 };

	memset(f, 0, sizeof(*f));
	if (cpuid(0, 0).eax >= 7)
		c7 = cpuid(7, 0);
	f->vmx_cpuid = (c1.ecx >> 5) & 1;
	f->x2apic = (c1.ecx >> 21) & 1;
	f->xsave = (c1.ecx >> 26) & 1;
	f->movdir64b = (c7.ecx >> 28) & 1;  /* CPUID.(7,0):ECX[28] */
	f->fc_ok = rdmsr_safe(0x3a, &f->feature_control) == 0;
	f->vmx_on = vmx_ready();
	f->mtrrcap_ok = rdmsr_platform(MSR_IA32_MTRRCAP, &f->mtrrcap) == 0;
	f->seamrr_ok = rdmsr_platform(MSR_IA32_SEAMRR_PHYS_BASE, &f->seamrr_base) == 0 &&
		       rdmsr_platform(MSR_IA32_SEAMRR_PHYS_MASK, &f->seamrr_mask) == 0;
	f->keyid_ok = rdmsr_platform(MSR_IA32_MKTME_KEYID_PARTITIONING,
				     &f->keyid_partitioning) == 0;
	f->emulated = tdx_emu_active();
	if (f->vmx_on) {
		probe_seamldr(f);
		probe_module(f);
	}
}

static int tdx_status(void)
{
	static const char *const words[] = { "PASS", "FAIL", "skip" };
	struct tdx_facts f;
	struct tdx_check c[TDX_NCHECKS];

	gather(&f);
	unsigned fails = tdx_preflight_judge(&f, c);
	kprintf("tdx status: %u checks, %u failed\n", TDX_NCHECKS, fails);
	for (unsigned i = 0; i < TDX_NCHECKS; i++)
		kprintf("  %s %-14s %s\n", words[c[i].result], c[i].name, c[i].text);
	return fails ? CMD_FAIL : CMD_OK;
}

int cmd_tdx(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "status"))
		return tdx_status();
	if (argc == 2 && !strcmp(argv[1], "init"))
		return tdx_init();
	if (argc >= 2 && !strcmp(argv[1], "info"))
		return tdx_info(argc - 1, argv + 1);
	if (argc == 2 && !strcmp(argv[1], "tdmr"))
		return tdx_tdmr();
	if (argc >= 3 && !strcmp(argv[1], "module"))
		return tdx_module_cmd(argc - 2, argv + 2);
	if (argc == 3 && !strcmp(argv[1], "emu") && !strcmp(argv[2], "state"))
		return emu_state_cmd();
	return CMD_USAGE;
}
