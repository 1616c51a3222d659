/* The VMCS field table against encodings typed in from SDM Vol. 3C
 * Appendix B, the encoding layout of §25.11.2, the name tables, and the
 * width-checked accessors over a fake VMCS. */
/* The test supplies try_vmcs_read/try_vmcs_write itself. */
#ifndef VMX_HOST_TEST
#define VMX_HOST_TEST 1
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "vmx/vmcs.h"
#include "vmx/vmx_exit.h"
#include "vmx/vmx_names.h"

/* Typed in from Appendix B, independently of vmx/vmcs_fields.h. */
struct expected_field {
	const char *name;
	uint32_t constant;	/* the generated VMCS_<NAME> */
	uint32_t sdm;		/* the SDM's encoding */
};

#define E(name, enc) { #name, VMCS_##name, enc }
static const struct expected_field sdm_fields[] = {
	/* B.1.1-B.1.3: 16-bit */
	E(VIRTUAL_PROCESSOR_ID, 0x00000000),
	E(POSTED_INTR_NOTIFICATION_VECTOR, 0x00000002),
	E(EPTP_INDEX, 0x00000004),
	E(GUEST_ES_SELECTOR, 0x00000800),
	E(GUEST_CS_SELECTOR, 0x00000802),
	E(GUEST_SS_SELECTOR, 0x00000804),
	E(GUEST_DS_SELECTOR, 0x00000806),
	E(GUEST_FS_SELECTOR, 0x00000808),
	E(GUEST_GS_SELECTOR, 0x0000080A),
	E(GUEST_LDTR_SELECTOR, 0x0000080C),
	E(GUEST_TR_SELECTOR, 0x0000080E),
	E(GUEST_INTR_STATUS, 0x00000810),
	E(GUEST_PML_INDEX, 0x00000812),
	E(HOST_ES_SELECTOR, 0x00000C00),
	E(HOST_CS_SELECTOR, 0x00000C02),
	E(HOST_SS_SELECTOR, 0x00000C04),
	E(HOST_DS_SELECTOR, 0x00000C06),
	E(HOST_FS_SELECTOR, 0x00000C08),
	E(HOST_GS_SELECTOR, 0x00000C0A),
	E(HOST_TR_SELECTOR, 0x00000C0C),
	/* B.2.1-B.2.4: 64-bit */
	E(IO_BITMAP_A, 0x00002000),
	E(IO_BITMAP_B, 0x00002002),
	E(MSR_BITMAP, 0x00002004),
	E(VM_EXIT_MSR_STORE_ADDR, 0x00002006),
	E(VM_EXIT_MSR_LOAD_ADDR, 0x00002008),
	E(VM_ENTRY_MSR_LOAD_ADDR, 0x0000200A),
	E(EXECUTIVE_VMCS_POINTER, 0x0000200C),
	E(PML_ADDRESS, 0x0000200E),
	E(TSC_OFFSET, 0x00002010),
	E(VIRTUAL_APIC_PAGE_ADDR, 0x00002012),
	E(APIC_ACCESS_ADDR, 0x00002014),
	E(POSTED_INTR_DESC_ADDR, 0x00002016),
	E(VM_FUNCTION_CONTROLS, 0x00002018),
	E(EPT_POINTER, 0x0000201A),
	E(EOI_EXIT_BITMAP0, 0x0000201C),
	E(EOI_EXIT_BITMAP1, 0x0000201E),
	E(EOI_EXIT_BITMAP2, 0x00002020),
	E(EOI_EXIT_BITMAP3, 0x00002022),
	E(EPTP_LIST_ADDRESS, 0x00002024),
	E(VMREAD_BITMAP, 0x00002026),
	E(VMWRITE_BITMAP, 0x00002028),
	E(VE_INFO_ADDRESS, 0x0000202A),
	E(XSS_EXITING_BITMAP, 0x0000202C),
	E(TSC_MULTIPLIER, 0x00002032),
	E(TERTIARY_VM_EXEC_CONTROL, 0x00002034),
	E(SECONDARY_VM_EXIT_CONTROLS, 0x00002044),
	E(GUEST_PHYSICAL_ADDRESS, 0x00002400),
	E(LINK_POINTER, 0x00002800),
	E(GUEST_IA32_DEBUGCTL, 0x00002802),
	E(GUEST_IA32_PAT, 0x00002804),
	E(GUEST_IA32_EFER, 0x00002806),
	E(GUEST_IA32_PERF_GLOBAL_CTRL, 0x00002808),
	E(GUEST_PDPTE0, 0x0000280A),
	E(GUEST_PDPTE1, 0x0000280C),
	E(GUEST_PDPTE2, 0x0000280E),
	E(GUEST_PDPTE3, 0x00002810),
	E(GUEST_IA32_BNDCFGS, 0x00002812),
	E(HOST_IA32_PAT, 0x00002C00),
	E(HOST_IA32_EFER, 0x00002C02),
	E(HOST_IA32_PERF_GLOBAL_CTRL, 0x00002C04),
	/* B.3.1-B.3.4: 32-bit */
	E(PIN_BASED_VM_EXEC_CONTROL, 0x00004000),
	E(PROC_BASED_VM_EXEC_CONTROL, 0x00004002),
	E(EXCEPTION_BITMAP, 0x00004004),
	E(PAGE_FAULT_ERROR_CODE_MASK, 0x00004006),
	E(PAGE_FAULT_ERROR_CODE_MATCH, 0x00004008),
	E(CR3_TARGET_COUNT, 0x0000400A),
	E(VM_EXIT_CONTROLS, 0x0000400C),
	E(VM_EXIT_MSR_STORE_COUNT, 0x0000400E),
	E(VM_EXIT_MSR_LOAD_COUNT, 0x00004010),
	E(VM_ENTRY_CONTROLS, 0x00004012),
	E(VM_ENTRY_MSR_LOAD_COUNT, 0x00004014),
	E(VM_ENTRY_INTR_INFO, 0x00004016),
	E(VM_ENTRY_EXCEPTION_ERROR_CODE, 0x00004018),
	E(VM_ENTRY_INSTRUCTION_LEN, 0x0000401A),
	E(TPR_THRESHOLD, 0x0000401C),
	E(SECONDARY_VM_EXEC_CONTROL, 0x0000401E),
	E(PLE_GAP, 0x00004020),
	E(PLE_WINDOW, 0x00004022),
	E(VM_INSTRUCTION_ERROR, 0x00004400),
	E(EXIT_REASON, 0x00004402),
	E(VM_EXIT_INTR_INFO, 0x00004404),
	E(VM_EXIT_INTR_ERROR_CODE, 0x00004406),
	E(IDT_VECTORING_INFO, 0x00004408),
	E(IDT_VECTORING_ERROR_CODE, 0x0000440A),
	E(VM_EXIT_INSTRUCTION_LEN, 0x0000440C),
	E(VM_EXIT_INSTRUCTION_INFO, 0x0000440E),
	E(GUEST_ES_LIMIT, 0x00004800),
	E(GUEST_CS_LIMIT, 0x00004802),
	E(GUEST_SS_LIMIT, 0x00004804),
	E(GUEST_DS_LIMIT, 0x00004806),
	E(GUEST_FS_LIMIT, 0x00004808),
	E(GUEST_GS_LIMIT, 0x0000480A),
	E(GUEST_LDTR_LIMIT, 0x0000480C),
	E(GUEST_TR_LIMIT, 0x0000480E),
	E(GUEST_GDTR_LIMIT, 0x00004810),
	E(GUEST_IDTR_LIMIT, 0x00004812),
	E(GUEST_ES_AR, 0x00004814),
	E(GUEST_CS_AR, 0x00004816),
	E(GUEST_SS_AR, 0x00004818),
	E(GUEST_DS_AR, 0x0000481A),
	E(GUEST_FS_AR, 0x0000481C),
	E(GUEST_GS_AR, 0x0000481E),
	E(GUEST_LDTR_AR, 0x00004820),
	E(GUEST_TR_AR, 0x00004822),
	E(GUEST_INTERRUPTIBILITY, 0x00004824),
	E(GUEST_ACTIVITY_STATE, 0x00004826),
	E(GUEST_SMBASE, 0x00004828),
	E(GUEST_IA32_SYSENTER_CS, 0x0000482A),
	E(VMX_PREEMPTION_TIMER_VALUE, 0x0000482E),
	E(HOST_IA32_SYSENTER_CS, 0x00004C00),
	/* B.4.1-B.4.4: natural width */
	E(CR0_GUEST_HOST_MASK, 0x00006000),
	E(CR4_GUEST_HOST_MASK, 0x00006002),
	E(CR0_READ_SHADOW, 0x00006004),
	E(CR4_READ_SHADOW, 0x00006006),
	E(CR3_TARGET_VALUE0, 0x00006008),
	E(CR3_TARGET_VALUE1, 0x0000600A),
	E(CR3_TARGET_VALUE2, 0x0000600C),
	E(CR3_TARGET_VALUE3, 0x0000600E),
	E(EXIT_QUALIFICATION, 0x00006400),
	E(IO_RCX, 0x00006402),
	E(IO_RSI, 0x00006404),
	E(IO_RDI, 0x00006406),
	E(IO_RIP, 0x00006408),
	E(GUEST_LINEAR_ADDRESS, 0x0000640A),
	E(GUEST_CR0, 0x00006800),
	E(GUEST_CR3, 0x00006802),
	E(GUEST_CR4, 0x00006804),
	E(GUEST_ES_BASE, 0x00006806),
	E(GUEST_CS_BASE, 0x00006808),
	E(GUEST_SS_BASE, 0x0000680A),
	E(GUEST_DS_BASE, 0x0000680C),
	E(GUEST_FS_BASE, 0x0000680E),
	E(GUEST_GS_BASE, 0x00006810),
	E(GUEST_LDTR_BASE, 0x00006812),
	E(GUEST_TR_BASE, 0x00006814),
	E(GUEST_GDTR_BASE, 0x00006816),
	E(GUEST_IDTR_BASE, 0x00006818),
	E(GUEST_DR7, 0x0000681A),
	E(GUEST_RSP, 0x0000681C),
	E(GUEST_RIP, 0x0000681E),
	E(GUEST_RFLAGS, 0x00006820),
	E(GUEST_PENDING_DBG_EXCEPTIONS, 0x00006822),
	E(GUEST_IA32_SYSENTER_ESP, 0x00006824),
	E(GUEST_IA32_SYSENTER_EIP, 0x00006826),
	E(GUEST_IA32_S_CET, 0x00006828),
	E(GUEST_SSP, 0x0000682A),
	E(GUEST_IA32_INTR_SSP_TABLE_ADDR, 0x0000682C),
	E(HOST_CR0, 0x00006C00),
	E(HOST_CR3, 0x00006C02),
	E(HOST_CR4, 0x00006C04),
	E(HOST_FS_BASE, 0x00006C06),
	E(HOST_GS_BASE, 0x00006C08),
	E(HOST_TR_BASE, 0x00006C0A),
	E(HOST_GDTR_BASE, 0x00006C0C),
	E(HOST_IDTR_BASE, 0x00006C0E),
	E(HOST_IA32_SYSENTER_ESP, 0x00006C10),
	E(HOST_IA32_SYSENTER_EIP, 0x00006C12),
	E(HOST_RSP, 0x00006C14),
	E(HOST_RIP, 0x00006C16),
	E(HOST_IA32_S_CET, 0x00006C18),
	E(HOST_SSP, 0x00006C1A),
	E(HOST_IA32_INTR_SSP_TABLE_ADDR, 0x00006C1C),
};
#define N_SDM (sizeof(sdm_fields) / sizeof(sdm_fields[0]))

