/* EPT paging-structure builder (SDM Vol. 3C §29.3); the model and the
 * caller's INVEPT duties are in ept.h.
 *
 * Levels are numbered as the walk goes (§29.3.2): 4 PML4, 3 PDPT, 2 PD,
 * 1 PT; an entry on level l covers 1 << (12 + 9 * (l - 1)) bytes and is
 * selected by guest-physical bits 12 + 9 * l - 1 .. 12 + 9 * (l - 1).
 *
 * Invariants kept by every operation:
 *  - every table but the root holds at least one present entry, so a
 *    present non-leaf entry means something is mapped below it, and
 *    table_pages counts exactly the tables reachable from the root;
 *  - an entry is present when any of R, W, X is set (bits 2:0, §29.3.2),
 *    and a non-present entry is exactly e->empty;
 *  - non-leaf entries carry R, W, X and XU, so the leaf alone decides
 *    (access rights are the AND over the walk, §29.3.3.2);
 *  - changes to a live table are single 8-byte release stores, done after
 *    everything they make reachable is complete: a walk by a CPU running a
 *    vCPU sees the old or the new translation, never a half-built one. */
#include "mm/ept.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENTRIES    512
#define ADDR_MASK  0x000ffffffffff000ull /* bits 51:12 */
#define LARGE      (1ull << 7)           /* PDPTE/PDE maps a page */
#define SVE        (1ull << 63)          /* suppress #VE */
#define MT_SHIFT   3                     /* bits 5:3 of a leaf */
#define RWX        (EPT_R | EPT_W | EPT_X)
#define PERM_MASK  (RWX | EPT_XU)
/* Memory types 0, 1, 4, 5, 6 are defined; 2, 3, 7 are misconfigurations
 * (§29.3.3.1). */
#define MT_VALID   0x73u

static unsigned shift_of(int level)
{
	return 12 + 9 * (unsigned)(level - 1);
}

static unsigned idx(uint64_t gpa, int level)
{
	return (gpa >> shift_of(level)) & (ENTRIES - 1);
}

static bool present(uint64_t x)
{
	return (x & RWX) != 0;
}

/* Bit 7 is reserved in PML4Es and ignored in PTEs (§29.3.2): only PDPTEs
 * and PDEs can map large pages, and we never set it on the root. */
static bool is_leaf(uint64_t x, int level)
{
	return level == 1 || (x & LARGE);
}

static uint64_t *table(const struct ept *e, uint64_t pa)
{
	return e->ops.phys_to_virt(e->ops.ctx, pa);
}

/* Entries in live tables change with one release store: the compiler may
 * neither split it nor move the filling of a new table after it. */
static void set_entry(uint64_t *slot, uint64_t x)
{
	__atomic_store_n(slot, x, __ATOMIC_RELEASE);
}

/* A fresh table, every entry non-present: alloc_page need not zero it. */
static uint64_t *alloc_table(struct ept *e, uint64_t *pa)
{
	if (e->ops.alloc_page(e->ops.ctx, pa) != 0)
		return NULL;
	e->table_pages++;
	uint64_t *t = table(e, *pa);
	for (unsigned i = 0; i < ENTRIES; i++)
		t[i] = e->empty;
	return t;
}

static void free_table(struct ept *e, uint64_t pa)
{
	e->ops.free_page(e->ops.ctx, pa);
	e->table_pages--;
}

/* Allocates n tables or none. */
static int alloc_tables(struct ept *e, uint64_t *pas, int n)
{
	for (int i = 0; i < n; i++) {
		if (!alloc_table(e, &pas[i])) {
			while (i--)
				free_table(e, pas[i]);
			return EPT_E_NOMEM;
		}
	}
	return EPT_OK;
}

static uint64_t table_entry(const struct ept *e, uint64_t pa)
{
	return pa | PERM_MASK | e->empty;
}

/* Frees the table at pa (entries of `level`) and every table below it. */
static void free_tree(struct ept *e, uint64_t pa, int level)
{
	uint64_t *t = table(e, pa);

	for (unsigned i = 0; level > 1 && i < ENTRIES; i++)
		if (present(t[i]) && !is_leaf(t[i], level))
			free_tree(e, t[i] & ADDR_MASK, level - 1);
	free_table(e, pa);
}

