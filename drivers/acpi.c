/*
 * acpi.c - validating parser for the static ACPI tables baretdx needs.
 *
 * Section numbers refer to the ACPI Specification 6.5.  Numeric fields in
 * ACPI tables are little endian (§5.2) and may be unaligned, so they are
 * assembled byte by byte.  A pointer from map() is only dereferenced below
 * the length passed to map() for it: every offset is checked first.
 */
#include "drivers/acpi.h"

#include <string.h>

#define ACPI_WARN(ops, ...) \
	do { \
		if ((ops)->warn) \
			(ops)->warn((ops)->ctx, __VA_ARGS__); \
	} while (0)

/*
 * §5.2.6 System Description Table Header, 36 bytes: 0 Signature[4],
 * 4 Length u32 (whole table), 8 Revision, 9 Checksum (all Length bytes sum
 * to 0 mod 256), 10 OEMID[6], 16 OEM Table ID[8], 24.. OEM/creator revisions.
 */
#define ACPI_HDR_LEN 36u
#define ACPI_TABLE_MAX_LEN (16u << 20) /* sanity bound, not from the spec */
#define ACPI_RSDP_V1_LEN 20u
#define ACPI_RSDP_V2_LEN 36u
#define ACPI_RSDP_MAX_LEN 4096u        /* sanity bound, not from the spec */

/* Why acpi_check() rejected a table; from ACPI_E_SHORT on, Length is printed. */
enum acpi_err {
	ACPI_OK, ACPI_E_ZERO, ACPI_E_NOHDR, ACPI_E_CSUM, ACPI_E_SIG,
	ACPI_E_SHORT, ACPI_E_LONG, ACPI_E_NOBODY,
};

static const char *const acpi_err_str[] = {
	[ACPI_E_ZERO] = "zero address",
	[ACPI_E_NOHDR] = "not mappable",
	[ACPI_E_CSUM] = "bad checksum",
	[ACPI_E_SIG] = "expected signature",
	[ACPI_E_SHORT] = "too short",
	[ACPI_E_LONG] = "too large",
	[ACPI_E_NOBODY] = "not mappable",
};

/* A table being validated: p covers exactly len bytes once validated. */
struct acpi_tbl {
	const uint8_t *p;
	uint32_t len;
	bool hdr; /* header was readable: sig and len are meaningful */
	char sig[5];
};

static uint32_t acpi_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t acpi_get64(const uint8_t *p)
{
	return acpi_get32(p) | (uint64_t)acpi_get32(p + 4) << 32;
}

