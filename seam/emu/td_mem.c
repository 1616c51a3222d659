/* S-EPT, private memory and measurement leaves of the emulated module:
 * TDH.MEM.SEPT.ADD/RD/REMOVE, TDH.MEM.PAGE.ADD/AUG/REMOVE,
 * TDH.MEM.RANGE.BLOCK/UNBLOCK, TDH.MEM.TRACK, TDH.MEM.RD/WR,
 * TDH.MR.EXTEND and TDH.MR.FINALIZE (tdx-abi.md §2.3, §2.4, §6.2-§6.4,
 * §6.8, §7.3).
 *
 * Check order, status codes, operand IDs and the RCX/RDX extended S-EPT
 * error info follow M15's handlers of the same names
 * (src/vmm_dispatcher/api_calls/tdh_mem_*.c, tdh_mr_*.c), helpers.c
 * (check_state_map_tdcs_and_lock(), verify_page_info_input(),
 * check_gpa_validity(), lock_sept_check_and_walk_*()) and the S-EPT state
 * tables of sept_state_lookup.c. Facts worth knowing because they differ
 * from a first guess:
 *   - a TD whose lifecycle is not KEYS_CONFIGURED gets
 *     TDX_TD_KEYS_NOT_CONFIGURED (check_td_in_correct_build_state());
 *   - a state an S-EPT leaf does not accept is TDX_EPT_ENTRY_STATE_INCORRECT
 *     + RCX, also for a second SEPT.ADD of the same entry;
 *   - blocking/tracking is only demanded while TLB tracking matters, i.e.
 *     in OP_STATE RUNNABLE: an INITIALIZED TD removes pages and S-EPT pages
 *     without BLOCK/TRACK, and UNBLOCK of a RUNNABLE TD also waits for
 *     TRACK (TDX_TLB_TRACKING_NOT_DONE + SEPT_TREE);
 *   - TDH.MR.EXTEND of a PAGE.AUG-ed (pending, RWX = 0) page fails the walk
 *     to a present leaf: TDX_EPT_ENTRY_NOT_PRESENT + RCX.
 *
 * Two deliberate differences, shared with td_teardown.c: td->child_pages
 * counts PAMT entries (td_state.h), so a 2 MiB page is one child where
 * M15's CHLDCNT counts 512 4 KiB pages; and a freed page's PAMT entry gets
 * owner and BEPOCH 0 (the emulator's PAMT layout, emu_internal.h) where
 * M15 only rewrites the page type. S-EPT entry format and the state
 * numbers the host sees: sept.h.
 *
 * Locking: each handler runs under the emulator spinlock. M15 takes the
 * TDR lock exclusively in PAGE.ADD, MR.EXTEND and MR.FINALIZE; TDH.VP.ENTER
 * holds it shared while the guest runs, so those three answer
 * TDX_OPERAND_BUSY + the TDR operand while a vCPU of the TD is inside. No
 * other lock can be contended with the spinlock held. */
#include <string.h>
#include "seam/emu/sept.h"

/* M15 x86_defs.h NULL_PA: "no page" in the versioned S-EPT leaves. */
#define NULL_PA				(~0ull)
/* TDH.MEM.SEPT.ADD RDX (M15 td_handle_and_flags_t): bit 0 ALLOW_EXISTING,
 * 51:12 TDR PA, 11:1 and 63:52 reserved. */
#define SEPT_ADD_RDX_RSVD		0xfff0000000000ffeull
/* TDH.MEM.SEPT.RD RDX bit 0: also read L2 attributes (debug TDs only). */
#define SEPT_RD_L2_ATTRIBUTES		1ull
#define BIT63				(1ull << 63)

#define OP_RCX	TDX_OPERAND_ID_RCX
#define OP_RDX	TDX_OPERAND_ID_RDX
#define OP_R8	TDX_OPERAND_ID_R8
#define OP_R9	TDX_OPERAND_ID_R9

/* ---- Shared checks ------------------------------------------------------- */

/* The TDR operand and the TD's state (M15 check_lock_and_map_explicit_tdr(),
 * check_state_map_tdcs_and_lock(); the shared helpers of emu_internal.h). */
