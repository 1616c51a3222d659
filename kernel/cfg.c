/* See cfg.h for the syntax. The parser walks the text once; a setting is
 * only handed over when its whole token was well formed. */
#include <stdbool.h>
#include <string.h>
#include "kernel/cfg.h"
#include "kernel/fmt.h"

struct parser {
	const char *p, *end;
	const char *source;
	unsigned line;
	unsigned problems;
	const struct cfg_sink *sink;
};

static void warn(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct parser *ps, const char *fmt, ...)
{
	char msg[160], line[200];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fmt_snprintf(line, sizeof(line), "%s line %u: %s", ps->source,
		     ps->line, msg);
	ps->problems++;
	if (ps->sink->warn)
		ps->sink->warn(ps->sink->ctx, line);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* Skips the rest of a bad token so that parsing resumes at the next one. */
static void skip_token(struct parser *ps)
{
	bool quoted = false;
	while (ps->p < ps->end && *ps->p != '\n') {
		char c = *ps->p;
		if (!quoted && (is_blank(c) || c == '#'))
			return;
		if (c == '"')
			quoted = !quoted;
		else if (quoted && c == '\\' && ps->p + 1 < ps->end &&
			 ps->p[1] != '\n')
			ps->p++;
		ps->p++;
	}
}

/* Shows a token in a warning: printable characters only, shortened. */
static void token_preview(const char *start, const char *stop, char *out,
			  size_t cap)
{
	size_t n = 0;
	for (const char *s = start; s < stop && n + 4 < cap; s++)
		out[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (stop - start > (long)(cap - 4))
		out[n++] = '.', out[n++] = '.', out[n++] = '.';
	out[n] = 0;
}

static bool read_key(struct parser *ps, char *key)
{
	const char *start = ps->p;
	size_t n = 0;
	char shown[40];

	while (ps->p < ps->end && is_key_char(*ps->p)) {
		if (n + 1 < CFG_KEY_MAX)
			key[n] = *ps->p;
		n++;
		ps->p++;
	}
	if (n > 0 && n < CFG_KEY_MAX && ps->p < ps->end && *ps->p == '=') {
		key[n] = 0;
		ps->p++;
		return true;
	}
	skip_token(ps);
	token_preview(start, ps->p, shown, sizeof(shown));
	if (n >= CFG_KEY_MAX)
		warn(ps, "key '%s' too long (ignored)", shown);
	else
		warn(ps, "expected key=value, got '%s' (ignored)", shown);
	return false;
}

static bool read_value(struct parser *ps, const char *key, char *val)
{
	bool quoted = false, too_long = false, bad_char = false;
	size_t n = 0;

	while (ps->p < ps->end && *ps->p != '\n') {
		char c = *ps->p;
		if (!quoted && (is_blank(c) || c == '#'))
			break;
		ps->p++;
		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted && c == '\\' && ps->p < ps->end &&
		    (*ps->p == '"' || *ps->p == '\\'))
			c = *ps->p++;
		if ((unsigned char)c < 0x20 && c != '\t')
			bad_char = true;
		else if ((unsigned char)c >= 0x7f)
			bad_char = true;
		if (n + 1 < CFG_VALUE_MAX)
			val[n++] = c;
		else
			too_long = true;
	}
	val[n] = 0;
	if (quoted)
		warn(ps, "%s: unterminated quote (ignored)", key);
	else if (too_long)
		warn(ps, "%s: value longer than %d bytes (ignored)", key,
		     CFG_VALUE_MAX - 1);
	else if (bad_char)
		warn(ps, "%s: value has control or non-ASCII bytes (ignored)",
		     key);
	return !quoted && !too_long && !bad_char;
}

static void apply(struct parser *ps, const char *key, const char *val)
{
	const char *why = "invalid value";

	switch (ps->sink->set(ps->sink->ctx, key, val, &why)) {
	case CFG_OK:
		break;
	case CFG_UNKNOWN_KEY:
		warn(ps, "unknown key '%s' (ignored)", key);
		break;
	case CFG_BAD_VALUE:
		warn(ps, "%s: %s (ignored)", key, why);
		break;
	}
}

unsigned cfg_parse(const char *text, size_t len, const char *source,
		   const struct cfg_sink *sink)
{
	struct parser ps = { text, text + len, source, 1, 0, sink };
	char key[CFG_KEY_MAX];
	char val[CFG_VALUE_MAX];

	while (ps.p < ps.end) {
		char c = *ps.p;
		if (c == '\n') {
			ps.line++;
			ps.p++;
		} else if (is_blank(c)) {
			ps.p++;
		} else if (c == '#') {
			while (ps.p < ps.end && *ps.p != '\n')
				ps.p++;
		} else if (read_key(&ps, key) && read_value(&ps, key, val)) {
			apply(&ps, key, val);
		}
	}
	return ps.problems;
}
