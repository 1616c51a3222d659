/* The emulated P-SEAMLDR (tdx-abi.md §8): SEAMLDR.INFO and SEAMLDR.INSTALL.
 *
 * It keeps the loader's contract as PSL seamldr_install.c states it:
 *   - every LP calls INSTALL once per session (a second call on one LP is
 *     EBADCALL); the first call blocks the old module (SEAM_READY = 0);
 *     calls before the last LP return 0 at once;
 *   - the last LP (when the count reaches the LPs MCHECK counted) checks
 *     SEAMLDR_PARAMS and the SIGSTRUCT, loads and hashes the image, and
 *     the new module starts in SYSINIT_PENDING;
 *   - a failure before the SEAM range is touched is recoverable (RDX 0;
 *     the old module answers again), after it unrecoverable (RDX 1; no
 *     module until a later INSTALL succeeds);
 *   - SEAMEXTEND afterwards holds the SEAMSVN and MRSEAM (= SEAMHASH);
 *     MRSIGNER stays zero, as PSL writes it.
 *
 * What it does not do, and says so in ldr.why: run Intel's code. A module
 * image must start with the EMU_MODULE_IMAGE_MAGIC header (seam/emu/emu.h)
 * that names the version the emulated module then reports. It accepts any
 * signing key (a real P-SEAMLDR accepts only Intel's) and does not model
 * debug-unlock, UPDATE with handoff data, SHUTDOWN or CLEANUP. */
#include <stdarg.h>
#include <string.h>
#include "kernel/fmt.h"
#include "seam/emu/emu.h"
#include "seam/emu/emu_internal.h"
#include "seam/sha384.h"
#include "seam/tdx_abi.h"

/* num_remaining_updates a LOAD resets to (PSL: SEAMDB cleared, then one
 * entry inserted for the new module). */
void emu_ldr_init(struct emu *e)
{
	struct emu_module *m = &e->module;

	m->major = EMU_MODULE_MAJOR;
	m->minor = EMU_MODULE_MINOR;
	m->update = EMU_MODULE_UPDATE;
	m->internal = EMU_MODULE_INTERNAL;
	m->build_date = EMU_MODULE_BUILD_DATE;
	m->build_num = EMU_MODULE_BUILD_NUM;
	m->seamsvn = EMU_MODULE_SEAMSVN;
	m->max_tdmrs = EMU_MAX_TDMRS;
	m->module_hv = e->cfg.module_hv;
	m->min_update_hv = e->cfg.min_update_hv;
	m->no_downgrade = e->cfg.no_downgrade;
	e->module_ready = e->cfg.module_loaded;
	e->ldr.remaining = e->cfg.num_remaining_updates;
	/* The BIOS-loaded module took one SEAMDB entry. */
	e->ldr.seamdb_size = e->cfg.num_remaining_updates + (e->cfg.module_loaded ? 1 : 0);
	e->ldr.extend_valid = e->cfg.module_loaded;
	e->ldr.keys_dirty = e->cfg.module_loaded;
	e->ldr.tcb_svn = e->cfg.module_loaded ? EMU_MODULE_SEAMSVN : 0;
}

/* ---- SEAMLDR.INFO (§8.2) ------------------------------------------------- */

