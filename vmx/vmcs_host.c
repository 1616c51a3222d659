/* What every VMCS of ours shares: the host-state area (this CPU's control
 * registers, kernel selectors, per-CPU GS/TR/GDT, the common exit stub in
 * vmx/entry.asm) and flat guest segments. Used by the plain VM runner and
 * by the emulated TDX module's TD vCPUs. */
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

void vmcs_guest_segments(uint16_t code_sel, uint16_t data_sel, uint32_t limit,
			 uint32_t code_ar, uint32_t data_ar)
{
	static const uint32_t sel[] = { VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_CS_SELECTOR,
		VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_FS_SELECTOR,
		VMCS_GUEST_GS_SELECTOR };
	static const uint32_t base[] = { VMCS_GUEST_ES_BASE, VMCS_GUEST_CS_BASE,
		VMCS_GUEST_SS_BASE, VMCS_GUEST_DS_BASE, VMCS_GUEST_FS_BASE, VMCS_GUEST_GS_BASE };
	static const uint32_t lim[] = { VMCS_GUEST_ES_LIMIT, VMCS_GUEST_CS_LIMIT,
		VMCS_GUEST_SS_LIMIT, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_GS_LIMIT };
	static const uint32_t ar[] = { VMCS_GUEST_ES_AR, VMCS_GUEST_CS_AR,
		VMCS_GUEST_SS_AR, VMCS_GUEST_DS_AR, VMCS_GUEST_FS_AR, VMCS_GUEST_GS_AR };

	for (int i = 0; i < 6; i++) {	/* ES CS SS DS FS GS; CS is 1 */
		try_vmcs_write(sel[i], i == 1 ? code_sel : data_sel);
		try_vmcs_write(base[i], 0);
		try_vmcs_write(lim[i], limit);
		try_vmcs_write(ar[i], i == 1 ? code_ar : data_ar);
	}
}
