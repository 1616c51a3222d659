/* The emulated P-SEAMLDR's install contract (seam/emu/seamldr.c, tdx-abi.md
 * §8): SEAMLDR.INSTALL on every LP of the fixture platform, one at a time,
 * with test-signed blobs built on the host (tools/blob_build.c, signed by
 * the openssl command with a key generated for this run).
 *
 * Covered: the session (first LP blocks the module, EBADCALL on a second
 * call, the last LP does the work), the new module's identity and state,
 * SEAMEXTEND in SEAMLDR_INFO, repeat installs, recoverable failures (old
 * module back), unrecoverable ones (no module until a good install),
 * ECLEANUPREQ, the P-SEAMLDR busy while the last LP loads the image, and a
 * platform whose BIOS loaded no module. */
#define _POSIX_C_SOURCE 200809L
#define EMU_FIXTURE_NO_MAIN
#include "test_emu_fixture.c"
#include <unistd.h>
#include "tools/blob_build.h"

/* Fake-memory places (all RAM, outside SEAMRR). */
#define PARAMS_PA	(32 * MiB)
#define INFO_PA_LDR	(48 * MiB)
#define BLOB_PA		(64 * MiB)
#define SIGSTRUCT_PA	(BLOB_PA + PG)
#define MODULE_PA	(BLOB_PA + 2 * PG)
#define MODULE_PAGES	4

/* The good blob: emulated module 1.5.16 build 812, SEAMSVN 1.11. */
#define GOOD_SVN	0x010b
#define GOOD_MAJOR	1
#define GOOD_MINOR	5
#define GOOD_UPDATE	16
#define GOOD_BUILD_NUM	812
#define GOOD_BUILD_DATE	20250219u
#define GOOD_MAX_TDMRS	32

struct blobs {
	char dir[64];
	char key[96];
	uint8_t *good;		/* signed, BTDXEMU1 image */
	size_t good_len;
};

static struct blobs B;