static bool table_empty(const uint64_t *t)
{
	for (unsigned i = 0; i < ENTRIES; i++)
		if (present(t[i]))
			return false;
	return true;
}

/* 1..3 for the three page sizes, else EPT_E_INVAL. */
static int level_of(uint64_t size)
{
	switch (size) {
	case EPT_4K: return 1;
	case EPT_2M: return 2;
	case EPT_1G: return 3;
	default:     return EPT_E_INVAL;
	}
}

/* The level of a naturally aligned region below EPT_GPA_LIMIT. */
static int region_level(uint64_t gpa, uint64_t size)
{
	int level = level_of(size);

	if (level < 0 || (gpa & (size - 1)) || gpa >= EPT_GPA_LIMIT)
		return EPT_E_INVAL;
	return level;
}

/* §29.3.3.1: bits 2:0 of 010b or 110b are misconfigurations, 100b one
 * unless IA32_VMX_EPT_VPID_CAP bit 0 says so; 000b is not present. */
static bool perm_ok(const struct ept *e, unsigned perm)
{
	if (perm & ~PERM_MASK)
		return false;
	if (perm & EPT_R)
		return true;
	if (perm & EPT_W)
		return false;
	return (perm & EPT_X) && (e->flags & EPT_F_XONLY);
}

static bool mt_ok(enum ept_memtype mt)
{
	return (unsigned)mt < 8 && (MT_VALID >> mt & 1);
}

int ept_init(struct ept *e, const struct ept_ops *ops, unsigned flags,
	     unsigned maxphyaddr)
{
	*e = (struct ept){ .ops = *ops, .flags = flags };
	if (maxphyaddr == 0)
		maxphyaddr = 52;
	if ((flags & ~(EPT_F_2M | EPT_F_1G | EPT_F_XONLY | EPT_F_SVE)) ||
	    ((flags & EPT_F_1G) && !(flags & EPT_F_2M)) ||
	    maxphyaddr < 36 || maxphyaddr > 52)
		return EPT_E_INVAL;
	e->hpa_limit = 1ull << maxphyaddr;
	e->empty = (flags & EPT_F_SVE) ? SVE : 0;
	if (!alloc_table(e, &e->root_pa))
		return EPT_E_NOMEM;
	return EPT_OK;
}

/* Installs `leaf` on `level` for gpa. Missing tables are allocated first,
 * then linked bottom-up off-line, and one store into the deepest existing
 * table publishes the whole chain. */
static int map_leaf(struct ept *e, uint64_t gpa, int level, uint64_t leaf)
{
	uint64_t *t = table(e, e->root_pa);
	uint64_t pas[3];
	int l = 4;

	for (; l > level; l--) {
		uint64_t x = t[idx(gpa, l)];
		if (!present(x))
			break;
		if (is_leaf(x, l))
			return EPT_E_EXISTS;
		t = table(e, x & ADDR_MASK);
	}
	if (l == level && present(t[idx(gpa, l)]))
		return EPT_E_EXISTS;     /* a leaf, or a table of smaller ones */
	/* pas[i] becomes the table of level `level + i`. */
	int rc = alloc_tables(e, pas, l - level);
	if (rc)
		return rc;
	for (int i = 0; i < l - level; i++) {
		table(e, pas[i])[idx(gpa, level + i)] = leaf;
		leaf = table_entry(e, pas[i]);
	}
	set_entry(&t[idx(gpa, l)], leaf);
	return EPT_OK;
}

static uint64_t leaf_entry(const struct ept *e, uint64_t hpa, int level,
			   unsigned perm, enum ept_memtype mt)
{
	return hpa | perm | (uint64_t)mt << MT_SHIFT |
	       (level > 1 ? LARGE : 0) | e->empty;
}

static bool size_allowed(const struct ept *e, uint64_t size)
{
	return size == EPT_4K || (size == EPT_2M && (e->flags & EPT_F_2M)) ||
	       (size == EPT_1G && (e->flags & EPT_F_1G));
}

int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t size,
	    unsigned perm, enum ept_memtype mt)
{
	int level = region_level(gpa, size);

	/* Address bits at or above MAXPHYADDR are reserved (§29.3.3.1); an
	 * aligned hpa below the limit ends by it (the limit is >= 2^36). */
	if (level < 0 || !size_allowed(e, size) || (hpa & (size - 1)) ||
	    hpa >= e->hpa_limit || !perm_ok(e, perm) || !mt_ok(mt))
		return EPT_E_INVAL;
	return map_leaf(e, gpa, level, leaf_entry(e, hpa, level, perm, mt));
}

