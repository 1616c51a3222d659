/* Command time limits: see cmdlimit.h. Commands run on the boot CPU only,
 * so there is one running command at a time. */
#include "drivers/lapic.h"
#include "kernel/cmdlimit.h"
#include "kernel/cpu.h"
#include "kernel/fault.h"
#include "kernel/percpu.h"
#include "kernel/time.h"

#define RETRY_US 10000
/* Code that checks its limit gets this long past it to stop by itself
 * before the backstop cuts it off. */
#define GRACE_US 100000
/* One LAPIC one-shot covers at most 2^32 ticks (68 s at 62.5 MHz); longer
 * limits are reached in steps. */
#define STEP_US 10000000ull

static struct {
	volatile bool active;
	volatile bool acked;          /* the command saw the limit pass */
	volatile uint64_t deadline;   /* TSC; 0: no limit */
	uint64_t limit_ms;            /* the limit deadline came from */
	struct fault_ctx resume;      /* where a stopped command ends */
	struct fault_ctx *recover;    /* try_call chain at command start */
} cur;

uint64_t cmdlimit_last_limit_ms(void)
{
	return cur.limit_ms;
}

uint64_t cmdlimit_deadline(void)
{
	return cur.active ? cur.deadline : 0;
}

bool cmdlimit_expired(void)
{
	uint64_t d = cmdlimit_deadline();

	if (!d || !deadline_passed(d))
		return false;
	cur.acked = true;
	return true;
}

void cmdlimit_nostop_enter(void)
{
	this_cpu()->nostop++;
}

void cmdlimit_nostop_leave(void)
{
	this_cpu()->nostop--;
}

/* Programs the timer for the time left, in steps; disarms it when no
 * limit applies on this CPU. */
static void arm(void)
{
	uint64_t now, left;

	if (!cur.active || !cur.deadline || cur.acked || this_cpu()->id != 0) {
		lapic_timer_oneshot(0);
		return;
	}
	now = rdtsc();
	left = cur.deadline > now ? tsc_to_us(cur.deadline - now) + GRACE_US : 1;
	lapic_timer_oneshot(left > STEP_US ? STEP_US : left);
}

void cmdlimit_timer_take(void)
{
	this_cpu()->timer_taken++;
}

void cmdlimit_timer_give(void)
{
	if (--this_cpu()->timer_taken == 0)
		arm();
}

void cmdlimit_tick(void)
{
	struct percpu *cpu = this_cpu();

	if (!cur.active || !cur.deadline || cur.acked || cpu->id != 0 ||
	    cpu->timer_taken)
		return;
	if (!deadline_passed(cur.deadline + us_to_tsc(GRACE_US))) {
		arm();
		return;
	}
	if (cpu->nostop) {
		lapic_timer_oneshot(RETRY_US);
		return;
	}
	/* Leave the interrupted command: nothing on its stack is needed
	 * again, it holds no lock, and interrupts stay off (we are in an
	 * interrupt gate) until the shell turns them on for the next one. */
	fault_restore(&cur.resume);
}

enum cmdlimit_end cmdlimit_run(int (*fn)(int, char **), int argc, char **argv,
			       uint64_t limit_ms, int *status)
{
	struct percpu *cpu = this_cpu();
	uint64_t outer_deadline, outer_limit;
	int st;

	if (cur.active) {
		/* A command running a sub-command (timeout): the inner limit
		 * holds while it runs; a stop still ends the whole line. */
		outer_deadline = cur.deadline;
		outer_limit = cur.limit_ms;
		cur.limit_ms = limit_ms;
		cur.deadline = limit_ms ? deadline_after_us(limit_ms * 1000) : 0;
		arm();
		*status = fn(argc, argv);
		cur.deadline = outer_deadline;
		cur.limit_ms = outer_limit;
		cur.acked = false;
		arm();
		return CMDLIMIT_RETURNED;
	}
	cur.recover = cpu->recover;
	cur.acked = false;
	cur.limit_ms = limit_ms;
	cur.deadline = limit_ms ? deadline_after_us(limit_ms * 1000) : 0;
	if (fault_save(&cur.resume)) {
		cur.active = false;
		cpu->recover = cur.recover;
		cpu->timer_taken = 0;
		lapic_timer_oneshot(0);
		return CMDLIMIT_STOPPED;
	}
	cur.active = true;
	arm();
	sti();
	st = fn(argc, argv);
	cli();
	cur.active = false;
	lapic_timer_oneshot(0);
	*status = st;
	return CMDLIMIT_RETURNED;
}