static uint64_t get_td(struct emu *e, uint64_t tdr_pa, unsigned operand, unsigned leaf,
		       bool exclusive, struct emu_td **out)
{
	uint64_t st = emu_tdr_operand(e, tdr_pa, operand, exclusive, out);

	return st ? st : emu_td_build_state(*out, leaf);
}

/* The GPA/level operand (§6.3; M15 verify_page_info_input() and
 * check_gpa_validity() with PRIVATE_ONLY): reserved bits clear, level in
 * [min, max], GPA aligned to the level's size and private. */
static bool page_info_ok(const struct emu_td *td, uint64_t info, unsigned min, unsigned max)
{
	unsigned level = TDX_PAGE_INFO_LEVEL(info);
	uint64_t gpa = info & TDX_PAGE_INFO_GPA_MASK;

	if (info & TDX_PAGE_INFO_RSVD_MASK)
		return false;
	if (level < min || level > max)
		return false;
	if (gpa & (emu_sept_size(level) - 1))
		return false;
	return emu_td_private_gpa_ok(td, gpa);
}

/* The deepest S-EPT level: EPTP page-walk length - 1. */
static unsigned max_level(const struct emu_td *td)
{
	return td->levels - 1;
}

/* The extended S-EPT info in RCX/RDX (M15
 * set_arch_septe_details_in_vmm_regs()) for the entry a walk found. */
static void sept_details(struct emu_regs *r, const struct emu_sept_walk *w)
{
	r->rcx = emu_sept_arch_entry(w->entry, w->level);
	r->rdx = emu_sept_info(w->entry, w->level);
}

/* An S-EPT error: status + RCX, with the details. */
static uint64_t sept_error(struct emu_regs *r, uint64_t status, const struct emu_sept_walk *w)
{
	sept_details(r, w);
	return emu_op(status, OP_RCX);
}

/* Walk to exactly `level` (M15 SEPT_WALK_TO_LEVEL). */
static uint64_t walk_to(struct emu *e, const struct emu_td *td, uint64_t gpa, unsigned level,
			struct emu_sept_walk *w, struct emu_regs *r)
{
	if (emu_sept_walk(e, td, gpa, level, w))
		return sept_error(r, TDX_EPT_WALK_FAILED, w);
	return TDX_SUCCESS;
}

/* The start every GPA/level leaf shares: the TDR in RDX (with its op-state
 * and lifecycle checks), the GPA/level operand in RCX with levels
 * min_level..max_level (-1: the TD's top level), and the walk to that
 * entry. TDX_SUCCESS with *td and *w set, else the status to return. */
static uint64_t sept_entry(struct emu *e, struct emu_regs *r, unsigned leaf, uint64_t tdr_pa,
			   uint64_t info, unsigned min_level, int max_level_arg,
			   struct emu_td **td, struct emu_sept_walk *w)
{
	uint64_t st = get_td(e, tdr_pa, OP_RDX, leaf, false, td);

	if (st)
		return st;
	if (!page_info_ok(*td, info, min_level,
			  max_level_arg < 0 ? max_level(*td) : (unsigned)max_level_arg))
		return emu_op(TDX_OPERAND_INVALID, OP_RCX);
	return walk_to(e, *td, info & TDX_PAGE_INFO_GPA_MASK, TDX_PAGE_INFO_LEVEL(info), w, r);
}


/* Walk to a present leaf of any size (M15 SEPT_WALK_TO_LEAF); the leaves
 * using it report a failure as TDX_EPT_ENTRY_NOT_PRESENT + RCX. */
static uint64_t walk_to_leaf(struct emu *e, const struct emu_td *td, uint64_t gpa,
			     struct emu_sept_walk *w, struct emu_regs *r)
{
	(void)emu_sept_walk(e, td, gpa, 0, w);
	if (!w->entry_pa || !emu_sept_is_leaf(w->entry, w->level) || !(w->entry & EMU_EPT_RWX))
		return sept_error(r, TDX_EPT_ENTRY_NOT_PRESENT, w);
	return TDX_SUCCESS;
}