/* Turns the leaf at *slot (level l, covering gpa) into tables down to
 * `level`: every new table is filled with leaves carrying the parent
 * leaf's attributes (A/D flags included), the next one replaces the leaf
 * covering gpa, and one store swaps the first table in. */
static int split_leaf(struct ept *e, uint64_t *slot, int l, uint64_t gpa,
		      int level)
{
	uint64_t pas[3], leaf = *slot, *prev = NULL;
	int rc = alloc_tables(e, pas, l - level);

	if (rc)
		return rc;
	for (int i = 0; i < l - level; i++) {
		int lv = l - 1 - i;
		uint64_t *t = table(e, pas[i]);
		uint64_t attr = (leaf & ~(ADDR_MASK | LARGE)) | (lv > 1 ? LARGE : 0);
		uint64_t base = leaf & ADDR_MASK;

		for (uint64_t j = 0; j < ENTRIES; j++)
			t[j] = attr | (base + (j << shift_of(lv)));
		if (prev)
			prev[idx(gpa, lv + 1)] = table_entry(e, pas[i]);
		leaf = t[idx(gpa, lv)];
		prev = t;
	}
	set_entry(slot, table_entry(e, pas[0]));
	return EPT_OK;
}

/* Walks to the table holding gpa's entry on `level`, splitting a larger
 * leaf on the way; path[l] and pas[l] receive the table of each level l
 * walked (virtual and physical). EPT_E_NOT_MAPPED when an entry above
 * `level` is not present, i.e. nothing is mapped in the region. */
static int descend(struct ept *e, uint64_t gpa, int level, uint64_t *path[5],
		   uint64_t pas[5])
{
	uint64_t pa = e->root_pa;

	for (int l = 4;; l--) {
		uint64_t *t = table(e, pa);
		path[l] = t;
		pas[l] = pa;
		if (l == level)
			return EPT_OK;
		uint64_t *slot = &t[idx(gpa, l)];
		if (!present(*slot))
			return EPT_E_NOT_MAPPED;
		if (is_leaf(*slot, l)) {
			int rc = split_leaf(e, slot, l, gpa, level);
			if (rc)
				return rc;
		}
		pa = *slot & ADDR_MASK;
	}
}

static int unmap_region(struct ept *e, uint64_t gpa, int level)
{
	uint64_t *path[5], pas[5];
	int rc = descend(e, gpa, level, path, pas);

	if (rc)
		return rc;
	uint64_t *slot = &path[level][idx(gpa, level)];
	uint64_t x = *slot;
	if (!present(x))
		return EPT_E_NOT_MAPPED;
	/* Unlink first, then free, so no new walk reaches a freed table;
	 * copies a CPU cached earlier are the caller's INVEPT (ept.h). */
	set_entry(slot, e->empty);
	if (!is_leaf(x, level))
		free_tree(e, x & ADDR_MASK, level - 1);
	for (int l = level; l < 4 && table_empty(path[l]); l++) {
		set_entry(&path[l + 1][idx(gpa, l + 1)], e->empty);
		free_table(e, pas[l]);
	}
	return EPT_OK;
}

int ept_unmap(struct ept *e, uint64_t gpa, uint64_t size)
{
	int level = region_level(gpa, size);

	return level < 0 ? level : unmap_region(e, gpa, level);
}

/* Leaves of the largest size the flags allow that both gpa and hpa are
 * aligned to and that fits in what is left. On failure the leaves made so
 * far go again; each is removed on its own level, which never splits and
 * so never allocates. */
int ept_map_range(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t len,
		  unsigned perm, enum ept_memtype mt)
{
	if (len == 0 || ((gpa | hpa | len) & (EPT_4K - 1)) ||
	    gpa >= EPT_GPA_LIMIT || len > EPT_GPA_LIMIT - gpa ||
	    hpa >= e->hpa_limit || len > e->hpa_limit - hpa ||
	    !perm_ok(e, perm) || !mt_ok(mt))
		return EPT_E_INVAL;
	for (uint64_t done = 0; done < len;) {
		uint64_t size = EPT_1G;
		while (size > EPT_4K && (!size_allowed(e, size) ||
		       ((gpa + done) | (hpa + done)) & (size - 1) ||
		       len - done < size))
			size >>= 9;
		int level = level_of(size);
		int rc = map_leaf(e, gpa + done, level,
				  leaf_entry(e, hpa + done, level, perm, mt));
		if (rc) {
			while (done) {
				struct ept_walk w;
				ept_lookup(e, gpa + done - 1, &w);
				done -= w.page_size;
				unmap_region(e, gpa + done, w.level);
			}
			return rc;
		}
		done += size;
	}
	return EPT_OK;
}

