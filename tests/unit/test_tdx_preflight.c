/* `tdx status` judgement on made-up platforms: every prerequisite that is
 * missing gives its own FAIL line naming the cause and the usual fix. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "seam/tdx_abi.h"
#include "seam/tdx_preflight.h"

static struct tdx_facts good(void)
{
	struct tdx_facts f = {
		.vmx_cpuid = true, .fc_ok = true, .feature_control = 0x5, .vmx_on = true,
		.mtrrcap_ok = true, .mtrrcap = 0xd0a | MTRRCAP_SEAMRR,
		.seamrr_ok = true, .seamrr_base = 0x7c000000 | SEAMRR_BASE_CONFIGURED,
		.seamrr_mask = 0xffffc000000ull | SEAMRR_MASK_LOCKED | SEAMRR_MASK_ENABLED,
		.keyid_ok = true, .keyid_partitioning = 31 | (32ull << 32),
		.x2apic = true, .xsave = true, .movdir64b = true,
		.seamldr_status = 0, .seamldr_major = 1, .seamldr_minor = 5,
		.seamldr_remaining = 32, .module_status = TDX_SYS_LP_INIT_NOT_DONE,
	};
	return f;
}

static const struct tdx_check *find(const struct tdx_check *c, const char *name)
{
	for (unsigned i = 0; i < TDX_NCHECKS; i++)
		if (!strcmp(c[i].name, name))
			return &c[i];
	fail_msg("no check %s", name);
	return NULL;
}

static void expect_fail(struct tdx_facts f, const char *name, const char *words)
{
	struct tdx_check c[TDX_NCHECKS];
	unsigned n = tdx_preflight_judge(&f, c);
	const struct tdx_check *k = find(c, name);
	assert_true(n >= 1);
	assert_int_equal(k->result, TDX_CHECK_FAIL);
	if (!strstr(k->text, words))
		fail_msg("%s: '%s' lacks '%s'", name, k->text, words);
}

static void test_all_pass(void **state)
{
	struct tdx_facts f = good();
	struct tdx_check c[TDX_NCHECKS];
	(void)state;
	assert_int_equal(tdx_preflight_judge(&f, c), 0);
	for (unsigned i = 0; i < TDX_NCHECKS; i++)
		assert_int_equal(c[i].result, TDX_CHECK_PASS);
	assert_non_null(strstr(find(c, "keyids")->text, "global KeyID 32, 31 for TDs"));
	assert_non_null(strstr(find(c, "seamldr")->text, "P-SEAMLDR 1.5.0, 32 module updates left"));
}

static void test_each_missing_prerequisite(void **state)
{
	struct tdx_facts f;
	(void)state;
	f = good(); f.vmx_cpuid = false;
	expect_fail(f, "vmx", "Virtualization Technology");
	f = good(); f.feature_control = 0x1;
	expect_fail(f, "vmx", "not locked on by firmware");
	f = good(); f.mtrrcap &= ~MTRRCAP_SEAMRR;
	expect_fail(f, "seamrr-support", "TME and TME-MT");
	f = good(); f.seamrr_mask &= ~SEAMRR_MASK_LOCKED;
	expect_fail(f, "seamrr", "not configured, enabled and locked");
	f = good(); f.keyid_partitioning = 63;
	expect_fail(f, "keyids", "0 TDX KeyIDs");
	f = good(); f.keyid_partitioning = 62 | (1ull << 32);
	expect_fail(f, "keyids", "at least 2");
	f = good(); f.movdir64b = false;
	expect_fail(f, "cpu-features", "missing MOVDIR64B");
	f = good(); f.movdir64b = false; f.emulated = true; f.x2apic = false;
	expect_fail(f, "cpu-features", "missing x2APIC MOVDIR64B");
	f = good(); f.seamldr_status = TDX_SEAMCALL_VMFAILINVALID;
	expect_fail(f, "seamldr", "SEAM loader");
	f = good(); f.module_status = TDX_SEAMCALL_VMFAILINVALID;
	expect_fail(f, "module", "\\EFI\\TDX\\");
	f = good(); f.module_status = TDX_SEAMCALL_UD;
	expect_fail(f, "module", "#UD");
}

static void test_emulation_waives_movdir64b(void **state)
{
	struct tdx_facts f = good();
	struct tdx_check c[TDX_NCHECKS];
	(void)state;
	f.movdir64b = false;
	f.emulated = true;
	assert_int_equal(tdx_preflight_judge(&f, c), 0);
	assert_non_null(strstr(find(c, "cpu-features")->text, "does not need"));
}

static void test_no_vmx_skips_seamcalls(void **state)
{
	struct tdx_facts f = good();
	struct tdx_check c[TDX_NCHECKS];
	(void)state;
	f.vmx_on = false;
	f.seamldr_status = TDX_SEAMCALL_UD;
	f.module_status = TDX_SEAMCALL_UD;
	assert_int_equal(tdx_preflight_judge(&f, c), 1);
	assert_int_equal(find(c, "seamldr")->result, TDX_CHECK_SKIP);
	assert_int_equal(find(c, "module")->result, TDX_CHECK_SKIP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_pass),
		cmocka_unit_test(test_each_missing_prerequisite),
		cmocka_unit_test(test_no_vmx_skips_seamcalls),
		cmocka_unit_test(test_emulation_waives_movdir64b),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
