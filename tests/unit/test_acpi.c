/*
 * Unit tests for drivers/acpi.c.
 *
 * Synthetic ACPI tables are laid out in a fake physical memory buffer.
 * fake_map() hands out an exactly-sized heap copy of each requested range,
 * so AddressSanitizer flags any read past what map() returned.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/acpi.h"

/* ---- fake physical memory and ops ---- */

#define MEM_BASE 0x100000ull
#define MEM_SIZE 0x40000u
#define MAX_MSGS 64

#define RSDP_PA (MEM_BASE + 0x0000)
#define RSDT_PA (MEM_BASE + 0x1000)
#define XSDT_PA (MEM_BASE + 0x2003) /* deliberately unaligned */
#define FACP_PA (MEM_BASE + 0x3000)
#define APIC_PA (MEM_BASE + 0x4000)
#define SPCR_PA (MEM_BASE + 0x5000)
#define DSDT_PA (MEM_BASE + 0x6000)
#define SSDT_PA (MEM_BASE + 0x7000)
#define DSDT2_PA (MEM_BASE + 0x8000)
#define MISC_PA (MEM_BASE + 0x9000)
#define BIG_PA (MEM_BASE + 0x10000)
#define MEM_END (MEM_BASE + MEM_SIZE)

struct fake {
	uint8_t mem[MEM_SIZE];
	void **allocs;
	size_t nallocs, cap;
	char msgs[MAX_MSGS][256];
	unsigned nwarn;
};

static struct fake F;

static const void *fake_map(void *ctx, uint64_t pa, uint64_t len)
{
	struct fake *f = ctx;
	void *copy;

	if (pa < MEM_BASE || pa - MEM_BASE > MEM_SIZE || len > MEM_SIZE - (pa - MEM_BASE))
		return NULL;
	if (f->nallocs == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 64;
		f->allocs = realloc(f->allocs, f->cap * sizeof(*f->allocs));
		assert_non_null(f->allocs);
	}
	copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, f->mem + (pa - MEM_BASE), len);
	f->allocs[f->nallocs++] = copy;
	return copy;
}

static void fake_warn(void *ctx, const char *fmt, ...)
{
	struct fake *f = ctx;
	char *m = f->msgs[f->nwarn % MAX_MSGS];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(f->msgs[0]), fmt, ap);
	va_end(ap);
	assert_true(m[0] != '\0');
	assert_null(strchr(m, '\n'));
	if (getenv("ACPI_TEST_VERBOSE"))
		fprintf(stderr, "warn: %s\n", m);
	f->nwarn++;
}

static const struct acpi_ops OPS = { .map = fake_map, .warn = fake_warn, .ctx = &F };

static void free_maps(void)
{
	for (size_t i = 0; i < F.nallocs; i++)
		free(F.allocs[i]);
	F.nallocs = 0;
}

static void reset_fake(void)
{
	free_maps();
	memset(F.mem, 0, sizeof(F.mem));
	F.nwarn = 0;
}

static int setup(void **state)
{
	(void)state;
	reset_fake();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free_maps();
	return 0;
}

/* Number of recorded warnings containing all of the given substrings. */
static unsigned warned(const char *a, const char *b)
{
	unsigned n = 0;

	for (unsigned i = 0; i < F.nwarn && i < MAX_MSGS; i++)
		if (strstr(F.msgs[i], a) && (!b || strstr(F.msgs[i], b)))
			n++;
	return n;
}

/* ---- table builders ---- */

static uint8_t *P(uint64_t pa)
{
	return F.mem + (pa - MEM_BASE);
}

/* Little-endian store of the low `size` bytes of v at pa. */
static void wle(uint64_t pa, uint64_t v, int size)
{
	for (int i = 0; i < size; i++)
		P(pa)[i] = (uint8_t)(v >> 8 * i);
}

static void w8(uint64_t pa, uint8_t v)
{
	wle(pa, v, 1);
}

static void w16(uint64_t pa, uint16_t v)
{
	wle(pa, v, 2);
}

static void w32(uint64_t pa, uint32_t v)
{
	wle(pa, v, 4);
}

static void w64(uint64_t pa, uint64_t v)
{
	wle(pa, v, 8);
}

static uint32_t r32(uint64_t pa)
{
	const uint8_t *p = P(pa);

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Make bytes [pa, pa+len) sum to zero by adjusting the byte at pa+off. */
static void csum(uint64_t pa, uint32_t len, uint32_t off)
{
	uint8_t s = 0;

	P(pa)[off] = 0;
	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + P(pa)[i]);
	P(pa)[off] = (uint8_t)-s;
}

/* Fix a table's checksum from its own Length field (if it fits in memory). */
static void fix(uint64_t pa)
{
	uint32_t len = r32(pa + 4);

	if (len >= 36 && pa + len <= MEM_END)
		csum(pa, len, 9);
}

static void hdr(uint64_t pa, const char *sig, uint32_t len, uint8_t rev)
{
	memset(P(pa), 0, 36);
	memcpy(P(pa), sig, 4);
	w32(pa + 4, len);
	w8(pa + 8, rev);
	memcpy(P(pa + 10), "BAREOE", 6);
	memcpy(P(pa + 16), "BTDXTBL1", 8);
}

static void build_root(uint64_t pa, const char *sig, const uint64_t *ents, unsigned n)
{
	unsigned esz = sig[0] == 'X' ? 8 : 4;

	hdr(pa, sig, 36 + n * esz, 1);
	for (unsigned i = 0; i < n; i++) {
		if (esz == 8)
			w64(pa + 36 + i * 8, ents[i]);
		else
			w32(pa + 36 + i * 4, (uint32_t)ents[i]);
	}
	fix(pa);
}

static void build_rsdp(uint8_t rev, uint64_t rsdt, uint64_t xsdt)
{
	memcpy(P(RSDP_PA), "RSD PTR ", 8);
	memcpy(P(RSDP_PA + 9), "BTDXOE", 6);
	w8(RSDP_PA + 15, rev);
	w32(RSDP_PA + 16, (uint32_t)rsdt);
	if (rev >= 2) {
		w32(RSDP_PA + 20, 36);
		w64(RSDP_PA + 24, xsdt);
	}
	csum(RSDP_PA, 20, 8);
	if (rev >= 2)
		csum(RSDP_PA, 36, 32);
}

static void build_dsdt(uint64_t pa, const char *sig, const uint8_t *aml, uint32_t n)
{
	/* Scope(\_SB_) with an empty body, so _S5 is not at the very start. */
	static const uint8_t filler[] = { 0x10, 0x05, 0x5c, 0x5f, 0x53, 0x42, 0x5f };

	hdr(pa, sig, 36 + sizeof(filler) + n, 2);
	memcpy(P(pa + 36), filler, sizeof(filler));
	memcpy(P(pa + 36 + sizeof(filler)), aml, n);
	fix(pa);
}

/* AML byte strings: AML(s) expands to (bytes, length) without the NUL. */
#define AML(s) (const uint8_t *)(s), sizeof(s) - 1
#define S5 "\x08_S5_" /* NameOp "_S5_" */
/* Name(_S5_, Package(4) {5, 7, 0, 0}) */
#define S5_STD AML(S5 "\x12\x08\x04\x0a\x05\x0a\x07\x00\x00")

