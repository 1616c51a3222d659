#include "drivers/power.h"
#include "kernel/cpu.h"
#include "kernel/exit.h"
#include "kernel/log.h"
#include "kernel/percpu.h"
#include "vmx/vmx.h"

/* QEMU isa-debug-exit (iobase 0xf4): a byte v written there ends QEMU with
 * status (v << 1) | 1, so 0 -> 1 (pass) and 1 -> 3 (fail). */
#define QEMU_DEBUG_EXIT_PORT 0xf4
/* Bochs ends when "Shutdown" is written byte by byte to port 0x8900. */
#define BOCHS_SHUTDOWN_PORT 0x8900

static bool ended;

void cpu_halt_forever(void)
{
	for (;;) {
		cli();
		hlt();
	}
}

static void emulator_exit(bool pass)
{
	switch (config.emu_exit) {
	case EMU_EXIT_QEMU:
		outb(QEMU_DEBUG_EXIT_PORT, pass ? 0 : 1);
		break;
	case EMU_EXIT_BOCHS:
		for (const char *s = "Shutdown"; *s; s++)
			outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
		break;
	case EMU_EXIT_NONE:
		break;
	}
}

static void print_end(const char *status)
{
	/* Printed once per boot, whatever path ends it. */
	if (ended)
		return;
	ended = true;
	kprintf("baretdx: end %s\n", status);
}

void system_end(bool pass, enum exit_action action)
{
	print_end(pass ? "pass" : "fail");
	/* VMX operation blocks INIT and must end before a reset or power
	 * state change (SDM Vol. 3C §24.8). */
	vmx_off_all();
	emulator_exit(pass);
	switch (action) {
	case EXIT_REBOOT:
		power_reboot();
		break;
	case EXIT_POWEROFF:
		power_off();
		break;
	default:
		break;
	}
	kprintf("cpu %u: halted\n", this_cpu()->id);
	cpu_halt_forever();
}

void system_fatal(const char *why)
{
	cli();
	kprintf("cpu %u: halted after %s\n", this_cpu()->id, why);
	print_end("fatal");
	emulator_exit(false);
	cpu_halt_forever();
}
