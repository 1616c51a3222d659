/* Host side of the TD lifecycle (design.md §6, tdx-abi.md §6): create,
 * build, measure, enter, grow and destroy one TD through the SEAMCALL layer
 * of tdx_leaves.c (retry policy, failure reports) and the platform ops of
 * struct tdx_host_ops (pages, CPUs).
 *
 * Pure sequencing: builds freestanding and on the host, where the unit
 * tests drive it against the emulated module. The kernel adds the run loop
 * and the commands (seam/td_kernel.c).
 *
 * Every page given to the module is recorded in the TD's S-EPT mirror or
 * its control-page lists, so that destroy can reclaim each one and return
 * it to the allocator. */
#ifndef BARETDX_SEAM_TD_HOST_H
#define BARETDX_SEAM_TD_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include "seam/sha384.h"
#include "seam/tdx_host.h"
#include "seam/tdvmcall.h"

#define TD_MAX_VCPUS	16
#define TD_MAX_TDCS	16	/* TDCS_BASE_SIZE / 4096 <= 9 on 1.5 */
#define TD_MAX_TDCX	16

enum td_map_kind { TD_MAP_SEPT = 1, TD_MAP_PAGE };

/* One mapping the host asked the module for. */
struct td_map {
	uint64_t gpa;			/* aligned to the level's size */
	uint64_t pa;			/* the page (or 2 MiB run) given */
	uint8_t kind;			/* enum td_map_kind */
	uint8_t level;			/* SEPT: entry level 1..3; PAGE: 0 or 1 */
	uint8_t measured;		/* PAGE.ADD-ed (initial image) */
};

enum td_vcpu_state { TD_VCPU_READY = 1, TD_VCPU_HALTED, TD_VCPU_DEAD };

struct td_vcpu {
	uint64_t tdvpr;
	uint64_t tdcx[TD_MAX_TDCX];
	unsigned ntdcx;
	unsigned cpu;			/* the CPU it is pinned to */
	int assoc_cpu;			/* where it last entered; -1 never */
	enum td_vcpu_state state;
	/* A TDVMCALL being answered: the reply goes out with the next
	 * TDH.VP.ENTER in the registers the guest selected. */
	bool reply;
	struct tdx_regs regs;
};

enum td_state { TD_NONE, TD_BUILDING, TD_RUNNABLE, TD_DEAD };

/* Where the TD's pages come from: zeroed, contiguous, aligned; -1 when
 * out. Pages for the TD (control pages, S-EPT, guest memory) and the
 * host's own bookkeeping (mirror, bounce and TD_PARAMS pages) alike. */
struct td_mem_ops {
	int (*alloc)(void *ctx, uint64_t bytes, uint64_t align, uint64_t *pa);
	void (*free)(void *ctx, uint64_t pa, uint64_t bytes);
	void *ctx;
};

/* What the user asked for. */
struct td_request {
	unsigned vcpus;
	uint64_t attributes;		/* TDX_TD_ATTR_* wanted */
	uint64_t tsc_hz;		/* the host TSC, for TD_PARAMS */
	const struct td_mem_ops *mem;	/* NULL: the tdx_host ops */
	uint64_t hob_gpa;		/* TDVF's TD HOB: VP.INIT RDX; 0: vCPU index */
	bool allow_rbp;			/* no CONFIG_FLAGS.NO_RBP_MOD: RBP in TDVMCALLs */
};

struct td {
	struct tdx_host *h;
	struct td_mem_ops mem;
	enum td_state state;
	uint16_t hkid;
	bool keyed;			/* MNG.KEY.CONFIG done on every package */
	uint64_t tdr;
	uint64_t tdcs[TD_MAX_TDCS];
	unsigned ntdcs;
	uint64_t attributes;
	unsigned nvcpus;
	struct td_vcpu vcpu[TD_MAX_VCPUS];
	/* S-EPT mirror: every SEPT.ADD and PAGE.ADD/AUG, in a page-backed
	 * array that grows. */
	struct td_map *map;
	uint64_t map_pa, map_bytes;
	unsigned nmap, capmap;
	/* The MRTD the host expects (§7.3), computed alongside the build. */
	struct sha384_ctx mr;
	uint8_t mrtd[48];
	uint64_t pages;			/* pages owned by the module for this TD */
	char why[120];			/* first failure, for the user */
};