/* TLB tracking matters only once the TD may run (M15 state_flags_lookup
 * tlb_tracking_required: RUNNABLE and the live migration states). */
static bool tracking_required(const struct emu_td *td)
{
	return td->op_state == TD_OP_RUNNABLE;
}

static bool is_blocked(uint64_t entry)
{
	unsigned s = emu_sept_state(entry);

	return s == EMU_SEPT_BLOCKED || s == EMU_SEPT_PENDING_BLOCKED;
}

/* ---- PAMT updates -------------------------------------------------------- */

static void pamt_assign(struct emu *e, uint64_t pa, unsigned level, unsigned pt, uint64_t owner)
{
	struct emu_pamt_entry pe = { .pt = pt, .owner = owner, .bepoch = 0 };

	(void)emu_pamt_set(e, pa, level, &pe);
}

static void pamt_free(struct emu *e, uint64_t pa, unsigned level)
{
	pamt_assign(e, pa, level, PT_NDA, 0);
}

/* The PAMT entry of a TD page (the level it is recorded at). */
static bool pamt_of(const struct emu *e, uint64_t pa, unsigned *level, struct emu_pamt_entry *pe)
{
	return emu_pamt_get(e, pa, level, pe);
}

/* ---- Memory -------------------------------------------------------------- */

#define IO_CHUNK 512u

static int copy_page(struct emu *e, uint64_t dst, uint64_t src)
{
	uint8_t buf[IO_CHUNK];

	for (uint64_t off = 0; off < EMU_4K; off += IO_CHUNK) {
		if (emu_read(e, src + off, buf, sizeof(buf)))
			return -1;
		if (emu_write(e, dst + off, buf, sizeof(buf))) {
			e->stats.mem_errors++;
			return -1;
		}
	}
	return 0;
}

static void zero_range(struct emu *e, uint64_t pa, uint64_t size)
{
	static const uint8_t zero[IO_CHUNK];

	for (uint64_t off = 0; off < size; off += IO_CHUNK)
		if (emu_write(e, pa + off, zero, sizeof(zero)))
			e->stats.mem_errors++;
}

/* One 128-byte MRTD block (§7.3; M15 sha384_128B_block_t): the leaf name
 * zero-padded to 16 bytes, the GPA little-endian, zeros. */
static void mrtd_block(struct emu_td *td, const char *name, size_t len, uint64_t gpa)
{
	uint8_t b[SHA384_BLOCK_SIZE];

	memset(b, 0, sizeof(b));
	memcpy(b, name, len);
	for (unsigned i = 0; i < 8; i++)
		b[16 + i] = (uint8_t)(gpa >> (8 * i));
	sha384_update(&td->mrtd_ctx, b, sizeof(b));
}
#define MRTD_BLOCK(td, name, gpa) mrtd_block(td, name, sizeof(name) - 1, gpa)

/* ---- TDH.MEM.SEPT.ADD ----------------------------------------------------- */

/* page[0] = R8 (the new S-EPT page), page[1..3] = R9..R11 (L2 VMs, version
 * 1); flagged[] become R8..R11 for version 1 (M15: NULL_PA once a page is
 * used, bit 63 set when an existing table made it unnecessary). */
