/* Console: formatted output to the UART, with '\n' sent as "\r\n".
 * Output before the UART is set up (cfg warnings, which are parsed before
 * the console= setting is known) waits in a small buffer. */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include "drivers/uart.h"
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/percpu.h"

int log_level = LOG_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

static struct uart *console_uart;
static char early_buf[8192];
static size_t early_len;

int log_level_parse(const char *s)
{
	for (int i = 0; i <= LOG_DEBUG; i++)
		if (!strcmp(s, level_names[i]))
			return i;
	return -1;
}

const char *log_level_name(int level)
{
	return level >= 0 && level <= LOG_DEBUG ? level_names[level] : "?";
}

static void emit(const char *s, size_t n)
{
	if (console_uart) {
		uart_write(console_uart, s, n);
		return;
	}
	if (n > sizeof(early_buf) - early_len)
		n = sizeof(early_buf) - early_len;
	memcpy(early_buf + early_len, s, n);
	early_len += n;
}

/* One CPU writes at a time, so lines from CPUs working in parallel do not
 * interleave. The owner may re-enter (an exception report while it
 * prints), and a CPU never waits forever for a wedged owner. Printing
 * counts as a section a command time limit does not cut (cmdlimit.h), so
 * a stopped command leaves neither the lock nor half a line behind. */
static volatile int owner = -1;

static bool console_lock(int me)
{
	this_cpu()->nostop++;
	if (owner == me)
		return false;
	for (unsigned long spins = 0; spins < 100000000ul; spins++) {
		int free = -1;
		if (__atomic_compare_exchange_n(&owner, &free, me, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

static void console_unlock(bool locked)
{
	if (locked)
		__atomic_store_n(&owner, -1, __ATOMIC_RELEASE);
	this_cpu()->nostop--;
}

void console_write(const char *s, size_t n)
{
	size_t start = 0;
	bool locked = console_lock((int)this_cpu()->id);

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		emit(s + start, i - start);
		emit("\r\n", 2);
		start = i + 1;
	}
	emit(s + start, n - start);
	console_unlock(locked);
}

void console_attach(struct uart *u)
{
	console_uart = u;
}

void console_flush_early(void)
{
	if (!console_uart)
		return;
	uart_write(console_uart, early_buf, early_len);
	early_len = 0;
}

int console_getc(void)
{
	return console_uart ? uart_getc(console_uart) : -1;
}

static void out(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write(s, n);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	bool locked = console_lock((int)this_cpu()->id);

	va_start(ap, fmt);
	n = fmt_vformat(out, NULL, fmt, ap);
	va_end(ap);
	console_unlock(locked);
	return n;
}

void log_printf(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	bool locked = console_lock((int)this_cpu()->id);
	va_start(ap, fmt);
	fmt_vformat(out, NULL, fmt, ap);
	va_end(ap);
	console_unlock(locked);
}