/* GPA bit that selects the shared half (GPAW 48, 4-level EPT). */
#define TD_SHARED_BIT	(1ull << 47)

/* Creates the TD through MNG.INIT and its vCPUs through VP.INIT. On
 * failure everything is undone and td->why says what failed. 0 or -1. */
int td_create(struct td *td, struct tdx_host *h, const struct td_request *req);
/* PAGE.ADD of `size` bytes of `image` at `gpa` (4 KiB aligned), each page
 * measured with 16 MR.EXTENDs when `measure`. */
int td_add_image(struct td *td, uint64_t gpa, const void *image, uint64_t size, bool measure);
/* The same for `size` bytes at gpa of which the first data_len come from
 * data and the rest are zero (TDVF sections whose raw data is shorter
 * than their memory, TempMem and TD_HOB with none). */
int td_add_region(struct td *td, uint64_t gpa, const void *data, uint64_t data_len,
		  uint64_t size, bool measure);
/* MR.FINALIZE; td->mrtd then holds the MRTD the host computed from what
 * it added and measured (the TD itself can report the module's). */
int td_finalize(struct td *td);
/* PAGE.AUG of a 4 KiB (level 0) or 2 MiB (level 1) page at gpa, with the
 * S-EPT tables it needs. */
int td_aug(struct td *td, uint64_t gpa, unsigned level);
/* TDH.MEM.RD: 8 bytes of a debug TD's private memory at gpa (8-aligned). */
int td_mem_rd(struct td *td, uint64_t gpa, uint64_t *val);
/* TDH.MNG.RD of one TDCS field (debug TDs for most fields). */
int td_mng_rd(struct td *td, uint64_t field, uint64_t *val);
/* Tears everything down (§6.9) and frees every page; also for a TD that
 * failed halfway. Returns the number of pages that could not be
 * reclaimed (0 when all came back). */
uint64_t td_destroy(struct td *td);

/* Pins vCPU i to `cpu`, with TDH.VP.FLUSH on the LP that holds it. */
int td_vcpu_move(struct td *td, unsigned i, unsigned cpu);
/* One TDH.VP.ENTER of vCPU i; *exit gets the output registers. Issued
 * through the ops on the vCPU's CPU (call it there). */
uint64_t td_enter(struct td *td, unsigned i, struct tdx_regs *exit);

/* TDH.VP.WR of a vCPU field (Shared-EPTP, ...), issued on the vCPU's
 * CPU, which it then belongs to. */
int td_vp_wr(struct td *td, unsigned i, uint64_t field, uint64_t value, uint64_t mask);

/* Takes a private 4 KiB page away from a running TD (§6.8): BLOCK, TRACK,
 * kick(ctx) so that every vCPU leaves the TD and re-enters in the new
 * epoch, REMOVE (TRACK and REMOVE retried while vCPUs lag, kicking
 * again), then the page is cleared and freed. A GPA that is not mapped
 * privately is fine (0). */
int td_remove_private(struct td *td, uint64_t gpa, void (*kick)(void *ctx), void *ctx);

/* TDVMCALL answers (§7.2), queued for the next td_enter of that vCPU. */
/* The same from registers tdvmcall_reply() filled. */
void td_vmcall_reply_regs(struct td *td, unsigned i, const struct tdx_regs *out);
void td_vmcall_reply(struct td *td, unsigned i, uint64_t status, uint64_t r11,
		     const uint64_t *r12_r15);

#endif
