/* TDX module initialization, the sequence of tdx-abi.md §3.3 with Linux's
 * unwind (§5.5 end): see seam/tdx_host.h. SEAMCALLs, their retries and
 * their failure reports are in tdx_leaves.c; this file decides the order,
 * allocates, and gives everything back when a step fails. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "kernel/fmt.h"
#include "seam/tdx_host.h"
#include "seam/tdx_status.h"

#define BOOT_CPU	0	/* SYS.INIT, SYS.RD and SYS.CONFIG run here */

static uint64_t now(const struct tdx_host *h)
{
	return h->ops->now_us(h->ops->ctx);
}

static uint64_t round_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

static unsigned min_u(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

/* ---- Set-up ------------------------------------------------------------- */

static bool ops_complete(const struct tdx_host_ops *o)
{
	return o && o->ncpus && o->ncpus <= TDX_HOST_MAX_CPUS && o->cpu_package && o->seamcall &&
	       o->run_parallel && o->wbinvd_all && o->alloc_pages && o->free_pages &&
	       o->phys_to_virt && o->log && o->now_us;
}

/* Packages in order of their first CPU; h->pkg_cpu[] is that CPU. */
static int find_packages(struct tdx_host *h)
{
	unsigned id[TDX_HOST_MAX_PKGS];

	h->npkgs = 0;
	for (unsigned cpu = 0; cpu < h->ops->ncpus; cpu++) {
		unsigned pkg = h->ops->cpu_package(h->ops->ctx, cpu), p = 0;

		while (p < h->npkgs && id[p] != pkg)
			p++;
		if (p == h->npkgs) {
			if (p == TDX_HOST_MAX_PKGS) {
				tdx_host_log(h, TDX_LOG_ERR, "tdx: more than %u packages",
					     TDX_HOST_MAX_PKGS);
				return TDX_HOST_ERR_TOPOLOGY;
			}
			id[p] = pkg;
			h->pkg_cpu[h->npkgs++] = cpu;
		}
		h->cpu_pkg[cpu] = (uint8_t)p;
	}
	return 0;
}

/* TDX KeyIDs are [MKTME + 1, MKTME + TDX]; the first is the module's
 * global KeyID, the rest are for TDs, so fewer than two is no TDX (§3.4). */
static int check_keyids(struct tdx_host *h)
{
	if (h->num_tdx_keyids < 2) {
		tdx_host_log(h, TDX_LOG_ERR,
			     "tdx: initialization failed: too few private KeyIDs available.");
		return TDX_HOST_ERR_KEYIDS;
	}
	if ((uint64_t)h->num_mktme_keyids + h->num_tdx_keyids > 0xffff) {
		tdx_host_log(h, TDX_LOG_ERR, "tdx: KeyID partitioning %u,%u beyond 16 bits",
			     h->num_mktme_keyids, h->num_tdx_keyids);
		return TDX_HOST_ERR_KEYIDS;
	}
	h->global_keyid = (uint16_t)(h->num_mktme_keyids + 1);
	h->td_keyid_first = (uint16_t)(h->global_keyid + 1);
	h->td_keyid_count = (uint16_t)(h->num_tdx_keyids - 1);
	return 0;
}

/* ---- TDH.SYS.INIT, TDH.SYS.LP.INIT ------------------------------------- */

static int sys_init(struct tdx_host *h)
{
	uint64_t st = tdh_sys_init(h, BOOT_CPU);

	if (st == TDX_SEAMCALL_VMFAILINVALID) {
		tdx_host_log(h, TDX_LOG_ERR, "tdx: module not loaded");
		return TDX_HOST_ERR_NO_MODULE;
	}
	if (TDX_IS_ERROR(st))
		return TDX_HOST_ERR_SEAMCALL;
	h->sysinit_done = true;
	return 0;
}

static void lp_init_on(void *arg, unsigned cpu)
{
	tdh_sys_lp_init(arg, cpu);
}

/* Every CPU, in parallel: the module takes its global lock shared. A
 * failure is reported by the SEAMCALL layer and counted in nfailed. */
static int lp_init_all(struct tdx_host *h)
{
	for (unsigned cpu = 0; cpu < h->ops->ncpus; cpu++)
		h->cpus[cpu] = cpu;
	h->ops->run_parallel(h->ops->ctx, h->cpus, h->ops->ncpus, lp_init_on, h);
	return __atomic_load_n(&h->nfailed, __ATOMIC_ACQUIRE) ? TDX_HOST_ERR_SEAMCALL : 0;
}

/* Refusals of modules we cannot run TDs on, in Linux's words where it has
 * some, and the topology KEY.CONFIG needs. */
static int check_module(struct tdx_host *h)
{
	const struct tdx_module_info *m = &h->info;

	if (!(m->features0 & TDX_FEATURES0_NO_RBP_MOD)) {
		tdx_host_log(h, TDX_LOG_ERR, "tdx: frame pointer (RBP) clobber bug present, upgrade TDX module");
		return TDX_HOST_ERR_MODULE;
	}
	if (!m->ncmr || !m->max_tdmrs || !m->max_rsvd_per_tdmr || !m->pamt_entry_size[TDX_PS_4K] ||
	    !m->pamt_entry_size[TDX_PS_2M] || !m->pamt_entry_size[TDX_PS_1G]) {
		tdx_host_log(h, TDX_LOG_ERR, "tdx: module reports no CMRs, TDMRs or PAMT entry sizes");
		return TDX_HOST_ERR_MODULE;
	}
	if (m->num_pkgs > h->npkgs) {
		tdx_host_log(h, TDX_LOG_ERR,
			     "tdx: CPUs online in %u of %u packages: TDH.SYS.KEY.CONFIG needs one in each",
			     h->npkgs, m->num_pkgs);
		return TDX_HOST_ERR_TOPOLOGY;
	}
	return 0;
}

static int read_metadata(struct tdx_host *h)
{
	const struct tdx_module_info *m = &h->info;
	int err = tdx_read_metadata(h, BOOT_CPU);

	if (err)
		return err;
	tdx_host_log(h, TDX_LOG_INFO, "tdx: TDX module: attributes 0x%x, vendor_id 0x%x, major_version %u, "
		     "minor_version %u, build_date %u, build_num %u", m->sys_attributes, m->vendor_id,
		     m->major, m->minor, m->build_date, m->build_num);
	tdx_host_log(h, TDX_LOG_INFO, "tdx: Module version: %u.%u.%02u", m->major, m->minor, m->update);
	for (unsigned i = 0; i < m->ncmr; i++)
		tdx_host_log(h, TDX_LOG_INFO, "tdx: CMR: [0x%llx, 0x%llx)",
			     (unsigned long long)m->cmr[i].base,
			     (unsigned long long)(m->cmr[i].base + m->cmr[i].size));
	return check_module(h);
}

/* ---- TDMR_INFO and the plan (§5.2-§5.5) -------------------------------- */

static struct tdx_limits plan_limits(const struct tdx_host *h)
{
	const struct tdx_module_info *m = &h->info;
	struct tdx_limits lim = {
		.max_tdmrs = min_u(m->max_tdmrs, TDX_HOST_MAX_TDMRS),
		.max_rsvd = min_u(m->max_rsvd_per_tdmr, PLAN_MAX_RSVD),
	};

	for (unsigned ps = TDX_PS_4K; ps <= TDX_PS_1G; ps++)
		lim.pamt_entry_size[ps] = m->pamt_entry_size[ps];
	return lim;
}

/* Each entry carries all MAX_RESERVED_PER_TDMR slots the module reads and
 * starts 512-aligned; so does the PA array in front of them (§5.2). */
static uint64_t tdmr_info_entry_bytes(const struct tdx_host *h)
{
	return round_up(TDX_TDMR_INFO_SIZE(h->info.max_rsvd_per_tdmr), TDX_TDMR_INFO_ALIGN);
}

static uint64_t tdmr_info_array_bytes(unsigned max_tdmrs)
{
	return round_up(8ull * max_tdmrs, TDX_TDMR_INFO_ALIGN);
}

/* One zeroed block: the PA array, then an entry per possible TDMR. */
static int alloc_tdmr_info(struct tdx_host *h)
{
	unsigned max = plan_limits(h).max_tdmrs;

	h->tdmr_info_bytes = round_up(tdmr_info_array_bytes(max) + max * tdmr_info_entry_bytes(h), 4096);
	if (h->ops->alloc_pages(h->ops->ctx, h->tdmr_info_bytes, 4096, &h->tdmr_info_pa)) {
		tdx_host_log(h, TDX_LOG_ERR, "tdx: out of memory for TDMR_INFO (%llu bytes)",
			     (unsigned long long)h->tdmr_info_bytes);
		h->tdmr_info_bytes = 0;
		return TDX_HOST_ERR_NOMEM;
	}
	return 0;
}

static void free_tdmr_info(struct tdx_host *h)
{
	h->ops->free_pages(h->ops->ctx, h->tdmr_info_pa, h->tdmr_info_bytes);
	h->tdmr_info_pa = h->tdmr_info_bytes = 0;
}

/* PAMTs come from the page allocator, 4K aligned (§5.4). */
static int pamt_alloc(void *ctx, uint64_t size, uint64_t *base)
{
	struct tdx_host *h = ctx;

	return h->ops->alloc_pages(h->ops->ctx, size, 4096, base);
}

static void pamt_free(void *ctx, uint64_t base, uint64_t size)
{
	struct tdx_host *h = ctx;

	h->ops->free_pages(h->ops->ctx, base, size);
}

static struct plan_alloc_ops pamt_ops(struct tdx_host *h)
{
	return (struct plan_alloc_ops){ pamt_alloc, pamt_free, h };
}

static void release_pamt(struct tdx_host *h)
{
	struct plan_alloc_ops alloc = pamt_ops(h);

	tdmr_plan_release(&h->plan, &alloc);
}

static int write_tdmr_info(struct tdx_host *h)
{
	uint64_t array_bytes = tdmr_info_array_bytes(plan_limits(h).max_tdmrs);
	uint64_t entry_bytes = tdmr_info_entry_bytes(h);
	uint64_t *array = h->ops->phys_to_virt(h->ops->ctx, h->tdmr_info_pa);

	for (unsigned i = 0; i < h->plan.ntdmrs; i++) {
		uint64_t pa = h->tdmr_info_pa + array_bytes + i * entry_bytes;
		void *entry = h->ops->phys_to_virt(h->ops->ctx, pa);

		if (!tdmr_plan_encode(&h->plan.tdmr[i], h->info.max_rsvd_per_tdmr, entry, entry_bytes)) {
			tdx_host_log(h, TDX_LOG_ERR, "tdx: TDMR %u does not fit a TDMR_INFO entry", i);
			return TDX_HOST_ERR_PLAN;
		}
		array[i] = pa;
	}
	return 0;
}

/* The TDMR_INFO block first, as Linux allocates its TDMR list before the
 * PAMTs; then TDMRs from the CMRs, split so that TDH.SYS.TDMR.INIT has
 * work for every CPU it may use, checked once more on their own, written
 * out. On failure nothing is left allocated. */
static int plan(struct tdx_host *h)
{
	struct tdx_limits lim = plan_limits(h);
	struct plan_alloc_ops alloc = pamt_ops(h);
	unsigned cpus = h->tdmr_init_cpus ? min_u(h->tdmr_init_cpus, h->ops->ncpus) : h->ops->ncpus;
	char why[PLAN_WHY_LEN];
	int err;

	if ((err = alloc_tdmr_info(h)))
		return err;
	err = TDX_HOST_ERR_PLAN;
	if (tdmr_plan_build(h->info.cmr, h->info.ncmr, &lim, &alloc, &h->plan)) {
		tdx_host_log(h, TDX_LOG_ERR, "tdx: initialization failed: %s", h->plan.why);
		goto free_info;
	}
	if (lim.max_tdmrs - h->plan.ntdmrs < 4)
		tdx_host_log(h, TDX_LOG_WARN, "tdx: consumed TDMRs reaching limit: %u used out of %u",
			     h->plan.ntdmrs, lim.max_tdmrs);
	/* A failed split keeps the plan as it was, unless the allocator could
	 * not give its blocks back: then none is left. */
	if (cpus > h->plan.ntdmrs &&
	    tdmr_plan_split_for_parallel(&h->plan, cpus, h->info.cmr, h->info.ncmr, &lim, &alloc)) {
		if (!h->plan.ntdmrs) {
			tdx_host_log(h, TDX_LOG_ERR, "tdx: initialization failed: %s", h->plan.why);
			goto free_info;
		}
		tdx_host_log(h, TDX_LOG_WARN, "tdx: TDMRs not split for parallel TDH.SYS.TDMR.INIT: %s",
			     h->plan.why);
	}
	if (tdmr_plan_check(&h->plan, h->info.cmr, h->info.ncmr, &lim, why, sizeof(why))) {
		tdx_host_log(h, TDX_LOG_ERR, "tdx: TDMR plan rejected: %s", why);
		goto release;
	}
	if ((err = write_tdmr_info(h)))
		goto release;
	return 0;
release:
	release_pamt(h);
free_info:
	free_tdmr_info(h);
	return err;
}

/* ---- TDH.SYS.CONFIG, WBINVD, TDH.SYS.KEY.CONFIG ------------------------ */

static int config(struct tdx_host *h)
{
	uint64_t st = tdh_sys_config(h, BOOT_CPU, h->tdmr_info_pa, h->plan.ntdmrs, h->global_keyid);

	if (!TDX_IS_ERROR(st))
		return 0;
	if ((st & TDX_STATUS_MASK) == TDX_SYS_CONFIG_NOT_PENDING)
		tdx_host_log(h, TDX_LOG_ERR, "tdx: every BIOS-enabled CPU must do TDH.SYS.LP.INIT "
			     "before TDH.SYS.CONFIG; %u are online", h->ops->ncpus);
	return TDX_HOST_ERR_SEAMCALL;
}

/* Dirty KeyID-0 lines of the PAMTs go before the module uses them with the
 * global KeyID; then one CPU per package, one package at a time (§3.3
 * steps 7-8, Linux's config_global_keyid). A repeat is TDX_KEY_CONFIGURED,
 * which is no error. */
static int key_config_all(struct tdx_host *h)
{
	h->ops->wbinvd_all(h->ops->ctx);
	for (unsigned p = 0; p < h->npkgs; p++)
		if (TDX_IS_ERROR(tdh_sys_key_config(h, h->pkg_cpu[p])))
			return TDX_HOST_ERR_SEAMCALL;
	return 0;
}

/* ---- TDH.SYS.TDMR.INIT (§3.3 step 9) ------------------------------------
 * A TDMR is initialized by one CPU at a time (the module answers
 * TDX_OPERAND_BUSY otherwise), different TDMRs in parallel. TDMRs go to
 * workers largest first, each to the least loaded one, so the busiest
 * worker's share (the critical path) is as small as whole TDMRs allow. */

struct tdmr_work {
	struct tdx_host *h;
	uint8_t worker_of[TDX_HOST_MAX_TDMRS];
	int err;
};

/* Up to `want` CPUs, taking the r-th CPU of every package in round r so
 * that the PAMT writes spread over the packages' memory bandwidth. */
static unsigned pick_workers(struct tdx_host *h, unsigned want, unsigned *out)
{
	unsigned n = 0;

	for (unsigned round = 0; n < want; round++) {
		unsigned seen[TDX_HOST_MAX_PKGS] = { 0 }, added = 0;

		for (unsigned cpu = 0; n < want && cpu < h->ops->ncpus; cpu++)
			if (seen[h->cpu_pkg[cpu]]++ == round)
				out[n++] = cpu, added++;
		if (!added)
			break;
	}
	return n;
}

static void assign_tdmrs(const struct tdmr_plan *p, unsigned nworkers, uint8_t *worker_of)
{
	uint64_t load[TDX_HOST_MAX_TDMRS] = { 0 };
	bool done[TDX_HOST_MAX_TDMRS] = { false };

	for (unsigned k = 0; k < p->ntdmrs; k++) {
		unsigned big = 0, w = 0;

		while (done[big])
			big++;
		for (unsigned i = big + 1; i < p->ntdmrs; i++)
			if (!done[i] && p->tdmr[i].size > p->tdmr[big].size)
				big = i;
		for (unsigned j = 1; j < nworkers; j++)
			if (load[j] < load[w])
				w = j;
		done[big] = true;
		worker_of[big] = (uint8_t)w;
		load[w] += p->tdmr[big].size;
	}
}

/* A line at most every TDX_HOST_PROGRESS_US, from whichever CPU gets it. */
static void tdmr_progress(struct tdx_host *h, uint64_t bytes)
{
	uint64_t done = __atomic_add_fetch(&h->tdmr_done, bytes, __ATOMIC_RELAXED);
	uint64_t last = __atomic_load_n(&h->progress_us, __ATOMIC_RELAXED), t = now(h);

	if (t - last < TDX_HOST_PROGRESS_US ||
	    !__atomic_compare_exchange_n(&h->progress_us, &last, t, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return;
	tdx_host_log(h, TDX_LOG_INFO, "tdx: TDH.SYS.TDMR.INIT %llu%% (%llu of %llu GiB) after %llu s",
		     (unsigned long long)(done * 100 / h->tdmr_total),
		     (unsigned long long)(done >> 30), (unsigned long long)(h->tdmr_total >> 30),
		     (unsigned long long)((t - h->tdmr_start_us) / 1000000));
}

/* Calls until RDX reaches the end or the module says it is done; stops
 * when another CPU failed. A call initializes at least one 4K entry, so
 * more calls than pages means a module that does not progress. */
static void init_tdmr(struct tdmr_work *w, unsigned worker, unsigned cpu, const struct plan_tdmr *t)
{
	struct tdx_host *h = w->h;
	uint64_t end = t->base + t->size, at = t->base, next, st;

	for (uint64_t calls = 0; at < end; calls++) {
		if (__atomic_load_n(&h->nfailed, __ATOMIC_ACQUIRE))
			return;
		if (calls > t->size / 4096) {
			tdx_host_log(h, TDX_LOG_ERR, "tdx: TDH.SYS.TDMR.INIT makes no progress on "
				     "TDMR [0x%llx, 0x%llx)", (unsigned long long)t->base,
				     (unsigned long long)end);
			__atomic_store_n(&w->err, TDX_HOST_ERR_MODULE, __ATOMIC_RELAXED);
			__atomic_fetch_add(&h->nfailed, 1, __ATOMIC_ACQ_REL);
			return;
		}
		next = at;
		st = tdh_sys_tdmr_init(h, cpu, t->base, &next);
		h->stats.tdmr.worker_calls[worker]++;
		if ((st & TDX_STATUS_MASK) == TDX_TDMR_ALREADY_INITIALIZED)
			next = end;
		else if (TDX_IS_ERROR(st))
			return;
		if (next > end)
			next = end;
		if (next > at)
			tdmr_progress(h, next - at), at = next;
	}
}

static void tdmr_worker(void *arg, unsigned cpu)
{
	struct tdmr_work *w = arg;
	struct tdx_host *h = w->h;
	unsigned worker = 0;

	while (h->stats.tdmr.worker_cpu[worker] != cpu)
		worker++;
	for (unsigned i = 0; i < h->plan.ntdmrs; i++)
		if (w->worker_of[i] == worker)
			init_tdmr(w, worker, cpu, &h->plan.tdmr[i]);
}

static int tdmr_init_all(struct tdx_host *h)
{
	struct tdx_tdmr_init_stats *s = &h->stats.tdmr;
	struct tdmr_work w = { .h = h };
	unsigned want = min_u(h->plan.ntdmrs, h->tdmr_init_cpus ? h->tdmr_init_cpus : h->ops->ncpus);

	memset(s, 0, sizeof(*s));
	s->nworkers = pick_workers(h, want, s->worker_cpu);
	assign_tdmrs(&h->plan, s->nworkers, w.worker_of);
	h->tdmr_total = h->tdmr_done = 0;
	for (unsigned i = 0; i < h->plan.ntdmrs; i++)
		h->tdmr_total += h->plan.tdmr[i].size;
	h->tdmr_start_us = h->progress_us = now(h);

	h->ops->run_parallel(h->ops->ctx, s->worker_cpu, s->nworkers, tdmr_worker, &w);

	for (unsigned i = 0; i < s->nworkers; i++) {
		s->calls += s->worker_calls[i];
		if (s->worker_calls[i] > s->critical_path)
			s->critical_path = s->worker_calls[i];
	}
	if (w.err)
		return w.err;
	return __atomic_load_n(&h->nfailed, __ATOMIC_ACQUIRE) ? TDX_HOST_ERR_SEAMCALL : 0;
}

/* ---- The sequence -------------------------------------------------------- */

static int run_phase(struct tdx_host *h, enum tdx_host_phase phase, int (*step)(struct tdx_host *))
{
	uint64_t t0 = now(h);
	int err = step(h);

	h->stats.phase_us[phase] = now(h) - t0;
	return err;
}

static const char *const err_names[TDX_HOST_NERR] = {
	[TDX_HOST_OK] = "success",
	[TDX_HOST_ERR_OPS] = "incomplete platform ops",
	[TDX_HOST_ERR_KEYIDS] = "too few private KeyIDs",
	[TDX_HOST_ERR_NO_MODULE] = "module not loaded",
	[TDX_HOST_ERR_SEAMCALL] = "SEAMCALL failed",
	[TDX_HOST_ERR_MODULE] = "module not usable",
	[TDX_HOST_ERR_TOPOLOGY] = "CPU topology",
	[TDX_HOST_ERR_NOMEM] = "out of memory",
	[TDX_HOST_ERR_PLAN] = "TDMR/PAMT plan failed",
	[TDX_HOST_ERR_STATE] = "failed earlier",
};

const char *tdx_host_err_name(enum tdx_host_err err)
{
	return (unsigned)err < TDX_HOST_NERR ? err_names[err] : "unknown error";
}

/* Once TDH.SYS.INIT succeeded, only a reboot (or a module update, which
 * baretdx does not do) brings the module back to SYSINIT_PENDING. */
static int refuse(struct tdx_host *h)
{
	tdx_host_log(h, TDX_LOG_ERR, "tdx: module initialization failed earlier (%s)%s, reboot to try again",
		     tdx_host_err_name(h->error),
		     h->sysinit_done ? ": the module cannot return to SYSINIT_PENDING" : "");
	return -TDX_HOST_ERR_STATE;
}

static void start(struct tdx_host *h)
{
	h->error = TDX_HOST_OK;
	h->nfailed = 0;
	h->sysinit_done = false;
	memset(&h->fail, 0, sizeof(h->fail));
	memset(&h->info, 0, sizeof(h->info));
	memset(&h->plan, 0, sizeof(h->plan));
	memset(&h->stats, 0, sizeof(h->stats));
}

int tdx_host_init(struct tdx_host *h, const struct tdx_host_ops *ops)
{
	char line[128];
	uint64_t t0;
	int err;

	if (!ops_complete(ops))
		return -TDX_HOST_ERR_OPS;
	h->ops = ops;
	if (h->state == TDX_HOST_READY) {
		tdx_host_log(h, TDX_LOG_INFO, "tdx: module already initialized");
		return 0;
	}
	if (h->state == TDX_HOST_FAILED)
		return refuse(h);
	start(h);
	t0 = now(h);

	if ((err = find_packages(h)) || (err = check_keyids(h)))
		goto out;
	if ((err = run_phase(h, TDX_PHASE_SYS_INIT, sys_init)) ||
	    (err = run_phase(h, TDX_PHASE_LP_INIT, lp_init_all)) ||
	    (err = run_phase(h, TDX_PHASE_METADATA, read_metadata)))
		goto out;
	if ((err = run_phase(h, TDX_PHASE_PLAN, plan)))
		goto out;
	if ((err = run_phase(h, TDX_PHASE_CONFIG, config)))
		goto free_plan;
	if ((err = run_phase(h, TDX_PHASE_KEY_CONFIG, key_config_all)) ||
	    (err = run_phase(h, TDX_PHASE_TDMR_INIT, tdmr_init_all)))
		goto flush;

	/* The module keeps its own copy of the TDMRs since SYS.CONFIG. */
	free_tdmr_info(h);
	h->stats.total_us = now(h) - t0;
	tdx_host_tdmr_init_stats(h, line, sizeof(line));
	tdx_host_log(h, TDX_LOG_DEBUG, "tdx: %s; init %llu ms", line,
		     (unsigned long long)(h->stats.total_us / 1000));
	tdx_host_log(h, TDX_LOG_INFO, "tdx: %llu KB allocated for PAMT",
		     (unsigned long long)(h->plan.pamt_bytes / 1024));
	tdx_host_log(h, TDX_LOG_INFO, "tdx: module initialized");
	h->state = TDX_HOST_READY;
	return 0;

flush:
	/* The module may have written PAMTs with the global KeyID. */
	h->ops->wbinvd_all(h->ops->ctx);
free_plan:
	release_pamt(h);
	free_tdmr_info(h);
out:
	h->stats.total_us = now(h) - t0;
	h->error = err;
	h->state = TDX_HOST_FAILED;
	tdx_host_log(h, TDX_LOG_ERR, "tdx: module initialization failed (%d): %s", -err,
		     tdx_host_err_name(err));
	return -err;
}

const char *tdx_host_phase_name(enum tdx_host_phase phase)
{
	static const char *const names[TDX_NPHASES] = {
		"sys-init", "lp-init", "metadata", "plan", "config", "key-config", "tdmr-init",
	};

	return (unsigned)phase < TDX_NPHASES ? names[phase] : "?";
}

size_t tdx_host_tdmr_init_stats(const struct tdx_host *h, char *buf, size_t len)
{
	const struct tdx_tdmr_init_stats *s = &h->stats.tdmr;
	uint64_t speedup = s->critical_path ? s->calls * 100 / s->critical_path : 0;
	int n;

	n = fmt_snprintf(buf, len, "TDMR.INIT: %llu calls on %u CPUs, critical path %llu (%llu.%02llux), %llu ms",
			 (unsigned long long)s->calls, s->nworkers, (unsigned long long)s->critical_path,
			 (unsigned long long)(speedup / 100), (unsigned long long)(speedup % 100),
			 (unsigned long long)(h->stats.phase_us[TDX_PHASE_TDMR_INIT] / 1000));
	return n < 0 ? 0 : (size_t)n;
}
