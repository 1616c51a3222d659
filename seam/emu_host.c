/* The kernel side of the emulated TDX module (seam/emu/, design.md §7):
 * where it lives, how SEAMCALL reaches it, and the platform MSRs it
 * answers.
 *
 * - tdx=emulate carves the "emulated SEAMRR" out of usable RAM before the
 *   page allocator exists, so the allocator never hands it out; the
 *   module's own state (struct emu) lives at its start, as a real module's
 *   lives in SEAMRR.
 * - SEAMCALL on a CPU without SEAM raises #UD. In VMX root operation with
 *   emulation on, the #UD hook decodes 66 0F 01 CF, runs the leaf and
 *   resumes after it with CF set or clear as the module would. Outside VMX
 *   operation the #UD goes on to the SEAMCALL stub's fixup (TDX_SEAMCALL_UD),
 *   exactly as on hardware.
 * - TD vCPUs run on VMX through seam/emu_vmx.c (TDH.VP.ENTER).
 * - MTRRCAP.SEAMRR, IA32_SEAMRR_PHYS_BASE/MASK, IA32_MKTME_KEYID_PARTITIONING
 *   and IA32_TME_ACTIVATE are answered (see msr_override).
 * The emulator is a functional model: no memory encryption, no integrity,
 * no isolation of the SEAMRR range from the host. It says so when enabled. */
#include <string.h>
#include "boot/memmap.h"
#include "kernel/config.h"
#include "drivers/platform.h"
#include "kernel/cpu.h"
#include "kernel/log.h"
#include "kernel/msr.h"
#include "kernel/smp.h"
#include "kernel/trap.h"
#include "mm/direct_map.h"
#include "seam/emu/emu.h"
#include "seam/emu_host.h"
#include "seam/emu_vmx.h"
#include "seam/tdx_abi.h"
#include "vmx/vmx.h"

#define RFLAGS_CF (1ull << 0)
#define RFLAGS_ZF (1ull << 6)

static struct emu *emu;
static uint64_t seamrr_base, seamrr_size, direct_limit;
static unsigned maxpa, keyid_bits;
static struct boot_mem_region *regions;
static size_t nregions;

void tdx_emu_reserve(struct boot_info *bi)
{
	size_t n = bi->mem_count;
	uint64_t size = config.emu.seamrr_mib << 20;

	if (config.tdx != TDX_MODE_EMULATE)
		return;
	regions = phys_to_virt(bi->mem_pa);
	/* SEAMRR is a base/mask pair: the range is aligned to its size. */
	seamrr_base = memmap_carve(regions, &n, bi->mem_cap, size, size,
				   bi->direct_map_size, BOOT_MEM_SEAMRR);
	if (!seamrr_base) {
		pr_err("tdx-emu: no usable RAM for a %llu MiB emulated SEAMRR; TDX emulation stays off\n",
		       (unsigned long long)config.emu.seamrr_mib);
		return;
	}
	seamrr_size = size;
	bi->mem_count = (uint32_t)n;
	nregions = n;
	direct_limit = bi->direct_map_size;
}

static int mem_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	(void)ctx;
	if (pa >= direct_limit || len > direct_limit - pa)
		return -1;
	memcpy(buf, phys_to_virt(pa), len);
	return 0;
}

static int mem_write(void *ctx, uint64_t pa, const void *buf, size_t len)
{
	(void)ctx;
	if (pa >= direct_limit || len > direct_limit - pa)
		return -1;
	memcpy(phys_to_virt(pa), buf, len);
	return 0;
}

static const struct emu_mem_ops mem_ops = { mem_read, mem_write, NULL };

