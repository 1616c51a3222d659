/* VMX capability decoding and control adjustment against capability MSR
 * sets of real processors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "vmx/controls.h"
#include "vmx/vmx_arch.h"

struct msr_value {
	uint32_t msr;
	uint64_t value;
};

/* One processor: the VMX MSRs it has, exactly as rdmsr returns them (an
 * MSR left out must not exist on it), and what decoding must give. To add
 * a processor, append a row and say where its values come from. */
struct cpu_set {
	const char *name;
	struct msr_value msrs[20];
	/* expected decoding */
	uint32_t revision_id, region_size;
	unsigned memtype;
	bool true_ctls;
	unsigned preempt_timer_rate, cr3_targets, msr_list_max;
	unsigned vmcs_max_index;
	bool exit_stores_lma, act_hlt, act_shutdown, act_wait_sipi;
	bool unrestricted_guest;
	bool ept_exec_only, ept_pwl4, ept_pwl5, ept_uc, ept_wb, ept_2m, ept_1g;
	bool ept_ad, invept, invept_single, invept_all;
	bool invvpid, invvpid_addr, invvpid_single, invvpid_all;
	uint64_t vmfunc;
};

enum { SKYLAKE, PENRYN, BOCHS };

static const struct cpu_set cpu_sets[] = {
	/* Intel Core i7-6700K (Skylake), dumped by VBoxCpuReport on the real
	 * CPU: VirtualBox src/VBox/VMM/VMMR3/cpus/Intel_Core_i7_6700K.h. TRUE
	 * controls; no tertiary or secondary exit controls (0x492, 0x493
	 * absent). */
	[SKYLAKE] = {
		.name = "Core i7-6700K",
		.msrs = {
			{ 0x480, 0x00da040000000004ull },
			{ 0x481, 0x0000007f00000016ull },
			{ 0x482, 0xfff9fffe0401e172ull },
			{ 0x483, 0x01ffffff00036dffull },
			{ 0x484, 0x0003ffff000011ffull },
			{ 0x485, 0x000000007004c1e7ull },
			{ 0x486, 0x0000000080000021ull },
			{ 0x487, 0x00000000ffffffffull },
			{ 0x488, 0x0000000000002000ull },
			{ 0x489, 0x00000000003727ffull },
			{ 0x48a, 0x000000000000002eull },
			{ 0x48b, 0x001ffcff00000000ull },
			{ 0x48c, 0x00000f0106334141ull },
			{ 0x48d, 0x0000007f00000016ull },
			{ 0x48e, 0xfff9fffe04006172ull },
			{ 0x48f, 0x01ffffff00036dfbull },
			{ 0x490, 0x0003ffff000011fbull },
			{ 0x491, 0x0000000000000001ull },
		},
		.revision_id = 4, .region_size = 1024, .memtype = VMX_MEMTYPE_WB,
		.true_ctls = true,
		.preempt_timer_rate = 7, .cr3_targets = 4, .msr_list_max = 512,
		.vmcs_max_index = 0x17,
		.exit_stores_lma = true,
		.act_hlt = true, .act_shutdown = true, .act_wait_sipi = true,
		.unrestricted_guest = true,
		.ept_exec_only = true, .ept_pwl4 = true, .ept_uc = true,
		.ept_wb = true, .ept_2m = true, .ept_1g = true, .ept_ad = true,
		.invept = true, .invept_single = true, .invept_all = true,
		.invvpid = true, .invvpid_addr = true, .invvpid_single = true,
		.invvpid_all = true,
		.vmfunc = VMFUNC_EPTP_SWITCHING,
	},
	/* Intel Xeon X5482 (Penryn), same source:
	 * src/VBox/VMM/VMMR3/cpus/Intel_Xeon_X5482_3_20GHz.h. No TRUE
	 * controls (basic bit 55 clear), secondary controls without EPT or
	 * VPID, so 0x48C-0x491 do not exist. */
	[PENRYN] = {
		.name = "Xeon X5482",
		.msrs = {
			{ 0x480, 0x005a08000000000dull },
			{ 0x481, 0x0000003f00000016ull },
			{ 0x482, 0xf7f9fffe0401e172ull },
			{ 0x483, 0x0003ffff00036dffull },
			{ 0x484, 0x00003fff000011ffull },
			{ 0x485, 0x00000000000403c0ull },
			{ 0x486, 0x0000000080000021ull },
			{ 0x487, 0x00000000ffffffffull },
			{ 0x488, 0x0000000000002000ull },
			{ 0x489, 0x00000000000027ffull },
			{ 0x48a, 0x000000000000002cull },
			{ 0x48b, 0x0000004100000000ull },
		},
		.revision_id = 0xd, .region_size = 2048, .memtype = VMX_MEMTYPE_WB,
		.true_ctls = false,
		.preempt_timer_rate = 0, .cr3_targets = 4, .msr_list_max = 512,
		.vmcs_max_index = 0x16,
		.act_hlt = true, .act_shutdown = true, .act_wait_sipi = true,
	},	/* Bochs 2.7, cpu model=tigerlake (the boot-test machine), printed by
	 * "vmx info" under OVMF: TRUE controls, EPT with 2M/1G, no tertiary or
	 * secondary exit controls (0x492, 0x493 absent), preemption timer
	 * rate 0. */
	[BOCHS] = {
		.name = "Bochs tigerlake",
		.msrs = {
			{ 0x480, 0x01d8100000000004ull },
			{ 0x481, 0x0000007f00000016ull },
			{ 0x482, 0xfff9fffe0401e172ull },
			{ 0x483, 0x107fffff00036dffull },
			{ 0x484, 0x0010ffff000011ffull },
			{ 0x485, 0x00000000600401e0ull },
			{ 0x486, 0x0000000080000021ull },
			{ 0x487, 0x00000000ffffffffull },
			{ 0x488, 0x0000000000002000ull },
			{ 0x489, 0x0000000000f72fffull },
			{ 0x48a, 0x0000000000000034ull },
			{ 0x48b, 0x02977fff00000000ull },
			{ 0x48c, 0x00000f0106b34141ull },
			{ 0x48d, 0x0000007f00000016ull },
			{ 0x48e, 0xfff9fffe04006172ull },
			{ 0x48f, 0x107fffff00036dfbull },
			{ 0x490, 0x0010ffff000011fbull },
			{ 0x491, 0x0000000000000001ull },
		},
		.revision_id = 4, .region_size = 4096, .memtype = VMX_MEMTYPE_WB,
		.true_ctls = true,
		.preempt_timer_rate = 0, .cr3_targets = 4, .msr_list_max = 512,
		.vmcs_max_index = 0x1a,
		.exit_stores_lma = true,
		.act_hlt = true, .act_shutdown = true, .act_wait_sipi = true,
		.unrestricted_guest = true,
		.ept_exec_only = true, .ept_pwl4 = true, .ept_uc = true,
		.ept_wb = true, .ept_2m = true, .ept_1g = true, .ept_ad = true,
		.invept = true, .invept_single = true, .invept_all = true,
		.invvpid = true, .invvpid_addr = true, .invvpid_single = true,
		.invvpid_all = true,
		.vmfunc = VMFUNC_EPTP_SWITCHING,
	},

};
#define N_SETS (sizeof(cpu_sets) / sizeof(cpu_sets[0]))

