/* TDX status decoder and ABI header: every status code of tdx-abi.md
 * §1.4-§1.6 typed in from the document (value, name) against the header's
 * macro and the decoder; operand IDs (§1.3); detail formats (§1.3, §5.3);
 * every leaf name (§2.1, §2.2); P-SEAMLDR statuses (§8.1); retry classes
 * (§1.5); describe() with buffers of every size; and the ABI structure
 * layouts (§5, §8), whose static asserts run by including the header. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "seam/tdx_abi.h"
#include "seam/tdx_status.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- status names ------------------------------------------------------- */

static const struct {
	uint64_t macro, doc;	/* header value, value typed from the doc */
	const char *name;
} codes[] = {
	/* §1.4 */
	{ TDX_SUCCESS, 0, "TDX_SUCCESS" },
	{ TDX_ERROR, 0x8000000000000000ull, "TDX_ERROR" },
	{ TDX_NON_RECOVERABLE, 0x4000000000000000ull, "TDX_NON_RECOVERABLE" },
	{ TDX_SW_ERROR, 0x8000FF0000000000ull, "TDX_SW_ERROR" },
	{ TDX_SEAMCALL_VMFAILINVALID, 0x8000FF00FFFF0000ull, "TDX_SEAMCALL_VMFAILINVALID" },
	{ TDX_SEAMCALL_GP, 0x8000FF000000000Dull, "TDX_SEAMCALL_GP" },
	{ TDX_SEAMCALL_UD, 0x8000FF0000000006ull, "TDX_SEAMCALL_UD" },
	/* §1.5 */
	{ TDX_RND_NO_ENTROPY, 0x8000020300000000ull, "TDX_RND_NO_ENTROPY" },
	{ TDX_OPERAND_BUSY, 0x8000020000000000ull, "TDX_OPERAND_BUSY" },
	{ TDX_OPERAND_BUSY_HOST_PRIORITY, 0x8000020400000000ull, "TDX_OPERAND_BUSY_HOST_PRIORITY" },
	{ TDX_SYS_BUSY, 0x8000020200000000ull, "TDX_SYS_BUSY" },
	{ TDX_INTERRUPTED_RESUMABLE, 0x8000000300000000ull, "TDX_INTERRUPTED_RESUMABLE" },
	{ TDX_INTERRUPTED_RESTARTABLE, 0x8000000400000000ull, "TDX_INTERRUPTED_RESTARTABLE" },
	{ TDX_PREVIOUS_TLB_EPOCH_BUSY, 0x8000020100000000ull, "TDX_PREVIOUS_TLB_EPOCH_BUSY" },
	{ TDX_KEY_GENERATION_FAILED, 0x8000080000000000ull, "TDX_KEY_GENERATION_FAILED" },
	{ TDX_FLUSHVP_NOT_DONE, 0x8000082400000000ull, "TDX_FLUSHVP_NOT_DONE" },
	{ TDX_WBCACHE_NOT_COMPLETE, 0x8000081700000000ull, "TDX_WBCACHE_NOT_COMPLETE" },
	{ TDX_VCPU_ASSOCIATED, 0x8000070100000000ull, "TDX_VCPU_ASSOCIATED" },
	{ TDX_VCPU_NOT_ASSOCIATED, 0x8000070200000000ull, "TDX_VCPU_NOT_ASSOCIATED" },
	{ TDX_TD_KEYS_NOT_CONFIGURED, 0x8000081000000000ull, "TDX_TD_KEYS_NOT_CONFIGURED" },
	/* §1.6, left column then right column, row by row */
	{ TDX_NON_RECOVERABLE_VCPU, 0x4000000100000000ull, "TDX_NON_RECOVERABLE_VCPU" },
	{ TDX_OPERAND_INVALID, 0xC000010000000000ull, "TDX_OPERAND_INVALID" },
	{ TDX_NON_RECOVERABLE_TD, 0x6000000200000000ull, "TDX_NON_RECOVERABLE_TD" },
	{ TDX_OPERAND_ADDR_RANGE_ERROR, 0xC000010100000000ull, "TDX_OPERAND_ADDR_RANGE_ERROR" },
	{ TDX_NON_RECOVERABLE_TD_NON_ACCESSIBLE, 0x6000000500000000ull, "TDX_NON_RECOVERABLE_TD_NON_ACCESSIBLE" },
	{ TDX_PAGE_METADATA_INCORRECT, 0xC000030000000000ull, "TDX_PAGE_METADATA_INCORRECT" },
	{ TDX_NON_RECOVERABLE_TD_WRONG_APIC_MODE, 0xE000000700000000ull, "TDX_NON_RECOVERABLE_TD_WRONG_APIC_MODE" },
	{ TDX_PAGE_ALREADY_FREE, 0x0000030100000000ull, "TDX_PAGE_ALREADY_FREE" },
	{ TDX_NON_RECOVERABLE_TD_CORRUPTED_MD, 0x6000000A00000000ull, "TDX_NON_RECOVERABLE_TD_CORRUPTED_MD" },
	{ TDX_PAGE_NOT_OWNED_BY_TD, 0xC000030200000000ull, "TDX_PAGE_NOT_OWNED_BY_TD" },
	{ TDX_PAGE_NOT_FREE, 0xC000030300000000ull, "TDX_PAGE_NOT_FREE" },
	{ TDX_INVALID_RESUMPTION, 0xC000000600000000ull, "TDX_INVALID_RESUMPTION" },
	{ TDX_TD_ASSOCIATED_PAGES_EXIST, 0xC000040000000000ull, "TDX_TD_ASSOCIATED_PAGES_EXIST" },
	{ TDX_SYS_INIT_NOT_PENDING, 0xC000050000000000ull, "TDX_SYS_INIT_NOT_PENDING" },
	{ TDX_SYS_LP_INIT_NOT_DONE, 0xC000050200000000ull, "TDX_SYS_LP_INIT_NOT_DONE" },
	{ TDX_SYS_LP_INIT_DONE, 0xC000050300000000ull, "TDX_SYS_LP_INIT_DONE" },
	{ TDX_SYS_NOT_READY, 0xC000050500000000ull, "TDX_SYS_NOT_READY" },
	{ TDX_SYS_SHUTDOWN, 0xC000050600000000ull, "TDX_SYS_SHUTDOWN" },
	{ TDX_SYS_KEY_CONFIG_NOT_PENDING, 0xC000050700000000ull, "TDX_SYS_KEY_CONFIG_NOT_PENDING" },
	{ TDX_SYS_STATE_INCORRECT, 0xC000050800000000ull, "TDX_SYS_STATE_INCORRECT" },
	{ TDX_SYS_INVALID_HANDOFF, 0xC000050900000000ull, "TDX_SYS_INVALID_HANDOFF" },
	{ TDX_SYS_LP_INIT_NOT_PENDING, 0xC000050B00000000ull, "TDX_SYS_LP_INIT_NOT_PENDING" },
	{ TDX_SYS_CONFIG_NOT_PENDING, 0xC000050C00000000ull, "TDX_SYS_CONFIG_NOT_PENDING" },
	{ TDX_INCOMPATIBLE_SEAM_CAPABILITIES, 0xC000050D00000000ull, "TDX_INCOMPATIBLE_SEAM_CAPABILITIES" },
	{ TDX_TD_FATAL, 0xE000060400000000ull, "TDX_TD_FATAL" },
	{ TDX_TD_NON_DEBUG, 0xC000060500000000ull, "TDX_TD_NON_DEBUG" },
	{ TDX_TDCS_NOT_ALLOCATED, 0xC000060600000000ull, "TDX_TDCS_NOT_ALLOCATED" },
	{ TDX_LIFECYCLE_STATE_INCORRECT, 0xC000060700000000ull, "TDX_LIFECYCLE_STATE_INCORRECT" },
	{ TDX_OP_STATE_INCORRECT, 0xC000060800000000ull, "TDX_OP_STATE_INCORRECT" },
	{ TDX_NO_VCPUS, 0xC000060900000000ull, "TDX_NO_VCPUS" },
	{ TDX_TDCX_NUM_INCORRECT, 0xC000061000000000ull, "TDX_TDCX_NUM_INCORRECT" },
	{ TDX_VCPU_STATE_INCORRECT, 0xC000070000000000ull, "TDX_VCPU_STATE_INCORRECT" },
	{ TDX_MAX_VCPUS_EXCEEDED, 0xC000070500000000ull, "TDX_MAX_VCPUS_EXCEEDED" },
	{ TDX_TSC_ROLLBACK, 0xC000070600000000ull, "TDX_TSC_ROLLBACK" },
	{ TDX_KEY_STATE_INCORRECT, 0xC000081100000000ull, "TDX_KEY_STATE_INCORRECT" },
	{ TDX_KEY_CONFIGURED, 0x0000081500000000ull, "TDX_KEY_CONFIGURED" },
	{ TDX_HKID_NOT_FREE, 0xC000082000000000ull, "TDX_HKID_NOT_FREE" },
	{ TDX_NO_HKID_READY_TO_WBCACHE, 0x0000082100000000ull, "TDX_NO_HKID_READY_TO_WBCACHE" },
	{ TDX_WBCACHE_RESUME_ERROR, 0xC000082300000000ull, "TDX_WBCACHE_RESUME_ERROR" },
	{ TDX_NUM_ACTIVATED_HKIDS_NOT_SUPPORTED, 0xC000082500000000ull, "TDX_NUM_ACTIVATED_HKIDS_NOT_SUPPORTED" },
	{ TDX_INCORRECT_CPUID_VALUE, 0xC000090000000000ull, "TDX_INCORRECT_CPUID_VALUE" },
	{ TDX_LIMIT_CPUID_MAXVAL_SET, 0xC000090100000000ull, "TDX_LIMIT_CPUID_MAXVAL_SET" },
	{ TDX_INCONSISTENT_CPUID_FIELD, 0xC000090200000000ull, "TDX_INCONSISTENT_CPUID_FIELD" },
	{ TDX_SMRR_NOT_LOCKED, 0xC000091000000000ull, "TDX_SMRR_NOT_LOCKED" },
	{ TDX_INVALID_SMRR_CONFIGURATION, 0xC000091100000000ull, "TDX_INVALID_SMRR_CONFIGURATION" },
	{ TDX_SMRR_OVERLAPS_CMR, 0xC000091200000000ull, "TDX_SMRR_OVERLAPS_CMR" },
	{ TDX_SMRR_LOCK_NOT_SUPPORTED, 0xC000091300000000ull, "TDX_SMRR_LOCK_NOT_SUPPORTED" },
	{ TDX_SMRR_NOT_SUPPORTED, 0xC000091400000000ull, "TDX_SMRR_NOT_SUPPORTED" },
	{ TDX_INCONSISTENT_MSR, 0xC000092000000000ull, "TDX_INCONSISTENT_MSR" },
	{ TDX_INCORRECT_MSR_VALUE, 0xC000092100000000ull, "TDX_INCORRECT_MSR_VALUE" },
	{ TDX_INVALID_TDMR, 0xC0000A0000000000ull, "TDX_INVALID_TDMR" },
	{ TDX_NON_ORDERED_TDMR, 0xC0000A0100000000ull, "TDX_NON_ORDERED_TDMR" },
	{ TDX_TDMR_OUTSIDE_CMRS, 0xC0000A0200000000ull, "TDX_TDMR_OUTSIDE_CMRS" },
	{ TDX_TDMR_ALREADY_INITIALIZED, 0x00000A0300000000ull, "TDX_TDMR_ALREADY_INITIALIZED" },
	{ TDX_INVALID_PAMT, 0xC0000A1000000000ull, "TDX_INVALID_PAMT" },
	{ TDX_PAMT_OUTSIDE_CMRS, 0xC0000A1100000000ull, "TDX_PAMT_OUTSIDE_CMRS" },
	{ TDX_PAMT_OVERLAP, 0xC0000A1200000000ull, "TDX_PAMT_OVERLAP" },
	{ TDX_INVALID_RESERVED_IN_TDMR, 0xC0000A2000000000ull, "TDX_INVALID_RESERVED_IN_TDMR" },
	{ TDX_NON_ORDERED_RESERVED_IN_TDMR, 0xC0000A2100000000ull, "TDX_NON_ORDERED_RESERVED_IN_TDMR" },
	{ TDX_CMR_LIST_INVALID, 0xC0000A2200000000ull, "TDX_CMR_LIST_INVALID" },
	{ TDX_EPT_WALK_FAILED, 0xC0000B0000000000ull, "TDX_EPT_WALK_FAILED" },
	{ TDX_EPT_ENTRY_FREE, 0xC0000B0100000000ull, "TDX_EPT_ENTRY_FREE" },
	{ TDX_EPT_ENTRY_NOT_FREE, 0xC0000B0200000000ull, "TDX_EPT_ENTRY_NOT_FREE" },
	{ TDX_EPT_ENTRY_NOT_PRESENT, 0xC0000B0300000000ull, "TDX_EPT_ENTRY_NOT_PRESENT" },
	{ TDX_EPT_ENTRY_NOT_LEAF, 0xC0000B0400000000ull, "TDX_EPT_ENTRY_NOT_LEAF" },
	{ TDX_EPT_ENTRY_LEAF, 0xC0000B0500000000ull, "TDX_EPT_ENTRY_LEAF" },
	{ TDX_GPA_RANGE_NOT_BLOCKED, 0xC0000B0600000000ull, "TDX_GPA_RANGE_NOT_BLOCKED" },
	{ TDX_GPA_RANGE_ALREADY_BLOCKED, 0x00000B0700000000ull, "TDX_GPA_RANGE_ALREADY_BLOCKED" },
	{ TDX_TLB_TRACKING_NOT_DONE, 0xC0000B0800000000ull, "TDX_TLB_TRACKING_NOT_DONE" },
	{ TDX_PAGE_ALREADY_ACCEPTED, 0x00000B0A00000000ull, "TDX_PAGE_ALREADY_ACCEPTED" },
	{ TDX_PAGE_SIZE_MISMATCH, 0xC0000B0B00000000ull, "TDX_PAGE_SIZE_MISMATCH" },
	{ TDX_EPT_ENTRY_STATE_INCORRECT, 0xC0000B0D00000000ull, "TDX_EPT_ENTRY_STATE_INCORRECT" },
	{ TDX_METADATA_FIELD_ID_INCORRECT, 0xC0000C0000000000ull, "TDX_METADATA_FIELD_ID_INCORRECT" },
	{ TDX_METADATA_FIELD_NOT_WRITABLE, 0xC0000C0100000000ull, "TDX_METADATA_FIELD_NOT_WRITABLE" },
	{ TDX_METADATA_FIELD_NOT_READABLE, 0xC0000C0200000000ull, "TDX_METADATA_FIELD_NOT_READABLE" },
	{ TDX_METADATA_FIELD_VALUE_NOT_VALID, 0xC0000C0300000000ull, "TDX_METADATA_FIELD_VALUE_NOT_VALID" },
	{ TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT, 0x00000C0B00000000ull, "TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT" },
	{ TDX_PENDING_INTERRUPT, 0x0000112000000000ull, "TDX_PENDING_INTERRUPT" },
};

