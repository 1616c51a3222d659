/* The known settings and their value checks. A bad value is refused with a
 * reason and the previous setting stays. */
#include <string.h>
#include "kernel/config.h"
#include "kernel/log.h"
#include "kernel/parse.h"

struct config config;

static const char *const exit_names[] = {
	[EXIT_DEFAULT] = "default", [EXIT_HALT] = "halt",
	[EXIT_REBOOT] = "reboot",   [EXIT_POWEROFF] = "poweroff",
	[EXIT_SHELL] = "shell",
};

const char *exit_action_name(enum exit_action a)
{
	return a <= EXIT_SHELL ? exit_names[a] : "?";
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->log_level = -1;
	c->emu.seamrr_mib = 64;
	c->emu.mktme_keyids = 31;
	c->emu.tdx_keyids = 32;
	c->cmd_timeout_ms = CONFIG_CMD_TIMEOUT_DEFAULT_MS;
}

/* A file (or, for module-dir=, a directory) the loader reads: printable,
 * no blanks, short enough for the loader's file table. */
static const char *check_file_name(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= CONFIG_FILE_NAME_MAX)
		return "file name must be 1-63 characters";
	for (size_t i = 0; i < n; i++)
		if (v[i] <= ' ' || v[i] > '~')
			return "file name must be printable, without blanks";
	return NULL;
}

static enum cfg_verdict set_file_name(char *dst, const char *value,
				      const char **why)
{
	*why = check_file_name(value);
	if (*why)
		return CFG_BAD_VALUE;
	memcpy(dst, value, strlen(value) + 1);
	return CFG_OK;
}

/* The tdx.* keys (tdx=, tdx.emu.*): see docs/architecture.md. */
static enum cfg_verdict set_tdx(struct config *c, const char *key,
				const char *value, const char **why)
{
	uint64_t n, m;
	const char *comma;

	if (!strcmp(key, "tdx")) {
		if (!strcmp(value, "emulate"))
			c->tdx = TDX_MODE_EMULATE;
		else if (!strcmp(value, "on"))
			c->tdx = TDX_MODE_ON;
		else if (!strcmp(value, "off"))
			c->tdx = TDX_MODE_OFF;
		else if (!strcmp(value, "auto"))
			c->tdx = TDX_MODE_AUTO;
		else if (!strcmp(value, "load")) {
			/* A machine whose firmware loads only the P-SEAMLDR. */
			c->tdx = TDX_MODE_ON;
			c->tdx_module_load = true;
		} else {
			*why = "expected auto, on, load, emulate or off";
			return CFG_BAD_VALUE;
		}
		return CFG_OK;
	}
	if (!strcmp(key, "tdx.module")) {
		if (strcmp(value, "load") && strcmp(value, "keep")) {
			*why = "expected load or keep";
			return CFG_BAD_VALUE;
		}
		c->tdx_module_load = !strcmp(value, "load");
		return CFG_OK;
	}
	if (!strcmp(key, "tdx.init")) {
		if (strcmp(value, "boot") && strcmp(value, "manual")) {
			*why = "expected boot or manual";
			return CFG_BAD_VALUE;
		}
		c->tdx_init_manual = !strcmp(value, "manual");
		return CFG_OK;
	}
	if (!strcmp(key, "tdx.emu.seamrr")) {
		/* SEAMRR is a base/mask range register with 32 MiB
		 * granularity (tdx-abi.md §3.1): a power of two >= 32 MiB. */
		if (!parse_u64(value, &n) || n < 32 || n > 4096 || (n & (n - 1))) {
			*why = "size in MiB must be a power of two, 32-4096";
			return CFG_BAD_VALUE;
		}
		c->emu.seamrr_mib = n;
		return CFG_OK;
	}
	if (!strcmp(key, "tdx.emu.module")) {
		if (!strcmp(value, "loaded") || !strcmp(value, "absent")) {
			c->emu.module_absent = !strcmp(value, "absent");
			return CFG_OK;
		}
		*why = "expected loaded or absent";
		return CFG_BAD_VALUE;
	}
	if (!strcmp(key, "tdx.emu.keyids")) {
		comma = strchr(value, ',');
		if (!comma || !parse_u64_n(value, (size_t)(comma - value), &n) ||
		    !parse_u64(comma + 1, &m) || m > 1024 || n > 1024 || n + m > 32767) {
			*why = "expected <MKTME KeyIDs>,<TDX KeyIDs>";
			return CFG_BAD_VALUE;
		}
		c->emu.mktme_keyids = (uint32_t)n;
		c->emu.tdx_keyids = (uint32_t)m;
		return CFG_OK;
	}
	if (!strcmp(key, "tdx.emu.fault")) {
		if (c->emu.nfaults == CONFIG_MAX_FAULTS || strlen(value) >= sizeof(c->emu.faults[0])) {
			*why = "at most 16 faults of up to 63 characters";
			return CFG_BAD_VALUE;
		}
		memcpy(c->emu.faults[c->emu.nfaults++], value, strlen(value) + 1);
		return CFG_OK;
	}
	return CFG_UNKNOWN_KEY;
}