static void test_table_matches_sdm(void **state)
{
	(void)state;
	assert_true(N_SDM >= 60);
	for (size_t i = 0; i < N_SDM; i++) {
		const struct expected_field *x = &sdm_fields[i];
		const struct vmcs_field_desc *d = vmcs_field_lookup(x->sdm);

		if (x->constant != x->sdm || !d || strcmp(d->name, x->name))
			fail_msg("%s: constant 0x%x, SDM 0x%x, table %s",
				 x->name, x->constant, x->sdm,
				 d ? d->name : "(none)");
	}
	/* Every table row is one the SDM list above has. */
	assert_int_equal(VMCS_FIELD_COUNT, N_SDM);
}

/* §25.11.2: bits 14:13 width (0 16-bit, 1 64-bit, 2 32-bit, 3 natural),
 * bit 0 access type, bits 12 and 31:15 reserved. */
static void test_encoding_layout(void **state)
{
	static const unsigned width_of_code[4] = { 16, 64, 32, 0 };
	unsigned seen[4] = { 0 };

	(void)state;
	for (size_t i = 0; i < VMCS_FIELD_COUNT; i++) {
		const struct vmcs_field_desc *d = &vmcs_field_table[i];
		unsigned code = (d->encoding >> 13) & 3;
		unsigned type = (d->encoding >> 10) & 3;

		if (d->width != width_of_code[code])
			fail_msg("%s: width %u, encoding says %u", d->name,
				 d->width, width_of_code[code]);
		if (d->encoding & 1)
			fail_msg("%s: access type high", d->name);
		if (d->encoding & 0xffff9000u)
			fail_msg("%s: reserved bits set", d->name);
		/* Type 3 is host state; guest-named fields are guest state or,
		 * for the two addresses, read-only exit information. */
		if ((type == 3) != (strncmp(d->name, "HOST_", 5) == 0))
			fail_msg("%s: type %u", d->name, type);
		if (!strncmp(d->name, "GUEST_", 6) && type != 2 && type != 1)
			fail_msg("%s: type %u", d->name, type);
		seen[code]++;
	}
	for (unsigned c = 0; c < 4; c++)
		assert_true(seen[c] >= 10);
}