static int is_sw_whole(uint64_t v)
{
	return v == TDX_SEAMCALL_VMFAILINVALID || v == TDX_SEAMCALL_GP ||
	       v == TDX_SEAMCALL_UD;
}

static void test_status_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(codes); i++) {
		assert_int_equal(codes[i].macro, codes[i].doc);
		assert_string_equal(tdx_status_name(codes[i].doc), codes[i].name);
		/* Module codes ignore bits 31:0; every value has one name. */
		if (!is_sw_whole(codes[i].doc))
			assert_string_equal(tdx_status_name(codes[i].doc | 0x1234),
					    codes[i].name);
		for (size_t j = 0; j < i; j++)
			assert_true(codes[j].doc != codes[i].doc);
	}
}

static void test_sw_and_unknown(void **state)
{
	(void)state;
	/* The software values compare whole; other class-0xFF values with
	 * bits 39:32 = 0 are TDX_SW_ERROR. */
	assert_string_equal(tdx_status_name(TDX_SEAMCALL_VMFAILINVALID + 1), "TDX_SW_ERROR");
	assert_string_equal(tdx_status_name(TDX_SW_ERROR | 14), "TDX_SW_ERROR");
	assert_string_equal(tdx_status_name(0xC0000AFF00000000ull), "unknown status (class 0x0a)");
	assert_string_equal(tdx_status_name(0x8000330000000000ull), "unknown status (class 0x33)");
	assert_string_equal(tdx_status_name(0x8000FF0100000000ull), "unknown status (class 0xff)");
	assert_string_equal(tdx_status_name(0x0000001000000000ull), "unknown status (class 0x00)");
	/* The doc's §1.6 [CONFLICT]s: the LX values are not ours. */
	assert_string_equal(tdx_status_name(0x4000000200000000ull), "unknown status (class 0x00)");
	assert_string_equal(tdx_status_name(0x6000000700000000ull), "unknown status (class 0x00)");
}

