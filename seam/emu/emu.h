/* The emulated TDX module (design.md §7): the API the kernel glue uses.
 *
 * The caller allocates a struct emu (the kernel places it at the start of
 * the emulated SEAMRR, as a real module keeps its globals in SEAMRR), fills
 * a struct emu_config with what MCHECK and the CPU would report, and hands
 * every SEAMCALL it traps to emu_seamcall(). The emulator answers exactly
 * as Intel's module 1.5.01 would (tdx-abi.md): leaf decoding, the
 * module-global state machine, the checks of every init leaf with their
 * status codes, operand IDs and detail bytes. Whatever a real module keeps
 * in host-provided memory (PAMT entries today, TD structures in part 2) is
 * written through emu_mem_ops into that same memory.
 *
 * Pure C11, freestanding: builds in the kernel and, for the unit tests, on
 * the host. struct emu holds no pointers into host memory besides the ops. */
#ifndef BARETDX_SEAM_EMU_EMU_H
#define BARETDX_SEAM_EMU_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/spinlock.h"
#include "seam/emu/td_state.h"
#include "seam/tdxblob.h"

#define EMU_MAX_LPS	512
#define EMU_MAX_PKGS	8	/* = the 8 PKG_FMS elements of 1.5.01 */
#define EMU_MAX_CMRS	32	/* MAX_CMR */
#define EMU_MAX_TDMRS	64	/* MAX_TDMRS reported by TDH.SYS.RD */
#define EMU_MAX_RSVD	16	/* MAX_RESERVED_PER_TDMR */
#define EMU_MAX_FAULTS	16
#define EMU_NLEAVES	256	/* module leaf numbers counted one by one */
#define EMU_NSEAMLDR	8	/* P-SEAMLDR leaves 0..6 counted, 7 = others */

