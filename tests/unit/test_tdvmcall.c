/* TDVMCALL decoder (seam/tdvmcall.c): every sub-function of tdx-abi.md
 * §7.2 with valid operands, each operand check failing with the status
 * KVM/QEMU give, registers the guest did not select, vendor and unknown
 * calls, the reply registers, the MapGPA retry answer, the
 * ReportFatalError message, and a fixed-seed fuzz loop over decode and
 * reply. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "seam/tdvmcall.h"

#define N(a)		(sizeof(a) / sizeof((a)[0]))
#define G(i)		(1u << (i))
/* bitmap bits (§6.6) */
enum { RDX = 2, RBX = 3, RSI = 6, RDI = 7, R8 = 8, R9 = 9, R10 = 10, R11 = 11,
       R12 = 12, R13 = 13, R14 = 14, R15 = 15 };
#define LINUX_GPRS	0xffccu		/* RDX RBX RSI RDI R8-R15 */
#define SB47		(1ull << 47)
#define SB51		(1ull << 51)
#define SENTINEL	0x5555aaaa5555aaaaull

/* A TDVMCALL exit as TDH.VP.ENTER returns it. */
static struct tdx_regs vmcall(uint64_t subfn, unsigned gprs, uint64_t r12, uint64_t r13,
			      uint64_t r14, uint64_t r15)
{
	struct tdx_regs r = { .rax = 77, .rcx = gprs, .r10 = 0, .r11 = subfn,
			      .r12 = r12, .r13 = r13, .r14 = r14, .r15 = r15 };
	return r;
}

static struct tdvmcall_req decode47(const struct tdx_regs *r)
{
	struct tdvmcall_req q;

	tdvmcall_decode(r, 47, &q);
	return q;
}

static void fill(struct tdx_regs *r, uint64_t v)
{
	*r = (struct tdx_regs){ v, v + 1, v + 2, v + 3, v + 4, v + 5, v + 6,
				v + 7, v + 8, v + 9, v + 10, v + 11, v + 12, v + 13 };
}

/* *out with R10..R15 taken from *from: what a reply may change */
static struct tdx_regs but_reply(const struct tdx_regs *out, const struct tdx_regs *from)
{
	struct tdx_regs r = *out;

	r.r10 = from->r10, r.r11 = from->r11, r.r12 = from->r12;
	r.r13 = from->r13, r.r14 = from->r14, r.r15 = from->r15;
	return r;
}

static void assert_ok(const struct tdvmcall_req *q, enum tdvmcall_kind kind)
{
	assert_int_equal(q->kind, kind);
	assert_int_equal(q->status, TDVMCALL_SUCCESS);
	assert_null(q->why);
}

static void assert_fails(const struct tdx_regs *r, unsigned sb, enum tdvmcall_kind kind,
			 uint64_t status)
{
	struct tdvmcall_req q;

	assert_int_equal(tdvmcall_decode(r, sb, &q), status);
	assert_int_equal(q.status, status);
	assert_int_equal(q.kind, kind);
	assert_non_null(q.why);
}

/* ---- the instruction calls ---------------------------------------------- */

static void test_cpuid(void **state)
{
	(void)state;
	/* LX handle_cpuid passes all of RAX/RCX: high halves are ignored */
	struct tdx_regs r = vmcall(TDVMCALL_CPUID, LINUX_GPRS, 0xdead000000000007ull,
				   0xbeef000000000001ull, 0, 0);
	struct tdvmcall_req q = decode47(&r);

	assert_ok(&q, TDVMCALL_KIND_CPUID);
	assert_int_equal(q.subfn, TDVMCALL_CPUID);
	assert_int_equal(q.gprs, LINUX_GPRS);
	assert_int_equal(q.u.cpuid.leaf, 7);
	assert_int_equal(q.u.cpuid.subleaf, 1);

	r.rcx = G(R10) | G(R11) | G(R12);		/* no sub-leaf */
	assert_fails(&r, 47, TDVMCALL_KIND_CPUID, TDVMCALL_INVALID_OPERAND);
	r.rcx = G(R10) | G(R11) | G(R13);		/* no leaf */
	assert_fails(&r, 47, TDVMCALL_KIND_CPUID, TDVMCALL_INVALID_OPERAND);
}

static void test_hlt(void **state)
{
	(void)state;
	/* tests/guests/td_hello.asm: bitmap 0x1c00, R12 = 1 */
	struct tdx_regs r = vmcall(TDVMCALL_HLT, 0x1c00, 1, 0, 0, 0);
	struct tdvmcall_req q = decode47(&r);

	assert_ok(&q, TDVMCALL_KIND_HLT);
	assert_true(q.u.hlt.irq_blocked);
	r.r12 = 0;
	q = decode47(&r);
	assert_ok(&q, TDVMCALL_KIND_HLT);
	assert_false(q.u.hlt.irq_blocked);
	r.r12 = 1;
	r.rcx = G(R10) | G(R11);
	assert_fails(&r, 47, TDVMCALL_KIND_HLT, TDVMCALL_INVALID_OPERAND);
}

static void test_io_valid(void **state)
{
	(void)state;
	/* td_hello.asm putc: out of 1 byte to COM1, bitmap 0xfc00 */
	struct tdx_regs r = vmcall(TDVMCALL_IO, 0xfc00, 1, 1, 0x3f8, 0x1241);
	struct tdvmcall_req q = decode47(&r);

	assert_ok(&q, TDVMCALL_KIND_IO);
	assert_int_equal(q.u.io.size, 1);
	assert_true(q.u.io.out);
	assert_int_equal(q.u.io.port, 0x3f8);
	assert_int_equal(q.u.io.data, 0x41);	/* masked to the size */

	r = vmcall(TDVMCALL_IO, LINUX_GPRS, 2, 1, 0xffff, 0xffffffffffff1234ull);
	q = decode47(&r);
	assert_ok(&q, TDVMCALL_KIND_IO);
	assert_int_equal(q.u.io.port, 0xffff);
	assert_int_equal(q.u.io.data, 0x1234);

	/* in: no R15 needed */
	r = vmcall(TDVMCALL_IO, G(R10) | G(R11) | G(R12) | G(R13) | G(R14), 4, 0, 0xcfc, 99);
	q = decode47(&r);
	assert_ok(&q, TDVMCALL_KIND_IO);
	assert_int_equal(q.u.io.size, 4);
	assert_false(q.u.io.out);
	assert_int_equal(q.u.io.port, 0xcfc);
	assert_int_equal(q.u.io.data, 0);
}

