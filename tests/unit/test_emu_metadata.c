/* Emulated TDX module, global metadata: TDH.SYS.RD values and field-ID
 * rules, iteration order, the TDH.SYS.RDALL list against TDH.SYS.RD, and
 * the legacy TDH.SYS.INFO (tdx-abi.md §4, §5.1). */
#define EMU_FIXTURE_NO_MAIN
#include "test_emu_fixture.c"

#define INFO_BUF	(512 * MiB)
#define CMR_BUF		(512 * MiB + 4 * KiB)
#define LIST_BUF	(512 * MiB + 8 * KiB)
#define OI(op)		(TDX_OPERAND_INVALID | TDX_OPERAND_ID_##op)

static struct fixture *fx_lp_ready(const struct emu_config *c)
{
	struct fixture *f = fx_new_cfg(c);

	do_sys_init(f);
	do_lp_init_all(f);
	return f;
}

static uint64_t rd(struct fixture *f, uint64_t id, struct emu_regs *r)
{
	return sc5(f, 1, TDH_SYS_RD, 0, id, 0, 0, r);
}

static uint64_t rd_value(struct fixture *f, uint64_t id)
{
	struct emu_regs r;

	if (rd(f, id, &r) != TDX_SUCCESS)
		fail_msg("SYS.RD 0x%016llx: 0x%016llx", (unsigned long long)id,
			 (unsigned long long)r.rax);
	return r.r8;
}