/* ---- rdmsr over one set -------------------------------------------------- */

static const struct cpu_set *cur;
static unsigned reads;

static uint64_t fake_rdmsr(uint32_t msr)
{
	for (size_t i = 0; i < 20 && cur->msrs[i].msr; i++)
		if (cur->msrs[i].msr == msr) {
			reads++;
			return cur->msrs[i].value;
		}
	fail_msg("%s: rdmsr(0x%x), an MSR it does not have", cur->name, msr);
	return 0;
}

static unsigned msr_count(const struct cpu_set *s)
{
	unsigned n = 0;

	while (n < 20 && s->msrs[n].msr)
		n++;
	return n;
}

static void load(const struct cpu_set *s, struct vmx_msrs *raw,
		 struct vmx_caps *caps)
{
	cur = s;
	reads = 0;
	vmx_msrs_read(raw, fake_rdmsr);
	vmx_caps_decode(raw, caps);
}

/* ---- decoding, for every set ---------------------------------------------- */

static void test_reads_exactly_the_msrs_present(void **state)
{
	struct vmx_msrs raw;
	struct vmx_caps caps;

	(void)state;
	for (size_t i = 0; i < N_SETS; i++) {
		load(&cpu_sets[i], &raw, &caps);
		if (reads != msr_count(&cpu_sets[i]))
			fail_msg("%s: read %u of %u MSRs", cpu_sets[i].name,
				 reads, msr_count(&cpu_sets[i]));
	}
}

