/* UEFI memory map conversion: types, sorting, merging, overlaps, bad
 * descriptors, larger descriptor strides, and totals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "boot/memmap.h"

#define STRIDE 48 /* OVMF uses 48-byte descriptors for the 40-byte layout */

static size_t put(unsigned char *map, size_t i, uint32_t type, uint64_t base,
		  uint64_t pages)
{
	struct efi_mem_desc d = { type, 0, base, 0, pages, 0 };
	memset(map + i * STRIDE, 0xa5, STRIDE);
	memcpy(map + i * STRIDE, &d, sizeof(d));
	return i + 1;
}

static void test_types_sort_merge(void **state)
{
	unsigned char map[16 * STRIDE];
	struct boot_mem_region r[16];
	size_t n = 0;
	(void)state;
	n = put(map, n, EFI_CONVENTIONAL, 0x100000, 16);
	n = put(map, n, EFI_BS_DATA, 0x110000, 16);          /* merges: usable */
	n = put(map, n, EFI_CONVENTIONAL, 0x0, 0x9f);
	n = put(map, n, EFI_ACPI_NVS, 0x800000, 8);
	n = put(map, n, EFI_TYPE_BARETDX_KERNEL, 0x120000, 4);
	n = put(map, n, EFI_MMIO, 0xfee00000, 1);
	n = put(map, n, 0x70000000, 0x900000, 1);            /* OEM: reserved */
	struct memmap_result res = memmap_from_efi(map, n * STRIDE, STRIDE, r, 16);
	assert_int_equal(res.error, 0);
	assert_int_equal(res.fixups, 0);
	assert_int_equal(res.count, 6);
	assert_int_equal(r[0].base, 0);
	assert_int_equal(r[0].size, 0x9f000);
	assert_int_equal(r[1].base, 0x100000);
	assert_int_equal(r[1].size, 0x20000);
	assert_int_equal(r[1].type, BOOT_MEM_USABLE);
	assert_int_equal(r[2].type, BOOT_MEM_KERNEL);
	assert_int_equal(r[3].type, BOOT_MEM_ACPI_NVS);
	assert_int_equal(r[4].type, BOOT_MEM_RESERVED);
	assert_int_equal(r[5].type, BOOT_MEM_MMIO);

	struct mem_totals t = memmap_totals(r, res.count);
	assert_int_equal(t.by_type[BOOT_MEM_USABLE], 0x9f000 + 0x20000);
	assert_int_equal(t.ram, 0x9f000 + 0x20000 + 0x4000 + 0x8000);
	assert_int_equal(t.highest, 0x808000);
	assert_string_equal(memmap_type_name(BOOT_MEM_KERNEL), "kernel");
	assert_string_equal(memmap_type_name(999), "invalid");
}

static void test_overlaps_and_bad_entries(void **state)
{
	unsigned char map[16 * STRIDE];
	struct boot_mem_region r[16];
	size_t n = 0;
	(void)state;
	n = put(map, n, EFI_CONVENTIONAL, 0x100000, 0x100);   /* 1M..2M */
	n = put(map, n, EFI_RESERVED, 0x180000, 0x100);       /* overlaps */
	n = put(map, n, EFI_CONVENTIONAL, 0x140000, 0x10);    /* inside */
	n = put(map, n, EFI_CONVENTIONAL, 0x300000, 0);       /* empty */
	n = put(map, n, EFI_CONVENTIONAL, 0x300800, 1);       /* unaligned */
	n = put(map, n, EFI_CONVENTIONAL, 0xfffffffffffff000ull, 2); /* wraps */
	n = put(map, n, EFI_CONVENTIONAL, 0x1000, UINT64_MAX); /* huge */
	struct memmap_result res = memmap_from_efi(map, n * STRIDE + 7, STRIDE, r, 16);
	assert_int_equal(res.error, 0);
	/* 4 bad descriptors, 2 overlaps, 1 partial trailing descriptor. */
	assert_int_equal(res.fixups, 7);
	assert_int_equal(res.count, 2);
	assert_int_equal(r[0].base, 0x100000);
	assert_int_equal(r[0].size, 0x100000);
	assert_int_equal(r[1].base, 0x200000);
	assert_int_equal(r[1].size, 0x80000);
	assert_int_equal(r[1].type, BOOT_MEM_RESERVED);
	for (size_t i = 1; i < res.count; i++)
		assert_true(r[i].base >= r[i - 1].base + r[i - 1].size);
}