static void test_io_invalid(void **state)
{
	(void)state;
	static const uint64_t bad_sizes[] = { 0, 3, 5, 8, 0x100000001ull, ~0ull };
	struct tdx_regs r;

	for (size_t i = 0; i < N(bad_sizes); i++) {
		r = vmcall(TDVMCALL_IO, LINUX_GPRS, bad_sizes[i], 1, 0x80, 0);
		assert_fails(&r, 47, TDVMCALL_KIND_IO, TDVMCALL_INVALID_OPERAND);
	}
	r = vmcall(TDVMCALL_IO, LINUX_GPRS, 1, 2, 0x80, 0);		/* direction */
	assert_fails(&r, 47, TDVMCALL_KIND_IO, TDVMCALL_INVALID_OPERAND);
	r = vmcall(TDVMCALL_IO, LINUX_GPRS, 1, 0, 0x10000, 0);		/* port */
	assert_fails(&r, 47, TDVMCALL_KIND_IO, TDVMCALL_INVALID_OPERAND);
	r = vmcall(TDVMCALL_IO, LINUX_GPRS, 1, 0, ~0ull, 0);
	assert_fails(&r, 47, TDVMCALL_KIND_IO, TDVMCALL_INVALID_OPERAND);
	/* out without its data register */
	r = vmcall(TDVMCALL_IO, LINUX_GPRS & ~G(R15), 1, 1, 0x80, 0x41);
	assert_fails(&r, 47, TDVMCALL_KIND_IO, TDVMCALL_INVALID_OPERAND);
	for (unsigned reg = R12; reg <= R14; reg++) {
		r = vmcall(TDVMCALL_IO, LINUX_GPRS & ~G(reg), 1, 0, 0x80, 0);
		assert_fails(&r, 47, TDVMCALL_KIND_IO, TDVMCALL_INVALID_OPERAND);
	}
}

static void test_msr(void **state)
{
	(void)state;
	struct tdx_regs r = vmcall(TDVMCALL_RDMSR, LINUX_GPRS, 0xffffffff00000010ull, 0, 0, 0);
	struct tdvmcall_req q = decode47(&r);

	assert_ok(&q, TDVMCALL_KIND_RDMSR);
	assert_int_equal(q.u.rdmsr.index, 0x10);
	r.rcx = G(R10) | G(R11);
	assert_fails(&r, 47, TDVMCALL_KIND_RDMSR, TDVMCALL_INVALID_OPERAND);

	r = vmcall(TDVMCALL_WRMSR, LINUX_GPRS, 0xc0000080, 0x123456789abcdef0ull, 0, 0);
	q = decode47(&r);
	assert_ok(&q, TDVMCALL_KIND_WRMSR);
	assert_int_equal(q.u.wrmsr.index, 0xc0000080);
	assert_int_equal(q.u.wrmsr.value, 0x123456789abcdef0ull);
	r.rcx = LINUX_GPRS & ~G(R13);
	assert_fails(&r, 47, TDVMCALL_KIND_WRMSR, TDVMCALL_INVALID_OPERAND);
	r.rcx = LINUX_GPRS & ~G(R12);
	assert_fails(&r, 47, TDVMCALL_KIND_WRMSR, TDVMCALL_INVALID_OPERAND);
}

static void test_mmio(void **state)
{
	(void)state;
	struct tdx_regs r = vmcall(TDVMCALL_MMIO, LINUX_GPRS, 8, 0, SB47 | 0xfee00000, 77);
	struct tdvmcall_req q = decode47(&r);

	assert_ok(&q, TDVMCALL_KIND_MMIO);
	assert_int_equal(q.u.mmio.size, 8);
	assert_false(q.u.mmio.write);
	assert_int_equal(q.u.mmio.gpa, SB47 | 0xfee00000);
	assert_int_equal(q.u.mmio.addr, 0xfee00000);
	assert_int_equal(q.u.mmio.value, 0);

	r = vmcall(TDVMCALL_MMIO, LINUX_GPRS, 2, 1, SB47 | 0x1000, 0xabcdef);
	q = decode47(&r);
	assert_ok(&q, TDVMCALL_KIND_MMIO);
	assert_true(q.u.mmio.write);
	assert_int_equal(q.u.mmio.value, 0xcdef);

	/* GPAW 52: bit 47 is an address bit, bit 51 the shared bit */
	r = vmcall(TDVMCALL_MMIO, LINUX_GPRS, 4, 0, SB51 | SB47 | 0x1000, 0);
	assert_int_equal(tdvmcall_decode(&r, 51, &q), 0);
	assert_int_equal(q.u.mmio.addr, SB47 | 0x1000);
	assert_fails(&r, 47, TDVMCALL_KIND_MMIO, TDVMCALL_INVALID_OPERAND);

	static const uint64_t bad_sizes[] = { 0, 3, 16, ~0ull };
	for (size_t i = 0; i < N(bad_sizes); i++) {
		r = vmcall(TDVMCALL_MMIO, LINUX_GPRS, bad_sizes[i], 0, SB47, 0);
		assert_fails(&r, 47, TDVMCALL_KIND_MMIO, TDVMCALL_INVALID_OPERAND);
	}
	r = vmcall(TDVMCALL_MMIO, LINUX_GPRS, 4, 2, SB47, 0);			/* direction */
	assert_fails(&r, 47, TDVMCALL_KIND_MMIO, TDVMCALL_INVALID_OPERAND);
	r = vmcall(TDVMCALL_MMIO, LINUX_GPRS, 4, 0, 0xfee00000, 0);		/* private */
	assert_fails(&r, 47, TDVMCALL_KIND_MMIO, TDVMCALL_INVALID_OPERAND);
	r = vmcall(TDVMCALL_MMIO, LINUX_GPRS, 2, 0, 2 * SB47 - 1, 0);		/* past GPAW */
	assert_fails(&r, 47, TDVMCALL_KIND_MMIO, TDVMCALL_INVALID_OPERAND);
	r = vmcall(TDVMCALL_MMIO, LINUX_GPRS, 8, 0, ~0ull - 3, 0);		/* wraps */
	assert_fails(&r, 47, TDVMCALL_KIND_MMIO, TDVMCALL_INVALID_OPERAND);
	r = vmcall(TDVMCALL_MMIO, LINUX_GPRS & ~G(R15), 4, 1, SB47, 0);		/* no value */
	assert_fails(&r, 47, TDVMCALL_KIND_MMIO, TDVMCALL_INVALID_OPERAND);
	r = vmcall(TDVMCALL_MMIO, LINUX_GPRS & ~G(R14), 4, 0, SB47, 0);		/* no GPA */
	assert_fails(&r, 47, TDVMCALL_KIND_MMIO, TDVMCALL_INVALID_OPERAND);
	r = vmcall(TDVMCALL_MMIO, LINUX_GPRS, 4, 0, SB47, 0);			/* no shared bit */
	assert_fails(&r, 64, TDVMCALL_KIND_MMIO, TDVMCALL_INVALID_OPERAND);
}