/* console=ttyS<n>[,baud] | io:0x<port>[,baud] | mmio:0x<addr>[,baud]
 * (bench.md); ttyS0-3 are the legacy PC ports. */
static const char *parse_console(const char *v, struct console_setting *out)
{
	static const uint16_t legacy[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
	struct console_setting s = { .set = true, .baud = 115200 };
	const char *comma = strchr(v, ',');
	size_t head = comma ? (size_t)(comma - v) : strlen(v);
	uint64_t n;

	if (head == 5 && !strncmp(v, "ttyS", 4) && v[4] >= '0' && v[4] <= '3') {
		s.base = legacy[v[4] - '0'];
	} else if (head > 3 && !strncmp(v, "io:", 3)) {
		if (!parse_u64_n(v + 3, head - 3, &n) || n == 0 || n > 0xfff8)
			return "I/O port must be 0x1-0xfff8";
		s.base = n;
	} else if (head > 5 && !strncmp(v, "mmio:", 5)) {
		if (!parse_u64_n(v + 5, head - 5, &n) || n == 0)
			return "bad MMIO address";
		s.mmio = true;
		s.base = n;
	} else {
		return "expected ttyS<0-3>, io:0x<port> or mmio:0x<addr>";
	}
	if (comma) {
		if (!parse_u64_n(comma + 1, strlen(comma + 1), &n) || n < 50 ||
		    n > 115200)
			return "baud rate must be 50-115200";
		s.baud = (uint32_t)n;
	}
	*out = s;
	return NULL;
}

enum cfg_verdict config_set(struct config *c, const char *key,
			    const char *value, const char **why)
{
	if (!strcmp(key, "console")) {
		*why = parse_console(value, &c->console);
		return *why ? CFG_BAD_VALUE : CFG_OK;
	}
	if (!strcmp(key, "run")) {
		size_t n = strlen(value);
		memcpy(c->run, value, n + 1);
		return CFG_OK;
	}
	/* Files the loader reads (boot/bootfiles.c); the kernel keeps the
	 * names to find them in boot_info. */
	if (!strcmp(key, "script"))
		return set_file_name(c->script, value, why);
	if (!strcmp(key, "module"))
		return set_file_name(c->module, value, why);
	if (!strcmp(key, "firmware"))
		return set_file_name(c->firmware, value, why);
	if (!strcmp(key, "module-dir"))
		return set_file_name(c->module_dir, value, why);
	if (!strcmp(key, "timeout")) {
		if (!parse_duration_ms(value, &c->cmd_timeout_ms)) {
			*why = "expected a duration like 30, 90s, 500ms, 10m or 0 (none), at most 168h";
			return CFG_BAD_VALUE;
		}
		return CFG_OK;
	}
	if (!strcmp(key, "on-exit")) {
		for (int a = EXIT_HALT; a <= EXIT_SHELL; a++) {
			if (!strcmp(value, exit_names[a])) {
				c->on_exit = (enum exit_action)a;
				return CFG_OK;
			}
		}
		*why = "expected halt, reboot, poweroff or shell";
		return CFG_BAD_VALUE;
	}
	if (!strcmp(key, "emu-exit")) {
		if (!strcmp(value, "qemu"))
			c->emu_exit = EMU_EXIT_QEMU;
		else if (!strcmp(value, "bochs"))
			c->emu_exit = EMU_EXIT_BOCHS;
		else if (!strcmp(value, "none"))
			c->emu_exit = EMU_EXIT_NONE;
		else {
			*why = "expected qemu, bochs or none";
			return CFG_BAD_VALUE;
		}
		return CFG_OK;
	}
	if (!strcmp(key, "log")) {
		int l = log_level_parse(value);
		if (l < 0) {
			*why = "expected error, warn, info or debug";
			return CFG_BAD_VALUE;
		}
		c->log_level = l;
		return CFG_OK;
	}
	if (!strncmp(key, "tdx", 3))
		return set_tdx(c, key, value, why);
	return CFG_UNKNOWN_KEY;
}

static enum cfg_verdict set_global(void *ctx, const char *key,
				   const char *value, const char **why)
{
	return config_set(ctx, key, value, why);
}

static void warn_log(void *ctx, const char *msg)
{
	(void)ctx;
	pr_warn("cfg: %s\n", msg);
}

void config_parse(const char *text, size_t len, const char *source)
{
	struct cfg_sink sink = { set_global, warn_log, &config };
	cfg_parse(text, len, source, &sink);
}