static void test_no_duplicates_ascending(void **state)
{
	(void)state;
	for (size_t i = 0; i < VMCS_FIELD_COUNT; i++) {
		for (size_t j = i + 1; j < VMCS_FIELD_COUNT; j++) {
			if (!strcmp(vmcs_field_table[i].name,
				    vmcs_field_table[j].name))
				fail_msg("duplicate name %s",
					 vmcs_field_table[i].name);
			if (vmcs_field_table[i].encoding ==
			    vmcs_field_table[j].encoding)
				fail_msg("duplicate encoding 0x%x",
					 vmcs_field_table[i].encoding);
		}
		if (i && vmcs_field_table[i - 1].encoding >=
				 vmcs_field_table[i].encoding)
			fail_msg("%s out of order", vmcs_field_table[i].name);
	}
}

static void test_field_names(void **state)
{
	(void)state;
	assert_string_equal(vmcs_field_name(0x681E), "GUEST_RIP");
	assert_string_equal(vmcs_field_name(VMCS_EXIT_REASON), "EXIT_REASON");
	assert_string_equal(vmcs_field_name(0x0000), "VIRTUAL_PROCESSOR_ID");
	assert_string_equal(vmcs_field_name(0x6C1C),
			    "HOST_IA32_INTR_SSP_TABLE_ADDR");
	assert_int_equal(vmcs_field_lookup(VMCS_EPT_POINTER)->width, 64);
	assert_int_equal(vmcs_field_lookup(VMCS_GUEST_CR3)->width,
			 VMCS_WIDTH_NW);
	/* Unknown, the high half of a 64-bit field, reserved 0x482C. */
	assert_string_equal(vmcs_field_name(0xFFFF), "?");
	assert_string_equal(vmcs_field_name(0x2001), "?");
	assert_null(vmcs_field_lookup(0x482C));
}

