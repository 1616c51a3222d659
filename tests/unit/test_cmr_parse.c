/* CMR lists from text (seam/cmr_parse.h): every host log in
 * tests/data/hosts, each Linux wording of the CMR and PAMT lines
 * (tdx-abi.md §5.6), plain range lists, and bad input with its line
 * number: malformed lines, huge numbers, missing brackets, CRLF, binary
 * junk, and random bytes that must never crash the parser. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seam/cmr_parse.h"

#define GiB (1ull << 30)

static struct cmr_list L;

/* Parses a copy that ends exactly at len (no NUL), so ASan sees any
 * read past the end. */
static int parse(const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, len);
	rc = cmr_parse(copy, len, &L);
	free(copy);
	return rc;
}

static int parse_s(const char *text)
{
	return parse(text, strlen(text));
}

static void expect_error(const char *text, unsigned line, const char *reason)
{
	assert_int_equal(parse_s(text), -1);
	if (L.line != line || !strstr(L.why, reason))
		fail_msg("\"%s\": want line %u \"%s\", got line %u \"%s\"", text, line, reason, L.line,
			 L.why);
}

static void expect_range(unsigned i, uint64_t start, uint64_t end)
{
	assert_true(i < L.n);
	assert_int_equal(L.cmr[i].base, start);
	assert_int_equal(L.cmr[i].base + L.cmr[i].size, end);
}

static void test_host_logs(void **state)
{
	static const struct { const char *file; unsigned n; uint64_t kb; } hosts[] = {
		{ "host-1tib.log", 5, 4202516 }, { "host-256g-spr.log", 3, 1050636 },
		{ "host-2tib.log", 3, 8396820 }, { "host-3tib.log", 5, 12591124 },
		{ "host-512g-spr.log", 5, 2101268 }, { "host-tdx10-hole.log", 4, 0 },
	};
	const char *f = __FILE__, *slash = strrchr(f, '/');
	static char buf[1 << 16];

	(void)state;
	for (unsigned k = 0; k < sizeof(hosts) / sizeof(hosts[0]); k++) {
		char path[1024];
		FILE *fp;
		size_t len;

		snprintf(path, sizeof(path), "%.*s../data/hosts/%s", slash ? (int)(slash - f + 1) : 0,
			 f, hosts[k].file);
		fp = fopen(path, "rb");
		assert_non_null(fp);
		len = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		assert_int_equal(parse(buf, len), 0);
		assert_true(L.is_log);
		assert_int_equal(L.n, hosts[k].n);
		assert_int_equal(L.has_linux_kb, hosts[k].kb != 0);
		assert_int_equal(L.linux_pamt_kb, hosts[k].kb);
		expect_range(0, 0x100000, 0x77800000);
	}
	/* host-tdx10-hole.log's lone 2 GiB CMR at 1 TiB. */
	expect_range(3, 0x10000000000, 0x10080000000);
}

