/* Console output and the kernel log. Lines that benches grep for keep one
 * event per line (bench.md). */
#ifndef BARETDX_KERNEL_LOG_H
#define BARETDX_KERNEL_LOG_H

#include <stddef.h>

enum { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern int log_level;

int log_level_parse(const char *s);   /* -1 when unknown */
const char *log_level_name(int level);

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_printf(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_err(...)   log_printf(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  log_printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

/* Raw console access for the shell. */
struct uart;
void console_attach(struct uart *u);
/* Sends what was logged before the console existed. */
void console_flush_early(void);
void console_write(const char *s, size_t n);
int console_getc(void);

#endif