/* ---- operands ----------------------------------------------------------- */

static const struct {
	unsigned id;
	const char *name;
} ops[] = {	/* §1.3 */
	{ 0, "RAX" }, { 1, "RCX" }, { 2, "RDX" }, { 3, "RBX" }, { 5, "RBP" },
	{ 6, "RSI" }, { 7, "RDI" }, { 8, "R8" }, { 9, "R9" }, { 10, "R10" },
	{ 11, "R11" }, { 12, "R12" }, { 13, "R13" }, { 14, "R14" }, { 15, "R15" },
	{ 64, "ATTRIBUTES" }, { 65, "XFAM" }, { 66, "EXEC_CONTROLS" },
	{ 67, "EPTP_CONTROLS" }, { 68, "MAX_VCPUS" }, { 69, "CPUID_CONFIG" },
	{ 70, "TSC_FREQUENCY" }, { 71, "NUM_L2_VMS" },
	{ 72, "IA32_ARCH_CAPABILITIES_CONFIG" }, { 95, "PAGE" },
	{ 96, "TDMR_INFO_PA" }, { 97, "GPA_LIST_ENTRY" },
	{ 98, "MIG_BUFF_LIST_ENTRY" }, { 99, "NEW_PAGE_LIST_ENTRY" },
	{ 0x80, "TDR" }, { 129, "TDCX" }, { 130, "TDVPR" }, { 132, "REG_PAGE" },
	{ 144, "TDCS" }, { 145, "TDVPS" }, { 0x92, "SEPT_TREE" },
	{ 147, "SEPT_ENTRY" }, { 168, "RTMR" }, { 0xA9, "TD_EPOCH" },
	{ 170, "L2_VAPIC_GPA" }, { 171, "MIGSC" }, { 172, "OP_STATE" },
	{ 173, "MIG" }, { 174, "SERVTD_BINDINGS" }, { 176, "METADATA_FIELD" },
	{ 184, "SYS" }, { 185, "TDMR" }, { 186, "KOT" }, { 187, "KET" },
	{ 188, "WBCACHE" },
};