static uint64_t sept_add(struct emu *e, struct emu_regs *r, unsigned version, uint64_t info,
			 uint64_t handle, const uint64_t page[4], uint64_t flagged[4])
{
	struct emu_td *td;
	struct emu_sept_walk w;
	uint64_t tdr_pa = handle & TDX_PAGE_INFO_GPA_MASK, st;
	unsigned level = TDX_PAGE_INFO_LEVEL(info), state;
	bool table;

	if (handle & SEPT_ADD_RDX_RSVD)
		return emu_op(TDX_OPERAND_INVALID, OP_RDX);
	st = sept_entry(e, r, TDH_MEM_SEPT_ADD, tdr_pa, info, 1, -1, &td, &w);
	if (st)
		return st;
	/* SEPT.ADD runs on FREE and NL_MAPPED entries. */
	state = emu_sept_state(w.entry);
	table = state == EMU_SEPT_PRESENT && !emu_sept_is_leaf(w.entry, level);
	if (state != EMU_SEPT_FREE && !table)
		return sept_error(r, TDX_EPT_ENTRY_STATE_INCORRECT, &w);
	if (page[0] == NULL_PA) {
		/* No page: version 1 only, to confirm an existing table. */
		if (version == 0)
			return emu_op(TDX_OPERAND_INVALID, OP_R8);
		if (!table)
			return sept_error(r, TDX_EPT_ENTRY_STATE_INCORRECT, &w);
	} else if (state == EMU_SEPT_FREE) {
		st = emu_check_free_page(e, page[0], OP_R8);
		if (st)
			return st;
	} else if (handle & TDX_SEPT_ADD_ALLOW_EXISTING) {
		flagged[0] |= BIT63;
	} else {
		return sept_error(r, TDX_EPT_ENTRY_STATE_INCORRECT, &w);
	}
	/* L2 S-EPT pages: 1.5.01 TDs built here have no L2 VMs. */
	for (unsigned vm = 1; vm < 4; vm++)
		if (page[vm] != NULL_PA)
			return emu_op(TDX_OPERAND_INVALID, OP_R8 + vm);

	if (!(flagged[0] & BIT63)) {
		(void)emu_sept_table_init(e, page[0]);
		pamt_assign(e, page[0], TDX_PS_4K, PT_EPT, td->tdr_pa);
		td->child_pages++;
		(void)emu_sept_write(e, &w, emu_sept_table_entry(page[0], EMU_SEPT_PRESENT));
		flagged[0] = NULL_PA;
	}
	return TDX_SUCCESS;
}

uint64_t emu_mem_sept_add(struct emu *e, unsigned lp, struct emu_regs *r)
{
	unsigned version = TDX_LEAF_VERSION(r->rax);
	uint64_t info = r->rcx, handle = r->rdx, st;
	uint64_t page[4] = { r->r8, NULL_PA, NULL_PA, NULL_PA }, flagged[4];

	(void)lp;
	if (version > 0) {
		page[1] = r->r9;
		page[2] = r->r10;
		page[3] = r->r11;
	}
	r->rcx = 0;
	r->rdx = 0;
	if (version > 1)
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RAX);
	/* Bit 63 of a page operand is ignored (it flags unused pages on output). */
	for (unsigned i = 0; i < 4; i++) {
		if (page[i] != NULL_PA)
			page[i] &= ~BIT63;
		flagged[i] = page[i];
	}
	st = sept_add(e, r, version, info, handle, page, flagged);
	if (version > 0) {
		r->r8 = flagged[0];
		r->r9 = flagged[1];
		r->r10 = flagged[2];
		r->r11 = flagged[3];
	}
	return st;
}

/* ---- TDH.MEM.SEPT.RD ------------------------------------------------------ */

uint64_t emu_mem_sept_rd(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint64_t info = r->rcx, gpa = info & TDX_PAGE_INFO_GPA_MASK, st;
	bool l2 = r->rdx & SEPT_RD_L2_ATTRIBUTES;
	uint64_t tdr_pa = r->rdx & ~SEPT_RD_L2_ATTRIBUTES;
	unsigned level = TDX_PAGE_INFO_LEVEL(info);
	struct emu_sept_walk w;
	struct emu_td *td;

	(void)lp;
	r->rcx = 0;
	r->rdx = 0;
	st = get_td(e, tdr_pa, OP_RDX, TDH_MEM_SEPT_RD, false, &td);
	if (st)
		return st;
	if (l2 && !(td->attributes & TDX_TD_ATTR_DEBUG))
		return emu_op(TDX_OPERAND_INVALID, OP_RDX);
	if (!page_info_ok(td, info, 0, max_level(td)))
		return emu_op(TDX_OPERAND_INVALID, OP_RCX);
	st = walk_to(e, td, gpa, level, &w, r);
	if (st)
		return st;
	if (l2)
		r->r8 = 0;	/* no L2 VMs: no attributes */
	sept_details(r, &w);
	return TDX_SUCCESS;
}

/* ---- TDH.MEM.SEPT.REMOVE -------------------------------------------------- */

