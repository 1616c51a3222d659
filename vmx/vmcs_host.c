/* The host-state area every VMCS of ours shares: this CPU's control
 * registers, kernel selectors, per-CPU GS/TR/GDT and the common exit
 * stub (vmx/entry.asm). Used by the plain VM runner and by the emulated
 * TDX module's TD vCPUs. */
#include "kernel/cpu.h"
#include "kernel/gdt.h"
#include "kernel/percpu.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_host.h"

void vmcs_setup_host(void)
{
	struct percpu *c = this_cpu();
	struct desc_ptr idtr;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	vmcs_writenw(VMCS_HOST_CR0, read_cr0());
	vmcs_writenw(VMCS_HOST_CR3, read_cr3());
	vmcs_writenw(VMCS_HOST_CR4, read_cr4());
	vmcs_write16(VMCS_HOST_CS_SELECTOR, SEL_KCODE);
	vmcs_write16(VMCS_HOST_SS_SELECTOR, SEL_KDATA);
	vmcs_write16(VMCS_HOST_DS_SELECTOR, SEL_KDATA);
	vmcs_write16(VMCS_HOST_ES_SELECTOR, SEL_KDATA);
	vmcs_write16(VMCS_HOST_FS_SELECTOR, 0);
	vmcs_write16(VMCS_HOST_GS_SELECTOR, 0);
	vmcs_write16(VMCS_HOST_TR_SELECTOR, SEL_TSS);
	vmcs_writenw(VMCS_HOST_FS_BASE, 0);
	vmcs_writenw(VMCS_HOST_GS_BASE, (uint64_t)(uintptr_t)c);
	vmcs_writenw(VMCS_HOST_TR_BASE, (uint64_t)(uintptr_t)&c->desc.tss);
	vmcs_writenw(VMCS_HOST_GDTR_BASE, (uint64_t)(uintptr_t)c->desc.gdt);
	vmcs_writenw(VMCS_HOST_IDTR_BASE, idtr.base);
	vmcs_write32(VMCS_HOST_IA32_SYSENTER_CS, 0);
	vmcs_writenw(VMCS_HOST_IA32_SYSENTER_ESP, 0);
	vmcs_writenw(VMCS_HOST_IA32_SYSENTER_EIP, 0);
	try_vmcs_write(VMCS_HOST_IA32_EFER, rdmsr(0xc0000080));
	vmcs_writenw(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_rip);
}