static uint8_t acpi_sum(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;

	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* Copy n raw bytes and NUL-terminate (dst holds n + 1 bytes). */
static void acpi_copy(char *dst, const uint8_t *src, size_t n)
{
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* map(), refusing ranges that wrap around the physical address space. */
static const uint8_t *acpi_map(const struct acpi_ops *ops, uint64_t pa, uint64_t len)
{
	return len > UINT64_MAX - pa ? NULL : ops->map(ops->ctx, pa, len);
}

/*
 * Validate the table at pa: map the header, check the signature (if want)
 * and Length, then map the whole table and verify its checksum.
 */
static enum acpi_err acpi_check(const struct acpi_ops *ops, uint64_t pa, const char *want,
				struct acpi_tbl *t)
{
	const uint8_t *h;

	*t = (struct acpi_tbl){ 0 };
	if (pa == 0)
		return ACPI_E_ZERO;
	h = acpi_map(ops, pa, ACPI_HDR_LEN);
	if (!h)
		return ACPI_E_NOHDR;
	t->hdr = true;
	acpi_copy(t->sig, h, 4);
	t->len = acpi_get32(h + 4);
	if (want && memcmp(t->sig, want, 4) != 0)
		return ACPI_E_SIG;
	if (t->len < ACPI_HDR_LEN)
		return ACPI_E_SHORT;
	if (t->len > ACPI_TABLE_MAX_LEN)
		return ACPI_E_LONG;
	t->p = acpi_map(ops, pa, t->len);
	if (!t->p)
		return ACPI_E_NOBODY;
	if (acpi_sum(t->p, t->len) == 0)
		return ACPI_OK;
	t->p = NULL;
	return ACPI_E_CSUM;
}

/* One warn line for a table acpi_check() rejected; `what` says what follows. */
static void acpi_report(const struct acpi_ops *ops, const struct acpi_tbl *t, uint64_t pa,
			enum acpi_err e, const char *want, const char *what)
{
	unsigned long long a = pa;
	const char *name = want ? want : "table";
	char s[5] = "";

	if (t->hdr) {
		for (int i = 0; i < 4; i++)
			s[i] = (t->sig[i] >= 0x20 && t->sig[i] < 0x7f) ? t->sig[i] : '?';
		name = s;
	}
	if (e >= ACPI_E_SHORT)
		ACPI_WARN(ops, "%s at 0x%llx: length %u %s, %s", name, a, t->len, acpi_err_str[e],
			  what);
	else
		ACPI_WARN(ops, "%s at 0x%llx: %s%s%s, %s", name, a, acpi_err_str[e],
			  e == ACPI_E_SIG ? " " : "", e == ACPI_E_SIG ? want : "", what);
}

static int acpi_rsdp_fail(const struct acpi_ops *ops, uint64_t pa, const char *why)
{
	ACPI_WARN(ops, "RSDP at 0x%llx: %s", (unsigned long long)pa, why);
	return -1;
}

/*
 * §5.2.5.3 RSDP: 0 "RSD PTR ", 8 Checksum (bytes 0..19 sum to 0),
 * 9 OEMID[6], 15 Revision (0: ACPI 1.0, 2: ACPI 2.0+), 16 RsdtAddress u32;
 * from revision 2: 20 Length u32, 24 XsdtAddress u64, 32 Extended Checksum
 * (all Length bytes sum to 0), 33 reserved[3].
 */
static int acpi_read_rsdp(const struct acpi_ops *ops, uint64_t pa, struct acpi_info *out,
			  uint64_t *rsdt, uint64_t *xsdt)
{
	const uint8_t *p = acpi_map(ops, pa, ACPI_RSDP_V1_LEN);
	uint32_t len;

	if (!p)
		return acpi_rsdp_fail(ops, pa, "not mappable");
	if (memcmp(p, "RSD PTR ", 8) != 0)
		return acpi_rsdp_fail(ops, pa, "bad signature");
	if (acpi_sum(p, ACPI_RSDP_V1_LEN) != 0)
		return acpi_rsdp_fail(ops, pa, "bad checksum");
	out->rsdp_revision = p[15];
	acpi_copy(out->rsdp_oem, p + 9, 6);
	*rsdt = acpi_get32(p + 16);
	if (p[15] < 2)
		return 0;
	p = acpi_map(ops, pa, ACPI_RSDP_V2_LEN);
	if (!p)
		return acpi_rsdp_fail(ops, pa, "extended part not mappable");
	len = acpi_get32(p + 20);
	if (len < ACPI_RSDP_V2_LEN || len > ACPI_RSDP_MAX_LEN)
		return acpi_rsdp_fail(ops, pa, "bad length");
	p = acpi_map(ops, pa, len);
	if (!p)
		return acpi_rsdp_fail(ops, pa, "extended part not mappable");
	if (acpi_sum(p, len) != 0)
		return acpi_rsdp_fail(ops, pa, "bad extended checksum");
	*xsdt = acpi_get64(p + 24);
	return 0;
}

/* Validate one root-table entry and record it, or warn and skip it. */
static void acpi_add(const struct acpi_ops *ops, uint64_t pa, struct acpi_info *out)
{
	struct acpi_table_ref *r;
	struct acpi_tbl t;
	enum acpi_err e = acpi_check(ops, pa, NULL, &t);

	if (e != ACPI_OK) {
		acpi_report(ops, &t, pa, e, NULL, "skipped");
		out->nskipped++;
		return;
	}
	r = &out->tables[out->ntables++];
	acpi_copy(r->sig, t.p, 4);
	r->pa = pa;
	r->length = t.len;
	r->revision = t.p[8];
	acpi_copy(r->oem_id, t.p + 10, 6);
	acpi_copy(r->oem_table_id, t.p + 16, 8);
}

/*
 * §5.2.7 RSDT / §5.2.8 XSDT: the header, then (Length - 36) / esz physical
 * addresses of 4 (RSDT) or 8 (XSDT) bytes.  XSDT entries start at offset 36,
 * so they are not 8-byte aligned.  false (warned) if the table is unusable.
 */
static bool acpi_walk_root(const struct acpi_ops *ops, uint64_t pa, bool x, struct acpi_info *out,
			   const char *what)
{
	const char *sig = x ? "XSDT" : "RSDT";
	uint32_t esz = x ? 8 : 4, n;
	struct acpi_tbl root;
	enum acpi_err e = acpi_check(ops, pa, sig, &root);

	if (e != ACPI_OK) {
		acpi_report(ops, &root, pa, e, sig, what);
		return false;
	}
	out->xsdt = x;
	out->root_pa = pa;
	n = (root.len - ACPI_HDR_LEN) / esz;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *ent = root.p + ACPI_HDR_LEN + i * esz;

		if (out->ntables == ACPI_MAX_TABLES) {
			ACPI_WARN(ops, "%s lists %u tables, only %u kept", sig, n, ACPI_MAX_TABLES);
			break;
		}
		acpi_add(ops, x ? acpi_get64(ent) : acpi_get32(ent), out);
	}
	return true;
}

/* §5.2.5.1: on IA-PC systems without a UEFI configuration table entry the
 * RSDP sits on a 16-byte boundary in the first KiB of the EBDA (whose
 * segment is the u16 at 0x40E) or in 0xE0000-0xFFFFF. */
static uint64_t acpi_scan_area(const struct acpi_ops *ops, uint64_t start, uint64_t len)
{
	const uint8_t *p = acpi_map(ops, start, len);

	if (!p)
		return 0;
	for (uint64_t off = 0; off + ACPI_RSDP_V1_LEN <= len; off += 16)
		if (memcmp(p + off, "RSD PTR ", 8) == 0 &&
		    acpi_sum(p + off, ACPI_RSDP_V1_LEN) == 0)
			return start + off;
	return 0;
}

uint64_t acpi_find_rsdp_legacy(const struct acpi_ops *ops)
{
	const uint8_t *seg = acpi_map(ops, 0x40e, 2);
	uint64_t ebda = seg ? (uint64_t)(seg[0] | seg[1] << 8) << 4 : 0;
	uint64_t pa = 0;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		pa = acpi_scan_area(ops, ebda, 1024);
	return pa ? pa : acpi_scan_area(ops, 0xe0000, 0x20000);
}

int acpi_scan(const struct acpi_ops *ops, uint64_t rsdp_pa, struct acpi_info *out)
{
	uint64_t rsdt = 0, xsdt = 0;

	if (!ops || !ops->map || !out)
		return -1;
	memset(out, 0, sizeof(*out));
	out->rsdp_pa = rsdp_pa;
	if (acpi_read_rsdp(ops, rsdp_pa, out, &rsdt, &xsdt) != 0)
		return -1;
	/* §5.2.5.3: the XSDT supersedes the RSDT when present. */
	if (xsdt && acpi_walk_root(ops, xsdt, true, out, "falling back to RSDT"))
		return 0;
	return acpi_walk_root(ops, rsdt, false, out, "no usable root table") ? 0 : -1;
}

const struct acpi_table_ref *acpi_find(const struct acpi_info *info, const char *sig,
				       unsigned instance)
{
	if (!info || !sig)
		return NULL;
	for (unsigned i = 0; i < info->ntables && i < ACPI_MAX_TABLES; i++) {
		if (strncmp(info->tables[i].sig, sig, sizeof(info->tables[i].sig)) == 0 &&
		    instance-- == 0)
			return &info->tables[i];
	}
	return NULL;
}

const void *acpi_map_table(const struct acpi_ops *ops, const struct acpi_table_ref *t)
{
	struct acpi_tbl tb;

	if (!ops || !ops->map || !t)
		return NULL;
	if (acpi_check(ops, t->pa, t->sig, &tb) != ACPI_OK || tb.len != t->length)
		return NULL;
	return tb.p;
}

/* Map the instance'th table `sig` found by acpi_scan(); warn if it changed. */
static bool acpi_get_table(const struct acpi_ops *ops, const struct acpi_info *info,
			   const char *sig, unsigned instance, struct acpi_tbl *t)
{
	const struct acpi_table_ref *r = acpi_find(info, sig, instance);

	if (!ops || !ops->map || !r)
		return false;
	t->p = acpi_map_table(ops, r);
	t->len = r->length;
	if (!t->p)
		ACPI_WARN(ops, "%s at 0x%llx no longer validates", sig, (unsigned long long)r->pa);
	return t->p != NULL;
}

/* Whether [off, off + n) lies inside the table (fields vary by revision). */
static bool acpi_has(const struct acpi_tbl *t, uint32_t off, uint32_t n)
{
	return off <= t->len && n <= t->len - off;
}

static uint16_t acpi_fld16(const struct acpi_tbl *t, uint32_t off)
{
	return acpi_has(t, off, 2) ? (uint16_t)(t->p[off] | t->p[off + 1] << 8) : 0;
}

static uint32_t acpi_fld32(const struct acpi_tbl *t, uint32_t off)
{
	return acpi_has(t, off, 4) ? acpi_get32(t->p + off) : 0;
}

/* §5.2.3.2 Generic Address Structure: space, bit width, bit offset, access size, u64. */
static bool acpi_fld_gas(const struct acpi_tbl *t, uint32_t off, struct acpi_gas *g)
{
	const uint8_t *p;

	if (!acpi_has(t, off, 12))
		return false;
	p = t->p + off;
	*g = (struct acpi_gas){ p[0], p[1], p[2], p[3], acpi_get64(p + 4) };
	return true;
}

static bool acpi_gas_usable(const struct acpi_gas *g)
{
	return (g->space_id == ACPI_GAS_IO || g->space_id == ACPI_GAS_MEMORY) && g->address != 0;
}

/*
 * §5.2.12 MADT: header, 36 Local Interrupt Controller Address u32,
 * 40 Flags u32, then from 44 Interrupt Controller Structures, each starting
 * with Type u8 and Length u8 (Length includes these two bytes).
 */
#define ACPI_MADT_ENTRIES 44u

enum {
	ACPI_MADT_LAPIC = 0,          /* §5.2.12.2 */
	ACPI_MADT_IOAPIC = 1,         /* §5.2.12.3 */
	ACPI_MADT_LAPIC_OVERRIDE = 5, /* §5.2.12.8 */
	ACPI_MADT_X2APIC = 9,         /* §5.2.12.12 */
};

static const uint8_t acpi_madt_minlen[] = {
	[ACPI_MADT_LAPIC] = 8, [ACPI_MADT_IOAPIC] = 12,
	[ACPI_MADT_LAPIC_OVERRIDE] = 12, [ACPI_MADT_X2APIC] = 16,
};

/* §5.2.12.2 Local APIC Flags, also used by x2APIC entries (§5.2.12.12). */
#define ACPI_LAPIC_ENABLED (1u << 0)
#define ACPI_LAPIC_ONLINE_CAPABLE (1u << 1)

struct acpi_madt_ctx {
	const struct acpi_ops *ops;
	struct acpi_madt *out;
	unsigned cpus_dropped, ioapics_dropped;
};

static void acpi_madt_cpu(struct acpi_madt_ctx *c, uint32_t apic_id, uint32_t uid, uint32_t flags,
			  bool x2apic)
{
	struct acpi_madt *m = c->out;
	bool enabled = flags & ACPI_LAPIC_ENABLED, online = flags & ACPI_LAPIC_ONLINE_CAPABLE;

	if (m->ncpus == ACPI_MAX_CPUS) {
		c->cpus_dropped++;
		return;
	}
	for (unsigned i = 0; i < m->ncpus; i++) {
		if (m->cpus[i].apic_id == apic_id) {
			ACPI_WARN(c->ops, "MADT: duplicate APIC ID 0x%x ignored", apic_id);
			return;
		}
	}
	m->cpus[m->ncpus++] = (struct acpi_cpu){ apic_id, uid, enabled, online, x2apic };
	if (enabled || online)
		m->nenabled++;
}

/* e points at an entry whose length passed the per-type minimum. */
static void acpi_madt_entry(struct acpi_madt_ctx *c, const uint8_t *e)
{
	struct acpi_madt *m = c->out;

	switch (e[0]) {
	case ACPI_MADT_LAPIC: /* 2 UID u8, 3 APIC ID u8, 4 Flags u32 */
		acpi_madt_cpu(c, e[3], e[2], acpi_get32(e + 4), false);
		break;
	case ACPI_MADT_X2APIC: /* 2 reserved, 4 x2APIC ID, 8 Flags, 12 UID */
		acpi_madt_cpu(c, acpi_get32(e + 4), acpi_get32(e + 12), acpi_get32(e + 8), true);
		break;
	case ACPI_MADT_IOAPIC: /* 2 ID, 3 reserved, 4 address u32, 8 GSI base u32 */
		if (m->nioapics == ACPI_MAX_IOAPICS)
			c->ioapics_dropped++;
		else
			m->ioapics[m->nioapics++] =
			    (struct acpi_ioapic){ e[2], acpi_get32(e + 4), acpi_get32(e + 8) };
		break;
	case ACPI_MADT_LAPIC_OVERRIDE: /* 2 reserved, 4 64-bit local APIC address */
		m->lapic_pa = acpi_get64(e + 4);
		break;
	default: /* other types are skipped by length */
		break;
	}
}

/* Whether the entry at off is well-formed; warns when parsing must stop. */
static bool acpi_madt_entry_ok(const struct acpi_ops *ops, const struct acpi_tbl *t, uint32_t off)
{
	uint32_t left = t->len - off;
	uint8_t type, len;

	if (left < 2) {
		ACPI_WARN(ops, "MADT: %u stray bytes at offset %u, parsing stopped", left, off);
		return false;
	}
	type = t->p[off];
	len = t->p[off + 1];
	if (len >= 2 && len <= left &&
	    (type >= sizeof(acpi_madt_minlen) || len >= acpi_madt_minlen[type]))
		return true;
	ACPI_WARN(ops, "MADT: type %u entry at offset %u has bad length %u, parsing stopped", type,
		  off, len);
	return false;
}

int acpi_parse_madt(const struct acpi_ops *ops, const struct acpi_info *info, struct acpi_madt *out)
{
	struct acpi_madt_ctx c = { .ops = ops, .out = out };
	struct acpi_tbl t;

	if (!out)
		return -1;
	memset(out, 0, sizeof(*out));
	if (!acpi_get_table(ops, info, "APIC", 0, &t))
		return -1;
	if (t.len < ACPI_MADT_ENTRIES) {
		ACPI_WARN(ops, "MADT: length %u too short", t.len);
		return -1;
	}
	out->lapic_pa = acpi_get32(t.p + 36);
	out->flags = acpi_get32(t.p + 40);
	for (uint32_t off = ACPI_MADT_ENTRIES; off < t.len; off += t.p[off + 1]) {
		if (!acpi_madt_entry_ok(ops, &t, off))
			break;
		acpi_madt_entry(&c, t.p + off);
	}
	if (c.cpus_dropped)
		ACPI_WARN(ops, "MADT: %u CPUs beyond %u ignored", c.cpus_dropped, ACPI_MAX_CPUS);
	if (c.ioapics_dropped)
		ACPI_WARN(ops, "MADT: %u I/O APICs beyond %u ignored", c.ioapics_dropped,
			  ACPI_MAX_IOAPICS);
	return 0;
}

/*
 * Microsoft "Serial Port Console Redirection Table" specification (the
 * signature is reserved by ACPI 6.5 §5.2.6): 36 Interface Type u8,
 * 37 reserved[3], 40 Base Address (GAS), 52 Interrupt Type, 53 IRQ,
 * 54 GSI u32, 58 Configured Baud Rate u8 (code; 0 = as is).
 */
#define ACPI_SPCR_GAS 40u
#define ACPI_SPCR_BAUD 58u

static const uint32_t acpi_spcr_bauds[] = { [3] = 9600, [4] = 19200, [6] = 57600, [7] = 115200 };

static uint32_t acpi_spcr_baud(const struct acpi_ops *ops, uint8_t code)
{
	if (code < sizeof(acpi_spcr_bauds) / sizeof(acpi_spcr_bauds[0]) &&
	    (code == 0 || acpi_spcr_bauds[code] != 0))
		return acpi_spcr_bauds[code];
	ACPI_WARN(ops, "SPCR: unknown baud rate code %u, keeping firmware setting", code);
	return 0;
}

int acpi_parse_spcr(const struct acpi_ops *ops, const struct acpi_info *info, struct acpi_spcr *out)
{
	struct acpi_tbl t;

	if (!out)
		return -1;
	memset(out, 0, sizeof(*out));
	if (!acpi_get_table(ops, info, "SPCR", 0, &t))
		return -1;
	if (!acpi_fld_gas(&t, ACPI_SPCR_GAS, &out->base)) {
		ACPI_WARN(ops, "SPCR: length %u too short", t.len);
		return -1;
	}
	out->interface_type = t.p[36];
	if (acpi_has(&t, ACPI_SPCR_BAUD, 1))
		out->baud = acpi_spcr_baud(ops, t.p[ACPI_SPCR_BAUD]);
	if (acpi_gas_usable(&out->base))
		return 0;
	ACPI_WARN(ops, "SPCR: unusable base address (space %u, address 0x%llx)", out->base.space_id,
		  (unsigned long long)out->base.address);
	return -1;
}

/* ---- \_S5 in AML (§7.4.2 \_Sx; encodings from the grammar in §20.2) ---- */

#define ACPI_AML_NAME_OP 0x08    /* §20.2.5.1 DefName := NameOp NameString DataRefObject */
#define ACPI_AML_ROOT_CHAR 0x5c  /* §20.2.2 '\' */
#define ACPI_AML_PACKAGE_OP 0x12 /* §20.2.5.4 PackageOp PkgLength NumElements Elements */
#define ACPI_AML_ZERO_OP 0x00    /* §20.2.3 data objects */
#define ACPI_AML_ONE_OP 0x01
#define ACPI_AML_BYTE_PREFIX 0x0a
#define ACPI_AML_WORD_PREFIX 0x0b

/* Decode the integer at p[*off] below p[end]; keep its low byte (SLP_TYPx). */
static bool acpi_aml_int8(const uint8_t *p, uint32_t end, uint32_t *off, uint8_t *v)
{
	uint32_t size;

	if (*off >= end)
		return false;
	switch (p[*off]) {
	case ACPI_AML_ZERO_OP:
	case ACPI_AML_ONE_OP: size = 1; break;
	case ACPI_AML_BYTE_PREFIX: size = 2; break;
	case ACPI_AML_WORD_PREFIX: size = 3; break;
	default: return false;
	}
	if (end - *off < size)
		return false;
	*v = size == 1 ? p[*off] : p[*off + 1]; /* ZeroOp/OneOp are their value */
	*off += size;
	return true;
}

/*
 * p[0..n) follows the NameSeg "_S5_": expect PackageOp, PkgLength,
 * NumElements >= 2 and two integers.  §20.2.4 PkgLength: bits 7-6 of the
 * lead byte count the bytes that follow (0-3); with none, bits 5-0 are the
 * length, else bits 3-0 are its low nibble and each following byte adds 8
 * higher bits.  The length covers itself and the package contents.
 */
static bool acpi_s5_package(const uint8_t *p, uint32_t n, struct acpi_fadt *out)
{
	uint32_t extra, pkglen, end, off;
	uint8_t a, b;

	if (n < 2 || p[0] != ACPI_AML_PACKAGE_OP)
		return false;
	extra = p[1] >> 6;
	if (n - 2 < extra)
		return false;
	pkglen = extra ? p[1] & 0x0fu : p[1] & 0x3fu;
	for (uint32_t k = 0; k < extra; k++)
		pkglen |= (uint32_t)p[2 + k] << (4 + 8 * k);
	if (pkglen > n - 1)
		return false; /* package runs past the table */
	end = 1 + pkglen;
	off = 2 + extra;
	if (off >= end || p[off] < 2)
		return false;
	off++;
	if (!acpi_aml_int8(p, end, &off, &a) || !acpi_aml_int8(p, end, &off, &b))
		return false;
	out->slp_typa = a;
	out->slp_typb = b;
	out->s5_valid = true;
	return true;
}

/* Scan a DSDT/SSDT body for Name(_S5_, Package() {a, b, ...}). */
static bool acpi_s5_search(const struct acpi_tbl *t, struct acpi_fadt *out)
{
	for (uint32_t i = ACPI_HDR_LEN + 1; i + 4 <= t->len; i++) {
		const uint8_t *q = t->p + i;
		bool named = q[-1] == ACPI_AML_NAME_OP ||
			     (q[-1] == ACPI_AML_ROOT_CHAR && i >= ACPI_HDR_LEN + 2 &&
			      q[-2] == ACPI_AML_NAME_OP);

		if (named && memcmp(q, "_S5_", 4) == 0 &&
		    acpi_s5_package(q + 4, t->len - i - 4, out))
			return true;
	}
	return false;
}

/* The DSDT (§5.2.11.1, found through the FADT) first, then each SSDT (§5.2.11.2). */
static void acpi_find_s5(const struct acpi_ops *ops, const struct acpi_info *info,
			 struct acpi_fadt *out)
{
	struct acpi_tbl t;
	enum acpi_err e = acpi_check(ops, out->dsdt_pa, "DSDT", &t);

	if (e != ACPI_OK)
		acpi_report(ops, &t, out->dsdt_pa, e, "DSDT", "not searched for _S5");
	else if (acpi_s5_search(&t, out))
		return;
	for (unsigned i = 0; acpi_find(info, "SSDT", i); i++) {
		if (acpi_get_table(ops, info, "SSDT", i, &t) && acpi_s5_search(&t, out))
			return;
	}
	ACPI_WARN(ops, "no usable _S5 package found");
}

/*
 * §5.2.9 FADT offsets.  Old FADTs are shorter (ACPI 1.0: 116 bytes); fields
 * past Length are absent.  FIRMWARE_CTRL (36) is not needed here.
 */
#define ACPI_FADT_DSDT 40u         /* u32 */
#define ACPI_FADT_SCI_INT 46u      /* u16 */
#define ACPI_FADT_PM1A_CNT 64u     /* u32 I/O port blocks ... */
#define ACPI_FADT_PM1B_CNT 68u
#define ACPI_FADT_PM_TMR 76u
#define ACPI_FADT_PM_TMR_LEN 91u   /* u8, 4 when the PM timer is supported */
#define ACPI_FADT_BOOT_ARCH 109u   /* u16 IAPC_BOOT_ARCH, §5.2.9.3 */
#define ACPI_FADT_FLAGS 112u       /* u32 */
#define ACPI_FADT_RESET_REG 116u   /* GAS */
#define ACPI_FADT_RESET_VALUE 128u /* u8 */
#define ACPI_FADT_X_DSDT 140u      /* u64 */
#define ACPI_FADT_X_PM1A_CNT 172u  /* GAS, superseding the u32 blocks above */
#define ACPI_FADT_X_PM1B_CNT 184u
#define ACPI_FADT_X_PM_TMR 208u

/*
 * An I/O port: the X_ GAS if present with a nonzero 16-bit I/O port (X_
 * fields take precedence, §5.2.9), else the legacy u32 field when legacy_ok.
 */
static uint32_t acpi_fadt_port(const struct acpi_tbl *t, uint32_t legacy, uint32_t xoff,
			       bool legacy_ok)
{
	struct acpi_gas g;

	if (acpi_fld_gas(t, xoff, &g) && g.space_id == ACPI_GAS_IO && g.address != 0 &&
	    g.address <= 0xffff)
		return (uint32_t)g.address;
	return legacy_ok ? acpi_fld32(t, legacy) : 0;
}

int acpi_parse_fadt(const struct acpi_ops *ops, const struct acpi_info *info, struct acpi_fadt *out)
{
	struct acpi_tbl t;
	bool tmr_len_ok;

	if (!out)
		return -1;
	memset(out, 0, sizeof(*out));
	if (!acpi_get_table(ops, info, "FACP", 0, &t))
		return -1;
	out->dsdt_pa = acpi_fld32(&t, ACPI_FADT_DSDT);
	if (acpi_has(&t, ACPI_FADT_X_DSDT, 8) && acpi_get64(t.p + ACPI_FADT_X_DSDT) != 0)
		out->dsdt_pa = acpi_get64(t.p + ACPI_FADT_X_DSDT);
	out->sci_int = acpi_fld16(&t, ACPI_FADT_SCI_INT);
	out->boot_flags = acpi_fld16(&t, ACPI_FADT_BOOT_ARCH);
	out->flags = acpi_fld32(&t, ACPI_FADT_FLAGS);
	out->pm1a_cnt = acpi_fadt_port(&t, ACPI_FADT_PM1A_CNT, ACPI_FADT_X_PM1A_CNT, true);
	out->pm1b_cnt = acpi_fadt_port(&t, ACPI_FADT_PM1B_CNT, ACPI_FADT_X_PM1B_CNT, true);
	tmr_len_ok = acpi_has(&t, ACPI_FADT_PM_TMR_LEN, 1) && t.p[ACPI_FADT_PM_TMR_LEN] == 4;
	out->pm_tmr_blk = acpi_fadt_port(&t, ACPI_FADT_PM_TMR, ACPI_FADT_X_PM_TMR, tmr_len_ok);
	out->pm_tmr_32bit = out->flags & ACPI_FADT_TMR_VAL_EXT;
	/* §5.2.9: reset works when RESET_REG_SUP is set and RESET_REG/RESET_VALUE exist. */
	if (acpi_has(&t, ACPI_FADT_RESET_VALUE, 1) &&
	    acpi_fld_gas(&t, ACPI_FADT_RESET_REG, &out->reset_reg)) {
		out->reset_value = t.p[ACPI_FADT_RESET_VALUE];
		out->reset_supported =
		    (out->flags & ACPI_FADT_RESET_REG_SUP) && acpi_gas_usable(&out->reset_reg);
	}
	acpi_find_s5(ops, info, out);
	return 0;
}