/* ---- GHCI calls ----------------------------------------------------------- */

static void test_mapgpa_valid(void **state)
{
	(void)state;
	struct tdx_regs r = vmcall(TDVMCALL_MAP_GPA, LINUX_GPRS, SB47 | 0x100000, 0x200000, 0, 0);
	struct tdvmcall_req q = decode47(&r);

	assert_ok(&q, TDVMCALL_KIND_MAPGPA);
	assert_true(q.u.mapgpa.to_shared);
	assert_int_equal(q.u.mapgpa.gpa, SB47 | 0x100000);
	assert_int_equal(q.u.mapgpa.addr, 0x100000);
	assert_int_equal(q.u.mapgpa.size, 0x200000);

	r.r12 = 0x100000;
	q = decode47(&r);
	assert_ok(&q, TDVMCALL_KIND_MAPGPA);
	assert_false(q.u.mapgpa.to_shared);
	assert_int_equal(q.u.mapgpa.addr, 0x100000);

	/* each whole half */
	r.r12 = 0, r.r13 = SB47;
	q = decode47(&r);
	assert_ok(&q, TDVMCALL_KIND_MAPGPA);
	r.r12 = SB47;
	q = decode47(&r);
	assert_ok(&q, TDVMCALL_KIND_MAPGPA);
	assert_true(q.u.mapgpa.to_shared);

	/* GPAW 52 */
	r.r12 = SB51 | SB47, r.r13 = 0x1000;
	assert_int_equal(tdvmcall_decode(&r, 51, &q), 0);
	assert_true(q.u.mapgpa.to_shared);
	assert_int_equal(q.u.mapgpa.addr, SB47);
	r.r12 = SB47;
	assert_int_equal(tdvmcall_decode(&r, 51, &q), 0);
	assert_false(q.u.mapgpa.to_shared);
}

static void test_mapgpa_invalid(void **state)
{
	(void)state;
	static const struct { uint64_t gpa, size, status; } bad[] = {
		/* KVM tdx_map_gpa: range errors are INVALID_OPERAND... */
		{ 0x100000, 0, TDVMCALL_INVALID_OPERAND },			/* size 0 */
		{ 0xfffffffffffff000ull, 0x2000, TDVMCALL_INVALID_OPERAND },	/* wraps */
		{ 0xfffffffffffff000ull, 0x1000, TDVMCALL_INVALID_OPERAND },	/* ends at 2^64 */
		{ SB47 - 0x1000, 0x2000, TDVMCALL_INVALID_OPERAND },		/* crosses */
		{ 0, SB47 + 0x1000, TDVMCALL_INVALID_OPERAND },
		{ 2 * SB47 - 0x1000, 0x2000, TDVMCALL_INVALID_OPERAND },	/* past GPAW */
		{ 1ull << 50, 0x1000, TDVMCALL_INVALID_OPERAND },
		/* ... and come before alignment */
		{ SB47 - 0x800, 0x1000, TDVMCALL_INVALID_OPERAND },
		/* ALIGN_ERROR */
		{ 0x100800, 0x1000, TDVMCALL_ALIGN_ERROR },
		{ 0x100000, 0x1800, TDVMCALL_ALIGN_ERROR },
		{ SB47 | 0x1, 0x1000, TDVMCALL_ALIGN_ERROR },
		{ 0x100000, 0x1, TDVMCALL_ALIGN_ERROR },
	};
	struct tdx_regs r;
	struct tdvmcall_req q;

	for (size_t i = 0; i < N(bad); i++) {
		r = vmcall(TDVMCALL_MAP_GPA, LINUX_GPRS, bad[i].gpa, bad[i].size, 0, 0);
		assert_fails(&r, 47, TDVMCALL_KIND_MAPGPA, bad[i].status);
		/* the operands are kept for the reply */
		assert_int_equal(decode47(&r).u.mapgpa.gpa, bad[i].gpa);
	}
	/* GPAW 52: crossing bit 51 fails, crossing bit 47 is fine */
	r = vmcall(TDVMCALL_MAP_GPA, LINUX_GPRS, SB51 - 0x1000, 0x2000, 0, 0);
	assert_fails(&r, 51, TDVMCALL_KIND_MAPGPA, TDVMCALL_INVALID_OPERAND);
	r = vmcall(TDVMCALL_MAP_GPA, LINUX_GPRS, SB47 - 0x1000, 0x2000, 0, 0);
	assert_int_equal(tdvmcall_decode(&r, 51, &q), 0);
	/* unusable shared-bit positions */
	assert_fails(&r, 11, TDVMCALL_KIND_MAPGPA, TDVMCALL_INVALID_OPERAND);
	assert_fails(&r, 63, TDVMCALL_KIND_MAPGPA, TDVMCALL_INVALID_OPERAND);
	assert_fails(&r, 1000, TDVMCALL_KIND_MAPGPA, TDVMCALL_INVALID_OPERAND);
	/* registers not selected */
	r = vmcall(TDVMCALL_MAP_GPA, LINUX_GPRS & ~G(R13), 0x100000, 0x1000, 0, 0);
	assert_fails(&r, 47, TDVMCALL_KIND_MAPGPA, TDVMCALL_INVALID_OPERAND);
	r = vmcall(TDVMCALL_MAP_GPA, LINUX_GPRS & ~G(R12), 0x100000, 0x1000, 0, 0);
	assert_fails(&r, 47, TDVMCALL_KIND_MAPGPA, TDVMCALL_INVALID_OPERAND);
}

