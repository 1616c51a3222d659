/* TDH.SYS.TDMR.INIT (tdx-abi.md §3.3 step 9; M15 tdh_sys_tdmr_init.c,
 * pamt_manager.c pamt_init()): each call initializes the next 1024 PAMT_4K
 * entries (4 MiB of the TDMR) in the host's PAMT memory, the PAMT_2M
 * entries above them and, when a 1 GiB block is complete, its PAMT_1G
 * entry. RDX returns the next-to-initialize address rounded down to 1 GiB.
 *
 * The entry writes run without the emulator spinlock, under the TDMR's
 * busy flag: other TDMRs initialize in parallel, a second call on the same
 * TDMR meanwhile gets TDX_OPERAND_BUSY + RCX. Entry layout: emu_internal.h. */
#include <string.h>
#include "seam/emu/emu_internal.h"

#define ENTRIES_PER_WRITE 16

static bool page_reserved(const struct emu_tdmr *t, uint64_t offset)
{
	for (unsigned j = 0; j < t->nrsvd; j++)
		if (offset >= t->rsvd[j].base && offset - t->rsvd[j].base < t->rsvd[j].size)
			return true;
	return false;
}

static void set_entry(uint8_t *entry, unsigned page_type)
{
	memset(entry, 0, EMU_PAMT_ENTRY_SIZE);
	entry[EMU_PAMT_PT] = (uint8_t)page_type;
}

/* Writes the PAMT entries for [start, start + EMU_TDMR_INIT_BYTES) of t.
 * Returns how many writes the memory ops refused. */
static unsigned init_chunk(const struct emu *e, const struct emu_tdmr *t, uint64_t start)
{
	uint8_t buf[ENTRIES_PER_WRITE * EMU_PAMT_ENTRY_SIZE];
	uint64_t offset = start - t->base, end = offset + EMU_TDMR_INIT_BYTES;
	unsigned failed = 0;

	for (uint64_t off = offset; off < end; off += ENTRIES_PER_WRITE * EMU_4K) {
		for (unsigned k = 0; k < ENTRIES_PER_WRITE; k++)
			set_entry(&buf[k * EMU_PAMT_ENTRY_SIZE],
				  page_reserved(t, off + k * EMU_4K) ? PT_RSVD : PT_NDA);
		failed += emu_write(e, t->pamt[TDX_PS_4K].base + off / EMU_4K * EMU_PAMT_ENTRY_SIZE,
				    buf, sizeof(buf)) != 0;
	}
	set_entry(buf, PT_NDA);
	for (uint64_t off = offset; off < end; off += EMU_2M)
		failed += emu_write(e, t->pamt[TDX_PS_2M].base + off / EMU_2M * EMU_PAMT_ENTRY_SIZE,
				    buf, EMU_PAMT_ENTRY_SIZE) != 0;
	if (end % EMU_1G == 0)
		failed += emu_write(e, t->pamt[TDX_PS_1G].base + offset / EMU_1G * EMU_PAMT_ENTRY_SIZE,
				    buf, EMU_PAMT_ENTRY_SIZE) != 0;
	return failed;
}

uint64_t emu_sys_tdmr_init(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint64_t base = r->rcx, start, st;
	struct emu_tdmr *t = NULL;
	unsigned failed;

	r->rdx = 0;
	for (unsigned i = 0; i < e->ntdmrs && !t; i++)
		if (e->tdmr[i].base == base)
			t = &e->tdmr[i];
	/* Aligned, below MAXPA, no KeyID, and the base of a configured TDMR. */
	if ((base & (EMU_1G - 1)) || !emu_pa_below_maxpa(e, base) || emu_hkid_of(e, base) || !t) {
		st = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		goto out;
	}
	if (t->busy) {
		st = emu_op(TDX_OPERAND_BUSY, TDX_OPERAND_ID_RCX);
		goto out;
	}
	if (t->next >= t->base + t->size) {
		st = TDX_TDMR_ALREADY_INITIALIZED;
		goto out;
	}

	/* The TDMR's geometry is fixed since SYS.CONFIG; its busy flag keeps
	 * `next` ours while the emulator lock is dropped. */
	t->busy = true;
	start = t->next;
	emu_unlock(e, lp, TDH_SYS_TDMR_INIT);
	failed = init_chunk(e, t, start);
	emu_relock(e);
	/* PAMTs lie in CMRs (SYS.CONFIG), so a refused write is a broken
	 * memory model, not something the module could see: count it. */
	e->stats.mem_errors += failed;
	t->next = start + EMU_TDMR_INIT_BYTES;
	t->busy = false;
	r->rdx = t->next & ~(EMU_1G - 1);
	st = TDX_SUCCESS;
out:
	return st;
}