/* The register file of one SEAMCALL, inputs and outputs. */
struct emu_regs {
	uint64_t rax, rcx, rdx, rbx, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/* Physical memory as the module sees it. Both return 0, or -1 when the
 * range is not RAM (the emulator then fails the leaf as it would for a bad
 * operand). Addresses never carry KeyID bits. */
struct emu_mem_ops {
	int (*read)(void *ctx, uint64_t pa, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t pa, const void *buf, size_t len);
	void *ctx;
};

struct emu_range {
	uint64_t base, size;
};

/* What MCHECK, the CPU and the P-SEAMLDR would report. */
struct emu_config {
	unsigned nlps;			/* BIOS-enabled LPs (MADT); LP ids 0..nlps-1 */
	uint8_t lp_pkg[EMU_MAX_LPS];	/* package index (< npkgs) of each LP */
	unsigned npkgs;
	uint32_t pkg_fms[EMU_MAX_PKGS];	/* CPUID(1).EAX per package */
	struct emu_range cmr[EMU_MAX_CMRS]; /* CMRs as MCHECK reports them */
	unsigned ncmr;
	uint64_t seamrr_base, seamrr_size;
	uint32_t num_mktme_keyids;	/* IA32_MKTME_KEYID_PARTITIONING 31:0 */
	uint32_t num_tdx_keyids;	/* ... 63:32 */
	unsigned maxpa;			/* CPUID MAXPHYADDR */
	unsigned keyid_bits;		/* K: KeyIDs in PA bits [maxpa-1 : maxpa-K] */
	uint64_t xfam_supported;	/* CPU XCR0 | IA32_XSS bits; 0 = no mask */
	bool module_loaded;		/* false: module leaves are VMfailInvalid */
	/* Handoff versions (TDH.SYS.SHUTDOWN RCX rules); 1.5.01 builds: 0/0/0. */
	uint16_t module_hv, min_update_hv;
	bool no_downgrade;
	/* P-SEAMLDR identity reported by SEAMLDR.INFO. */
	uint16_t seamldr_major, seamldr_minor, seamldr_update;
	uint32_t seamldr_build_date;
	uint16_t seamldr_build_num;
	uint32_t num_remaining_updates;
	uint64_t seed;			/* fault-injection PRNG; 0 = fixed default */
};

/* A fault: calls of `leaf` (a module leaf, or a P-SEAMLDR leaf number when
 * `seamldr`) return `status` in RAX, `percent` % of the time, before any
 * check and without touching any state or other register. */
struct emu_fault {
	uint16_t leaf;
	bool seamldr;
	uint64_t status;
	unsigned percent;		/* 0..100 */
};

/* One TDMR as TDH.SYS.CONFIG accepted it. PAMT regions are indexed by the
 * page-size code (TDX_PS_4K/2M/1G). */
struct emu_tdmr {
	uint64_t base, size;
	struct emu_range pamt[3];
	struct emu_range rsvd[EMU_MAX_RSVD];	/* offset (from base), size */
	unsigned nrsvd;
	uint64_t next;			/* next-to-initialize address */
	bool busy;			/* a TDH.SYS.TDMR.INIT is inside */
};

struct emu_stats {
	uint64_t calls[EMU_NLEAVES];	/* by module leaf number */
	uint64_t errors[EMU_NLEAVES];	/* of those, returned with bit 63 set */
	uint64_t seamldr_calls[EMU_NSEAMLDR];
	uint64_t vmfail;		/* SEAMCALLs answered with CF = 1 */
	uint64_t injected;		/* faults injected */
	uint64_t mem_errors;		/* PAMT writes the memory ops refused */
	uint64_t pamt_pages[16];	/* 4 KiB pages by PAMT type, as the TD
					 * leaves set them (PT_NDA unused) */
};

/* The TDMR_INFO copy TDH.SYS.CONFIG validates (the module's own scratch
 * copy): a 64-byte header and MAX_RESERVED_PER_TDMR areas. */
struct emu_tdmr_info {
	uint64_t base, size;
	uint64_t pamt_1g_base, pamt_1g_size;
	uint64_t pamt_2m_base, pamt_2m_size;
	uint64_t pamt_4k_base, pamt_4k_size;
	struct emu_range rsvd[EMU_MAX_RSVD];
};

/* ---- TD execution (TDH.VP.ENTER): how a vCPU reaches the CPU ------------
 * The kernel glue implements the ops with VMX (seam/emu_vmx.c); unit tests
 * with a scripted fake. They run on the LP that issued TDH.VP.ENTER, with
 * the emulator spinlock free. */
struct emu_vmexit {
	uint32_t reason;		/* VMX exit reason; bit 31 entry failure */
	uint64_t qual;			/* exit qualification */
	uint64_t gpa, gla;		/* EPT violations */
	uint32_t intr_info;		/* VM-exit interruption information */
	uint32_t idt_vectoring;		/* event being delivered at the exit */
	uint32_t instr_len, instr_info;
	/* Guest state at the exit, for the module's own decisions. */
	uint64_t rip, rflags, cr0, cr3, cr4, efer, cs_base;
	unsigned cpl;
	uint8_t delivered;		/* the vector the entry injected; 0 none */
};

struct emu_vmentry {
	uint64_t vmcs_pa;		/* the TD VMCS region (a TDCX page) */
	uint64_t eptp;			/* S-EPT root, WB, page-walk length */
	bool launched;			/* VMRESUME rather than VMLAUNCH */
	bool init_state;		/* load the §6.5 initial state first */
	bool flush_tlb;			/* INVEPT the EPTP before entering */
	uint32_t inject;		/* VM-entry interruption info; 0 none */
	uint64_t rip_advance;		/* added to guest RIP before entry */
	uint64_t *gpr;			/* 16 guest GPRs (td_state.h order), in/out */
	/* A virtual interrupt to deliver (from the posted-interrupt
	 * descriptor): injected at entry when the guest can take it
	 * (RFLAGS.IF, no STI/MOV-SS blocking, no other event), else the
	 * entry arms interrupt-window exiting. 0: none. */
	uint8_t intr_vector;
};

struct emu_cpu_ops {
	/* Enters the guest and returns at its next VM exit: 0, or -1 when
	 * the CPU refused the entry (out->reason says why when it can). */
	int (*run)(void *ctx, unsigned lp, const struct emu_vmentry *in,
		   struct emu_vmexit *out);
	/* VMCLEAR of a TD VMCS on this LP (TDH.VP.FLUSH, teardown). */
	void (*flush)(void *ctx, unsigned lp, uint64_t vmcs_pa);
	/* The CPU's own CPUID on this LP (out: EAX, EBX, ECX, EDX), for the
	 * module's CPUID virtualization; NULL: only leaf 0x21 is answered. */
	void (*cpuid)(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
	/* Right after run() on this LP: reads or writes the guest's value of
	 * an MSR the TD VMCS holds (EFER, PAT, SYSENTER_CS/ESP/EIP, FS/GS
	 * base) or the TSC, for a RDMSR/WRMSR the real module lets the TD do
	 * natively. 0, or -1 when this CPU layer does not hold that MSR.
	 * NULL: every such access becomes a #VE. */
	int (*guest_msr)(void *ctx, unsigned lp, uint32_t msr, bool write, uint64_t *val);
};

/* ---- The module the P-SEAMLDR loaded -----------------------------------
 * What TDH.SYS.RD and SEAMLDR_INFO report about it. emu_init() fills it
 * with the built-in 1.5.01 identity; SEAMLDR.INSTALL replaces it with the
 * installed blob's. */
struct emu_module {
	uint16_t major, minor, update, internal;
	uint32_t build_date;		/* decimal yyyymmdd, as TDH.SYS.RD */
	uint16_t build_num;
	uint16_t seamsvn;		/* SIGSTRUCT SEAMSVN: major << 8 | minor */
	uint16_t max_tdmrs;		/* <= EMU_MAX_TDMRS */
	uint16_t module_hv, min_update_hv;
	bool no_downgrade;
	uint8_t mrseam[48];		/* SEAMHASH of the installed image */
};

/* The emulator cannot run Intel's code. A module image it can "run" starts
 * with this header (tools/tdxblob make --emu-version writes it); the rest of
 * the image is not executed. Little-endian, 24 bytes. */
#define EMU_MODULE_IMAGE_MAGIC		"BTDXEMU1"
#define EMU_MODULE_IMAGE_HDR_SIZE	24
/* +0 magic[8], +8 u16 major, +10 minor, +12 update, +14 internal,
 * +16 u32 build_date (yyyymmdd), +20 u16 build_num, +22 u16 reserved (0) */

/* The P-SEAMLDR's install session and SEAMEXTEND (PSL seamldr_install.c). */
struct emu_ldr {
	uint8_t update_bitmap[EMU_MAX_LPS / 8];	/* LPs inside this session */
	unsigned lps_in_update;
	bool ready_snapshot;		/* seam_ready when the session began */
	bool keys_dirty;		/* a module ran since the last cleanup */
	uint32_t remaining;		/* num_remaining_updates */
	uint32_t seamdb_size;		/* what a LOAD resets it to, before -1 */
	bool extend_valid;		/* SEAMEXTEND describes a module */
	uint16_t tcb_svn;
	uint8_t mrseam[48];
	uint64_t last_status;		/* of the last session's last LP */
	char why[96];			/* and why, in words ("" on success) */
	uint64_t params[512];		/* the SEAMLDR_PARAMS copy */
	uint8_t page[4096];		/* scratch: one image page */
	uint8_t sigstruct[2048];
	struct tdxblob blob;		/* SIGSTRUCT checks (seam/tdxblob.c) */
};

struct emu;

/* Called with the module's locks held and the emulator's spinlock free, at
 * the point where a leaf does its long work (tests use it to issue a
 * concurrent SEAMCALL from another LP). */
typedef void emu_inside_fn(void *ctx, struct emu *e, unsigned lp, unsigned leaf);

struct emu {
	struct emu_config cfg;
	struct emu_mem_ops mem;
	bool module_ready;		/* SEAMEXTEND.SEAM_READY: module leaves work */
	struct emu_module module;
	struct emu_ldr ldr;
	struct spinlock lock;		/* the emulator's own lock */
	int glock;			/* module global lock: 0, -1 excl, n shared */
	unsigned state;			/* enum tdx_global_state */
	bool seamldr_busy;		/* an LP is inside the P-SEAMLDR */
	uint8_t lp_init[EMU_MAX_LPS];	/* TDH.SYS.LP.INIT done */
	uint8_t lp_busy[EMU_MAX_LPS];	/* inside a SEAMCALL */
	unsigned num_init_lps;
	uint32_t pkg_configured;	/* TDH.SYS.KEY.CONFIG bitmap */
	unsigned num_init_pkgs;
	uint64_t sys_attributes;
	uint64_t hkid_mask;		/* PA bits holding the KeyID */
	unsigned hkid_shift;
	uint32_t hkid_min, hkid_max;	/* TDX private KeyIDs */
	uint16_t global_keyid;
	unsigned ntdmrs;
	struct emu_tdmr tdmr[EMU_MAX_TDMRS];
	struct emu_tdmr_info tdmr_copy[EMU_MAX_TDMRS];
	bool handoff_valid;
	uint16_t handoff_hv;
	uint8_t md_list[4096];		/* TDH.SYS.RDALL output being built */
	struct emu_fault faults[EMU_MAX_FAULTS];
	unsigned nfaults;
	uint64_t rng;
	/* Part 2: TDs and vCPUs (td_state.h), TDH.PHYMEM.CACHE.WB progress
	 * per package, and how TD vCPUs reach the CPU. */
	struct emu_td tds[EMU_MAX_TDS];
	struct emu_vcpu vcpus[EMU_MAX_VCPUS];
	uint16_t wb_progress[EMU_MAX_PKGS]; /* CACHE.WB units left; 0 idle */
	const struct emu_cpu_ops *cpu;
	void *cpu_ctx;
	emu_inside_fn *inside;		/* test hook, see emu_set_inside_hook */
	void *inside_ctx;
	struct emu_stats stats;
};

/* Validates cfg (LP/package counts, KeyID split against K and MAXPA) and
 * resets the module to SYSINIT_PENDING. Returns 0, or -1 on a platform
 * that cannot exist. CMR list errors are left for TDH.SYS.INIT to report. */
int emu_init(struct emu *e, const struct emu_config *cfg, const struct emu_mem_ops *mem);

/* Adds a fault (at most EMU_MAX_FAULTS). Returns 0, or -1 if full/invalid. */
int emu_add_fault(struct emu *e, const struct emu_fault *f);

/* Parses "<leaf>:<status>:<percent>": leaf is a number or a name such as
 * "TDH.SYS.CONFIG", "sys.config" or "SEAMLDR.INFO"; status is a number
 * (0x... hex) or a name such as TDX_OPERAND_BUSY; percent is 0..100.
 * Returns 0, or -1 on bad syntax. */
int emu_fault_parse(const char *spec, struct emu_fault *out);

/* One SEAMCALL issued by logical processor `lp` (the kernel's CPU number).
 * Updates *r as the module would. *cf = true means VMfailInvalid and *r is
 * untouched (the CPU does not write RAX): no module loaded, the P-SEAMLDR
 * busy on another LP, or lp >= cfg.nlps (an LP MCHECK did not count has
 * no SEAM VMCS). May be called from several CPUs at once. */
void emu_seamcall(struct emu *e, unsigned lp, struct emu_regs *r, bool *cf);

/* Connects TD execution to the CPU; without it TDH.VP.ENTER fails with
 * TDX_OPERAND_INVALID + RAX, as a leaf this module does not have. */
void emu_set_cpu_ops(struct emu *e, const struct emu_cpu_ops *ops, void *ctx);

/* The spec name of a module leaf ("TDH.SYS.INIT") or NULL if unknown. */
const char *emu_leaf_name(unsigned leaf);

/* A range of the boot memory map, for emu_cmrs_from_map. */
struct emu_mem_range {
	uint64_t base, size;
	uint32_t usable;		/* nonzero: RAM the OS may use */
};

/* Default CMRs from a memory map sorted by base: usable RAM from 1 MiB up,
 * 4 KiB-aligned inwards, adjacent ranges merged, the SEAMRR range cut out.
 * Writes at most `cap` ranges; returns how many. */
size_t emu_cmrs_from_map(const struct emu_mem_range *regions, size_t n,
			 uint64_t seamrr_base, uint64_t seamrr_size,
			 struct emu_range *out, size_t cap);

#endif