static bool ud_hook(struct trap_frame *f)
{
	static const uint8_t seamcall[4] = { 0x66, 0x0f, 0x01, 0xcf };
	struct emu_regs r;
	bool cf = false;

	if (!emu || memcmp((const void *)(uintptr_t)f->rip, seamcall, 4) ||
	    !this_cpu()->vmx_on)
		return false;
	r = (struct emu_regs){ f->rax, f->rcx, f->rdx, f->rbx, f->rsi, f->rdi,
			       f->r8, f->r9, f->r10, f->r11, f->r12, f->r13,
			       f->r14, f->r15 };
	emu_seamcall(emu, this_cpu()->id, &r, &cf);
	if (!cf) {
		f->rax = r.rax; f->rcx = r.rcx; f->rdx = r.rdx; f->rbx = r.rbx;
		f->rsi = r.rsi; f->rdi = r.rdi; f->r8 = r.r8; f->r9 = r.r9;
		f->r10 = r.r10; f->r11 = r.r11; f->r12 = r.r12; f->r13 = r.r13;
		f->r14 = r.r14; f->r15 = r.r15;
	}
	f->rflags = (f->rflags & ~(RFLAGS_CF | RFLAGS_ZF)) | (cf ? RFLAGS_CF : 0);
	f->rip += sizeof(seamcall);
	return true;
}

/* The MSRs a TDX host reads to find SEAM (tdx-abi.md §3.1). The emulator
 * only runs on CPUs without SEAM, where these MSRs mean nothing: absent,
 * or read as 0 by emulators that ignore unknown MSRs (Bochs, QEMU TCG). So
 * they are always answered; MTRRCAP keeps the CPU's bits and gains SEAMRR. */
static bool msr_override(uint32_t msr, uint64_t cpu, bool cpu_has, uint64_t *v)
{
	uint64_t pa_mask = (maxpa < 64 ? (1ull << maxpa) : 0) - 1;

	if (!emu)
		return false;
	switch (msr) {
	case MSR_IA32_MTRRCAP:
		*v = (cpu_has ? cpu : 0) | MTRRCAP_SEAMRR;
		return true;
	case MSR_IA32_SEAMRR_PHYS_BASE:
		*v = seamrr_base | SEAMRR_BASE_CONFIGURED;
		return true;
	case MSR_IA32_SEAMRR_PHYS_MASK:
		*v = (~(seamrr_size - 1) & pa_mask) | SEAMRR_MASK_LOCKED |
		     SEAMRR_MASK_ENABLED;
		return true;
	case MSR_IA32_MKTME_KEYID_PARTITIONING:
		*v = config.emu.mktme_keyids | (uint64_t)config.emu.tdx_keyids << 32;
		return true;
	case MSR_IA32_TME_ACTIVATE:
		*v = TME_ACTIVATE_LOCKED | TME_ACTIVATE_ENABLED |
		     (uint64_t)keyid_bits << 32 /* MK_TME_KEYID_BITS, 35:32 */;
		return true;
	default:
		return false;
	}
}

/* A machine that already has SEAM (MTRRCAP.SEAMRR on the CPU itself) runs
 * Intel's module; the emulator must never stand in front of it. */
static bool cpu_has_seam(void)
{
	uint64_t cap;
	return rdmsr_safe(MSR_IA32_MTRRCAP, &cap) == 0 && (cap & MTRRCAP_SEAMRR);
}

static void fill_platform(struct emu_config *c)
{
	unsigned pkg_ids[EMU_MAX_PKGS];

	for (unsigned i = 0; i < cpu_count && i < EMU_MAX_LPS; i++) {
		unsigned p = cpu_list[i]->topo.package, k;
		for (k = 0; k < c->npkgs && pkg_ids[k] != p; k++)
			;
		if (k == c->npkgs && c->npkgs < EMU_MAX_PKGS) {
			pkg_ids[c->npkgs] = p;
			c->pkg_fms[c->npkgs++] = cpuid(1, 0).eax;
		}
		c->lp_pkg[i] = (uint8_t)(k < EMU_MAX_PKGS ? k : 0);
	}
	/* MCHECK counts the LPs the BIOS enabled, not the ones we started:
	 * a listed CPU that never came up keeps SYS.CONFIG from passing, as
	 * on hardware. */
	c->nlps = platform_enabled_cpus();
	if (c->nlps < cpu_count)
		c->nlps = cpu_count;
}

