/* The one SEAMCALL path of the host (design.md §6): the retry policy of
 * tdx-abi.md §1.5, per-leaf counters, the failure report, and one wrapper
 * per leaf, named after it, for the leaves module initialization uses
 * (§2.3 gives their registers). Pure; see seam/tdx_host.h. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

void tdx_host_log(struct tdx_host *h, int level, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	h->ops->log(h->ops->ctx, level, line);
}
