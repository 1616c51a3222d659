/* Console: formatted output to the UART, with '\n' sent as "\r\n".
 * Output before the UART is set up (cfg warnings, which are parsed before
 * the console= setting is known) waits in a small buffer. */
#include <stdarg.h>
#include <string.h>
#include "drivers/uart.h"
#include "kernel/fmt.h"
#include "kernel/log.h"

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

void console_write(const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		emit(s + start, i - start);
		emit("\r\n", 2);
		start = i + 1;
	}
	emit(s + start, n - start);
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

	va_start(ap, fmt);
	n = fmt_vformat(out, NULL, fmt, ap);
	va_end(ap);
	return n;
}

void log_printf(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	fmt_vformat(out, NULL, fmt, ap);
	va_end(ap);
}