/* Full-size (rev 6, 276-byte) FADT. */
static void build_fadt(uint64_t pa, uint64_t dsdt)
{
	memset(P(pa), 0, 276);
	hdr(pa, "FACP", 276, 6);
	w32(pa + 40, (uint32_t)dsdt);
	w16(pa + 46, 9);     /* SCI_INT */
	w32(pa + 64, 0x604); /* PM1a_CNT_BLK */
	w32(pa + 68, 0);     /* PM1b_CNT_BLK */
	w32(pa + 76, 0x608); /* PM_TMR_BLK */
	w8(pa + 91, 4);      /* PM_TMR_LEN */
	w16(pa + 109, 0x3);  /* IAPC_BOOT_ARCH: LEGACY_DEVICES | 8042 */
	w32(pa + 112, ACPI_FADT_RESET_REG_SUP | ACPI_FADT_TMR_VAL_EXT);
	w8(pa + 116, ACPI_GAS_IO); /* RESET_REG */
	w8(pa + 117, 8);
	w64(pa + 120, 0xcf9);
	w8(pa + 128, 0x06);        /* RESET_VALUE */
	w64(pa + 140, dsdt);       /* X_DSDT */
	w8(pa + 172, ACPI_GAS_IO); /* X_PM1a_CNT_BLK */
	w8(pa + 173, 16);
	w64(pa + 176, 0x604);
	w8(pa + 208, ACPI_GAS_IO); /* X_PM_TMR_BLK */
	w8(pa + 209, 32);
	w64(pa + 212, 0x608);
	fix(pa);
}

static void madt_begin(uint64_t pa, uint32_t lapic)
{
	hdr(pa, "APIC", 44, 5);
	w32(pa + 36, lapic);
	w32(pa + 40, 1);
}

/* Append raw entry bytes to the MADT at pa and refresh length/checksum. */
static void madt_add(uint64_t pa, const uint8_t *e, uint32_t n)
{
	uint32_t len = r32(pa + 4);

	memcpy(P(pa + len), e, n);
	w32(pa + 4, len + n);
	fix(pa);
}

static void madt_lapic(uint64_t pa, uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t e[8] = { 0, 8, uid, id, (uint8_t)flags, (uint8_t)(flags >> 8), 0, 0 };
	madt_add(pa, e, sizeof(e));
}

static void madt_x2apic(uint64_t pa, uint32_t id, uint32_t uid, uint32_t flags)
{
	uint8_t e[16] = { 9, 16 };
	for (int i = 0; i < 4; i++) {
		e[4 + i] = (uint8_t)(id >> 8 * i);
		e[8 + i] = (uint8_t)(flags >> 8 * i);
		e[12 + i] = (uint8_t)(uid >> 8 * i);
	}
	madt_add(pa, e, sizeof(e));
}

static void madt_ioapic(uint64_t pa, uint8_t id, uint32_t addr, uint32_t gsi)
{
	uint8_t e[12] = { 1, 12, id, 0 };
	for (int i = 0; i < 4; i++) {
		e[4 + i] = (uint8_t)(addr >> 8 * i);
		e[8 + i] = (uint8_t)(gsi >> 8 * i);
	}
	madt_add(pa, e, sizeof(e));
}

static void build_spcr(uint64_t pa, uint8_t space, uint64_t addr, uint8_t baud)
{
	memset(P(pa), 0, 80);
	hdr(pa, "SPCR", 80, 2);
	w8(pa + 36, 0); /* 16550 */
	w8(pa + 40, space);
	w8(pa + 41, 8);
	w8(pa + 43, 1);
	w64(pa + 44, addr);
	w8(pa + 58, baud);
	fix(pa);
}

/* The standard platform: FACP, APIC, SPCR (+ DSDT via FACP). */
static void build_std(uint8_t rsdp_rev)
{
	const uint64_t ents[] = { FACP_PA, APIC_PA, SPCR_PA };

	build_dsdt(DSDT_PA, "DSDT", S5_STD);
	build_fadt(FACP_PA, DSDT_PA);
	madt_begin(APIC_PA, 0xfee00000);
	madt_lapic(APIC_PA, 0, 0, 1);
	madt_lapic(APIC_PA, 1, 1, 1);
	madt_ioapic(APIC_PA, 2, 0xfec00000, 0);
	build_spcr(SPCR_PA, ACPI_GAS_IO, 0x3f8, 7);
	build_root(RSDT_PA, "RSDT", ents, 3);
	build_root(XSDT_PA, "XSDT", ents, 3);
	build_rsdp(rsdp_rev, RSDT_PA, rsdp_rev >= 2 ? XSDT_PA : 0);
}

static struct acpi_info INFO;
static struct acpi_madt MADT;

static void scan_ok(void)
{
	assert_int_equal(acpi_scan(&OPS, RSDP_PA, &INFO), 0);
}

/* ---- RSDP and root tables ---- */

static void test_v1_rsdt(void **state)
{
	const struct acpi_table_ref *t;
	const uint8_t *p;

	(void)state;
	build_std(0);
	scan_ok();
	assert_int_equal(INFO.rsdp_revision, 0);
	assert_string_equal(INFO.rsdp_oem, "BTDXOE");
	assert_false(INFO.xsdt);
	assert_int_equal(INFO.root_pa, RSDT_PA);
	assert_int_equal(INFO.ntables, 3);
	assert_int_equal(INFO.nskipped, 0);
	t = acpi_find(&INFO, "APIC", 0);
	assert_non_null(t);
	assert_int_equal(t->pa, APIC_PA);
	assert_int_equal(t->revision, 5);
	assert_string_equal(t->oem_id, "BAREOE");
	assert_string_equal(t->oem_table_id, "BTDXTBL1");
	assert_null(acpi_find(&INFO, "APIC", 1));
	assert_null(acpi_find(&INFO, "HPET", 0));
	assert_null(acpi_find(&INFO, "API", 0));
	p = acpi_map_table(&OPS, acpi_find(&INFO, "FACP", 0));
	assert_non_null(p);
	assert_memory_equal(p, "FACP", 4);
	assert_int_equal(F.nwarn, 0);
}

static void test_v2_xsdt(void **state)
{
	struct acpi_spcr spcr;
	struct acpi_fadt fadt;

	(void)state;
	build_std(2);
	scan_ok();
	assert_int_equal(INFO.rsdp_revision, 2);
	assert_true(INFO.xsdt);
	assert_int_equal(INFO.root_pa, XSDT_PA);
	assert_int_equal(INFO.ntables, 3);
	assert_non_null(acpi_find(&INFO, "SPCR", 0));

	assert_int_equal(acpi_parse_madt(&OPS, &INFO, &MADT), 0);
	assert_int_equal(MADT.lapic_pa, 0xfee00000);
	assert_int_equal(MADT.flags, 1);
	assert_int_equal(MADT.ncpus, 2);
	assert_int_equal(MADT.nenabled, 2);
	assert_int_equal(MADT.nioapics, 1);
	assert_int_equal(MADT.ioapics[0].addr, 0xfec00000);

	assert_int_equal(acpi_parse_spcr(&OPS, &INFO, &spcr), 0);
	assert_int_equal(spcr.base.space_id, ACPI_GAS_IO);
	assert_int_equal(spcr.base.address, 0x3f8);
	assert_int_equal(spcr.baud, 115200);

	assert_int_equal(acpi_parse_fadt(&OPS, &INFO, &fadt), 0);
	assert_int_equal(fadt.dsdt_pa, DSDT_PA);
	assert_int_equal(fadt.sci_int, 9);
	assert_int_equal(fadt.boot_flags, 3);
	assert_int_equal(fadt.pm1a_cnt, 0x604);
	assert_int_equal(fadt.pm1b_cnt, 0);
	assert_int_equal(fadt.pm_tmr_blk, 0x608);
	assert_true(fadt.pm_tmr_32bit);
	assert_true(fadt.reset_supported);
	assert_int_equal(fadt.reset_reg.address, 0xcf9);
	assert_int_equal(fadt.reset_value, 6);
	assert_true(fadt.s5_valid);
	assert_int_equal(fadt.slp_typa, 5);
	assert_int_equal(fadt.slp_typb, 7);
	assert_int_equal(F.nwarn, 0);
}

