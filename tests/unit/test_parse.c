/* Number parsing, shell word splitting and script splitting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "kernel/parse.h"

static void test_numbers(void **state)
{
	uint64_t v;
	(void)state;
	assert_true(parse_u64("0", &v) && v == 0);
	assert_true(parse_u64("115200", &v) && v == 115200);
	assert_true(parse_u64("0x3F8", &v) && v == 0x3f8);
	assert_true(parse_u64("18446744073709551615", &v) && v == UINT64_MAX);
	assert_true(parse_u64("0xffffffffffffffff", &v) && v == UINT64_MAX);
	assert_false(parse_u64("18446744073709551616", &v));
	assert_false(parse_u64("0x10000000000000000", &v));
	assert_false(parse_u64("", &v));
	assert_false(parse_u64("0x", &v));
	assert_false(parse_u64("12a", &v));
	assert_false(parse_u64("-1", &v));
	assert_true(parse_u64_n("4096,", 4, &v) && v == 4096);
}

static void test_split(void **state)
{
	char line[] = "  log   debug\t \"two words\" x\"y z\"w ";
	char *argv[8];
	(void)state;
	assert_int_equal(parse_split(line, argv, 8), 4);
	assert_string_equal(argv[0], "log");
	assert_string_equal(argv[1], "debug");
	assert_string_equal(argv[2], "two words");
	assert_string_equal(argv[3], "xy zw");

	char many[] = "a b c d";
	assert_int_equal(parse_split(many, argv, 3), PARSE_TOO_MANY);
	char quote[] = "a \"b";
	assert_int_equal(parse_split(quote, argv, 3), PARSE_BAD_QUOTE);
	char blank[] = " \t ";
	assert_int_equal(parse_split(blank, argv, 3), 0);
	char empty[] = "\"\"";
	assert_int_equal(parse_split(empty, argv, 3), 1);
	assert_string_equal(argv[0], "");
}

static void test_script(void **state)
{
	char s[] = " version;cpus ; ; mem map ;log \"a;b\";";
	char *cur = s, *c;
	const char *want[] = { "version", "cpus", "mem map", "log \"a;b\"" };
	unsigned n = 0;
	(void)state;
	while ((c = parse_next_command(&cur)) != NULL) {
		assert_true(n < 4);
		assert_string_equal(c, want[n]);
		n++;
	}
	assert_int_equal(n, 4);
	char none[] = " ; ;";
	cur = none;
	assert_null(parse_next_command(&cur));
}

static void test_script_lines(void **state)
{
	char s[] = "# setup\r\nversion\r\n  # indented comment; not a command\n"
		   "log \"a\nmem ; cpus # not a comment here\n\n#last";
	char *cur = s, *c;
	const char *want[] = { "version", "log \"a", "mem", "cpus # not a comment here" };
	unsigned n = 0;
	(void)state;
	while ((c = parse_next_command(&cur)) != NULL) {
		assert_true(n < 4);
		assert_string_equal(c, want[n]);
		n++;
	}
	assert_int_equal(n, 4);
}

static void test_duration(void **state)
{
	uint64_t ms;
	(void)state;
	assert_true(parse_duration_ms("5", &ms) && ms == 5000);
	assert_true(parse_duration_ms("0", &ms) && ms == 0);
	assert_true(parse_duration_ms("250ms", &ms) && ms == 250);
	assert_true(parse_duration_ms("2s", &ms) && ms == 2000);
	assert_true(parse_duration_ms("3m", &ms) && ms == 180000);
	assert_true(parse_duration_ms("1h", &ms) && ms == 3600000);
	assert_true(parse_duration_ms("168h", &ms) && ms == PARSE_DURATION_MAX_MS);
	assert_false(parse_duration_ms("169h", &ms));
	assert_false(parse_duration_ms("", &ms));
	assert_false(parse_duration_ms("s", &ms));
	assert_false(parse_duration_ms("5x", &ms));
	assert_false(parse_duration_ms("5 s", &ms));
	assert_false(parse_duration_ms("-5", &ms));
	assert_false(parse_duration_ms("0x10", &ms));
	assert_false(parse_duration_ms("99999999999999999999", &ms));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_script_lines),
		cmocka_unit_test(test_duration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