uint64_t emu_mem_sept_remove(struct emu *e, unsigned lp, struct emu_regs *r)
{
	unsigned version = TDX_LEAF_VERSION(r->rax);
	uint64_t info = r->rcx, tdr_pa = r->rdx, st, child;
	unsigned level = TDX_PAGE_INFO_LEVEL(info), pl, s;
	struct emu_pamt_entry pe;
	struct emu_sept_walk w;
	struct emu_td *td;
	bool all_free;

	(void)lp;
	r->rcx = 0;
	r->rdx = 0;
	if (version > 0) {
		r->r9 = NULL_PA;
		r->r10 = NULL_PA;
		r->r11 = NULL_PA;
	}
	if (version > 1)
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RAX);
	st = sept_entry(e, r, TDH_MEM_SEPT_REMOVE, tdr_pa, info, 1, -1, &td, &w);
	if (st)
		return st;
	/* Allowed: NL_MAPPED and NL_BLOCKED (a table, present or blocked). */
	s = emu_sept_state(w.entry);
	if (emu_sept_is_leaf(w.entry, level) || (s != EMU_SEPT_PRESENT && s != EMU_SEPT_BLOCKED))
		return sept_error(r, TDX_EPT_ENTRY_STATE_INCORRECT, &w);
	child = w.entry & EMU_EPT_PA_MASK;
	if (!pamt_of(e, child, &pl, &pe))
		return emu_op(TDX_OPERAND_ADDR_RANGE_ERROR, OP_RCX);
	if (tracking_required(td)) {
		if (!is_blocked(w.entry))
			return sept_error(r, TDX_GPA_RANGE_NOT_BLOCKED, &w);
		if (!emu_tlb_tracked(e, td, pe.bepoch))
			return emu_op(TDX_TLB_TRACKING_NOT_DONE, OP_RCX);
	}
	if (emu_sept_table_is_free(e, child, &all_free) || !all_free)
		return sept_error(r, TDX_EPT_PAGE_NOT_FREE, &w);

	(void)emu_sept_write(e, &w, EMU_SEPT_FREE_ENTRY);
	td->child_pages--;
	pamt_free(e, child, pl);
	r->rcx = child;
	return TDX_SUCCESS;
}

/* ---- TDH.MEM.PAGE.ADD ----------------------------------------------------- */

uint64_t emu_mem_page_add(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint64_t info = r->rcx, tdr_pa = r->rdx, target = r->r8, source = r->r9;
	uint64_t gpa = info & TDX_PAGE_INFO_GPA_MASK, st;
	struct emu_sept_walk w;
	struct emu_td *td;

	(void)lp;
	r->rcx = 0;
	r->rdx = 0;
	st = get_td(e, tdr_pa, OP_RDX, TDH_MEM_PAGE_ADD, true, &td);
	if (st)
		return st;
	if (!page_info_ok(td, info, 0, 0))
		return emu_op(TDX_OPERAND_INVALID, OP_RCX);
	st = walk_to(e, td, gpa, 0, &w, r);
	if (st)
		return st;
	if (emu_sept_state(w.entry) != EMU_SEPT_FREE)
		return sept_error(r, TDX_EPT_ENTRY_STATE_INCORRECT, &w);
	if (!emu_shared_hpa_ok(e, source, EMU_4K))
		return emu_op(TDX_OPERAND_INVALID, OP_R9);
	st = emu_check_free_page(e, target, OP_R8);
	if (st)
		return st;
	/* A source the memory ops cannot read is no memory at all. */
	if (copy_page(e, target, source))
		return emu_op(TDX_OPERAND_INVALID, OP_R9);

	(void)emu_sept_write(e, &w, emu_sept_leaf_entry(target, 0, EMU_SEPT_PRESENT));
	MRTD_BLOCK(td, "MEM.PAGE.ADD", gpa);
	td->child_pages++;
	pamt_assign(e, target, TDX_PS_4K, PT_REG, td->tdr_pa);
	return TDX_SUCCESS;
}

/* ---- TDH.MEM.PAGE.AUG ----------------------------------------------------- */

/* M15 check_and_lock_free_range_hpa(): a free 4 KiB page, or a 2 MiB
 * aligned range of 512 free 4 KiB pages no large page covers. */
