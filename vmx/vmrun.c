/* Plain VMs for testing the VMX layer: a guest from vmx/guests.asm starts
 * in real mode at 0x1000 as an unrestricted guest (SDM Vol. 3C §26.6.1.1)
 * under EPT. Guest memory below 64 KiB is mapped up front; the rest of its
 * size is mapped page by page when the guest first touches it (EPT
 * violation). Port 0xE9 is the guest's console. A run ends when the guest
 * halts, triple-faults, exceeds its time limit or does something the
 * runner does not handle; each of those is one line, and every page the
 * VM took goes back to the allocator. */
#include <stddef.h>
#include <string.h>
#include "drivers/lapic.h"
#include "kernel/cmdlimit.h"
#include "kernel/cpu.h"
#include "kernel/fmt.h"
#include "kernel/gdt.h"
#include "kernel/log.h"
#include "kernel/parse.h"
#include "kernel/shell.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "mm/direct_map.h"
#include "mm/ept.h"
#include "mm/page.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_host.h"
#include "vmx/vmrun.h"
#include "vmx/vmx.h"
#include "vmx/vmx_arch.h"
#include "vmx/vmx_exit.h"
#include "vmx/vmx_names.h"

_Static_assert(offsetof(struct vmx_gprs, rdi) == 40, "entry.asm G_RDI");
_Static_assert(offsetof(struct vmx_gprs, r15) == 112, "entry.asm G_R15");
_Static_assert(offsetof(struct vmx_gprs, cr2) == 120, "entry.asm G_CR2");

#define GUEST_LOAD_GPA  0x1000
#define EAGER_BYTES     (64 * 1024)
#define DEBUG_PORT      0xe9
#define HC_ECHO_INC     1
#define EXIT_REASONS_MAX 80
#define MAX_MEM_MIB     1024

struct vm_payload {
	const char *name;
	const uint8_t *start, *end;
};
extern const struct vm_payload vm_payloads[];

enum vm_end { VM_RUNNING, VM_HALTED, VM_TIMEOUT, VM_TRIPLE_FAULT, VM_FAILED };

struct vm {
	unsigned id;
	const struct vm_payload *payload;
	uint64_t mem;            /* bytes of guest memory */
	uint64_t *frames;        /* host page of each guest page, 0 = none */
	uint64_t frames_pa, frames_pages;
	uint64_t vmcs_pa;
	struct ept ept;
	struct vmx_gprs regs;
	uint64_t timeout_us;
	bool cmd_limit;          /* the command's time limit comes first */
	uint64_t exits[EXIT_REASONS_MAX], exits_total, lazy_pages;
	bool break_entry;        /* --break-entry: invalid guest CR0 on purpose */
	enum vm_end end;
	char why[160];
	char line[120];
	unsigned line_len;
};

static unsigned next_id = 1;

static int ept_alloc(void *ctx, uint64_t *pa)
{
	(void)ctx;
	if (page_alloc(1, PAGE_SIZE, 0, OWN_VM, pa) != 0)
		return -1;
	return 0;
}

static void ept_free(void *ctx, uint64_t pa)
{
	(void)ctx;
	page_free(pa, 1, OWN_VM);
}

static void *ept_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

static const struct ept_ops ept_ops = { ept_alloc, ept_free, ept_virt, NULL };

static void fail(struct vm *vm, const char *why)
{
	vm->end = VM_FAILED;
	fmt_snprintf(vm->why, sizeof(vm->why), "%s", why);
}

/* Backs guest page `gpa` with a fresh zeroed host page. */
static int back_page(struct vm *vm, uint64_t gpa)
{
	uint64_t idx = gpa >> 12, pa;

	if (vm->frames[idx])
		return 0;
	if (page_alloc(1, PAGE_SIZE, 0, OWN_VM, &pa) != 0)
		return -1;
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	if (ept_map(&vm->ept, gpa & ~0xfffull, pa, EPT_4K, EPT_R | EPT_W | EPT_X,
		    EPT_MT_WB) != 0) {
		page_free(pa, 1, OWN_VM);
		return -1;
	}
	vm->frames[idx] = pa;
	return 0;
}

