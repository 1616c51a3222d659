/* CMR lists from kernel logs or plain range lists; see seam/cmr_parse.h. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "seam/cmr_parse.h"

/* One line of the input, without its '\n' and trailing blanks/'\r'. */
struct text {
	const char *s;
	size_t n;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int digit_value(char c, unsigned radix)
{
	int d = is_digit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 :
		(c >= 'A' && c <= 'F') ? c - 'A' + 10 : 99;

	return d < (int)radix ? d : -1;
}

static bool find(struct text t, const char *pat, size_t *at)
{
	size_t m = strlen(pat);

	for (size_t i = 0; i + m <= t.n; i++)
		if (memcmp(t.s + i, pat, m) == 0) {
			*at = i;
			return true;
		}
	return false;
}

static void skip_blanks(struct text t, size_t *i)
{
	while (*i < t.n && is_blank(t.s[*i]))
		(*i)++;
}

static int fail(struct cmr_list *out, unsigned line, const char *what)
{
	struct plan_msg m;

	out->line = line;
	plan_msg_init(&m, out->why, sizeof(out->why));
	if (line) {
		plan_msg_str(&m, "line ");
		plan_msg_dec(&m, line);
		plan_msg_str(&m, ": ");
	}
	plan_msg_str(&m, what);
	return -1;
}

enum { NUM_OK, NUM_NONE, NUM_BIG, NUM_BAD };

/* A hex (0x) or decimal number at t.s[*i], not running into a letter. */
static int parse_num(struct text t, size_t *i, uint64_t *v)
{
	size_t p = *i;
	unsigned radix = 10, nd = 0;
	uint64_t x = 0;
	int d;

	if (p + 1 < t.n && t.s[p] == '0' && (t.s[p + 1] == 'x' || t.s[p + 1] == 'X')) {
		radix = 16;
		p += 2;
	}
	for (; p < t.n && (d = digit_value(t.s[p], radix)) >= 0; p++, nd++) {
		if (x > (UINT64_MAX - (uint64_t)d) / radix)
			return NUM_BIG;
		x = x * radix + (uint64_t)d;
	}
	if (!nd)
		return NUM_NONE;
	if (p < t.n && is_alnum(t.s[p]))
		return NUM_BAD;
	*i = p;
	*v = x;
	return NUM_OK;
}

static int num_or_fail(struct cmr_list *out, unsigned line, struct text t, size_t *i, uint64_t *v,
		       const char *which)
{
	int rc = parse_num(t, i, v);

	if (rc == NUM_OK)
		return 0;
	if (rc == NUM_BIG)
		return fail(out, line, which[0] == 's' ? "start address too large for 64 bits" :
			    "end address too large for 64 bits");
	return fail(out, line, which[0] == 's' ? "expected a start address (hex 0x... or decimal)" :
		    "expected an end address (hex 0x... or decimal)");
}

static int add_range(struct cmr_list *out, unsigned line, uint64_t start, uint64_t end)
{
	if (end <= start)
		return fail(out, line, "range ends at or before its start");
	if (out->n == CMR_PARSE_MAX)
		return fail(out, line, "more than 64 ranges");
	out->line_of[out->n] = line;
	out->cmr[out->n++] = (struct plan_range){ start, end - start };
	return 0;
}

/* "[start, end)" or "[start, end]" from t.s[*i] (at the '['). */
static int parse_bracket(struct cmr_list *out, unsigned line, struct text t, size_t i,
			 uint64_t *start, uint64_t *end)
{
	if (i >= t.n || t.s[i] != '[')
		return fail(out, line, "expected '[' after CMR:");
	i++;
	skip_blanks(t, &i);
	if (num_or_fail(out, line, t, &i, start, "start"))
		return -1;
	skip_blanks(t, &i);
	if (i >= t.n || t.s[i] != ',')
		return fail(out, line, "expected ',' between start and end");
	i++;
	skip_blanks(t, &i);
	if (num_or_fail(out, line, t, &i, end, "end"))
		return -1;
	skip_blanks(t, &i);
	if (i >= t.n || (t.s[i] != ')' && t.s[i] != ']'))
		return fail(out, line, "expected ')' after the end address");
	return 0;
}

/* "... 4202516 KB allocated for PAMT" (LX) or "... KBs allocated ..." (doc). */
static int parse_pamt(struct cmr_list *out, unsigned line, struct text t, size_t at)
{
	size_t k, i;
	uint64_t kb;

	t.n = at;
	if (!find(t, "KB", &k))
		return fail(out, line, "PAMT line without a KB figure");
	i = k;
	while (i && is_blank(t.s[i - 1]))
		i--;
	while (i && is_digit(t.s[i - 1]))
		i--;
	if (parse_num(t, &i, &kb) != NUM_OK)
		return fail(out, line, "PAMT line without a KB figure");
	out->linux_pamt_kb = kb;
	out->has_linux_kb = true;
	return 0;
}

static int parse_log_line(struct cmr_list *out, unsigned line, struct text t)
{
	uint64_t start, end;
	size_t at;

	if (find(t, "allocated for PAMT", &at))
		return parse_pamt(out, line, t, at);
	if (!find(t, "CMR:", &at))
		return 0;
	at += 4;
	skip_blanks(t, &at);
	if (parse_bracket(out, line, t, at, &start, &end))
		return -1;
	/* The module lists CMRs in ascending order: a step back is the next
	 * boot's listing, and the PAMT figure seen so far was the old one's. */
	if (out->n && start <= out->cmr[out->n - 1].base) {
		out->n = 0;
		out->has_linux_kb = false;
	}
	return add_range(out, line, start, end);
}

static bool looks_like_log(struct text t)
{
	size_t at;

	return find(t, ": ", &at) || (t.n && t.s[t.n - 1] == ':');
}

static int parse_plain_line(struct cmr_list *out, unsigned line, struct text t)
{
	uint64_t start, end;
	size_t i = 0, at;

	if (find(t, "#", &at))
		t.n = at;
	while (t.n && is_blank(t.s[t.n - 1]))
		t.n--;
	skip_blanks(t, &i);
	if (i == t.n)
		return 0;
	if (t.s[i] == '[') {
		size_t j = i + 1;
		bool range;

		/* "[0x1000, 0x2000)" is a range, "[  12.345678] ..." a log line. */
		skip_blanks(t, &j);
		range = parse_num(t, &j, &start) == NUM_OK;
		skip_blanks(t, &j);
		if (!range || j >= t.n || t.s[j] != ',')
			return 0;
		if (parse_bracket(out, line, t, i, &start, &end))
			return -1;
		return add_range(out, line, start, end);
	}
	if (!is_digit(t.s[i])) {
		if (looks_like_log(t))
			return 0;
		return fail(out, line, "expected 'start end' (hex 0x... or decimal)");
	}
	if (num_or_fail(out, line, t, &i, &start, "start"))
		return -1;
	skip_blanks(t, &i);
	if (i < t.n && (t.s[i] == ',' || t.s[i] == '-'))
		i++;
	skip_blanks(t, &i);
	if (num_or_fail(out, line, t, &i, &end, "end"))
		return -1;
	skip_blanks(t, &i);
	if (i != t.n)
		return fail(out, line, "unexpected text after the end address");
	return add_range(out, line, start, end);
}

static struct text line_at(const char *text, size_t len, size_t *pos)
{
	struct text t = { text + *pos, 0 };

	while (*pos + t.n < len && text[*pos + t.n] != '\n')
		t.n++;
	*pos += t.n + (*pos + t.n < len);
	while (t.n && is_blank(t.s[t.n - 1]))
		t.n--;
	return t;
}

int cmr_parse(const char *text, size_t len, struct cmr_list *out)
{
	size_t pos = 0, at;
	unsigned line = 0;

	memset(out, 0, sizeof(*out));
	if (!text)
		len = 0;
	while (pos < len && !out->is_log)
		out->is_log = find(line_at(text, len, &pos), "CMR:", &at);
	for (pos = 0; pos < len;) {
		struct text t = line_at(text, len, &pos);
		int rc;

		line++;
		rc = out->is_log ? parse_log_line(out, line, t) : parse_plain_line(out, line, t);
		if (rc)
			return -1;
	}
	if (out->n == 0)
		return fail(out, 0, out->is_log ? "no CMR lines in the log" :
			    "no CMR lines or 'start end' ranges found");
	return 0;
}