static uint64_t seamldr_info(struct emu *e, unsigned lp, uint64_t pa)
{
	struct seamldr_info info;
	uint64_t valid = e->ldr.extend_valid ? 0x1ff : 0;

	/* PSL check_and_map_aligned_shared_hpa(): only the start address is
	 * tested against SEAMRR. */
	if ((pa & (SEAMLDR_INFO_ALIGN - 1)) || !emu_pa_below_maxpa(e, pa) ||
	    emu_overlap(pa & ~e->hkid_mask, 1, e->cfg.seamrr_base, e->cfg.seamrr_size) ||
	    emu_hkid_of(e, pa) >= e->hkid_min)
		return SEAMLDR_EBADPARAM;

	memset(&info, 0, sizeof(info));
	info.vendor_id = 0x8086;
	info.build_date = e->cfg.seamldr_build_date;
	info.build_num = e->cfg.seamldr_build_num;
	info.minor_version = e->cfg.seamldr_minor;
	info.major_version = e->cfg.seamldr_major;
	info.update_version = e->cfg.seamldr_update;
	info.num_remaining_updates = e->ldr.remaining;
	memcpy(&info.seam_info[SEAMLDR_SEAMEXTEND_VALID], &valid, sizeof(valid));
	if (e->ldr.extend_valid) {
		info.seam_info[SEAMLDR_SEAMEXTEND_TEE_TCB_SVN] = e->ldr.tcb_svn & 0xff;
		info.seam_info[SEAMLDR_SEAMEXTEND_TEE_TCB_SVN + 1] = e->ldr.tcb_svn >> 8;
		memcpy(&info.seam_info[SEAMLDR_SEAMEXTEND_MRSEAM], e->ldr.mrseam, 48);
	}
	info.seam_ready = e->module_ready;
	info.p_seam_ready = 1;
	/* Other LPs run meanwhile and find the P-SEAMLDR busy. */
	emu_inside(e, lp, EMU_INSIDE_SEAMLDR | 0);
	/* Memory that is not RAM fails like a bad address. */
	return emu_write(e, pa, &info, sizeof(info)) ? SEAMLDR_EBADPARAM : SEAMLDR_SUCCESS;
}

/* ---- SEAMLDR.INSTALL (§8.3-§8.4) ---------------------------------------- */

static uint64_t ldr_fail(struct emu *e, uint64_t status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(e->ldr.why, sizeof(e->ldr.why), fmt, ap);
	va_end(ap);
	return status;
}

static uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

/* PSL check_seamldr_params(). */
static uint64_t check_params(struct emu *e, const struct seamldr_params *p)
{
	if (p->version != 0)
		return ldr_fail(e, SEAMLDR_EBADPARAM, "SEAMLDR_PARAMS version %u, not 0", p->version);
	for (unsigned i = 0; i < sizeof(p->reserved); i++)
		if (p->reserved[i])
			return ldr_fail(e, SEAMLDR_EBADPARAM, "SEAMLDR_PARAMS reserved byte %u not zero", 16 + i);
	if (p->scenario != SEAMLDR_SCENARIO_LOAD && p->scenario != SEAMLDR_SCENARIO_UPDATE)
		return ldr_fail(e, SEAMLDR_EBADPARAM, "unknown scenario %u", p->scenario);
	if (p->num_module_pages < 1 || p->num_module_pages > SEAMLDR_MAX_MODULE_PAGES)
		return ldr_fail(e, SEAMLDR_EBADPARAM, "%llu module pages, expected 1..496",
				(unsigned long long)p->num_module_pages);
	for (unsigned i = 0; i < p->num_module_pages; i++)
		if (!emu_shared_hpa_ok(e, p->module_pages_pa[i], EMU_4K))
			return ldr_fail(e, SEAMLDR_EBADPARAM, "module page %u at 0x%llx is not a valid shared 4K-aligned address",
					i, (unsigned long long)p->module_pages_pa[i]);
	if (!emu_shared_hpa_ok(e, p->sigstruct_pa, EMU_4K))
		return ldr_fail(e, SEAMLDR_EBADPARAM, "SIGSTRUCT at 0x%llx is not a valid shared 4K-aligned address",
				(unsigned long long)p->sigstruct_pa);
	if (p->scenario == SEAMLDR_SCENARIO_UPDATE && !e->ldr.ready_snapshot)
		return ldr_fail(e, SEAMLDR_EBADPARAM, "UPDATE without a running module");
	return SEAMLDR_SUCCESS;
}