static void test_exit_reason_names(void **state)
{
	(void)state;
	assert_int_equal(VMX_EXIT_EXCEPTION_NMI, 0);
	assert_int_equal(VMX_EXIT_CPUID, 10);
	assert_int_equal(VMX_EXIT_HLT, 12);
	assert_int_equal(VMX_EXIT_VMCALL, 18);
	assert_int_equal(VMX_EXIT_CR_ACCESS, 28);
	assert_int_equal(VMX_EXIT_IO, 30);
	assert_int_equal(VMX_EXIT_ENTRY_FAIL_GUEST, 33);
	assert_int_equal(VMX_EXIT_EPT_VIOLATION, 48);
	assert_int_equal(VMX_EXIT_EPT_MISCONFIG, 49);
	assert_int_equal(VMX_EXIT_PREEMPTION_TIMER, 52);
	assert_int_equal(VMX_EXIT_XSETBV, 55);
	assert_int_equal(VMX_EXIT_BUS_LOCK, 74);
	assert_int_equal(VMX_EXIT_TDCALL, 77);
	assert_string_equal(vmx_exit_reason_name(0), "exception or NMI");
	assert_string_equal(vmx_exit_reason_name(10), "CPUID");
	assert_string_equal(vmx_exit_reason_name(30), "I/O instruction");
	assert_string_equal(vmx_exit_reason_name(48), "EPT violation");
	assert_string_equal(vmx_exit_reason_name(76), "SEAMCALL");
	assert_string_equal(vmx_exit_reason_name(77), "TDCALL");
	/* The whole field: a VM-entry failure. */
	assert_string_equal(vmx_exit_reason_name(0x80000021u),
			    "VM-entry failure: invalid guest state");
	/* Unused numbers and numbers past the table. */
	assert_string_equal(vmx_exit_reason_name(35), "unknown exit reason");
	assert_string_equal(vmx_exit_reason_name(42), "unknown exit reason");
	assert_string_equal(vmx_exit_reason_name(78), "unknown exit reason");
	assert_string_equal(vmx_exit_reason_name(0xffff), "unknown exit reason");
	for (uint32_t r = 0; r < 0x10000; r++)
		assert_non_null(vmx_exit_reason_name(r));
}

