/*
 * fmt - printf-style formatting for the freestanding kernel.
 *
 * Conversions: d i u x X o c s p %
 * Flags:       - 0 + space #   ('#' gives a 0x/0X prefix for x/X and a
 *                               leading zero for o)
 * Width and precision, each either decimal or '*' (a negative '*' width
 * means '-' plus its magnitude; a negative '*' precision means none).
 * Length modifiers: hh h l ll z j t, on integer conversions only.
 *
 * Deviations from ISO C, all for conversions C leaves undefined:
 *  - %p always prints "0x" followed by 16 lowercase hex digits; only
 *    width and '-' apply to it.
 *  - %s of NULL prints "(null)", cut by the precision like any string.
 *  - '0' is ignored for c, s and p (padding is always with spaces).
 *  - A directive with an unknown conversion character, with a length
 *    modifier on c/s/p, or cut short by the end of the string is printed
 *    literally (e.g. "%-5y" prints "%-5y").  Any '*' arguments it named
 *    have already been consumed.
 *  - Widths and precisions written as decimals saturate at INT_MAX, as
 *    does a '*' width of INT_MIN.
 *
 * Output reaches `out` in chunks (literal runs, digit strings, padding in
 * blocks), never necessarily NUL-terminated.  The functions return the
 * number of characters produced, or -1 if that exceeds INT_MAX (the
 * output itself is still delivered, as with a libc's EOVERFLOW).
 */
#ifndef BARETDX_KERNEL_FMT_H
#define BARETDX_KERNEL_FMT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*fmt_out_fn)(void *ctx, const char *s, size_t n);

int fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/*
 * C99 vsnprintf semantics: writes at most size-1 characters plus a NUL
 * when size > 0 (buf may be NULL when size == 0) and returns the length
 * the full output would have had.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
