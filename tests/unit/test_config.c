/* The known settings: values accepted and refused with a reason. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "kernel/config.h"
#include "kernel/log.h"

/* config.c logs through the kernel console; the tests need only these. */
int log_level_parse(const char *s)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

void log_printf(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

static enum cfg_verdict set(struct config *c, const char *k, const char *v,
			    const char **why)
{
	*why = NULL;
	return config_set(c, k, v, why);
}

static void test_console(void **state)
{
	struct config c;
	const char *why;
	(void)state;
	config_defaults(&c);
	assert_int_equal(set(&c, "console", "ttyS1", &why), CFG_OK);
	assert_true(c.console.set && !c.console.mmio);
	assert_int_equal(c.console.base, 0x2f8);
	assert_int_equal(c.console.baud, 115200);
	assert_int_equal(set(&c, "console", "io:0x3e8,9600", &why), CFG_OK);
	assert_int_equal(c.console.base, 0x3e8);
	assert_int_equal(c.console.baud, 9600);
	assert_int_equal(set(&c, "console", "mmio:0xfe032000,115200", &why), CFG_OK);
	assert_true(c.console.mmio);
	assert_int_equal(c.console.base, 0xfe032000);

	const char *bad[] = { "ttyS4", "ttyS", "io:", "io:0x10000", "io:zz",
			      "mmio:0", "ttyS0,", "ttyS0,0", "ttyS0,999999",
			      "com1", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(set(&c, "console", bad[i], &why), CFG_BAD_VALUE);
		assert_non_null(why);
		/* A refused value leaves the previous setting alone. */
		assert_int_equal(c.console.base, 0xfe032000);
	}
}

static void test_exit_and_log(void **state)
{
	struct config c;
	const char *why;
	(void)state;
	config_defaults(&c);
	assert_int_equal(c.on_exit, EXIT_DEFAULT);
	assert_int_equal(c.log_level, -1);
	assert_int_equal(set(&c, "on-exit", "poweroff", &why), CFG_OK);
	assert_int_equal(c.on_exit, EXIT_POWEROFF);
	assert_int_equal(set(&c, "on-exit", "default", &why), CFG_BAD_VALUE);
	assert_int_equal(set(&c, "on-exit", "Halt", &why), CFG_BAD_VALUE);
	assert_int_equal(c.on_exit, EXIT_POWEROFF);
	assert_int_equal(set(&c, "emu-exit", "bochs", &why), CFG_OK);
	assert_int_equal(c.emu_exit, EMU_EXIT_BOCHS);
	assert_int_equal(set(&c, "emu-exit", "kvm", &why), CFG_BAD_VALUE);
	assert_int_equal(set(&c, "log", "debug", &why), CFG_OK);
	assert_int_equal(c.log_level, LOG_DEBUG);
	assert_int_equal(set(&c, "log", "verbose", &why), CFG_BAD_VALUE);
	assert_int_equal(set(&c, "run", "a; b", &why), CFG_OK);
	assert_string_equal(c.run, "a; b");
	assert_int_equal(set(&c, "script", "bench/night.txt", &why), CFG_OK);
	assert_string_equal(c.script, "bench/night.txt");
	assert_int_equal(set(&c, "script", "", &why), CFG_BAD_VALUE);
	assert_int_equal(set(&c, "script", "a b", &why), CFG_BAD_VALUE);
	assert_int_equal(set(&c, "script", "a\x01", &why), CFG_BAD_VALUE);
	assert_int_equal(set(&c, "script",
		"0123456789012345678901234567890123456789012345678901234567890123", &why),
		CFG_BAD_VALUE);
	assert_string_equal(c.script, "bench/night.txt");
	assert_int_equal(c.cmd_timeout_ms, CONFIG_CMD_TIMEOUT_DEFAULT_MS);
	assert_int_equal(set(&c, "timeout", "90s", &why), CFG_OK);
	assert_int_equal(c.cmd_timeout_ms, 90000);
	assert_int_equal(set(&c, "timeout", "soon", &why), CFG_BAD_VALUE);
	assert_int_equal(c.cmd_timeout_ms, 90000);
	assert_int_equal(set(&c, "timeout", "0", &why), CFG_OK);
	assert_int_equal(c.cmd_timeout_ms, 0);
	assert_int_equal(set(&c, "nosuch", "1", &why), CFG_UNKNOWN_KEY);
	assert_string_equal(exit_action_name(EXIT_SHELL), "shell");
}

static void test_tdx_keys(void **state)
{
	struct config c;
	const char *why;
	(void)state;
	config_defaults(&c);
	assert_int_equal(c.tdx, TDX_MODE_AUTO);
	assert_int_equal(c.emu.seamrr_mib, 64);
	assert_int_equal(set(&c, "tdx", "emulate", &why), CFG_OK);
	assert_int_equal(c.tdx, TDX_MODE_EMULATE);
	assert_int_equal(set(&c, "tdx", "yes", &why), CFG_BAD_VALUE);
	assert_int_equal(set(&c, "tdx.emu.seamrr", "128", &why), CFG_OK);
	assert_int_equal(c.emu.seamrr_mib, 128);
	assert_int_equal(set(&c, "tdx.emu.seamrr", "48", &why), CFG_BAD_VALUE);
	assert_int_equal(set(&c, "tdx.emu.seamrr", "16", &why), CFG_BAD_VALUE);
	assert_int_equal(c.emu.seamrr_mib, 128);
	assert_int_equal(set(&c, "tdx.emu.module", "absent", &why), CFG_OK);
	assert_true(c.emu.module_absent);
	assert_int_equal(set(&c, "tdx.emu.keyids", "15,48", &why), CFG_OK);
	assert_int_equal(c.emu.mktme_keyids, 15);
	assert_int_equal(c.emu.tdx_keyids, 48);
	assert_int_equal(set(&c, "tdx.emu.keyids", "15", &why), CFG_BAD_VALUE);
	for (int i = 0; i < CONFIG_MAX_FAULTS; i++)
		assert_int_equal(set(&c, "tdx.emu.fault", "sys.init:TDX_SYS_BUSY:50", &why), CFG_OK);
	assert_int_equal(set(&c, "tdx.emu.fault", "sys.init:TDX_SYS_BUSY:50", &why), CFG_BAD_VALUE);
	assert_int_equal(c.emu.nfaults, CONFIG_MAX_FAULTS);
	assert_int_equal(set(&c, "tdx.nosuch", "1", &why), CFG_UNKNOWN_KEY);
}

/* module-dir= and module= name what the loader reads, checked like
 * script=: a refused value leaves the previous one. */
static void test_module_keys(void **state)
{
	struct config c;
	const char *why;
	(void)state;
	config_defaults(&c);
	assert_string_equal(c.module_dir, "");
	assert_string_equal(c.module, "");
	assert_int_equal(set(&c, "module-dir", "/EFI/OTHER", &why), CFG_OK);
	assert_string_equal(c.module_dir, "/EFI/OTHER");
	assert_int_equal(set(&c, "module-dir", "\\EFI\\TDX2", &why), CFG_OK);
	assert_string_equal(c.module_dir, "\\EFI\\TDX2");
	assert_int_equal(set(&c, "module-dir", "mods", &why), CFG_OK);
	assert_string_equal(c.module_dir, "mods");
	assert_int_equal(set(&c, "module", "x.blob", &why), CFG_OK);
	assert_string_equal(c.module, "x.blob");
	assert_int_equal(set(&c, "module", "lab/tdx-1.5.blob", &why), CFG_OK);
	assert_string_equal(c.module, "lab/tdx-1.5.blob");

	const char *bad[] = { "", "a b", "a\tb", "a\x7f",
		"0123456789012345678901234567890123456789012345678901234567890123" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(set(&c, "module", bad[i], &why), CFG_BAD_VALUE);
		assert_non_null(why);
		why = NULL;
		assert_int_equal(set(&c, "module-dir", bad[i], &why), CFG_BAD_VALUE);
		assert_non_null(why);
	}
	assert_string_equal(c.module, "lab/tdx-1.5.blob");
	assert_string_equal(c.module_dir, "mods");
	/* 63 characters still fit the loader's table. */
	assert_int_equal(set(&c, "module",
		"012345678901234567890123456789012345678901234567890123456789012", &why),
		CFG_OK);
	assert_int_equal(strlen(c.module), 63);
	assert_string_equal(c.script, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_console),
		cmocka_unit_test(test_exit_and_log),
		cmocka_unit_test(test_tdx_keys),
		cmocka_unit_test(test_module_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