static void test_log_wordings(void **state)
{
	(void)state;
	/* Current (pr_fmt "virt/tdx: "), with the timestamp. */
	assert_int_equal(parse_s("[    8.366488] virt/tdx: CMR: [0x100000, 0x77800000)\n"
				 "[    9.124357] virt/tdx: 1050636 KB allocated for PAMT\n"), 0);
	expect_range(0, 0x100000, 0x77800000);
	assert_int_equal(L.linux_pamt_kb, 1050636);
	/* Pre-upstream "tdx: " prefix, no timestamp, the doc's "KBs". */
	assert_int_equal(parse_s("tdx: CMR: [0x100000, 0x80000000)\ntdx: CMR: [0x100000000, 0x880000000)\n"
				 "tdx: 262668 KBs allocated for PAMT"), 0);
	assert_int_equal(L.n, 2);
	expect_range(1, 0x100000000, 0x880000000);
	assert_int_equal(L.linux_pamt_kb, 262668);
	/* LX-old: the TDH.SYS.INFO era printed the CMRs under "TDX module:". */
	assert_int_equal(parse_s("[ 10.1] virt/tdx: TDX module: attributes 0x0, vendor_id 0x8086, "
				 "major_version 1, minor_version 0, build_date 20230206, build_num 457\n"
				 "[ 10.1] virt/tdx: CMR: [0x100000, 0x77800000)\n"
				 "CMR: [0x100000000, 0x6ffe000000)\n"), 0);
	assert_int_equal(L.n, 2);
	assert_false(L.has_linux_kb);
	/* A journal line, e820 and other lines around it. */
	assert_int_equal(parse_s("[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable\n"
				 "Mar 01 10:00:00 host kernel: virt/tdx: CMR: [0x100000, 0x77800000)\n"
				 "0x1 0x2 is not a range inside a log\n"
				 "[    1.4] virt/tdx: BIOS enabled: private KeyID range [64, 128)\n"), 0);
	assert_int_equal(L.n, 1);
	/* Decimal, blanks inside the brackets, "]" for ")". */
	assert_int_equal(parse_s("CMR: [ 1048576 ,2147483648 ]"), 0);
	expect_range(0, 1048576, 2147483648ull);
	/* Two boots in one log: the last listing and its own PAMT figure. */
	assert_int_equal(parse_s("CMR: [0x100000, 0x80000000)\nCMR: [0x100000000, 0x200000000)\n"
				 "4 KB allocated for PAMT\n"
				 "CMR: [0x100000, 0x70000000)\n"), 0);
	assert_int_equal(L.n, 1);
	expect_range(0, 0x100000, 0x70000000);
	assert_false(L.has_linux_kb);
	/* CRLF. */
	assert_int_equal(parse_s("virt/tdx: CMR: [0x100000, 0x77800000)\r\n"
				 "virt/tdx: 8 KB allocated for PAMT\r\n"), 0);
	assert_int_equal(L.linux_pamt_kb, 8);
}

