/* `tdx info [--json]` and `tdx tdmr`: what the host knows about the TDX
 * module after (or instead of) initialization. */
#include <string.h>
#include "kernel/log.h"
#include "kernel/shell.h"
#include "seam/tdx_host.h"
#include "seam/tdx_kernel.h"
#include "seam/tdx_status.h"

static const char *const state_names[] = {
	[TDX_HOST_NONE] = "none", [TDX_HOST_FAILED] = "failed",
	[TDX_HOST_READY] = "ready",
};

static const char *const ps_names[3] = { "4k", "2m", "1g" };

static void json_tdmrs(const struct tdmr_plan *p)
{
	kprintf("\"tdmrs\":[");
	for (unsigned i = 0; i < p->ntdmrs; i++) {
		const struct plan_tdmr *t = &p->tdmr[i];
		kprintf("%s{\"base\":%llu,\"size\":%llu,\"pamt\":{", i ? "," : "",
			(unsigned long long)t->base, (unsigned long long)t->size);
		for (int k = 0; k < 3; k++)
			kprintf("%s\"%s\":[%llu,%llu]", k ? "," : "", ps_names[k],
				(unsigned long long)t->pamt[k].base,
				(unsigned long long)t->pamt[k].size);
		kprintf("},\"reserved\":[");
		for (unsigned r = 0; r < t->nrsvd; r++)
			kprintf("%s[%llu,%llu]", r ? "," : "",
				(unsigned long long)t->rsvd[r].base,
				(unsigned long long)t->rsvd[r].size);
		kprintf("]}");
	}
	kprintf("]");
}

static void info_json(const struct tdx_host *h)
{
	const struct tdx_module_info *m = &h->info;

	kprintf("{\"state\":\"%s\",\"error\":\"%s\",\"version\":\"%u.%u.%u\","
		"\"build_num\":%u,\"build_date\":%u,\"features0\":%llu,",
		state_names[h->state], tdx_host_err_name(h->error), m->major,
		m->minor, m->update, m->build_num, m->build_date,
		(unsigned long long)m->features0);
	kprintf("\"limits\":{\"max_tdmrs\":%u,\"max_reserved_per_tdmr\":%u,"
		"\"pamt_entry_size\":[%u,%u,%u],\"max_vcpus_per_td\":%u},",
		m->max_tdmrs, m->max_rsvd_per_tdmr, m->pamt_entry_size[0],
		m->pamt_entry_size[1], m->pamt_entry_size[2], m->max_vcpus_per_td);
	/* No "free" count yet: nothing hands out TD KeyIDs before TDs exist
	 * ([td]), and a number that merely copied td_count would claim so. */
	kprintf("\"keyids\":{\"global\":%u,\"td_first\":%u,\"td_count\":%u},",
		h->global_keyid, h->td_keyid_first, h->td_keyid_count);
	kprintf("\"packages\":%u,\"cmrs\":[", h->npkgs);
	for (unsigned i = 0; i < m->ncmr; i++)
		kprintf("%s[%llu,%llu]", i ? "," : "", (unsigned long long)m->cmr[i].base,
			(unsigned long long)(m->cmr[i].base + m->cmr[i].size));
	kprintf("],");
	json_tdmrs(&h->plan);
	kprintf(",\"pamt_kb\":%llu,\"seamcalls\":{", (unsigned long long)(h->plan.pamt_bytes >> 10));
	bool first = true;
	for (unsigned l = 0; l < TDX_HOST_NLEAVES; l++) {
		if (!h->stats.calls[l])
			continue;
		kprintf("%s\"%s\":%llu", first ? "" : ",", tdx_leaf_name(l),
			(unsigned long long)h->stats.calls[l]);
		first = false;
	}
	kprintf("},\"phase_us\":{");
	for (unsigned p = 0; p < TDX_NPHASES; p++)
		kprintf("%s\"%s\":%llu", p ? "," : "", tdx_host_phase_name(p),
			(unsigned long long)h->stats.phase_us[p]);
	kprintf("},\"tdmr_init\":{\"calls\":%llu,\"critical_path\":%llu,\"cpus\":%u}}\n",
		(unsigned long long)h->stats.tdmr.calls,
		(unsigned long long)h->stats.tdmr.critical_path, h->stats.tdmr.nworkers);
}

