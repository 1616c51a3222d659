/* Kernel start: a flat list of init steps, in order, one line each. Only
 * this file decides the init order. */
#include <string.h>
#include "boot/boot_info.h"
#include "drivers/platform.h"
#include "drivers/uart.h"
#include "kernel/bootfiles.h"
#include "kernel/config.h"
#include "kernel/cpu.h"
#include "kernel/exit.h"
#include "drivers/lapic.h"
#include "kernel/log.h"
#include "kernel/shell.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "kernel/symbols.h"
#include "kernel/trap.h"
#include "kernel/version.h"
#include "mm/direct_map.h"
#include "mm/page.h"
#include "mm/paging.h"
#include "mm/physmap.h"
#include "seam/emu_host.h"
#include "seam/tdx_kernel.h"
#include "vmx/vmx.h"

_Static_assert(CONFIG_FILE_NAME_MAX == BOOT_FILE_NAME_MAX, "script= names fit the loader's table");

static struct uart console_uart;
static const struct boot_info *boot_info_ptr;

const struct boot_info *boot_info_get(void)
{
	return boot_info_ptr;
}

/* Settings: baretdx.cfg first, then the command line, which wins. */
static void config_init(const struct boot_info *bi)
{
	config_defaults(&config);
	if (bi->cfg_pa)
		config_parse(phys_to_virt(bi->cfg_pa), bi->cfg_len, "baretdx.cfg");
	if (bi->flags & BOOT_FLAG_CFG_TRUNCATED)
		pr_warn("cfg: baretdx.cfg too large, only its start was read\n");
	if (bi->cmdline_len)
		config_parse(phys_to_virt(bi->cmdline_pa), bi->cmdline_len,
			     "command line");
	if (config.log_level >= 0)
		log_level = config.log_level;
}

/* The console port: console= first, then the ACPI SPCR table (16550
 * types only: 0 full, 1 subset, 0x12 with GAS, ACPI SPCR spec Table 3),
 * else COM1. */
static void console_init(void)
{
	struct uart *u = &console_uart;
	const struct acpi_spcr *s = &platform.spcr;

	u->stride = 1;
	u->baud = 115200;
	if (config.console.set) {
		u->mmio = config.console.mmio;
		u->base = config.console.base;
		u->baud = config.console.baud;
	} else if (platform.spcr_ok &&
		   (s->interface_type == 0 || s->interface_type == 1 ||
		    s->interface_type == 0x12)) {
		u->mmio = s->base.space_id == ACPI_GAS_MEMORY;
		u->base = s->base.address;
		u->stride = s->base.bit_width == 32 ? 4 : 1;
		u->baud = s->baud;
	} else {
		u->base = 0x3f8;
	}
	if (u->mmio)
		u->base = (uint64_t)(uintptr_t)phys_to_virt(u->base);
	uart_init(u);
	console_attach(u);
}

static void report_boot_time(const struct boot_info *bi)
{
	uint64_t now = rdtsc();
	kprintf("boot: TSC ticks from loader entry: %llu to kernel, %llu to prompt\n",
		(unsigned long long)(bi->tsc_kernel_jump - bi->tsc_loader_entry),
		(unsigned long long)(now - bi->tsc_loader_entry));
}

/* The script= file, as the loader brought it; NULL with a reason printed. */
static const struct boot_file *script_file(void)
{
	const struct boot_file *f;

	for (unsigned i = 0; (f = bootfiles_get(i)); i++) {
		if (f->kind != BOOT_FILE_SCRIPT || strncmp(f->name, config.script, sizeof(f->name)))
			continue;
		if (f->state == BOOT_FILE_LOADED)
			return f;
		kprintf("error: script %s: %s (firmware status 0x%llx)\n", config.script,
			bootfiles_state_name(f->state), (unsigned long long)f->efi_status);
		return NULL;
	}
	kprintf("error: script %s: the loader did not bring it\n", config.script);
	return NULL;
}

/* run= first, then the script= file; then the on-exit= action. */
static void run_boot_script(void)
{
	enum exit_action action = config.on_exit;
	const struct boot_file *f;
	bool ok = true, scripted = config.run[0] || config.script[0];

	if (config.run[0])
		ok = shell_run_script(config.run, strlen(config.run), "run=");
	if (config.script[0]) {
		f = script_file();
		ok = (f && shell_run_script(phys_to_virt(f->pa), f->len, f->name)) && ok;
	}
	if (scripted && action == EXIT_DEFAULT)
		action = EXIT_HALT;
	if (action != EXIT_DEFAULT && action != EXIT_SHELL)
		system_end(ok, action);
}

void kmain(struct boot_info *bi)
{
	smp_init_bsp();
	idt_init();
	idt_load();
	if (bi->magic != BOOT_INFO_MAGIC || bi->version != BOOT_INFO_VERSION)
		cpu_halt_forever(); /* no console yet: nothing to say it on */
	boot_info_ptr = bi;
	symbols_init(bi);
	config_init(bi);
	bootfiles_init(bi);
	platform_init(bi->rsdp_pa, bi->direct_map_size);
	console_init();
	kprintf("baretdx: boot %s\n", BARETDX_VERSION);
	console_flush_early();
	tdx_emu_reserve(bi);
	physmap_init(bi);
	page_init(bi);
	paging_init(bi);
	time_init();
	smp_start_aps(bi);
	lapic_timer_calibrate();
	vmx_init();
	tdx_emu_start();
	report_boot_time(bi);
	tdx_boot_init();
	run_boot_script();
	shell_loop();
}
