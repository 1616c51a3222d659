/* The command table, and the commands that belong to no subsystem. Each
 * subsystem's own commands are declared in its header. */
#include <string.h>
#include "drivers/platform_cmds.h"
#include "kernel/bootfiles.h"
#include "kernel/cmdlimit.h"
#include "kernel/config.h"
#include "kernel/cpu.h"
#include "kernel/fmt.h"
#include "kernel/exit.h"
#include "kernel/log.h"
#include "kernel/msr.h"
#include "kernel/parse.h"
#include "kernel/selftest.h"
#include "kernel/shell.h"
#include "kernel/time.h"
#include "kernel/version.h"
#include "mm/physmap.h"
#include "seam/seam_cmds.h"
#include "seam/td_kernel.h"
#include "seam/tdx_cmds.h"
#include "vmx/vmrun.h"
#include "vmx/vmx.h"

static int cmd_help(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return CMD_USAGE;
	for (unsigned i = 0; i < ncommands; i++) {
		char head[40];
		fmt_snprintf(head, sizeof(head), "%s %s", commands[i].name,
			     commands[i].usage);
		kprintf("  %-28s %s\n", head, commands[i].help);
	}
	return CMD_OK;
}

static int cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return CMD_USAGE;
	kprintf("baretdx %s (built with gcc %s)\n", BARETDX_VERSION, __VERSION__);
	return CMD_OK;
}

static int cmd_log(int argc, char **argv)
{
	if (argc == 1) {
		kprintf("log level: %s\n", log_level_name(log_level));
		return CMD_OK;
	}
	if (argc != 2)
		return CMD_USAGE;
	int l = log_level_parse(argv[1]);
	if (l < 0) {
		kprintf("error: unknown log level (use error, warn, info or debug)\n");
		return CMD_FAIL;
	}
	log_level = l;
	kprintf("log level: %s\n", log_level_name(log_level));
	return CMD_OK;
}

static bool boot_passed(void)
{
	return shell_failures() == 0;
}

static int cmd_halt(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return CMD_USAGE;
	system_end(boot_passed(), EXIT_HALT);
}

static int cmd_reboot(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return CMD_USAGE;
	system_end(boot_passed(), EXIT_REBOOT);
}

static int cmd_poweroff(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return CMD_USAGE;
	system_end(boot_passed(), EXIT_POWEROFF);
}

/* Raises a CPU exception on purpose, to check the exception report on a
 * bench (the CPU halts afterwards). Each kind hits a different path.
 * `hang` spins without ever checking its time limit, so only the
 * preemptive stop (cmdlimit.h) can end it. */
static int cmd_fault(int argc, char **argv)
{
	if (argc != 2)
		return CMD_USAGE;
	if (!strcmp(argv[1], "hang")) {
		for (;;)
			pause();
	} else if (!strcmp(argv[1], "ud")) {
		__asm__ volatile("ud2");
	} else if (!strcmp(argv[1], "pf")) {
		/* Canonical but unmapped: the direct map ends far below. */
		*(volatile uint64_t *)0xffff8fff00000000ull = 1;
	} else if (!strcmp(argv[1], "gp")) {
		__asm__ volatile("movq $0x8000000000000000, %%rax; movq (%%rax), %%rax"
				 : : : "rax");
	} else if (!strcmp(argv[1], "de")) {
		__asm__ volatile("xorl %%ecx, %%ecx; movl $1, %%eax; cltd; idivl %%ecx"
				 : : : "eax", "ecx", "edx");
	} else {
		kprintf("error: unknown fault kind (use ud, pf, gp, de or hang)\n");
		return CMD_FAIL;
	}
	return CMD_OK;
}

/* Waits, for scripts; ends early and fails at the command time limit. */
static int cmd_sleep(int argc, char **argv)
{
	uint64_t ms, deadline;

	if (argc != 2 || !parse_duration_ms(argv[1], &ms))
		return CMD_USAGE;
	deadline = deadline_after_us(ms * 1000);
	while (!deadline_passed(deadline)) {
		if (cmdlimit_expired()) {
			kprintf("sleep: stopped at the command time limit\n");
			return CMD_FAIL;
		}
		pause();
	}
	return CMD_OK;
}

