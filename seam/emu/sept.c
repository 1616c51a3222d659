/* The Secure EPT of the emulated module: walking it, writing its entries,
 * the architectural form the host sees (tdx-abi.md §2.3 extended S-EPT
 * error info, §6.3), GPA translation for the module's own accesses and
 * the TLB-tracking predicate (§6.8).
 *
 * The tree is a real EPT (entry format in td_state.h, extras in sept.h):
 * the root is TDCS page EMU_TDCS_SEPT_ROOT, the entry at level L (0 = PTE
 * ... levels-1 = root entry) is indexed by GPA bits 12+9L+8 : 12+9L, and
 * the CPU walks it when the TD runs. Walk rules and the reported state and
 * entry follow M15 sept_manager.c (secure_ept_walk(),
 * set_arch_septe_details_in_vmm_regs()) and sept_state_lookup.c; memory
 * is only touched through emu_read/emu_write. */
#include "seam/emu/sept.h"

static uint64_t entry_index(uint64_t gpa, unsigned level)
{
	return (gpa >> (12 + 9 * level)) & (EMU_SEPT_ENTRIES - 1);
}

int emu_sept_walk(const struct emu *e, const struct emu_td *td, uint64_t gpa,
		  unsigned level, struct emu_sept_walk *w)
{
	uint64_t table = td->tdcs_pa[EMU_TDCS_SEPT_ROOT];

	w->level = td->levels ? td->levels - 1 : 0;
	w->entry_pa = 0;
	w->entry = 0;
	if (!td->levels || level >= td->levels)
		return -1;
	for (unsigned l = td->levels - 1;; l--) {
		uint64_t pa = table + entry_index(gpa, l) * 8, v;

		w->level = l;
		if (emu_read(e, pa, &v, sizeof(v))) {
			w->entry_pa = 0;
			w->entry = 0;
			return -1;
		}
		w->entry_pa = pa;
		w->entry = v;
		if (l == level)
			return 0;
		/* Not present (any non-PRESENT state has RWX = 0), or a leaf:
		 * nothing below (M15 secure_ept_walk()). */
		if (!(v & EMU_EPT_RWX) || (v & EMU_EPT_LARGE))
			return -1;
		table = v & EMU_EPT_PA_MASK;
	}
}

int emu_sept_write(struct emu *e, const struct emu_sept_walk *w, uint64_t entry)
{
	if (!w->entry_pa || emu_write(e, w->entry_pa, &entry, sizeof(entry))) {
		e->stats.mem_errors++;
		return -1;
	}
	return 0;
}

static uint64_t state_bits(enum emu_sept_state state)
{
	return ((uint64_t)state << EMU_SEPT_STATE_SHIFT) & EMU_SEPT_STATE_MASK;
}

uint64_t emu_sept_table_entry(uint64_t table_pa, enum emu_sept_state state)
{
	uint64_t v = (table_pa & EMU_EPT_PA_MASK) | state_bits(state) | EMU_EPT_SVE;

	if (state == EMU_SEPT_PRESENT)
		v |= EMU_EPT_RWX;
	return v;
}

uint64_t emu_sept_leaf_entry(uint64_t page_pa, unsigned level, enum emu_sept_state state)
{
	uint64_t v = (page_pa & EMU_EPT_PA_MASK & ~(emu_sept_size(level) - 1)) |
		     EMU_EPT_WB | EMU_EPT_IGNORE_PAT | state_bits(state) | EMU_EPT_SVE;

	if (level > 0)
		v |= EMU_EPT_LARGE;
	if (state == EMU_SEPT_PRESENT)
		v |= EMU_EPT_RWX;
	return v;
}

unsigned emu_sept_arch_state(uint64_t entry, unsigned level)
{
	bool leaf = emu_sept_is_leaf(entry, level);

	switch (emu_sept_state(entry)) {
	case EMU_SEPT_PRESENT:
		return leaf ? EMU_SEPT_ARCH_MAPPED : EMU_SEPT_ARCH_NL_MAPPED;
	case EMU_SEPT_BLOCKED:
		return leaf ? EMU_SEPT_ARCH_BLOCKED : EMU_SEPT_ARCH_NL_BLOCKED;
	case EMU_SEPT_PENDING:
		return EMU_SEPT_ARCH_PENDING;
	case EMU_SEPT_PENDING_BLOCKED:
		return EMU_SEPT_ARCH_PENDING_BLOCKED;
	default:
		return EMU_SEPT_ARCH_FREE;
	}
}

uint64_t emu_sept_arch_entry(uint64_t entry, unsigned level)
{
	if (emu_sept_state(entry) == EMU_SEPT_FREE)
		return EMU_EPT_SVE;
	if (emu_sept_is_leaf(entry, level))
		return (entry & (EMU_EPT_RWX | EMU_EPT_MT_MASK | EMU_EPT_IGNORE_PAT |
				 EMU_EPT_PA_MASK)) | EMU_EPT_LARGE | EMU_EPT_SVE;
	return entry & EMU_EPT_RWX;
}

uint64_t emu_sept_info(uint64_t entry, unsigned level)
{
	return (uint64_t)(level & 7u) | (uint64_t)emu_sept_arch_state(entry, level) << 8;
}

int emu_sept_translate(const struct emu *e, const struct emu_td *td, uint64_t gpa,
		       uint64_t *hpa)
{
	struct emu_sept_walk w;

	if (!emu_td_private_gpa_ok(td, gpa))
		return -1;
	if (emu_sept_walk(e, td, gpa, 0, &w) && !w.entry_pa)
		return -1;
	/* Reached level 0, or stopped at a large leaf or a hole above. */
	if (!emu_sept_is_leaf(w.entry, w.level) || emu_sept_state(w.entry) != EMU_SEPT_PRESENT ||
	    !(w.entry & EMU_EPT_RWX))
		return -1;
	*hpa = emu_sept_leaf_hpa(w.entry, w.level, gpa);
	return 0;
}

#define ENTRIES_PER_IO	64u

int emu_sept_table_init(struct emu *e, uint64_t table_pa)
{
	uint64_t buf[ENTRIES_PER_IO];

	for (unsigned i = 0; i < ENTRIES_PER_IO; i++)
		buf[i] = EMU_SEPT_FREE_ENTRY;
	for (unsigned i = 0; i < EMU_SEPT_ENTRIES; i += ENTRIES_PER_IO) {
		if (emu_write(e, table_pa + i * 8ull, buf, sizeof(buf))) {
			e->stats.mem_errors++;
			return -1;
		}
	}
	return 0;
}

int emu_sept_table_is_free(const struct emu *e, uint64_t table_pa, bool *all_free)
{
	uint64_t buf[ENTRIES_PER_IO];

	*all_free = true;
	for (unsigned i = 0; i < EMU_SEPT_ENTRIES; i += ENTRIES_PER_IO) {
		if (emu_read(e, table_pa + i * 8ull, buf, sizeof(buf)))
			return -1;
		for (unsigned j = 0; j < ENTRIES_PER_IO; j++)
			if (emu_sept_state(buf[j]) != EMU_SEPT_FREE)
				*all_free = false;
	}
	return 0;
}

bool emu_tlb_tracked(const struct emu *e, const struct emu_td *td, uint64_t bepoch)
{
	unsigned idx = emu_td_index(e, td);

	if (td->epoch <= bepoch)
		return false;
	for (unsigned i = 0; i < EMU_MAX_VCPUS; i++) {
		const struct emu_vcpu *v = &e->vcpus[i];

		if (v->tdvpr_pa && v->td == idx && v->running && v->entry_epoch <= bepoch)
			return false;
	}
	return true;
}