static int group_setup(void **state)
{
	char keywhy[128];
	char why[128];
	struct blob_spec s;
	uint8_t *module;

	(void)state;
	if (blob_test_key("emu-seamldr", B.dir, sizeof(B.dir), B.key, sizeof(B.key), keywhy,
			  sizeof(keywhy))) {
		fprintf(stderr, "test_emu_seamldr: %s\n", keywhy);
		return -1;
	}

	/* The fixture's packages are CPUID.1.EAX 0x806f8; the table ignores
	 * the stepping, so 0x806f0 stands for it. */
	memset(&s, 0, sizeof(s));
	s.header_version = TDXBLOB_V1;
	s.date = 0x20250219;
	s.seamsvn = GOOD_SVN;
	s.cpuids[0] = 0x806f8 & ~TDXBLOB_FMS_STEPPING_MASK;
	s.cpuids[1] = 0xc06f0;
	s.ncpuids = 2;
	s.max_tdmrs = GOOD_MAX_TDMRS;
	module = blob_emu_module(MODULE_PAGES, GOOD_MAJOR, GOOD_MINOR, GOOD_UPDATE,
				 GOOD_BUILD_DATE, GOOD_BUILD_NUM);
	if (!module)
		return -1;
	B.good = blob_build(&s, module, MODULE_PAGES * PG, B.key, &B.good_len, why, sizeof(why));
	free(module);
	if (!B.good) {
		fprintf(stderr, "test_emu_seamldr: blob_build: %s\n", why);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(B.good);
	unlink(B.key);
	rmdir(B.dir);
	return 0;
}

/* ---- Helpers -------------------------------------------------------------- */

static uint8_t *sigstruct_of(uint8_t *blob)
{
	return blob + blob_sigstruct_offset(blob);
}

static uint8_t *blob_copy(const uint8_t *blob, size_t len)
{
	uint8_t *c = malloc(len);

	assert_non_null(c);
	memcpy(c, blob, len);
	return c;
}

/* Re-signs an edited blob with the test key. */
static void resign(uint8_t *blob, size_t len)
{
	char why[128];

	if (blob_sign(blob, len, B.key, why, sizeof(why)))
		fail_msg("blob_sign: %s", why);
	blob_fix_checksum(blob, len);
}

static void put_blob(struct fixture *f, const uint8_t *blob, size_t len)
{
	assert_int_equal(fm_write(&f->fm, BLOB_PA, blob, len), 0);
}

static void default_params(struct seamldr_params *p, unsigned pages)
{
	memset(p, 0, sizeof(*p));
	p->version = 0;
	p->scenario = SEAMLDR_SCENARIO_LOAD;
	p->sigstruct_pa = SIGSTRUCT_PA;
	p->num_module_pages = pages;
	for (unsigned i = 0; i < pages && i < SEAMLDR_MAX_MODULE_PAGES; i++)
		p->module_pages_pa[i] = MODULE_PA + i * PG;
}

static void put_params(struct fixture *f, const struct seamldr_params *p)
{
	assert_int_equal(fm_write(&f->fm, PARAMS_PA, p, sizeof(*p)), 0);
}

/* The good blob and its SEAMLDR_PARAMS in memory. */
static void stage_good(struct fixture *f)
{
	struct seamldr_params p;

	put_blob(f, B.good, B.good_len);
	default_params(&p, MODULE_PAGES);
	put_params(f, &p);
}

/* One SEAMLDR.INSTALL on `lp`; returns RAX, RDX in *rdx. */
static uint64_t install_on(struct fixture *f, unsigned lp, uint64_t *rdx)
{
	struct emu_regs r = { .rax = SEAMLDR_INSTALL, .rcx = PARAMS_PA, .rdx = 0x5a5a };
	uint64_t st = sc(f, lp, &r);

	*rdx = r.rdx;
	return st;
}

/* INSTALL on LPs 0..NLPS-2 (each must return SUCCESS, RDX 0), then on
 * the last LP: its status, its RDX in *rdx. */
static uint64_t install_all(struct fixture *f, uint64_t *rdx)
{
	for (unsigned lp = 0; lp + 1 < NLPS; lp++) {
		assert_int_equal(install_on(f, lp, rdx), SEAMLDR_SUCCESS);
		assert_int_equal(*rdx, 0);
	}
	return install_on(f, NLPS - 1, rdx);
}

static void install_ok(struct fixture *f)
{
	uint64_t rdx;
	uint64_t st = install_all(f, &rdx);

	if (st != SEAMLDR_SUCCESS)
		fail_msg("SEAMLDR.INSTALL: 0x%016llx, RDX %llu: %s", (unsigned long long)st,
			 (unsigned long long)rdx, f->e->ldr.why);
	assert_int_equal(rdx, 0);
	assert_string_equal(f->e->ldr.why, "");
}

static void ldr_info(struct fixture *f, struct seamldr_info *info)
{
	assert_int_equal(sc1(f, 0, SEAMLDR_INFO, INFO_PA_LDR), SEAMLDR_SUCCESS);
	assert_int_equal(fm_read(&f->fm, INFO_PA_LDR, info, sizeof(*info)), 0);
}

/* A module leaf that must get VMfailInvalid with the registers untouched. */
static void module_vmfails(struct fixture *f, unsigned lp)
{
	struct emu_regs r = { .rax = TDH_SYS_RD, .rcx = 0x11, .rdx = MD_SYS_MAJOR_VERSION,
			      .r8 = 0x22, .r9 = 0x33 }, want = r;
	bool cf = false;

	emu_seamcall(f->e, lp, &r, &cf);
	assert_true(cf);
	assert_memory_equal(&r, &want, sizeof(r));
}

static uint64_t sys_rd(struct fixture *f, unsigned lp, uint64_t field)
{
	struct emu_regs r;

	assert_int_equal(sc5(f, lp, TDH_SYS_RD, 0, field, 0, 0, &r), TDX_SUCCESS);
	return r.r8;
}

/* SYS.INIT and LP.INIT on LP 0 and 1: a module halfway through bring-up. */
static void partial_init(struct fixture *f)
{
	do_sys_init(f);
	assert_int_equal(sc1(f, 0, TDH_SYS_LP_INIT, 0), TDX_SUCCESS);
	assert_int_equal(sc1(f, 1, TDH_SYS_LP_INIT, 0), TDX_SUCCESS);
}

/* The module partial_init() left is still there and answering: its
 * version is the built-in 1.5.01's and its init state survived. */
static void old_module_answers(struct fixture *f)
{
	assert_true(f->e->module_ready);
	assert_int_equal(sys_rd(f, 0, MD_SYS_MAJOR_VERSION), EMU_MODULE_MAJOR);
	assert_int_equal(sys_rd(f, 1, MD_SYS_MINOR_VERSION), EMU_MODULE_MINOR);
	assert_int_equal(sys_rd(f, 0, MD_SYS_UPDATE_VERSION), EMU_MODULE_UPDATE);
	assert_int_equal(sc1(f, 2, TDH_SYS_INIT, 0), TDX_SYS_INIT_NOT_PENDING);
	assert_int_equal(sc1(f, 0, TDH_SYS_LP_INIT, 0), TDX_SYS_LP_INIT_DONE);
}

/* The good blob's module is loaded and fresh (SYSINIT_PENDING): bring it
 * up on LP 0 and read its identity. */
static void check_new_module(struct fixture *f)
{
	assert_true(f->e->module_ready);
	assert_int_equal(f->e->state, TDX_GLOBAL_SYSINIT_PENDING);
	/* As in a fresh module: LP.INIT needs SYS.INIT first. */
	assert_int_equal(sc1(f, 1, TDH_SYS_LP_INIT, 0), TDX_SYS_LP_INIT_NOT_PENDING);
	assert_int_equal(sc1(f, 0, TDH_SYS_INIT, 0), TDX_SUCCESS);
	assert_int_equal(sc1(f, 0, TDH_SYS_LP_INIT, 0), TDX_SUCCESS);
	assert_int_equal(sys_rd(f, 0, MD_SYS_MAJOR_VERSION), GOOD_MAJOR);
	assert_int_equal(sys_rd(f, 0, MD_SYS_MINOR_VERSION), GOOD_MINOR);
	assert_int_equal(sys_rd(f, 0, MD_SYS_UPDATE_VERSION), GOOD_UPDATE);
	assert_int_equal(sys_rd(f, 0, MD_SYS_BUILD_NUM), GOOD_BUILD_NUM);
	assert_int_equal(sys_rd(f, 0, MD_SYS_BUILD_DATE), GOOD_BUILD_DATE);
	assert_int_equal(sys_rd(f, 0, MD_SYS_MAX_TDMRS), GOOD_MAX_TDMRS);
}

static uint64_t extend_valid(const struct seamldr_info *info)
{
	uint64_t v;

	memcpy(&v, &info->seam_info[SEAMLDR_SEAMEXTEND_VALID], sizeof(v));
	return v;
}

/* SEAMEXTEND describes the module of `blob`. */
static void check_extend(const struct seamldr_info *info, uint8_t *blob, uint16_t svn)
{
	static const uint8_t zero[48];

	assert_int_equal(info->seam_ready, 1);
	assert_int_equal(info->p_seam_ready, 1);
	assert_int_not_equal(extend_valid(info), 0);
	assert_int_equal(info->seam_info[SEAMLDR_SEAMEXTEND_TEE_TCB_SVN], svn & 0xff);
	assert_int_equal(info->seam_info[SEAMLDR_SEAMEXTEND_TEE_TCB_SVN + 1], svn >> 8);
	assert_memory_equal(&info->seam_info[SEAMLDR_SEAMEXTEND_MRSEAM],
			    sigstruct_of(blob) + SIGSTRUCT_SEAMHASH, 48);
	/* PSL writes no MRSIGNER. */
	assert_memory_equal(&info->seam_info[SEAMLDR_SEAMEXTEND_MRSIGNER], zero, 48);
}

/* ---- 1. Success ------------------------------------------------------------ */

static void test_install(void **state)
{
	struct fixture *f = fx_new();
	struct seamldr_info info;
	uint32_t before;
	uint64_t rdx;

	(void)state;
	partial_init(f);
	ldr_info(f, &info);
	before = info.num_remaining_updates;
	assert_int_equal(before, 63);
	stage_good(f);

	/* The first LP blocks the old module on every LP. */
	assert_int_equal(install_on(f, 0, &rdx), SEAMLDR_SUCCESS);
	assert_int_equal(rdx, 0);
	for (unsigned lp = 0; lp < NLPS; lp++)
		module_vmfails(f, lp);
	/* Twice on one LP in a session. */
	assert_int_equal(install_on(f, 0, &rdx), SEAMLDR_EBADCALL);
	assert_int_equal(rdx, 0);
	assert_int_equal(install_on(f, 1, &rdx), SEAMLDR_SUCCESS);
	assert_int_equal(rdx, 0);
	assert_int_equal(install_on(f, 1, &rdx), SEAMLDR_EBADCALL);
	assert_int_equal(install_on(f, 2, &rdx), SEAMLDR_SUCCESS);
	assert_int_equal(rdx, 0);
	module_vmfails(f, 3);
	/* The P-SEAMLDR itself still answers INFO: no module now. */
	ldr_info(f, &info);
	assert_int_equal(info.seam_ready, 0);
	assert_int_equal(install_on(f, 3, &rdx), SEAMLDR_SUCCESS);
	assert_int_equal(rdx, 0);
	assert_string_equal(f->e->ldr.why, "");
	assert_int_equal(f->e->ldr.last_status, SEAMLDR_SUCCESS);

	check_new_module(f);

	/* PSL: a LOAD clears the SEAMDB, so num_remaining_updates goes back
	 * to the SEAMDB size, and inserting the new module takes one entry.
	 * The BIOS-loaded module (itself a LOAD) had taken one already, so
	 * the count after our LOAD equals the count before it: 63 of a
	 * 64-entry SEAMDB. It does not go down by one per LOAD; only a
	 * platform without a BIOS module sees it drop (test_no_bios_module). */
	ldr_info(f, &info);
	assert_int_equal(info.num_remaining_updates, f->e->ldr.seamdb_size - 1);
	assert_int_equal(info.num_remaining_updates, before);
	check_extend(&info, B.good, GOOD_SVN);
	fx_free(f);
}

/* ---- 2. Repeat ------------------------------------------------------------- */

static void test_install_twice(void **state)
{
	struct fixture *f = fx_new();
	struct seamldr_info info;
	uint32_t first;
	uint64_t rdx;

	(void)state;
	stage_good(f);
	install_ok(f);
	ldr_info(f, &info);
	first = info.num_remaining_updates;
	check_new_module(f);

	/* A new session: the bitmap was cleared, LP 0 may call again. */
	assert_int_equal(install_on(f, 0, &rdx), SEAMLDR_SUCCESS);
	assert_int_equal(rdx, 0);
	module_vmfails(f, 2);
	for (unsigned lp = 1; lp + 1 < NLPS; lp++)
		assert_int_equal(install_on(f, lp, &rdx), SEAMLDR_SUCCESS);
	assert_int_equal(install_on(f, NLPS - 1, &rdx), SEAMLDR_SUCCESS);
	assert_int_equal(rdx, 0);
	/* The second module is fresh again, though the first was initialized. */
	check_new_module(f);
	ldr_info(f, &info);
	assert_int_equal(info.num_remaining_updates, first);
	check_extend(&info, B.good, GOOD_SVN);
	fx_free(f);
}

/* ---- 3. Recoverable failures ---------------------------------------------- */

/* Installs whatever is staged, expects `status` with RDX 0 and the old
 * module back as partial_init() left it. */
static void expect_recoverable(struct fixture *f, uint64_t status, const char *what)
{
	struct seamldr_info info;
	uint64_t rdx, st;
	uint32_t remaining = f->e->ldr.remaining;

	st = install_all(f, &rdx);
	if (st != status || rdx != 0)
		fail_msg("%s: 0x%016llx RDX %llu, want 0x%016llx RDX 0 (%s)", what,
			 (unsigned long long)st, (unsigned long long)rdx,
			 (unsigned long long)status, f->e->ldr.why);
	if (!f->e->ldr.why[0])
		fail_msg("%s: no reason in ldr.why", what);
	assert_int_equal(f->e->ldr.last_status, status);
	old_module_answers(f);
	ldr_info(f, &info);
	assert_int_equal(info.seam_ready, 1);
	assert_int_equal(info.num_remaining_updates, remaining);
	/* Still the BIOS module's SEAMEXTEND. */
	assert_int_not_equal(extend_valid(&info), 0);
	assert_int_equal(info.seam_info[SEAMLDR_SEAMEXTEND_TEE_TCB_SVN], EMU_MODULE_SEAMSVN & 0xff);
	assert_int_equal(info.seam_info[SEAMLDR_SEAMEXTEND_TEE_TCB_SVN + 1], EMU_MODULE_SEAMSVN >> 8);
}

static void expect_why(struct fixture *f, const char *needle)
{
	if (!strstr(f->e->ldr.why, needle))
		fail_msg("ldr.why \"%s\" does not mention \"%s\"", f->e->ldr.why, needle);
}

static void test_bad_params(void **state)
{
	struct fixture *f = fx_new();
	struct seamldr_params p;

	(void)state;
	partial_init(f);
	put_blob(f, B.good, B.good_len);

	default_params(&p, MODULE_PAGES);
	p.version = 1;
	put_params(f, &p);
	expect_recoverable(f, SEAMLDR_EBADPARAM, "version 1");
	expect_why(f, "version 1");

	default_params(&p, MODULE_PAGES);
	p.scenario = 5;
	put_params(f, &p);
	expect_recoverable(f, SEAMLDR_EBADPARAM, "scenario 5");
	expect_why(f, "scenario 5");

	default_params(&p, MODULE_PAGES);
	p.num_module_pages = 0;
	put_params(f, &p);
	expect_recoverable(f, SEAMLDR_EBADPARAM, "0 module pages");

	default_params(&p, MODULE_PAGES);
	p.num_module_pages = SEAMLDR_MAX_MODULE_PAGES + 1;
	put_params(f, &p);
	expect_recoverable(f, SEAMLDR_EBADPARAM, "497 module pages");
	expect_why(f, "497");

	default_params(&p, MODULE_PAGES);
	p.module_pages_pa[2] += 0x800;
	put_params(f, &p);
	expect_recoverable(f, SEAMLDR_EBADPARAM, "unaligned module page");
	expect_why(f, "module page 2");

	default_params(&p, MODULE_PAGES);
	p.sigstruct_pa = SEAMRR_BASE + 16 * PG;
	put_params(f, &p);
	expect_recoverable(f, SEAMLDR_EBADPARAM, "SIGSTRUCT in SEAMRR");
	expect_why(f, "SIGSTRUCT");

	default_params(&p, MODULE_PAGES);
	p.reserved[50] = 1;
	put_params(f, &p);
	expect_recoverable(f, SEAMLDR_EBADPARAM, "reserved byte");
	expect_why(f, "reserved byte 66");

	/* The parameters page itself not 4K-aligned. */
	{
		struct emu_regs r;

		default_params(&p, MODULE_PAGES);
		put_params(f, &p);
		for (unsigned lp = 0; lp + 1 < NLPS; lp++)
			assert_int_equal(sc1(f, lp, SEAMLDR_INSTALL, PARAMS_PA), SEAMLDR_SUCCESS);
		assert_int_equal(sc5(f, NLPS - 1, SEAMLDR_INSTALL, PARAMS_PA + 8, 0, 0, 0, &r),
				 SEAMLDR_EBADPARAM);
		assert_int_equal(r.rdx, 0);
		old_module_answers(f);
	}

	/* After all that, the good parameters install. */
	default_params(&p, MODULE_PAGES);
	put_params(f, &p);
	install_ok(f);
	check_new_module(f);
	fx_free(f);
}

static void test_bad_signature(void **state)
{
	struct fixture *f = fx_new();
	struct seamldr_params p;
	uint8_t *b;

	(void)state;
	partial_init(f);
	default_params(&p, MODULE_PAGES);
	put_params(f, &p);

	/* A flipped signature byte, in memory. */
	put_blob(f, B.good, B.good_len);
	{
		uint8_t v;

		assert_int_equal(fm_read(&f->fm, SIGSTRUCT_PA + SIGSTRUCT_SIGNATURE + 100, &v, 1), 0);
		v ^= 0x40;
		assert_int_equal(fm_write(&f->fm, SIGSTRUCT_PA + SIGSTRUCT_SIGNATURE + 100, &v, 1), 0);
	}
	expect_recoverable(f, SEAMLDR_EBADSIG, "flipped signature byte");
	expect_why(f, "signature");

	/* A signed byte changed after signing (SEAMSVN minor up). */
	b = blob_copy(B.good, B.good_len);
	sigstruct_of(b)[SIGSTRUCT_SEAMSVN] = 0x0c;
	put_blob(f, b, B.good_len);
	expect_recoverable(f, SEAMLDR_EBADSIG, "SEAMSVN changed after signing");
	expect_why(f, "signature");
	free(b);

	/* Another vendor, properly signed. */
	b = blob_copy(B.good, B.good_len);
	sigstruct_of(b)[SIGSTRUCT_MODULE_VENDOR] = 0x87;
	resign(b, B.good_len);
	put_blob(f, b, B.good_len);
	expect_recoverable(f, SEAMLDR_EBADSIG, "vendor 0x8087");
	expect_why(f, "vendor");
	free(b);

	/* A CPUID table without this CPU (0x806f8). */
	b = blob_copy(B.good, B.good_len);
	sigstruct_of(b)[SIGSTRUCT_CPUID_TABLE + 1] = 0x6c;	/* 0x806f0 -> 0x86cf0 */
	sigstruct_of(b)[SIGSTRUCT_CPUID_TABLE_SIZE] = 1;
	resign(b, B.good_len);
	put_blob(f, b, B.good_len);
	expect_recoverable(f, SEAMLDR_EUNSUPCPU, "CPUID table without the CPU");
	expect_why(f, "CPUID table");
	free(b);

	/* SEAMSVN major 0. */
	b = blob_copy(B.good, B.good_len);
	sigstruct_of(b)[SIGSTRUCT_SEAMSVN + 1] = 0;
	resign(b, B.good_len);
	put_blob(f, b, B.good_len);
	expect_recoverable(f, SEAMLDR_EUNSUPPORTED, "SEAMSVN major 0");
	expect_why(f, "major version 0");
	free(b);

	/* UPDATE: the emulator models LOAD only. */
	put_blob(f, B.good, B.good_len);
	default_params(&p, MODULE_PAGES);
	p.scenario = SEAMLDR_SCENARIO_UPDATE;
	put_params(f, &p);
	expect_recoverable(f, SEAMLDR_EUNSUPPORTED, "UPDATE");
	expect_why(f, "UPDATE");

	default_params(&p, MODULE_PAGES);
	put_params(f, &p);
	install_ok(f);
	check_new_module(f);
	fx_free(f);
}

/* ---- 4. Unrecoverable failures -------------------------------------------- */

/* After an unrecoverable failure: no module, SEAMEXTEND invalid. */
static void expect_no_module(struct fixture *f)
{
	struct seamldr_info info;

	for (unsigned lp = 0; lp < NLPS; lp++)
		module_vmfails(f, lp);
	ldr_info(f, &info);
	assert_int_equal(info.seam_ready, 0);
	assert_int_equal(info.p_seam_ready, 1);
	assert_int_equal(extend_valid(&info), 0);
	/* A LOAD cleared the SEAMDB and inserted nothing. */
	assert_int_equal(info.num_remaining_updates, f->e->ldr.seamdb_size);
}

static void test_bad_hash(void **state)
{
	struct fixture *f = fx_new();
	struct seamldr_info info;
	uint64_t rdx, st, v;

	(void)state;
	partial_init(f);
	stage_good(f);
	/* The last module page changed after signing. */
	v = fm_get64(&f->fm, MODULE_PA + 3 * PG + 200);
	fm_put64(&f->fm, MODULE_PA + 3 * PG + 200, v ^ 1);
	st = install_all(f, &rdx);
	assert_int_equal(st, SEAMLDR_EBADHASH);
	assert_int_equal(rdx, SEAMLDR_INSTALL_UNRECOVERABLE);
	expect_why(f, "SEAMHASH");
	expect_no_module(f);
	/* The BIOS module (SEAMSVN 1.4) ran with keys: a 1.3 LOAD still
	 * needs CLEANUP, though SEAMEXTEND no longer shows 1.4. */
	{
		uint8_t *b = blob_copy(B.good, B.good_len);

		sigstruct_of(b)[SIGSTRUCT_SEAMSVN] = 0x03;
		resign(b, B.good_len);
		put_blob(f, b, B.good_len);
		free(b);
		assert_int_equal(install_all(f, &rdx), SEAMLDR_ECLEANUPREQ);
		assert_int_equal(rdx, 0);
		expect_why(f, "after 0x104");
		expect_no_module(f);
		put_blob(f, B.good, B.good_len);
	}
	/* A failed session also ends: a new one may start on any LP. */
	fm_put64(&f->fm, MODULE_PA + 3 * PG + 200, v);
	install_ok(f);
	check_new_module(f);
	ldr_info(f, &info);
	check_extend(&info, B.good, GOOD_SVN);
	assert_int_equal(info.num_remaining_updates, f->e->ldr.seamdb_size - 1);
	fx_free(f);
}

static void test_not_emulated_image(void **state)
{
	struct fixture *f = fx_new();
	struct blob_spec s;
	uint8_t module[MODULE_PAGES * PG], *b;
	uint64_t x = 0x243f6a8885a308d3ull, rdx, st;
	size_t len;
	char why[128];

	(void)state;
	/* What Intel's module could look like: bytes with no BTDXEMU1 header,
	 * correctly hashed and signed. */
	for (size_t i = 0; i < sizeof(module); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		module[i] = (uint8_t)x;
	}
	assert_memory_not_equal(module, EMU_MODULE_IMAGE_MAGIC, 8);
	memset(&s, 0, sizeof(s));
	s.header_version = TDXBLOB_V1;
	s.date = 0x20250219;
	s.seamsvn = GOOD_SVN;
	s.cpuids[0] = 0x806f0;
	s.ncpuids = 1;
	b = blob_build(&s, module, sizeof(module), B.key, &len, why, sizeof(why));
	if (!b)
		fail_msg("blob_build: %s", why);
	assert_int_equal(len, B.good_len);

	partial_init(f);
	stage_good(f);
	put_blob(f, b, len);
	st = install_all(f, &rdx);
	assert_int_equal(st, SEAMLDR_EUNSUPPORTED);
	assert_int_equal(rdx, SEAMLDR_INSTALL_UNRECOVERABLE);
	expect_why(f, "cannot run Intel's code");
	expect_no_module(f);
	/* The header's reserved word must be 0 too. */
	memcpy(module, B.good + 2 * PG, EMU_MODULE_IMAGE_HDR_SIZE);
	module[22] = 1;
	free(b);
	b = blob_build(&s, module, sizeof(module), B.key, &len, why, sizeof(why));
	assert_non_null(b);
	put_blob(f, b, len);
	assert_int_equal(install_all(f, &rdx), SEAMLDR_EUNSUPPORTED);
	assert_int_equal(rdx, SEAMLDR_INSTALL_UNRECOVERABLE);
	expect_no_module(f);
	free(b);

	put_blob(f, B.good, B.good_len);
	install_ok(f);
	check_new_module(f);
	fx_free(f);
}

/* ---- 5. ECLEANUPREQ ------------------------------------------------------- */

static void test_cleanup_required(void **state)
{
	struct fixture *f = fx_new();
	struct seamldr_info info;
	uint8_t *b;
	uint64_t rdx;

	(void)state;
	stage_good(f);
	install_ok(f);
	check_new_module(f);	/* SYS.INIT + LP.INIT on LP 0 of 1.11 */

	/* 1.10 after 1.11 ran: a downgrade needs SEAMLDR.CLEANUP first. */
	b = blob_copy(B.good, B.good_len);
	sigstruct_of(b)[SIGSTRUCT_SEAMSVN] = 0x0a;
	resign(b, B.good_len);
	put_blob(f, b, B.good_len);
	assert_int_equal(install_all(f, &rdx), SEAMLDR_ECLEANUPREQ);
	assert_int_equal(rdx, 0);
	expect_why(f, "CLEANUP");
	/* Recoverable: 1.11 answers, still initialized. */
	assert_int_equal(sys_rd(f, 0, MD_SYS_UPDATE_VERSION), GOOD_UPDATE);
	assert_int_equal(sc1(f, 0, TDH_SYS_INIT, 0), TDX_SYS_INIT_NOT_PENDING);
	ldr_info(f, &info);
	check_extend(&info, B.good, GOOD_SVN);

	/* Another major version is refused the same way. */
	sigstruct_of(b)[SIGSTRUCT_SEAMSVN] = 0x0b;
	sigstruct_of(b)[SIGSTRUCT_SEAMSVN + 1] = 0x02;
	resign(b, B.good_len);
	put_blob(f, b, B.good_len);
	assert_int_equal(install_all(f, &rdx), SEAMLDR_ECLEANUPREQ);
	assert_int_equal(rdx, 0);
	free(b);

	/* The same SVN again is fine. */
	put_blob(f, B.good, B.good_len);
	install_ok(f);
	fx_free(f);
}

/* ---- 6. The P-SEAMLDR busy ------------------------------------------------ */

struct ldr_hook {
	unsigned fired;
	bool info_vmfail, module_vmfail;
};

static void inside_load(void *ctx, struct emu *e, unsigned lp, unsigned leaf)
{
	struct ldr_hook *h = ctx;
	struct emu_regs r, want;
	bool cf;

	if (leaf != (EMU_INSIDE_SEAMLDR | 1))
		return;
	h->fired++;
	assert_int_equal(lp, NLPS - 1);
	/* Another LP's SEAMLDR.INFO: one LP at a time in the P-SEAMLDR. */
	r = (struct emu_regs){ .rax = SEAMLDR_INFO, .rcx = INFO_PA_LDR };
	want = r;
	cf = false;
	emu_seamcall(e, 0, &r, &cf);
	h->info_vmfail = cf && !memcmp(&r, &want, sizeof(r));
	/* A module leaf: no module while the image loads. */
	r = (struct emu_regs){ .rax = TDH_SYS_RD, .rdx = MD_SYS_MAJOR_VERSION };
	want = r;
	cf = false;
	emu_seamcall(e, 1, &r, &cf);
	h->module_vmfail = cf && !memcmp(&r, &want, sizeof(r));
}

static void test_busy_while_loading(void **state)
{
	struct fixture *f = fx_new();
	struct ldr_hook h = { 0 };
	struct seamldr_info info;

	(void)state;
	stage_good(f);
	emu_set_inside_hook(f->e, inside_load, &h);
	install_ok(f);
	assert_int_equal(h.fired, 1);
	assert_true(h.info_vmfail);
	assert_true(h.module_vmfail);
	assert_false(f->e->seamldr_busy);
	emu_set_inside_hook(f->e, NULL, NULL);
	/* Afterwards both answer. */
	ldr_info(f, &info);
	check_extend(&info, B.good, GOOD_SVN);
	check_new_module(f);
	fx_free(f);
}

/* ---- 7. No BIOS-loaded module --------------------------------------------- */

static void test_no_bios_module(void **state)
{
	struct emu_config c;
	struct fixture *f;
	struct seamldr_info info;
	uint32_t before;

	(void)state;
	platform_config(&c);
	c.module_loaded = false;
	f = fx_new_cfg(&c);
	for (unsigned lp = 0; lp < NLPS; lp++)
		module_vmfails(f, lp);
	ldr_info(f, &info);
	assert_int_equal(info.seam_ready, 0);
	assert_int_equal(extend_valid(&info), 0);
	before = info.num_remaining_updates;

	/* UPDATE needs a running module. */
	{
		struct seamldr_params p;
		uint64_t rdx;

		put_blob(f, B.good, B.good_len);
		default_params(&p, MODULE_PAGES);
		p.scenario = SEAMLDR_SCENARIO_UPDATE;
		put_params(f, &p);
		assert_int_equal(install_all(f, &rdx), SEAMLDR_EBADPARAM);
		assert_int_equal(rdx, 0);
		module_vmfails(f, 0);
	}

	stage_good(f);
	install_ok(f);
	check_new_module(f);
	ldr_info(f, &info);
	check_extend(&info, B.good, GOOD_SVN);
	/* No module had taken a SEAMDB entry: this LOAD takes the first. */
	assert_int_equal(info.num_remaining_updates, before - 1);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_install),
		cmocka_unit_test(test_install_twice),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_bad_signature),
		cmocka_unit_test(test_bad_hash),
		cmocka_unit_test(test_not_emulated_image),
		cmocka_unit_test(test_cleanup_required),
		cmocka_unit_test(test_busy_while_loading),
		cmocka_unit_test(test_no_bios_module),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