static void test_rd_values(void **state)
{
	struct emu_config c;
	struct fixture *f;
	static const struct { uint64_t id, value; } want[] = {
		{ MD_SYS_NUM_PKGS, 2 },
		{ MD_ELEM(MD_SYS_PKG_FMS, 1), 0x806f8 },
		{ MD_ELEM(MD_SYS_PKG_FMS, 2), 0 },
		{ MD_SYS_VENDOR_ID, 0x8086 },
		{ MD_SYS_BUILD_DATE, 20231008 },
		{ MD_SYS_BUILD_NUM, EMU_MODULE_BUILD_NUM },
		{ MD_SYS_MAJOR_VERSION, 1 },
		{ MD_SYS_MINOR_VERSION, 5 },
		{ MD_SYS_UPDATE_VERSION, 1 },
		{ MD_SYS_INTERNAL_VERSION, 0 },
		{ MD_SYS_MODULE_HV, 0 },
		{ MD_SYS_NO_DOWNGRADE, 0 },
		{ MD_SYS_SYS_ATTRIBUTES, 0 },
		{ MD_SYS_NUM_TDX_FEATURES, 1 },
		{ MD_SYS_NUM_CMRS, 32 },
		{ MD_ELEM(MD_SYS_CMR_BASE, 0), 1 * MiB },
		{ MD_ELEM(MD_SYS_CMR_SIZE, 0), SEAMRR_BASE - 1 * MiB },
		{ MD_ELEM(MD_SYS_CMR_BASE, 1), 4 * GiB },
		{ MD_ELEM(MD_SYS_CMR_SIZE, 1), 2 * GiB },
		{ MD_ELEM(MD_SYS_CMR_BASE, 2), 0 },
		{ MD_ELEM(MD_SYS_CMR_SIZE, 31), 0 },
		{ MD_SYS_MAX_TDMRS, 64 },
		{ MD_SYS_MAX_RESERVED_PER_TDMR, 16 },
		{ MD_SYS_PAMT_4K_ENTRY_SIZE, 16 },
		{ MD_SYS_PAMT_2M_ENTRY_SIZE, 16 },
		{ MD_SYS_PAMT_1G_ENTRY_SIZE, 16 },
		{ MD_SYS_TDR_BASE_SIZE, 4096 },
		{ MD_SYS_TDCS_BASE_SIZE, 24576 },
		{ MD_SYS_TDVPS_BASE_SIZE, 24576 },
		{ MD_SYS_ATTRIBUTES_FIXED0, 0x8000000070000001ull },
		{ MD_SYS_ATTRIBUTES_FIXED1, 0 },
		{ MD_SYS_XFAM_FIXED0, 0x6dbe7 & 0x602e7 },
		{ MD_SYS_XFAM_FIXED1, 3 },
		{ MD_SYS_NUM_CPUID_CONFIG, 12 },
		{ MD_SYS_CONFIG_FLAGS_FIXED0, 7 },
		{ MD_SYS_CONFIG_FLAGS_FIXED1, 0 },
		{ MD_SYS_MAX_VCPUS_PER_TD, EMU_MAX_VCPUS_PER_TD },
		{ MD_ELEM(MD_SYS_CPUID_CONFIG_LEAVES, 0), 0xffffffff00000001ull },
		{ MD_ELEM(MD_SYS_CPUID_CONFIG_LEAVES, 5), 0x7 },
		{ MD_ELEM(MD_SYS_CPUID_CONFIG_LEAVES, 9), 0xffffffff80000008ull },
		{ MD_ELEM(MD_SYS_CPUID_CONFIG_LEAVES, 11), 0x23 },
		{ MD_ELEM(MD_SYS_CPUID_CONFIG_LEAVES, 12), ~0ull },
		{ MD_SYS_CPUID_CONFIG_VALUE(0, 0), 0x00ff00000fff3fffull },
		{ MD_SYS_CPUID_CONFIG_VALUE(0, 1), 0xb844000031044d88ull },
		{ MD_SYS_CPUID_CONFIG_VALUE(5, 0), 0xdc2b9b1800000000ull },
		{ MD_SYS_CPUID_CONFIG_VALUE(12, 1), 0 },
		{ MD_SYS_IA32_ARCH_CAPABILITIES_CONFIG_MASK, 0x1180010 },
		{ MD_SYS_NUM_ALLOWED_FMS, 1 },
		{ MD_ELEM(MD_SYS_ALLOWED_FMS, 0), 0x806f8 },
		{ MD_ELEM(MD_SYS_ALLOWED_FMS, 1), 0 },
		{ MD_SYS_NUM_DISALLOWED_FMS, 0 },
		{ EMU_MD_MAX_MIGS, 512 },
		{ EMU_MD_SERVTD_ATTR_FIXED0, 0x000007ff00000001ull },
		/* Size, context and the non-arch bit do not select the field. */
		{ MD_SYS_MAX_TDMRS & ~(3ull << 32), 64 },
		{ MD_SYS_MAX_TDMRS | 2ull << 52, 64 },
		{ MD_SYS_BUILD_DATE & ~MD_NON_ARCH, 20231008 },
		/* The module's null ID is all ones; 0 is NUM_PKGS. */
		{ 0, 2 },
	};
	uint64_t f0;

	(void)state;
	platform_config(&c);
	c.xfam_supported = 0x602e7;
	f = fx_lp_ready(&c);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint64_t v = rd_value(f, want[i].id);

		if (v != want[i].value)
			fail_msg("0x%016llx: 0x%llx, want 0x%llx", (unsigned long long)want[i].id,
				 (unsigned long long)v, (unsigned long long)want[i].value);
	}
	f0 = rd_value(f, MD_SYS_TDX_FEATURES0);
	assert_true(f0 & TDX_FEATURES0_NO_RBP_MOD);
	assert_false(f0 & TDX_FEATURES0_LOCAL_ATTESTATION);
	assert_int_equal(f0 & ~0xf0ebfull, 0);
	fx_free(f);
}

