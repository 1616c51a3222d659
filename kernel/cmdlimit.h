/* Time limits for shell commands (bench.md: every command has a time limit,
 * and a hung command is stopped with a clear line).
 *
 * Two ways a command stops at its limit:
 * - Cooperatively: anything that waits or loops for long (vm run, sleep)
 *   asks cmdlimit_expired(), and ends cleanly once it says true. That
 *   answer also stands the preemptive stop down for the rest of the
 *   command, so that the command can tidy up.
 * - Preemptively, the backstop for code that never asks: commands run on
 *   the boot CPU with interrupts on, and a LAPIC one-shot timer fires
 *   100 ms after the limit (the grace for code that stops by itself). If the interrupted code holds no spinlock and is not inside a
 *   cmdlimit_nostop_enter() section, the shell is resumed as if the command
 *   had returned, and the shell prints one line saying it was stopped.
 *   Otherwise the timer retries every 10 ms until the code leaves the
 *   section. Code that hangs with interrupts off (a SEAMCALL that never
 *   returns) cannot be stopped this way; the bench's power control is the
 *   last resort there.
 *
 * Pages a preempted command had allocated stay with their owner: `mem
 * stats` shows them. */
#ifndef BARETDX_KERNEL_CMDLIMIT_H
#define BARETDX_KERNEL_CMDLIMIT_H

#include <stdbool.h>
#include <stdint.h>

enum cmdlimit_end { CMDLIMIT_RETURNED, CMDLIMIT_STOPPED };

/* Runs fn(argc, argv) on the boot CPU with a limit of limit_ms (0: none).
 * *status is what fn returned; with CMDLIMIT_STOPPED it is untouched. */
enum cmdlimit_end cmdlimit_run(int (*fn)(int, char **), int argc, char **argv,
			       uint64_t limit_ms, int *status);

/* The limit of the command stopped last, in ms (for the report). */
uint64_t cmdlimit_last_limit_ms(void);

/* The running command's deadline as a TSC value; 0 when none runs or it
 * has no limit. Readable from every CPU. */
uint64_t cmdlimit_deadline(void);
/* True once the running command's limit has passed: the caller stops on
 * its own (see above). */
bool cmdlimit_expired(void);

/* Sections the preemptive stop must not cut short (spinlocks count as
 * such sections on their own, see spinlock.h). They nest. */
void cmdlimit_nostop_enter(void);
void cmdlimit_nostop_leave(void);

/* Code that needs the LAPIC timer for itself takes it and gives it back;
 * giving it back re-arms the command limit. */
void cmdlimit_timer_take(void);
void cmdlimit_timer_give(void);

/* From the LAPIC timer interrupt, after EOI. May not return. */
void cmdlimit_tick(void);

#endif
