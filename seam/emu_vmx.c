/* TD vCPUs of the emulated TDX module on real VMX (struct emu_cpu_ops,
 * seam/emu/emu.h). The module (seam/emu/td_run.c) decides everything TDX;
 * this file only moves a vCPU onto the CPU and back:
 *   - the TD VMCS is a TDCX page; the first entry writes the VMCS revision
 *     and the tdx-abi.md §6.5 initial state: RIP 0xFFFFFFF0, 32-bit
 *     protected mode with paging off (unrestricted guest), flat 4 GiB
 *     segments, CR0 PE|NE, CR4 MCE, EFER LME|SCE|NXE, RFLAGS 0x2,
 *     DR7 0x400, PAT 0x0007040600070406;
 *   - the EPTP is the S-EPT root the module built;
 *   - external interrupts exit acknowledged (the host gets the vector
 *     with the TD exit and handles it), NMIs exit, HLT, I/O, MSR accesses and CPUID exit, and so does #UD,
 *     which is how TDCALL (66 0F 01 CC) reaches the module on a CPU
 *     without TDX.
 * It runs inside the SEAMCALL #UD handler (interrupts off), on the LP the
 * host called TDH.VP.ENTER on. */
#include <string.h>
#include "kernel/cpu.h"
#include "drivers/lapic.h"
#include "kernel/log.h"
#include "kernel/percpu.h"
#include "kernel/time.h"
#include "mm/direct_map.h"
#include "seam/emu/emu.h"
#include "seam/emu/td_state.h"
#include "seam/emu_vmx.h"
#include "vmx/controls.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_host.h"
#include "vmx/vmrun.h"
#include "vmx/vmx.h"
#include "vmx/vmx_arch.h"

#define EFER_SCE	(1ull << 0)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)
#define EFER_NXE	(1ull << 11)
#define CR4_MCE		(1ull << 6)
#define TD_INIT_PAT	0x0007040600070406ull
#define VEC_UD		6

static const char *setup_controls(void)
{
	static char why[160];
	struct { enum vmx_ctl_kind kind; uint32_t want, opt; uint64_t cap; uint32_t field; } c[] = {
		{ VMX_CTL_PIN, PIN_EXT_INT_EXITING | PIN_NMI_EXITING, PIN_PREEMPTION_TIMER,
		  vmx_caps.pin, VMCS_PIN_BASED_VM_EXEC_CONTROL },
		{ VMX_CTL_PROC, PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING | PROC_ACTIVATE_SECONDARY,
		  0, vmx_caps.proc, VMCS_PROC_BASED_VM_EXEC_CONTROL },
		{ VMX_CTL_PROC2, PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST, 0,
		  vmx_caps.proc2, VMCS_SECONDARY_VM_EXEC_CONTROL },
		/* The interrupt is acknowledged on exit, as the TDX module
		 * does: the host gets its vector in R9 and must handle it. */
		{ VMX_CTL_EXIT, EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
		  EXIT_ACK_INT, EXIT_SAVE_PAT, vmx_caps.exit, VMCS_VM_EXIT_CONTROLS },
		{ VMX_CTL_ENTRY, ENTRY_LOAD_EFER, ENTRY_LOAD_PAT, vmx_caps.entry,
		  VMCS_VM_ENTRY_CONTROLS },
	};
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint32_t v, missing;
		if (vmx_adjust_ctls(c[i].want, c[i].opt, c[i].cap, &v, &missing)) {
			vmx_ctl_describe(c[i].kind, missing, why, sizeof(why));
			return why;
		}
		try_vmcs_write(c[i].field, v);
	}
	return NULL;
}