/* CMRs as MCHECK would report them: all DRAM (what the memory map shows as
 * RAM of any use, firmware's included), from 1 MiB up, minus SEAMRR. */
static size_t default_cmrs(struct emu_range *out, size_t cap)
{
	static struct emu_mem_range ram[512];
	size_t n = 0;

	for (size_t i = 0; i < nregions && n < 512; i++) {
		uint32_t t = regions[i].type;
		ram[n].base = regions[i].base;
		ram[n].size = regions[i].size;
		ram[n].usable = t != BOOT_MEM_MMIO && t != BOOT_MEM_RESERVED &&
				t != BOOT_MEM_UNUSABLE && t != BOOT_MEM_SEAMRR;
		n++;
	}
	return emu_cmrs_from_map(ram, n, seamrr_base, seamrr_size, out, cap);
}

void tdx_emu_start(void)
{
	static struct emu_config c;
	struct emu_fault fault;
	unsigned total = config.emu.mktme_keyids + config.emu.tdx_keyids;

	if (!seamrr_size)
		return;
	if (cpu_has_seam()) {
		kprintf("tdx-emu: this CPU has SEAM: Intel's module is used, the emulator stays off\n");
		return;
	}
	if (sizeof(struct emu) > seamrr_size) {
		pr_err("tdx-emu: the emulator needs %zu KiB, more than the %llu MiB SEAMRR; emulation off\n",
		       sizeof(struct emu) >> 10, (unsigned long long)(seamrr_size >> 20));
		return;
	}
	maxpa = cpuid(0x80000008, 0).eax & 0xff;
	for (keyid_bits = 0; (1u << keyid_bits) <= total; keyid_bits++)
		;
	memset(&c, 0, sizeof(c));
	fill_platform(&c);
	c.ncmr = (unsigned)default_cmrs(c.cmr, EMU_MAX_CMRS);
	c.seamrr_base = seamrr_base;
	c.seamrr_size = seamrr_size;
	c.num_mktme_keyids = config.emu.mktme_keyids;
	c.num_tdx_keyids = config.emu.tdx_keyids;
	c.maxpa = maxpa;
	c.keyid_bits = keyid_bits;
	c.module_loaded = !config.emu.module_absent;
	/* The identity the emulated P-SEAMLDR reports (SEAMLDR.INFO). */
	c.seamldr_major = 1;
	c.seamldr_minor = 5;
	c.seamldr_update = 0;
	c.seamldr_build_num = 1;
	c.seamldr_build_date = 0x20261122;
	c.num_remaining_updates = 32;
	c.seed = rdtsc();

	struct emu *e = phys_to_virt(seamrr_base);
	if (emu_init(e, &c, &mem_ops) != 0) {
		pr_err("tdx-emu: the emulated platform is not valid; emulation off\n");
		return;
	}
	for (unsigned i = 0; i < config.emu.nfaults; i++) {
		if (emu_fault_parse(config.emu.faults[i], &fault) || emu_add_fault(e, &fault))
			pr_warn("cfg: tdx.emu.fault=%s: expected <leaf>:<status>:<percent> (ignored)\n",
				config.emu.faults[i]);
	}
	/* TDs run on VMX (tdx_emu_start runs after vmx_init). */
	if (vmx_ready())
		emu_set_cpu_ops(e, &emu_vmx_ops, NULL);
	emu = e;
	trap_set_ud_hook(ud_hook);
	msr_set_platform_override(msr_override);
	kprintf("tdx-emu: emulated TDX module on: a functional model without memory encryption "
		"or integrity; SEAMRR [0x%llx, 0x%llx), %u MKTME + %u TDX KeyIDs, %u CMRs, module %s\n",
		(unsigned long long)seamrr_base, (unsigned long long)(seamrr_base + seamrr_size),
		config.emu.mktme_keyids, config.emu.tdx_keyids, c.ncmr,
		c.module_loaded ? "loaded" : "absent");
}

bool tdx_emu_active(void)
{
	return emu != NULL;
}

struct emu *tdx_emu(void)
{
	return emu;
}