static void vm_free(struct vm *vm)
{
	if (vm->frames) {
		for (uint64_t i = 0; i < vm->mem >> 12; i++)
			if (vm->frames[i])
				page_free(vm->frames[i], 1, OWN_VM);
		page_free(vm->frames_pa, vm->frames_pages, OWN_VM);
	}
	if (vm->ept.root_pa)
		ept_destroy(&vm->ept);
	if (vm->vmcs_pa)
		page_free(vm->vmcs_pa, 1, OWN_VMX);
}

static int vm_create(struct vm *vm)
{
	uint64_t n = vm->payload->end - vm->payload->start;
	unsigned maxphy = cpuid(0x80000008, 0).eax & 0xff;

	vm->frames_pages = ((vm->mem >> 12) * 8 + PAGE_SIZE - 1) / PAGE_SIZE;
	if (page_alloc(vm->frames_pages, PAGE_SIZE, 0, OWN_VM, &vm->frames_pa))
		return -1;
	vm->frames = phys_to_virt(vm->frames_pa);
	memset(vm->frames, 0, vm->frames_pages * PAGE_SIZE);
	if (ept_init(&vm->ept, &ept_ops, 0, maxphy) != 0)
		return -1;
	for (uint64_t gpa = 0; gpa < EAGER_BYTES && gpa < vm->mem; gpa += PAGE_SIZE)
		if (back_page(vm, gpa))
			return -1;
	if (GUEST_LOAD_GPA + n > EAGER_BYTES)
		return -1;
	memcpy((uint8_t *)phys_to_virt(vm->frames[GUEST_LOAD_GPA >> 12]),
	       vm->payload->start, n);
	if (page_alloc(1, PAGE_SIZE, vmx_caps.addr32 ? MAX_PA_4G : 0, OWN_VMX,
		       &vm->vmcs_pa))
		return -1;
	memset(phys_to_virt(vm->vmcs_pa), 0, PAGE_SIZE);
	*(uint32_t *)phys_to_virt(vm->vmcs_pa) = vmx_caps.revision_id;
	return 0;
}

/* Control words by the allowed-0/allowed-1 rule; NULL or what is missing. */
static const char *setup_controls(char *buf, size_t len)
{
	struct { enum vmx_ctl_kind kind; uint32_t want, opt; uint64_t cap; uint32_t field; } c[] = {
		{ VMX_CTL_PIN, PIN_EXT_INT_EXITING, PIN_PREEMPTION_TIMER | PIN_NMI_EXITING,
		  vmx_caps.pin, VMCS_PIN_BASED_VM_EXEC_CONTROL },
		{ VMX_CTL_PROC, PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING | PROC_ACTIVATE_SECONDARY,
		  0, vmx_caps.proc, VMCS_PROC_BASED_VM_EXEC_CONTROL },
		{ VMX_CTL_PROC2, PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST, 0,
		  vmx_caps.proc2, VMCS_SECONDARY_VM_EXEC_CONTROL },
		{ VMX_CTL_EXIT, EXIT_HOST_ADDR_SPACE_SIZE, EXIT_SAVE_EFER | EXIT_LOAD_EFER,
		  vmx_caps.exit, VMCS_VM_EXIT_CONTROLS },
		{ VMX_CTL_ENTRY, 0, ENTRY_LOAD_EFER, vmx_caps.entry, VMCS_VM_ENTRY_CONTROLS },
	};
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint32_t v, missing;
		if (vmx_adjust_ctls(c[i].want, c[i].opt, c[i].cap, &v, &missing)) {
			vmx_ctl_describe(c[i].kind, missing, buf, len);
			return buf;
		}
		try_vmcs_write(c[i].field, v);
	}
	return NULL;
}

