/* The serial shell: one table of commands, an interactive loop with line
 * editing, and scripted runs (run=). */
#ifndef BARETDX_KERNEL_SHELL_H
#define BARETDX_KERNEL_SHELL_H

#include <stdbool.h>

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

/* Runs one command line; returns its status. */
int shell_exec(const char *line);
/* Runs a ';'-separated script; true when every command succeeded. */
bool shell_run_script(const char *script);
/* Number of commands that failed since boot. */
unsigned shell_failures(void);
__attribute__((noreturn)) void shell_loop(void);

#endif
