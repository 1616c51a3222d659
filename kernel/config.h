/* Boot settings: baretdx.cfg first, then the command line, which wins.
 * The table of known keys lives in config.c. */
#ifndef BARETDX_KERNEL_CONFIG_H
#define BARETDX_KERNEL_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/cfg.h"

enum exit_action { EXIT_DEFAULT, EXIT_HALT, EXIT_REBOOT, EXIT_POWEROFF, EXIT_SHELL };
enum emu_exit { EMU_EXIT_NONE, EMU_EXIT_QEMU, EMU_EXIT_BOCHS };

struct console_setting {
	bool set;
	bool mmio;
	uint64_t base;
	uint32_t baud;
};

enum tdx_mode { TDX_MODE_AUTO, TDX_MODE_ON, TDX_MODE_EMULATE, TDX_MODE_OFF };

#define CONFIG_MAX_FAULTS 16
#define CONFIG_FILE_NAME_MAX 64 /* = BOOT_FILE_NAME_MAX (boot_info.h) */
#define CONFIG_CMD_TIMEOUT_DEFAULT_MS (600 * 1000)

struct config {
	struct console_setting console;
	enum tdx_mode tdx;
	bool tdx_init_manual;         /* tdx.init=manual: no init at boot */
	bool tdx_module_load;         /* tdx.module=load: install the best blob first */
	struct {
		uint64_t seamrr_mib;      /* emulated SEAMRR size */
		bool module_absent;       /* answer VMfailInvalid */
		uint32_t mktme_keyids, tdx_keyids;
		char faults[CONFIG_MAX_FAULTS][64]; /* raw, checked by seam/emu */
		unsigned nfaults;
	} emu;
	char run[CFG_VALUE_MAX];
	char script[CONFIG_FILE_NAME_MAX]; /* read by the loader */
	char module_dir[CONFIG_FILE_NAME_MAX]; /* module blobs the loader read; "": \EFI\TDX */
	char module[CONFIG_FILE_NAME_MAX];     /* one more blob, next to the image */
	char firmware[CONFIG_FILE_NAME_MAX];   /* one more TD firmware file, next to the image */
	uint64_t cmd_timeout_ms;       /* every command's limit; 0: none */
	enum exit_action on_exit;
	enum emu_exit emu_exit;
	int log_level; /* -1: not set */
};

extern struct config config;

/* Parses one source into `config`; warnings go to the kernel log. */
void config_parse(const char *text, size_t len, const char *source);

/* Pure helpers, shared with the unit tests and the shell. */
enum cfg_verdict config_set(struct config *c, const char *key,
			    const char *value, const char **why);
void config_defaults(struct config *c);
const char *exit_action_name(enum exit_action a);

#endif