static void setup_guest(struct vm *vm)
{
	uint64_t cr0_fixed0 = vmx_guest_cr0_fixed0(vmx_caps.cr0_fixed0, true);

	/* Real mode: selector 0, base 0, 64 KiB limit; code execute/read and
	 * data read/write, both accessed and present (§26.3.1.2). */
	vmcs_guest_segments(0, 0, 0xffff, VMX_AR_P | VMX_AR_S | VMX_AR_TYPE_CODE_XRA,
			    VMX_AR_P | VMX_AR_S | VMX_AR_TYPE_DATA_RWA);
	vmcs_write16(VMCS_GUEST_LDTR_SELECTOR, 0);
	vmcs_write32(VMCS_GUEST_LDTR_AR, VMX_AR_UNUSABLE);
	vmcs_write16(VMCS_GUEST_TR_SELECTOR, 0);
	vmcs_writenw(VMCS_GUEST_TR_BASE, 0);
	vmcs_write32(VMCS_GUEST_TR_LIMIT, 0xffff);
	vmcs_write32(VMCS_GUEST_TR_AR, VMX_AR_P | VMX_AR_TYPE_TSS_BUSY);
	vmcs_writenw(VMCS_GUEST_GDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmcs_writenw(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, 0x3ff);
	vmcs_writenw(VMCS_GUEST_CR0, vmx_fixed_cr(0x30 /* ET, NE */, cr0_fixed0,
						  vmx_caps.cr0_fixed1));
	vmcs_writenw(VMCS_GUEST_CR3, 0);
	vmcs_writenw(VMCS_GUEST_CR4, vmx_fixed_cr(0, vmx_caps.cr4_fixed0, vmx_caps.cr4_fixed1));
	/* The guest sees CR4.VMXE, which VMX operation forces on, as 0. */
	vmcs_writenw(VMCS_CR4_GUEST_HOST_MASK, VMX_CR4_VMXE);
	vmcs_writenw(VMCS_CR4_READ_SHADOW, 0);
	vmcs_writenw(VMCS_GUEST_DR7, 0x400);
	vmcs_writenw(VMCS_GUEST_RSP, 0xff0);
	vmcs_writenw(VMCS_GUEST_RIP, GUEST_LOAD_GPA);
	vmcs_writenw(VMCS_GUEST_RFLAGS, 0x2);
	vmcs_write64(VMCS_LINK_POINTER, VMX_LINK_POINTER_NONE);
	vmcs_write64(VMCS_GUEST_IA32_DEBUGCTL, 0);
	try_vmcs_write(VMCS_GUEST_IA32_EFER, 0);
	vmcs_write32(VMCS_GUEST_ACTIVITY_STATE, VMX_ACTIVITY_ACTIVE);
	vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_writenw(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write32(VMCS_EXCEPTION_BITMAP, 0);
	vmcs_write64(VMCS_EPT_POINTER, ept_eptp(&vm->ept, vmx_caps.ept_wb, false));
	memset(&vm->regs, 0, sizeof(vm->regs));
	/* CR0.NE is fixed to 1 in VMX operation: clearing it makes the
	 * guest-state checks fail (§27.3.1.1), which exercises the VM-entry
	 * failure report and VMCS dump. */
	if (vm->break_entry)
		vmcs_writenw(VMCS_GUEST_CR0, vmcs_readnw(VMCS_GUEST_CR0) & ~0x20ull);
}

static void skip_instruction(void)
{
	vmcs_writenw(VMCS_GUEST_RIP, vmcs_readnw(VMCS_GUEST_RIP) +
		     vmcs_read32(VMCS_VM_EXIT_INSTRUCTION_LEN));
}

static void console_byte(struct vm *vm, char ch)
{
	if (ch == '\n' || vm->line_len == sizeof(vm->line) - 1) {
		vm->line[vm->line_len] = 0;
		kprintf("[vm %u] %s\n", vm->id, vm->line);
		vm->line_len = 0;
		if (ch == '\n')
			return;
	}
	vm->line[vm->line_len++] = (ch >= 0x20 && ch < 0x7f) ? ch : '?';
}

/* I/O exit qualification (SDM Vol. 3C Table 28-5): size-1 in 2:0,
 * direction in 3 (1 = IN), string in 4, port in 31:16. */
static void handle_io(struct vm *vm, uint64_t q)
{
	unsigned size = (q & 7) + 1, port = (q >> 16) & 0xffff;
	bool in = q & 8;

	if (q & 0x10) {
		fail(vm, "string I/O is not emulated");
		return;
	}
	if (in) {
		uint64_t mask = size == 4 ? 0xffffffffull : (1ull << (size * 8)) - 1;
		vm->regs.rax = (vm->regs.rax & ~mask) | mask; /* no device */
	} else if (port == DEBUG_PORT) {
		console_byte(vm, (char)vm->regs.rax);
	}
	skip_instruction();
}

static void handle_cpuid(struct vm *vm)
{
	struct cpuid_regs r = cpuid((uint32_t)vm->regs.rax, (uint32_t)vm->regs.rcx);
	if ((uint32_t)vm->regs.rax == 1)
		r.ecx &= ~VMX_CPUID1_ECX_VMX; /* no nested VMX */
	vm->regs.rax = r.eax;
	vm->regs.rbx = r.ebx;
	vm->regs.rcx = r.ecx;
	vm->regs.rdx = r.edx;
	skip_instruction();
}

static void handle_ept_violation(struct vm *vm)
{
	uint64_t gpa = vmcs_read64(VMCS_GUEST_PHYSICAL_ADDRESS);
	char msg[120];

	if (gpa >= vm->mem) {
		fmt_snprintf(msg, sizeof(msg),
			     "EPT violation at GPA 0x%llx, outside its %llu MiB",
			     (unsigned long long)gpa, (unsigned long long)(vm->mem >> 20));
		fail(vm, msg);
		return;
	}
	if (back_page(vm, gpa)) {
		fail(vm, "out of memory for a guest page");
		return;
	}
	vm->lazy_pages++;
	/* A new translation where there was none: nothing stale can be
	 * cached, but INVEPT keeps the rule simple (§29.4.3.1). */
	if (vmx_caps.invept_single)
		invept(VMX_INVEPT_SINGLE_CONTEXT, ept_eptp(&vm->ept, vmx_caps.ept_wb, false));
	else if (vmx_caps.invept_all)
		invept(VMX_INVEPT_GLOBAL, 0);
}

static void handle_exit(struct vm *vm, uint64_t deadline)
{
	uint32_t reason = vmcs_read32(VMCS_EXIT_REASON);
	uint32_t basic = VMX_EXIT_REASON_BASIC(reason);
	char msg[140];

	vm->exits_total++;
	if (basic < EXIT_REASONS_MAX)
		vm->exits[basic]++;
	if (reason & VMX_EXIT_REASON_ENTRY_FAIL) {
		fmt_snprintf(msg, sizeof(msg), "VM entry failed: %s (exit reason %u), qualification 0x%llx",
			     vmx_exit_reason_name(basic), basic,
			     (unsigned long long)vmcs_readnw(VMCS_EXIT_QUALIFICATION));
		fail(vm, msg);
		vmcs_dump();
		return;
	}
	switch (basic) {
	case VMX_EXIT_EXT_INT:
		/* Let the host take the interrupt (LAPIC timer, IPI). */
		__asm__ volatile("sti; nop; cli");
		break;
	case VMX_EXIT_PREEMPTION_TIMER:
		break;
	case VMX_EXIT_CPUID:
		handle_cpuid(vm);
		break;
	case VMX_EXIT_HLT:
		vm->end = VM_HALTED;
		break;
	case VMX_EXIT_VMCALL:
		vm->regs.rax = vm->regs.rax == HC_ECHO_INC ? vm->regs.rbx + 1 : ~0ull;
		skip_instruction();
		break;
	case VMX_EXIT_IO:
		handle_io(vm, vmcs_readnw(VMCS_EXIT_QUALIFICATION));
		break;
	case VMX_EXIT_EPT_VIOLATION:
		handle_ept_violation(vm);
		break;
	case VMX_EXIT_TRIPLE_FAULT:
		vm->end = VM_TRIPLE_FAULT;
		fmt_snprintf(vm->why, sizeof(vm->why), "triple fault at CS:IP 0x%llx:0x%llx",
			     (unsigned long long)vmcs_read16(VMCS_GUEST_CS_SELECTOR),
			     (unsigned long long)vmcs_readnw(VMCS_GUEST_RIP));
		break;
	default:
		fmt_snprintf(msg, sizeof(msg), "unhandled exit: %s (%u) at RIP 0x%llx",
			     vmx_exit_reason_name(basic), basic,
			     (unsigned long long)vmcs_readnw(VMCS_GUEST_RIP));
		fail(vm, msg);
		return;
	}
	if (vm->end != VM_RUNNING)
		return;
	if (vm->cmd_limit ? cmdlimit_expired() : deadline_passed(deadline))
		vm->end = VM_TIMEOUT;
}

/* Preemption timer value for the time left (§26.5.1: it counts down by 1
 * every 2^rate TSC ticks while the guest runs). */
static void arm_timer(uint64_t deadline, bool preempt)
{
	uint64_t now = rdtsc(), left = deadline > now ? deadline - now : 1;

	if (preempt) {
		left >>= vmx_caps.preempt_timer_rate;
		vmcs_write32(VMCS_VMX_PREEMPTION_TIMER_VALUE,
			     left > 0xffffffffu ? 0xffffffffu : (uint32_t)left);
	} else {
		uint64_t us = tsc_to_us(deadline > now ? deadline - now : 1);
		lapic_timer_oneshot(us > 100000 ? 100000 : us + 1);
	}
}

static long run_on_this_cpu(void *arg)
{
	struct vm *vm = arg;
	char buf[200];
	const char *missing;
	int st;
	bool launched = false;

	if (!this_cpu()->vmx_on) {
		fail(vm, "this CPU is not in VMX operation");
		return 0;
	}
	st = vmptrld(vm->vmcs_pa);
	if (st) {
		fail(vm, "VMPTRLD failed");
		return 0;
	}
	missing = setup_controls(buf, sizeof(buf));
	if (missing) {
		fmt_snprintf(vm->why, sizeof(vm->why), "the CPU lacks VMX controls: %s", missing);
		vm->end = VM_FAILED;
		vmclear(vm->vmcs_pa);
		return 0;
	}
	bool preempt = vmcs_read32(VMCS_PIN_BASED_VM_EXEC_CONTROL) & PIN_PREEMPTION_TIMER;
	vmcs_setup_host();
	setup_guest(vm);
	/* The VM's own timeout or the shell command's, whichever is first;
	 * the loop checks it, so the command limit never cuts this short. */
	uint64_t deadline = deadline_after_us(vm->timeout_us);
	uint64_t cmd_deadline = cmdlimit_deadline();
	if (cmd_deadline && cmd_deadline < deadline) {
		deadline = cmd_deadline;
		vm->cmd_limit = true;
	}
	uint64_t flags = irq_save();
	cmdlimit_nostop_enter();
	cmdlimit_timer_take();
	while (vm->end == VM_RUNNING) {
		arm_timer(deadline, preempt);
		st = vmx_enter(&vm->regs, launched);
		if (st) {
			int err = st == 1 ? VMX_FAIL_INVALID
					  : (int)vmcs_read32(VMCS_VM_INSTRUCTION_ERROR);
			fmt_snprintf(buf, sizeof(buf), "%s failed: %s",
				     launched ? "VMRESUME" : "VMLAUNCH",
				     err < 0 ? "VMfailInvalid" : vmx_insn_error_name(err));
			fail(vm, buf);
			if (err > 0)
				vmcs_dump();
			break;
		}
		launched = true;
		handle_exit(vm, deadline);
	}
	lapic_timer_oneshot(0);
	cmdlimit_timer_give();
	cmdlimit_nostop_leave();
	irq_restore(flags);
	/* This CPU may cache the VM's translations; its EPT pages go back to
	 * the allocator and a later VM may get the same EPTP (§29.4.3.4). */
	if (vmx_caps.invept_single)
		invept(VMX_INVEPT_SINGLE_CONTEXT, ept_eptp(&vm->ept, vmx_caps.ept_wb, false));
	else if (vmx_caps.invept_all)
		invept(VMX_INVEPT_GLOBAL, 0);
	vmclear(vm->vmcs_pa);
	return 0;
}

static void report(const struct vm *vm)
{
	static const char *const ends[] = {
		[VM_HALTED] = "halted", [VM_TIMEOUT] = "stopped at its timeout",
		[VM_TRIPLE_FAULT] = "triple-faulted", [VM_FAILED] = "failed",
	};
	kprintf("vm %u: %s after %llu exits", vm->id,
		vm->end == VM_TIMEOUT && vm->cmd_limit ? "stopped at the command time limit"
						       : ends[vm->end],
		(unsigned long long)vm->exits_total);
	if (vm->why[0])
		kprintf(": %s", vm->why);
	kprintf("\nvm %u: exits:", vm->id);
	for (unsigned r = 0; r < EXIT_REASONS_MAX; r++)
		if (vm->exits[r])
			kprintf(" %s=%llu", vmx_exit_reason_name(r),
				(unsigned long long)vm->exits[r]);
	kprintf("; %llu pages mapped on first touch\n", (unsigned long long)vm->lazy_pages);
}

static const struct vm_payload *find_payload(const char *name)
{
	for (const struct vm_payload *p = vm_payloads; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

static int parse_opts(int argc, char **argv, unsigned *cpu, uint64_t *mib,
		      uint64_t *ms, bool *break_entry)
{
	for (int i = 3; i < argc; i += 2) {
		uint64_t v;
		if (!strcmp(argv[i], "--break-entry")) {
			*break_entry = true;
			i--;
			continue;
		}
		if (i + 1 >= argc || !parse_u64(argv[i + 1], &v)) {
			kprintf("error: %s needs a number\n", argv[i]);
			return -1;
		}
		if (!strcmp(argv[i], "--cpu"))
			*cpu = (unsigned)v;
		else if (!strcmp(argv[i], "--mem"))
			*mib = v;
		else if (!strcmp(argv[i], "--timeout"))
			*ms = v;
		else {
			kprintf("error: unknown option '%s'\n", argv[i]);
			return -1;
		}
	}
	return 0;
}

int cmd_vm(int argc, char **argv)
{
	static struct vm vm;
	unsigned cpu = 0;
	uint64_t mib = 2, ms = 5000;

	if (argc < 3 || strcmp(argv[1], "run"))
		return CMD_USAGE;
	if (!vmx_ready()) {
		kprintf("error: VMX not available: %s\n",
			vmx_unavailable() ? vmx_unavailable() : "not initialized");
		return CMD_FAIL;
	}
	memset(&vm, 0, sizeof(vm));
	vm.payload = find_payload(argv[2]);
	if (!vm.payload) {
		kprintf("error: no guest payload '%s' (selftest, spin, triple)\n", argv[2]);
		return CMD_FAIL;
	}
	if (parse_opts(argc, argv, &cpu, &mib, &ms, &vm.break_entry))
		return CMD_USAGE;
	if (mib < 1 || mib > MAX_MEM_MIB || ms == 0 || ms > 3600000) {
		kprintf("error: --mem must be 1-%u MiB and --timeout 1-3600000 ms\n", MAX_MEM_MIB);
		return CMD_FAIL;
	}
	if (cpu >= cpu_count || !cpu_list[cpu]->online) {
		kprintf("error: cpu %u is not online\n", cpu);
		return CMD_FAIL;
	}
	vm.id = next_id++;
	vm.mem = mib << 20;
	vm.timeout_us = ms * 1000;
	if (vm_create(&vm)) {
		kprintf("error: vm %u: out of memory\n", vm.id);
		vm_free(&vm);
		return CMD_FAIL;
	}
	kprintf("vm %u: %s on cpu %u, %llu MiB, timeout %llu ms\n", vm.id, vm.payload->name,
		cpu, (unsigned long long)mib, (unsigned long long)ms);
	on_cpu(cpu, run_on_this_cpu, &vm, NULL);
	if (vm.line_len)
		console_byte(&vm, '\n');
	report(&vm);
	vm_free(&vm);
	return vm.end == VM_HALTED ? CMD_OK : CMD_FAIL;
}

void vmcs_dump(void)
{
	kprintf("VMCS dump:\n");
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++) {
		uint64_t v;
		if (try_vmcs_read(vmcs_field_table[i].encoding, &v) == 0)
			kprintf("  %-34s 0x%llx\n", vmcs_field_table[i].name,
				(unsigned long long)v);
	}
}