static void test_rsdp_bad_checksum(void **state)
{
	(void)state;
	build_std(0);
	P(RSDP_PA)[9] ^= 1;
	assert_int_equal(acpi_scan(&OPS, RSDP_PA, &INFO), -1);
	assert_int_equal(F.nwarn, 1);
	assert_int_equal(warned("RSDP", "bad checksum"), 1);
}

static void test_rsdp_bad_signature_or_unmapped(void **state)
{
	(void)state;
	build_std(0);
	P(RSDP_PA)[0] = 'X';
	assert_int_equal(acpi_scan(&OPS, RSDP_PA, &INFO), -1);
	assert_int_equal(warned("RSDP", "bad signature"), 1);
	assert_int_equal(acpi_scan(&OPS, 0xdead0000, &INFO), -1);
	assert_int_equal(warned("RSDP", "not mappable"), 1);
	assert_int_equal(acpi_scan(&OPS, MEM_END - 10, &INFO), -1);
	assert_int_equal(acpi_scan(&OPS, UINT64_MAX - 4, &INFO), -1);
	assert_int_equal(acpi_scan(NULL, RSDP_PA, &INFO), -1);
	assert_int_equal(acpi_scan(&OPS, RSDP_PA, NULL), -1);
}

static void test_rsdp_ext_unmappable(void **state)
{
	(void)state;
	build_std(2);
	/* Only the 20-byte ACPI 1.0 part fits before the end of memory. */
	memcpy(P(MEM_END - 20), P(RSDP_PA), 20);
	assert_int_equal(acpi_scan(&OPS, MEM_END - 20, &INFO), -1);
	assert_int_equal(warned("RSDP", "extended part not mappable"), 1);
	/* 36 bytes fit, but Length claims 40. */
	memcpy(P(MEM_END - 36), P(RSDP_PA), 36);
	w32(MEM_END - 36 + 20, 40);
	assert_int_equal(acpi_scan(&OPS, MEM_END - 36, &INFO), -1);
	assert_int_equal(warned("RSDP", "extended part not mappable"), 2);
	assert_int_equal(F.nwarn, 2);
}

static void test_rsdp_bad_ext_checksum(void **state)
{
	(void)state;
	build_std(2);
	P(RSDP_PA)[33] = 0x55; /* reserved byte: only the extended sum covers it */
	assert_int_equal(acpi_scan(&OPS, RSDP_PA, &INFO), -1);
	assert_int_equal(F.nwarn, 1);
	assert_int_equal(warned("RSDP", "bad extended checksum"), 1);

	/* Length below 36 with both checksums right is still rejected. */
	w32(RSDP_PA + 20, 20);
	csum(RSDP_PA, 20, 8);
	csum(RSDP_PA, 36, 32);
	assert_int_equal(acpi_scan(&OPS, RSDP_PA, &INFO), -1);
	assert_int_equal(warned("RSDP", "bad length"), 1);
	w32(RSDP_PA + 20, 1u << 30);
	csum(RSDP_PA, 20, 8);
	csum(RSDP_PA, 36, 32);
	assert_int_equal(acpi_scan(&OPS, RSDP_PA, &INFO), -1);
	assert_int_equal(warned("RSDP", "bad length"), 2);
}

static void test_xsdt_bad_falls_back(void **state)
{
	(void)state;
	build_std(2);
	P(XSDT_PA)[20] ^= 0xff;
	scan_ok();
	assert_false(INFO.xsdt);
	assert_int_equal(INFO.root_pa, RSDT_PA);
	assert_int_equal(INFO.ntables, 3);
	assert_int_equal(F.nwarn, 1);
	assert_int_equal(warned("XSDT", "bad checksum, falling back to RSDT"), 1);

	/* A table with the wrong signature at XsdtAddress also falls back. */
	reset_fake();
	build_std(2);
	memcpy(P(XSDT_PA), "RSDT", 4);
	fix(XSDT_PA);
	scan_ok();
	assert_false(INFO.xsdt);
	assert_int_equal(warned("expected signature XSDT", "falling back"), 1);
}

static void test_xsdt_zero_uses_rsdt(void **state)
{
	(void)state;
	build_std(0);
	build_rsdp(2, RSDT_PA, 0);
	scan_ok();
	assert_false(INFO.xsdt);
	assert_int_equal(INFO.ntables, 3);
	assert_int_equal(F.nwarn, 0);
}

static void test_no_usable_root(void **state)
{
	(void)state;
	build_std(2);
	P(XSDT_PA)[20] ^= 0xff;
	P(RSDT_PA)[20] ^= 0xff;
	assert_int_equal(acpi_scan(&OPS, RSDP_PA, &INFO), -1);
	assert_int_equal(F.nwarn, 2);
	assert_int_equal(warned("RSDT", "no usable root table"), 1);

	reset_fake();
	build_std(0);
	build_rsdp(0, 0, 0);
	assert_int_equal(acpi_scan(&OPS, RSDP_PA, &INFO), -1);
	assert_int_equal(warned("RSDT", "zero address"), 1);
}

static void test_bad_table_skipped(void **state)
{
	(void)state;
	build_std(2);
	P(APIC_PA)[44] ^= 0x10;
	scan_ok();
	assert_int_equal(INFO.ntables, 2);
	assert_int_equal(INFO.nskipped, 1);
	assert_int_equal(F.nwarn, 1);
	assert_int_equal(warned("APIC at 0x104000", "bad checksum, skipped"), 1);
	assert_non_null(acpi_find(&INFO, "FACP", 0));
	assert_non_null(acpi_find(&INFO, "SPCR", 0));
	assert_null(acpi_find(&INFO, "APIC", 0));
	assert_int_equal(acpi_parse_madt(&OPS, &INFO, &MADT), -1);
}

