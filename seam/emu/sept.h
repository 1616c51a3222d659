/* Secure EPT helpers of the emulated module beyond the td.h API (sept.c),
 * shared by the S-EPT leaves (td_mem.c) and TD execution (td_run.c).
 *
 * Entry format: td_state.h. On top of it, every entry this module writes
 * has bit 63 (suppress #VE) set, as M15 writes every S-EPT entry
 * (sept_manager.h SEPTE_INIT_VALUE, sept_update_state()): an S-EPT
 * violation is then always a VM exit the module sees, never a #VE the CPU
 * delivers by itself. A FREE entry is therefore 1 << 63 once the module
 * has written it; an all-zero entry (a freshly zeroed page) is FREE too.
 * Test the state with emu_sept_state(), never compare an entry with 0.
 *
 * States reported to the host (RDX bits 15:8, §2.3) are M15's public
 * S-EPT states (include/auto_gen/sept_state_lookup.c, public_state), not
 * our enum emu_sept_state; emu_sept_info() maps them:
 *
 *   enum emu_sept_state   leaf (level 0, or bit 7)   non-leaf (table)
 *   EMU_SEPT_FREE          0 SEPT_FREE                 0 SEPT_FREE
 *   EMU_SEPT_PRESENT       4 SEPT_MAPPED             132 SEPT_NL_MAPPED
 *   EMU_SEPT_BLOCKED       1 SEPT_BLOCKED            129 SEPT_NL_BLOCKED
 *   EMU_SEPT_PENDING       2 SEPT_PENDING              -
 *   EMU_SEPT_PENDING_BLOCKED 3 SEPT_PENDING_BLOCKED    -
 *
 * M15's other states (REMOVED 5, BLOCKEDW 8, EXPORTED_* 9-12, PENDING_
 * BLOCKEDW/EXPORTED_* 16-20) belong to migration, which 1.5.01 TDs built
 * here never enter. */
#ifndef BARETDX_SEAM_EMU_SEPT_H
#define BARETDX_SEAM_EMU_SEPT_H

#include "seam/emu/td.h"

#define EMU_EPT_SVE		(1ull << 63)	/* suppress #VE */
#define EMU_EPT_MT_MASK		(7ull << 3)
#define EMU_SEPT_ENTRIES	512u
/* What the module writes into a FREE entry (M15 SEPTE_INIT_VALUE). */
#define EMU_SEPT_FREE_ENTRY	EMU_EPT_SVE

/* M15 public S-EPT states (sept_state_lookup.c public_state). */
enum emu_sept_arch_state {
	EMU_SEPT_ARCH_FREE		= 0,
	EMU_SEPT_ARCH_BLOCKED		= 1,
	EMU_SEPT_ARCH_PENDING		= 2,
	EMU_SEPT_ARCH_PENDING_BLOCKED	= 3,
	EMU_SEPT_ARCH_MAPPED		= 4,
	EMU_SEPT_ARCH_NL_BLOCKED	= 129,
	EMU_SEPT_ARCH_NL_MAPPED		= 132,
};

/* Bytes one entry at `level` maps (4 KiB << 9 * level). */
static inline uint64_t emu_sept_size(unsigned level)
{
	return EMU_4K << (9 * level);
}

/* A non-FREE entry maps a page (rather than pointing to a table). */
static inline bool emu_sept_is_leaf(uint64_t entry, unsigned level)
{
	return level == 0 || (entry & EMU_EPT_LARGE);
}

/* Entries as the module writes them: a table of the next level, and a
 * leaf at `level` (page PA aligned to its size). PRESENT ones get RWX;
 * the others keep the PA with RWX = 0. */
uint64_t emu_sept_table_entry(uint64_t table_pa, enum emu_sept_state state);
uint64_t emu_sept_leaf_entry(uint64_t page_pa, unsigned level, enum emu_sept_state state);

/* The HPA a leaf entry at `level` gives gpa (page PA | offset in it). */
static inline uint64_t emu_sept_leaf_hpa(uint64_t entry, unsigned level, uint64_t gpa)
{
	uint64_t mask = emu_sept_size(level) - 1;

	return (entry & EMU_EPT_PA_MASK & ~mask) | (gpa & mask);
}

/* The architectural S-EPT entry the module reports in RCX (M15
 * set_arch_septe_details_in_vmm_regs()): FREE -> only bit 63; a leaf ->
 * RWX, memory type, HPA, ignore-PAT, bit 7 (set for every leaf, 4K ones
 * too, as in M15's encoding) and bit 63; a table -> RWX only. */
uint64_t emu_sept_arch_entry(uint64_t entry, unsigned level);
/* M15's public state of an entry at `level` (table above). */
unsigned emu_sept_arch_state(uint64_t entry, unsigned level);

/* Fills an S-EPT page with FREE entries. 0 or -1. */
int emu_sept_table_init(struct emu *e, uint64_t table_pa);
/* *all_free = every entry of the table at table_pa is FREE. 0 or -1. */
int emu_sept_table_is_free(const struct emu *e, uint64_t table_pa, bool *all_free);

/* A private GPA of this TD: shared bit clear and below 2^GPAW (M15
 * check_gpa_validity() with PRIVATE_ONLY). */
static inline bool emu_td_private_gpa_ok(const struct emu_td *td, uint64_t gpa)
{
	return (gpa >> (td->gpaw - 1)) == 0;
}

/* TLB tracking (tdx-abi.md §6.8; M15 is_tlb_tracked()): a range blocked
 * in TD epoch `bepoch` is tracked once TDH.MEM.TRACK moved the TD past it
 * (td->epoch > bepoch) and no vCPU of the TD that entered in that epoch or
 * before is still inside (vcpu->running, entry_epoch <= bepoch). */
bool emu_tlb_tracked(const struct emu *e, const struct emu_td *td, uint64_t bepoch);

#endif