/* Runs one command with its own time limit instead of timeout=. */
static int cmd_timeout(int argc, char **argv)
{
	uint64_t ms;

	if (argc < 3 || !parse_duration_ms(argv[1], &ms))
		return CMD_USAGE;
	if (!strcmp(argv[2], "timeout")) {
		kprintf("error: timeout cannot run timeout\n");
		return CMD_FAIL;
	}
	return shell_exec_argv(argc - 2, argv + 2, ms);
}

/* Reads an MSR the way TDX detection does (an emulator may answer). */
static int cmd_msr(int argc, char **argv)
{
	uint64_t idx, v;

	if (argc != 2 || !parse_u64(argv[1], &idx) || idx > 0xffffffffull)
		return CMD_USAGE;
	int err = rdmsr_platform((uint32_t)idx, &v);
	if (err) {
		kprintf("msr 0x%llx: not readable (#%s)\n", (unsigned long long)idx,
			err == 13 ? "GP" : "?");
		return CMD_FAIL;
	}
	kprintf("msr 0x%llx = 0x%016llx\n", (unsigned long long)idx, (unsigned long long)v);
	return CMD_OK;
}

const struct command commands[] = {
	{ "help", "", "list commands", cmd_help },
	{ "version", "", "show the baretdx version", cmd_version },
	{ "mem", "[map|stats [--json]|check|--json]", "memory totals; every region; pages per owner; allocator check", cmd_mem },
	{ "cpus", "[--json]", "online CPUs with topology, and the ACPI MADT", cmd_cpus },
	{ "acpi", "[--json]", "ACPI tables found, with checksum status", cmd_acpi },
	{ "log", "[error|warn|info|debug]", "show or set the log level", cmd_log },
	{ "bootfiles", "[--sha384]", "files the loader brought: scripts, module blobs", cmd_bootfiles },
	{ "reboot", "", "reset the machine", cmd_reboot },
	{ "halt", "", "stop all work and halt", cmd_halt },
	{ "poweroff", "", "power the machine off (ACPI S5)", cmd_poweroff },
	{ "fault", "ud|pf|gp|de|hang", "raise a CPU exception, or hang (tests the report and time limit)", cmd_fault },
	{ "sleep", "<duration>", "wait, e.g. 500ms, 2s, 1m", cmd_sleep },
	{ "timeout", "<duration> <command> [args]", "run a command with its own time limit (0: none)", cmd_timeout },
	{ "vmx", "info [--json]", "VMX capabilities and per-CPU state", cmd_vmx },
	{ "vm", "run selftest|spin|triple [--cpu N] [--mem MiB] [--timeout ms] [--break-entry]",
	  "run a plain test VM", cmd_vm },
	{ "tdx", "status|init|info [--json]|tdmr|emu state|module list|module load [NAME|--best] [--force]",
	  "TDX: prerequisites, module init, state, TDMR layout", cmd_tdx },
	{ "td", "create [--vcpus N] [--mem MiB] [--payload NAME|--firmware FILE] [--attr debug,sept-ve-disable] [--huge]|run ID [--timeout ms]|console ID|trace ID on|off|list [--json]|info ID [--json]|peek ID GPA [N]|destroy ID",
	  "trust domains: build, run, tear down", cmd_td },
	{ "msr", "<index>", "read an MSR (platform MSRs as TDX detection sees them)", cmd_msr },
	{ "seamcall", "[--cpu N] <leaf> [rcx rdx r8 ... r15]",
	  "issue one raw SEAMCALL and decode the result", cmd_seamcall },
	{ "selftest", "[all|boot|smp|paging|timer|vmx|tdx]", "run built-in checks, LAVA result lines", cmd_selftest },
};
const unsigned ncommands = sizeof(commands) / sizeof(commands[0]);
