/* Exception reports. A CPU exception in the kernel is a bug or bad
 * hardware: the report names the vector, error code, registers, CR2 and the
 * call chain with symbol names, and then that CPU halts (exit.c). */
#include "drivers/lapic.h"
#include "kernel/cpu.h"
#include "kernel/cmdlimit.h"
#include "kernel/fault.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "kernel/exit.h"
#include "kernel/extable.h"
#include "kernel/log.h"
#include "kernel/stack.h"
#include "kernel/symbols.h"
#include "kernel/trap.h"

#define BACKTRACE_MAX 32

static const char *const exc_names[32] = {
	[0] = "#DE divide error",       [1] = "#DB debug",
	[2] = "NMI",                    [3] = "#BP breakpoint",
	[4] = "#OF overflow",           [5] = "#BR bound range",
	[6] = "#UD invalid opcode",     [7] = "#NM device not available",
	[8] = "#DF double fault",       [9] = "coprocessor segment overrun",
	[10] = "#TS invalid TSS",       [11] = "#NP segment not present",
	[12] = "#SS stack fault",       [13] = "#GP general protection",
	[14] = "#PF page fault",        [16] = "#MF x87 floating point",
	[17] = "#AC alignment check",   [18] = "#MC machine check",
	[19] = "#XM SIMD floating point", [20] = "#VE virtualization",
	[21] = "#CP control protection", [28] = "#HV hypervisor injection",
	[29] = "#VC VMM communication", [30] = "#SX security",
};

static void print_addr(const char *prefix, uint64_t a)
{
	uint64_t off;
	const char *name = symbol_lookup(a, &off);
	if (name)
		kprintf("%s0x%016llx %s+0x%llx\n", prefix,
			(unsigned long long)a, name, (unsigned long long)off);
	else
		kprintf("%s0x%016llx ?\n", prefix, (unsigned long long)a);
}

void backtrace_from(uint64_t rip, uint64_t rbp)
{
	kprintf("Call trace:\n");
	print_addr("  ", rip);
	for (int i = 0; i < BACKTRACE_MAX; i++) {
		/* Each frame holds the caller's RBP at [rbp] and the return
		 * address at [rbp + 8] (System V ABI, frame pointers on). */
		if ((rbp & 7) || !stack_contains(rbp, 16))
			return;
		const uint64_t *fp = (const uint64_t *)(uintptr_t)rbp;
		if (fp[1] == 0)
			return;
		print_addr("  ", fp[1]);
		if (fp[0] <= rbp)
			return; /* stacks grow down: callers sit higher */
		rbp = fp[0];
	}
}

/* #PF error code bits (SDM Vol. 3A §4.7). */
static void explain_page_fault(uint64_t err, uint64_t cr2)
{
	const char *access = (err & 0x10) ? "instruction fetch"
			     : (err & 0x2) ? "write" : "read";
	const char *why = (err & 0x8) ? "reserved bit set in a paging entry"
			  : (err & 0x20) ? "protection-key violation"
			  : (err & 0x1) ? "protection violation"
					: "page not present";
	kprintf("  page fault: %s at 0x%016llx: %s\n", access,
		(unsigned long long)cr2, why);
}

static void report(const struct trap_frame *f)
{
	const char *name = f->vector < 32 && exc_names[f->vector]
				   ? exc_names[f->vector] : "reserved";
	uint64_t cr2 = read_cr2();

	kprintf("\nEXCEPTION %s (vector %llu) error 0x%llx\n", name,
		(unsigned long long)f->vector, (unsigned long long)f->error);
	print_addr("  RIP ", f->rip);
	kprintf("  CS %04llx RFLAGS %016llx RSP %016llx SS %04llx\n",
		(unsigned long long)f->cs, (unsigned long long)f->rflags,
		(unsigned long long)f->rsp, (unsigned long long)f->ss);
	kprintf("  RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n",
		(unsigned long long)f->rax, (unsigned long long)f->rbx,
		(unsigned long long)f->rcx, (unsigned long long)f->rdx);
	kprintf("  RSI %016llx RDI %016llx RBP %016llx R8  %016llx\n",
		(unsigned long long)f->rsi, (unsigned long long)f->rdi,
		(unsigned long long)f->rbp, (unsigned long long)f->r8);
	kprintf("  R9  %016llx R10 %016llx R11 %016llx R12 %016llx\n",
		(unsigned long long)f->r9, (unsigned long long)f->r10,
		(unsigned long long)f->r11, (unsigned long long)f->r12);
	kprintf("  R13 %016llx R14 %016llx R15 %016llx\n",
		(unsigned long long)f->r13, (unsigned long long)f->r14,
		(unsigned long long)f->r15);
	kprintf("  CR0 %016llx CR2 %016llx CR3 %016llx CR4 %016llx\n",
		(unsigned long long)read_cr0(), (unsigned long long)cr2,
		(unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	if (f->vector == 14)
		explain_page_fault(f->error, cr2);
	backtrace_from(f->rip, f->rbp);
}

/* An exception inside try_call(): one line with the cause, then back to
 * the caller. Faults on the IST stacks (#DF, NMI, #MC) are never
 * recoverable. */
static void recover(struct trap_frame *f, struct fault_ctx *c)
{
	const char *name = exc_names[f->vector] ? exc_names[f->vector] : "reserved";
	uint64_t off;
	const char *sym = symbol_lookup(f->rip, &off);

	c->info = (struct fault_info){ f->vector, f->error, read_cr2(), f->rip };
	kprintf("exception %s error 0x%llx at RIP 0x%llx %s CR2 0x%llx (caught)\n",
		name, (unsigned long long)f->error, (unsigned long long)f->rip,
		sym ? sym : "?", (unsigned long long)c->info.cr2);
	if (f->vector == 14)
		explain_page_fault(f->error, c->info.cr2);
	fault_resume(c);
}

static trap_hook_fn ud_hook;

void trap_set_ud_hook(trap_hook_fn fn)
{
	ud_hook = fn;
}

/* An instruction listed in the fixup table continues at its fixup. */
static bool fixup(struct trap_frame *f)
{
	const struct extable_entry *x = extable_find(f->rip);

	if (!x)
		return false;
	if (x->kind == EX_SW_ERROR_VECTOR)
		f->rax = 0x8000ff0000000000ull | f->vector;
	else if (x->kind == EX_VECTOR_IN_RSI)
		f->rsi = f->vector;
	f->rip = x->fixup;
	return true;
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector == 6 && ud_hook && ud_hook(f))
		return;
	if (f->vector < 32 && fixup(f))
		return;
	if (f->vector < 32) {
		struct fault_ctx *c = this_cpu()->recover;
		if (c && f->vector != 2 && f->vector != 8 && f->vector != 18)
			recover(f, c);
		report(f);
		system_fatal("exception");
	}
	if (f->vector == VEC_WAKE || f->vector == VEC_TIMER) {
		smp_handle_ipi((unsigned)f->vector);
		if (f->vector == VEC_TIMER)
			cmdlimit_tick();
		return;
	}
	if (f->vector == VEC_SPURIOUS)
		return; /* no EOI for spurious interrupts (SDM §11.9) */
	/* No device interrupts are enabled yet: anything else is noise
	 * from firmware-era state. Say so once per vector. */
	static uint8_t seen[256 / 8];
	if (!(seen[f->vector / 8] & (1u << (f->vector % 8)))) {
		seen[f->vector / 8] |= (uint8_t)(1u << (f->vector % 8));
		pr_warn("trap: unexpected interrupt vector %llu (ignored)\n",
			(unsigned long long)f->vector);
	}
}
