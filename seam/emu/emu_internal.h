/* Inside the emulated TDX module: the leaf handlers, the helpers they share,
 * the PAMT entry layout the emulator writes, and the few spec facts
 * seam/tdx_abi.h does not carry. Not for the kernel glue. */
#ifndef BARETDX_SEAM_EMU_EMU_INTERNAL_H
#define BARETDX_SEAM_EMU_EMU_INTERNAL_H

#include "seam/emu/emu.h"
#include "seam/tdx_abi.h"

/* ---- Spec facts missing from seam/tdx_abi.h ----------------------------- */

/* M15 tdx_error_codes_defs.h: TDH.SYS.RDALL could not fit the rest. */
#ifndef TDX_METADATA_LIST_OVERFLOW
#define TDX_METADATA_LIST_OVERFLOW	0xc0000c0400000000ull
#endif
/* M15 is_null_field_id(): the null field ID (MD_FIELD_ID_NULL) is all
 * ones, context bits ignored. */
#define EMU_MD_CONTEXT_MASK		(7ull << 52)
#define EMU_MD_IS_NULL(id)		(((id) | EMU_MD_CONTEXT_MASK) == ~0ull)
/* M15 md_list_header_t: u16 bytes used (header included), u16 number of
 * sequences, u32 reserved; each sequence is a field ID header (LAST_FIELD
 * = fields - 1, LAST_ELEMENT = elements per field - 1) and u64 elements. */
#define EMU_MD_LIST_HDR_SIZE		8
/* M15 tdx_global_data.h MAX_HKIDS: TDH.SYS.INIT refuses more KeyIDs. */
#define EMU_MAX_HKIDS			2048

/* SYS metadata fields of 1.5.01 that seam/tdx_abi_md.h does not list
 * (M15 global_sys_fields_lookup.c): migration, service TD, partitioning. */
#define EMU_MD_MIG_ATTRIBUTES		0xa000000300000000ull
#define EMU_MD_MIN_EXPORT_VERSION	0x2000000100000001ull
#define EMU_MD_MAX_EXPORT_VERSION	0x2000000100000002ull
#define EMU_MD_MIN_IMPORT_VERSION	0x2000000100000003ull
#define EMU_MD_MAX_IMPORT_VERSION	0x2000000100000004ull
#define EMU_MD_MAX_MIGS			0xa000000100000010ull
#define EMU_MD_NUM_IMMUTABLE_STATE_PAGES 0xa000000000000020ull
#define EMU_MD_NUM_TD_STATE_PAGES	0xa000000000000021ull
#define EMU_MD_NUM_VP_STATE_PAGES	0xa000000000000022ull
#define EMU_MD_MAX_SERV_TDS		0xa100000100000000ull
#define EMU_MD_SERVTD_ATTR_FIXED0	0xa100000300000001ull
#define EMU_MD_SERVTD_ATTR_FIXED1	0xa100000300000002ull
#define EMU_MD_GUEST_L2_GPA_ATTR_MASK	0xa200000100000000ull
#define EMU_MD_VM_CTLS_FIXED0		0xa200000300000001ull
#define EMU_MD_VM_CTLS_FIXED1		0xa200000300000002ull
#define EMU_MD_L2_CTLS_FIXED0		0xa200000300000003ull
#define EMU_MD_L2_CTLS_FIXED1		0xa200000300000004ull
#define EMU_MD_L2_DEBUG_CTLS_FIXED0	0xa200000300000005ull
#define EMU_MD_L2_DEBUG_CTLS_FIXED1	0xa200000300000006ull

/* ---- The module the emulator claims to be ------------------------------- */

/* 1.5.01: version 1.5, build date of the published 1.5.01 binary's
 * SIGSTRUCT (tdx-abi.md §8.6). The build number is ours. */
#define EMU_MODULE_MAJOR		1
#define EMU_MODULE_MINOR		5
#define EMU_MODULE_UPDATE		1
#define EMU_MODULE_INTERNAL		0
#define EMU_MODULE_BUILD_DATE		20231008u
#define EMU_MODULE_BUILD_NUM		698u
/* SEAMSVN of the 1.5.01 SIGSTRUCT (260 = major 1, minor 4), reported in
 * SEAMLDR_INFO's SEAMEXTEND TEE_TCB_SVN bytes 0 (minor) and 1 (major). */
