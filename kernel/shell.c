/* The shell reads lines from the console, splits them into words and runs
 * the matching entry of `commands` (commands.c). Whatever arrives on the
 * serial line, the shell answers with at most one error line and goes on. */
#include <string.h>
#include "kernel/cmdlimit.h"
#include "kernel/config.h"
#include "kernel/lineedit.h"
#include "kernel/log.h"
#include "kernel/parse.h"
#include "kernel/shell.h"

#define MAX_ARGS 16
#define PROMPT "baretdx> "

static unsigned failures;

unsigned shell_failures(void)
{
	return failures;
}

static const struct command *find(const char *name)
{
	for (unsigned i = 0; i < ncommands; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Shows a bad word without letting control bytes reach the terminal. */
static void print_word(const char *w)
{
	char buf[48];
	size_t n = 0;
	for (; *w && n < sizeof(buf) - 4; w++)
		buf[n++] = (*w >= 0x20 && *w < 0x7f) ? *w : '?';
	if (*w)
		buf[n++] = '.', buf[n++] = '.', buf[n++] = '.';
	buf[n] = 0;
	kprintf("%s", buf);
}

/* Runs argv[0] with the given limit. Commands may call this again for a
 * sub-command (timeout); the inner limit then applies while it runs. */
int shell_exec_argv(int argc, char **argv, uint64_t limit_ms)
{
	const struct command *c = find(argv[0]);
	int st = CMD_FAIL;

	if (!c) {
		kprintf("error: unknown command '");
		print_word(argv[0]);
		kprintf("' (try 'help')\n");
		return CMD_USAGE;
	}
	if (cmdlimit_run(c->fn, argc, argv, limit_ms, &st) == CMDLIMIT_STOPPED) {
		kprintf("error: time limit: '");
		for (int i = 0; i < argc; i++) {
			kprintf(i ? " " : "");
			print_word(argv[i]);
		}
		kprintf("' stopped after %llu ms\n",
			(unsigned long long)cmdlimit_last_limit_ms());
		return CMD_FAIL;
	}
	if (st == CMD_USAGE)
		kprintf("usage: %s %s\n", c->name, c->usage);
	return st;
}

int shell_exec(const char *line)
{
	char buf[LE_LINE_MAX];
	char *argv[MAX_ARGS];
	int argc, st;

	if (strlen(line) >= sizeof(buf)) {
		kprintf("error: command line longer than %d bytes\n", LE_LINE_MAX - 1);
		failures++;
		return CMD_USAGE;
	}
	memcpy(buf, line, strlen(line) + 1);
	argc = parse_split(buf, argv, MAX_ARGS);
	if (argc == 0)
		return CMD_OK;
	if (argc < 0) {
		kprintf("error: %s\n", argc == PARSE_TOO_MANY
			? "too many arguments" : "unterminated quote");
		failures++;
		return CMD_USAGE;
	}
	st = shell_exec_argv(argc, argv, config.cmd_timeout_ms);
	if (st != CMD_OK)
		failures++;
	return st;
}

bool shell_run_script(const char *text, size_t len, const char *name)
{
	static char buf[SHELL_SCRIPT_MAX + 1];
	char *cursor = buf, *cmd;
	unsigned n = 0, failed = 0;

	if (len > SHELL_SCRIPT_MAX) {
		kprintf("error: script %s: longer than %u bytes, not run\n", name,
			SHELL_SCRIPT_MAX);
		failures++;
		return false;
	}
	memcpy(buf, text, len);
	buf[len] = 0;
	if (strlen(buf) != len) {
		kprintf("error: script %s: contains a NUL byte, not run\n", name);
		failures++;
		return false;
	}
	while ((cmd = parse_next_command(&cursor)) != NULL) {
		kprintf(PROMPT "%s\n", cmd);
		n++;
		if (shell_exec(cmd) != CMD_OK)
			failed++;
	}
	kprintf("script: %s: %u commands, %u failed\n", name, n, failed);
	return failed == 0;
}

static void echo(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write(s, n);
}

void shell_loop(void)
{
	static struct lineedit le;

	le_init(&le, echo, NULL);
	kprintf(PROMPT);
	for (;;) {
		int c = console_getc();
		if (c < 0) {
			__asm__ volatile("pause");
			continue;
		}
		if (le_feed(&le, (unsigned char)c) == LE_LINE) {
			shell_exec(le_line(&le));
			kprintf(PROMPT);
		}
	}
}
