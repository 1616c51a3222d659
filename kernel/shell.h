/* The serial shell: one table of commands, an interactive loop with line
 * editing, and scripted runs (run=, script=). */
#ifndef BARETDX_KERNEL_SHELL_H
#define BARETDX_KERNEL_SHELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Handlers return CMD_OK, CMD_FAIL (error already printed) or CMD_USAGE. */
enum { CMD_OK = 0, CMD_FAIL = 1, CMD_USAGE = 2 };

struct command {
	const char *name;
	const char *usage;  /* arguments, "" when none */
	const char *help;   /* one line */
	int (*fn)(int argc, char **argv);
};

extern const struct command commands[];
extern const unsigned ncommands;

#define SHELL_SCRIPT_MAX (64 * 1024)

/* Runs one command line under the configured time limit (timeout=);
 * returns its status. */
int shell_exec(const char *line);
/* Runs an already split command under limit_ms (0: none). */
int shell_exec_argv(int argc, char **argv, uint64_t limit_ms);
/* Runs a script (parse_next_command: ';' or newline between commands,
 * '#' comments); true when every command succeeded. */
bool shell_run_script(const char *text, size_t len, const char *name);
/* Number of commands that failed since boot. */
unsigned shell_failures(void);
__attribute__((noreturn)) void shell_loop(void);

#endif