static void info_text(const struct tdx_host *h)
{
	const struct tdx_module_info *m = &h->info;
	const struct tdmr_plan *p = &h->plan;

	kprintf("tdx: state %s%s%s\n", state_names[h->state],
		h->state == TDX_HOST_FAILED ? ": " : "",
		h->state == TDX_HOST_FAILED ? tdx_host_err_name(h->error) : "");
	if (h->state == TDX_HOST_NONE) {
		kprintf("tdx: not initialized (run 'tdx init'; 'tdx status' checks the prerequisites)\n");
		return;
	}
	kprintf("  module %u.%u.%u build %u date %u, TDX_FEATURES0 0x%llx\n", m->major,
		m->minor, m->update, m->build_num, m->build_date,
		(unsigned long long)m->features0);
	kprintf("  limits: %u TDMRs, %u reserved areas each, PAMT entries %u/%u/%u bytes, %u vCPUs per TD\n",
		m->max_tdmrs, m->max_rsvd_per_tdmr, m->pamt_entry_size[0],
		m->pamt_entry_size[1], m->pamt_entry_size[2], m->max_vcpus_per_td);
	kprintf("  KeyIDs: global %u, for TDs [%u, %u]\n", h->global_keyid,
		h->td_keyid_first, h->td_keyid_first + h->td_keyid_count - 1);
	kprintf("  packages: %u; KEY.CONFIG ran on CPU", h->npkgs);
	for (unsigned i = 0; i < h->npkgs; i++)
		kprintf(" %u", h->pkg_cpu[i]);
	kprintf("\n");
	for (unsigned i = 0; i < m->ncmr; i++)
		kprintf("  CMR: [0x%llx, 0x%llx)\n", (unsigned long long)m->cmr[i].base,
			(unsigned long long)(m->cmr[i].base + m->cmr[i].size));
	for (unsigned i = 0; i < p->ntdmrs; i++) {
		const struct plan_tdmr *t = &p->tdmr[i];
		kprintf("  TDMR %u: [0x%llx, 0x%llx), PAMT 4K 0x%llx+%lluK 2M 0x%llx+%lluK 1G 0x%llx+%lluK, %u reserved\n",
			i, (unsigned long long)t->base, (unsigned long long)(t->base + t->size),
			(unsigned long long)t->pamt[0].base, (unsigned long long)(t->pamt[0].size >> 10),
			(unsigned long long)t->pamt[1].base, (unsigned long long)(t->pamt[1].size >> 10),
			(unsigned long long)t->pamt[2].base, (unsigned long long)(t->pamt[2].size >> 10),
			t->nrsvd);
		for (unsigned r = 0; r < t->nrsvd; r++)
			kprintf("    reserved [0x%llx, 0x%llx)\n",
				(unsigned long long)(t->base + t->rsvd[r].base),
				(unsigned long long)(t->base + t->rsvd[r].base + t->rsvd[r].size));
	}
	kprintf("  PAMT: %llu KB\n", (unsigned long long)(p->pamt_bytes >> 10));
	kprintf("  SEAMCALLs:");
	for (unsigned l = 0; l < TDX_HOST_NLEAVES; l++)
		if (h->stats.calls[l])
			kprintf(" %s=%llu", tdx_leaf_name(l), (unsigned long long)h->stats.calls[l]);
	kprintf("\n  retries: busy %llu, entropy %llu, resume %llu\n",
		(unsigned long long)h->stats.busy_retries,
		(unsigned long long)h->stats.entropy_retries,
		(unsigned long long)h->stats.resumes);
	kprintf("  time per phase (us):");
	for (unsigned ph = 0; ph < TDX_NPHASES; ph++)
		kprintf(" %s=%llu", tdx_host_phase_name(ph),
			(unsigned long long)h->stats.phase_us[ph]);
	kprintf("\n  TDMR.INIT: %llu calls, %llu on the critical path, %u CPUs\n",
		(unsigned long long)h->stats.tdmr.calls,
		(unsigned long long)h->stats.tdmr.critical_path, h->stats.tdmr.nworkers);
}

int tdx_info(int argc, char **argv)
{
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json")))
		return CMD_USAGE;
	if (argc == 2)
		info_json(tdx_host());
	else
		info_text(tdx_host());
	return CMD_OK;
}

/* What one cell of the bar shows: P = PAMT, . = reserved (not
 * convertible, or PAMT of another TDMR), # = memory TDs can use. */
static char cell(const struct tdmr_plan *p, const struct plan_tdmr *t, uint64_t a)
{
	for (unsigned i = 0; i < p->ntdmrs; i++)
		for (int k = 0; k < 3; k++)
			if (a >= p->tdmr[i].pamt[k].base &&
			    a - p->tdmr[i].pamt[k].base < p->tdmr[i].pamt[k].size)
				return 'P';
	for (unsigned r = 0; r < t->nrsvd; r++)
		if (a - t->base >= t->rsvd[r].base &&
		    a - t->base - t->rsvd[r].base < t->rsvd[r].size)
			return '.';
	return '#';
}

int tdx_tdmr(void)
{
	const struct tdx_host *h = tdx_host();
	const struct tdmr_plan *p = &h->plan;
	enum { WIDTH = 64 };

	if (!p->ntdmrs) {
		kprintf("tdx: no TDMRs (the module is not initialized)\n");
		return CMD_FAIL;
	}
	kprintf("tdx tdmr: %u TDMRs, each bar is %u cells; # usable, . reserved, P PAMT\n",
		p->ntdmrs, WIDTH);
	for (unsigned i = 0; i < p->ntdmrs; i++) {
		const struct plan_tdmr *t = &p->tdmr[i];
		char bar[WIDTH + 1];
		for (unsigned c = 0; c < WIDTH; c++)
			bar[c] = cell(p, t, t->base + t->size / WIDTH * c + t->size / WIDTH / 2);
		bar[WIDTH] = 0;
		kprintf("  %2u [0x%011llx |%s| 0x%011llx) %llu GiB\n", i,
			(unsigned long long)t->base, bar,
			(unsigned long long)(t->base + t->size),
			(unsigned long long)(t->size >> 30));
	}
	return CMD_OK;
}
