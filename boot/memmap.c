/* UEFI memory map -> boot_info regions. See memmap.h. */
#include <string.h>
#include "boot/memmap.h"

#define PAGE_SHIFT 12

uint32_t memmap_type_from_efi(uint32_t efi_type)
{
	switch (efi_type) {
	case EFI_CONVENTIONAL:
	case EFI_BS_CODE:
	case EFI_BS_DATA:
		return BOOT_MEM_USABLE;
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
		return BOOT_MEM_LOADER;
	case EFI_RT_CODE:
	case EFI_RT_DATA:
	case EFI_PAL_CODE:
		return BOOT_MEM_FIRMWARE;
	case EFI_ACPI_RECLAIM:
		return BOOT_MEM_ACPI_RECLAIM;
	case EFI_ACPI_NVS:
		return BOOT_MEM_ACPI_NVS;
	case EFI_MMIO:
	case EFI_MMIO_PORT:
		return BOOT_MEM_MMIO;
	case EFI_UNUSABLE:
		return BOOT_MEM_UNUSABLE;
	case EFI_PERSISTENT:
		return BOOT_MEM_PERSISTENT;
	case EFI_TYPE_BARETDX_KERNEL:
		return BOOT_MEM_KERNEL;
	case EFI_TYPE_BARETDX_BOOT_DATA:
		return BOOT_MEM_BOOT_DATA;
	case EFI_TYPE_BARETDX_TRAMPOLINE:
		return BOOT_MEM_TRAMPOLINE;
	default:
		/* EFI_RESERVED, EFI_UNACCEPTED (a host never has it) and
		 * OEM/OS types we did not allocate: never touch them. */
		return BOOT_MEM_RESERVED;
	}
}

const char *memmap_type_name(uint32_t type)
{
	static const char *const names[BOOT_MEM_NTYPES] = {
		[BOOT_MEM_USABLE] = "usable",
		[BOOT_MEM_RESERVED] = "reserved",
		[BOOT_MEM_ACPI_RECLAIM] = "acpi",
		[BOOT_MEM_ACPI_NVS] = "acpi-nvs",
		[BOOT_MEM_MMIO] = "mmio",
		[BOOT_MEM_UNUSABLE] = "unusable",
		[BOOT_MEM_PERSISTENT] = "persistent",
		[BOOT_MEM_FIRMWARE] = "firmware",
		[BOOT_MEM_LOADER] = "loader",
		[BOOT_MEM_KERNEL] = "kernel",
		[BOOT_MEM_BOOT_DATA] = "boot-data",
		[BOOT_MEM_TRAMPOLINE] = "trampoline",
		[BOOT_MEM_SEAMRR] = "seamrr",
	};
	if (type < BOOT_MEM_NTYPES && names[type])
		return names[type];
	return "invalid";
}

/* Insertion of one region into the sorted output. Entries are few (tens to
 * a few hundred), so a linear insert keeps this simple and allocation-free. */
static void insert_sorted(struct boot_mem_region *out, size_t n,
			  const struct boot_mem_region *r)
{
	size_t i = n;
	while (i > 0 && out[i - 1].base > r->base) {
		out[i] = out[i - 1];
		i--;
	}
	out[i] = *r;
}

/* Trims overlaps (the earlier region wins, a firmware map with overlaps is
 * broken and the conservative choice is to trust neither more than the
 * other) and merges touching regions of the same type. */
static size_t normalize(struct boot_mem_region *r, size_t n, unsigned *fixups)
{
	size_t out = 0;
	for (size_t i = 0; i < n; i++) {
		struct boot_mem_region cur = r[i];
		if (out > 0) {
			struct boot_mem_region *prev = &r[out - 1];
			uint64_t prev_end = prev->base + prev->size;
			if (cur.base < prev_end) {
				uint64_t end = cur.base + cur.size;
				(*fixups)++;
				if (end <= prev_end)
					continue;
				cur.size = end - prev_end;
				cur.base = prev_end;
			}
			if (cur.base == prev_end && cur.type == prev->type) {
				prev->size += cur.size;
				continue;
			}
		}
		r[out++] = cur;
	}
	return out;
}

struct memmap_result memmap_from_efi(const void *map, size_t map_size,
				     size_t desc_size,
				     struct boot_mem_region *out, size_t cap)
{
	struct memmap_result res = { 0, 0, 0 };
	const unsigned char *p = map;

	if (desc_size < sizeof(struct efi_mem_desc)) {
		res.error = MEMMAP_E_DESC_SIZE;
		return res;
	}
	for (size_t off = 0; off + desc_size <= map_size; off += desc_size) {
		struct efi_mem_desc d;
		struct boot_mem_region r;

		memcpy(&d, p + off, sizeof(d));
		/* A descriptor must be page aligned, non-empty, and must end
		 * below 2^64, so that base + size never wraps. */
		if (d.num_pages == 0 || (d.phys_start & 0xfff) ||
		    d.num_pages > (UINT64_MAX >> PAGE_SHIFT) ||
		    d.phys_start > UINT64_MAX - (d.num_pages << PAGE_SHIFT)) {
			res.fixups++;
			continue;
		}
		if (res.count == cap) {
			res.error = MEMMAP_E_CAPACITY;
			break;
		}
		r.base = d.phys_start;
		r.size = d.num_pages << PAGE_SHIFT;
		r.type = memmap_type_from_efi(d.type);
		r.efi_type = d.type;
		insert_sorted(out, res.count, &r);
		res.count++;
	}
	if (map_size % desc_size)
		res.fixups++;
	res.count = normalize(out, res.count, &res.fixups);
	return res;
}

struct mem_totals memmap_totals(const struct boot_mem_region *r, size_t n)
{
	struct mem_totals t;

	memset(&t, 0, sizeof(t));
	for (size_t i = 0; i < n; i++) {
		if (r[i].type < BOOT_MEM_NTYPES)
			t.by_type[r[i].type] += r[i].size;
		if (r[i].type == BOOT_MEM_MMIO || r[i].type == BOOT_MEM_RESERVED)
			continue;
		t.ram += r[i].size;
		if (r[i].base + r[i].size > t.highest)
			t.highest = r[i].base + r[i].size;
	}
	return t;
}

uint64_t memmap_carve(struct boot_mem_region *r, size_t *n, size_t cap,
		      uint64_t size, uint64_t align, uint64_t limit,
		      uint32_t type)
{
	for (size_t i = *n; i-- > 0;) {
		uint64_t end = r[i].base + r[i].size, base;

		if (r[i].type != BOOT_MEM_USABLE || size == 0 || r[i].base >= limit)
			continue;
		if (end > limit)
			end = limit;
		if (end < size)
			continue;
		base = (end - size) & ~(align - 1);
		if (base < r[i].base)
			continue;
		/* Up to three pieces: usable below, the carve, usable above. */
		unsigned extra = (base > r[i].base) + (base + size < r[i].base + r[i].size);
		if (*n + extra > cap)
			return 0;
		struct boot_mem_region below = r[i], above = r[i];
		struct boot_mem_region mid = { base, size, type, r[i].efi_type };
		below.size = base - r[i].base;
		above.base = base + size;
		above.size = r[i].base + r[i].size - above.base;
		memmove(&r[i + 1 + extra], &r[i + 1], (*n - i - 1) * sizeof(*r));
		size_t k = i;
		if (below.size)
			r[k++] = below;
		r[k++] = mid;
		if (above.size)
			r[k++] = above;
		*n += extra;
		return base;
	}
	return 0;
}