static void test_truncated_and_unmappable(void **state)
{
	const uint64_t tail = MEM_END - 100;
	const uint64_t ents[] = {
		FACP_PA, MISC_PA,      tail,    MISC_PA + 0x100, 0xdead0000,
		0,       MEM_END - 20, SPCR_PA, UINT64_MAX - 8,
	};

	(void)state;
	build_std(2);
	hdr(MISC_PA, "HPET", 12, 1); /* length 12 < 36 */
	fix(MISC_PA);
	hdr(tail, "SSDT", 200, 1);                  /* runs past the end of memory */
	hdr(MISC_PA + 0x100, "BERT", 17u << 20, 1); /* > 16 MiB */
	memcpy(P(MEM_END - 20), "MCFG", 4);         /* header itself not mappable */
	build_root(XSDT_PA, "XSDT", ents, 9);
	build_rsdp(2, RSDT_PA, XSDT_PA);
	scan_ok();
	assert_int_equal(INFO.ntables, 2);
	assert_int_equal(INFO.nskipped, 7);
	assert_int_equal(F.nwarn, 7);
	assert_int_equal(warned("HPET", "length 12 too short, skipped"), 1);
	assert_int_equal(warned("SSDT", "length 200 not mappable"), 1);
	assert_int_equal(warned("BERT", "too large"), 1);
	assert_int_equal(warned("table at 0xdead0000", "not mappable, skipped"), 1);
	assert_int_equal(warned("table at 0x0", "zero address"), 1);
	assert_int_equal(warned("table at 0x13ffec", "not mappable"), 1);
	assert_int_equal(warned("table at 0xfffffffffffffff7", "not mappable"), 1);
	assert_non_null(acpi_find(&INFO, "SPCR", 0));
}

static void test_table_cap(void **state)
{
	uint64_t ents[ACPI_MAX_TABLES + 6];

	(void)state;
	build_std(0);
	for (unsigned i = 0; i < ACPI_MAX_TABLES + 6; i++)
		ents[i] = i % 2 ? APIC_PA : FACP_PA;
	build_root(RSDT_PA, "RSDT", ents, ACPI_MAX_TABLES + 6);
	scan_ok();
	assert_int_equal(INFO.ntables, ACPI_MAX_TABLES);
	assert_int_equal(F.nwarn, 1);
	assert_int_equal(warned("RSDT lists 70 tables", "only 64 kept"), 1);
	assert_non_null(acpi_find(&INFO, "FACP", 31));
	assert_null(acpi_find(&INFO, "FACP", 32));
}

static void test_map_table_revalidates(void **state)
{
	struct acpi_spcr spcr;
	struct acpi_table_ref ref;

	(void)state;
	build_std(2);
	scan_ok();
	P(SPCR_PA)[50] ^= 1;
	assert_null(acpi_map_table(&OPS, acpi_find(&INFO, "SPCR", 0)));
	assert_int_equal(acpi_parse_spcr(&OPS, &INFO, &spcr), -1);
	assert_int_equal(warned("SPCR", "no longer validates"), 1);
	ref = *acpi_find(&INFO, "APIC", 0);
	ref.length += 1;
	assert_null(acpi_map_table(&OPS, &ref));
	assert_null(acpi_map_table(&OPS, NULL));
	assert_null(acpi_map_table(NULL, &ref));
	assert_null(acpi_find(NULL, "APIC", 0));
}

/* ---- MADT ---- */

static void test_madt_entries(void **state)
{
	const uint8_t unknown[6] = { 0x7f, 6, 1, 2, 3, 4 };
	const uint8_t override[12] = { 5, 12, 0, 0, 0x00, 0x00, 0xe1, 0xfe, 0, 0, 0, 0 };
	const uint64_t ents[] = { APIC_PA };

	(void)state;
	madt_begin(APIC_PA, 0xfee00000);
	madt_lapic(APIC_PA, 0, 0, 1);      /* enabled */
	madt_lapic(APIC_PA, 1, 1, 0);      /* disabled */
	madt_lapic(APIC_PA, 2, 2, 2);      /* online capable */
	madt_x2apic(APIC_PA, 0x100, 3, 1); /* x2APIC, enabled */
	madt_x2apic(APIC_PA, 1, 9, 1);     /* duplicate APIC ID 1 */
	madt_ioapic(APIC_PA, 4, 0xfec00000, 0);
	madt_ioapic(APIC_PA, 5, 0xfec01000, 24);
	madt_add(APIC_PA, override, sizeof(override));
	madt_add(APIC_PA, unknown, sizeof(unknown));
	madt_lapic(APIC_PA, 4, 3, 1); /* after the unknown entry */
	build_root(RSDT_PA, "RSDT", ents, 1);
	build_rsdp(0, RSDT_PA, 0);
	scan_ok();
	assert_int_equal(acpi_parse_madt(&OPS, &INFO, &MADT), 0);
	assert_int_equal(MADT.lapic_pa, 0xfee10000);
	assert_int_equal(MADT.ncpus, 5);
	assert_int_equal(MADT.nenabled, 4);
	assert_true(MADT.cpus[0].enabled);
	assert_false(MADT.cpus[1].enabled);
	assert_false(MADT.cpus[1].online_capable);
	assert_false(MADT.cpus[2].enabled);
	assert_true(MADT.cpus[2].online_capable);
	assert_true(MADT.cpus[3].x2apic);
	assert_int_equal(MADT.cpus[3].apic_id, 0x100);
	assert_int_equal(MADT.cpus[3].uid, 3);
	assert_false(MADT.cpus[4].x2apic);
	assert_int_equal(MADT.cpus[4].apic_id, 3);
	assert_int_equal(MADT.cpus[4].uid, 4);
	assert_int_equal(MADT.nioapics, 2);
	assert_int_equal(MADT.ioapics[1].id, 5);
	assert_int_equal(MADT.ioapics[1].addr, 0xfec01000);
	assert_int_equal(MADT.ioapics[1].gsi_base, 24);
	assert_int_equal(F.nwarn, 1);
	assert_int_equal(warned("duplicate APIC ID 0x1", NULL), 1);
}

/* Build a MADT of two CPUs, then the raw bytes `bad`, then another CPU. */
static void madt_with_bad(const uint8_t *bad, uint32_t n, bool tail_cpu)
{
	const uint64_t ents[] = { APIC_PA };

	madt_begin(APIC_PA, 0xfee00000);
	madt_lapic(APIC_PA, 0, 0, 1);
	madt_lapic(APIC_PA, 1, 1, 1);
	madt_add(APIC_PA, bad, n);
	if (tail_cpu)
		madt_lapic(APIC_PA, 2, 2, 1);
	build_root(RSDT_PA, "RSDT", ents, 1);
	build_rsdp(0, RSDT_PA, 0);
	scan_ok();
	assert_int_equal(acpi_parse_madt(&OPS, &INFO, &MADT), 0);
	assert_int_equal(MADT.ncpus, 2);
	assert_int_equal(F.nwarn, 1);
}

static void test_madt_zero_length_entry(void **state)
{
	const uint8_t bad[2] = { 0, 0 };

	(void)state;
	madt_with_bad(bad, sizeof(bad), true);
	assert_int_equal(warned("type 0 entry at offset 60 has bad length 0", "stopped"), 1);
}

static void test_madt_entry_past_end(void **state)
{
	const uint8_t bad[8] = { 9, 16, 0, 0, 5, 0, 0, 0 };

	(void)state;
	madt_with_bad(bad, sizeof(bad), false);
	assert_int_equal(warned("bad length 16", "stopped"), 1);
}

static void test_madt_entry_too_short_for_type(void **state)
{
	const uint8_t bad[8] = { 9, 8, 0, 0, 5, 0, 0, 0 }; /* x2APIC needs 16 */

	(void)state;
	madt_with_bad(bad, sizeof(bad), true);
	assert_int_equal(warned("type 9 entry", "bad length 8"), 1);
}

static void test_madt_stray_byte(void **state)
{
	const uint8_t bad[1] = { 0 };

	(void)state;
	madt_with_bad(bad, sizeof(bad), false);
	assert_int_equal(warned("1 stray bytes", NULL), 1);
}

