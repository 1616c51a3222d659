/* The host's SEAMCALL layer (design.md §6): the one SEAMCALL path with the
 * retry policy of tdx-abi.md §1.5, per-leaf counters and the failure
 * report; one wrapper per leaf, named after it, for the leaves module
 * initialization uses (§2.3 gives their registers); and the metadata
 * reader built on TDH.SYS.RD (§4.2). Pure; see seam/tdx_host.h. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "kernel/fmt.h"
#include "seam/tdx_host.h"
#include "seam/tdx_status.h"

static void count(uint64_t *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

static unsigned leaf_index(uint64_t rax)
{
	unsigned leaf = TDX_LEAF(rax);

	return leaf < TDX_HOST_NLEAVES ? leaf : TDX_HOST_NLEAVES - 1;
}

/* Leaves with a resume mode: TDH.PHYMEM.CACHE.WB takes RCX = 1 to go on
 * where TDX_INTERRUPTED_RESUMABLE stopped it (§1.5, LX kvm). */
static bool set_resume(struct tdx_regs *r)
{
	if (TDX_LEAF(r->rax) != TDH_PHYMEM_CACHE_WB)
		return false;
	r->rcx = 1;
	return true;
}

static bool is_expected(uint64_t st, uint64_t expected)
{
	return expected && (st == expected || (st & TDX_STATUS_MASK) == expected);
}

/* The first failure of an init is printed and kept in h->fail; later
 * ones (other CPUs of a parallel phase) are only counted. */