static uint64_t check_free_range(const struct emu *e, uint64_t pa, unsigned level)
{
	uint64_t size = emu_sept_size(level), st;

	if (pa & (size - 1))
		return emu_op(TDX_OPERAND_INVALID, OP_R8);
	for (uint64_t off = 0; off < size; off += EMU_4K) {
		st = emu_check_free_page(e, pa + off, OP_R8);
		if (st)
			return st;
	}
	return TDX_SUCCESS;
}

uint64_t emu_mem_page_aug(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint64_t info = r->rcx, tdr_pa = r->rdx, target = r->r8;
	uint64_t st;
	unsigned level = TDX_PAGE_INFO_LEVEL(info);
	struct emu_sept_walk w;
	struct emu_td *td;

	(void)lp;
	r->rcx = 0;
	r->rdx = 0;
	st = sept_entry(e, r, TDH_MEM_PAGE_AUG, tdr_pa, info, 0, 1, &td, &w);
	if (st)
		return st;
	/* FREE only (M15 also REMOVED, an import state): a PD entry that
	 * points to a page table cannot take a 2 MiB page. */
	if (emu_sept_state(w.entry) != EMU_SEPT_FREE)
		return sept_error(r, TDX_EPT_ENTRY_STATE_INCORRECT, &w);
	st = check_free_range(e, target, level);
	if (st)
		return st;

	/* M15 leaves the contents to TDG.MEM.PAGE.ACCEPT, which zeroes the
	 * page; zeroing here as well keeps old host data out of the TD even
	 * if the guest never accepts. */
	zero_range(e, target, emu_sept_size(level));
	(void)emu_sept_write(e, &w, emu_sept_leaf_entry(target, level, EMU_SEPT_PENDING));
	td->child_pages++;	/* one PAMT entry, whatever the size */
	pamt_assign(e, target, level, PT_REG, td->tdr_pa);
	return TDX_SUCCESS;
}

/* ---- TDH.MEM.PAGE.REMOVE -------------------------------------------------- */

uint64_t emu_mem_page_remove(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint64_t info = r->rcx, tdr_pa = r->rdx, gpa = info & TDX_PAGE_INFO_GPA_MASK, st, page;
	unsigned level = TDX_PAGE_INFO_LEVEL(info), pl, s;
	struct emu_pamt_entry pe;
	struct emu_sept_walk w;
	struct emu_td *td;

	(void)lp;
	r->rcx = 0;
	r->rdx = 0;
	st = sept_entry(e, r, TDH_MEM_PAGE_REMOVE, tdr_pa, info, 0, 2, &td, &w);
	if (st)
		return st;
	/* A leaf in MAPPED, BLOCKED, PENDING or PENDING_BLOCKED. */
	s = emu_sept_state(w.entry);
	if (s == EMU_SEPT_FREE || !emu_sept_is_leaf(w.entry, level))
		return sept_error(r, TDX_EPT_ENTRY_STATE_INCORRECT, &w);
	page = emu_sept_leaf_hpa(w.entry, level, gpa);
	if (!pamt_of(e, page, &pl, &pe))
		return emu_op(TDX_OPERAND_ADDR_RANGE_ERROR, OP_RCX);
	if (tracking_required(td)) {
		if (!is_blocked(w.entry))
			return sept_error(r, TDX_GPA_RANGE_NOT_BLOCKED, &w);
		if (!emu_tlb_tracked(e, td, pe.bepoch))
			return emu_op(TDX_TLB_TRACKING_NOT_DONE, OP_RCX);
	}

	(void)emu_sept_write(e, &w, EMU_SEPT_FREE_ENTRY);
	td->child_pages--;
	pamt_free(e, page, pl);
	r->rcx = page;
	return TDX_SUCCESS;
}

/* ---- TDH.MEM.RANGE.BLOCK / UNBLOCK ---------------------------------------- */

/* The page whose PAMT BEPOCH tracks a blocked entry: the mapped page of a
 * leaf, the child S-EPT page of a table. */
static uint64_t blocked_page(uint64_t entry)
{
	return entry & EMU_EPT_PA_MASK;
}

