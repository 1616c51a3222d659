#include <stdbool.h>
#include <string.h>
#include "boot/memmap.h"
#include "kernel/log.h"
#include "mm/direct_map.h"
#include "mm/page.h"
#include "mm/physmap.h"

static const struct boot_mem_region *regions;
static size_t nregions;
static unsigned fixups;

void physmap_init(const struct boot_info *bi)
{
	regions = phys_to_virt(bi->mem_pa);
	nregions = bi->mem_count;
	fixups = bi->mem_fixups;
	if (fixups)
		pr_warn("mem: firmware memory map had %u bad or overlapping entries (fixed)\n",
			fixups);
}

int cmd_mem(int argc, char **argv)
{
	bool verbose = argc > 1 && !strcmp(argv[1], "map");
	struct mem_totals t = memmap_totals(regions, nregions);

	if (argc == 2 && !strcmp(argv[1], "--json")) {
		kprintf("{\"regions\":%zu,\"ram_kib\":%llu,\"highest\":%llu,\"types_kib\":{",
			nregions, (unsigned long long)(t.ram >> 10),
			(unsigned long long)t.highest);
		bool first = true;
		for (uint32_t ty = 1; ty < BOOT_MEM_NTYPES; ty++) {
			if (!t.by_type[ty])
				continue;
			kprintf("%s\"%s\":%llu", first ? "" : ",", memmap_type_name(ty),
				(unsigned long long)(t.by_type[ty] >> 10));
			first = false;
		}
		kprintf("}}\n");
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "stats")) {
		if (argc == 3 && !strcmp(argv[2], "--json"))
			return cmd_mem_stats_json();
		if (argc > 2)
			return 2;
		return cmd_mem_stats();
	}
	if (argc == 2 && !strcmp(argv[1], "check"))
		return cmd_mem_check();
	if (argc > 2 || (argc == 2 && !verbose))
		return 2;
	if (verbose) {
		for (size_t i = 0; i < nregions; i++)
			kprintf("  %016llx-%016llx %-10s %llu KiB\n",
				(unsigned long long)regions[i].base,
				(unsigned long long)(regions[i].base + regions[i].size - 1),
				memmap_type_name(regions[i].type),
				(unsigned long long)(regions[i].size >> 10));
	}
	kprintf("mem: %zu regions, RAM total %llu KiB (%llu MiB), highest RAM address 0x%llx\n",
		nregions, (unsigned long long)(t.ram >> 10),
		(unsigned long long)(t.ram >> 20), (unsigned long long)t.highest);
	for (uint32_t ty = 1; ty < BOOT_MEM_NTYPES; ty++) {
		if (!t.by_type[ty])
			continue;
		kprintf("  %-10s %10llu KiB\n", memmap_type_name(ty),
			(unsigned long long)(t.by_type[ty] >> 10));
	}
	return 0;
}