static void test_insn_error_names(void **state)
{
	(void)state;
	assert_int_equal(VMX_ERR_ENTRY_BAD_CONTROL, 7);
	assert_int_equal(VMX_ERR_UNSUPPORTED_FIELD, 12);
	assert_int_equal(VMX_ERR_BAD_INVEPT_INVVPID, 28);
	assert_string_equal(vmx_insn_error_name(7),
			    "VM entry with invalid control field(s)");
	assert_string_equal(vmx_insn_error_name(8),
			    "VM entry with invalid host-state field(s)");
	assert_string_equal(vmx_insn_error_name(1),
			    "VMCALL executed in VMX root operation");
	assert_string_equal(vmx_insn_error_name(12),
			    "VMREAD/VMWRITE from/to unsupported VMCS component");
	assert_string_equal(vmx_insn_error_name(28),
			    "invalid operand to INVEPT/INVVPID");
	assert_string_equal(vmx_insn_error_name(VMX_OK), "success");
	assert_string_equal(vmx_insn_error_name(VMX_FAIL_INVALID),
			    "VMfailInvalid (no current VMCS)");
	assert_string_equal(vmx_insn_error_name(14),
			    "unknown VM-instruction error");
	assert_string_equal(vmx_insn_error_name(29),
			    "unknown VM-instruction error");
	assert_string_equal(vmx_insn_error_name(-7),
			    "unknown VM-instruction error");
}

/* ---- accessors over a fake VMCS ---------------------------------------- */

/* The accessors' build-time predicate, for the combinations a misuse
 * would hit (a misuse itself does not compile, so it cannot be a test). */
_Static_assert(VMCS_FITS_16(VMCS_GUEST_CS_SELECTOR), "16");
_Static_assert(!VMCS_FITS_16(VMCS_GUEST_RIP), "RIP is not 16-bit");
_Static_assert(VMCS_FITS_32(VMCS_EXIT_REASON), "32");
_Static_assert(!VMCS_FITS_32(VMCS_EPT_POINTER), "EPTP is not 32-bit");
_Static_assert(!VMCS_FITS_32(VMCS_EPT_POINTER + 1), "high half");
_Static_assert(VMCS_FITS_64(VMCS_EPT_POINTER), "64");
_Static_assert(VMCS_FITS_64(VMCS_GUEST_RIP), "natural width is 64 bits");
_Static_assert(!VMCS_FITS_64(VMCS_EPT_POINTER + 1), "high half");
_Static_assert(VMCS_FITS_NW(VMCS_GUEST_RIP), "natural width");
_Static_assert(!VMCS_FITS_NW(VMCS_EPT_POINTER), "EPTP is not natural width");

static struct {
	uint32_t enc;
	uint64_t val;
} fake[8];
static int fake_status;		/* forced status, 0 = behave */
static struct {
	const char *op;
	uint32_t field;
	int err;
	int calls;
} failed;

