/* Host-side TDX module initialization (tdx-abi.md §3.3, design.md §6):
 * TDH.SYS.INIT → TDH.SYS.LP.INIT on every CPU → metadata (TDH.SYS.RD) →
 * TDMR/PAMT plan → TDH.SYS.CONFIG → WBINVD → TDH.SYS.KEY.CONFIG per package
 * → TDH.SYS.TDMR.INIT (TDMRs in parallel on different CPUs).
 *
 * Pure sequencing logic: every platform action goes through struct
 * tdx_host_ops, which the kernel implements over the SEAMCALL stub and its
 * SMP calls, and the unit test over the emulated module. Builds
 * freestanding and on the host.
 *
 * Two layers: tdx_leaves.c has the one SEAMCALL path (retry policy,
 * counters, the failure report), one wrapper per leaf named after it and
 * the metadata reader; tdx_host.c has the sequence and its unwind. */
#ifndef BARETDX_SEAM_TDX_HOST_H
#define BARETDX_SEAM_TDX_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "seam/seamcall.h"
#include "seam/tdx_abi.h"
#include "seam/tdmr_plan.h"

#define TDX_HOST_MAX_CPUS	512	/* = kernel MAX_CPUS */
#define TDX_HOST_MAX_PKGS	64
#define TDX_HOST_MAX_TDMRS	PLAN_MAX_TDMRS
/* TD_PARAMS holds CPUID_VALUES[N] from byte 256 to 1024 (§5.7). */
#define TDX_HOST_MAX_CPUID_CONFIG ((TDX_TD_PARAMS_SIZE - 256) / 16)
#define TDX_HOST_NLEAVES	256	/* counters by leaf number, 255 = others */
#define TDX_HOST_MAX_TD_KEYIDS	1024	/* TD KeyIDs tracked */

/* The retry policy (§1.5), applied to every SEAMCALL in one place. */
#define TDX_HOST_BUSY_RETRIES	1000	/* TDX_OPERAND_BUSY*, TDX_SYS_BUSY */
#define TDX_HOST_ENTROPY_RETRIES 10	/* Linux's RDRAND_RETRY_LOOPS */
#define TDX_HOST_RESUME_RETRIES	10000	/* LX kvm: PHYMEM.CACHE.WB resume loop */

/* A TDMR.INIT progress line at most this often. */
#define TDX_HOST_PROGRESS_US	5000000ull

/* Log levels: the numbers of kernel/log.h (LOG_ERR ... LOG_DEBUG). */
enum { TDX_LOG_ERR, TDX_LOG_WARN, TDX_LOG_INFO, TDX_LOG_DEBUG };

struct tdx_host_ops {
	unsigned ncpus;			/* online CPUs, ids 0..ncpus-1 */
	unsigned (*cpu_package)(void *ctx, unsigned cpu);
	/* Runs SEAMCALL on `cpu` and returns its status as seamcall_regs()
	 * does. Called from the init CPU for any CPU, and from a
	 * run_parallel() function for the CPU it runs on. */
	uint64_t (*seamcall)(void *ctx, unsigned cpu, struct tdx_regs *r);
	/* Runs fn(arg, cpu) on each of the n CPUs concurrently and waits. */
	void (*run_parallel)(void *ctx, const unsigned *cpus, unsigned n,
			     void (*fn)(void *arg, unsigned cpu), void *arg);
	void (*wbinvd_all)(void *ctx);
	/* The CPU the caller runs on (NULL: always CPU 0). Leaves that may
	 * run anywhere are issued there, not bounced to another CPU. */
	unsigned (*this_cpu)(void *ctx);
	/* Zeroed, physically contiguous, `align` a power of two; -1 on OOM. */
	int (*alloc_pages)(void *ctx, uint64_t bytes, uint64_t align, uint64_t *pa);
	void (*free_pages)(void *ctx, uint64_t pa, uint64_t bytes);
	/* For writing TDMR_INFO and the PA array. */
	void *(*phys_to_virt)(void *ctx, uint64_t pa);
	/* One line, no newline; called from several CPUs at once during
	 * the parallel phases. */
	void (*log)(void *ctx, int level, const char *line);
	uint64_t (*now_us)(void *ctx);
	void *ctx;
};

enum tdx_host_state { TDX_HOST_NONE, TDX_HOST_FAILED, TDX_HOST_READY };

/* Our own failures (style.md rule 5); tdx_host_init returns minus these.
 * The raw TDX status of a failed SEAMCALL is kept in struct tdx_host_fail. */