uint64_t emu_mem_range_block(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint64_t info = r->rcx, tdr_pa = r->rdx, st, v;
	unsigned pl;
	struct emu_pamt_entry pe;
	struct emu_sept_walk w;
	struct emu_td *td;

	(void)lp;
	r->rcx = 0;
	r->rdx = 0;
	st = sept_entry(e, r, TDH_MEM_RANGE_BLOCK, tdr_pa, info, 0, -1, &td, &w);
	if (st)
		return st;
	v = w.entry & ~(EMU_SEPT_STATE_MASK | EMU_EPT_RWX);
	switch (emu_sept_state(w.entry)) {
	case EMU_SEPT_PRESENT:
		v |= (uint64_t)EMU_SEPT_BLOCKED << EMU_SEPT_STATE_SHIFT;
		break;
	case EMU_SEPT_PENDING:
		v |= (uint64_t)EMU_SEPT_PENDING_BLOCKED << EMU_SEPT_STATE_SHIFT;
		break;
	case EMU_SEPT_BLOCKED:
	case EMU_SEPT_PENDING_BLOCKED:
		return sept_error(r, TDX_GPA_RANGE_ALREADY_BLOCKED, &w);
	default:
		return sept_error(r, TDX_EPT_ENTRY_STATE_INCORRECT, &w);
	}

	(void)emu_sept_write(e, &w, v | EMU_EPT_SVE);
	if (pamt_of(e, blocked_page(w.entry), &pl, &pe)) {
		pe.bepoch = td->epoch;
		(void)emu_pamt_set(e, blocked_page(w.entry), pl, &pe);
	}
	return TDX_SUCCESS;
}

uint64_t emu_mem_range_unblock(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint64_t info = r->rcx, tdr_pa = r->rdx, st, v;
	unsigned pl;
	struct emu_pamt_entry pe;
	struct emu_sept_walk w;
	struct emu_td *td;

	(void)lp;
	r->rcx = 0;
	r->rdx = 0;
	st = sept_entry(e, r, TDH_MEM_RANGE_UNBLOCK, tdr_pa, info, 0, -1, &td, &w);
	if (st)
		return st;
	/* Allowed: NL_BLOCKED, BLOCKED, PENDING_BLOCKED. */
	if (!is_blocked(w.entry))
		return sept_error(r, TDX_EPT_ENTRY_STATE_INCORRECT, &w);
	if (tracking_required(td)) {
		if (!pamt_of(e, blocked_page(w.entry), &pl, &pe) ||
		    !emu_tlb_tracked(e, td, pe.bepoch))
			return emu_op(TDX_TLB_TRACKING_NOT_DONE, TDX_OPERAND_ID_SEPT_TREE);
	}

	v = w.entry & ~EMU_SEPT_STATE_MASK;
	if (emu_sept_state(w.entry) == EMU_SEPT_PENDING_BLOCKED)
		v |= (uint64_t)EMU_SEPT_PENDING << EMU_SEPT_STATE_SHIFT;
	else
		v |= (uint64_t)EMU_SEPT_PRESENT << EMU_SEPT_STATE_SHIFT | EMU_EPT_RWX;
	(void)emu_sept_write(e, &w, v | EMU_EPT_SVE);
	return TDX_SUCCESS;
}

/* ---- TDH.MEM.TRACK -------------------------------------------------------- */

uint64_t emu_mem_track(struct emu *e, unsigned lp, struct emu_regs *r)
{
	unsigned idx;
	struct emu_td *td;
	uint64_t st;

	(void)lp;
	st = get_td(e, r->rcx, OP_RCX, TDH_MEM_TRACK, false, &td);
	if (st)
		return st;
	/* No vCPU may still run in the previous epoch (M15: its REFCOUNT). */
	idx = emu_td_index(e, td);
	for (unsigned i = 0; i < EMU_MAX_VCPUS; i++) {
		const struct emu_vcpu *v = &e->vcpus[i];

		if (v->tdvpr_pa && v->td == idx && v->running && v->entry_epoch < td->epoch)
			return TDX_PREVIOUS_TLB_EPOCH_BUSY;
	}
	td->epoch++;
	return TDX_SUCCESS;
}