#define EMU_MODULE_SEAMSVN		260u

/* ---- What TDs may be (TDH.SYS.RD reports these, TDH.MNG.INIT enforces
 * them; tdx-abi.md §4.2, §5.7) ----------------------------------------------
 * M15 td_control_structures.h: DEBUG, SEPT_VE_DISABLE, MIGRATABLE, PKS,
 * PERFMON may be 1; none must be. */
#define EMU_ATTRIBUTES_FIXED0 (TDX_TD_ATTR_DEBUG | TDX_TD_ATTR_SEPT_VE_DISABLE |	\
	TDX_TD_ATTR_MIGRATABLE | TDX_TD_ATTR_PKS | TDX_TD_ATTR_PERFMON)
#define EMU_ATTRIBUTES_FIXED1	0ull
/* Before the CPU's XCR0 | IA32_XSS mask (emu_xfam_fixed0()). */
#define EMU_XFAM_FIXED0		0x0006dbe7ull
#define EMU_XFAM_FIXED1		0x3ull		/* x87, SSE */
#define EMU_CONFIG_FLAGS_FIXED0	(TDX_CONFIG_FLAGS_GPAW | TDX_CONFIG_FLAGS_FLEXIBLE_PENDING_VE | \
				 TDX_CONFIG_FLAGS_NO_RBP_MOD)
#define EMU_CONFIG_FLAGS_FIXED1	0ull
/* M15 msr_defs.h / virt_msr_helpers.c: the IA32_ARCH_CAPABILITIES bits a
 * TD_PARAMS may configure: 4 SSB_NO, 19 RRSBA, 20 BHI_NO, 24 PBRSB_NO. */
#define EMU_ARCH_CAP_CONFIG_MASK	0x1180010ull

/* ---- PAMT entries the emulator writes (16 bytes, the layout of M15
 * pamt_entry_t so that a dump looks like a real module's):
 *   bytes 0-1   entry lock (always 0 in memory: the emulator locks in SEAMRR)
 *   byte  2     page type: PT_NDA (0) free, PT_RSVD (1) reserved area /
 *               PAMT page, PT_REG/PT_TDR/... once part 2 assigns pages
 *   bytes 3-7   owner: PA of the owning TDR >> 12 (40 bits), 0 when free
 *   bytes 8-15  BEPOCH (0 when free)
 * TDH.SYS.TDMR.INIT writes every 4K entry as PT_RSVD inside a reserved
 * area and PT_NDA elsewhere; 2M and 1G entries start as PT_NDA, as in M15
 * pamt_init(). */
#define EMU_PAMT_ENTRY_SIZE		16
#define EMU_PAMT_PT			2
#define EMU_PAMT_OWNER			3
#define EMU_PAMT_BEPOCH			8
/* M15 TDMR_4K_PAMT_INIT_COUNT: 4K entries per TDH.SYS.TDMR.INIT call. */
#define EMU_TDMR_INIT_ENTRIES		1024u
#define EMU_TDMR_INIT_BYTES		(EMU_TDMR_INIT_ENTRIES * 4096ull)

#define EMU_1G				(1ull << 30)
#define EMU_2M				(1ull << 21)
#define EMU_4K				4096ull

/* ---- Shared helpers (emu.c) --------------------------------------------- */

/* The emulator spinlock is held on entry to every handler. A handler drops
 * it only while it holds the module lock that protects what it works on:
 * emu_unlock() (which then runs the test hook) ... emu_relock(), or
 * emu_inside() for both at one point. */
void emu_unlock(struct emu *e, unsigned lp, unsigned leaf);
void emu_relock(struct emu *e);
void emu_inside(struct emu *e, unsigned lp, unsigned leaf);
/* `leaf` given to the hook for a P-SEAMLDR leaf: this | its number. */
#define EMU_INSIDE_SEAMLDR		0x10000u

/* emu.c: module state back to SYSINIT_PENDING (a new module was loaded). */
void emu_module_reset(struct emu *e);
/* seamldr.c: the P-SEAMLDR's state and the built-in module identity. */
void emu_ldr_init(struct emu *e);

/* The module's global sharex lock (M15 acquire_sharex_lock_ex/_sh). */
bool emu_glock_excl(struct emu *e);
bool emu_glock_shared(struct emu *e);
void emu_glock_release(struct emu *e);

