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

/* Returns the next ';'-separated command of a script, trimmed, cutting
 * `*cursor` in place, or NULL at the end. A ';' inside quotes does not
 * separate. */
char *parse_next_command(char **cursor);
#endif