#define EXPECT(field)                                                        \
	do {                                                                 \
		if ((uint64_t)caps.field != (uint64_t)s->field)              \
			fail_msg("%s: " #field " = 0x%llx, want 0x%llx",     \
				 s->name, (unsigned long long)caps.field,    \
				 (unsigned long long)s->field);              \
	} while (0)

static void test_decode(void **state)
{
	struct vmx_msrs raw;
	struct vmx_caps caps;

	(void)state;
	for (size_t i = 0; i < N_SETS; i++) {
		const struct cpu_set *s = &cpu_sets[i];

		load(s, &raw, &caps);
		EXPECT(revision_id);
		EXPECT(region_size);
		EXPECT(memtype);
		EXPECT(true_ctls);
		EXPECT(preempt_timer_rate);
		EXPECT(cr3_targets);
		EXPECT(msr_list_max);
		EXPECT(vmcs_max_index);
		EXPECT(exit_stores_lma);
		EXPECT(act_hlt);
		EXPECT(act_shutdown);
		EXPECT(act_wait_sipi);
		EXPECT(unrestricted_guest);
		EXPECT(ept_exec_only);
		EXPECT(ept_pwl4);
		EXPECT(ept_pwl5);
		EXPECT(ept_uc);
		EXPECT(ept_wb);
		EXPECT(ept_2m);
		EXPECT(ept_1g);
		EXPECT(ept_ad);
		EXPECT(invept);
		EXPECT(invept_single);
		EXPECT(invept_all);
		EXPECT(invvpid);
		EXPECT(invvpid_addr);
		EXPECT(invvpid_single);
		EXPECT(invvpid_all);
		EXPECT(vmfunc);
	}
}

/* A.2: the TRUE MSRs when basic bit 55 is set, the legacy ones otherwise. */
static void test_true_or_legacy_msrs(void **state)
{
	struct vmx_msrs raw;
	struct vmx_caps caps;

	(void)state;
	for (size_t i = 0; i < N_SETS; i++) {
		load(&cpu_sets[i], &raw, &caps);
		if (raw.basic & VMX_BASIC_TRUE_CTLS) {
			assert_int_equal(caps.pin, raw.true_pinbased);
			assert_int_equal(caps.proc, raw.true_procbased);
			assert_int_equal(caps.exit, raw.true_exit);
			assert_int_equal(caps.entry, raw.true_entry);
		} else {
			assert_int_equal(caps.pin, raw.pinbased);
			assert_int_equal(caps.proc, raw.procbased);
			assert_int_equal(caps.exit, raw.exit);
			assert_int_equal(caps.entry, raw.entry);
		}
		assert_int_equal(caps.proc2, raw.procbased2);
	}
	load(&cpu_sets[SKYLAKE], &raw, &caps);
	assert_int_equal(caps.proc, 0xfff9fffe04006172ull);
	load(&cpu_sets[PENRYN], &raw, &caps);
	assert_int_equal(caps.proc, 0xf7f9fffe0401e172ull);
	assert_int_equal(raw.true_procbased, 0);
	assert_int_equal(raw.ept_vpid_cap, 0);
}

/* ---- adjustment ----------------------------------------------------------- */