static void test_mapgpa_replies(void **state)
{
	(void)state;
	struct tdx_regs r = vmcall(TDVMCALL_MAP_GPA, LINUX_GPRS, SB47 | 0x100000, 0x4000, 0, 0);
	struct tdvmcall_req q = decode47(&r);
	struct tdx_regs out, before;

	fill(&out, SENTINEL);
	before = out;
	assert_true(tdvmcall_reply_mapgpa_retry(&q, 0x2000, &out));
	assert_int_equal(out.r10, TDVMCALL_RETRY);
	assert_int_equal(out.r11, SB47 | 0x102000);	/* shared bit kept */
	out.r10 = before.r10, out.r11 = before.r11;
	assert_memory_equal(&out, &before, sizeof(out));
	assert_true(tdvmcall_reply_mapgpa_retry(&q, 0, &out));
	assert_int_equal(out.r11, SB47 | 0x100000);

	/* refused: done at or past the end, not page aligned */
	fill(&out, SENTINEL);
	assert_false(tdvmcall_reply_mapgpa_retry(&q, 0x4000, &out));
	assert_false(tdvmcall_reply_mapgpa_retry(&q, 0x5000, &out));
	assert_false(tdvmcall_reply_mapgpa_retry(&q, 0x800, &out));
	assert_false(tdvmcall_reply_mapgpa_retry(&q, ~0ull, &out));
	assert_memory_equal(&out, &before, sizeof(out));

	/* a failed MapGPA: no retry; its status answer carries R11 = GPA */
	r.r12 = SB47 | 0x100800;
	q = decode47(&r);
	assert_int_equal(q.status, TDVMCALL_ALIGN_ERROR);
	assert_false(tdvmcall_reply_mapgpa_retry(&q, 0x1000, &out));
	tdvmcall_reply_status(&q, &out);
	assert_int_equal(out.r10, TDVMCALL_ALIGN_ERROR);
	assert_int_equal(out.r11, SB47 | 0x100800);

	/* not a MapGPA */
	r = vmcall(TDVMCALL_HLT, LINUX_GPRS, 0, 0, 0, 0);
	q = decode47(&r);
	assert_false(tdvmcall_reply_mapgpa_retry(&q, 0, &out));
}

static void test_quote(void **state)
{
	(void)state;
	struct tdx_regs r = vmcall(TDVMCALL_GET_QUOTE, LINUX_GPRS, SB47 | 0x200000, 0x2000, 0, 0);
	struct tdvmcall_req q = decode47(&r);

	assert_ok(&q, TDVMCALL_KIND_GET_QUOTE);
	assert_int_equal(q.u.quote.gpa, SB47 | 0x200000);
	assert_int_equal(q.u.quote.addr, 0x200000);
	assert_int_equal(q.u.quote.size, 0x2000);

	static const struct { uint64_t gpa, size, status; } bad[] = {
		{ 0x200000, 0x2000, TDVMCALL_INVALID_OPERAND },		/* private */
		{ SB47 | 0x200000, 0, TDVMCALL_INVALID_OPERAND },	/* size 0 */
		{ 2 * SB47 - 0x1000, 0x2000, TDVMCALL_INVALID_OPERAND },/* past GPAW */
		{ SB47 | 0x200800, 0x2000, TDVMCALL_ALIGN_ERROR },
		{ SB47 | 0x200000, 0x1001, TDVMCALL_ALIGN_ERROR },
	};
	for (size_t i = 0; i < N(bad); i++) {
		r = vmcall(TDVMCALL_GET_QUOTE, LINUX_GPRS, bad[i].gpa, bad[i].size, 0, 0);
		assert_fails(&r, 47, TDVMCALL_KIND_GET_QUOTE, bad[i].status);
	}
	r = vmcall(TDVMCALL_GET_QUOTE, LINUX_GPRS & ~G(R13), SB47, 0x1000, 0, 0);
	assert_fails(&r, 47, TDVMCALL_KIND_GET_QUOTE, TDVMCALL_INVALID_OPERAND);
}

static void test_fatal(void **state)
{
	(void)state;
	struct tdx_regs r = vmcall(TDVMCALL_REPORT_FATAL_ERROR, LINUX_GPRS, 0, 0x1234000, 0, 0);
	struct tdvmcall_req q = decode47(&r);

	assert_ok(&q, TDVMCALL_KIND_REPORT_FATAL);
	assert_int_equal(q.u.fatal.code, 0);
	assert_false(q.u.fatal.gpa_valid);
	assert_int_equal(q.u.fatal.gpa, 0);	/* R13 is no GPA without bit 63 */

	/* tests/guests/td_fatal.asm: any code is taken (QEMU would refuse
	 * bits 15:0 set, but the TD ends either way) */
	r.r12 = 0x1234;
	q = decode47(&r);
	assert_ok(&q, TDVMCALL_KIND_REPORT_FATAL);
	assert_int_equal(q.u.fatal.code, 0x1234);

	r.r12 = TDVMCALL_FATAL_GPA_VALID | 5;
	q = decode47(&r);
	assert_ok(&q, TDVMCALL_KIND_REPORT_FATAL);
	assert_true(q.u.fatal.gpa_valid);
	assert_int_equal(q.u.fatal.gpa, 0x1234000);
	assert_int_equal(q.u.fatal.code, TDVMCALL_FATAL_GPA_VALID | 5);

	r.rcx = LINUX_GPRS & ~G(R13);		/* GPA flagged, not sent */
	assert_fails(&r, 47, TDVMCALL_KIND_REPORT_FATAL, TDVMCALL_INVALID_OPERAND);
	r.rcx = G(R10) | G(R11);		/* no code */
	assert_fails(&r, 47, TDVMCALL_KIND_REPORT_FATAL, TDVMCALL_INVALID_OPERAND);
}

