#include <stddef.h>
#include "boot/boot_info.h"
#include "kernel/symbols.h"
#include "mm/direct_map.h"

extern char __text_end[];

static const struct boot_symbol *syms;
static uint32_t nsyms;
static const char *names;
static uint32_t names_size;

void symbols_init(const struct boot_info *bi)
{
	if (!bi->syms_pa || !bi->symnames_pa)
		return;
	syms = phys_to_virt(bi->syms_pa);
	nsyms = bi->syms_count;
	names = phys_to_virt(bi->symnames_pa);
	names_size = bi->symnames_size;
}

const char *symbol_lookup(uint64_t addr, uint64_t *off)
{
	uint32_t lo = 0, hi = nsyms;

	/* Last symbol with start <= addr (the table is sorted). */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Only code has names here: assembly labels carry no size, so an
	 * address past the end of .text must not match the last of them. */
	if (lo == 0 || addr >= (uint64_t)(uintptr_t)__text_end)
		return NULL;
	const struct boot_symbol *s = &syms[lo - 1];
	if (s->name >= names_size || (s->size && addr - s->addr >= s->size))
		return NULL;
	*off = addr - s->addr;
	return names + s->name;
}