static void test_must_be_one_forced_on(void **state)
{
	struct vmx_msrs raw;
	struct vmx_caps sky, pen;
	uint32_t out, missing;
	const uint32_t want = PROC_HLT_EXITING | PROC_USE_MSR_BITMAPS |
			      PROC_ACTIVATE_SECONDARY;

	(void)state;
	load(&cpu_sets[SKYLAKE], &raw, &sky);
	load(&cpu_sets[PENRYN], &raw, &pen);

	assert_int_equal(vmx_adjust_ctls(PIN_EXT_INT_EXITING | PIN_NMI_EXITING,
					 0, sky.pin, &out, &missing), 0);
	assert_int_equal(out, 0x1f);	/* 1, 2, 4 are default1 */
	assert_int_equal(missing, 0);

	/* TRUE lets CR3-load/store exiting (15, 16) be 0; legacy does not. */
	assert_int_equal(vmx_adjust_ctls(want, 0, sky.proc, &out, NULL), 0);
	assert_int_equal(out, 0x940061f2);
	assert_int_equal(vmx_adjust_ctls(want, 0, pen.proc, &out, NULL), 0);
	assert_int_equal(out, 0x9401e1f2);
	assert_int_equal(out & PROC_DEFAULT1, PROC_DEFAULT1);

	/* Entry: TRUE lets "load debug controls" (bit 2) be 0. */
	assert_int_equal(vmx_adjust_ctls(ENTRY_IA32E_MODE_GUEST |
						 ENTRY_LOAD_EFER | ENTRY_LOAD_PAT,
					 0, sky.entry, &out, NULL), 0);
	assert_int_equal(out, 0xd3fb);
	assert_int_equal(vmx_adjust_ctls(ENTRY_IA32E_MODE_GUEST, 0, pen.entry,
					 &out, NULL), 0);
	assert_int_equal(out, 0x13ff);
}

static void test_must_be_zero_dropped_from_optional(void **state)
{
	struct vmx_msrs raw;
	struct vmx_caps caps;
	uint32_t out, missing = 0xdead;
	const uint32_t want = PROC2_ENABLE_EPT | PROC2_ENABLE_VPID |
			      PROC2_UNRESTRICTED_GUEST | PROC2_ENABLE_RDTSCP |
			      PROC2_ENABLE_INVPCID | PROC2_ENABLE_XSAVES;

	(void)state;
	load(&cpu_sets[SKYLAKE], &raw, &caps);
	/* The 6700K has no APIC-register virtualization or virtual-interrupt
	 * delivery (bits 8, 9 of the allowed 1-settings are 0). */
	assert_int_equal(vmx_adjust_ctls(want,
					 PROC2_APIC_REG_VIRT |
						 PROC2_VIRT_INT_DELIVERY |
						 PROC2_ENABLE_PML,
					 caps.proc2, &out, &missing), 0);
	assert_int_equal(missing, 0);
	assert_int_equal(out, 0x1010aa | PROC2_ENABLE_PML);

	/* Exit: optional save/load of IA32_EFER dropped on Penryn. */
	load(&cpu_sets[PENRYN], &raw, &caps);
	assert_int_equal(vmx_adjust_ctls(EXIT_HOST_ADDR_SPACE_SIZE,
					 EXIT_SAVE_EFER | EXIT_LOAD_EFER |
						 EXIT_ACK_INT,
					 caps.exit, &out, NULL), 0);
	assert_int_equal(out, EXIT_DEFAULT1 | EXIT_HOST_ADDR_SPACE_SIZE |
				      EXIT_ACK_INT);
}

static void test_required_but_unsupported(void **state)
{
	struct vmx_msrs raw;
	struct vmx_caps caps;
	uint32_t out, missing;
	char text[96];

	(void)state;
	load(&cpu_sets[SKYLAKE], &raw, &caps);
	assert_int_equal(vmx_adjust_ctls(PROC2_ENABLE_EPT |
						 PROC2_VIRT_INT_DELIVERY,
					 0, caps.proc2, &out, &missing), -1);
	assert_int_equal(missing, PROC2_VIRT_INT_DELIVERY);
	assert_int_equal(out, PROC2_ENABLE_EPT);
	vmx_ctl_describe(VMX_CTL_PROC2, missing, text, sizeof(text));
	assert_string_equal(text, "virtual-interrupt delivery");

	load(&cpu_sets[PENRYN], &raw, &caps);
	assert_int_equal(vmx_adjust_ctls(PROC2_ENABLE_EPT |
						 PROC2_UNRESTRICTED_GUEST,
					 0, caps.proc2, &out, &missing), -1);
	assert_int_equal(missing, PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST);
	vmx_ctl_describe(VMX_CTL_PROC2, missing, text, sizeof(text));
	assert_string_equal(text, "enable EPT, unrestricted guest");

	assert_int_equal(vmx_adjust_ctls(PIN_PREEMPTION_TIMER, 0, caps.pin,
					 &out, &missing), -1);
	vmx_ctl_describe(VMX_CTL_PIN, missing, text, sizeof(text));
	assert_string_equal(text, "activate VMX-preemption timer");

	assert_int_equal(vmx_adjust_ctls(ENTRY_LOAD_EFER | ENTRY_LOAD_PAT, 0,
					 caps.entry, &out, &missing), -1);
	vmx_ctl_describe(VMX_CTL_ENTRY, missing, text, sizeof(text));
	assert_string_equal(text, "load IA32_PAT, load IA32_EFER");

	/* No secondary MSR means no secondary control at all. */
	assert_int_equal(vmx_adjust_ctls(PROC2_ENABLE_RDTSCP, 0, 0, &out,
					 &missing), -1);
	assert_int_equal(missing, PROC2_ENABLE_RDTSCP);
	assert_int_equal(out, 0);
}

