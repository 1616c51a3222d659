/* Inside the emulated TDX module, part 2: TDs, vCPUs, the Secure EPT,
 * measurement and TD execution (tdx-abi.md §2.3-§2.4, §6, §7).
 *
 * Where a real module keeps TD state in the TDR/TDCS/TDVPS pages, the
 * emulator keeps it here, in struct emu (that is, in SEAMRR), in slots
 * keyed by the TDR or TDVPR physical address. The pages themselves are
 * still taken from the host, checked and typed in the host's PAMT exactly
 * as the module would, and the ones with an architectural use hold it:
 *   - TDCS page EMU_TDCS_SEPT_ROOT is the S-EPT root (PML4/PML5);
 *   - TDCX page EMU_TDCX_VMCS of each vCPU is its TD VMCS region;
 *   - pages added with TDH.MEM.SEPT.ADD are the S-EPT's lower tables.
 * The S-EPT is a real EPT tree the CPU walks (sept.c).
 *
 * Locking: every handler runs with the emulator spinlock held (emu.c).
 * TDH.VP.ENTER drops it while the guest runs; the vCPU's `running` flag is
 * then its TDVPR lock, and the TD's vCPUs_running count keeps the
 * TD-exclusive leaves out (TDX_OPERAND_BUSY), as the module's TDR lock
 * would. */
#ifndef BARETDX_SEAM_EMU_TD_H
#define BARETDX_SEAM_EMU_TD_H

#include "seam/emu/emu_internal.h"

/* ---- PAMT (pamt.c) -------------------------------------------------------
 * The entries TDH.SYS.TDMR.INIT wrote (layout in emu_internal.h), read
 * and written through the memory ops. */
struct emu_pamt_entry {
	unsigned pt;			/* enum tdx_page_type */
	uint64_t owner;			/* owning TDR PA, 0 when none */
	uint64_t bepoch;
};

/* The PAMT entry that describes the page at pa: the 1 GiB or 2 MiB entry
 * when a large page covers it, else the 4 KiB one. *level gets TDX_PS_*.
 * Returns false when pa is in no TDMR (or its PAMT cannot be read). */
bool emu_pamt_get(const struct emu *e, uint64_t pa, unsigned *level,
		  struct emu_pamt_entry *out);
/* Writes the entry of the page at pa at the given level. 0 or -1. */
int emu_pamt_set(struct emu *e, uint64_t pa, unsigned level,
		 const struct emu_pamt_entry *in);
/* True when pa lies in a TDMR's reserved area or in no TDMR at all. */
bool emu_pa_in_tdmr(const struct emu *e, uint64_t pa);

/* M15 check_and_lock_explicit_4k_private_hpa() for a page operand that
 * must be a free (PT_NDA) 4 KiB page: 4 KiB aligned, HKID bits 0, below
 * MAXPA, inside a TDMR and not in a reserved area (TDX_OPERAND_INVALID +
 * operand), its PAMT entry PT_NDA and not covered by an allocated large
 * page (TDX_PAGE_METADATA_INCORRECT + operand). Returns TDX_SUCCESS. */
uint64_t emu_check_free_page(const struct emu *e, uint64_t pa, unsigned operand);
/* The same for a page that must already have type `pt` (and, when owner
 * is nonzero, that owner). */
uint64_t emu_check_typed_page(const struct emu *e, uint64_t pa, unsigned pt,
			      uint64_t owner, unsigned operand);

/* ---- TDs and vCPUs (td_mng.c); the structures are in td_state.h ------- */
struct emu_td *emu_td_find(struct emu *e, uint64_t tdr_pa);
struct emu_vcpu *emu_vcpu_find(struct emu *e, uint64_t tdvpr_pa);
/* The shared bit of a TD's GPAs (bit 47 with GPAW 48, 51 with 52). */
static inline uint64_t emu_td_shared_bit(const struct emu_td *td)
{
	return 1ull << (td->gpaw - 1);
}

/* OP_STATE gate of §2.4 for a TD leaf: TDX_OP_STATE_INCORRECT when the
 * leaf may not run in the TD's current state, TDX_TD_FATAL once fatal.
 * Leaves not in the table pass. */
uint64_t emu_td_op_state_check(const struct emu_td *td, unsigned leaf);

/* ---- Secure EPT (sept.c); entry format in td_state.h ------------------ */
/* Where a GPA's entry at `level` (0 = 4K leaf ... levels-1 = root entry)
 * lives. Walks from the root; stops early at a non-present or leaf entry
 * above `level`. */
struct emu_sept_walk {
	unsigned level;			/* level of the entry found */
	uint64_t entry_pa;		/* PA of that 8-byte entry */
	uint64_t entry;			/* its value */
};
/* 0 when the walk reached `level`; -1 when it stopped above it (w says
 * where and why), or the memory ops refused a read. */
int emu_sept_walk(const struct emu *e, const struct emu_td *td, uint64_t gpa,
		  unsigned level, struct emu_sept_walk *w);
int emu_sept_write(struct emu *e, const struct emu_sept_walk *w, uint64_t entry);
/* The RCX/RDX extended error info of §2.3 for an entry at a level. */
uint64_t emu_sept_info(uint64_t entry, unsigned level);
/* Translation for the module's own guest accesses (TDCALL operands): the
 * HPA of a private GPA that is mapped present (any page size), else -1. */
int emu_sept_translate(const struct emu *e, const struct emu_td *td, uint64_t gpa,
		       uint64_t *hpa);

/* ---- Leaf handlers ------------------------------------------------------ */
/* td_mng.c */
uint64_t emu_mng_create(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mng_key_config(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mng_addcx(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mng_init(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mng_rd(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mng_wr(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mng_key_reclaimid(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_vp_create(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_vp_addcx(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_vp_init(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_vp_rd(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_vp_wr(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_vp_flush(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mng_vpflushdone(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_phymem_cache_wb(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mng_key_freeid(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_phymem_page_reclaim(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_phymem_page_wbinvd(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_phymem_page_rdmd(struct emu *e, unsigned lp, struct emu_regs *r);
/* td_mem.c */
uint64_t emu_mem_sept_add(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mem_sept_rd(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mem_sept_remove(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mem_page_add(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mem_page_aug(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mem_page_remove(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mem_range_block(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mem_range_unblock(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mem_track(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mem_rd(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mem_wr(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mr_extend(struct emu *e, unsigned lp, struct emu_regs *r);
uint64_t emu_mr_finalize(struct emu *e, unsigned lp, struct emu_regs *r);
/* td_run.c */
uint64_t emu_vp_enter(struct emu *e, unsigned lp, struct emu_regs *r);

static inline unsigned emu_td_index(const struct emu *e, const struct emu_td *td)
{
	return (unsigned)(td - e->tds);
}

#endif
