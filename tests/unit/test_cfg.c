/* cfg parser: settings, comments, quoting, and every malformed form gives
 * exactly one warning line naming the line number, then parsing goes on. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/cfg.h"

struct sink_state {
	char keys[16][CFG_KEY_MAX];
	char values[16][CFG_VALUE_MAX];
	unsigned nset;
	char warnings[16][256];
	unsigned nwarn;
};

static enum cfg_verdict set(void *ctx, const char *key, const char *value,
			    const char **why)
{
	struct sink_state *s = ctx;
	if (!strcmp(key, "unknown"))
		return CFG_UNKNOWN_KEY;
	if (!strcmp(key, "num") && strspn(value, "0123456789") != strlen(value)) {
		*why = "not a number";
		return CFG_BAD_VALUE;
	}
	if (s->nset < 16) {
		snprintf(s->keys[s->nset], CFG_KEY_MAX, "%s", key);
		snprintf(s->values[s->nset], CFG_VALUE_MAX, "%s", value);
	}
	s->nset++;
	return CFG_OK;
}

static void warn(void *ctx, const char *msg)
{
	struct sink_state *s = ctx;
	if (s->nwarn < 16)
		snprintf(s->warnings[s->nwarn], 256, "%s", msg);
	s->nwarn++;
}

static unsigned parse(struct sink_state *s, const char *text)
{
	struct cfg_sink sink = { set, warn, s };
	memset(s, 0, sizeof(*s));
	return cfg_parse(text, strlen(text), "test.cfg", &sink);
}

static void test_settings_and_comments(void **state)
{
	struct sink_state s;
	(void)state;
	assert_int_equal(parse(&s, "# comment\n a=1 b=two\t# trailing\n\nc=3"), 0);
	assert_int_equal(s.nset, 3);
	assert_string_equal(s.keys[0], "a");
	assert_string_equal(s.values[0], "1");
	assert_string_equal(s.keys[1], "b");
	assert_string_equal(s.values[1], "two");
	assert_string_equal(s.values[2], "3");
}

static void test_quoted_values(void **state)
{
	struct sink_state s;
	(void)state;
	assert_int_equal(parse(&s, "run=\"version; cpus # not a comment\" x=\"a\\\"b\\\\\"\r\n"), 0);
	assert_int_equal(s.nset, 2);
	assert_string_equal(s.values[0], "version; cpus # not a comment");
	assert_string_equal(s.values[1], "a\"b\\");
}

static void test_empty_value_and_crlf(void **state)
{
	struct sink_state s;
	(void)state;
	assert_int_equal(parse(&s, "a=\r\nb=\"\"\r\n"), 0);
	assert_int_equal(s.nset, 2);
	assert_string_equal(s.values[0], "");
	assert_string_equal(s.values[1], "");
}

static void test_malformed_lines_warn_with_line_numbers(void **state)
{
	struct sink_state s;
	(void)state;
	unsigned n = parse(&s, "a=1\njunk b=2\n=x\nunknown=5\nnum=abc\nq=\"open\nlast=ok\n");
	assert_int_equal(n, 5);
	assert_string_equal(s.warnings[0], "test.cfg line 2: expected key=value, got 'junk' (ignored)");
	assert_string_equal(s.warnings[1], "test.cfg line 3: expected key=value, got '=x' (ignored)");
	assert_string_equal(s.warnings[2], "test.cfg line 4: unknown key 'unknown' (ignored)");
	assert_string_equal(s.warnings[3], "test.cfg line 5: num: not a number (ignored)");
	assert_string_equal(s.warnings[4], "test.cfg line 6: q: unterminated quote (ignored)");
	/* Good settings around the bad ones still apply. */
	assert_int_equal(s.nset, 3);
	assert_string_equal(s.keys[1], "b");
	assert_string_equal(s.keys[2], "last");
}

static void test_limits(void **state)
{
	struct sink_state s;
	char text[4096];
	(void)state;

	memset(text, 'k', 40);
	strcpy(text + 40, "=1\n");
	assert_int_equal(parse(&s, text), 1);
	assert_non_null(strstr(s.warnings[0], "too long"));

	strcpy(text, "v=");
	memset(text + 2, 'x', 2000);
	strcpy(text + 2002, " ok=1\n");
	assert_int_equal(parse(&s, text), 1);
	assert_non_null(strstr(s.warnings[0], "v: value longer than 1023 bytes"));
	assert_int_equal(s.nset, 1);
	assert_string_equal(s.keys[0], "ok");
}

static void test_binary_bytes(void **state)
{
	struct sink_state s;
	const char text[] = "a=\x01\x02 b\xff=1 c=\"\x80\" d=4";
	(void)state;
	struct cfg_sink sink = { set, warn, &s };
	memset(&s, 0, sizeof(s));
	assert_int_equal(cfg_parse(text, sizeof(text) - 1, "bin", &sink), 3);
	assert_int_equal(s.nset, 1);
	assert_string_equal(s.keys[0], "d");
	/* A NUL byte is a bad byte inside its token, not a terminator. */
	const char nul[] = "a=1\0b=2 c=3";
	memset(&s, 0, sizeof(s));
	assert_int_equal(cfg_parse(nul, sizeof(nul) - 1, "nul", &sink), 1);
	assert_int_equal(s.nset, 1);
	assert_string_equal(s.keys[0], "c");
}

static void test_random_input_never_crashes(void **state)
{
	struct sink_state s;
	struct cfg_sink sink = { set, warn, &s };
	char buf[2048];
	const char alphabet[] = "ab=\"\\# \t\r\n;x1\x01\xff";
	(void)state;
	srand(1234);
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = (size_t)(rand() % (int)sizeof(buf));
		for (size_t i = 0; i < len; i++)
			buf[i] = (iter & 1) ? (char)rand()
					    : alphabet[rand() % (int)(sizeof(alphabet) - 1)];
		memset(&s, 0, sizeof(s));
		cfg_parse(buf, len, "rnd", &sink);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings_and_comments),
		cmocka_unit_test(test_quoted_values),
		cmocka_unit_test(test_empty_value_and_crlf),
		cmocka_unit_test(test_malformed_lines_warn_with_line_numbers),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_binary_bytes),
		cmocka_unit_test(test_random_input_never_crashes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