enum tdx_host_err {
	TDX_HOST_OK = 0,
	TDX_HOST_ERR_OPS,		/* ops incomplete or too many CPUs */
	TDX_HOST_ERR_KEYIDS,		/* fewer than 2 TDX private KeyIDs */
	TDX_HOST_ERR_NO_MODULE,		/* TDH.SYS.INIT: VMfailInvalid */
	TDX_HOST_ERR_SEAMCALL,		/* a SEAMCALL failed: see h->fail */
	TDX_HOST_ERR_MODULE,		/* module unusable (features, metadata) */
	TDX_HOST_ERR_TOPOLOGY,		/* a package without an online CPU */
	TDX_HOST_ERR_NOMEM,		/* TDMR_INFO allocation */
	TDX_HOST_ERR_PLAN,		/* TDMR/PAMT plan (h->plan.why) */
	TDX_HOST_ERR_STATE,		/* init after an earlier failure */
	TDX_HOST_NERR
};

/* Time per phase (now_us), in sequence order. */
enum tdx_host_phase {
	TDX_PHASE_SYS_INIT, TDX_PHASE_LP_INIT, TDX_PHASE_METADATA, TDX_PHASE_PLAN,
	TDX_PHASE_CONFIG, TDX_PHASE_KEY_CONFIG, TDX_PHASE_TDMR_INIT, TDX_NPHASES
};

/* What the module reports through TDH.SYS.RD (§4.2), kept for TD creation. */
struct tdx_module_info {
	uint16_t major, minor, update, internal;
	uint32_t vendor_id, build_date;
	uint16_t build_num;
	uint32_t sys_attributes;
	uint64_t features0;		/* TDX_FEATURES0_* */
	uint32_t num_pkgs;		/* MCHECK's package count; 0 if absent */
	struct plan_range cmr[TDX_MAX_CMRS];	/* non-empty CMRs only */
	unsigned ncmr;
	uint16_t max_tdmrs, max_rsvd_per_tdmr;
	uint16_t pamt_entry_size[3];	/* by page-size code TDX_PS_4K/2M/1G */
	uint16_t tdr_base_size, tdcs_base_size, tdvps_base_size;
	uint64_t attributes_fixed0, attributes_fixed1;
	uint64_t xfam_fixed0, xfam_fixed1;
	uint64_t config_flags_fixed0, config_flags_fixed1;
	uint16_t max_vcpus_per_td;	/* 0xffff when the module lacks it */
	bool has_max_vcpus_per_td;
	uint16_t num_cpuid_config;
	/* eax..edx: the bits the host may configure (§4.2 CPUID_CONFIG_*). */
	struct tdx_cpuid_config cpuid_config[TDX_HOST_MAX_CPUID_CONFIG];
};

/* The first failed SEAMCALL of an init: status and output registers. */
struct tdx_host_fail {
	uint64_t status;
	uint64_t rax_in;		/* leaf and version */
	unsigned cpu;
	struct tdx_regs regs;
};

/* TDH.SYS.TDMR.INIT work. calls counts the leaf's invocations by the
 * TDMR loops (retries are in tdx_host_stats.retries); the critical path
 * is the busiest CPU's share: what bounds the phase when the CPUs run in
 * parallel. */
struct tdx_tdmr_init_stats {
	uint64_t calls;
	uint64_t critical_path;
	unsigned nworkers;
	unsigned worker_cpu[TDX_HOST_MAX_TDMRS];
	uint64_t worker_calls[TDX_HOST_MAX_TDMRS];
};

struct tdx_host_stats {
	uint64_t calls[TDX_HOST_NLEAVES];	/* SEAMCALLs issued, retries included */
	uint64_t retries[TDX_HOST_NLEAVES];	/* of those, re-issued by the policy */
	uint64_t busy_retries, entropy_retries, resumes;
	uint64_t phase_us[TDX_NPHASES];
	uint64_t total_us;
	struct tdx_tdmr_init_stats tdmr;
};

/* Zeroed before the first tdx_host_init, then the inputs set; the kernel
 * keeps one for the life of the boot. */
struct tdx_host {
	/* ---- Inputs, set before tdx_host_init ---- */
	uint32_t num_mktme_keyids;	/* IA32_MKTME_KEYID_PARTITIONING 31:0 */
	uint32_t num_tdx_keyids;	/* 63:32 */
	/* CPUs for TDH.SYS.TDMR.INIT, one TDMR at a time each; the plan is
	 * cut into that many TDMRs if it can be (tdmr_plan_split_for_parallel).
	 * 0 = every online CPU, 1 = a serial loop over the uncut plan. */
	unsigned tdmr_init_cpus;
	/* KeyIDs sit at PA bit keyid_shift (MAXPHYADDR - K) and up: only
	 * TDH.PHYMEM.PAGE.WBINVD operands carry one (§9 fact 9). */
	unsigned keyid_shift;