/* tdx-abi.md §6.5. */
static void setup_guest(void)
{
	uint64_t cr0_fixed0 = vmx_guest_cr0_fixed0(vmx_caps.cr0_fixed0, true);

	/* Flat 4 GiB: CS 0x08 (AR 0xC09B), data 0x10 (AR 0xC093). */
	vmcs_guest_segments(0x08, 0x10, 0xffffffffu, 0xc09b, 0xc093);
	vmcs_write16(VMCS_GUEST_LDTR_SELECTOR, 0);
	vmcs_write32(VMCS_GUEST_LDTR_AR, VMX_AR_UNUSABLE);
	vmcs_write16(VMCS_GUEST_TR_SELECTOR, 0);
	vmcs_writenw(VMCS_GUEST_TR_BASE, 0);
	vmcs_write32(VMCS_GUEST_TR_LIMIT, 0xffff);
	vmcs_write32(VMCS_GUEST_TR_AR, VMX_AR_P | VMX_AR_TYPE_TSS_BUSY);
	vmcs_writenw(VMCS_GUEST_GDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmcs_writenw(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	vmcs_writenw(VMCS_GUEST_CR0, vmx_fixed_cr(0x21 /* PE, NE */, cr0_fixed0,
						  vmx_caps.cr0_fixed1));
	vmcs_writenw(VMCS_GUEST_CR3, 0);
	vmcs_writenw(VMCS_GUEST_CR4, vmx_fixed_cr(CR4_MCE, vmx_caps.cr4_fixed0,
						  vmx_caps.cr4_fixed1));
	vmcs_writenw(VMCS_CR4_GUEST_HOST_MASK, VMX_CR4_VMXE);
	vmcs_writenw(VMCS_CR4_READ_SHADOW, CR4_MCE);
	vmcs_writenw(VMCS_GUEST_DR7, 0x400);
	vmcs_writenw(VMCS_GUEST_RIP, 0xfffffff0ull);
	vmcs_writenw(VMCS_GUEST_RFLAGS, 0x2);
	vmcs_write64(VMCS_LINK_POINTER, VMX_LINK_POINTER_NONE);
	vmcs_write64(VMCS_GUEST_IA32_DEBUGCTL, 0);
	try_vmcs_write(VMCS_GUEST_IA32_EFER, EFER_LME | EFER_SCE | EFER_NXE);
	try_vmcs_write(VMCS_GUEST_IA32_PAT, TD_INIT_PAT);
	vmcs_write32(VMCS_GUEST_ACTIVITY_STATE, VMX_ACTIVITY_ACTIVE);
	vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_writenw(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write32(VMCS_EXCEPTION_BITMAP, 1u << VEC_UD);
}

static void gprs_to_vmx(const uint64_t *g, struct vmx_gprs *x)
{
	*x = (struct vmx_gprs){
		.rax = g[EMU_GPR_RAX], .rbx = g[EMU_GPR_RBX], .rcx = g[EMU_GPR_RCX],
		.rdx = g[EMU_GPR_RDX], .rsi = g[EMU_GPR_RSI], .rdi = g[EMU_GPR_RDI],
		.rbp = g[EMU_GPR_RBP], .r8 = g[EMU_GPR_R8], .r9 = g[EMU_GPR_R9],
		.r10 = g[EMU_GPR_R10], .r11 = g[EMU_GPR_R11], .r12 = g[EMU_GPR_R12],
		.r13 = g[EMU_GPR_R13], .r14 = g[EMU_GPR_R14], .r15 = g[EMU_GPR_R15],
	};
}

static void gprs_from_vmx(const struct vmx_gprs *x, uint64_t *g)
{
	g[EMU_GPR_RAX] = x->rax; g[EMU_GPR_RBX] = x->rbx; g[EMU_GPR_RCX] = x->rcx;
	g[EMU_GPR_RDX] = x->rdx; g[EMU_GPR_RSI] = x->rsi; g[EMU_GPR_RDI] = x->rdi;
	g[EMU_GPR_RBP] = x->rbp; g[EMU_GPR_R8] = x->r8; g[EMU_GPR_R9] = x->r9;
	g[EMU_GPR_R10] = x->r10; g[EMU_GPR_R11] = x->r11; g[EMU_GPR_R12] = x->r12;
	g[EMU_GPR_R13] = x->r13; g[EMU_GPR_R14] = x->r14; g[EMU_GPR_R15] = x->r15;
}

static void read_exit(struct emu_vmexit *out)
{
	uint32_t ss_ar = vmcs_read32(VMCS_GUEST_SS_AR);

	out->reason = vmcs_read32(VMCS_EXIT_REASON);
	out->qual = vmcs_readnw(VMCS_EXIT_QUALIFICATION);
	out->gpa = vmcs_read64(VMCS_GUEST_PHYSICAL_ADDRESS);
	out->gla = vmcs_readnw(VMCS_GUEST_LINEAR_ADDRESS);
	out->intr_info = vmcs_read32(VMCS_VM_EXIT_INTR_INFO);
	out->idt_vectoring = vmcs_read32(VMCS_IDT_VECTORING_INFO);
	out->instr_len = vmcs_read32(VMCS_VM_EXIT_INSTRUCTION_LEN);
	out->instr_info = vmcs_read32(VMCS_VM_EXIT_INSTRUCTION_INFO);
	out->rip = vmcs_readnw(VMCS_GUEST_RIP);
	out->rflags = vmcs_readnw(VMCS_GUEST_RFLAGS);
	out->cr0 = vmcs_readnw(VMCS_GUEST_CR0);
	out->cr3 = vmcs_readnw(VMCS_GUEST_CR3);
	out->cr4 = (vmcs_readnw(VMCS_GUEST_CR4) & ~VMX_CR4_VMXE) |
		   (vmcs_readnw(VMCS_CR4_READ_SHADOW) & VMX_CR4_VMXE);
	out->efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
	out->cs_base = vmcs_readnw(VMCS_GUEST_CS_BASE);
	out->cpl = (ss_ar & VMX_AR_DPL_MASK) >> VMX_AR_DPL_SHIFT;
}

/* Guest time slices of about 1 ms with the VMX-preemption timer, when the
 * CPU has one. Some emulated CPUs (Bochs 2.7) miss the external-interrupt
 * exit for a LAPIC timer that fires while the guest runs; at each slice
 * end a requested interrupt is turned into that exit, so the host always
 * gets its CPU back. Without a request the guest goes on at once. */
#define SLICE_US 1000
#define EXIT_PREEMPTION_TIMER 52

static bool slices(void)
{
	return vmcs_read32(VMCS_PIN_BASED_VM_EXEC_CONTROL) & PIN_PREEMPTION_TIMER;
}

static void arm_slice(void)
{
	uint64_t ticks = (tsc_hz() / 1000000 * SLICE_US) >> vmx_caps.preempt_timer_rate;
	vmcs_write32(VMCS_VMX_PREEMPTION_TIMER_VALUE,
		     ticks > 0xffffffffu ? 0xffffffffu : ticks ? (uint32_t)ticks : 1);
}

/* The virtual interrupt the module wants delivered (posted interrupts):
 * injected as an external interrupt when the guest can take it now, else
 * interrupt-window exiting brings it back as soon as it can. Returns the
 * vector injected, 0 for none. */
#define EXIT_INT_WINDOW		7
#define RFLAGS_IF		(1ull << 9)

static uint8_t virtual_interrupt(const struct emu_vmentry *in)
{
	uint32_t block = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY) &
			 (VMX_INTERRUPTIBILITY_STI | VMX_INTERRUPTIBILITY_MOV_SS);

	if (!in->intr_vector || in->inject)
		return 0;
	if ((vmcs_readnw(VMCS_GUEST_RFLAGS) & RFLAGS_IF) && !block) {
		vmcs_write32(VMCS_VM_ENTRY_INTR_INFO, (1u << 31) | in->intr_vector);
		return in->intr_vector;
	}
	if (vmx_caps.proc & ((uint64_t)PROC_INT_WINDOW_EXITING << 32))
		vmcs_write32(VMCS_PROC_BASED_VM_EXEC_CONTROL,
			     vmcs_read32(VMCS_PROC_BASED_VM_EXEC_CONTROL) | PROC_INT_WINDOW_EXITING);
	return 0;
}

static int run(void *ctx, unsigned lp, const struct emu_vmentry *in, struct emu_vmexit *out)
{
	uint8_t delivered;
	struct vmx_gprs g;
	const char *missing;
	bool resume = in->launched;
	int st;

	(void)ctx;
	(void)lp;
	if (in->init_state) {
		uint32_t *rev = phys_to_virt(in->vmcs_pa);
		*rev = vmx_caps.revision_id;
		vmclear(in->vmcs_pa);
	}
	if (vmptrld(in->vmcs_pa)) {
		out->reason = TDX_EMU_ENTRY_FAILED;
		return -1;
	}
	if (in->init_state) {
		missing = setup_controls();
		if (missing) {
			pr_err("tdx-emu: TD vCPU cannot run: the CPU lacks VMX controls: %s\n", missing);
			out->reason = TDX_EMU_ENTRY_FAILED;
			return -1;
		}
		setup_guest();
	}
	vmcs_setup_host();
	vmcs_write64(VMCS_EPT_POINTER, in->eptp);
	if (in->flush_tlb) {
		if (vmx_caps.invept_single)
			invept(VMX_INVEPT_SINGLE_CONTEXT, in->eptp);
		else if (vmx_caps.invept_all)
			invept(VMX_INVEPT_GLOBAL, 0);
	}
	if (in->rip_advance)
		vmcs_writenw(VMCS_GUEST_RIP, vmcs_readnw(VMCS_GUEST_RIP) + in->rip_advance);
	vmcs_write32(VMCS_VM_ENTRY_INTR_INFO, in->inject);
	if (in->inject & (1u << 11))
		vmcs_write32(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, 0);
	delivered = virtual_interrupt(in);
	vmcs_writenw(VMCS_GUEST_RSP, in->gpr[EMU_GPR_RSP]);
	gprs_to_vmx(in->gpr, &g);
again:
	if (slices())
		arm_slice();
	st = vmx_enter(&g, resume);
	if (!st && (vmcs_read32(VMCS_EXIT_REASON) & 0xffff) == EXIT_PREEMPTION_TIMER) {
		if (!lapic_irr_pending()) {
			/* A sample of where a long-running guest is (log=debug). */
			if (++this_cpu()->td_slices % 1024 == 0)
				pr_debug("tdx-emu: TD running at RIP 0x%llx\n",
					 (unsigned long long)vmcs_readnw(VMCS_GUEST_RIP));
			resume = true;
			goto again;
		}
		gprs_from_vmx(&g, in->gpr);
		in->gpr[EMU_GPR_RSP] = vmcs_readnw(VMCS_GUEST_RSP);
		read_exit(out);
		out->reason = 1;	/* external interrupt, not acknowledged */
		out->intr_info = 0;
		return 0;
	}
	if (st) {
		int err = st == 1 ? -1 : (int)vmcs_read32(VMCS_VM_INSTRUCTION_ERROR);
		pr_err("tdx-emu: TD %s failed (VM-instruction error %d)\n",
		       in->launched ? "VMRESUME" : "VMLAUNCH", err);
		if (err > 0)
			vmcs_dump();
		out->reason = TDX_EMU_ENTRY_FAILED;
		return -1;
	}
	gprs_from_vmx(&g, in->gpr);
	in->gpr[EMU_GPR_RSP] = vmcs_readnw(VMCS_GUEST_RSP);
	read_exit(out);
	out->delivered = delivered;
	if ((out->reason & 0xffff) == EXIT_INT_WINDOW)
		vmcs_write32(VMCS_PROC_BASED_VM_EXEC_CONTROL,
			     vmcs_read32(VMCS_PROC_BASED_VM_EXEC_CONTROL) & ~PROC_INT_WINDOW_EXITING);
	pr_debug("tdx-emu: TD exit %u qual 0x%llx intr 0x%x idt 0x%x CR2 0x%llx CR3 0x%llx at RIP 0x%llx RSP 0x%llx, GPA 0x%llx, RAX 0x%llx RCX 0x%llx\n",
		 out->reason, (unsigned long long)out->qual, out->intr_info, out->idt_vectoring,
		 (unsigned long long)read_cr2(), (unsigned long long)out->cr3,
		 (unsigned long long)out->rip, (unsigned long long)in->gpr[EMU_GPR_RSP],
		 (unsigned long long)out->gpa, (unsigned long long)in->gpr[EMU_GPR_RAX],
		 (unsigned long long)in->gpr[EMU_GPR_RCX]);
	return 0;
}

static void flush(void *ctx, unsigned lp, uint64_t vmcs_pa)
{
	(void)ctx;
	(void)lp;
	vmclear(vmcs_pa);
}

static void native_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	struct cpuid_regs c = cpuid(leaf, subleaf);

	(void)ctx;
	out[0] = c.eax, out[1] = c.ebx, out[2] = c.ecx, out[3] = c.edx;
}

/* The guest MSRs the TD VMCS holds (the module's native RDMSR/WRMSR);
 * the VMCS is still current after run(). The TSC is not offset. */
#define RW_(field, rd, wr) (write ? (void)wr(field, *val) : (void)(*val = rd(field)))
static int guest_msr(void *ctx, unsigned lp, uint32_t msr, bool write, uint64_t *val)
{
	(void)ctx;
	(void)lp;
	switch (msr) {
	case 0x10:
		if (write)
			return -1;
		*val = rdtsc();
		return 0;
	case 0x174:
		RW_(VMCS_GUEST_IA32_SYSENTER_CS, vmcs_read32, vmcs_write32);
		return 0;
	case 0x175:
		RW_(VMCS_GUEST_IA32_SYSENTER_ESP, vmcs_readnw, vmcs_writenw);
		return 0;
	case 0x176:
		RW_(VMCS_GUEST_IA32_SYSENTER_EIP, vmcs_readnw, vmcs_writenw);
		return 0;
	case 0x277:
		/* Without "save PAT" the guest's value would not survive. */
		if (!(vmcs_read32(VMCS_VM_EXIT_CONTROLS) & EXIT_SAVE_PAT))
			return -1;
		RW_(VMCS_GUEST_IA32_PAT, vmcs_read64, vmcs_write64);
		return 0;
	case 0xc0000080:
		if (write)
			return -1;
		*val = vmcs_read64(VMCS_GUEST_IA32_EFER);
		return 0;
	case 0xc0000100:
		RW_(VMCS_GUEST_FS_BASE, vmcs_readnw, vmcs_writenw);
		return 0;
	case 0xc0000101:
		RW_(VMCS_GUEST_GS_BASE, vmcs_readnw, vmcs_writenw);
		return 0;
	default:
		return -1;
	}
}
#undef RW_

const struct emu_cpu_ops emu_vmx_ops = { run, flush, native_cpuid, guest_msr };