static void test_rd_ids(void **state)
{
	struct fixture *f = fx_new();
	struct emu_regs r;
	static const uint64_t bad[] = {
		0x0000000200000100ull,			/* no such field */
		0x3f00000300000000ull,			/* no such class */
		MD_ELEM(MD_SYS_CMR_BASE, 32),		/* past the array */
		MD_SYS_NUM_PKGS | 1ull << 24,		/* reserved 31:24 */
		MD_SYS_NUM_PKGS | 1ull << 48,		/* reserved 49:47 */
		MD_SYS_NUM_PKGS | 1ull << 55,
		MD_SYS_NUM_PKGS | 1ull << 62,
		MD_SYS_NUM_PKGS | 1ull << 34,		/* LAST_ELEMENT */
		MD_SYS_NUM_PKGS | 1ull << 38,		/* LAST_FIELD */
	};

	(void)state;
	do_sys_init(f);
	assert_int_equal(rd(f, MD_SYS_NUM_PKGS, &r), TDX_SYS_LP_INIT_NOT_DONE);
	assert_int_equal(r.rdx, MD_FIELD_ID_NONE);
	do_lp_init_all(f);
	assert_int_equal(rd(f, MD_FIELD_ID_NONE, &r), TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	assert_int_equal(r.rdx, MD_SYS_NUM_PKGS);
	assert_int_equal(rd(f, ~(7ull << 52), &r), TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r.rdx = 0;
		assert_int_equal(rd(f, bad[i], &r), TDX_METADATA_FIELD_ID_INCORRECT);
		assert_int_equal(r.rdx, MD_FIELD_ID_NONE);
		assert_int_equal(r.r8, 0);
	}
	/* Next element, across arrays and fields. */
	assert_int_equal(rd(f, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.rdx, MD_SYS_PKG_FMS);
	assert_int_equal(rd(f, MD_ELEM(MD_SYS_CMR_BASE, 31), &r), TDX_SUCCESS);
	assert_int_equal(r.rdx, MD_SYS_CMR_SIZE);
	assert_int_equal(rd(f, MD_SYS_CPUID_CONFIG_VALUE(31, 1), &r), TDX_SUCCESS);
	assert_int_equal(r.rdx, MD_SYS_IA32_ARCH_CAPABILITIES_CONFIG_MASK);
	assert_int_equal(rd(f, MD_SYS_CONFIG_FLAGS_FIXED1, &r), TDX_SUCCESS);
	assert_int_equal(r.rdx, MD_SYS_MAX_VCPUS_PER_TD);
	assert_int_equal(rd(f, EMU_MD_L2_DEBUG_CTLS_FIXED1, &r), TDX_SUCCESS);
	assert_int_equal(r.rdx, MD_FIELD_ID_NONE);
	fx_free(f);
}

struct element {
	uint64_t id, value;
};

/* Walks TDH.SYS.RD from the null ID; returns the element count. */
static size_t walk_rd(struct fixture *f, struct element *out, size_t cap)
{
	struct emu_regs r;
	size_t n = 0;

	assert_int_equal(rd(f, MD_FIELD_ID_NONE, &r), TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	for (uint64_t id = r.rdx; id != MD_FIELD_ID_NONE; id = r.rdx) {
		assert_true(n < cap);
		assert_int_equal(rd(f, id, &r), TDX_SUCCESS);
		out[n++] = (struct element){ id, r.r8 };
	}
	return n;
}

static void test_rd_walk(void **state)
{
	struct fixture *f = fx_new();
	static struct element e[1024];
	size_t n;

	(void)state;
	do_sys_init(f);
	do_lp_init_all(f);
	n = walk_rd(f, e, 1024);
	/* 1.5.01's 354 elements plus MAX_VCPUS_PER_TD. */
	assert_int_equal(n, 355);
	for (size_t i = 1; i < n; i++) {
		uint64_t a = (uint64_t)MD_CLASS(e[i - 1].id) << 24 | MD_FIELD_CODE(e[i - 1].id);
		uint64_t b = (uint64_t)MD_CLASS(e[i].id) << 24 | MD_FIELD_CODE(e[i].id);

		if (a >= b)
			fail_msg("order: 0x%016llx then 0x%016llx", (unsigned long long)e[i - 1].id,
				 (unsigned long long)e[i].id);
		assert_int_equal(e[i].id & (MD_SINGLE_ELEMENT_MBZ_MASK | 7ull << 52), 0);
	}
	fx_free(f);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* Parses an RDALL list (emu_internal.h) into elements; returns how many. */
static size_t parse_list(const uint8_t *buf, struct element *out, size_t cap)
{
	uint16_t size, nseq;
	size_t off = 8, n = 0;

	memcpy(&size, buf, 2);
	memcpy(&nseq, buf + 2, 2);
	assert_int_equal(get64(buf) >> 32, 0);
	for (unsigned s = 0; s < nseq; s++) {
		uint64_t hdr = get64(buf + off);
		unsigned nf = MD_LAST_FIELD(hdr) + 1, ne = MD_LAST_ELEMENT(hdr) + 1;
		uint64_t base = hdr & ~(MD_LAST_ELEMENT_MASK | MD_LAST_FIELD_MASK);

		assert_int_equal(hdr & (MD_RESERVED_MASK | MD_WRITE_MASK_VALID | 7ull << 52), 0);
		off += 8;
		for (unsigned k = 0; k < nf * ne; k++, off += 8) {
			assert_true(n < cap);
			out[n++] = (struct element){ base + k, get64(buf + off) };
		}
	}
	assert_int_equal(off, size);
	return n;
}

static void test_rdall(void **state)
{
	struct fixture *f = fx_new();
	static struct element by_rd[1024], by_list[1024];
	static uint8_t page[4096];
	struct emu_regs r;
	size_t n, m;

	(void)state;
	do_sys_init(f);
	do_lp_init_all(f);
	n = walk_rd(f, by_rd, 1024);
	assert_int_equal(sc5(f, 2, TDH_SYS_RDALL, 0, LIST_BUF, MD_FIELD_ID_NONE, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.r8, MD_FIELD_ID_NONE);
	assert_int_equal(fm_read(&f->fm, LIST_BUF, page, sizeof(page)), 0);
	m = parse_list(page, by_list, 1024);
	assert_int_equal(m, n);
	/* A sequence has one header, so BUILD_DATE, which follows VENDOR_ID,
	 * comes without its non-arch bit. */
	for (size_t i = 0; i < n; i++) {
		if ((by_list[i].id ^ by_rd[i].id) & ~MD_NON_ARCH || by_list[i].value != by_rd[i].value)
			fail_msg("element %zu: list 0x%016llx=0x%llx, rd 0x%016llx=0x%llx", i,
				 (unsigned long long)by_list[i].id, (unsigned long long)by_list[i].value,
				 (unsigned long long)by_rd[i].id, (unsigned long long)by_rd[i].value);
	}
	/* VENDOR_ID and BUILD_DATE (32-bit, codes 0 and 1) share a sequence. */
	assert_int_equal(get64(page + 8), MD_SYS_NUM_PKGS | 8ull << 38);	/* + PKG_FMS */
	assert_int_equal(get64(page + 8 + 8 + 9 * 8), MD_SYS_VENDOR_ID | 1ull << 38);

	/* From the middle of an array. */
	assert_int_equal(sc5(f, 2, TDH_SYS_RDALL, 0, LIST_BUF, MD_ELEM(MD_SYS_CMR_BASE, 5), 0, &r),
			 TDX_SUCCESS);
	assert_int_equal(fm_read(&f->fm, LIST_BUF, page, sizeof(page)), 0);
	assert_int_equal(get64(page + 8), MD_ELEM(MD_SYS_CMR_BASE, 5) | 26ull << 38);
	assert_int_equal(get64(page + 16), 0);

	assert_int_equal(sc5(f, 2, TDH_SYS_RDALL, 0, LIST_BUF, MD_SYS_CPUID_CONFIG_VALUE(0, 1), 0, &r),
			 TDX_METADATA_FIELD_ID_INCORRECT);
	assert_int_equal(r.r8, MD_FIELD_ID_NONE);
	assert_int_equal(sc5(f, 2, TDH_SYS_RDALL, 0, LIST_BUF, MD_SYS_MAX_TDMRS | 3ull << 32, 0, &r),
			 TDX_METADATA_FIELD_ID_INCORRECT);
	assert_int_equal(sc5(f, 2, TDH_SYS_RDALL, 0, LIST_BUF, 0x0000000200000100ull, 0, &r),
			 TDX_METADATA_FIELD_ID_INCORRECT);
	assert_int_equal(sc5(f, 2, TDH_SYS_RDALL, 0, LIST_BUF + 2048, MD_FIELD_ID_NONE, 0, &r), OI(RDX));
	assert_int_equal(sc5(f, 2, TDH_SYS_RDALL, 0, SEAMRR_BASE, MD_FIELD_ID_NONE, 0, &r), OI(RDX));
	assert_int_equal(sc5(f, 2, TDH_SYS_RDALL, 0, HOLE_PA, MD_FIELD_ID_NONE, 0, &r), OI(RDX));
	fx_free(f);
}

static void test_sys_info(void **state)
{
	struct fixture *f = fx_new();
	struct tdx_sysinfo s;
	struct tdx_cmr_info cmr[32];
	struct emu_regs r;
	uint8_t fill[1024];

	(void)state;
	do_sys_init(f);
	do_lp_init_all(f);
	memset(fill, 0xa5, sizeof(fill));
	assert_int_equal(fm_write(&f->fm, INFO_BUF, fill, sizeof(fill)), 0);
	assert_int_equal(fm_write(&f->fm, CMR_BUF, fill, 512), 0);

	assert_int_equal(sc5(f, 0, TDH_SYS_INFO, INFO_BUF + 512, 1024, CMR_BUF, 32, &r), OI(RCX));
	assert_int_equal(r.rdx | r.r9, 0);
	assert_int_equal(sc5(f, 0, TDH_SYS_INFO, HOLE_PA, 1024, CMR_BUF, 32, &r), OI(RCX));
	assert_int_equal(sc5(f, 0, TDH_SYS_INFO, INFO_BUF, 1023, CMR_BUF, 32, &r), OI(RDX));
	assert_int_equal(sc5(f, 0, TDH_SYS_INFO, INFO_BUF, 1024, CMR_BUF + 256, 32, &r), OI(R8));
	/* By then the module had cleared TDSYSINFO_STRUCT. */
	assert_int_equal(fm_read(&f->fm, INFO_BUF, &s, sizeof(s)), 0);
	assert_int_equal(s.vendor_id | s.reserved5[3], 0);
	assert_int_equal(sc5(f, 0, TDH_SYS_INFO, INFO_BUF, 1024, CMR_BUF, 31, &r), OI(R9));

	assert_int_equal(sc5(f, 3, TDH_SYS_INFO, INFO_BUF, 4096, CMR_BUF, 64, &r), TDX_SUCCESS);
	assert_int_equal(r.rdx, 1024);
	assert_int_equal(r.r9, 32);
	assert_int_equal(fm_read(&f->fm, INFO_BUF, &s, sizeof(s)), 0);
	assert_int_equal(s.vendor_id, 0x8086);
	assert_int_equal(s.build_date, 20231008);
	assert_int_equal(s.major_version, 1);
	assert_int_equal(s.minor_version, 5);
	assert_int_equal(s.sys_rd, 1);
	assert_int_equal(s.max_tdmrs, 64);
	assert_int_equal(s.max_reserved_per_tdmr, 16);
	assert_int_equal(s.pamt_entry_size, 16);
	assert_int_equal(s.tdcs_base_size, 24576);
	assert_int_equal(s.tdvps_base_size, 24576);
	assert_int_equal(s.attributes_fixed0, 0x8000000070000001ull);
	assert_int_equal(s.xfam_fixed0, 0x6dbe7);
	assert_int_equal(s.xfam_fixed1, 3);
	assert_int_equal(s.num_cpuid_config, 12);
	assert_int_equal(s.cpuid_configs[0].leaf, 1);
	assert_int_equal(s.cpuid_configs[0].sub_leaf, 0xffffffffu);
	assert_int_equal(s.cpuid_configs[0].eax, 0x0fff3fff);
	assert_int_equal(s.cpuid_configs[9].leaf, 0x80000008u);
	assert_int_equal(s.cpuid_configs[12].leaf, 0);
	assert_int_equal(fm_read(&f->fm, CMR_BUF, cmr, sizeof(cmr)), 0);
	assert_int_equal(cmr[0].base, 1 * MiB);
	assert_int_equal(cmr[1].size, 2 * GiB);
	assert_int_equal(cmr[2].base | cmr[2].size | cmr[31].base | cmr[31].size, 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rd_values),
		cmocka_unit_test(test_rd_ids),
		cmocka_unit_test(test_rd_walk),
		cmocka_unit_test(test_rdall),
		cmocka_unit_test(test_sys_info),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