int ept_split(struct ept *e, uint64_t gpa, uint64_t to_size)
{
	int level = region_level(gpa, to_size);
	uint64_t *path[5], pas[5];

	if (level < 0)
		return level;
	int rc = descend(e, gpa, level, path, pas);
	if (rc)
		return rc;
	return present(path[level][idx(gpa, level)]) ? EPT_OK : EPT_E_NOT_MAPPED;
}

/* Sets perm in the leaf at *slot, or in every leaf below the table it
 * points to; the other bits (address, memory type, A/D) stay. */
static void protect_entry(struct ept *e, uint64_t *slot, int level,
			  unsigned perm)
{
	uint64_t x = *slot;

	if (!present(x))
		return;
	if (is_leaf(x, level)) {
		set_entry(slot, (x & ~(uint64_t)PERM_MASK) | perm);
		return;
	}
	uint64_t *t = table(e, x & ADDR_MASK);
	for (unsigned i = 0; i < ENTRIES; i++)
		protect_entry(e, &t[i], level - 1, perm);
}

int ept_protect(struct ept *e, uint64_t gpa, uint64_t size, unsigned perm)
{
	int level = region_level(gpa, size);
	uint64_t *path[5], pas[5];
	struct ept_walk w;

	if (level < 0 || !perm_ok(e, perm))
		return EPT_E_INVAL;
	/* A larger leaf with these permissions: splitting would only cost. */
	if (ept_lookup(e, gpa, &w) == EPT_OK && w.level > level && w.perm == perm)
		return EPT_OK;
	int rc = descend(e, gpa, level, path, pas);
	if (rc)
		return rc;
	uint64_t *slot = &path[level][idx(gpa, level)];
	if (!present(*slot))
		return EPT_E_NOT_MAPPED;
	protect_entry(e, slot, level, perm);
	return EPT_OK;
}

int ept_lookup(const struct ept *e, uint64_t gpa, struct ept_walk *w)
{
	const uint64_t *t = table(e, e->root_pa);

	*w = (struct ept_walk){ 0 };
	if (gpa >= EPT_GPA_LIMIT)
		return EPT_E_INVAL;
	for (int l = 4;; l--) {
		uint64_t x = t[idx(gpa, l)];
		if (!present(x))
			return EPT_E_NOT_MAPPED;
		if (is_leaf(x, l)) {
			w->level = l;
			w->page_size = 1ull << shift_of(l);
			w->hpa = (x & ADDR_MASK) | (gpa & (w->page_size - 1));
			w->perm = (unsigned)(x & PERM_MASK);
			w->mt = (enum ept_memtype)(x >> MT_SHIFT & 7);
			w->entry = x;
			return EPT_OK;
		}
		t = table(e, x & ADDR_MASK);
	}
}

void ept_destroy(struct ept *e)
{
	if (e->table_pages)
		free_tree(e, e->root_pa, 4);
}

/* §25.6.11: bits 2:0 memory type of the paging structures (§29.3.7.1),
 * bits 5:3 walk length minus one, bit 6 A/D enable, bits N-1:12 the PML4. */
uint64_t ept_eptp(const struct ept *e, bool wb, bool accessed_dirty)
{
	return e->root_pa | (wb ? EPT_MT_WB : EPT_MT_UC) | (4 - 1) << 3 |
	       (accessed_dirty ? 1ull << 6 : 0);
}

const char *ept_strerror(int status)
{
	switch (status) {
	case EPT_OK:           return "ok";
	case EPT_E_NOMEM:      return "out of memory for EPT tables";
	case EPT_E_INVAL:      return "invalid EPT argument";
	case EPT_E_EXISTS:     return "already mapped";
	case EPT_E_NOT_MAPPED: return "not mapped";
	default:               return "unknown EPT status";
	}
}
