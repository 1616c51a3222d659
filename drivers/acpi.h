/*
 * acpi.h - validating parser for the static ACPI tables baretdx needs.
 *
 * Pure logic: every byte is obtained through acpi_ops.map(), and nothing
 * outside a range that map() returned is ever read, whatever the tables
 * contain.  Problems are reported through acpi_ops.warn(), one line each.
 * All state lives in caller-provided structures.
 *
 * References are to the ACPI Specification 6.5 unless noted otherwise.
 */
#ifndef BARETDX_DRIVERS_ACPI_H
#define BARETDX_DRIVERS_ACPI_H

#include <stdbool.h>
#include <stdint.h>

struct acpi_ops {
	/*
	 * Return a pointer to `len` readable bytes at physical address `pa`, or
	 * NULL if that range is not accessible.  The pointer must stay valid
	 * until the acpi_* call that requested it returns; several mappings
	 * may be live at the same time.
	 */
	const void *(*map)(void *ctx, uint64_t pa, uint64_t len);
	/*
	 * One-line problem report, printf-style, no trailing newline and no
	 * "acpi:" prefix (add one here if wanted).  Uses only %s %u %x %llx.
	 * May be NULL.
	 */
	void (*warn)(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
	void *ctx;
};

/* ---- Root table scan (RSDP -> XSDT/RSDT -> tables) ---- */

#define ACPI_MAX_TABLES 64

/* A table that passed validation (signature, length, checksum). */
struct acpi_table_ref {
	char sig[5]; /* raw 4-byte signature, NUL-terminated */
	uint64_t pa;
	uint32_t length;
	uint8_t revision;
	char oem_id[7];       /* raw, NUL-terminated */
	char oem_table_id[9]; /* raw, NUL-terminated */
};

struct acpi_info {
	uint64_t rsdp_pa;
	uint8_t rsdp_revision;
	char rsdp_oem[7];
	bool xsdt; /* true: XSDT used, false: RSDT */
	uint64_t root_pa;
	struct acpi_table_ref tables[ACPI_MAX_TABLES];
	unsigned ntables;  /* valid entries in tables[] */
	unsigned nskipped; /* root entries rejected (each warned once) */
};

/* 0 ok; -1 when the RSDP or the root table is unusable (warned). */
/* The RSDP by the legacy memory scan, for firmware that publishes none in
 * its UEFI configuration table; 0 when not found. */
uint64_t acpi_find_rsdp_legacy(const struct acpi_ops *ops);
int acpi_scan(const struct acpi_ops *ops, uint64_t rsdp_pa, struct acpi_info *out);

/* The instance'th (0-based) table with signature `sig`, or NULL. */
const struct acpi_table_ref *acpi_find(const struct acpi_info *info, const char *sig,
				       unsigned instance);

/*
 * Map the whole table `t`, re-validating it (signature, length, checksum);
 * NULL if it no longer validates.  Silent: callers decide whether to warn.
 */
const void *acpi_map_table(const struct acpi_ops *ops, const struct acpi_table_ref *t);

/* ---- MADT ("APIC") ---- */

#define ACPI_MAX_CPUS 1024
#define ACPI_MAX_IOAPICS 16

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid; /* ACPI processor UID */
	bool enabled;
	bool online_capable;
	bool x2apic; /* listed by a Processor Local x2APIC entry */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t addr;
	uint32_t gsi_base;
};

struct acpi_madt {
	uint64_t lapic_pa; /* after any Local APIC Address Override */
	uint32_t flags;    /* bit 0: PCAT_COMPAT (dual 8259s present) */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned ncpus;    /* all listed CPUs, including disabled ones */
	unsigned nenabled; /* CPUs enabled or online-capable */
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned nioapics;
};

/* 0 ok (possibly partial, warned); -1 when absent or unusable. */
int acpi_parse_madt(const struct acpi_ops *ops, const struct acpi_info *info,
		    struct acpi_madt *out);

/* ---- Generic Address Structure (ACPI 6.5 §5.2.3.2) ---- */

struct acpi_gas {
	uint8_t space_id, bit_width, bit_offset, access_size;
	uint64_t address;
};
#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO 1

/* ---- SPCR (Microsoft Serial Port Console Redirection table) ---- */

struct acpi_spcr {
	uint8_t interface_type; /* 0 = 16550 compatible, ... */
	struct acpi_gas base;
	uint32_t baud; /* 0 = keep firmware's setting */
};

/* 0 ok; -1 when absent or unusable (unusable is warned). */
int acpi_parse_spcr(const struct acpi_ops *ops, const struct acpi_info *info,
		    struct acpi_spcr *out);

/* ---- FADT ("FACP") ---- */

#define ACPI_FADT_TMR_VAL_EXT (1u << 8)
#define ACPI_FADT_RESET_REG_SUP (1u << 10)

struct acpi_fadt {
	uint16_t boot_flags; /* IAPC_BOOT_ARCH */
	uint32_t flags;
	bool reset_supported;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint32_t pm1a_cnt, pm1b_cnt; /* I/O ports, 0 = absent; X_ fields preferred when valid */
	uint32_t pm_tmr_blk;         /* I/O port, 0 = absent */
	bool pm_tmr_32bit;
	uint64_t dsdt_pa; /* X_DSDT when present and nonzero */
	bool s5_valid;    /* \_S5 found in the DSDT or an SSDT */
	uint8_t slp_typa, slp_typb;
	uint16_t sci_int;
};

/* 0 ok (fields absent from a short FADT read as 0); -1 when absent. */
int acpi_parse_fadt(const struct acpi_ops *ops, const struct acpi_info *info,
		    struct acpi_fadt *out);

#endif