	/* ---- Results ---- */
	enum tdx_host_state state;
	enum tdx_host_err error;
	struct tdx_host_fail fail;	/* valid when error == ..._SEAMCALL */
	uint16_t global_keyid;		/* first TDX KeyID, given to SYS.CONFIG */
	uint16_t td_keyid_first;	/* TD KeyIDs: [first, first + count) */
	uint16_t td_keyid_count;
	struct tdx_module_info info;
	struct tdmr_plan plan;		/* PAMTs stay allocated while READY */
	struct tdx_host_stats stats;

	/* ---- Private to tdx_host.c / tdx_leaves.c ---- */
	const struct tdx_host_ops *ops;
	bool sysinit_done;
	unsigned nfailed;		/* failed SEAMCALLs this init (atomic) */
	unsigned npkgs;
	unsigned pkg_cpu[TDX_HOST_MAX_PKGS];	/* first CPU of each package */
	uint8_t cpu_pkg[TDX_HOST_MAX_CPUS];	/* package index of each CPU */
	unsigned cpus[TDX_HOST_MAX_CPUS];	/* run_parallel lists */
	uint64_t tdmr_info_pa, tdmr_info_bytes;
	uint64_t tdmr_total, tdmr_done;		/* bytes, for progress lines */
	uint64_t tdmr_start_us, progress_us;
	/* TD KeyIDs in use (td_host.c), bit i = td_keyid_first + i. */
	uint64_t td_keyid_busy[TDX_HOST_MAX_TD_KEYIDS / 64];
};

/* Runs the whole sequence. Returns 0 when the module is ready (or was
 * already), else -enum tdx_host_err. A failure unwinds everything it
 * allocated and leaves state FAILED: the module cannot go back to
 * SYSINIT_PENDING, so later calls refuse until a reboot. */
int tdx_host_init(struct tdx_host *h, const struct tdx_host_ops *ops);

const char *tdx_host_err_name(enum tdx_host_err err);
const char *tdx_host_phase_name(enum tdx_host_phase phase);

/* One line: "TDMR.INIT: <calls> calls on <n> CPUs, critical path <calls>
 * (<x.yy>x), <ms> ms". Returns its length, as snprintf does. */
size_t tdx_host_tdmr_init_stats(const struct tdx_host *h, char *buf, size_t len);

/* ---- The SEAMCALL layer (tdx_leaves.c) ----------------------------------
 * tdx_seamcall() is the one path: it retries TDX_RETRY_BUSY up to
 * TDX_HOST_BUSY_RETRIES and TDX_RETRY_ENTROPY up to
 * TDX_HOST_ENTROPY_RETRIES times with the original inputs, resumes leaves
 * that have a resume mode, counts everything, and reports a final error
 * status once per init ("tdx: SEAMCALL <leaf> failed: <status>" and the
 * output registers) unless it equals `expected` (whole, or under
 * TDX_STATUS_MASK), which the caller handles itself. Wrappers return the
 * status; outputs they name are written only on success. */
uint64_t tdx_seamcall(struct tdx_host *h, unsigned cpu, struct tdx_regs *r, uint64_t expected);

uint64_t tdh_sys_init(struct tdx_host *h, unsigned cpu);
uint64_t tdh_sys_lp_init(struct tdx_host *h, unsigned cpu);
/* TDX_METADATA_FIELD_ID_INCORRECT is returned silently when `optional`. */
uint64_t tdh_sys_rd(struct tdx_host *h, unsigned cpu, uint64_t field, bool optional, uint64_t *value);
uint64_t tdh_sys_config(struct tdx_host *h, unsigned cpu, uint64_t array_pa, unsigned ntdmrs,
			uint16_t global_keyid);
uint64_t tdh_sys_key_config(struct tdx_host *h, unsigned cpu);
/* *next: RDX, the next address to initialize, rounded down to 1 GiB. */
uint64_t tdh_sys_tdmr_init(struct tdx_host *h, unsigned cpu, uint64_t tdmr_base, uint64_t *next);

/* Fills h->info from TDH.SYS.RD on `cpu`: every field of struct
 * tdx_module_info, the non-empty CMRs, the CPUID configuration. Returns 0
 * or an enum tdx_host_err (a failed read was reported). */
int tdx_read_metadata(struct tdx_host *h, unsigned cpu);

/* The log line helper both files share. */
void tdx_host_log(struct tdx_host *h, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