/* Every package's CPUID.1.EAX in the table (PSL check_cpuid_support). */
static bool cpus_supported(const struct emu *e, const struct tdxblob *b)
{
	for (unsigned p = 0; p < e->cfg.npkgs; p++)
		if (!tdxblob_cpu_supported(b, e->cfg.pkg_fms[p]))
			return false;
	return true;
}

/* PSL verify_manifest(), in its order. The key-hash check against
 * Intel's signer is the one rule left out: any key may sign. */
static uint64_t verify_manifest(struct emu *e, const struct seamldr_params *p)
{
	struct tdxblob *b = &e->ldr.blob;
	static const unsigned sig_checks[] = {
		TDXBLOB_CHECK_SIGSTRUCT_RESERVED, TDXBLOB_CHECK_SIGSTRUCT_HEADER,
		TDXBLOB_CHECK_KEY_SIZES, TDXBLOB_CHECK_VENDOR,
	};
	uint16_t cur = e->ldr.tcb_svn;

	memset(b, 0, sizeof(*b));
	b->module_pages = (uint32_t)p->num_module_pages;
	tdxblob_check_sigstruct(b, e->ldr.sigstruct);
	for (unsigned i = 0; i < sizeof(sig_checks) / sizeof(sig_checks[0]); i++)
		if (b->result[sig_checks[i]] == TDXBLOB_FAIL)
			return ldr_fail(e, SEAMLDR_EBADSIG, "%s", b->why[sig_checks[i]]);
	if ((b->seamsvn >> 8) == 0)
		return ldr_fail(e, SEAMLDR_EUNSUPPORTED, "SEAMSVN major version 0");
	if (p->scenario == SEAMLDR_SCENARIO_LOAD && e->ldr.keys_dirty &&
	    ((b->seamsvn >> 8) != (cur >> 8) || (b->seamsvn & 0xff) < (cur & 0xff)))
		return ldr_fail(e, SEAMLDR_ECLEANUPREQ, "SEAMSVN 0x%x after 0x%x with keys in use: SEAMLDR.CLEANUP first",
				b->seamsvn, cur);
	if (b->result[TDXBLOB_CHECK_SIGSTRUCT_FIELDS] == TDXBLOB_FAIL && b->ncpuids != 0)
		return ldr_fail(e, SEAMLDR_EBADSIG, "%s", b->why[TDXBLOB_CHECK_SIGSTRUCT_FIELDS]);
	if (b->ncpuids && !cpus_supported(e, b))
		return ldr_fail(e, SEAMLDR_EUNSUPCPU, "CPU 0x%x is not in the module's CPUID table",
				e->cfg.pkg_fms[0]);
	if (b->result[TDXBLOB_CHECK_SIGSTRUCT_FIELDS] == TDXBLOB_FAIL)
		return ldr_fail(e, SEAMLDR_EBADSIG, "%s", b->why[TDXBLOB_CHECK_SIGSTRUCT_FIELDS]);
	if (b->result[TDXBLOB_CHECK_SIGNATURE] != TDXBLOB_PASS)
		return ldr_fail(e, SEAMLDR_EBADSIG, "%s", b->why[TDXBLOB_CHECK_SIGNATURE]);
	return SEAMLDR_SUCCESS;
}

/* What the emulated module can be: the TDMR_INFO layout and PAMT entry
 * format are compiled in (PSL would size the module's memory instead). */
static uint64_t check_limits(struct emu *e, const struct tdxblob *b)
{
	if (b->max_tdmrs > EMU_MAX_TDMRS)
		return ldr_fail(e, SEAMLDR_ENOMEM, "max_tdmrs %u: the emulator holds at most %u",
				b->max_tdmrs, EMU_MAX_TDMRS);
	if (b->max_rsvd_per_tdmr && b->max_rsvd_per_tdmr != EMU_MAX_RSVD)
		return ldr_fail(e, SEAMLDR_EUNSUPPORTED, "max_rsvd_per_tdmr %u: the emulator models only %u",
				b->max_rsvd_per_tdmr, EMU_MAX_RSVD);
	for (unsigned i = 0; i < 3; i++)
		if (b->pamt_entry_size[i] && b->pamt_entry_size[i] != EMU_PAMT_ENTRY_SIZE)
			return ldr_fail(e, SEAMLDR_EUNSUPPORTED, "PAMT entry size %u: the emulator models only %u",
					b->pamt_entry_size[i], EMU_PAMT_ENTRY_SIZE);
	return SEAMLDR_SUCCESS;
}