/* ---- CR0/CR4 fixed bits (A.7, A.8) --------------------------------------- */

static void test_fixed_cr(void **state)
{
	struct vmx_msrs raw;
	struct vmx_caps c;
	uint64_t f0;

	(void)state;
	load(&cpu_sets[SKYLAKE], &raw, &c);
	assert_int_equal(vmx_fixed_cr(0, c.cr0_fixed0, c.cr0_fixed1),
			 0x80000021);
	/* Bits above 31 are not allowed to be 1 by CR0_FIXED1. */
	assert_int_equal(vmx_fixed_cr(0x100000011ull, c.cr0_fixed0,
				      c.cr0_fixed1), 0x80000031);
	/* Unrestricted guest: PE and PG may be 0, NE still must be 1. */
	f0 = vmx_guest_cr0_fixed0(c.cr0_fixed0, true);
	assert_int_equal(f0, VMX_CR0_NE);
	assert_int_equal(vmx_fixed_cr(0, f0, c.cr0_fixed1), 0x20);
	assert_int_equal(vmx_guest_cr0_fixed0(c.cr0_fixed0, false),
			 c.cr0_fixed0);
	/* CR4: VMXE forced on, CET (bit 23) not allowed by 0x3727ff. */
	assert_int_equal(vmx_fixed_cr(0x802020, c.cr4_fixed0, c.cr4_fixed1),
			 0x2020);
	/* Penryn's CR4_FIXED1 0x27ff has no PCIDE (bit 17). */
	load(&cpu_sets[PENRYN], &raw, &c);
	assert_int_equal(vmx_fixed_cr(0x20020, c.cr4_fixed0, c.cr4_fixed1),
			 0x2020);
}

/* ---- names ---------------------------------------------------------------- */

static void test_bit_names_and_describe(void **state)
{
	char text[16];

	(void)state;
	assert_string_equal(vmx_ctl_bit_name(VMX_CTL_PROC, 31),
			    "activate secondary controls");
	assert_string_equal(vmx_ctl_bit_name(VMX_CTL_EXIT, 9),
			    "host address-space size");
	assert_string_equal(vmx_ctl_bit_name(VMX_CTL_ENTRY, 9),
			    "IA-32e mode guest");
	assert_null(vmx_ctl_bit_name(VMX_CTL_PIN, 1));
	assert_null(vmx_ctl_bit_name(VMX_CTL_PIN, 32));
	assert_null(vmx_ctl_bit_name((enum vmx_ctl_kind)7, 0));

	/* Unnamed bits by number; snprintf-style length and truncation. */
	assert_int_equal(vmx_ctl_describe(VMX_CTL_PIN, 0x16, NULL, 0),
			 strlen("bit 1, bit 2, bit 4"));
	assert_int_equal(vmx_ctl_describe(VMX_CTL_PIN, 0x16, text,
					  sizeof(text)),
			 strlen("bit 1, bit 2, bit 4"));
	assert_string_equal(text, "bit 1, bit 2, b");
	vmx_ctl_describe(VMX_CTL_PROC2, 1u << 29, text, sizeof(text));
	assert_string_equal(text, "bit 29");
	assert_int_equal(vmx_ctl_describe(VMX_CTL_EXIT, 0, text, sizeof(text)),
			 0);
	assert_string_equal(text, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_exactly_the_msrs_present),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_true_or_legacy_msrs),
		cmocka_unit_test(test_must_be_one_forced_on),
		cmocka_unit_test(test_must_be_zero_dropped_from_optional),
		cmocka_unit_test(test_required_but_unsupported),
		cmocka_unit_test(test_fixed_cr),
		cmocka_unit_test(test_bit_names_and_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