static void test_plain_lists(void **state)
{
	(void)state;
	assert_int_equal(parse_s("# a host\n"
				 "0x100000 0x77800000\n"
				 "4294967296, 8589934592   # decimal, comma\n"
				 "\t0x300000000-0x400000000\n"
				 "[0x500000000, 0x600000000)\n"
				 "\n   \n"
				 "[   12.5] a log line: skipped\n"
				 "0x700000000\t0x800000000\r\n"), 0);
	assert_false(L.is_log);
	assert_int_equal(L.n, 5);
	assert_int_equal(L.line_of[0], 2);
	assert_int_equal(L.line_of[4], 9);
	expect_range(1, 4 * GiB, 8 * GiB);
	expect_range(2, 12 * GiB, 16 * GiB);
	expect_range(3, 20 * GiB, 24 * GiB);
	expect_range(4, 28 * GiB, 32 * GiB);
	/* Ranges come back as written: order is the planner's business. */
	assert_int_equal(parse_s("0x200000000 0x300000000\n0x100000 0x200000\n"), 0);
	expect_range(1, 0x100000, 0x200000);
	/* 64 ranges fit. */
	{
		static char big[64 * 32];
		size_t n = 0;

		for (unsigned i = 0; i < 64; i++)
			n += (size_t)snprintf(big + n, sizeof(big) - n, "%u %u\n", i * 8192, i * 8192 + 4096);
		assert_int_equal(parse(big, n), 0);
		assert_int_equal(L.n, 64);
		n += (size_t)snprintf(big + n, sizeof(big) - n, "1 2\n");
		assert_int_equal(parse(big, n), -1);
		assert_int_equal(L.line, 65);
		assert_non_null(strstr(L.why, "more than 64 ranges"));
	}
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("", 0, "no CMR lines or 'start end' ranges found");
	expect_error("[ 0.0] BIOS-e820: [mem 0x0-0x9ffff] usable\n", 0, "no CMR lines");
	expect_error("# nothing\n\n", 0, "no CMR lines");
	expect_error("x\nvirt/tdx: CMR: 0x100000, 0x77800000)\n", 2, "expected '['");
	expect_error("CMR: [0x100000 0x77800000)", 1, "expected ','");
	expect_error("CMR: [0x100000, 0x77800000\nCMR: [0x1, 0x2)", 1, "expected ')'");
	expect_error("CMR: [0x100000, 0x778g0000)", 1, "expected an end address");
	expect_error("CMR: [, 0x1)", 1, "expected a start address");
	expect_error("CMR: []", 1, "expected a start address");
	expect_error("CMR: [0x10000000000000000, 0x1)", 1, "start address too large");
	expect_error("CMR: [0x1, 18446744073709551616)", 1, "end address too large");
	expect_error("CMR: [0x2000, 0x1000)", 1, "ends at or before its start");
	expect_error("CMR: [0x2000, 0x2000)", 1, "ends at or before its start");
	expect_error("CMR: [0x1000, 0x2000)\n5 KB allocated for PAMT\nallocated for PAMT\n", 3,
		     "PAMT line without a KB figure");
	expect_error("0x1000 0x2000\n0x3000 0x4000\nhello world\n", 3, "expected 'start end'");
	expect_error("0x1000 0x2000 junk", 1, "unexpected text after the end address");
	expect_error("0x1000", 1, "expected an end address");
	expect_error("0x1000 -", 1, "expected an end address");
	expect_error("-0x1000 0x2000", 1, "expected 'start end'");
	expect_error("0x1000x 0x2000", 1, "expected a start address");
	expect_error("99999999999999999999 1", 1, "start address too large");
	expect_error("1 0xffffffffffffffffff", 1, "end address too large");
	expect_error("[0x1000, 0x2000", 1, "expected ')'");
	expect_error("0x1000 0x2000\r\n\r\nfoo\r\n", 3, "expected 'start end'");
	expect_error("0x3000 0x2000", 1, "ends at or before its start");
	/* Binary junk: NULs and bytes above 0x7f. */
	{
		static const char junk[] = "0x1000 0x2000\n\x7f" "ELF\x02\x01\x01\0\0\0\xff\xfe\n";

		assert_int_equal(parse(junk, sizeof(junk) - 1), -1);
		assert_int_equal(L.line, 2);
		assert_int_equal(parse("\0\0\0", 3), -1);
		assert_int_equal(L.line, 1);
	}
	/* In a log, junk lines are someone else's. */
	{
		static const char log[] = "\x01\x02\0\xff\nCMR: [0x1000, 0x2000)\n\xfe\xfe";

		assert_int_equal(parse(log, sizeof(log) - 1), 0);
		assert_int_equal(L.n, 1);
	}
	assert_int_equal(cmr_parse(NULL, 5, &L), -1);
}

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random bytes with pieces of real syntax mixed in. */
static void test_random_bytes(void **state)
{
	static const char *const pieces[] = { "CMR: [", "0x", "1000", ", ", ")", "]", "\n", "\r\n",
					      " ", "#", "KB allocated for PAMT", "[", "-", "ffff",
					      "18446744073709551615", "99999999999999999999",
					      "CMR: [0x1000, 0x2000)\n", "0x4000 0x5000\n" };
	uint64_t s = 88172645463325252ull;
	char buf[512];
	unsigned ok = 0;

	(void)state;
	for (unsigned iter = 0; iter < 20000; iter++) {
		size_t n = 0, want = rng(&s) % sizeof(buf);

		while (n < want) {
			if (rng(&s) % 4 == 0) {
				buf[n++] = (char)rng(&s);
			} else {
				const char *p = pieces[rng(&s) % (sizeof(pieces) / sizeof(pieces[0]))];
				size_t k = strlen(p);

				if (n + k > sizeof(buf))
					break;
				memcpy(buf + n, p, k);
				n += k;
			}
		}
		if (parse(buf, n) == 0) {
			assert_true(L.n >= 1 && L.n <= CMR_PARSE_MAX);
			for (unsigned i = 0; i < L.n; i++)
				assert_true(L.cmr[i].size > 0);
			ok++;
		} else {
			assert_true(L.why[0] != '\0');
		}
	}
	print_message("random inputs: %u of 20000 parsed\n", ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_logs),
		cmocka_unit_test(test_log_wordings),
		cmocka_unit_test(test_plain_lists),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
