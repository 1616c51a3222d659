/* Sets the allocator up over the loader's memory map. The tag map (one
 * byte per page up to the highest RAM address) is carved out of the first
 * usable region large enough, then accounted to OWN_PMM like any other
 * allocation, so `mem stats` adds up to all managed RAM. */
#include <string.h>
#include "kernel/exit.h"
#include "kernel/log.h"
#include "kernel/spinlock.h"
#include "mm/direct_map.h"
#include "mm/page.h"
#include "mm/pmm.h"

static struct pmm pmm;
static struct spinlock lock;

static const char *const owner_names[OWN_COUNT] = {
	[OWN_PMM] = "pmm-tags", [OWN_KERNEL] = "kernel", [OWN_BOOT] = "boot-data",
	[OWN_LOADER] = "loader", [OWN_TRAMPOLINE] = "trampoline",
	[OWN_PAGETABLE] = "pagetable", [OWN_STACK] = "stack",
	[OWN_PERCPU] = "percpu", [OWN_TEST] = "test", [OWN_VMX] = "vmx",
	[OWN_VM] = "vm", [OWN_TDX] = "tdx-pamt", [OWN_TD] = "td",
};

const char *page_owner_name(unsigned owner)
{
	return owner < OWN_COUNT && owner_names[owner] ? owner_names[owner] : "?";
}

const char *page_strerror(int status)
{
	return pmm_strerror(status);
}

/* Boot-time memory that already has an owner. */
static enum page_owner owner_of(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_KERNEL:     return OWN_KERNEL;
	case BOOT_MEM_BOOT_DATA:  return OWN_BOOT;
	case BOOT_MEM_LOADER:     return OWN_LOADER;
	case BOOT_MEM_TRAMPOLINE: return OWN_TRAMPOLINE;
	default:                  return 0;
	}
}

void page_init(const struct boot_info *bi)
{
	const struct boot_mem_region *r = phys_to_virt(bi->mem_pa);
	uint64_t end = 0, tag_pa = 0;
	size_t tag_bytes;

	for (uint32_t i = 0; i < bi->mem_count; i++)
		if (r[i].type == BOOT_MEM_USABLE || owner_of(r[i].type))
			if (r[i].base + r[i].size > end)
				end = r[i].base + r[i].size;
	tag_bytes = pmm_tagmap_bytes(0, end);
	for (uint32_t i = 0; i < bi->mem_count && !tag_pa; i++)
		if (r[i].type == BOOT_MEM_USABLE && r[i].base >= MAX_PA_1M &&
		    r[i].size >= tag_bytes && r[i].base + r[i].size <= bi->direct_map_size)
			tag_pa = r[i].base;
	if (!tag_pa || pmm_init(&pmm, 0, end, phys_to_virt(tag_pa)) != PMM_OK)
		system_fatal("no usable region can hold the page allocator's tag map");

	for (uint32_t i = 0; i < bi->mem_count; i++) {
		enum page_owner o = owner_of(r[i].type);
		if (r[i].type != BOOT_MEM_USABLE && !o)
			continue;
		pmm_add_free(&pmm, r[i].base, r[i].size);
		if (o)
			pmm_reserve(&pmm, r[i].base, r[i].size / PAGE_SIZE, o);
	}
	pmm_reserve(&pmm, tag_pa, (tag_bytes + PAGE_SIZE - 1) / PAGE_SIZE, OWN_PMM);
	pr_info("mem: %llu MiB free for allocation, tag map %zu KiB at 0x%llx\n",
		(unsigned long long)(pmm_free_pages(&pmm) >> 8), tag_bytes >> 10,
		(unsigned long long)tag_pa);
}

int page_alloc(uint64_t npages, uint64_t align, uint64_t max_pa,
	       enum page_owner owner, uint64_t *pa)
{
	spin_lock(&lock);
	int st = pmm_alloc(&pmm, npages, align, max_pa, owner, pa);
	spin_unlock(&lock);
	return st;
}

int page_free(uint64_t pa, uint64_t npages, enum page_owner owner)
{
	spin_lock(&lock);
	int st = pmm_free(&pmm, pa, npages, owner);
	spin_unlock(&lock);
	if (st != PMM_OK)
		pr_err("mem: free of %llu pages at 0x%llx by %s refused: %s\n",
		       (unsigned long long)npages, (unsigned long long)pa,
		       page_owner_name(owner), pmm_strerror(st));
	return st;
}

void *page_alloc_zeroed(enum page_owner owner, uint64_t max_pa)
{
	uint64_t pa;
	if (page_alloc(1, PAGE_SIZE, max_pa, owner, &pa) != PMM_OK)
		return NULL;
	void *p = phys_to_virt(pa);
	memset(p, 0, PAGE_SIZE);
	return p;
}

uint64_t page_owner_pages(enum page_owner owner)
{
	return pmm_owner_pages(&pmm, owner);
}

uint64_t page_free_pages(void)
{
	return pmm_free_pages(&pmm);
}

/* A consistent view of the allocator's counters, taken under its lock. */
struct page_snapshot {
	uint64_t free, largest, owned[PMM_OWNERS];
};

static void snapshot(struct page_snapshot *s)
{
	spin_lock(&lock);
	s->free = pmm_free_pages(&pmm);
	s->largest = pmm_largest_free_run(&pmm);
	for (unsigned o = 0; o < PMM_OWNERS; o++)
		s->owned[o] = pmm_owner_pages(&pmm, o);
	spin_unlock(&lock);
}

int cmd_mem_stats(void)
{
	struct page_snapshot s;

	snapshot(&s);
	kprintf("mem stats: free %llu KiB, largest free run %llu KiB\n",
		(unsigned long long)(s.free * 4), (unsigned long long)(s.largest * 4));
	for (unsigned o = 1; o < PMM_OWNERS; o++)
		if (s.owned[o])
			kprintf("  %-12s %10llu KiB\n", page_owner_name(o),
				(unsigned long long)(s.owned[o] * 4));
	return 0;
}

int cmd_mem_check(void)
{
	char why[96];
	spin_lock(&lock);
	int st = pmm_check(&pmm, why, sizeof(why));
	spin_unlock(&lock);
	if (st) {
		kprintf("mem check: FAILED: %s\n", why);
		return 1;
	}
	kprintf("mem check: ok\n");
	return 0;
}

int cmd_mem_stats_json(void)
{
	struct page_snapshot s;
	bool first = true;

	snapshot(&s);
	kprintf("{\"free_kib\":%llu,\"largest_free_kib\":%llu,\"owners_kib\":{",
		(unsigned long long)(s.free * 4), (unsigned long long)(s.largest * 4));
	for (unsigned o = 1; o < PMM_OWNERS; o++) {
		if (!s.owned[o])
			continue;
		kprintf("%s\"%s\":%llu", first ? "" : ",", page_owner_name(o),
			(unsigned long long)(s.owned[o] * 4));
		first = false;
	}
	kprintf("}}\n");
	return 0;
}