/* Packs msg as LX tdx_panic does: strtomem_pad into 64 bytes, then
 * R14, R15, RBX, RDI, RSI, R8, R9, RDX. */
static struct tdx_regs panic_regs(const char *msg, size_t len)
{
	struct tdx_regs r = vmcall(TDVMCALL_REPORT_FATAL_ERROR, LINUX_GPRS, 0, 0, 0, 0);
	uint64_t *dst[8] = { &r.r14, &r.r15, &r.rbx, &r.rdi, &r.rsi, &r.r8, &r.r9, &r.rdx };
	unsigned char buf[64] = { 0 };

	memcpy(buf, msg, len > 64 ? 64 : len);
	for (unsigned i = 0; i < 8; i++) {
		uint64_t v = 0;

		for (unsigned b = 0; b < 8; b++)
			v |= (uint64_t)buf[8 * i + b] << (8 * b);
		*dst[i] = v;
	}
	return r;
}

static void test_fatal_message(void **state)
{
	(void)state;
	static const char linux_msg[] =
		"TD misconfiguration: SEPT_VE_DISABLE attribute must be set.";
	char out[100];
	struct tdx_regs r = panic_regs(linux_msg, sizeof(linux_msg) - 1);

	assert_int_equal(tdvmcall_fatal_message(&r, out, sizeof(out)), strlen(linux_msg));
	assert_string_equal(out, linux_msg);

	/* 64 bytes and no NUL: all of them */
	static const char full[] =
		"0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789ABCDEF";
	r = panic_regs(full, 64);
	assert_int_equal(tdvmcall_fatal_message(&r, out, sizeof(out)), 64);
	assert_string_equal(out, full);
	assert_int_equal(tdvmcall_fatal_message(&r, out, 65), 64);
	assert_string_equal(out, full);
	/* truncated to the buffer */
	memset(out, 'x', sizeof(out));
	assert_int_equal(tdvmcall_fatal_message(&r, out, 10), 9);
	assert_string_equal(out, "012345678");
	assert_int_equal(out[10], 'x');
	assert_int_equal(tdvmcall_fatal_message(&r, out, 1), 0);
	assert_string_equal(out, "");
	out[0] = 'x';
	assert_int_equal(tdvmcall_fatal_message(&r, out, 0), 0);
	assert_int_equal(out[0], 'x');

	/* non-printables */
	static const char odd[] = "a\x01" "b\n\x7f\xff\tc";
	r = panic_regs(odd, sizeof(odd) - 1);
	assert_int_equal(tdvmcall_fatal_message(&r, out, sizeof(out)), 8);
	assert_string_equal(out, "a?b????c");

	/* the message ends at the first register not selected */
	r = panic_regs(full, 64);
	r.rcx = LINUX_GPRS & ~G(RBX);
	assert_int_equal(tdvmcall_fatal_message(&r, out, sizeof(out)), 16);
	assert_string_equal(out, "0123456789abcdef");
	r.rcx = LINUX_GPRS & ~G(RDX);
	assert_int_equal(tdvmcall_fatal_message(&r, out, sizeof(out)), 56);
	r.rcx = LINUX_GPRS & ~G(R14);
	assert_int_equal(tdvmcall_fatal_message(&r, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	r.rcx = 0;
	assert_int_equal(tdvmcall_fatal_message(&r, out, sizeof(out)), 0);
}

static void test_notify(void **state)
{
	(void)state;
	static const uint64_t good[] = { 32, 0x80, 255 };
	static const uint64_t bad[] = { 0, 31, 256, 0x100000020ull, ~0ull };
	struct tdx_regs r;
	struct tdvmcall_req q;

	for (size_t i = 0; i < N(good); i++) {
		r = vmcall(TDVMCALL_SETUP_EVENT_NOTIFY, LINUX_GPRS, good[i], 0, 0, 0);
		q = decode47(&r);
		assert_ok(&q, TDVMCALL_KIND_SETUP_EVENT_NOTIFY);
		assert_int_equal(q.u.notify.vector, good[i]);
	}
	for (size_t i = 0; i < N(bad); i++) {
		r = vmcall(TDVMCALL_SETUP_EVENT_NOTIFY, LINUX_GPRS, bad[i], 0, 0, 0);
		assert_fails(&r, 47, TDVMCALL_KIND_SETUP_EVENT_NOTIFY, TDVMCALL_INVALID_OPERAND);
	}
	r = vmcall(TDVMCALL_SETUP_EVENT_NOTIFY, G(R10) | G(R11), 0x40, 0, 0, 0);
	assert_fails(&r, 47, TDVMCALL_KIND_SETUP_EVENT_NOTIFY, TDVMCALL_INVALID_OPERAND);
}

static void test_info(void **state)
{
	(void)state;
	struct tdx_regs r = vmcall(TDVMCALL_GET_TD_VM_CALL_INFO, LINUX_GPRS, 0, 0, 0, 0);
	struct tdvmcall_req q = decode47(&r);

	assert_ok(&q, TDVMCALL_KIND_GET_TD_VM_CALL_INFO);
	assert_int_equal(q.u.info.leaf, 0);
	r.r12 = 1;
	q = decode47(&r);
	assert_ok(&q, TDVMCALL_KIND_GET_TD_VM_CALL_INFO);
	assert_int_equal(q.u.info.leaf, 1);
	r.r12 = 2;
	assert_fails(&r, 47, TDVMCALL_KIND_GET_TD_VM_CALL_INFO, TDVMCALL_INVALID_OPERAND);
	r.r12 = 0, r.rcx = G(R10) | G(R11);
	assert_fails(&r, 47, TDVMCALL_KIND_GET_TD_VM_CALL_INFO, TDVMCALL_INVALID_OPERAND);
}

/* ---- vendor, unknown, malformed ------------------------------------------- */

static void test_vendor(void **state)
{
	(void)state;
	struct tdx_regs r = vmcall(TDVMCALL_IO, LINUX_GPRS, 11, 12, 13, 14);
	struct tdvmcall_req q;

	r.r10 = 5;	/* e.g. KVM_HC_KICK_CPU */
	q = decode47(&r);
	assert_ok(&q, TDVMCALL_KIND_VENDOR);
	assert_int_equal(q.u.vendor.nr, 5);
	assert_int_equal(q.u.vendor.a0, TDVMCALL_IO);
	assert_int_equal(q.u.vendor.a1, 11);
	assert_int_equal(q.u.vendor.a2, 12);
	assert_int_equal(q.u.vendor.a3, 13);
	r.rcx = LINUX_GPRS & ~G(R13);
	q = decode47(&r);
	assert_ok(&q, TDVMCALL_KIND_VENDOR);
	assert_int_equal(q.u.vendor.a2, 0);	/* absent, not R13's value */
	r.r10 = ~0ull;
	q = decode47(&r);
	assert_int_equal(q.kind, TDVMCALL_KIND_VENDOR);
}

static void test_unknown(void **state)
{
	(void)state;
	static const uint64_t subfns[] = { 0, 1, 11, 18, 33, 47, 49, 0xffff, 0x10005,
					   0x20000, 0x10000000a, ~0ull };

	for (size_t i = 0; i < N(subfns); i++) {
		struct tdx_regs r = vmcall(subfns[i], LINUX_GPRS, 0, 0, 0, 0);
		struct tdvmcall_req q;
		struct tdx_regs out;

		assert_fails(&r, 47, TDVMCALL_KIND_UNKNOWN, TDVMCALL_SUBFUNC_UNSUPPORTED);
		q = decode47(&r);
		assert_int_equal(q.subfn, subfns[i]);
		fill(&out, SENTINEL);
		tdvmcall_reply_status(&q, &out);
		assert_int_equal(out.r10, TDVMCALL_SUBFUNC_UNSUPPORTED);
		assert_int_equal(out.r11, 0);
	}
}

static void test_r10_r11_not_selected(void **state)
{
	(void)state;
	struct tdx_regs r = vmcall(TDVMCALL_CPUID, LINUX_GPRS & ~G(R11), 0, 0, 0, 0);
	struct tdvmcall_req q;

	assert_fails(&r, 47, TDVMCALL_KIND_UNKNOWN, TDVMCALL_INVALID_OPERAND);
	assert_int_equal(decode47(&r).subfn, 0);
	r.rcx = LINUX_GPRS & ~G(R10);
	r.r10 = 1;	/* not selected: neither vendor nor standard */
	assert_fails(&r, 47, TDVMCALL_KIND_UNKNOWN, TDVMCALL_INVALID_OPERAND);
	r.rcx = 0;
	assert_fails(&r, 47, TDVMCALL_KIND_UNKNOWN, TDVMCALL_INVALID_OPERAND);
	/* bits above 15 are not GPRs */
	r.rcx = 0xffff0000u | G(R12) | G(R13);
	assert_int_equal(tdvmcall_decode(&r, 47, &q), TDVMCALL_INVALID_OPERAND);
	assert_int_equal(q.gprs, G(R12) | G(R13));
}

/* ---- replies -------------------------------------------------------------- */

static void test_reply_registers(void **state)
{
	(void)state;
	static const uint64_t vals[4] = { 0x1111111100000007ull, 0x22222222756e6547ull,
					  0x333333336c65746eull, 0x4444444449656e69ull };
	struct tdx_regs r = vmcall(TDVMCALL_CPUID, LINUX_GPRS, 0, 0, 0, 0);
	struct tdvmcall_req q = decode47(&r);
	struct tdx_regs out, before;

	/* CPUID: R10, R11, R12-R15 as 32-bit values, nothing else */
	fill(&out, SENTINEL);
	before = out;
	tdvmcall_reply(&q, TDVMCALL_SUCCESS, 0, vals, &out);
	assert_int_equal(out.r10, 0);
	assert_int_equal(out.r11, 0);
	assert_int_equal(out.r12, 7);
	assert_int_equal(out.r13, 0x756e6547);
	assert_int_equal(out.r14, 0x6c65746e);
	assert_int_equal(out.r15, 0x49656e69);
	out = but_reply(&out, &before);
	assert_memory_equal(&out, &before, sizeof(out));
	/* NULL values: zeros */
	tdvmcall_reply(&q, TDVMCALL_SUCCESS, 0, NULL, &out);
	assert_int_equal(out.r12 | out.r13 | out.r14 | out.r15, 0);
	/* a failure leaves R12-R15 alone */
	fill(&out, SENTINEL);
	tdvmcall_reply(&q, TDVMCALL_INVALID_OPERAND, 0, vals, &out);
	assert_int_equal(out.r10, TDVMCALL_INVALID_OPERAND);
	assert_int_equal(out.r12, before.r12);

	/* GetTdVmCallInfo: full 64-bit values */
	r = vmcall(TDVMCALL_GET_TD_VM_CALL_INFO, LINUX_GPRS, 0, 0, 0, 0);
	q = decode47(&r);
	fill(&out, SENTINEL);
	tdvmcall_reply(&q, TDVMCALL_SUCCESS, 0, vals, &out);
	assert_int_equal(out.r12, vals[0]);
	assert_int_equal(out.r15, vals[3]);

	/* IO in: R11 masked to the size; out and other calls: R11 as given,
	 * R12-R15 untouched */
	r = vmcall(TDVMCALL_IO, LINUX_GPRS, 1, 0, 0x3fd, 0);
	q = decode47(&r);
	fill(&out, SENTINEL);
	tdvmcall_reply(&q, TDVMCALL_SUCCESS, 0x1260, vals, &out);
	assert_int_equal(out.r11, 0x60);
	out.r10 = before.r10, out.r11 = before.r11;
	assert_memory_equal(&out, &before, sizeof(out));
	r = vmcall(TDVMCALL_IO, LINUX_GPRS, 2, 1, 0x3f8, 0x41);
	q = decode47(&r);
	tdvmcall_reply(&q, TDVMCALL_SUCCESS, 0x12345, NULL, &out);
	assert_int_equal(out.r11, 0x12345);
	r = vmcall(TDVMCALL_RDMSR, LINUX_GPRS, 0x10, 0, 0, 0);
	q = decode47(&r);
	fill(&out, SENTINEL);
	tdvmcall_reply(&q, TDVMCALL_SUCCESS, 0x123456789ull, vals, &out);
	assert_int_equal(out.r11, 0x123456789ull);
	assert_int_equal(out.r12, before.r12);

	/* MMIO read: masked; size 8 whole */
	r = vmcall(TDVMCALL_MMIO, LINUX_GPRS, 4, 0, SB47, 0);
	q = decode47(&r);
	tdvmcall_reply(&q, TDVMCALL_SUCCESS, ~0ull, NULL, &out);
	assert_int_equal(out.r11, 0xffffffffull);
	r.r12 = 8;
	q = decode47(&r);
	tdvmcall_reply(&q, TDVMCALL_SUCCESS, ~0ull, NULL, &out);
	assert_int_equal(out.r11, ~0ull);

	/* status answer of a valid call is SUCCESS with R11 = 0 */
	tdvmcall_reply_status(&q, &out);
	assert_int_equal(out.r10, TDVMCALL_SUCCESS);
	assert_int_equal(out.r11, 0);
}

static void test_names(void **state)
{
	(void)state;
	static const struct { uint64_t subfn; const char *name; } names[] = {
		{ 10, "Instruction.CPUID" }, { 12, "Instruction.HLT" },
		{ 30, "Instruction.IO" }, { 31, "Instruction.RDMSR" },
		{ 32, "Instruction.WRMSR" }, { 48, "#VE.RequestMMIO" },
		{ 0x10000, "GetTdVmCallInfo" }, { 0x10001, "MapGPA" },
		{ 0x10002, "GetQuote" }, { 0x10003, "ReportFatalError" },
		{ 0x10004, "SetupEventNotifyInterrupt" },
		{ 0, "unknown" }, { 0x10005, "unknown" }, { ~0ull, "unknown" },
	};

	for (size_t i = 0; i < N(names); i++)
		assert_string_equal(tdvmcall_name(names[i].subfn), names[i].name);
}

/* ---- fuzz ----------------------------------------------------------------- */

static uint64_t prng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	prng ^= prng << 13;
	prng ^= prng >> 7;
	prng ^= prng << 17;
	return prng;
}

static uint64_t operand(void)
{
	static const uint64_t edge[] = { 0, 1, 2, 3, 4, 8, 31, 32, 255, 256, 0xffff, 0x10000,
					 0x1000, SB47, SB47 - 0x1000, SB51, SB51 | SB47,
					 2 * SB47, ~0ull, ~0ull - 0xfff, 1ull << 63 };

	switch (rnd() % 5) {
	case 0: return rnd();
	case 1: return rnd() % 16;
	case 2: return edge[rnd() % N(edge)];
	case 3: return (rnd() & 0x3fffffff000ull) | (rnd() & 1 ? SB47 : 0);
	default: return (rnd() % 0x100) << 12;
	}
}

/* Operands that mostly pass the checks of r->r11, so that the fuzz
 * reaches the accepting paths too. */
static void plausible(struct tdx_regs *r, unsigned sb)
{
	static const uint64_t sizes[] = { 1, 2, 4, 8 };
	uint64_t shared = sb < 64 ? 1ull << sb : 0;

	r->r12 = sizes[rnd() % N(sizes)];
	r->r13 = rnd() % 2;
	r->r14 = rnd() & 0xffff;
	r->r15 = rnd();
	switch (r->r11) {
	case TDVMCALL_MMIO:
		r->r14 = shared | (rnd() & 0xfffff) << 3;
		break;
	case TDVMCALL_MAP_GPA:
	case TDVMCALL_GET_QUOTE:
		r->r12 = (rnd() % 4 ? shared : 0) | (rnd() & 0xffff) << 12;
		r->r13 = (1 + rnd() % 512) << 12;
		break;
	case TDVMCALL_SETUP_EVENT_NOTIFY:
		r->r12 = 32 + rnd() % 224;
		break;
	case TDVMCALL_GET_TD_VM_CALL_INFO:
		r->r12 = rnd() % 2;
		break;
	}
}

static void check_valid(const struct tdvmcall_req *q, unsigned sb)
{
	uint64_t s = sb < 64 ? 1ull << sb : 0;

	switch (q->kind) {
	case TDVMCALL_KIND_IO:
		assert_true(q->u.io.size == 1 || q->u.io.size == 2 || q->u.io.size == 4);
		if (q->u.io.size < 4)
			assert_true(q->u.io.data < 1u << (8 * q->u.io.size));
		break;
	case TDVMCALL_KIND_MMIO:
		assert_true(q->u.mmio.size && !(q->u.mmio.size & (q->u.mmio.size - 1)));
		assert_true(q->u.mmio.gpa & s);
		assert_true(q->u.mmio.addr == (q->u.mmio.gpa & ~s));
		break;
	case TDVMCALL_KIND_MAPGPA:
		assert_true(q->u.mapgpa.size && !((q->u.mapgpa.gpa | q->u.mapgpa.size) & 0xfff));
		assert_true((q->u.mapgpa.gpa + q->u.mapgpa.size - 1) >> (sb + 1) == 0);
		assert_true(!(q->u.mapgpa.gpa & s) ==
			    !((q->u.mapgpa.gpa + q->u.mapgpa.size - 1) & s));
		assert_true(q->u.mapgpa.to_shared == !!(q->u.mapgpa.gpa & s));
		break;
	case TDVMCALL_KIND_GET_QUOTE:
		assert_true(q->u.quote.size && (q->u.quote.gpa & s));
		assert_true(!((q->u.quote.gpa | q->u.quote.size) & 0xfff));
		break;
	case TDVMCALL_KIND_SETUP_EVENT_NOTIFY:
		assert_true(q->u.notify.vector >= 32);
		break;
	case TDVMCALL_KIND_GET_TD_VM_CALL_INFO:
		assert_true(q->u.info.leaf <= 1);
		break;
	case TDVMCALL_KIND_UNKNOWN:
		fail_msg("UNKNOWN decoded without a status");
		break;
	default:
		break;
	}
}

static void test_fuzz(void **state)
{
	(void)state;
	static const uint64_t subfns[] = { 10, 12, 30, 31, 32, 48, 0x10000, 0x10001, 0x10002,
					   0x10003, 0x10004, 0, 11, 0x10005 };
	static const uint64_t statuses[] = { TDVMCALL_SUCCESS, TDVMCALL_RETRY,
					     TDVMCALL_INVALID_OPERAND, TDVMCALL_ALIGN_ERROR,
					     TDVMCALL_SUBFUNC_UNSUPPORTED };
	unsigned counts[TDVMCALL_KIND_COUNT][2] = { { 0 } };

	for (unsigned n = 0; n < 100000; n++) {
		struct tdx_regs r, out, before;
		struct tdvmcall_req q;
		uint64_t vals[4] = { rnd(), rnd(), rnd(), rnd() };
		unsigned sb = rnd() % 8 ? (rnd() & 1 ? 47 : 51) : (unsigned)(rnd() % 80);
		char msg[80];
		size_t cap, len;

		fill(&r, rnd());
		r.rax = 77;
		switch (rnd() % 4) {
		case 0: r.rcx = rnd(); break;
		case 1: r.rcx = rnd() & 0xffff; break;
		default: r.rcx = LINUX_GPRS; break;
		}
		r.r10 = rnd() % 10 ? 0 : operand();
		r.r11 = rnd() % 10 ? subfns[rnd() % N(subfns)] : rnd();
		if (rnd() & 1) {
			r.r12 = operand(), r.r13 = operand(), r.r14 = operand(), r.r15 = operand();
		} else {
			uint64_t *reg[] = { &r.r12, &r.r13, &r.r14, &r.r15 };

			plausible(&r, sb);
			if (rnd() % 4 == 0)
				*reg[rnd() % N(reg)] = operand();
		}

		uint64_t st = tdvmcall_decode(&r, sb, &q);

		assert_int_equal(st, q.status);
		assert_true(q.kind < TDVMCALL_KIND_COUNT);
		assert_true(st == TDVMCALL_SUCCESS || st == TDVMCALL_INVALID_OPERAND ||
			    st == TDVMCALL_ALIGN_ERROR || st == TDVMCALL_SUBFUNC_UNSUPPORTED);
		assert_true((st != 0) == (q.why != NULL));
		assert_int_equal(q.gprs, (uint16_t)r.rcx);
		if (st == 0)
			check_valid(&q, sb);
		counts[q.kind][st != 0]++;

		/* registers the guest did not select change nothing */
		struct tdx_regs r2 = r;
		struct tdvmcall_req q2;
		uint64_t *gp[] = { &r2.rdx, &r2.rbx, &r2.rsi, &r2.rdi, &r2.r8, &r2.r9, &r2.r10,
				   &r2.r11, &r2.r12, &r2.r13, &r2.r14, &r2.r15 };
		static const unsigned bit[] = { RDX, RBX, RSI, RDI, R8, R9, R10, R11, R12, R13,
						R14, R15 };
		char msg2[80];

		for (size_t i = 0; i < N(gp); i++)
			if (!((r.rcx >> bit[i]) & 1))
				*gp[i] = rnd();
		tdvmcall_decode(&r2, sb, &q2);
		assert_memory_equal(&q, &q2, sizeof(q));
		tdvmcall_fatal_message(&r, msg, sizeof(msg));
		tdvmcall_fatal_message(&r2, msg2, sizeof(msg2));
		assert_string_equal(msg, msg2);

		fill(&out, SENTINEL);
		before = out;
		tdvmcall_reply(&q, statuses[rnd() % N(statuses)], rnd(), rnd() & 1 ? vals : NULL,
			       &out);
		out = but_reply(&out, &before);
		assert_memory_equal(&out, &before, sizeof(out));
		tdvmcall_reply_status(&q, &out);
		assert_int_equal(out.r10, q.status);
		if (tdvmcall_reply_mapgpa_retry(&q, rnd() % 4 ? (rnd() % 64) << 12 : rnd(), &out)) {
			assert_int_equal(out.r10, TDVMCALL_RETRY);
			assert_true(out.r11 >= q.u.mapgpa.gpa &&
				    out.r11 < q.u.mapgpa.gpa + q.u.mapgpa.size);
		}

		cap = rnd() % 70;
		memset(msg, 'G', sizeof(msg));
		len = tdvmcall_fatal_message(&r, msg, cap);
		if (cap) {
			assert_true(len < cap);
			assert_int_equal(msg[len], 0);
			for (size_t i = 0; i < len; i++)
				assert_true(msg[i] >= 0x20 && msg[i] <= 0x7e);
		} else {
			assert_int_equal(len, 0);
		}
		for (size_t i = cap; i < sizeof(msg); i++)
			assert_int_equal(msg[i], 'G');
		assert_non_null(tdvmcall_name(r.r11));
	}
	/* the generator reaches both outcomes of every standard kind */
	for (unsigned k = TDVMCALL_KIND_CPUID; k < TDVMCALL_KIND_VENDOR; k++) {
		assert_true(counts[k][0] > 0);
		assert_true(counts[k][1] > 0);
	}
	assert_true(counts[TDVMCALL_KIND_VENDOR][0] > 0);
	assert_true(counts[TDVMCALL_KIND_UNKNOWN][1] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpuid),
		cmocka_unit_test(test_hlt),
		cmocka_unit_test(test_io_valid),
		cmocka_unit_test(test_io_invalid),
		cmocka_unit_test(test_msr),
		cmocka_unit_test(test_mmio),
		cmocka_unit_test(test_mapgpa_valid),
		cmocka_unit_test(test_mapgpa_invalid),
		cmocka_unit_test(test_mapgpa_replies),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_fatal),
		cmocka_unit_test(test_fatal_message),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_vendor),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_r10_r11_not_selected),
		cmocka_unit_test(test_reply_registers),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
