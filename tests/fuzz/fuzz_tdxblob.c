/* libFuzzer target: any bytes through tdxblob_parse (at most the largest
 * blob, TDXBLOB_MAX_FILE), and their first 2048 bytes through
 * tdxblob_check_sigstruct as a lone SIGSTRUCT of a one-page module; every
 * verdict must be well-formed: results PASS/FAIL/SKIP only, failed counts
 * the FAILs, tdxblob_first_failure names the first, a reason exactly on
 * FAIL and SKIP, a SKIP only after some FAIL, and the decoded layout within
 * the file.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_tdxblob.c \
 *       seam/tdxblob.c seam/rsa.c seam/sha384.c kernel/fmt.c -o build/fuzz/fuzz_tdxblob
 *   build/fuzz/fuzz_tdxblob -max_total_time=60 -max_len=16384 tests/fuzz/corpus-tdxblob */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seam/tdxblob.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void check_verdicts(const struct tdxblob *b)
{
	unsigned nfail = 0, nskip = 0, first = TDXBLOB_NCHECKS;

	for (unsigned c = 0; c < TDXBLOB_NCHECKS; c++) {
		CHECK(b->result[c] <= TDXBLOB_SKIP);
		CHECK(memchr(b->why[c], 0, TDXBLOB_WHY_MAX) != NULL);
		if (b->result[c] == TDXBLOB_PASS) {
			CHECK(b->why[c][0] == 0);
			continue;
		}
		CHECK(b->why[c][0] != 0);
		if (b->result[c] == TDXBLOB_FAIL) {
			if (first == TDXBLOB_NCHECKS)
				first = c;
			nfail++;
		} else {
			nskip++;
		}
	}
	CHECK(b->failed == nfail);
	CHECK(tdxblob_first_failure(b) == first);
	CHECK(nskip == 0 || nfail > 0);
	CHECK(tdxblob_check_name(first) != NULL);
}

static void check_parse(const uint8_t *data, size_t size)
{
	static struct tdxblob b;
	unsigned r = tdxblob_parse(data, size, &b);

	CHECK(r == b.failed);
	check_verdicts(&b);
	CHECK(b.len == size);
	if (b.result[TDXBLOB_CHECK_HEADER] == TDXBLOB_PASS)
		CHECK(b.header_version == TDXBLOB_V1 || b.header_version == TDXBLOB_V2);
	else
		CHECK(r == 1 && !b.has_sigstruct && b.module_pages == 0);
	/* The SIGSTRUCT is read only when the layout holds, and then the
	 * module pages end exactly at the end of the file. */
	CHECK(b.has_sigstruct == (b.result[TDXBLOB_CHECK_PAGES] == TDXBLOB_PASS &&
				  b.result[TDXBLOB_CHECK_HEADER] == TDXBLOB_PASS));
	if (b.has_sigstruct) {
		CHECK(b.module_pages >= 1 && b.module_pages <= TDXBLOB_MAX_MODULE_PAGES);
		CHECK(b.sigstruct_offset == TDXBLOB_HEADER_SIZE);
		CHECK((uint64_t)b.module_offset + (uint64_t)b.module_pages * TDXBLOB_PAGE == size);
		CHECK(b.result[TDXBLOB_CHECK_SEAMHASH] != TDXBLOB_SKIP);
		CHECK((b.result[TDXBLOB_CHECK_SEAMHASH] == TDXBLOB_PASS) ==
		      !memcmp(b.module_hash, b.seamhash, sizeof(b.seamhash)));
	} else {
		CHECK(b.module_pages == 0);
	}
	if (r == 0) {
		CHECK(b.has_sigstruct);
		CHECK(b.ncpuids <= SIGSTRUCT_MAX_CPUIDS);
		CHECK(b.ncpuids > 0 || tdxblob_debug_signed(&b));
		CHECK(b.vendor == SIGSTRUCT_VENDOR_INTEL && (b.seamsvn >> 8) != 0);
		CHECK(b.attributes == 0 && b.min_update_hv <= b.module_hv);
		if (b.ncpuids)
			CHECK(tdxblob_cpu_supported(&b, b.cpuids[0] ^ 0xf));
		else
			CHECK(tdxblob_cpu_supported(&b, 0x806c1));
	}
	if (size >= 4)
		(void)tdxblob_cpu_supported(&b, (uint32_t)data[0] | (uint32_t)data[1] << 8 |
					    (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24);
}

static void check_sigstruct(const uint8_t *s)
{
	static struct tdxblob b;

	memset(&b, 0, sizeof(b));
	b.module_pages = 1;
	tdxblob_check_sigstruct(&b, s);
	check_verdicts(&b);
	CHECK(b.has_sigstruct);
	/* The file checks are not its business. */
	for (unsigned c = TDXBLOB_CHECK_HEADER; c <= TDXBLOB_CHECK_CHECKSUM; c++)
		CHECK(b.result[c] == TDXBLOB_PASS);
	CHECK(b.result[TDXBLOB_CHECK_SEAMHASH] == TDXBLOB_PASS);
	CHECK((b.result[TDXBLOB_CHECK_SIGNATURE] == TDXBLOB_SKIP) ==
	      (b.result[TDXBLOB_CHECK_KEY_SIZES] == TDXBLOB_FAIL));
	for (unsigned c = TDXBLOB_CHECK_SIGSTRUCT_HEADER; c < TDXBLOB_CHECK_SIGNATURE; c++)
		CHECK(b.result[c] != TDXBLOB_SKIP);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > TDXBLOB_MAX_FILE)
		size = TDXBLOB_MAX_FILE;
	check_parse(data, size);
	if (size >= SIGSTRUCT_SIZE)
		check_sigstruct(data);
	return 0;
}