int try_vmcs_read(uint32_t field, uint64_t *out)
{
	*out = 0;
	if (fake_status)
		return fake_status;
	for (size_t i = 0; i < 8; i++)
		if (fake[i].enc == field) {
			*out = fake[i].val;
			return VMX_OK;
		}
	return VMX_ERR_UNSUPPORTED_FIELD;
}

int try_vmcs_write(uint32_t field, uint64_t value)
{
	if (fake_status)
		return fake_status;
	if (VMCS_ENC_TYPE(field) == VMCS_TYPE_EXIT_INFO)
		return VMX_ERR_VMWRITE_READ_ONLY;
	for (size_t i = 0; i < 8; i++)
		if (fake[i].enc == field || !fake[i].enc) {
			fake[i].enc = field;
			fake[i].val = value;
			return VMX_OK;
		}
	return VMX_ERR_UNSUPPORTED_FIELD;
}

void vmcs_access_failed(const char *op, uint32_t field, int err)
{
	failed.op = op;
	failed.field = field;
	failed.err = err;
	failed.calls++;
}

static int reset(void **state)
{
	(void)state;
	memset(fake, 0, sizeof(fake));
	memset(&failed, 0, sizeof(failed));
	fake_status = 0;
	return 0;
}

static void test_accessors_move_their_width(void **state)
{
	(void)state;
	vmcs_write16(VMCS_GUEST_CS_SELECTOR, 0x12345);	/* truncated */
	vmcs_write32(VMCS_PIN_BASED_VM_EXEC_CONTROL, 0x100000016ull);
	vmcs_write64(VMCS_GUEST_RIP, 0xffffffff80001000ull);
	vmcs_writenw(VMCS_GUEST_RSP, 0x7000);
	vmcs_write64(VMCS_EPT_POINTER, 0x123456789000ull | 0x1e);
	assert_int_equal(vmcs_read16(VMCS_GUEST_CS_SELECTOR), 0x2345);
	assert_int_equal(vmcs_read32(VMCS_PIN_BASED_VM_EXEC_CONTROL), 0x16);
	assert_int_equal(vmcs_read64(VMCS_GUEST_RIP), 0xffffffff80001000ull);
	assert_int_equal(vmcs_readnw(VMCS_GUEST_RIP), 0xffffffff80001000ull);
	assert_int_equal(vmcs_readnw(VMCS_GUEST_RSP), 0x7000);
	assert_int_equal(vmcs_read64(VMCS_EPT_POINTER), 0x12345678901eull);
	assert_int_equal(failed.calls, 0);
}

static void test_failures_reach_the_hook(void **state)
{
	uint64_t v = 1;

	(void)state;
	vmcs_write32(VMCS_EXIT_REASON, 1);	/* read-only */
	assert_int_equal(failed.calls, 1);
	assert_string_equal(failed.op, "vmcs_write32");
	assert_int_equal(failed.field, VMCS_EXIT_REASON);
	assert_int_equal(failed.err, VMX_ERR_VMWRITE_READ_ONLY);

	assert_int_equal(vmcs_readnw(VMCS_EXIT_QUALIFICATION), 0);
	assert_int_equal(failed.calls, 2);
	assert_string_equal(failed.op, "vmcs_readnw");
	assert_int_equal(failed.err, VMX_ERR_UNSUPPORTED_FIELD);

	fake_status = VMX_FAIL_INVALID;
	assert_int_equal(vmcs_read16(VMCS_VIRTUAL_PROCESSOR_ID), 0);
	assert_int_equal(failed.err, VMX_FAIL_INVALID);
	assert_int_equal(failed.calls, 3);

	/* try_ forms report to the caller only. */
	assert_int_equal(try_vmcs_read(VMCS_GUEST_RIP, &v), VMX_FAIL_INVALID);
	assert_int_equal(v, 0);
	assert_int_equal(failed.calls, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_matches_sdm),
		cmocka_unit_test(test_encoding_layout),
		cmocka_unit_test(test_no_duplicates_ascending),
		cmocka_unit_test(test_field_names),
		cmocka_unit_test(test_exit_reason_names),
		cmocka_unit_test(test_insn_error_names),
		cmocka_unit_test_setup(test_accessors_move_their_width, reset),
		cmocka_unit_test_setup(test_failures_reach_the_hook, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
