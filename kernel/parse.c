#include <string.h>
#include "kernel/parse.h"

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

bool parse_u64_n(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)digit_value(s[i]);
		if (d >= base || v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

bool parse_u64(const char *s, uint64_t *out)
{
	return parse_u64_n(s, strlen(s), out);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int parse_split(char *s, char **argv, int max)
{
	int argc = 0;
	char *w = s;

	while (*s) {
		bool quoted = false;
		while (is_blank(*s))
			s++;
		if (!*s)
			break;
		if (argc == max)
			return PARSE_TOO_MANY;
		argv[argc++] = w;
		/* Copying down removes the quote characters in place. */
		while (*s && (quoted || !is_blank(*s))) {
			if (*s == '"')
				quoted = !quoted;
			else
				*w++ = *s;
			s++;
		}
		if (quoted)
			return PARSE_BAD_QUOTE;
		if (*s)
			s++;
		*w++ = 0;
	}
	return argc;
}

char *parse_next_command(char **cursor)
{
	char *s = *cursor, *start, *end;
	bool quoted;

	while (s && *s) {
		while (is_blank(*s) || *s == '\r')
			s++;
		if (*s == '#') {
			while (*s && *s != '\n')
				s++;
			continue;
		}
		start = s;
		quoted = false;
		while (*s && *s != '\n' && (quoted || *s != ';')) {
			if (*s == '"')
				quoted = !quoted;
			s++;
		}
		end = s;
		if (*s)
			s++;
		*cursor = s;
		while (end > start && (is_blank(end[-1]) || end[-1] == '\r'))
			end--;
		*end = 0;
		if (end > start)
			return start;
	}
	*cursor = s;
	return NULL;
}

bool parse_duration_ms(const char *s, uint64_t *ms)
{
	static const struct { const char *suffix; uint64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	size_t len = strlen(s), digits = 0;
	uint64_t v, scale = 1000;

	while (digits < len && s[digits] >= '0' && s[digits] <= '9')
		digits++;
	if (digits == 0 || digits > 9 || !parse_u64_n(s, digits, &v))
		return false;
	if (digits < len) {
		unsigned i;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(s + digits, units[i].suffix))
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			return false;
		scale = units[i].ms;
	}
	if (v * scale > PARSE_DURATION_MAX_MS)
		return false;
	*ms = v * scale;
	return true;
}