static void test_operands(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(ops); i++)
		assert_string_equal(tdx_operand_name(ops[i].id), ops[i].name);
	assert_int_equal(TDX_OPERAND_ID_R15, 15);
	assert_int_equal(TDX_OPERAND_ID_SEPT_TREE, 146);
	assert_int_equal(TDX_OPERAND_ID_WBCACHE, 188);
	assert_null(tdx_operand_name(4));	/* RSP is never an operand */
	assert_null(tdx_operand_name(16));
	assert_null(tdx_operand_name(131));
	assert_null(tdx_operand_name(189));
	assert_null(tdx_operand_name(0x100 + 1));
}

/* ---- describe ----------------------------------------------------------- */

static void check_describe(uint64_t status, const char *want)
{
	char buf[128];

	assert_int_equal(tdx_status_describe(status, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
}

static void test_describe_formats(void **state)
{
	(void)state;
	check_describe(0, "TDX_SUCCESS (0x0000000000000000)");
	check_describe(TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX,
		       "TDX_OPERAND_INVALID (0xc000010000000001) operand RCX");
	check_describe(TDX_OPERAND_INVALID, "TDX_OPERAND_INVALID (0xc000010000000000) operand RAX");
	check_describe(TDX_OPERAND_BUSY | TDX_OPERAND_ID_KET,
		       "TDX_OPERAND_BUSY (0x80000200000000bb) operand KET");
	check_describe(TDX_OPERAND_BUSY_HOST_PRIORITY | TDX_OPERAND_ID_SEPT_TREE,
		       "TDX_OPERAND_BUSY_HOST_PRIORITY (0x8000020400000092) operand SEPT_TREE");
	check_describe(TDX_OPERAND_ADDR_RANGE_ERROR | 0x77,
		       "TDX_OPERAND_ADDR_RANGE_ERROR (0xc000010100000077) operand 0x77");
	/* §5.3 packed bytes: tdmr | page size << 8 | other tdmr << 16. */
	check_describe(TDX_INVALID_PAMT | 2,
		       "TDX_INVALID_PAMT (0xc0000a1000000002) tdmr 2 page-size 4K");
	check_describe(TDX_PAMT_OUTSIDE_CMRS | 0x0201,
		       "TDX_PAMT_OUTSIDE_CMRS (0xc0000a1100000201) tdmr 1 page-size 1G");
	check_describe(TDX_PAMT_OVERLAP | 0x030102,
		       "TDX_PAMT_OVERLAP (0xc0000a1200030102) tdmr 2 page-size 2M other-tdmr 3");
	check_describe(TDX_INVALID_PAMT | 0x0907,
		       "TDX_INVALID_PAMT (0xc0000a1000000907) tdmr 7 page-size 9");
	check_describe(TDX_INVALID_RESERVED_IN_TDMR | 0x0501,
		       "TDX_INVALID_RESERVED_IN_TDMR (0xc0000a2000000501) tdmr 1 area 5");
	check_describe(TDX_NON_ORDERED_RESERVED_IN_TDMR | 0x0f3f,
		       "TDX_NON_ORDERED_RESERVED_IN_TDMR (0xc0000a2100000f3f) tdmr 63 area 15");
	check_describe(TDX_INVALID_TDMR | 7, "TDX_INVALID_TDMR (0xc0000a0000000007) tdmr 7");
	check_describe(TDX_NON_ORDERED_TDMR | 1, "TDX_NON_ORDERED_TDMR (0xc0000a0100000001) tdmr 1");
	check_describe(TDX_TDMR_OUTSIDE_CMRS, "TDX_TDMR_OUTSIDE_CMRS (0xc0000a0200000000) tdmr 0");
	/* §1.3 MSR examples. */
	check_describe(0xC000092100000122ull,
		       "TDX_INCORRECT_MSR_VALUE (0xc000092100000122) msr 0x122");
	check_describe(0xC00009200000003Bull,
		       "TDX_INCONSISTENT_MSR (0xc00009200000003b) msr 0x3b");
	/* TD exits (§6.6): VM-exit reason in 31:0. */
	check_describe(48, "TDX_SUCCESS (0x0000000000000030) exit-reason 48");
	check_describe(TDX_NON_RECOVERABLE_TD | 0x80000021u,
		       "TDX_NON_RECOVERABLE_TD (0x6000000280000021) exit-reason 33 entry-failure");
	/* Codes without a known format show nonzero bits in hex. */
	check_describe(TDX_SYS_NOT_READY, "TDX_SYS_NOT_READY (0xc000050500000000)");
	check_describe(TDX_PAGE_METADATA_INCORRECT | 1,
		       "TDX_PAGE_METADATA_INCORRECT (0xc000030000000001) detail 0x1");
	check_describe(TDX_SEAMCALL_VMFAILINVALID,
		       "TDX_SEAMCALL_VMFAILINVALID (0x8000ff00ffff0000)");
	check_describe(TDX_SEAMCALL_GP, "TDX_SEAMCALL_GP (0x8000ff000000000d)");
	check_describe(0xC0001A00DEADBEEFull,
		       "unknown status (class 0x1a) (0xc0001a00deadbeef) detail 0xdeadbeef");
	check_describe(~0ull, "unknown status (class 0xff) (0xffffffffffffffff) detail 0xffffffff");
}

/* Every buffer size from 0 to past the line: the return value is always
 * the whole length, the output a NUL-terminated prefix, and nothing is
 * written past len (ASan guards the exact-size heap buffer). */
static void test_describe_truncation(void **state)
{
	static const uint64_t samples[] = {
		0, TDX_PAMT_OVERLAP | 0x030102, TDX_OPERAND_INVALID | 0x92,
		0xC0001A00DEADBEEFull, TDX_SEAMCALL_UD, TDX_INCONSISTENT_MSR | 0x3b,
	};
	char full[128];

	(void)state;
	for (size_t s = 0; s < N(samples); s++) {
		size_t n = tdx_status_describe(samples[s], full, sizeof(full));

		assert_true(n > 0 && n < sizeof(full));
		assert_int_equal(strlen(full), n);
		assert_int_equal(tdx_status_describe(samples[s], NULL, 0), n);
		for (size_t len = 1; len <= n + 2; len++) {
			char *buf = malloc(len);

			assert_non_null(buf);
			memset(buf, 'X', len);
			assert_int_equal(tdx_status_describe(samples[s], buf, len), n);
			size_t got = len - 1 < n ? len - 1 : n;
			assert_int_equal(strlen(buf), got);
			assert_memory_equal(buf, full, got);
			free(buf);
		}
	}
}

/* ---- leaves ------------------------------------------------------------- */

static const struct {
	unsigned value, doc;
	const char *name;
} leaves[] = {	/* §2.1 */
	{ TDH_VP_ENTER, 0, "TDH.VP.ENTER" }, { TDH_MNG_ADDCX, 1, "TDH.MNG.ADDCX" },
	{ TDH_MEM_PAGE_ADD, 2, "TDH.MEM.PAGE.ADD" }, { TDH_MEM_SEPT_ADD, 3, "TDH.MEM.SEPT.ADD" },
	{ TDH_VP_ADDCX, 4, "TDH.VP.ADDCX" }, { TDH_MEM_PAGE_RELOCATE, 5, "TDH.MEM.PAGE.RELOCATE" },
	{ TDH_MEM_PAGE_AUG, 6, "TDH.MEM.PAGE.AUG" }, { TDH_MEM_RANGE_BLOCK, 7, "TDH.MEM.RANGE.BLOCK" },
	{ TDH_MNG_KEY_CONFIG, 8, "TDH.MNG.KEY.CONFIG" }, { TDH_MNG_CREATE, 9, "TDH.MNG.CREATE" },
	{ TDH_VP_CREATE, 10, "TDH.VP.CREATE" }, { TDH_MNG_RD, 11, "TDH.MNG.RD" },
	{ TDH_MEM_RD, 12, "TDH.MEM.RD" }, { TDH_MNG_WR, 13, "TDH.MNG.WR" },
	{ TDH_MEM_WR, 14, "TDH.MEM.WR" }, { TDH_MEM_PAGE_DEMOTE, 15, "TDH.MEM.PAGE.DEMOTE" },
	{ TDH_MR_EXTEND, 16, "TDH.MR.EXTEND" }, { TDH_MR_FINALIZE, 17, "TDH.MR.FINALIZE" },
	{ TDH_VP_FLUSH, 18, "TDH.VP.FLUSH" }, { TDH_MNG_VPFLUSHDONE, 19, "TDH.MNG.VPFLUSHDONE" },
	{ TDH_MNG_KEY_FREEID, 20, "TDH.MNG.KEY.FREEID" }, { TDH_MNG_INIT, 21, "TDH.MNG.INIT" },
	{ TDH_VP_INIT, 22, "TDH.VP.INIT" }, { TDH_MEM_PAGE_PROMOTE, 23, "TDH.MEM.PAGE.PROMOTE" },
	{ TDH_PHYMEM_PAGE_RDMD, 24, "TDH.PHYMEM.PAGE.RDMD" }, { TDH_MEM_SEPT_RD, 25, "TDH.MEM.SEPT.RD" },
	{ TDH_VP_RD, 26, "TDH.VP.RD" }, { TDH_MNG_KEY_RECLAIMID, 27, "TDH.MNG.KEY.RECLAIMID" },
	{ TDH_PHYMEM_PAGE_RECLAIM, 28, "TDH.PHYMEM.PAGE.RECLAIM" },
	{ TDH_MEM_PAGE_REMOVE, 29, "TDH.MEM.PAGE.REMOVE" },
	{ TDH_MEM_SEPT_REMOVE, 30, "TDH.MEM.SEPT.REMOVE" },
	{ TDH_SYS_KEY_CONFIG, 31, "TDH.SYS.KEY.CONFIG" }, { TDH_SYS_INFO, 32, "TDH.SYS.INFO" },
	{ TDH_SYS_INIT, 33, "TDH.SYS.INIT" }, { TDH_SYS_RD, 34, "TDH.SYS.RD" },
	{ TDH_SYS_LP_INIT, 35, "TDH.SYS.LP.INIT" }, { TDH_SYS_TDMR_INIT, 36, "TDH.SYS.TDMR.INIT" },
	{ TDH_SYS_RDALL, 37, "TDH.SYS.RDALL" }, { TDH_MEM_TRACK, 38, "TDH.MEM.TRACK" },
	{ TDH_MEM_RANGE_UNBLOCK, 39, "TDH.MEM.RANGE.UNBLOCK" },
	{ TDH_PHYMEM_CACHE_WB, 40, "TDH.PHYMEM.CACHE.WB" },
	{ TDH_PHYMEM_PAGE_WBINVD, 41, "TDH.PHYMEM.PAGE.WBINVD" },
	{ TDH_MEM_SEPT_WR, 42, "TDH.MEM.SEPT.WR" }, { TDH_VP_WR, 43, "TDH.VP.WR" },
	{ TDH_SYS_LP_SHUTDOWN, 44, "TDH.SYS.LP.SHUTDOWN" }, { TDH_SYS_CONFIG, 45, "TDH.SYS.CONFIG" },
	{ TDH_SERVTD_BIND, 48, "TDH.SERVTD.BIND" }, { TDH_SERVTD_PREBIND, 49, "TDH.SERVTD.PREBIND" },
	{ TDH_SYS_SHUTDOWN, 52, "TDH.SYS.SHUTDOWN" }, { TDH_SYS_UPDATE, 53, "TDH.SYS.UPDATE" },
	{ TDH_PHYMEM_PAMT_ADD, 58, "TDH.PHYMEM.PAMT.ADD" },
	{ TDH_PHYMEM_PAMT_REMOVE, 59, "TDH.PHYMEM.PAMT.REMOVE" },
	{ TDH_EXT_INIT, 60, "TDH.EXT.INIT" }, { TDH_EXT_MEM_ADD, 61, "TDH.EXT.MEM.ADD" },
	{ TDH_EXPORT_ABORT, 64, "TDH.EXPORT.ABORT" }, { TDH_EXPORT_BLOCKW, 65, "TDH.EXPORT.BLOCKW" },
	{ TDH_EXPORT_RESTORE, 66, "TDH.EXPORT.RESTORE" }, { TDH_EXPORT_MEM, 68, "TDH.EXPORT.MEM" },
	{ TDH_SYS_DISABLE, 69, "TDH.SYS.DISABLE" }, { TDH_EXPORT_PAUSE, 70, "TDH.EXPORT.PAUSE" },
	{ TDH_EXPORT_TRACK, 71, "TDH.EXPORT.TRACK" },
	{ TDH_EXPORT_STATE_IMMUTABLE, 72, "TDH.EXPORT.STATE.IMMUTABLE" },
	{ TDH_EXPORT_STATE_TD, 73, "TDH.EXPORT.STATE.TD" },
	{ TDH_EXPORT_STATE_VP, 74, "TDH.EXPORT.STATE.VP" },
	{ TDH_EXPORT_UNBLOCKW, 75, "TDH.EXPORT.UNBLOCKW" },
	{ TDH_IMPORT_ABORT, 80, "TDH.IMPORT.ABORT" }, { TDH_IMPORT_END, 81, "TDH.IMPORT.END" },
	{ TDH_IMPORT_COMMIT, 82, "TDH.IMPORT.COMMIT" }, { TDH_IMPORT_MEM, 83, "TDH.IMPORT.MEM" },
	{ TDH_IMPORT_TRACK, 84, "TDH.IMPORT.TRACK" },
	{ TDH_IMPORT_STATE_IMMUTABLE, 85, "TDH.IMPORT.STATE.IMMUTABLE" },
	{ TDH_IMPORT_STATE_TD, 86, "TDH.IMPORT.STATE.TD" },
	{ TDH_IMPORT_STATE_VP, 87, "TDH.IMPORT.STATE.VP" },
	{ TDH_MIG_STREAM_CREATE, 96, "TDH.MIG.STREAM.CREATE" },
	{ TDH_MEM_SHARED_SEPT_WR, 163, "TDH.MEM.SHARED.SEPT.WR" },
	{ TDDEBUGCONFIG, 0xFE, "TDDEBUGCONFIG" },
};

static void test_leaf_names(void **state)
{
	unsigned named = 0;

	(void)state;
	for (size_t i = 0; i < N(leaves); i++) {
		assert_int_equal(leaves[i].value, leaves[i].doc);
		assert_string_equal(tdx_leaf_name(leaves[i].doc), leaves[i].name);
		/* The version byte does not change the leaf (§1.2). */
		assert_string_equal(tdx_leaf_name(TDX_RAX(leaves[i].doc, 1)), leaves[i].name);
	}
	for (unsigned l = 0; l < 0x10000; l++)
		named += tdx_leaf_name(l) != NULL;
	assert_int_equal(named, N(leaves));
	assert_null(tdx_leaf_name(46));
	assert_null(tdx_leaf_name(TDH_SYS_INIT | (1ull << 24)));	/* 63:24 */
	assert_null(tdx_leaf_name(TDH_SYS_INIT | (1ull << 62)));

	assert_string_equal(tdx_leaf_name(0x8000000000000000ull), "SEAMLDR.INFO");
	assert_string_equal(tdx_leaf_name(0x8000000000000001ull), "SEAMLDR.INSTALL");
	assert_string_equal(tdx_leaf_name(0x8000000000000002ull), "SEAMLDR.SHUTDOWN");
	assert_string_equal(tdx_leaf_name(0x8000000000000003ull), "SEAMLDR.SEAMINFO");
	assert_string_equal(tdx_leaf_name(0x8000000000000004ull), "SEAMLDR.CLEANUP");
	assert_string_equal(tdx_leaf_name(0x80000000000000FEull), "SEAMLDR.TDDEBUGCONFIG");
	assert_null(tdx_leaf_name(0x8000000000000005ull));
	assert_null(tdx_leaf_name(0x8000000000010000ull));

	/* §7.1 guest leaves. */
	assert_int_equal(TDG_VP_VMCALL, 0);
	assert_int_equal(TDG_MR_REPORT, 4);
	assert_int_equal(TDG_MEM_PAGE_ACCEPT, 6);
	assert_int_equal(TDG_VM_WR, 8);
	assert_int_equal(TDG_SYS_RDALL, 12);
	assert_int_equal(TDG_SERVTD_WR, 20);
	assert_int_equal(TDG_VP_INVVPID, 27);
}

/* ---- P-SEAMLDR ---------------------------------------------------------- */

static void test_seamldr(void **state)
{
	static const struct {
		uint64_t macro, doc;
		const char *name;
	} st[] = {	/* §8.1 */
		{ SEAMLDR_SUCCESS, 0, "SEAMLDR_SUCCESS" },
		{ SEAMLDR_EBADPARAM, 0x8000000000000000ull, "SEAMLDR_EBADPARAM" },
		{ SEAMLDR_EBADCALL, 0x8000000000000003ull, "SEAMLDR_EBADCALL" },
		{ SEAMLDR_EBADHANDOFF, 0x8000000000000004ull, "SEAMLDR_EBADHANDOFF" },
		{ SEAMLDR_ECLEANUPREQ, 0x8000000000000005ull, "SEAMLDR_ECLEANUPREQ" },
		{ SEAMLDR_EUNSUPPORTED, 0x8000000000000006ull, "SEAMLDR_EUNSUPPORTED" },
		{ SEAMLDR_ENOMEM, 0x8000000000010002ull, "SEAMLDR_ENOMEM" },
		{ SEAMLDR_EUNSPECERR, 0x8000000000010003ull, "SEAMLDR_EUNSPECERR" },
		{ SEAMLDR_EUNSUPCPU, 0x8000000000010004ull, "SEAMLDR_EUNSUPCPU" },
		{ SEAMLDR_EBADSIG, 0x8000000000020000ull, "SEAMLDR_EBADSIG" },
		{ SEAMLDR_EBADHASH, 0x8000000000020001ull, "SEAMLDR_EBADHASH" },
		{ SEAMLDR_EINTERRUPT, 0x8000000000030000ull, "SEAMLDR_EINTERRUPT" },
		{ SEAMLDR_ENOENTROPY, 0x8000000000030001ull, "SEAMLDR_ENOENTROPY" },
	};

	(void)state;
	for (size_t i = 0; i < N(st); i++) {
		assert_int_equal(st[i].macro, st[i].doc);
		assert_string_equal(seamldr_status_name(st[i].doc), st[i].name);
	}
	/* P-SEAMLDR busy on another LP looks like VMfailInvalid (§8.1). */
	assert_string_equal(seamldr_status_name(TDX_SEAMCALL_VMFAILINVALID),
			    "TDX_SEAMCALL_VMFAILINVALID");
	assert_string_equal(seamldr_status_name(TDX_SEAMCALL_UD), "TDX_SEAMCALL_UD");
	assert_string_equal(seamldr_status_name(0x8000000000000001ull), "unknown SEAMLDR status");
	assert_int_equal(SEAMLDR_INFO, 0x8000000000000000ull);
	assert_int_equal(SEAMLDR_INSTALL, 0x8000000000000001ull);
	assert_int_equal(SEAMLDR_SHUTDOWN, 0x8000000000000002ull);
	assert_int_equal(SEAMLDR_SEAMINFO, 0x8000000000000003ull);
	assert_int_equal(SEAMLDR_CLEANUP, 0x8000000000000004ull);
}

/* ---- retry classes (§1.5) ----------------------------------------------- */

static void test_retry(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(codes); i++) {
		uint64_t v = codes[i].doc;
		enum tdx_retry want = TDX_RETRY_NONE;

		if (v == TDX_OPERAND_BUSY || v == TDX_OPERAND_BUSY_HOST_PRIORITY ||
		    v == TDX_SYS_BUSY)
			want = TDX_RETRY_BUSY;
		else if (v == TDX_RND_NO_ENTROPY || v == TDX_KEY_GENERATION_FAILED)
			want = TDX_RETRY_ENTROPY;
		else if (v == TDX_INTERRUPTED_RESUMABLE)
			want = TDX_RETRY_RESUME;
		assert_int_equal(tdx_status_retry_class(v), want);
	}
	assert_int_equal(tdx_status_retry_class(TDX_OPERAND_BUSY | TDX_OPERAND_ID_SEPT_TREE),
			 TDX_RETRY_BUSY);
	assert_int_equal(tdx_status_retry_class(TDX_OPERAND_BUSY_HOST_PRIORITY | 1), TDX_RETRY_BUSY);
	assert_int_equal(tdx_status_retry_class(0x8000029900000000ull), TDX_RETRY_NONE);
}

/* ---- header helpers and layouts ----------------------------------------- */

static void test_header_helpers(void **state)
{
	static const uint8_t seamcall[] = { TDX_SEAMCALL_BYTES };
	static const uint8_t tdcall[] = { TDX_TDCALL_BYTES };
	uint32_t u;

	(void)state;
	assert_memory_equal(seamcall, "\x66\x0f\x01\xcf", 4);
	assert_memory_equal(tdcall, "\x66\x0f\x01\xcc", 4);
	memcpy(&u, seamcall, 4);
	assert_int_equal(u, TDX_SEAMCALL_U32);
	memcpy(&u, tdcall, 4);
	assert_int_equal(u, TDX_TDCALL_U32);

	assert_int_equal(TDX_LEAF(0x0000000000010016ull), 22);
	assert_int_equal(TDX_LEAF_VERSION(0x0000000000010016ull), 1);
	assert_int_equal(TDX_LEAF_RSVD_MASK, 0xFFFFFFFFFF000000ull);
	assert_int_equal(TDX_STATUS_MASK, 0xFFFFFFFF00000000ull);
	assert_int_equal(TDX_STATUS_CLASS(TDX_PAMT_OVERLAP), 0x0a);
	assert_int_equal(TDX_STATUS_OPERAND(TDX_OPERAND_BUSY | 0xbb), 0xbb);
	assert_true(TDX_IS_ERROR(TDX_OPERAND_INVALID));
	assert_false(TDX_IS_ERROR(TDX_KEY_CONFIGURED));
	assert_false(TDX_IS_ERROR(TDX_NON_RECOVERABLE_TD));

	/* §4.1, on the §4.2 IDs. */
	assert_int_equal(MD_FIELD_CODE(MD_SYS_CMR_SIZE), 0x100);
	assert_int_equal(MD_ELEMENT_SIZE_CODE(MD_SYS_CMR_SIZE), 3);
	assert_int_equal(MD_ELEMENT_BYTES(MD_SYS_VENDOR_ID), 4);
	assert_int_equal(MD_CLASS(MD_SYS_CMR_BASE), 16);
	assert_int_equal(MD_CLASS(MD_SYS_TDCS_BASE_SIZE), 24);
	assert_int_equal(MD_CLASS(MD_SYS_NUM_CPUID_CONFIG), 25);
	assert_int_equal(MD_CONTEXT(MD_VP_SHARED_EPTP), MD_CONTEXT_VCPU);
	assert_int_equal(MD_LAST_ELEMENT(0xfull << 34), 15);
	assert_int_equal(MD_LAST_FIELD(0x1ffull << 38), 0x1ff);
	assert_int_equal(MD_RESERVED_MASK, 0x40838000FF000000ull);
	assert_int_equal(MD_SINGLE_ELEMENT_MBZ_MASK, 0x4083FFFCFF000000ull);
	assert_int_equal(MD_SYS_MAX_TDMRS & MD_SINGLE_ELEMENT_MBZ_MASK, 0);
	assert_int_equal(MD_ELEM(MD_SYS_CMR_BASE, 31), 0x900000030000009Full);
	assert_int_equal(MD_SYS_CPUID_CONFIG_VALUE(3, 1), 0x9900000300000507ull);
	assert_int_equal(MD_SYS_TDX_FEATURES0, 0x0A00000300000008ull);
	assert_int_equal(TDX_FEATURES0_NO_RBP_MOD, 1ull << 18);

	assert_int_equal(MSR_IA32_SEAMRR_PHYS_MASK, 0x1401);
	assert_int_equal(SEAMRR_ADDR_MASK(46), 0x00003FFFFE000000ull);
	assert_int_equal(MKTME_KEYID_NUM_TDX(0x0000003000000010ull), 0x30);
	assert_int_equal(MKTME_KEYID_NUM_MKTME(0x0000003000000010ull), 0x10);
	assert_int_equal(TME_ACTIVATE_MK_TME_KEYID_BITS(0x0000000600000003ull), 6);
	assert_int_equal(TDX_EPTP_CONTROLS_PWL4, TDX_EPTP_MEMTYPE_WB | (3 << TDX_EPTP_PWL_SHIFT));
	assert_int_equal(TDX_EPTP_CONTROLS_PWL5, TDX_EPTP_MEMTYPE_WB | (4 << TDX_EPTP_PWL_SHIFT));
	assert_int_equal(TDX_PAGE_INFO(0x200000, 1), 0x200001);
	assert_int_equal(PT_EPT, 8);
}

static void test_layouts(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct tdx_cmr_info), 16);
	assert_int_equal(sizeof(struct tdx_reserved_area), 16);
	assert_int_equal(sizeof(struct tdx_tdmr_info), 64);
	assert_int_equal(TDX_TDMR_INFO_SIZE(16), 320);
	assert_int_equal(TDX_TDMR_INFO_ALIGN, 512);
	assert_int_equal(offsetof(struct tdx_tdmr_info, pamt_4k_size), 56);
	assert_int_equal(offsetof(struct tdx_tdmr_info, reserved[1].size), 88);
	assert_int_equal(sizeof(struct tdx_sysinfo), 1024);
	assert_int_equal(offsetof(struct tdx_sysinfo, major_version), 16);
	assert_int_equal(offsetof(struct tdx_sysinfo, max_reserved_per_tdmr), 34);
	assert_int_equal(offsetof(struct tdx_sysinfo, cpuid_configs[1]), 156);
	assert_int_equal(sizeof(struct tdx_td_params), 1024);
	assert_int_equal(offsetof(struct tdx_td_params, xfam), 8);
	assert_int_equal(offsetof(struct tdx_td_params, cpuid_values[47]), 1008);
	assert_int_equal(sizeof(struct seamldr_info), 256);
	assert_int_equal(offsetof(struct seamldr_info, num_remaining_updates), 28);
	assert_int_equal(offsetof(struct seamldr_info, seam_debug), 161);
	assert_int_equal(32 + SEAMLDR_SEAMEXTEND_ATTRIBUTES, 152);
	assert_int_equal(sizeof(struct seamldr_params), 4096);
	assert_int_equal(offsetof(struct seamldr_params, scenario), 4);
	assert_int_equal(offsetof(struct seamldr_params, module_pages_pa[495]), 4088);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_sw_and_unknown),
		cmocka_unit_test(test_operands),
		cmocka_unit_test(test_describe_formats),
		cmocka_unit_test(test_describe_truncation),
		cmocka_unit_test(test_leaf_names),
		cmocka_unit_test(test_seamldr),
		cmocka_unit_test(test_retry),
		cmocka_unit_test(test_header_helpers),
		cmocka_unit_test(test_layouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
