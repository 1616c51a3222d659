/* Built-in checks, each reported as a LAVA test case line (bench.md). */
#include <string.h>
#include "drivers/lapic.h"
#include "kernel/cmdlimit.h"
#include "kernel/cpu.h"
#include "kernel/fault.h"
#include "kernel/log.h"
#include "kernel/selftest.h"
#include "kernel/shell.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "boot/memmap.h"
#include "drivers/platform.h"
#include "mm/direct_map.h"
#include "seam/seamcall.h"
#include "seam/tdx_abi.h"
#include "seam/tdx_kernel.h"
#include "vmx/vmrun.h"
#include "vmx/vmx.h"

static unsigned passed, failed, skipped;

static void result(const char *id, bool ok)
{
	kprintf("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=%s RESULT=%s>\n", id,
		ok ? "pass" : "fail");
	if (ok)
		passed++;
	else
		failed++;
}

/* A check this machine cannot run: a skip with its reason, not a fail. */
static void skip(const char *id, const char *why)
{
	kprintf("selftest: %s skipped: %s\n", id, why);
	kprintf("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=%s RESULT=skip>\n", id);
	skipped++;
}

static long report_apic_id(void *arg)
{
	(void)arg;
	return (long)lapic_id() | (long)this_cpu()->id << 32;
}

static void selftest_smp(void)
{
	static long results[MAX_CPUS];
	unsigned n = on_each_cpu(report_apic_id, NULL, results), good = 0;

	for (unsigned i = 0; i < cpu_count; i++) {
		long one = -1;
		if (!cpu_list[i]->online)
			continue;
		/* Each CPU must answer with its own APIC ID and CPU number,
		 * both when all run at once and when asked alone. */
		long want = (long)cpu_list[i]->apic_id | (long)i << 32;
		if (results[i] == want && on_cpu(i, report_apic_id, NULL, &one) == 0 &&
		    one == want)
			good++;
		else
			kprintf("smp: cpu %u answered 0x%lx / 0x%lx, expected 0x%lx\n",
				i, results[i], one, want);
	}
	kprintf("smp: %u of %u online CPUs ran the function and answered correctly\n",
		good, n);
	result("smp-on-each-cpu", n == cpus_online() && good == n);
}

/* Arms a one-shot LAPIC timer and waits for its interrupt with interrupts
 * on. Returns the microseconds it took, or -1 when it never came. */
static long timer_roundtrip(void *arg)
{
	uint64_t want_us = (uint64_t)(uintptr_t)arg, t0, before;
	uint64_t deadline = deadline_after_us(want_us * 100 + 100000);
	struct percpu *c = this_cpu();
	uint64_t flags = irq_save();

	cmdlimit_timer_take();
	before = c->timer_irqs;
	t0 = rdtsc();
	lapic_timer_oneshot(want_us);
	sti();
	while (c->timer_irqs == before && !deadline_passed(deadline))
		pause();
	cli();
	t0 = c->timer_irqs == before ? 0 : rdtsc() - t0;
	cmdlimit_timer_give();
	irq_restore(flags);
	return t0 ? (long)tsc_to_us(t0) : -1;
}

static void selftest_timer(void)
{
	const uint64_t want = 2000;
	unsigned ok = 0, n = 0;

	for (unsigned i = 0; i < cpu_count; i++) {
		long us = -1;
		if (!cpu_list[i]->online)
			continue;
		n++;
		on_cpu(i, timer_roundtrip, (void *)(uintptr_t)want, &us);
		/* The interrupt must arrive, and never before it was due
		 * (1% slack for the calibration). */
		if (us >= (long)(want * 99 / 100))
			ok++;
		else
			kprintf("timer: cpu %u: %s\n", i,
				us < 0 ? "no interrupt" : "fired early");
	}
	kprintf("timer: %u of %u CPUs took a one-shot LAPIC timer interrupt (%llu Hz timer)\n",
		ok, n, (unsigned long long)lapic_timer_hz());
	result("timer-lapic-oneshot", n && ok == n);
}

static const int rodata_word = 42;
static uint8_t nx_code[16] __attribute__((aligned(16)));
extern char boot_stack_guard[]; /* kernel/entry.asm */

static long write_rodata(void *arg)
{
	(void)arg;
	*(volatile int *)&rodata_word = 1;
	return 0;
}

static long write_text(void *arg)
{
	(void)arg;
	*(volatile uint8_t *)(uintptr_t)write_text = 0xc3;
	return 0;
}