/* Copies and hashes the image (PSL seam_module_load_and_verify); the first
 * page is kept in ldr.page for the emulated-module header. */
static uint64_t load_image(struct emu *e, const struct seamldr_params *p, unsigned lp)
{
	uint8_t hash[48], first[EMU_MODULE_IMAGE_HDR_SIZE];
	struct sha384_ctx c;

	emu_inside(e, lp, EMU_INSIDE_SEAMLDR | 1);
	sha384_init(&c);
	for (unsigned i = 0; i < p->num_module_pages; i++) {
		if (emu_read(e, p->module_pages_pa[i], e->ldr.page, EMU_4K))
			return ldr_fail(e, SEAMLDR_EBADPARAM, "module page %u at 0x%llx is not memory",
					i, (unsigned long long)p->module_pages_pa[i]);
		if (i == 0)
			memcpy(first, e->ldr.page, sizeof(first));
		sha384_update(&c, e->ldr.page, EMU_4K);
	}
	sha384_final(&c, hash);
	if (memcmp(hash, e->ldr.blob.seamhash, sizeof(hash)))
		return ldr_fail(e, SEAMLDR_EBADHASH, "SHA-384 of the %llu module pages differs from SEAMHASH",
				(unsigned long long)p->num_module_pages);
	if (memcmp(first, EMU_MODULE_IMAGE_MAGIC, 8) || le16(first + 22))
		return ldr_fail(e, SEAMLDR_EUNSUPPORTED,
				"verified, but not an emulated-module image: the emulator cannot run Intel's code");
	memcpy(e->ldr.page, first, sizeof(first));
	return SEAMLDR_SUCCESS;
}

static void adopt_module(struct emu *e)
{
	const struct tdxblob *b = &e->ldr.blob;
	const uint8_t *h = e->ldr.page;
	struct emu_module *m = &e->module;

	emu_module_reset(e);
	memset(m, 0, sizeof(*m));
	m->major = (uint16_t)le16(h + 8);
	m->minor = (uint16_t)le16(h + 10);
	m->update = (uint16_t)le16(h + 12);
	m->internal = (uint16_t)le16(h + 14);
	m->build_date = le16(h + 16) | le16(h + 18) << 16;
	m->build_num = (uint16_t)le16(h + 20);
	m->seamsvn = b->seamsvn;
	m->max_tdmrs = b->max_tdmrs ? b->max_tdmrs : EMU_MAX_TDMRS;
	m->module_hv = b->module_hv;
	m->min_update_hv = b->min_update_hv;
	m->no_downgrade = b->no_downgrade != 0;
	memcpy(m->mrseam, b->seamhash, sizeof(m->mrseam));
	e->ldr.extend_valid = true;
	e->ldr.tcb_svn = b->seamsvn;
	memcpy(e->ldr.mrseam, b->seamhash, sizeof(e->ldr.mrseam));
	e->ldr.keys_dirty = true;
	e->module_ready = true;
}

