/* Parser for baretdx.cfg and the command line: `key=value` settings, any
 * number per line, separated by blanks; `#` starts a comment; values may be
 * double-quoted ("a b; c") with \" and \\ escapes inside quotes.
 *
 * Pure logic (host unit tests). What a key means is the caller's business:
 * the parser hands each setting to `set`, and reports every problem as one
 * line through `warn`, naming the source and line, then carries on. */
#ifndef BARETDX_KERNEL_CFG_H
#define BARETDX_KERNEL_CFG_H

#include <stddef.h>

#define CFG_KEY_MAX   32   /* bytes incl. NUL */
#define CFG_VALUE_MAX 1024 /* bytes incl. NUL */

enum cfg_verdict { CFG_OK, CFG_UNKNOWN_KEY, CFG_BAD_VALUE };

struct cfg_sink {
	/* On CFG_BAD_VALUE, *why says what is wrong with the value. */
	enum cfg_verdict (*set)(void *ctx, const char *key, const char *value,
				const char **why);
	void (*warn)(void *ctx, const char *msg);
	void *ctx;
};

/* Returns the number of problems reported. */
unsigned cfg_parse(const char *text, size_t len, const char *source,
		   const struct cfg_sink *sink);

#endif