static void report_failure(struct tdx_host *h, unsigned cpu, uint64_t rax_in, uint64_t st,
			   const struct tdx_regs *r)
{
	const char *leaf = tdx_leaf_name(rax_in);
	char status[128];

	if (__atomic_fetch_add(&h->nfailed, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	h->fail = (struct tdx_host_fail){ st, rax_in, cpu, *r };
	tdx_status_describe(st, status, sizeof(status));
	if (leaf)
		tdx_host_log(h, TDX_LOG_ERR, "tdx: SEAMCALL %s failed: %s on CPU %u", leaf, status, cpu);
	else
		tdx_host_log(h, TDX_LOG_ERR, "tdx: SEAMCALL (0x%016llx) failed: %s on CPU %u",
			     (unsigned long long)rax_in, status, cpu);
	tdx_host_log(h, TDX_LOG_ERR,
		     "tdx: RCX 0x%016llx RDX 0x%016llx R08 0x%016llx R09 0x%016llx R10 0x%016llx R11 0x%016llx",
		     (unsigned long long)r->rcx, (unsigned long long)r->rdx,
		     (unsigned long long)r->r8, (unsigned long long)r->r9,
		     (unsigned long long)r->r10, (unsigned long long)r->r11);
}

uint64_t tdx_seamcall(struct tdx_host *h, unsigned cpu, struct tdx_regs *r, uint64_t expected)
{
	const struct tdx_regs in = *r;
	unsigned leaf = leaf_index(in.rax);
	unsigned busy = 0, entropy = 0, resumes = 0;
	uint64_t st;

	for (;;) {
		st = h->ops->seamcall(h->ops->ctx, cpu, r);
		count(&h->stats.calls[leaf]);
		switch (tdx_status_retry_class(st)) {
		case TDX_RETRY_BUSY:
			if (busy++ == TDX_HOST_BUSY_RETRIES)
				goto done;
			count(&h->stats.busy_retries);
			break;
		case TDX_RETRY_ENTROPY:
			if (entropy++ == TDX_HOST_ENTROPY_RETRIES)
				goto done;
			count(&h->stats.entropy_retries);
			break;
		case TDX_RETRY_RESUME:
			/* Resume keeps the module's progress: inputs change. */
			*r = in;
			if (resumes++ == TDX_HOST_RESUME_RETRIES || !set_resume(r))
				goto done;
			count(&h->stats.resumes);
			count(&h->stats.retries[leaf]);
			continue;
		default:
			goto done;
		}
		/* The module may have written outputs: re-issue the inputs. */
		count(&h->stats.retries[leaf]);
		*r = in;
	}
done:
	if (TDX_IS_ERROR(st) && !is_expected(st, expected))
		report_failure(h, cpu, in.rax, st, r);
	return st;
}

uint64_t tdh_sys_init(struct tdx_host *h, unsigned cpu)
{
	/* RCX = attributes, all reserved in 1.5. VMfailInvalid means no
	 * module: the caller says so in Linux's words. */
	struct tdx_regs r = { .rax = TDH_SYS_INIT };

	return tdx_seamcall(h, cpu, &r, TDX_SEAMCALL_VMFAILINVALID);
}

uint64_t tdh_sys_lp_init(struct tdx_host *h, unsigned cpu)
{
	struct tdx_regs r = { .rax = TDH_SYS_LP_INIT };

	return tdx_seamcall(h, cpu, &r, 0);
}

uint64_t tdh_sys_rd(struct tdx_host *h, unsigned cpu, uint64_t field, bool optional, uint64_t *value)
{
	struct tdx_regs r = { .rax = TDH_SYS_RD, .rdx = field };
	uint64_t st = tdx_seamcall(h, cpu, &r, optional ? TDX_METADATA_FIELD_ID_INCORRECT : 0);

	if (st == TDX_SUCCESS)
		*value = r.r8;
	return st;
}

uint64_t tdh_sys_config(struct tdx_host *h, unsigned cpu, uint64_t array_pa, unsigned ntdmrs,
			uint16_t global_keyid)
{
	struct tdx_regs r = { .rax = TDH_SYS_CONFIG, .rcx = array_pa, .rdx = ntdmrs,
			      .r8 = global_keyid };

	return tdx_seamcall(h, cpu, &r, 0);
}

uint64_t tdh_sys_key_config(struct tdx_host *h, unsigned cpu)
{
	struct tdx_regs r = { .rax = TDH_SYS_KEY_CONFIG };

	return tdx_seamcall(h, cpu, &r, 0);
}

uint64_t tdh_sys_tdmr_init(struct tdx_host *h, unsigned cpu, uint64_t tdmr_base, uint64_t *next)
{
	struct tdx_regs r = { .rax = TDH_SYS_TDMR_INIT, .rcx = tdmr_base };
	uint64_t st = tdx_seamcall(h, cpu, &r, 0);

	if (st == TDX_SUCCESS)
		*next = r.rdx;
	return st;
}

/* ---- Metadata through TDH.SYS.RD (§4.2) ---------------------------------- */

struct md_item {
	uint64_t id;
	uint16_t offset, size;	/* of the struct tdx_module_info member */
	bool optional;		/* Linux does not read it: may be absent */
};

#define MD(id, member, optional) \
	{ id, offsetof(struct tdx_module_info, member), \
	  sizeof(((struct tdx_module_info *)0)->member), optional }

static const struct md_item md_items[] = {
	MD(MD_SYS_MAJOR_VERSION, major, false),
	MD(MD_SYS_MINOR_VERSION, minor, false),
	MD(MD_SYS_UPDATE_VERSION, update, false),
	MD(MD_SYS_INTERNAL_VERSION, internal, true),
	MD(MD_SYS_VENDOR_ID, vendor_id, true),
	MD(MD_SYS_BUILD_DATE, build_date, true),
	MD(MD_SYS_BUILD_NUM, build_num, true),
	MD(MD_SYS_SYS_ATTRIBUTES, sys_attributes, true),
	MD(MD_SYS_TDX_FEATURES0, features0, false),
	MD(MD_SYS_NUM_PKGS, num_pkgs, true),
	MD(MD_SYS_MAX_TDMRS, max_tdmrs, false),
	MD(MD_SYS_MAX_RESERVED_PER_TDMR, max_rsvd_per_tdmr, false),
	MD(MD_SYS_PAMT_4K_ENTRY_SIZE, pamt_entry_size[TDX_PS_4K], false),
	MD(MD_SYS_PAMT_2M_ENTRY_SIZE, pamt_entry_size[TDX_PS_2M], false),
	MD(MD_SYS_PAMT_1G_ENTRY_SIZE, pamt_entry_size[TDX_PS_1G], false),
	MD(MD_SYS_TDR_BASE_SIZE, tdr_base_size, false),
	MD(MD_SYS_TDCS_BASE_SIZE, tdcs_base_size, false),
	MD(MD_SYS_TDVPS_BASE_SIZE, tdvps_base_size, false),
	MD(MD_SYS_ATTRIBUTES_FIXED0, attributes_fixed0, false),
	MD(MD_SYS_ATTRIBUTES_FIXED1, attributes_fixed1, false),
	MD(MD_SYS_XFAM_FIXED0, xfam_fixed0, false),
	MD(MD_SYS_XFAM_FIXED1, xfam_fixed1, false),
	MD(MD_SYS_CONFIG_FLAGS_FIXED0, config_flags_fixed0, true),
	MD(MD_SYS_CONFIG_FLAGS_FIXED1, config_flags_fixed1, true),
	MD(MD_SYS_NUM_CPUID_CONFIG, num_cpuid_config, false),
};

/* Returns 1 when read, 0 when an optional field is absent, -1 on error. */
static int md_read(struct tdx_host *h, unsigned cpu, uint64_t id, bool optional, uint64_t *v)
{
	uint64_t st = tdh_sys_rd(h, cpu, id, optional, v);

	if (st == TDX_SUCCESS)
		return 1;
	return optional && (st & TDX_STATUS_MASK) == TDX_METADATA_FIELD_ID_INCORRECT ? 0 : -1;
}

static int read_cmrs(struct tdx_host *h, unsigned cpu)
{
	struct tdx_module_info *m = &h->info;
	uint64_t num, base, size;

	/* 1.5.01 reports MAX_CMR here, with null entries of size 0. */
	if (md_read(h, cpu, MD_SYS_NUM_CMRS, false, &num) < 0)
		return TDX_HOST_ERR_SEAMCALL;
	for (unsigned i = 0; i < num && i < TDX_MAX_CMRS; i++) {
		if (md_read(h, cpu, MD_ELEM(MD_SYS_CMR_SIZE, i), false, &size) < 0)
			return TDX_HOST_ERR_SEAMCALL;
		if (size == 0)
			continue;
		if (md_read(h, cpu, MD_ELEM(MD_SYS_CMR_BASE, i), false, &base) < 0)
			return TDX_HOST_ERR_SEAMCALL;
		m->cmr[m->ncmr++] = (struct plan_range){ base, size };
	}
	return 0;
}

static int read_cpuid_config(struct tdx_host *h, unsigned cpu)
{
	struct tdx_module_info *m = &h->info;
	uint64_t leaf, v0, v1;

	if (m->num_cpuid_config > TDX_HOST_MAX_CPUID_CONFIG) {
		tdx_host_log(h, TDX_LOG_ERR, "tdx: %u CPUID config entries, TD_PARAMS holds %u",
			     m->num_cpuid_config, TDX_HOST_MAX_CPUID_CONFIG);
		return TDX_HOST_ERR_MODULE;
	}
	for (unsigned i = 0; i < m->num_cpuid_config; i++) {
		if (md_read(h, cpu, MD_ELEM(MD_SYS_CPUID_CONFIG_LEAVES, i), false, &leaf) < 0 ||
		    md_read(h, cpu, MD_SYS_CPUID_CONFIG_VALUE(i, 0), false, &v0) < 0 ||
		    md_read(h, cpu, MD_SYS_CPUID_CONFIG_VALUE(i, 1), false, &v1) < 0)
			return TDX_HOST_ERR_SEAMCALL;
		/* Low halves: leaf, EAX, ECX; high: sub-leaf, EBX, EDX. */
		m->cpuid_config[i] = (struct tdx_cpuid_config){
			(uint32_t)leaf, (uint32_t)(leaf >> 32),
			(uint32_t)v0, (uint32_t)(v0 >> 32), (uint32_t)v1, (uint32_t)(v1 >> 32) };
	}
	return 0;
}

int tdx_read_metadata(struct tdx_host *h, unsigned cpu)
{
	struct tdx_module_info *m = &h->info;
	uint64_t v;
	int found, err;

	for (size_t i = 0; i < sizeof(md_items) / sizeof(md_items[0]); i++) {
		const struct md_item *it = &md_items[i];

		found = md_read(h, cpu, it->id, it->optional, &v);
		if (found < 0)
			return TDX_HOST_ERR_SEAMCALL;
		/* x86 is little-endian: the member takes v's low bytes. */
		if (found)
			memcpy((char *)m + it->offset, &v, it->size);
	}
	/* Absent from 1.5.01; KVM then assumes no limit (§4.2). */
	found = md_read(h, cpu, MD_SYS_MAX_VCPUS_PER_TD, true, &v);
	if (found < 0)
		return TDX_HOST_ERR_SEAMCALL;
	m->has_max_vcpus_per_td = found;
	m->max_vcpus_per_td = found ? (uint16_t)v : 0xffff;
	if ((err = read_cmrs(h, cpu)))
		return err;
	return read_cpuid_config(h, cpu);
}

void tdx_host_log(struct tdx_host *h, int level, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	h->ops->log(h->ops->ctx, level, line);
}
