/* Topology decoding from CPUID 0x1F/0xB levels, and the CPUID 0x15 TSC
 * frequency. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "kernel/time.h"
#include "kernel/topology.h"

static void test_smt_and_cores(void **state)
{
	/* 2 threads per core (shift 1), 32 cores per package (shift 6). */
	struct topo_level lv[] = { { 1, 1 }, { 2, 6 }, { 0, 0 } };
	(void)state;
	struct cpu_topo t = topo_decode(0x47, lv, 3);
	assert_int_equal(t.thread, 1);
	assert_int_equal(t.core, 3);
	assert_int_equal(t.package, 1);
	t = topo_decode(0, lv, 3);
	assert_int_equal(t.package, 0);
	assert_int_equal(t.core, 0);
}

static void test_die_level_counts_in_core(void **state)
{
	/* 0x1F with a die level: SMT 1 bit, core 4, die 6 bits. */
	struct topo_level lv[] = { { 1, 1 }, { 2, 4 }, { 5, 6 } };
	(void)state;
	struct cpu_topo t = topo_decode(0x95, lv, 3); /* 10 0101 01 */
	assert_int_equal(t.thread, 1);
	assert_int_equal(t.core, 0x0a);
	assert_int_equal(t.package, 2);
	assert_int_equal(t.pkg_shift, 6);
}

static void test_no_smt_level(void **state)
{
	/* Bochs tigerlake: CPUID 0xB sub-leaf 0 is type 1 shift 0, sub-leaf 1
	 * type 2 shift 2 (from its bochs.log CPUID dump). */
	struct topo_level lv[] = { { 1, 0 }, { 2, 2 }, { 0, 0 } };
	(void)state;
	struct cpu_topo t = topo_decode(3, lv, 3);
	assert_int_equal(t.thread, 0);
	assert_int_equal(t.core, 3);
	assert_int_equal(t.package, 0);
	t = topo_decode(5, lv, 3);
	assert_int_equal(t.package, 1);
	assert_int_equal(t.core, 1);
}

static void test_no_levels_and_bad_shifts(void **state)
{
	struct topo_level bad[] = { { 1, 40 }, { 2, 3 } };
	(void)state;
	struct cpu_topo t = topo_decode(7, NULL, 0);
	assert_int_equal(t.package, 7);
	assert_int_equal(t.core, 0);
	assert_int_equal(t.thread, 0);
	/* Shifts beyond 31 or going backwards must not shift by >= 32. */
	t = topo_decode(0xffffffffu, bad, 2);
	assert_true(t.smt_shift <= 31 && t.pkg_shift <= 31);
	assert_true(t.pkg_shift >= t.smt_shift);
}

static void test_tsc_cpuid15(void **state)
{
	(void)state;
	/* Bochs tigerlake: EAX 2, EBX 0x7e, ECX 38.4 MHz -> 2419.2 MHz. */
	assert_int_equal(tsc_hz_from_cpuid15(2, 0x7e, 38400000), 2419200000ull);
	assert_int_equal(tsc_hz_from_cpuid15(2, 0x7e, 0), 0);
	assert_int_equal(tsc_hz_from_cpuid15(0, 0x7e, 38400000), 0);
	assert_int_equal(tsc_hz_from_cpuid15(1, 0xffffffffu, 0xffffffffu),
			 0xfffffffe00000001ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smt_and_cores),
		cmocka_unit_test(test_die_level_counts_in_core),
		cmocka_unit_test(test_no_smt_level),
		cmocka_unit_test(test_no_levels_and_bad_shifts),
		cmocka_unit_test(test_tsc_cpuid15),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