static void test_madt_short_and_absent(void **state)
{
	const uint64_t ents[] = { APIC_PA };

	(void)state;
	hdr(APIC_PA, "APIC", 40, 1);
	fix(APIC_PA);
	build_root(RSDT_PA, "RSDT", ents, 1);
	build_rsdp(0, RSDT_PA, 0);
	scan_ok();
	assert_int_equal(acpi_parse_madt(&OPS, &INFO, &MADT), -1);
	assert_int_equal(warned("MADT: length 40 too short", NULL), 1);
	build_root(RSDT_PA, "RSDT", ents, 0);
	scan_ok();
	assert_int_equal(acpi_parse_madt(&OPS, &INFO, &MADT), -1);
	assert_int_equal(acpi_parse_madt(&OPS, &INFO, NULL), -1);
	assert_int_equal(acpi_parse_madt(NULL, &INFO, &MADT), -1);
}

static void test_madt_caps(void **state)
{
	const uint64_t ents[] = { BIG_PA };

	(void)state;
	madt_begin(BIG_PA, 0xfee00000);
	for (uint32_t i = 0; i < ACPI_MAX_CPUS + 6; i++)
		madt_x2apic(BIG_PA, i, i, 1);
	for (uint8_t i = 0; i < ACPI_MAX_IOAPICS + 2; i++)
		madt_ioapic(BIG_PA, i, 0xfec00000 + i * 0x1000u, i * 24u);
	build_root(RSDT_PA, "RSDT", ents, 1);
	build_rsdp(0, RSDT_PA, 0);
	scan_ok();
	assert_int_equal(acpi_parse_madt(&OPS, &INFO, &MADT), 0);
	assert_int_equal(MADT.ncpus, ACPI_MAX_CPUS);
	assert_int_equal(MADT.nenabled, ACPI_MAX_CPUS);
	assert_int_equal(MADT.cpus[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
	assert_int_equal(MADT.nioapics, ACPI_MAX_IOAPICS);
	assert_int_equal(F.nwarn, 2);
	assert_int_equal(warned("6 CPUs beyond 1024", NULL), 1);
	assert_int_equal(warned("2 I/O APICs beyond 16", NULL), 1);
}

/* ---- SPCR ---- */

static int spcr_with(uint8_t space, uint64_t addr, uint8_t baud, struct acpi_spcr *s)
{
	reset_fake();
	build_std(2);
	build_spcr(SPCR_PA, space, addr, baud);
	scan_ok();
	return acpi_parse_spcr(&OPS, &INFO, s);
}

static void test_spcr(void **state)
{
	static const struct {
		uint8_t code;
		uint32_t baud;
	} bauds[] = {
		{ 0, 0 }, { 3, 9600 }, { 4, 19200 }, { 6, 57600 }, { 7, 115200 },
	};
	struct acpi_spcr s;

	(void)state;
	assert_int_equal(spcr_with(ACPI_GAS_IO, 0x2f8, 3, &s), 0);
	assert_int_equal(s.base.space_id, ACPI_GAS_IO);
	assert_int_equal(s.base.address, 0x2f8);
	assert_int_equal(s.base.bit_width, 8);
	assert_int_equal(s.interface_type, 0);
	assert_int_equal(s.baud, 9600);

	assert_int_equal(spcr_with(ACPI_GAS_MEMORY, 0xfe030000, 6, &s), 0);
	assert_int_equal(s.base.space_id, ACPI_GAS_MEMORY);
	assert_int_equal(s.base.address, 0xfe030000);
	assert_int_equal(s.baud, 57600);
	assert_int_equal(F.nwarn, 0);

	for (unsigned i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++) {
		assert_int_equal(spcr_with(ACPI_GAS_IO, 0x3f8, bauds[i].code, &s), 0);
		assert_int_equal(s.baud, bauds[i].baud);
		assert_int_equal(F.nwarn, 0);
	}

	assert_int_equal(spcr_with(ACPI_GAS_IO, 0x3f8, 5, &s), 0);
	assert_int_equal(s.baud, 0);
	assert_int_equal(warned("unknown baud rate code 5", NULL), 1);

	assert_int_equal(spcr_with(2, 0x3f8, 7, &s), -1); /* PCI config space */
	assert_int_equal(warned("SPCR: unusable base address (space 2", NULL), 1);
	assert_int_equal(spcr_with(ACPI_GAS_IO, 0, 7, &s), -1);
	assert_int_equal(warned("SPCR: unusable", NULL), 1);
}

static void test_spcr_short_and_absent(void **state)
{
	const uint64_t ents[] = { SPCR_PA };
	struct acpi_spcr s;

	(void)state;
	build_std(0);
	w32(SPCR_PA + 4, 52); /* GAS complete, baud field absent */
	fix(SPCR_PA);
	scan_ok();
	assert_int_equal(acpi_parse_spcr(&OPS, &INFO, &s), 0);
	assert_int_equal(s.baud, 0);
	w32(SPCR_PA + 4, 51);
	fix(SPCR_PA);
	scan_ok();
	assert_int_equal(acpi_parse_spcr(&OPS, &INFO, &s), -1);
	assert_int_equal(warned("SPCR: length 51 too short", NULL), 1);
	build_root(RSDT_PA, "RSDT", ents, 0);
	scan_ok();
	F.nwarn = 0;
	assert_int_equal(acpi_parse_spcr(&OPS, &INFO, &s), -1);
	assert_int_equal(F.nwarn, 0);
}

/* ---- FADT ---- */

static int fadt_parse(uint8_t rsdp_rev, struct acpi_fadt *f)
{
	const uint64_t ents[] = { FACP_PA };

	build_root(RSDT_PA, "RSDT", ents, 1);
	build_root(XSDT_PA, "XSDT", ents, 1);
	build_rsdp(rsdp_rev, RSDT_PA, rsdp_rev ? XSDT_PA : 0);
	scan_ok();
	return acpi_parse_fadt(&OPS, &INFO, f);
}

static void test_fadt_short_v1(void **state)
{
	struct acpi_fadt f;

	(void)state;
	build_dsdt(DSDT_PA, "DSDT", S5_STD);
	build_fadt(FACP_PA, DSDT_PA);
	w32(FACP_PA + 4, 116); /* ACPI 1.0 FADT */
	w8(FACP_PA + 8, 1);
	w16(FACP_PA + 109, 0); /* reserved in 1.0 */
	fix(FACP_PA);
	/* Bytes after 116 hold X_DSDT garbage that must be ignored. */
	w64(FACP_PA + 140, 0xdead0000);
	assert_int_equal(fadt_parse(0, &f), 0);
	assert_int_equal(f.dsdt_pa, DSDT_PA);
	assert_int_equal(f.sci_int, 9);
	assert_int_equal(f.pm1a_cnt, 0x604);
	assert_int_equal(f.pm_tmr_blk, 0x608);
	assert_int_equal(f.flags, ACPI_FADT_RESET_REG_SUP | ACPI_FADT_TMR_VAL_EXT);
	assert_false(f.reset_supported); /* RESET_REG lies past the end */
	assert_int_equal(f.reset_reg.address, 0);
	assert_true(f.s5_valid);
	assert_int_equal(F.nwarn, 0);

	/* Shorter still: flags and everything after are absent. */
	reset_fake();
	build_dsdt(DSDT_PA, "DSDT", S5_STD);
	build_fadt(FACP_PA, DSDT_PA);
	w32(FACP_PA + 4, 80);
	fix(FACP_PA);
	assert_int_equal(fadt_parse(0, &f), 0);
	assert_int_equal(f.pm1a_cnt, 0x604);
	assert_int_equal(f.pm_tmr_blk, 0); /* PM_TMR_LEN at 91 absent */
	assert_int_equal(f.flags, 0);
	assert_false(f.pm_tmr_32bit);
	assert_int_equal(f.boot_flags, 0);
	assert_true(f.s5_valid);
}

static void test_fadt_x_fields_preferred(void **state)
{
	struct acpi_fadt f;

	(void)state;
	build_dsdt(DSDT_PA, "DSDT", S5_STD);
	build_dsdt(DSDT2_PA, "DSDT", AML(S5 "\x12\x06\x02\x0a\x03\x0a\x04"));
	build_fadt(FACP_PA, DSDT_PA);
	w64(FACP_PA + 140, DSDT2_PA);   /* X_DSDT */
	w32(FACP_PA + 68, 0x640);       /* PM1b legacy */
	w8(FACP_PA + 172, ACPI_GAS_IO); /* X_PM1a_CNT_BLK */
	w64(FACP_PA + 176, 0x1004);
	w8(FACP_PA + 184, ACPI_GAS_MEMORY); /* X_PM1b: memory, not a port */
	w64(FACP_PA + 188, 0xfed00000);
	w8(FACP_PA + 208, ACPI_GAS_IO); /* X_PM_TMR_BLK */
	w64(FACP_PA + 212, 0x1008);
	w8(FACP_PA + 91, 0); /* PM_TMR_LEN irrelevant with X_ */
	fix(FACP_PA);
	assert_int_equal(fadt_parse(2, &f), 0);
	assert_int_equal(f.dsdt_pa, DSDT2_PA);
	assert_int_equal(f.slp_typa, 3);
	assert_int_equal(f.slp_typb, 4);
	assert_int_equal(f.pm1a_cnt, 0x1004);
	assert_int_equal(f.pm1b_cnt, 0x640);
	assert_int_equal(f.pm_tmr_blk, 0x1008);
	assert_int_equal(F.nwarn, 0);

	/* Legacy PM timer with PM_TMR_LEN != 4 is absent. */
	w64(FACP_PA + 212, 0);
	fix(FACP_PA);
	assert_int_equal(fadt_parse(2, &f), 0);
	assert_int_equal(f.pm_tmr_blk, 0);
	w8(FACP_PA + 91, 4);
	fix(FACP_PA);
	assert_int_equal(fadt_parse(2, &f), 0);
	assert_int_equal(f.pm_tmr_blk, 0x608);
}

static bool fadt_reset(uint8_t space, uint64_t addr, uint32_t flags, uint32_t len)
{
	struct acpi_fadt f;

	reset_fake();
	build_dsdt(DSDT_PA, "DSDT", S5_STD);
	build_fadt(FACP_PA, DSDT_PA);
	w8(FACP_PA + 116, space);
	w64(FACP_PA + 120, addr);
	w32(FACP_PA + 112, flags);
	w32(FACP_PA + 4, len);
	fix(FACP_PA);
	assert_int_equal(fadt_parse(2, &f), 0);
	if (len > 128)
		assert_int_equal(f.reset_value, 6);
	return f.reset_supported;
}

static void test_fadt_reset_register(void **state)
{
	const uint32_t sup = ACPI_FADT_RESET_REG_SUP;

	(void)state;
	assert_true(fadt_reset(ACPI_GAS_IO, 0xcf9, sup, 276));
	assert_true(fadt_reset(ACPI_GAS_MEMORY, 0xfed00000, sup, 276));
	assert_true(fadt_reset(ACPI_GAS_IO, 0xcf9, sup, 129));
	assert_false(fadt_reset(ACPI_GAS_IO, 0xcf9, sup, 128)); /* RESET_VALUE absent */
	assert_false(fadt_reset(ACPI_GAS_IO, 0xcf9, 0, 276));   /* flag clear */
	assert_false(fadt_reset(2, 0xcf9, sup, 276));           /* PCI config */
	assert_false(fadt_reset(ACPI_GAS_IO, 0, sup, 276));
}

static void test_fadt_absent(void **state)
{
	struct acpi_fadt f;

	(void)state;
	build_std(0);
	build_rsdp(0, RSDT_PA, 0);
	build_root(RSDT_PA, "RSDT", (const uint64_t[]){ APIC_PA }, 1);
	scan_ok();
	assert_int_equal(acpi_parse_fadt(&OPS, &INFO, &f), -1);
	assert_false(f.s5_valid);
	assert_int_equal(acpi_parse_fadt(&OPS, &INFO, NULL), -1);
}

/* ---- _S5 ---- */

struct s5_case {
	const char *name;
	const uint8_t *aml;
	uint32_t n;
	bool valid;
	uint8_t a, b;
};


static const struct s5_case S5_CASES[] = {
	{ "zero/one ops", AML(S5 "\x12\x06\x04\x00\x01\x00\x00"), true, 0, 1 },
	{ "byte prefix", AML(S5 "\x12\x06\x02\x0a\x05\x0a\x07"), true, 5, 7 },
	{ "word prefix", AML(S5 "\x12\x08\x02\x0b\x05\x01\x0b\x07\x00"), true, 5, 7 },
	{ "mixed", AML(S5 "\x12\x05\x02\x0a\x06\x01"), true, 6, 1 },
	{ "root prefix", AML("\x08\\_S5_\x12\x06\x02\x0a\x03\x0a\x04"), true, 3, 4 },
	{ "2-byte pkglen", AML(S5 "\x12\x47\x00\x02\x0a\x05\x0a\x06"), true, 5, 6 },
	{ "4-byte pkglen", AML(S5 "\x12\xc9\x00\x00\x00\x02\x0a\x05\x0a\x06"), true, 5, 6 },
	{ "decoy", AML("\x0d_S5_\x00" S5 "\x12\x06\x02\x0a\x02\x0a\x03"), true, 2, 3 },
	{ "failed candidate", AML(S5 "\x0a\x05" S5 "\x12\x05\x02\x00\x0a\x07"), true, 0, 7 },
	{ "no name op", AML("\x0d_S5_\x12\x06\x02\x0a\x05\x0a\x05"), false, 0, 0 },
	{ "not a package", AML(S5 "\x0a\x05"), false, 0, 0 },
	{ "one element", AML(S5 "\x12\x04\x01\x0a\x05"), false, 0, 0 },
	{ "string element", AML(S5 "\x12\x06\x02\x0d\x61\x00\x01"), false, 0, 0 },
	{ "pkglen too small", AML(S5 "\x12\x04\x02\x0a\x05\x0a\x06"), false, 0, 0 },
	{ "truncated element", AML(S5 "\x12\x06\x02\x0a\x05\x0a"), false, 0, 0 },
	{ "truncated word", AML(S5 "\x12\x06\x02\x0a\x05\x0b\x07"), false, 0, 0 },
	{ "truncated pkglen", AML(S5 "\x12\xc9\x00"), false, 0, 0 },
	{ "truncated after op", AML(S5 "\x12"), false, 0, 0 },
	{ "truncated name", AML("\x08_S5"), false, 0, 0 },
};

static void test_s5_encodings(void **state)
{
	struct acpi_fadt f;

	(void)state;
	for (unsigned i = 0; i < sizeof(S5_CASES) / sizeof(S5_CASES[0]); i++) {
		const struct s5_case *c = &S5_CASES[i];

		reset_fake();
		build_dsdt(DSDT_PA, "DSDT", c->aml, c->n);
		build_fadt(FACP_PA, DSDT_PA);
		assert_int_equal(fadt_parse(2, &f), 0);
		if (f.s5_valid != c->valid ||
		    (c->valid && (f.slp_typa != c->a || f.slp_typb != c->b)))
			fail_msg("_S5 case '%s': valid %d a %u b %u", c->name, f.s5_valid,
				 f.slp_typa, f.slp_typb);
		if (!c->valid) {
			assert_int_equal(F.nwarn, 1);
			assert_int_equal(warned("no usable _S5", NULL), 1);
			continue;
		}
		assert_int_equal(F.nwarn, 0);
		/* Losing the last byte of a valid encoding must invalidate it. */
		reset_fake();
		build_dsdt(DSDT_PA, "DSDT", c->aml, c->n - 1);
		build_fadt(FACP_PA, DSDT_PA);
		assert_int_equal(fadt_parse(2, &f), 0);
		if (f.s5_valid)
			fail_msg("_S5 case '%s' still valid when truncated", c->name);
	}
}

static void test_s5_in_ssdt(void **state)
{
	static const uint8_t no_s5[] = { 0x08, '_', 'S', '4', '_', 0x0a, 0x01 };
	const uint64_t ents[] = { FACP_PA, SSDT_PA, MISC_PA };
	struct acpi_fadt f;

	(void)state;
	build_dsdt(DSDT_PA, "DSDT", no_s5, sizeof(no_s5));
	build_dsdt(SSDT_PA, "SSDT", no_s5, sizeof(no_s5));
	build_dsdt(MISC_PA, "SSDT", AML(S5 "\x12\x06\x02\x0a\x01\x0a\x02"));
	build_fadt(FACP_PA, DSDT_PA);
	build_root(RSDT_PA, "RSDT", ents, 3);
	build_rsdp(0, RSDT_PA, 0);
	scan_ok();
	assert_int_equal(acpi_parse_fadt(&OPS, &INFO, &f), 0);
	assert_true(f.s5_valid);
	assert_int_equal(f.slp_typa, 1);
	assert_int_equal(f.slp_typb, 2);
	assert_int_equal(F.nwarn, 0);

	/* A DSDT with a bad checksum is reported and not searched. */
	build_dsdt(DSDT_PA, "DSDT", S5_STD);
	P(DSDT_PA)[40] ^= 1;
	assert_int_equal(acpi_parse_fadt(&OPS, &INFO, &f), 0);
	assert_int_equal(f.slp_typa, 1);
	assert_int_equal(F.nwarn, 1);
	assert_int_equal(warned("DSDT at 0x106000", "bad checksum, not searched for _S5"), 1);

	/* Wrong signature at the DSDT address. */
	build_dsdt(DSDT_PA, "SSDT", S5_STD);
	assert_int_equal(acpi_parse_fadt(&OPS, &INFO, &f), 0);
	assert_int_equal(f.slp_typa, 1);
	assert_int_equal(warned("SSDT at 0x106000", "expected signature DSDT"), 1);

	/* No DSDT address at all, and no _S5 in any SSDT. */
	build_fadt(FACP_PA, 0);
	build_dsdt(MISC_PA, "SSDT", no_s5, sizeof(no_s5));
	scan_ok();
	F.nwarn = 0;
	assert_int_equal(acpi_parse_fadt(&OPS, &INFO, &f), 0);
	assert_false(f.s5_valid);
	assert_int_equal(F.nwarn, 2);
	assert_int_equal(warned("DSDT at 0x0", "zero address"), 1);
	assert_int_equal(warned("no usable _S5", NULL), 1);
}

/* ---- garbage in: seeded random mutations of valid tables ---- */

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const uint64_t BASES[] = { RSDP_PA, RSDT_PA, XSDT_PA, FACP_PA,
				  APIC_PA, SPCR_PA, DSDT_PA, SSDT_PA };
#define NBASES (sizeof(BASES) / sizeof(BASES[0]))
#define FUZZ_SPAN 0xa000u /* all fuzzed tables live below MEM_BASE + FUZZ_SPAN */

static uint64_t rnd_addr(void)
{
	switch (rnd() % 6) {
	case 0: return 0;
	case 1: return BASES[rnd() % NBASES];
	case 2: return MEM_END - rnd() % 64;
	case 3: return rnd();
	case 4: return MEM_BASE + rnd() % MEM_SIZE;
	default: return UINT64_MAX - rnd() % 64;
	}
}

static uint32_t rnd_len(uint32_t cur)
{
	switch (rnd() % 5) {
	case 0: return (uint32_t)(rnd() % 64);
	case 1: return cur + (uint32_t)(rnd() % 17) - 8;
	case 2: return (uint32_t)rnd();
	case 3: return cur ? (uint32_t)(rnd() % cur) : 0;
	default: return 36 + (uint32_t)(rnd() % 0x400);
	}
}

static void fuzz_build(void)
{
	const uint64_t ents[] = { FACP_PA, APIC_PA, SPCR_PA, SSDT_PA };

	memset(F.mem, 0, FUZZ_SPAN);
	build_std(rnd() % 2 ? 2 : 0);
	madt_x2apic(APIC_PA, 0x200, 7, 2);
	build_dsdt(SSDT_PA, "SSDT", AML("\x08\\_S5_\x12\x47\x00\x02\x0b\x05\x00\x01"));
	build_root(RSDT_PA, "RSDT", ents, 4);
	build_root(XSDT_PA, "XSDT", ents, 4);
	build_rsdp(P(RSDP_PA)[15], RSDT_PA, XSDT_PA);
}

/* Overwrite a table body (past the signature) with random bytes. */
static void fuzz_garbage(uint64_t base)
{
	uint32_t len = 36 + (uint32_t)(rnd() % 0x300);

	for (uint32_t i = base == RSDP_PA ? 8 : 4; i < len; i++)
		P(base)[i] = (uint8_t)rnd();
	if (base != RSDP_PA)
		w32(base + 4, len);
}

static void fuzz_mutate(void)
{
	/* AML opcodes and PkgLength lead bytes that steer the _S5 decoder. */
	static const char aml[] = "\x08\x12\x0a\x0b\x00\x01\x5c_S5\x40\x80\xc0\xff";
	static const uint32_t addr_fields[][2] = {
		{ 0, 16 }, { 0, 24 },  { 1, 36 },  { 1, 40 },  { 2, 36 }, { 2, 44 },
		{ 3, 40 }, { 3, 140 }, { 3, 120 }, { 3, 176 }, { 5, 44 }, { 4, 36 },
	};
	static const uint32_t gas_fields[][2] = {
		{ 3, 116 }, { 3, 172 }, { 3, 184 }, { 3, 208 }, { 5, 40 }
	};
	uint64_t base = BASES[rnd() % NBASES];
	uint32_t off = (uint32_t)(rnd() % 0x140);
	unsigned k;

	switch (rnd() % 10) {
	case 0: P(base)[off] = (uint8_t)rnd(); break;
	case 1: P(base)[off] ^= (uint8_t)(1u << rnd() % 8); break;
	case 2:
		off = base == RSDP_PA ? 20 : 4;
		w32(base + off, rnd_len(r32(base + off)));
		break;
	case 3:
		k = (unsigned)(rnd() % (sizeof(addr_fields) / sizeof(addr_fields[0])));
		w64(BASES[addr_fields[k][0]] + addr_fields[k][1], rnd_addr());
		break;
	case 4: P(APIC_PA)[44 + rnd() % 48] = (uint8_t)(rnd() % 2 ? rnd() % 20 : rnd()); break;
	case 5:
		P(BASES[6 + rnd() % 2])[36 + rnd() % 24] = (uint8_t)aml[rnd() % (sizeof(aml) - 1)];
		break;
	case 6:
		k = (unsigned)(rnd() % (sizeof(gas_fields) / sizeof(gas_fields[0])));
		w8(BASES[gas_fields[k][0]] + gas_fields[k][1], (uint8_t)(rnd() % 4));
		break;
	case 7: P(RSDP_PA)[15] = (uint8_t)(rnd() % 4); break;
	case 8: fuzz_garbage(base); break;
	default: P(base)[0] ^= (uint8_t)rnd(); break; /* signature */
	}
}

/* Recompute checksums so mutations reach the parsers instead of failing early. */
static void fuzz_fix_checksums(void)
{
	uint32_t len = r32(RSDP_PA + 20);

	for (unsigned i = 1; i < NBASES; i++)
		fix(BASES[i]);
	csum(RSDP_PA, 20, 8);
	if (len >= 36 && len <= 0x1000)
		csum(RSDP_PA, len, 32);
}

static void fuzz_run_parsers(void)
{
	struct acpi_spcr spcr;
	struct acpi_fadt fadt;
	static const char *const sigs[] = { "FACP", "APIC", "SPCR", "SSDT", "DSDT" };

	if (acpi_scan(&OPS, RSDP_PA, &INFO) == 0) {
		assert_true(INFO.ntables <= ACPI_MAX_TABLES);
		for (unsigned i = 0; i < INFO.ntables; i++)
			assert_non_null(acpi_map_table(&OPS, &INFO.tables[i]));
	}
	if (acpi_parse_madt(&OPS, &INFO, &MADT) == 0) {
		assert_true(MADT.ncpus <= ACPI_MAX_CPUS);
		assert_true(MADT.nenabled <= MADT.ncpus);
		assert_true(MADT.nioapics <= ACPI_MAX_IOAPICS);
		for (unsigned i = 1; i < MADT.ncpus; i++)
			assert_true(MADT.cpus[i].apic_id != MADT.cpus[0].apic_id);
	}
	acpi_parse_spcr(&OPS, &INFO, &spcr);
	if (acpi_parse_fadt(&OPS, &INFO, &fadt) == 0 && fadt.reset_supported)
		assert_true(fadt.reset_reg.address != 0);
	for (unsigned i = 0; i < 5; i++)
		acpi_find(&INFO, sigs[i], (unsigned)(rnd() % 3));
}

static void test_garbage_in(void **state)
{
	const char *env = getenv("ACPI_FUZZ_ITERS");
	unsigned iters = env ? (unsigned)strtoul(env, NULL, 0) : 20000;

	(void)state;
	env = getenv("ACPI_FUZZ_SEED");
	rng = env ? strtoull(env, NULL, 0) : 0x5eed1234abcdull;
	if (rng == 0)
		rng = 1;
	for (unsigned it = 0; it < iters; it++) {
		unsigned nmut = 1 + (unsigned)(rnd() % 8);

		free_maps();
		fuzz_build();
		for (unsigned m = 0; m < nmut; m++)
			fuzz_mutate();
		if (rnd() % 4)
			fuzz_fix_checksums();
		fuzz_run_parsers();
	}
	/* Also: every RSDP position near the end of memory. */
	for (uint64_t pa = MEM_END - 40; pa <= MEM_END + 1; pa++)
		acpi_scan(&OPS, pa, &INFO);
}

/* ---- legacy RSDP scan over the first MiB ---- */

static uint8_t low_mem[0x100000];

static const void *low_map(void *ctx, uint64_t pa, uint64_t len)
{
	(void)ctx;
	if (pa > sizeof(low_mem) || len > sizeof(low_mem) - pa)
		return NULL;
	return low_mem + pa;
}

static void put_rsdp_v1(uint64_t pa)
{
	uint8_t *p = low_mem + pa;
	uint8_t sum = 0;

	memcpy(p, "RSD PTR ", 8);
	p[8] = 0;
	memcpy(p + 9, "LEGACY", 6);
	p[15] = 0;
	memset(p + 16, 0x11, 4);
	for (int i = 0; i < 20; i++)
		sum = (uint8_t)(sum + p[i]);
	p[8] = (uint8_t)-sum;
}

static void test_legacy_rsdp_scan(void **state)
{
	struct acpi_ops ops = { low_map, NULL, NULL };
	(void)state;

	memset(low_mem, 0, sizeof(low_mem));
	assert_int_equal(acpi_find_rsdp_legacy(&ops), 0);
	/* A bad checksum and an unaligned copy are both passed over. */
	put_rsdp_v1(0xf0010);
	low_mem[0xf0010 + 19] ^= 1;
	put_rsdp_v1(0xf0028);
	assert_int_equal(acpi_find_rsdp_legacy(&ops), 0);
	put_rsdp_v1(0xf0100);
	assert_int_equal(acpi_find_rsdp_legacy(&ops), 0xf0100);
	/* The EBDA (segment at 0x40E) is searched first. */
	low_mem[0x40e] = 0x00;
	low_mem[0x40f] = 0x9f; /* 0x9f000 */
	put_rsdp_v1(0x9f020);
	assert_int_equal(acpi_find_rsdp_legacy(&ops), 0x9f020);
	/* An EBDA pointer outside 512-640 KiB is not trusted. */
	low_mem[0x40f] = 0x10;
	assert_int_equal(acpi_find_rsdp_legacy(&ops), 0xf0100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		cmocka_unit_test(test_legacy_rsdp_scan),
		T(test_v1_rsdt),
		T(test_v2_xsdt),
		T(test_rsdp_bad_checksum),
		T(test_rsdp_bad_signature_or_unmapped),
		T(test_rsdp_ext_unmappable),
		T(test_rsdp_bad_ext_checksum),
		T(test_xsdt_bad_falls_back),
		T(test_xsdt_zero_uses_rsdt),
		T(test_no_usable_root),
		T(test_bad_table_skipped),
		T(test_truncated_and_unmappable),
		T(test_table_cap),
		T(test_map_table_revalidates),
		T(test_madt_entries),
		T(test_madt_zero_length_entry),
		T(test_madt_entry_past_end),
		T(test_madt_entry_too_short_for_type),
		T(test_madt_stray_byte),
		T(test_madt_short_and_absent),
		T(test_madt_caps),
		T(test_spcr),
		T(test_spcr_short_and_absent),
		T(test_fadt_short_v1),
		T(test_fadt_x_fields_preferred),
		T(test_fadt_reset_register),
		T(test_fadt_absent),
		T(test_s5_encodings),
		T(test_s5_in_ssdt),
		T(test_garbage_in),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
