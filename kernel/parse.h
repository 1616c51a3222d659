/* Number parsing for settings and shell arguments. Pure logic. */
#ifndef BARETDX_KERNEL_PARSE_H
#define BARETDX_KERNEL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal, or hex with 0x; the whole of s[0..len) must be the number, and
 * it must fit in 64 bits. */
bool parse_u64_n(const char *s, size_t len, uint64_t *out);
bool parse_u64(const char *s, uint64_t *out);

#define PARSE_TOO_MANY  (-1)
#define PARSE_BAD_QUOTE (-2)

/* Splits `s` in place into blank-separated words; "double quotes" group
 * words. Returns the word count, or PARSE_TOO_MANY / PARSE_BAD_QUOTE. */
int parse_split(char *s, char **argv, int max);

/* Returns the next command of a script, trimmed, cutting `*cursor` in
 * place, or NULL at the end. Commands end at ';' (not inside quotes) and
 * at every newline; '#' at the start of a command comments out the rest
 * of its line; CR is a blank, so CRLF files work. */
char *parse_next_command(char **cursor);

/* A duration: digits with an optional unit ms, s, m or h; no unit means
 * seconds. At most 7 days. */
#define PARSE_DURATION_MAX_MS (7ull * 24 * 3600 * 1000)
bool parse_duration_ms(const char *s, uint64_t *ms);
#endif