/* Status with an operand ID, and with packed detail bytes (tdx-abi.md §1.3). */
static inline uint64_t emu_op(uint64_t status, unsigned operand)
{
	return status | operand;
}

static inline uint64_t emu_info(uint64_t status, unsigned b0, unsigned b1, unsigned b2)
{
	return status | (b0 & 0xffu) | (b1 & 0xffu) << 8 | (b2 & 0xffu) << 16;
}

static inline unsigned emu_hkid_of(const struct emu *e, uint64_t pa)
{
	return (unsigned)((pa & e->hkid_mask) >> e->hkid_shift);
}

static inline bool emu_pa_below_maxpa(const struct emu *e, uint64_t pa)
{
	return e->cfg.maxpa >= 64 || pa < (1ull << e->cfg.maxpa);
}

/* [a, a+as) and [b, b+bs) intersect; empty ranges never do. */
static inline bool emu_overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return as && bs && a < b + bs && b < a + as;
}

/* M15 shared_hpa_check_with_pwr_2_alignment(): aligned, below MAXPA, not
 * in SEAMRR over `align` bytes, KeyID a shared (non-TDX) one. */
bool emu_shared_hpa_ok(const struct emu *e, uint64_t pa, uint64_t align);

/* Memory access through the ops, KeyID bits stripped. */
int emu_read(const struct emu *e, uint64_t pa, void *buf, size_t len);
int emu_write(const struct emu *e, uint64_t pa, const void *buf, size_t len);

/* ---- Leaf handlers: return the status; may set output registers. ------- */

uint64_t emu_sys_init(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_sys_lp_init(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_sys_key_config(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_sys_lp_shutdown(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_sys_shutdown(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_sys_rd(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_sys_rdall(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_sys_info(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_sys_config(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_sys_tdmr_init(struct emu *e, unsigned lp, struct emu_regs *r);

/* P-SEAMLDR leaves (sys_init.c); RAX holds the full leaf. */
uint64_t emu_seamldr_leaf(struct emu *e, unsigned lp, struct emu_regs *r);

/* Fault injection (fault.c): true when a fault hits this call; *status
 * is then the whole answer. */
bool emu_fault_roll(struct emu *e, unsigned leaf, bool seamldr, uint64_t *status);
void emu_rng_seed(struct emu *e, uint64_t seed);

/* TD configurability shared by TDH.SYS.RD and TDH.SYS.INFO (metadata.c). */
struct emu_cpuid_config {
	uint32_t leaf, subleaf;		/* subleaf 0xFFFFFFFF = none */
	uint32_t mask[4];		/* EAX, EBX, ECX, EDX bits the host may set */
};
extern const struct emu_cpuid_config emu_cpuid_configs[EMU_NUM_CPUID_CONFIG];
uint64_t emu_xfam_fixed0(const struct emu *e);

/* TD leaf helpers shared by td_mng.c and td_teardown.c (td_mng.c).
 * An explicit TDR operand: a PT_TDR page of a TD the emulator knows, else
 * the M15 page-operand statuses + `operand`; `exclusive` leaves take the
 * TDR lock exclusively and so meet TDX_OPERAND_BUSY + `operand` while a
 * vCPU of the TD is inside TDH.VP.ENTER (which holds it shared). */
uint64_t emu_tdr_operand(struct emu *e, uint64_t pa, unsigned operand, bool exclusive,
			 struct emu_td **out);
/* The same for an explicit TDVPR operand; *td gets its owner. */
uint64_t emu_tdvpr_operand(struct emu *e, uint64_t pa, unsigned operand, bool exclusive,
			   struct emu_vcpu **out, struct emu_td **td);
/* M15 check_state_map_tdcs_and_lock(): TD_FATAL, TD_KEYS_NOT_CONFIGURED,
 * TDCS_NOT_ALLOCATED, then the OP_STATE gate for `leaf`. */
uint64_t emu_td_build_state(const struct emu_td *td, unsigned leaf);
/* Packages every per-package TD operation must cover. */
static inline uint32_t emu_all_pkgs(const struct emu *e)
{
	return (1u << e->cfg.npkgs) - 1;
}

/* Test hook: called by emu_inside() (NULL to remove). */
static inline void emu_set_inside_hook(struct emu *e, emu_inside_fn *fn, void *ctx)
{
	e->inside = fn;
	e->inside_ctx = ctx;
}

#endif