static long exec_data(void *arg)
{
	(void)arg;
	nx_code[0] = 0xc3; /* ret */
	((void (*)(void))(uintptr_t)nx_code)();
	return 0;
}

static long touch_guard(void *arg)
{
	(void)arg;
	return *(volatile uint8_t *)(boot_stack_guard + 4095);
}

/* Each access must fault with exactly the expected #PF error code: P=1
 * (protection) or P=0 (not present), W, and I/D for fetches. */
static void expect_pf(const char *id, long (*fn)(void *), uint64_t err,
		      uint64_t cr2)
{
	struct fault_info fi;
	bool ok = try_call(fn, NULL, NULL, &fi) == -1 && fi.vector == 14 &&
		  (fi.error & 0x1f) == err && fi.cr2 == cr2;
	result(id, ok);
}

static void selftest_paging(void)
{
	expect_pf("paging-rodata-ro", write_rodata, 0x3,
		  (uint64_t)(uintptr_t)&rodata_word);
	expect_pf("paging-text-ro", write_text, 0x3,
		  (uint64_t)(uintptr_t)write_text);
	expect_pf("paging-data-nx", exec_data, 0x11,
		  (uint64_t)(uintptr_t)nx_code);
	expect_pf("paging-stack-guard", touch_guard, 0x0,
		  (uint64_t)(uintptr_t)(boot_stack_guard + 4095));
}

/* What the loader handed over is sane: a sorted, non-overlapping memory
 * map with RAM in it, and ACPI tables when the firmware has them. */
static void selftest_boot(void)
{
	const struct boot_info *bi = boot_info_get();
	const struct boot_mem_region *r = phys_to_virt(bi->mem_pa);
	bool sorted = bi->mem_count > 0;

	for (uint32_t i = 1; i < bi->mem_count; i++)
		if (r[i].base < r[i - 1].base + r[i - 1].size)
			sorted = false;
	result("boot-memmap", sorted && memmap_totals(r, bi->mem_count).ram > 0);
	if (platform.acpi_ok)
		result("boot-acpi", platform.acpi.ntables > 0 && platform.madt_ok);
	else
		skip("boot-acpi", "the firmware publishes no ACPI tables (Bochs+OVMF)");
}

/* The plain VM self-test guest: CPUID, port I/O, VMCALL, lazy EPT, HLT. */
static void selftest_vmx(void)
{
	static char a0[] = "vm", a1[] = "run", a2[] = "selftest";
	char *argv[] = { a0, a1, a2 };

	if (!vmx_ready()) {
		skip("vmx-vm-selftest", vmx_unavailable() ? vmx_unavailable()
							  : "VMX not initialized");
		return;
	}
	result("vmx-vm-selftest", cmd_vm(3, argv) == CMD_OK);
}

/* The TDX module answers metadata reads once initialized. */
static void selftest_tdx(void)
{
	struct tdx_regs r = { .rax = TDH_SYS_RD, .rdx = MD_SYS_MAX_TDMRS };

	if (!tdx_ready()) {
		skip("tdx-module", "the TDX module is not initialized (tdx status, tdx init)");
		return;
	}
	uint64_t st = seamcall_regs(&r);
	result("tdx-module", st == 0 && r.r8 >= 1);
}

static const struct {
	const char *name;
	void (*run)(void);
} groups[] = {
	{ "boot", selftest_boot },
	{ "smp", selftest_smp },
	{ "paging", selftest_paging },
	{ "timer", selftest_timer },
	{ "vmx", selftest_vmx },
	{ "tdx", selftest_tdx },
};

int cmd_selftest(int argc, char **argv)
{
	const char *which = argc > 1 ? argv[1] : "all";
	bool any = false;

	if (argc > 2)
		return CMD_USAGE;
	for (unsigned i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (!strcmp(which, "all") || !strcmp(which, groups[i].name))
			any = true;
	if (!any) {
		kprintf("error: unknown selftest group '%s' (all, boot, smp, paging, timer, vmx, tdx)\n",
			which);
		return CMD_FAIL;
	}
	passed = failed = skipped = 0;
	kprintf("<LAVA_SIGNAL_STARTRUN baretdx-selftest 1>\n");
	for (unsigned i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (!strcmp(which, "all") || !strcmp(which, groups[i].name))
			groups[i].run();
	kprintf("<LAVA_SIGNAL_ENDRUN baretdx-selftest 1>\n");
	kprintf("SUMMARY: %u tests, %u unexpected failures, %u skipped\n",
		passed + failed + skipped, failed, skipped);
	kprintf("%u passed, %u failed\n", passed, failed);
	return failed ? CMD_FAIL : CMD_OK;
}