/* The last LP's work; *unrecoverable tells the epilogue what failed. */
static uint64_t install_last(struct emu *e, unsigned lp, uint64_t params_pa,
			     bool *unrecoverable)
{
	/* PSL copies the parameters once; later changes to the page do not
	 * matter. */
	struct seamldr_params *p = (struct seamldr_params *)e->ldr.params;
	uint64_t st;

	_Static_assert(sizeof(e->ldr.params) == sizeof(*p), "SEAMLDR_PARAMS copy");
	if (!emu_shared_hpa_ok(e, params_pa, EMU_4K) ||
	    emu_read(e, params_pa, p, sizeof(*p)))
		return ldr_fail(e, SEAMLDR_EBADPARAM, "SEAMLDR_PARAMS at 0x%llx is not a valid shared 4K-aligned page",
				(unsigned long long)params_pa);
	if ((st = check_params(e, p)) != SEAMLDR_SUCCESS)
		return st;
	if (emu_read(e, p->sigstruct_pa, e->ldr.sigstruct, sizeof(e->ldr.sigstruct)))
		return ldr_fail(e, SEAMLDR_EBADPARAM, "SIGSTRUCT page is not memory");
	if ((st = verify_manifest(e, p)) != SEAMLDR_SUCCESS)
		return st;
	if (p->scenario == SEAMLDR_SCENARIO_UPDATE)
		return ldr_fail(e, SEAMLDR_EUNSUPPORTED, "the emulated P-SEAMLDR models LOAD only, not UPDATE");
	if ((st = check_limits(e, &e->ldr.blob)) != SEAMLDR_SUCCESS)
		return st;
	/* LOAD: SEAMDB cleared, the SEAM range wiped; from here on the old
	 * module is gone whatever happens. */
	*unrecoverable = true;
	e->ldr.remaining = e->ldr.seamdb_size;
	e->ldr.extend_valid = false;
	emu_module_reset(e);
	if ((st = load_image(e, p, lp)) != SEAMLDR_SUCCESS)
		return st;
	adopt_module(e);
	if (e->ldr.remaining)
		e->ldr.remaining--;
	return SEAMLDR_SUCCESS;
}

static uint64_t seamldr_install(struct emu *e, unsigned lp, struct emu_regs *r)
{
	struct emu_ldr *l = &e->ldr;
	bool unrecoverable = false;
	uint64_t st;

	r->rdx = SEAMLDR_INSTALL_RECOVERABLE;
	if (l->update_bitmap[lp / 8] & (1u << (lp % 8)))
		return SEAMLDR_EBADCALL;	/* twice on one LP this session */
	l->update_bitmap[lp / 8] |= (uint8_t)(1u << (lp % 8));
	if (l->lps_in_update++ == 0) {
		/* The first LP blocks SEAMCALLs to the old module. */
		l->ready_snapshot = e->module_ready;
		e->module_ready = false;
	}
	if (l->lps_in_update < e->cfg.nlps)
		return SEAMLDR_SUCCESS;

	l->why[0] = 0;
	st = install_last(e, lp, r->rcx, &unrecoverable);
	if (st != SEAMLDR_SUCCESS) {
		if (unrecoverable) {
			/* tcb_svn stays: INFO hides it (extend_valid 0), and
			 * it is the SVN of the last module that ran, which the
			 * ECLEANUPREQ rule compares against while keys_dirty. */
			l->extend_valid = false;
			memset(l->mrseam, 0, sizeof(l->mrseam));
			e->module_ready = false;
		} else {
			e->module_ready = l->ready_snapshot;
		}
		r->rdx = unrecoverable ? SEAMLDR_INSTALL_UNRECOVERABLE : SEAMLDR_INSTALL_RECOVERABLE;
	}
	l->last_status = st;
	memset(l->update_bitmap, 0, sizeof(l->update_bitmap));
	l->lps_in_update = 0;
	return st;
}

uint64_t emu_seamldr_leaf(struct emu *e, unsigned lp, struct emu_regs *r)
{
	switch (r->rax) {
	case SEAMLDR_INFO:
		return seamldr_info(e, lp, r->rcx);
	case SEAMLDR_INSTALL:
		return seamldr_install(e, lp, r);
	case SEAMLDR_SHUTDOWN:
	case SEAMLDR_SEAMINFO:
	case SEAMLDR_CLEANUP:
		return SEAMLDR_EUNSUPPORTED;
	default:
		/* PSL dispatcher: unknown leaf. */
		return SEAMLDR_EBADPARAM;
	}
}