/* ---- TDH.MEM.RD / TDH.MEM.WR ---------------------------------------------- */

static uint64_t mem_rd_wr(struct emu *e, struct emu_regs *r, bool write)
{
	uint64_t gpa = r->rcx, tdr_pa = r->rdx, data = r->r8, hpa, old, st;
	unsigned leaf = write ? TDH_MEM_WR : TDH_MEM_RD;
	struct emu_sept_walk w;
	struct emu_td *td;

	r->rcx = 0;
	r->rdx = 0;
	r->r8 = 0;
	st = get_td(e, tdr_pa, OP_RDX, leaf, false, &td);
	if (st)
		return st;
	if (!(td->attributes & TDX_TD_ATTR_DEBUG))
		return TDX_TD_NON_DEBUG;
	if ((gpa & 7) || !emu_td_private_gpa_ok(td, gpa))
		return emu_op(TDX_OPERAND_INVALID, OP_RCX);
	st = walk_to_leaf(e, td, gpa, &w, r);
	if (st)
		return st;
	/* Present leaves are MAPPED, the one state both leaves accept. */
	if (emu_sept_state(w.entry) != EMU_SEPT_PRESENT)
		return sept_error(r, TDX_EPT_ENTRY_STATE_INCORRECT, &w);
	hpa = emu_sept_leaf_hpa(w.entry, w.level, gpa);
	if (emu_read(e, hpa, &old, sizeof(old))) {
		e->stats.mem_errors++;
		old = 0;
	}
	r->r8 = old;
	if (write && emu_write(e, hpa, &data, sizeof(data)))
		e->stats.mem_errors++;
	return TDX_SUCCESS;
}

uint64_t emu_mem_rd(struct emu *e, unsigned lp, struct emu_regs *r)
{
	(void)lp;
	return mem_rd_wr(e, r, false);
}

uint64_t emu_mem_wr(struct emu *e, unsigned lp, struct emu_regs *r)
{
	(void)lp;
	return mem_rd_wr(e, r, true);
}

/* ---- TDH.MR.EXTEND / TDH.MR.FINALIZE -------------------------------------- */

#define MR_EXTEND_BYTES 256u

uint64_t emu_mr_extend(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint64_t gpa = r->rcx, tdr_pa = r->rdx, st;
	uint8_t data[MR_EXTEND_BYTES];
	struct emu_sept_walk w;
	struct emu_td *td;

	(void)lp;
	r->rcx = 0;
	r->rdx = 0;
	st = get_td(e, tdr_pa, OP_RDX, TDH_MR_EXTEND, true, &td);
	if (st)
		return st;
	if ((gpa & (MR_EXTEND_BYTES - 1)) || !emu_td_private_gpa_ok(td, gpa))
		return emu_op(TDX_OPERAND_INVALID, OP_RCX);
	st = walk_to_leaf(e, td, gpa, &w, r);
	if (st)
		return st;
	/* MAPPED only; M15 answers other states without an operand. */
	if (emu_sept_state(w.entry) != EMU_SEPT_PRESENT)
		return TDX_EPT_ENTRY_NOT_PRESENT;
	if (emu_read(e, emu_sept_leaf_hpa(w.entry, w.level, gpa), data, sizeof(data))) {
		e->stats.mem_errors++;
		memset(data, 0, sizeof(data));
	}
	MRTD_BLOCK(td, "MR.EXTEND", gpa);
	sha384_update(&td->mrtd_ctx, data, sizeof(data));
	return TDX_SUCCESS;
}

uint64_t emu_mr_finalize(struct emu *e, unsigned lp, struct emu_regs *r)
{
	struct emu_td *td;
	uint64_t st;

	(void)lp;
	st = get_td(e, r->rcx, OP_RCX, TDH_MR_FINALIZE, true, &td);
	if (st)
		return st;
	if (td->num_init_vcpus == 0)
		return TDX_NO_VCPUS;
	sha384_final(&td->mrtd_ctx, td->mrtd);
	td->op_state = TD_OP_RUNNABLE;
	return TDX_SUCCESS;
}