static void test_bad_stride_and_capacity(void **state)
{
	unsigned char map[4 * STRIDE];
	struct boot_mem_region r[2];
	size_t n = 0;
	(void)state;
	n = put(map, n, EFI_CONVENTIONAL, 0x0, 1);
	n = put(map, n, EFI_ACPI_NVS, 0x2000, 1);
	n = put(map, n, EFI_CONVENTIONAL, 0x4000, 1);
	assert_int_equal(memmap_from_efi(map, n * STRIDE, 24, r, 2).error,
			 MEMMAP_E_DESC_SIZE);
	struct memmap_result res = memmap_from_efi(map, n * STRIDE, STRIDE, r, 2);
	assert_int_equal(res.error, MEMMAP_E_CAPACITY);
	assert_int_equal(res.count, 2);
	assert_int_equal(memmap_from_efi(map, 0, STRIDE, r, 2).count, 0);
}

static void test_random_maps_stay_sorted(void **state)
{
	unsigned char map[64 * STRIDE];
	struct boot_mem_region r[64];
	(void)state;
	srand(42);
	for (int iter = 0; iter < 5000; iter++) {
		size_t n = (size_t)(rand() % 64);
		for (size_t i = 0; i < n; i++)
			put(map, i, (uint32_t)(rand() % 20),
			    ((uint64_t)(rand() % 4096)) << 12,
			    (uint64_t)(rand() % 64));
		if (iter % 7 == 0)
			memset(map, rand() & 0xff, sizeof(map));
		struct memmap_result res = memmap_from_efi(map, n * STRIDE, STRIDE, r, 64);
		for (size_t i = 0; i < res.count; i++) {
			assert_true(r[i].size > 0);
			if (i)
				assert_true(r[i].base >= r[i - 1].base + r[i - 1].size);
		}
	}
}

static void test_carve(void **state)
{
	struct boot_mem_region r[8] = {
		{ 0x0, 0x9f000, BOOT_MEM_USABLE, EFI_CONVENTIONAL },
		{ 0x100000, 0x7ff00000, BOOT_MEM_USABLE, EFI_CONVENTIONAL },  /* to 2 GiB */
		{ 0xfee00000, 0x1000, BOOT_MEM_MMIO, EFI_MMIO },
		{ 0x100000000ull, 0x40000000, BOOT_MEM_USABLE, EFI_CONVENTIONAL },
	};
	size_t n = 4;
	(void)state;
	/* Highest fit below 4 GiB: the top 64 MiB of the 1 MiB..2 GiB region. */
	uint64_t b = memmap_carve(r, &n, 8, 64 << 20, 64 << 20, 1ull << 32, BOOT_MEM_SEAMRR);
	assert_int_equal(b, 0x80000000ull - (64 << 20));
	assert_int_equal(n, 5);
	assert_int_equal(r[1].base, 0x100000);
	assert_int_equal(r[1].size, b - 0x100000);
	assert_int_equal(r[2].base, b);
	assert_int_equal(r[2].type, BOOT_MEM_SEAMRR);
	assert_int_equal(r[3].type, BOOT_MEM_MMIO);
	/* No limit: the top of the high region, exactly its end. */
	b = memmap_carve(r, &n, 8, 32 << 20, 32 << 20, UINT64_MAX, BOOT_MEM_SEAMRR);
	assert_int_equal(b, 0x140000000ull - (32 << 20));
	assert_int_equal(n, 6);
	for (size_t i = 1; i < n; i++)
		assert_true(r[i].base >= r[i - 1].base + r[i - 1].size);
	struct mem_totals t = memmap_totals(r, n);
	assert_int_equal(t.by_type[BOOT_MEM_SEAMRR], 96 << 20);
	/* Too big, or no room in the array for a split: nothing changes. */
	assert_int_equal(memmap_carve(r, &n, 8, 4ull << 30, 1 << 21, UINT64_MAX, 99), 0);
	assert_int_equal(memmap_carve(r, &n, 6, 1 << 21, 1 << 21, 1ull << 31, 99), 0);
	assert_int_equal(n, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types_sort_merge),
		cmocka_unit_test(test_overlaps_and_bad_entries),
		cmocka_unit_test(test_bad_stride_and_capacity),
		cmocka_unit_test(test_random_maps_stay_sorted),
		cmocka_unit_test(test_carve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
