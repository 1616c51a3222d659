/* TDs from the serial console (design.md §6): `td create|run|list|info|
 * destroy` over the lifecycle in td_host.c, and the vCPU run loop with its
 * TDVMCALL and EPT-violation handling (tdx-abi.md §6.6-§6.7, §7.2).
 *
 * Each vCPU is pinned to a CPU and its loop runs there (on_cpu), entering
 * the TD until the vCPU halts, the TD dies or the time runs out. The loop
 * checks the `td run --timeout` and the shell's command limit itself. */
#include <string.h>
#include "drivers/lapic.h"
#include "kernel/cmdlimit.h"
#include "kernel/cpu.h"
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/parse.h"
#include "kernel/percpu.h"
#include "kernel/shell.h"
#include "kernel/smp.h"
#include "kernel/spinlock.h"
#include "kernel/time.h"
#include "mm/direct_map.h"
#include "mm/page.h"
#include "mm/ept.h"
#include "kernel/bootfiles.h"
#include "seam/td_devices.h"
#include "seam/td_host.h"
#include "seam/tdhob.h"
#include "seam/tdvf.h"
#include "seam/tdvmcall.h"
#include "seam/tdx_status.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"
#include "seam/td_kernel.h"
#include "seam/tdx_kernel.h"

#define MAX_TDS		8
#define LINE_MAX_TD	160
#define COM1		0x3f8
/* Test payloads name a shared page to print with a 4-byte OUT here: the
 * value is the page's GPA >> 12, the page holds a NUL-terminated line. */
#define SHARED_PRINT_PORT 0x3fc
#define MAPGPA_PAGES_PER_CALL 64	/* then RETRY with R11 (GHCI) */
#define DEFAULT_MEM_MIB	128
/* The notification vector TD_VMCS carries for posted interrupts; the host
 * posts between entries, so nothing is ever sent with it. */
#define POSTED_NOTIFY_VECTOR 0xf2

struct td_payload {
	const char *name;
	const uint8_t *start, *end;
};
extern const struct td_payload td_payloads[];

enum run_end { RUN_HALTED = 1, RUN_DIED, RUN_TIMEOUT, RUN_ERROR, RUN_STOPPED, RUN_SHELL,
	       RUN_DETACHED };

struct td_slot {
	bool used;
	unsigned id;
	struct td td;
	char image[BOOT_FILE_NAME_MAX];	/* the payload's or firmware file's name */
	bool firmware;			/* a TDVF firmware file (td create --firmware) */
	/* Firmware TDs: the port I/O devices OVMF probes, and what the TD did
	 * with them and with its LAPIC (x2APIC MSRs through the host). */
	struct td_devices dev;
	uint64_t io_exits, mmio_exits, msr_exits, cpuid_exits, hlt_exits;
	uint64_t aug_bytes;		/* RAM the TD accepted (PAGE.AUG-ed) */
	uint64_t added_ram;		/* RAM PAGE.ADD-ed at build (TempMem, HOB) */
	uint64_t run_us;		/* time spent in td run so far */
	uint64_t run_t0;		/* TSC when the current td run began */
	uint64_t milestone_us[8];	/* run time a milestone was reached; 0 not */
	uint64_t x2apic[TD_MAX_VCPUS][64];	/* MSRs 0x800-0x83f as written */
	uint64_t tsc_deadline[TD_MAX_VCPUS];
	/* The vCPUs' LAPIC timers, run by the host (their MSR writes come as
	 * TDVMCALLs), and the posted-interrupt descriptors the host posts
	 * their vectors into (the module delivers them). */
	uint64_t timer_due[TD_MAX_VCPUS];	/* TSC; 0: not armed */
	uint64_t timer_period[TD_MAX_VCPUS];	/* TSC ticks; 0: one-shot */
	uint64_t pid_pa[TD_MAX_VCPUS];
	uint64_t timer_irqs;
	struct spinlock lock;		/* output line, AUG, state below */
	char line[LINE_MAX_TD];
	unsigned line_len;
	char prev;			/* the last character COM1 sent */
	uint8_t esc;			/* inside an ANSI escape: 1 ESC, 2 CSI */
	bool raw;			/* td console: COM1 straight to the console */
	bool at_shell;			/* the shell prompt just appeared */
	bool trace;			/* td trace: print each TDVMCALL */
	bool dead;
	char dead_why[120];
	uint64_t exits, vmcalls, augs, conversions;
	uint64_t mem_bytes;		/* private GPAs [0, mem) may be AUG-ed */
	bool huge;			/* AUG 2 MiB where it can */
	struct ept shared;		/* the shared half: GPAs with bit 47 */
	volatile uint64_t shared_gen;	/* bumped when a shared mapping goes */
	volatile bool stop;		/* Ctrl-C on the console */
	uint64_t pages_before;		/* "td" pages before create */
	/* SEAMCALLs by leaf (the host's counters): to build, and to run so
	 * far (TDH.VP.ENTER counted as exits). */
	uint32_t build_calls[TDX_HOST_NLEAVES], run_calls[TDX_HOST_NLEAVES];
};

static void calls_snapshot(uint32_t *out)
{
	const struct tdx_host *h = tdx_host();
	for (unsigned l = 0; l < TDX_HOST_NLEAVES; l++)
		out[l] = (uint32_t)h->stats.calls[l];
}

static void calls_since(uint32_t *acc, const uint32_t *before)
{
	const struct tdx_host *h = tdx_host();
	for (unsigned l = 0; l < TDX_HOST_NLEAVES; l++)
		acc[l] += (uint32_t)h->stats.calls[l] - before[l];
}

static void calls_json(const char *name, const uint32_t *c, uint64_t enters)
{
	bool first = true;
	kprintf(",\"%s\":{", name);
	for (unsigned l = 0; l < TDX_HOST_NLEAVES - 1; l++) {
		uint64_t n = c[l] + (l == TDH_VP_ENTER ? enters : 0);
		if (!n)
			continue;
		kprintf("%s\"%s\":%llu", first ? "" : ",", tdx_leaf_name(l), (unsigned long long)n);
		first = false;
	}
	kprintf("}");
}

static struct td_slot slots[MAX_TDS];
static unsigned next_id = 1;

static const struct td_payload *find_payload(const char *name)
{
	for (const struct td_payload *p = td_payloads; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

/* A TD firmware file the loader brought (\EFI\baretdx\, firmware=). */
static const struct boot_file *find_firmware(const char *name)
{
	for (unsigned i = 0; i < bootfiles_count(); i++) {
		const struct boot_file *f = bootfiles_get(i);
		if (f->kind == BOOT_FILE_FIRMWARE && !strcmp(f->name, name))
			return f;
	}
	return NULL;
}

static void list_firmware(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < bootfiles_count(); i++) {
		const struct boot_file *f = bootfiles_get(i);
		if (f->kind == BOOT_FILE_FIRMWARE)
			kprintf("%s %s", n++ ? "," : " (loaded:", f->name);
	}
	kprintf("%s\n", n ? ")" : " (none in \\EFI\\baretdx\\)");
}

static struct td_slot *find_td(const char *arg)
{
	uint64_t id;

	if (!parse_u64(arg, &id))
		return NULL;
	for (unsigned i = 0; i < MAX_TDS; i++)
		if (slots[i].used && slots[i].id == id)
			return &slots[i];
	return NULL;
}

static void print_mrtd(const char *prefix, const uint8_t *m)
{
	char hex[97];
	for (unsigned i = 0; i < 48; i++)
		fmt_snprintf(hex + 2 * i, 3, "%02x", m[i]);
	kprintf("%s%s\n", prefix, hex);
}

/* ---- td create ------------------------------------------------------------ */

/* The initial image by its TDVF metadata (seam/tdvf.c), sections in
 * metadata order as QEMU+KVM add them: BFV/CFV/Payload data PAGE.ADD-ed
 * page by page, each followed by its MR.EXTENDs when the section asks;
 * TempMem and TD_HOB pages PAGE.ADD-ed as zeros, unmeasured. PermMem and
 * PAGE.AUG sections are left to lazy acceptance. */
/* The TD HOB for a firmware TD (seam/tdhob.c, as QEMU builds it): RAM
 * [0, mem) below 2 GiB and the rest from 4 GiB, the pages PAGE.ADD-ed for
 * TempMem and the HOB itself accepted, everything else unaccepted. The
 * bytes go into the TD_HOB section's pages with PAGE.ADD, unmeasured. */
static int build_hob(struct td_slot *s, const struct tdvf_info *info,
		     const struct tdvf_section *hob, uint8_t *buf, size_t cap, size_t *len)
{
	struct tdhob_range ram[2], acc[TDVF_MAX_SECTIONS];
	unsigned nram = 0, nacc = 0;
	uint64_t low = s->mem_bytes < (2ull << 30) ? s->mem_bytes : (2ull << 30);
	char why[96];

	ram[nram++] = (struct tdhob_range){ 0, low };
	if (s->mem_bytes > low)
		ram[nram++] = (struct tdhob_range){ 4ull << 30, s->mem_bytes - low };
	for (unsigned i = 0; i < info->nsec; i++) {
		const struct tdvf_section *sec = &info->sec[i];
		if ((sec->type == TDVF_TEMP_MEM || sec->type == TDVF_TD_HOB) &&
		    sec->gpa + sec->mem_size <= low)
			acc[nacc++] = (struct tdhob_range){ sec->gpa, sec->mem_size };
	}
	*len = tdhob_build(buf, cap, hob->gpa, ram, nram, acc, nacc, NULL, 0, why, sizeof(why));
	if (!*len) {
		fmt_snprintf(s->td.why, sizeof(s->td.why), "TD HOB: %s", why);
		return -1;
	}
	return 0;
}

static int load_tdvf(struct td_slot *s, const uint8_t *image, size_t len)
{
	static struct tdvf_info info;
	static uint8_t hob[16 * PAGE_SIZE];
	char why[120];

	if (tdvf_parse(image, len, &info, why, sizeof(why))) {
		fmt_snprintf(s->td.why, sizeof(s->td.why), "payload metadata: %s", why);
		return -1;
	}
	for (unsigned i = 0; i < info.nsec; i++) {
		const struct tdvf_section *sec = &info.sec[i];
		const uint8_t *data = image + sec->data_offset;
		size_t data_len = sec->raw_size;

		if (sec->type == TDVF_PERM_MEM || (sec->attributes & TDVF_ATTR_PAGE_AUG))
			continue;
		if (sec->type == TDVF_TD_HOB && s->firmware) {
			if (build_hob(s, &info, sec, hob,
				      sec->mem_size < sizeof(hob) ? sec->mem_size : sizeof(hob),
				      &data_len))
				return -1;
			data = hob;
		}
		if (td_add_region(&s->td, sec->gpa, data, data_len,
				  sec->mem_size, sec->attributes & TDVF_ATTR_MR_EXTEND))
			return -1;
		if (sec->gpa + sec->mem_size <= s->mem_bytes)
			s->added_ram += sec->mem_size;
	}
	return 0;
}

/* TD pages are the "td" owner in `mem stats`. */
static int td_alloc(void *ctx, uint64_t bytes, uint64_t align, uint64_t *pa)
{
	uint64_t pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	(void)ctx;
	if (page_alloc(pages, align < PAGE_SIZE ? PAGE_SIZE : align, 0, OWN_TD, pa))
		return -1;
	memset(phys_to_virt(*pa), 0, pages * PAGE_SIZE);
	return 0;
}

static void td_free(void *ctx, uint64_t pa, uint64_t bytes)
{
	(void)ctx;
	page_free(pa, (bytes + PAGE_SIZE - 1) / PAGE_SIZE, OWN_TD);
}

static const struct td_mem_ops td_mem = { td_alloc, td_free, NULL };

static int shared_alloc(void *ctx, uint64_t *pa)
{
	return td_alloc(ctx, PAGE_SIZE, PAGE_SIZE, pa);
}

static void shared_free(void *ctx, uint64_t pa)
{
	td_free(ctx, pa, PAGE_SIZE);
}

static void *shared_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

static const struct ept_ops shared_ops = { shared_alloc, shared_free, shared_virt, NULL };

/* Every shared page and table back to the allocator. */
static void shared_destroy(struct td_slot *s)
{
	struct ept_walk w;

	for (unsigned i = 0; i < TD_MAX_VCPUS; i++)
		if (s->pid_pa[i]) {
			td_free(NULL, s->pid_pa[i], PAGE_SIZE);
			s->pid_pa[i] = 0;
		}
	if (!s->shared.root_pa)
		return;
	for (uint64_t gpa = TD_SHARED_BIT; gpa < TD_SHARED_BIT + s->mem_bytes; gpa += PAGE_SIZE)
		if (ept_lookup(&s->shared, gpa, &w) == 0) {
			ept_unmap(&s->shared, gpa, PAGE_SIZE);
			td_free(NULL, w.hpa & ~(PAGE_SIZE - 1), PAGE_SIZE);
		}
	ept_destroy(&s->shared);
	memset(&s->shared, 0, sizeof(s->shared));
}

static int parse_attr(const char *list, uint64_t *attr)
{
	char buf[64];
	char *p = buf, *tok;

	if (strlen(list) >= sizeof(buf))
		return -1;
	memcpy(buf, list, strlen(list) + 1);
	while ((tok = p) != NULL && *tok) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = 0;
		p = comma ? comma + 1 : NULL;
		if (!strcmp(tok, "debug"))
			*attr |= TDX_TD_ATTR_DEBUG;
		else if (!strcmp(tok, "sept-ve-disable"))
			*attr |= TDX_TD_ATTR_SEPT_VE_DISABLE;
		else
			return -1;
	}
	return 0;
}

static void console_out(struct td_slot *s, char c);

static void com1_out(void *ctx, uint8_t c)
{
	console_out(ctx, (char)c);
}

/* The memory size in CMOS as QEMU's pc_cmos_init writes it, which OVMF's
 * PlatformPei reads when fw_cfg has no etc/e820: 0x15/0x16 base memory
 * (640 KiB), 0x17/0x18 and 0x30/0x31 KiB above 1 MiB (at most 65535),
 * 0x34/0x35 64 KiB units above 16 MiB below 4 GiB, 0x5b-0x5d 64 KiB units
 * above 4 GiB, 0x5f CPUs - 1. RAM is [0, 2 GiB) and the rest from 4 GiB,
 * as in the TD HOB. */
static void cmos_memory_size(struct tddev_cmos *c, uint64_t mem, unsigned vcpus)
{
	uint64_t low = mem < (2ull << 30) ? mem : (2ull << 30), high = mem - low;
	uint64_t ext_kib = low / 1024 > 1024 ? low / 1024 - 1024 : 0;
	uint64_t above16 = low > (16ull << 20) ? (low - (16ull << 20)) >> 16 : 0;

	if (ext_kib > 0xffff)
		ext_kib = 0xffff;
	if (above16 > 0xffff)
		above16 = 0xffff;
	tddev_cmos_write(c, 0x15, 0x80);
	tddev_cmos_write(c, 0x16, 0x02);
	tddev_cmos_write(c, 0x17, (uint8_t)ext_kib);
	tddev_cmos_write(c, 0x18, (uint8_t)(ext_kib >> 8));
	tddev_cmos_write(c, 0x30, (uint8_t)ext_kib);
	tddev_cmos_write(c, 0x31, (uint8_t)(ext_kib >> 8));
	tddev_cmos_write(c, 0x34, (uint8_t)above16);
	tddev_cmos_write(c, 0x35, (uint8_t)(above16 >> 8));
	tddev_cmos_write(c, 0x5b, (uint8_t)(high >> 16));
	tddev_cmos_write(c, 0x5c, (uint8_t)(high >> 24));
	tddev_cmos_write(c, 0x5d, (uint8_t)(high >> 32));
	tddev_cmos_write(c, 0x5f, (uint8_t)(vcpus - 1));
}

/* The ACPI PM timer: 3.579545 MHz from the TSC. */
static uint32_t pm_timer_now(void *ctx)
{
	(void)ctx;
	return (uint32_t)(tsc_to_us(rdtsc()) * ACPI_PM_TIMER_HZ / 1000000u);
}

/* What OVMF finds on its ports (seam/td_devices.c): COM1 printing as
 * [td N], fw_cfg with its signature, CPU count and RAM size (a file
 * directory ready for kernel, initrd and command line), PCI config space
 * with only an i440FX host bridge, a CMOS clock. */
static void firmware_devices(struct td_slot *s, unsigned vcpus)
{
	struct tddev_rtc_time t = { 2026, 11, 22, 0, 0, 0 };

	td_devices_init(&s->dev, com1_out, s, PCI_DEVICE_I440FX);
	s->dev.pm_timer = pm_timer_now;
	fwcfg_add_le(&s->dev.fwcfg, FW_CFG_NB_CPUS, vcpus, 2);
	fwcfg_add_le(&s->dev.fwcfg, FW_CFG_MAX_CPUS, vcpus, 2);
	fwcfg_add_le(&s->dev.fwcfg, FW_CFG_RAM_SIZE, s->mem_bytes, 8);
	fwcfg_add_le(&s->dev.fwcfg, FW_CFG_NOGRAPHIC, 1, 2);
	tddev_cmos_set_time(&s->dev.cmos, &t);
	cmos_memory_size(&s->dev.cmos, s->mem_bytes, vcpus);
}

static int td_create_cmd(int argc, char **argv)
{
	struct td_request req = { .vcpus = 1, .tsc_hz = tsc_hz(), .mem = &td_mem };
	const struct td_payload *payload = find_payload("hello");
	const struct boot_file *fw = NULL;
	static struct tdvf_info fwinfo;
	const uint8_t *image;
	size_t size;
	char why[120];
	struct td_slot *s = NULL;
	uint64_t n, mem_mib = DEFAULT_MEM_MIB;
	bool huge = false;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--vcpus") && i + 1 < argc && parse_u64(argv[i + 1], &n) &&
		    n >= 1 && n <= TD_MAX_VCPUS) {
			req.vcpus = (unsigned)n;
			i++;
		} else if (!strcmp(argv[i], "--payload") && i + 1 < argc) {
			payload = find_payload(argv[++i]);
			if (!payload) {
				kprintf("error: unknown payload '%s' (try:", argv[i]);
				for (const struct td_payload *p = td_payloads; p->name; p++)
					kprintf(" %s", p->name);
				kprintf(")\n");
				return CMD_FAIL;
			}
		} else if (!strcmp(argv[i], "--firmware") && i + 1 < argc) {
			fw = find_firmware(argv[++i]);
			if (!fw) {
				kprintf("error: no firmware file '%s'", argv[i]);
				list_firmware();
				return CMD_FAIL;
			}
			if (fw->state != BOOT_FILE_LOADED) {
				kprintf("error: firmware %s: %s\n", fw->name, bootfiles_state_name(fw->state));
				return CMD_FAIL;
			}
		} else if (!strcmp(argv[i], "--mem") && i + 1 < argc && parse_u64(argv[i + 1], &n) &&
			   n >= 2 && n <= 65536) {
			mem_mib = n;
			i++;
		} else if (!strcmp(argv[i], "--huge")) {
			huge = true;
		} else if (!strcmp(argv[i], "--attr") && i + 1 < argc) {
			if (parse_attr(argv[++i], &req.attributes)) {
				kprintf("error: --attr takes debug,sept-ve-disable\n");
				return CMD_FAIL;
			}
		} else {
			return CMD_USAGE;
		}
	}
	if (!tdx_ready()) {
		kprintf("error: TDX is not initialized (see 'tdx status', 'tdx init')\n");
		return CMD_FAIL;
	}
	image = fw ? phys_to_virt(fw->pa) : payload->start;
	size = fw ? fw->len : (size_t)(payload->end - payload->start);
	if (tdvf_parse(image, size, &fwinfo, why, sizeof(why))) {
		kprintf("error: td create: %s: TDVF metadata: %s\n", fw ? fw->name : payload->name, why);
		return CMD_FAIL;
	}
	for (unsigned k = 0; k < fwinfo.nsec; k++)
		if (fwinfo.sec[k].type == TDVF_TD_HOB)
			req.hob_gpa = fwinfo.sec[k].gpa;
	/* Debian's OVMF (edk2 2022.11) lists RBP in its TDVMCALL register
	 * masks, as GHCI 1.0 allowed; a module enforcing NO_RBP_MOD refuses
	 * every such call. */
	req.allow_rbp = fw != NULL;
	for (unsigned i = 0; i < MAX_TDS && !s; i++)
		if (!slots[i].used)
			s = &slots[i];
	if (!s) {
		kprintf("error: %u TDs exist already; destroy one first\n", MAX_TDS);
		return CMD_FAIL;
	}
	static uint32_t before[TDX_HOST_NLEAVES];
	memset(s, 0, sizeof(*s));
	calls_snapshot(before);
	s->pages_before = page_owner_pages(OWN_TD);
	s->mem_bytes = mem_mib << 20;
	s->huge = huge;
	struct tdx_host *h = (struct tdx_host *)tdx_host();
	unsigned maxphy = cpuid(0x80000008, 0).eax & 0xff;
	s->firmware = fw != NULL;
	if (s->firmware)
		firmware_devices(s, req.vcpus);
	if (td_create(&s->td, h, &req) || load_tdvf(s, image, size) ||
	    td_finalize(&s->td))
		goto fail;
	/* vCPUs on the APs first; each takes its Shared-EPTP there. */
	if (ept_init(&s->shared, &shared_ops, 0, maxphy)) {
		fmt_snprintf(s->td.why, sizeof(s->td.why), "out of memory for the shared EPT");
		goto fail;
	}
	for (unsigned i = 0; i < req.vcpus; i++) {
		unsigned cpu = cpus_online() > 1 ? 1 + i % (cpus_online() - 1) : 0;
		if (td_vcpu_move(&s->td, i, cpu) ||
		    td_vp_wr(&s->td, i, MD_VP_SHARED_EPTP,
			     ept_eptp(&s->shared, vmx_caps.ept_wb, false) & MD_VP_SHARED_EPTP_WRITE_MASK,
			     MD_VP_SHARED_EPTP_WRITE_MASK))
			goto fail;
		/* Firmware TDs get their timer interrupts posted (§ posted
		 * interrupts): a descriptor page per vCPU. */
		if (s->firmware && (td_alloc(NULL, PAGE_SIZE, PAGE_SIZE, &s->pid_pa[i]) ||
				    td_vp_wr(&s->td, i, MD_VP_PI_NV, POSTED_NOTIFY_VECTOR, 0xffff) ||
				    td_vp_wr(&s->td, i, MD_VP_PI_DESC, s->pid_pa[i], ~0x3full)))
			goto fail;
	}
	calls_since(s->build_calls, before);
	s->used = true;
	s->id = next_id++;
	fmt_snprintf(s->image, sizeof(s->image), "%s", fw ? fw->name : payload->name);
	kprintf("td %u: created: %u vCPUs, %s %s, %llu MiB, HKID %u, %llu pages\n", s->id,
		req.vcpus, fw ? "firmware" : "payload", s->image,
		(unsigned long long)mem_mib, s->td.hkid, (unsigned long long)s->td.pages);
	char prefix[32];
	fmt_snprintf(prefix, sizeof(prefix), "td %u: MRTD ", s->id);
	print_mrtd(prefix, s->td.mrtd);
	return CMD_OK;
fail:
	kprintf("error: td create: %s\n", s->td.why[0] ? s->td.why : "failed");
	shared_destroy(s);
	uint64_t leaked = td_destroy(&s->td);
	if (leaked)
		kprintf("error: %llu pages stay with the TDX module\n", (unsigned long long)leaked);
	return CMD_FAIL;
}

/* ---- td run ----------------------------------------------------------------*/

struct vcpu_run {
	struct td_slot *s;
	unsigned index;
	uint64_t deadline;		/* TSC; 0: none (td console) */
	enum run_end end;
	char why[120];
};

/* How far a firmware TD got, seen from the host: what it asked for in
 * the order OVMF asks (SEC accepts memory, PEI reads fw_cfg and CMOS, DXE
 * enumerates PCI, the console drivers write to COM1, an idle UEFI waits
 * with HLT). Shown by td run and td info. */
enum fw_milestone {
	FW_FIRST_ACCEPT, FW_RAM_ACCEPTED, FW_FWCFG, FW_CMOS, FW_PCI, FW_COM1, FW_HLT,
	FW_SHELL, FW_NMILESTONES
};

static const char *const fw_milestone_names[FW_NMILESTONES] = {
	[FW_FIRST_ACCEPT] = "SEC: first page accepted",
	[FW_RAM_ACCEPTED] = "SEC: all RAM accepted",
	[FW_FWCFG] = "fw_cfg probed",
	[FW_CMOS] = "CMOS read",
	[FW_PCI] = "PCI config space probed",
	[FW_COM1] = "console: COM1 output",
	[FW_HLT] = "idle: first HLT",
	[FW_SHELL] = "UEFI shell prompt",
};

static void milestone(struct td_slot *s, enum fw_milestone m)
{
	if (!s->milestone_us[m])
		s->milestone_us[m] = s->run_us + tsc_to_us(rdtsc() - s->run_t0) + 1;
}

/* The UEFI shell's prompt as its first line shows it (no file system
 * mapped): "Shell> ". */
#define SHELL_PROMPT "Shell> "

static void console_line(struct td_slot *s)
{
	s->line[s->line_len] = 0;
	kprintf("[td %u] %s\n", s->id, s->line);
	s->line_len = 0;
}

/* What the TD's COM1 sends. `td console` passes it through as it is;
 * otherwise it becomes [td N] lines: ANSI escape sequences (the firmware's
 * terminal driver sends colours and cursor moves) are dropped, CR, LF
 * and cursor moves end a line, other control characters show as '?'. */
static void console_out(struct td_slot *s, char c)
{
	spin_lock(&s->lock);
	if (s->raw) {
		console_write(&c, 1);
		spin_unlock(&s->lock);
		return;
	}
	if (s->esc == 1) {
		s->esc = c == '[' ? 2 : 0;
	} else if (s->esc == 2) {
		if (c >= 0x40 && c <= 0x7e) {
			s->esc = 0;
			/* A cursor move or a cleared screen starts a new line
			 * (the shell's countdown rewrites its line so). */
			if ((c == 'H' || c == 'f' || c == 'J') && s->line_len)
				console_line(s);
		}
	} else if (c == 0x1b) {
		s->esc = 1;
	} else if (c == '\r' || c == '\n') {
		if (s->line_len || (c == '\n' && s->prev != '\r'))
			console_line(s);
	} else {
		s->line[s->line_len++] = (c >= 0x20 && c < 0x7f) ? c : '?';
		if (s->line_len == LINE_MAX_TD - 1)
			console_line(s);
		else if (s->line_len == sizeof(SHELL_PROMPT) - 1 &&
			 !memcmp(s->line, SHELL_PROMPT, s->line_len) && !s->milestone_us[FW_SHELL]) {
			milestone(s, FW_SHELL);
			s->at_shell = true;
		}
	}
	s->prev = c;
	spin_unlock(&s->lock);
}

#define set_why(v, ...) fmt_snprintf((v)->why, sizeof((v)->why), __VA_ARGS__)

/* The run's time is up (deadline 0: none, td console) or the command's. */
static bool run_over(const struct vcpu_run *v)
{
	return (v->deadline && deadline_passed(v->deadline)) || cmdlimit_expired();
}

static void reply(struct vcpu_run *v, const struct tdvmcall_req *q, uint64_t status,
		  uint64_t r11, const uint64_t *r12_r15);

/* Every vCPU of the TD leaves the guest (§6.8 step 3). */
static void kick_vcpus(void *ctx)
{
	struct td_slot *s = ctx;
	for (unsigned i = 0; i < s->td.nvcpus; i++)
		smp_kick(s->td.vcpu[i].cpu);
}

/* MapGPA (§7.2): to shared, each private page is taken away (BLOCK,
 * TRACK, kick, REMOVE) and a cleared host page is mapped at the shared
 * alias; to private, the shared page goes and the guest accepts a fresh
 * private one (AUG on its ACCEPT). At most MAPGPA_PAGES_PER_CALL pages per
 * call, then RETRY with R11 = where to go on. */
static void mapgpa(struct vcpu_run *v, const struct tdvmcall_req *q)
{
	struct td_slot *s = v->s;
	bool to_shared = q->u.mapgpa.to_shared;
	uint64_t base = q->u.mapgpa.addr, end = base + q->u.mapgpa.size, gpa;
	uint64_t status = TDVMCALL_SUCCESS;
	struct tdx_regs out = { 0 };
	unsigned n = 0;

	if (end > s->mem_bytes) {
		reply(v, q, TDVMCALL_INVALID_OPERAND, base, NULL);
		return;
	}
	spin_lock(&s->lock);
	for (gpa = base; gpa < end; gpa += PAGE_SIZE, n++) {
		struct ept_walk w;
		uint64_t pa;
		if (n == MAPGPA_PAGES_PER_CALL) {
			status = TDVMCALL_RETRY;
			break;
		}
		if (to_shared) {
			if (td_remove_private(&s->td, gpa, kick_vcpus, s)) {
				status = TDVMCALL_INVALID_OPERAND;
				break;
			}
			if (ept_lookup(&s->shared, gpa | TD_SHARED_BIT, &w) == 0)
				continue;
			if (td_alloc(NULL, PAGE_SIZE, PAGE_SIZE, &pa) ||
			    ept_map(&s->shared, gpa | TD_SHARED_BIT, pa, PAGE_SIZE,
				    EPT_R | EPT_W | EPT_X, EPT_MT_WB)) {
				status = TDVMCALL_INVALID_OPERAND;
				break;
			}
		} else if (ept_lookup(&s->shared, gpa | TD_SHARED_BIT, &w) == 0) {
			ept_unmap(&s->shared, gpa | TD_SHARED_BIT, PAGE_SIZE);
			s->shared_gen++;
			kick_vcpus(s);
			td_free(NULL, w.hpa & ~(PAGE_SIZE - 1), PAGE_SIZE);
		}
		s->conversions++;
	}
	spin_unlock(&s->lock);
	if (status == TDVMCALL_RETRY)
		tdvmcall_reply_mapgpa_retry(q, gpa - base, &out);
	else
		tdvmcall_reply(q, status, status ? gpa : 0, NULL, &out);
	td_vmcall_reply_regs(&s->td, v->index, &out);
}

/* A line the guest left in shared memory (SHARED_PRINT_PORT). */
static void shared_print(struct td_slot *s, uint64_t gfn)
{
	struct ept_walk w;
	const char *p;

	if (ept_lookup(&s->shared, (gfn << 12) | TD_SHARED_BIT, &w)) {
		kprintf("[td %u] (no shared page at GPA 0x%llx)\n", s->id,
			(unsigned long long)(gfn << 12));
		return;
	}
	p = phys_to_virt(w.hpa & ~(PAGE_SIZE - 1));
	for (unsigned i = 0; i < PAGE_SIZE && p[i]; i++)
		console_out(s, p[i]);
	console_out(s, '\n');
}

/* MSRs a TD may read through the host (§7.2 Instruction.RDMSR). */
static bool msr_read(uint32_t msr, uint64_t *v)
{
	switch (msr) {
	case 0x10:	/* IA32_TIME_STAMP_COUNTER */
		*v = rdtsc();
		return true;
	case 0x1b:	/* IA32_APIC_BASE: x2APIC enabled, as TDX requires */
		*v = 0xfee00000ull | (1u << 11) | (1u << 10);
		return true;
	default:
		return false;
	}
}

/* Queues the answer in the registers td_enter passes next. */
static void reply(struct vcpu_run *v, const struct tdvmcall_req *q, uint64_t status,
		  uint64_t r11, const uint64_t *r12_r15)
{
	struct tdx_regs out = { 0 };

	tdvmcall_reply(q, status, r11, r12_r15, &out);
	td_vmcall_reply_regs(&v->s->td, v->index, &out);
}

static void io_milestone(struct td_slot *s, uint16_t port, bool out)
{
	if (port >= FWCFG_PORT_SEL && port <= FWCFG_PORT_DATA)
		milestone(s, FW_FWCFG);
	else if (port == 0x71 && !out)
		milestone(s, FW_CMOS);
	else if (port >= 0xcf8 && port <= 0xcff)
		milestone(s, FW_PCI);
	else if (port == TDDEV_COM1 && out)
		milestone(s, FW_COM1);
}

static void show_milestones(const struct td_slot *s, bool json)
{
	bool first = true;

	if (!json)
		kprintf("td %u: firmware milestones (TD run time):\n", s->id);
	for (unsigned m = 0; m < FW_NMILESTONES; m++) {
		if (json) {
			kprintf("%s\"%s\":%llu", first ? "" : ",", fw_milestone_names[m],
				(unsigned long long)(s->milestone_us[m] / 1000));
			first = false;
		} else {
			kprintf("  %-30s %s", fw_milestone_names[m], s->milestone_us[m] ? "" : "not reached\n");
			if (s->milestone_us[m])
				kprintf("at %llu ms\n", (unsigned long long)(s->milestone_us[m] / 1000));
		}
	}
	if (!json)
		kprintf("  RAM accepted: %llu of %llu MiB; timer interrupts posted: %llu; exits: %llu I/O, %llu MMIO, %llu MSR, %llu CPUID, %llu HLT\n",
			(unsigned long long)((s->aug_bytes + s->added_ram) >> 20),
			(unsigned long long)(s->mem_bytes >> 20), (unsigned long long)s->timer_irqs,
			(unsigned long long)s->io_exits,
			(unsigned long long)s->mmio_exits, (unsigned long long)s->msr_exits,
			(unsigned long long)s->cpuid_exits, (unsigned long long)s->hlt_exits);
}

/* x2APIC registers (MSRs 0x800-0x83f) a firmware TD reads through the
 * host: its own ID and version; others as it wrote them. */
#define X2APIC_FIRST	0x800u
#define X2APIC_ID	0x802u
#define X2APIC_VERSION	0x803u
#define MSR_TSC_DEADLINE 0x6e0u
#define MSR_APIC_BASE	0x1bu
#define MSR_MTRRCAP	0xfeu
#define MSR_MTRR_DEF_TYPE 0x2ffu

#define X2APIC_LVT_TIMER	0x832u
#define X2APIC_TIMER_INIT	0x838u
#define X2APIC_TIMER_CUR	0x839u
#define X2APIC_TIMER_DIV	0x83eu
#define LVT_MASKED		(1u << 16)
#define LVT_MODE(lvt)		(((lvt) >> 17) & 3)	/* 0 one-shot, 1 periodic, 2 TSC deadline */
/* The virtual LAPIC timer's clock before the divider: 1 GHz, the bus
 * clock OVMF assumes (PcdFSBClock). */
#define APIC_TIMER_HZ		1000000000ull

static uint64_t apic_div(const struct td_slot *s, unsigned i)
{
	unsigned d = (unsigned)s->x2apic[i][X2APIC_TIMER_DIV - X2APIC_FIRST];
	unsigned code = (d & 3) | ((d >> 1) & 4);	/* bits 0, 1, 3 */

	return code == 7 ? 1 : 2ull << code;
}

/* TSC ticks for n timer ticks (n * divider at APIC_TIMER_HZ). */
static uint64_t apic_ticks_to_tsc(const struct td_slot *s, unsigned i, uint64_t n)
{
	/* n * div < 2^39 and tsc_hz / 1000 < 2^23: no overflow in 64 bits. */
	return n * apic_div(s, i) * (tsc_hz() / 1000) / (APIC_TIMER_HZ / 1000);
}

/* (Re)computes when vCPU i's timer fires from its LVT, initial count,
 * divider and TSC deadline; `restart`: the initial count was written. */
static void timer_arm(struct td_slot *s, unsigned i, bool restart)
{
	uint64_t lvt = s->x2apic[i][X2APIC_LVT_TIMER - X2APIC_FIRST];
	uint64_t count = s->x2apic[i][X2APIC_TIMER_INIT - X2APIC_FIRST];

	if (LVT_MODE(lvt) == 2) {
		s->timer_due[i] = s->tsc_deadline[i];
		s->timer_period[i] = 0;
		return;
	}
	if (!count) {
		s->timer_due[i] = 0;
		return;
	}
	s->timer_period[i] = LVT_MODE(lvt) == 1 ? apic_ticks_to_tsc(s, i, count) : 0;
	if (restart || !s->timer_due[i])
		s->timer_due[i] = rdtsc() + apic_ticks_to_tsc(s, i, count);
}

static uint64_t timer_current(const struct td_slot *s, unsigned i)
{
	uint64_t now = rdtsc(), due = s->timer_due[i], per_tick = apic_ticks_to_tsc(s, i, 1);

	if (!due || due <= now || !per_tick)
		return 0;
	return (due - now) / per_tick;
}

/* Posts vector into vCPU i's descriptor: its PIR bit, then ON. */
static void post_interrupt(struct td_slot *s, unsigned i, uint8_t vector)
{
	volatile uint8_t *pid = phys_to_virt(s->pid_pa[i]);

	__atomic_or_fetch(&pid[vector / 8], (uint8_t)(1u << (vector % 8)), __ATOMIC_SEQ_CST);
	__atomic_or_fetch(&pid[32], (uint8_t)1, __ATOMIC_SEQ_CST);
}

/* Before each entry: a due timer becomes a posted interrupt. */
static void timer_check(struct td_slot *s, unsigned i)
{
	uint64_t due = s->timer_due[i], now, lvt;

	if (!s->pid_pa[i] || !due || (now = rdtsc()) < due)
		return;
	lvt = s->x2apic[i][X2APIC_LVT_TIMER - X2APIC_FIRST];
	if (!(lvt & LVT_MASKED) && (lvt & 0xff) >= 16) {
		post_interrupt(s, i, (uint8_t)lvt);
		s->timer_irqs++;
	}
	if (s->timer_period[i])
		s->timer_due[i] = due + s->timer_period[i] > now ? due + s->timer_period[i]
								 : now + s->timer_period[i];
	else
		s->timer_due[i] = 0;
}

static bool firmware_msr(struct vcpu_run *v, uint32_t msr, bool write, uint64_t *val)
{
	struct td_slot *s = v->s;

	if (msr >= X2APIC_FIRST && msr < X2APIC_FIRST + 64) {
		if (write) {
			s->x2apic[v->index][msr - X2APIC_FIRST] = *val;
			if (msr == X2APIC_TIMER_INIT || msr == X2APIC_LVT_TIMER ||
			    msr == X2APIC_TIMER_DIV)
				timer_arm(s, v->index, msr == X2APIC_TIMER_INIT);
		} else if (msr == X2APIC_TIMER_CUR)
			*val = timer_current(s, v->index);
		else if (msr == X2APIC_ID)
			*val = v->index;
		else if (msr == X2APIC_VERSION)
			*val = 0x50014;	/* version 0x14, 6 LVT entries */
		else
			*val = s->x2apic[v->index][msr - X2APIC_FIRST];
		return true;
	}
	switch (msr) {
	case MSR_TSC_DEADLINE:
		if (write) {
			s->tsc_deadline[v->index] = *val;
			timer_arm(s, v->index, false);
		} else
			*val = s->tsc_deadline[v->index];
		return true;
	case MSR_APIC_BASE:
		if (!write)
			*val = 0xfee00000ull | (1u << 11) | (1u << 10) | (v->index ? 0 : 1u << 8);
		return true;
	case MSR_MTRRCAP:	/* no variable or fixed MTRRs, WB default */
		if (!write)
			*val = 0;
		return true;
	case MSR_MTRR_DEF_TYPE:
		if (!write)
			*val = (1u << 11) | 6;
		return true;
	default:
		return !write && msr_read(msr, val);
	}
}

/* A firmware TD's TDVMCALLs: its devices (seam/td_devices.c), MMIO with
 * nothing behind it, MSRs, CPUID leaves the module left to the host. */
/* td trace ID on: one line per TDVMCALL a firmware TD makes. */
#define TRACE(s, fmt, ...)							\
	do {									\
		if ((s)->trace)							\
			kprintf("[td %u trace] " fmt "\n", (s)->id, __VA_ARGS__);	\
	} while (0)

static bool firmware_vmcall(struct vcpu_run *v, const struct tdvmcall_req *q)
{
	struct td_slot *s = v->s;
	uint64_t val = 0, r12_r15[4] = { 0 };
	uint32_t io;

	switch (q->kind) {
	case TDVMCALL_KIND_IO:
		s->io_exits++;
		io_milestone(s, q->u.io.port, q->u.io.out);
		io = q->u.io.data;
		td_devices_io(&s->dev, q->u.io.port, q->u.io.size, q->u.io.out, &io);
		TRACE(s, "%s 0x%x/%u 0x%x", q->u.io.out ? "OUT" : "IN", q->u.io.port,
		      q->u.io.size, io);
		reply(v, q, TDVMCALL_SUCCESS, q->u.io.out ? 0 : io, NULL);
		return true;
	case TDVMCALL_KIND_MMIO:
		/* No device model behind any MMIO address: reads float high. */
		s->mmio_exits++;
		TRACE(s, "MMIO %s 0x%llx/%u 0x%llx", q->u.mmio.write ? "write" : "read",
		      (unsigned long long)q->u.mmio.gpa, q->u.mmio.size,
		      (unsigned long long)(q->u.mmio.write ? q->u.mmio.value : ~0ull));
		reply(v, q, TDVMCALL_SUCCESS, q->u.mmio.write ? 0 : ~0ull, NULL);
		return true;
	case TDVMCALL_KIND_RDMSR:
		s->msr_exits++;
		if (firmware_msr(v, q->u.rdmsr.index, false, &val)) {
			TRACE(s, "RDMSR 0x%x 0x%llx", q->u.rdmsr.index, (unsigned long long)val);
			reply(v, q, TDVMCALL_SUCCESS, val, NULL);
		} else {
			TRACE(s, "RDMSR 0x%x refused", q->u.rdmsr.index);
			reply(v, q, TDVMCALL_INVALID_OPERAND, 0, NULL);
		}
		return true;
	case TDVMCALL_KIND_WRMSR:
		s->msr_exits++;
		val = q->u.wrmsr.value;
		TRACE(s, "WRMSR 0x%x 0x%llx", q->u.wrmsr.index, (unsigned long long)val);
		if (firmware_msr(v, q->u.wrmsr.index, true, &val))
			reply(v, q, TDVMCALL_SUCCESS, 0, NULL);
		else
			reply(v, q, TDVMCALL_INVALID_OPERAND, 0, NULL);
		return true;
	case TDVMCALL_KIND_CPUID:
		/* Hypervisor leaves and the like: nothing to report. */
		s->cpuid_exits++;
		reply(v, q, TDVMCALL_SUCCESS, 0, r12_r15);
		return true;
	case TDVMCALL_KIND_HLT:
		s->hlt_exits++;
		TRACE(s, "HLT%s", s->timer_due[v->index] ? "" : ", no timer armed");
		milestone(s, FW_HLT);
		if (q->u.hlt.irq_blocked) {
			v->end = RUN_HALTED;
			return false;
		}
		/* Idle until the timer is due (or the run must end). */
		while (s->timer_due[v->index] && rdtsc() < s->timer_due[v->index] &&
		       !run_over(v) && !s->stop)
			pause();
		reply(v, q, TDVMCALL_SUCCESS, 0, NULL);
		return true;
	case TDVMCALL_KIND_MAPGPA:
		mapgpa(v, q);
		return true;
	case TDVMCALL_KIND_GET_TD_VM_CALL_INFO:
		reply(v, q, TDVMCALL_SUCCESS, 0, r12_r15);
		return true;
	case TDVMCALL_KIND_SETUP_EVENT_NOTIFY:
		reply(v, q, TDVMCALL_SUCCESS, 0, NULL);
		return true;
	default:
		reply(v, q, TDVMCALL_SUBFUNC_UNSUPPORTED, 0, NULL);
		return true;
	}
}

/* One TDVMCALL (§7.2), decoded and checked by seam/tdvmcall.c; returns
 * false when the vCPU stops. */
static bool vmcall(struct vcpu_run *v, const struct tdx_regs *x)
{
	struct tdvmcall_req q;
	struct tdx_regs out = { 0 };
	uint64_t val, r12_r15[4] = { 0 };

	v->s->vmcalls++;
	tdvmcall_decode(x, 47, &q);
	if (q.kind == TDVMCALL_KIND_REPORT_FATAL) {
		char msg[TDVMCALL_FATAL_MSG_MAX + 1];
		size_t n = tdvmcall_fatal_message(x, msg, sizeof(msg));
		set_why(v, "fatal error 0x%llx reported by the TD: %s",
			(unsigned long long)q.u.fatal.code, n ? msg : "(no message)");
		v->end = RUN_DIED;
		return false;
	}
	if (q.status) {
		tdvmcall_reply_status(&q, &out);
		td_vmcall_reply_regs(&v->s->td, v->index, &out);
		return true;
	}
	if (v->s->firmware)
		return firmware_vmcall(v, &q);
	switch (q.kind) {
	case TDVMCALL_KIND_HLT:
		if (q.u.hlt.irq_blocked) {	/* nothing will wake it */
			v->end = RUN_HALTED;
			return false;
		}
		reply(v, &q, TDVMCALL_SUCCESS, 0, NULL);
		return true;
	case TDVMCALL_KIND_IO:
		if (q.u.io.out && q.u.io.port == SHARED_PRINT_PORT && q.u.io.size == 4) {
			shared_print(v->s, q.u.io.data);
			reply(v, &q, TDVMCALL_SUCCESS, 0, NULL);
		} else if (q.u.io.out && q.u.io.port == COM1 && q.u.io.size == 1) {
			console_out(v->s, (char)q.u.io.data);
			reply(v, &q, TDVMCALL_SUCCESS, 0, NULL);
		} else if (!q.u.io.out && q.u.io.port >= COM1 && q.u.io.port <= COM1 + 7) {
			/* Reads of the COM1 registers: transmitter empty. */
			reply(v, &q, TDVMCALL_SUCCESS, q.u.io.port == COM1 + 5 ? 0x60 : 0, NULL);
		} else {
			reply(v, &q, TDVMCALL_INVALID_OPERAND, 0, NULL);
		}
		return true;
	case TDVMCALL_KIND_CPUID: {
		struct cpuid_regs c = cpuid(q.u.cpuid.leaf, q.u.cpuid.subleaf);
		r12_r15[0] = c.eax, r12_r15[1] = c.ebx, r12_r15[2] = c.ecx, r12_r15[3] = c.edx;
		reply(v, &q, TDVMCALL_SUCCESS, 0, r12_r15);
		return true;
	}
	case TDVMCALL_KIND_RDMSR:
		if (msr_read(q.u.rdmsr.index, &val))
			reply(v, &q, TDVMCALL_SUCCESS, val, NULL);
		else
			reply(v, &q, TDVMCALL_INVALID_OPERAND, 0, NULL);
		return true;
	case TDVMCALL_KIND_MAPGPA:
		mapgpa(v, &q);
		return true;
	case TDVMCALL_KIND_GET_TD_VM_CALL_INFO:
		reply(v, &q, TDVMCALL_SUCCESS, 0, r12_r15);	/* the base GHCI set */
		return true;
	case TDVMCALL_KIND_SETUP_EVENT_NOTIFY:
		reply(v, &q, TDVMCALL_SUCCESS, 0, NULL);
		return true;
	case TDVMCALL_KIND_WRMSR:	/* nothing a test TD may change */
	case TDVMCALL_KIND_MMIO:	/* no device models */
		reply(v, &q, TDVMCALL_INVALID_OPERAND, 0, NULL);
		return true;
	case TDVMCALL_KIND_GET_QUOTE:	/* no quoting enclave here */
	default:
		reply(v, &q, TDVMCALL_SUBFUNC_UNSUPPORTED, 0, NULL);
		return true;
	}
}

static bool ept_violation(struct vcpu_run *v, const struct tdx_regs *x)
{
	struct td_slot *s = v->s;
	uint64_t gpa = x->r8, ext = x->rdx;
	unsigned level = 0;
	int rc;

	if (gpa & TD_SHARED_BIT) {
		set_why(v, "access to unmapped shared GPA 0x%llx", (unsigned long long)gpa);
		v->end = RUN_DIED;
		return false;
	}
	if (gpa >= s->mem_bytes) {
		set_why(v, "access to GPA 0x%llx, outside its %llu MiB", (unsigned long long)gpa,
			(unsigned long long)(s->mem_bytes >> 20));
		v->end = RUN_DIED;
		return false;
	}
	if ((ext & 0xf) == 1)		/* ACCEPT: AUG at the size asked for */
		level = (unsigned)(ext >> 32) & 7;
	else if (s->huge && (gpa | ((2u << 20) - 1)) < s->mem_bytes)
		level = 1;
	spin_lock(&s->lock);
	rc = td_aug(&s->td, gpa, level ? 1 : 0);
	if (rc && level && !(ext & 0xf)) {	/* 2 MiB not free here: 4 KiB */
		s->td.why[0] = 0;
		rc = td_aug(&s->td, gpa, 0);
	}
	if (!rc) {
		s->augs++;
		s->aug_bytes += level ? 2ull << 20 : PAGE_SIZE;
		if (s->firmware) {
			milestone(s, FW_FIRST_ACCEPT);
			if (s->aug_bytes + s->added_ram >= s->mem_bytes)
				milestone(s, FW_RAM_ACCEPTED);
		}
	}
	spin_unlock(&s->lock);
	pr_debug("td %u: PAGE.AUG 0x%llx level %u (%s, ext 0x%llx)\n", s->id,
		 (unsigned long long)gpa, level, rc ? "failed" : "ok", (unsigned long long)ext);
	if (rc) {
		set_why(v, "cannot map GPA 0x%llx: %s", (unsigned long long)gpa, s->td.why);
		v->end = RUN_ERROR;
		return false;
	}
	return true;
}

/* td console: what is typed goes to the TD's COM1, as much as its
 * receive FIFO takes; Ctrl-] hands the console back. */
#define CONSOLE_ESCAPE 0x1d

static void console_input(struct td_slot *s)
{
	int c;

	while (s->dev.com1.rx_count < TDDEV_UART_FIFO && (c = console_getc()) >= 0) {
		if (c == CONSOLE_ESCAPE) {
			s->stop = true;
			return;
		}
		spin_lock(&s->lock);
		(void)tddev_uart_input(&s->dev.com1, (uint8_t)c);
		spin_unlock(&s->lock);
	}
}

static long vcpu_loop(void *arg)
{
	struct vcpu_run *v = arg;
	struct td_slot *s = v->s;
	struct tdx_regs x;
	uint64_t st, gen = ~0ull;

	for (;;) {
		if (s->dead) {
			v->end = RUN_DIED;
			return 0;
		}
		if (run_over(v)) {
			v->end = RUN_TIMEOUT;
			return 0;
		}
		/* Ctrl-C on the console stops the whole TD; under td console
		 * keys go to the TD's COM1 and Ctrl-] stops. */
		if (v->index == 0) {
			if (s->raw)
				console_input(s);
			else if (console_getc() == 0x03)
				s->stop = true;
		}
		if (s->stop) {
			v->end = s->raw ? RUN_DETACHED : RUN_STOPPED;
			return 0;
		}
		if (s->at_shell && !s->raw) {
			v->end = RUN_SHELL;
			return 0;
		}
		/* A shared page went away: no stale translation may stay. */
		if (gen != s->shared_gen) {
			gen = s->shared_gen;
			invept(VMX_INVEPT_GLOBAL, 0);
		}
		/* The LAPIC timer brings a spinning guest back for the checks
		 * above (an external-interrupt TD exit). */
		if (s->firmware)
			timer_check(s, v->index);
		uint64_t now = rdtsc(), left = !v->deadline ? 100000
					: v->deadline > now ? tsc_to_us(v->deadline - now) : 1;
		if (s->timer_due[v->index] > now && tsc_to_us(s->timer_due[v->index] - now) < left)
			left = tsc_to_us(s->timer_due[v->index] - now);
		lapic_timer_oneshot(left > 100000 ? 100000 : left + 1);
		st = td_enter(&s->td, v->index, &x);
		lapic_timer_oneshot(0);
		s->exits++;
		if (st == TDX_EXIT_REASON_TDCALL) {
			if (!vmcall(v, &x))
				return 0;
			continue;
		}
		if ((st & TDX_STATUS_MASK) == TDX_OPERAND_BUSY) {
			pause();
			continue;
		}
		if (TDX_IS_ERROR(st) || (st >> 32) != 0) {
			set_why(v, "TDH.VP.ENTER ended with 0x%016llx, exit reason %llu",
				(unsigned long long)st, (unsigned long long)(st & 0xffff));
			v->end = RUN_DIED;
			return 0;
		}
		switch (st & 0xffff) {
		case 1:		/* external interrupt, acknowledged: R9 has it */
			if (x.r9 & (1u << 31))
				smp_deliver_irq((unsigned)(x.r9 & 0xff));
			else
				__asm__ volatile("sti; nop; cli");
			break;
		case 48:	/* EPT violation */
			if (!ept_violation(v, &x))
				return 0;
			break;
		case 2:
			set_why(v, "triple fault");
			v->end = RUN_DIED;
			return 0;
		default:
			set_why(v, "unexpected TD exit, reason %llu",
				(unsigned long long)(st & 0xffff));
			v->end = RUN_ERROR;
			return 0;
		}
	}
}

static struct td_slot *run_td;
static struct vcpu_run *run_vcpus;

/* On one CPU: each READY vCPU pinned here, until it stops. */
static long cpu_runner(void *arg)
{
	unsigned me = this_cpu()->id;
	(void)arg;
	for (unsigned i = 0; i < run_td->td.nvcpus; i++)
		if (run_td->td.vcpu[i].cpu == me && run_td->td.vcpu[i].state == TD_VCPU_READY)
			vcpu_loop(&run_vcpus[i]);
	return 0;
}

/* Runs every vCPU of the TD until they stop: for at most `ms` of
 * TD time, or with no limit under td console (raw). */
static bool td_run_session(struct td_slot *s, uint64_t ms, bool raw)
{
	static struct vcpu_run runs[TD_MAX_VCPUS];
	static const char *const ends[] = {
		[RUN_HALTED] = "halted", [RUN_DIED] = "died",
		[RUN_TIMEOUT] = "stopped at the timeout", [RUN_ERROR] = "stopped by an error",
		[RUN_STOPPED] = "stopped by Ctrl-C",
		[RUN_SHELL] = "stopped at the UEFI shell prompt",
		[RUN_DETACHED] = "stopped: the console is back (Ctrl-])",
	};
	unsigned cpus[TD_MAX_VCPUS];
	bool ok = true, ran = false;
	uint64_t t0 = rdtsc();

	s->run_t0 = t0;
	for (unsigned i = 0; i < s->td.nvcpus; i++) {
		runs[i] = (struct vcpu_run){ .s = s, .index = i,
					     .deadline = raw ? 0 : deadline_after_us(ms * 1000) };
		cpus[i] = s->td.vcpu[i].cpu;
	}
	/* The CPUs in parallel; vCPUs that share a CPU run there in turn. */
	unsigned ncpus = 0;
	for (unsigned i = 0; i < s->td.nvcpus; i++) {
		bool seen = false;
		for (unsigned k = 0; k < ncpus; k++)
			seen = seen || cpus[k] == s->td.vcpu[i].cpu;
		if (!seen)
			cpus[ncpus++] = s->td.vcpu[i].cpu;
	}
	static uint32_t before[TDX_HOST_NLEAVES];
	s->stop = false;
	s->raw = raw;
	run_td = s;
	run_vcpus = runs;
	calls_snapshot(before);
	on_cpus(cpus, ncpus, cpu_runner, NULL);
	calls_since(s->run_calls, before);
	s->raw = false;
	s->at_shell = false;
	if (raw)
		kprintf("\n");
	if (s->line_len)
		console_line(s);
	for (unsigned i = 0; i < s->td.nvcpus; i++) {
		struct vcpu_run *v = &runs[i];
		if (!v->end)
			continue;
		if (v->end == RUN_HALTED)
			s->td.vcpu[i].state = TD_VCPU_HALTED;
		if (v->end == RUN_DIED && !s->dead) {
			s->dead = true;
			memcpy(s->dead_why, v->why, sizeof(s->dead_why));
		}
		ran = true;
		ok = ok && (v->end == RUN_HALTED || v->end == RUN_SHELL || v->end == RUN_DETACHED);
		kprintf("td %u: vcpu %u %s%s%s\n", s->id, i, ends[v->end],
			v->why[0] ? ": " : "", v->why);
	}
	if (!ran)
		kprintf("td %u: every vCPU has halted already\n", s->id);
	kprintf("td %u: %llu exits, %llu TDVMCALLs, %llu pages added on demand, %llu ms\n",
		s->id, (unsigned long long)s->exits, (unsigned long long)s->vmcalls,
		(unsigned long long)s->augs, (unsigned long long)(tsc_to_us(rdtsc() - t0) / 1000));
	s->run_us += tsc_to_us(rdtsc() - s->run_t0);
	if (s->firmware)
		show_milestones(s, false);
	return ok;
}

static struct td_slot *runnable_td(const char *id)
{
	struct td_slot *s = find_td(id);

	if (!s) {
		kprintf("error: no TD %s\n", id);
		return NULL;
	}
	if (s->dead) {
		kprintf("error: td %u is dead: %s\n", s->id, s->dead_why);
		return NULL;
	}
	return s;
}

static int td_run_cmd(int argc, char **argv)
{
	struct td_slot *s;
	uint64_t ms = 10000;

	if (argc == 5 && !strcmp(argv[3], "--timeout")) {
		if (!parse_u64(argv[4], &ms) || ms == 0 || ms > 3600000)
			return CMD_USAGE;
	} else if (argc != 3) {
		return CMD_USAGE;
	}
	if (!(s = runnable_td(argv[2])))
		return CMD_FAIL;
	return td_run_session(s, ms, false) ? CMD_OK : CMD_FAIL;
}

/* td console ID: the TD runs with the console handed to its COM1 until
 * Ctrl-] (firmware TDs, which have a COM1). */
static int td_console_cmd(int argc, char **argv)
{
	struct td_slot *s;

	if (argc != 3)
		return CMD_USAGE;
	if (!(s = runnable_td(argv[2])))
		return CMD_FAIL;
	if (!s->firmware) {
		kprintf("error: td %u has no COM1 to hand the console to (only firmware TDs do)\n",
			s->id);
		return CMD_FAIL;
	}
	kprintf("td %u: console handed to the TD's COM1; Ctrl-] hands it back\n", s->id);
	return td_run_session(s, 0, true) ? CMD_OK : CMD_FAIL;
}

/* ---- list, info, destroy ----------------------------------------------------*/

/* RTMR[0..3] (TDCS measurement fields, TDH.MNG.RD; the module lets the
 * host read them from debug TDs only). false: not readable. */
#define MD_TDCS_RTMR	0x1310000300000040ull

static bool read_rtmrs(struct td_slot *s, uint8_t rtmr[4][48])
{
	uint64_t v;

	if (!(s->td.attributes & TDX_TD_ATTR_DEBUG))
		return false;
	for (unsigned i = 0; i < 4 * 6; i++) {
		if (td_mng_rd(&s->td, MD_TDCS_RTMR + i, &v))
			return false;
		for (unsigned b = 0; b < 8; b++)
			rtmr[i / 6][(i % 6) * 8 + b] = (uint8_t)(v >> (8 * b));
	}
	return true;
}

static void show_rtmrs(struct td_slot *s)
{
	uint8_t rtmr[4][48];
	char hex[97];

	if (!read_rtmrs(s, rtmr)) {
		kprintf("  RTMRs: %s\n", s->td.attributes & TDX_TD_ATTR_DEBUG ? s->td.why
			: "not readable by the host (debug TDs only)");
		return;
	}
	for (unsigned r = 0; r < 4; r++) {
		for (unsigned i = 0; i < 48; i++)
			fmt_snprintf(hex + 2 * i, 3, "%02x", rtmr[r][i]);
		kprintf("  RTMR%u %s\n", r, hex);
	}
}

static void td_json(struct td_slot *s)
{
	uint8_t rtmr[4][48];
	char mrtd[97];
	for (unsigned i = 0; i < 48; i++)
		fmt_snprintf(mrtd + 2 * i, 3, "%02x", s->td.mrtd[i]);
	kprintf("{\"id\":%u,\"state\":\"%s\",\"vcpus\":%u,\"%s\":\"%s\",\"hkid\":%u,"
		"\"pages\":%llu,\"mem_mib\":%llu,\"huge\":%s,\"attributes\":%llu,\"exits\":%llu,"
		"\"tdvmcalls\":%llu,\"augs\":%llu,\"conversions\":%llu,\"mrtd\":\"%s\"",
		s->id, s->dead ? "dead" : "runnable", s->td.nvcpus,
		s->firmware ? "firmware" : "payload", s->image, s->td.hkid,
		(unsigned long long)s->td.pages, (unsigned long long)(s->mem_bytes >> 20),
		s->huge ? "true" : "false", (unsigned long long)s->td.attributes,
		(unsigned long long)s->exits, (unsigned long long)s->vmcalls,
		(unsigned long long)s->augs, (unsigned long long)s->conversions, mrtd);
	if (s->firmware) {
		kprintf(",\"milestones_ms\":{");
		show_milestones(s, true);
		kprintf("},\"exits_by_kind\":{\"io\":%llu,\"mmio\":%llu,\"msr\":%llu,\"cpuid\":%llu,\"hlt\":%llu},\"ram_accepted_mib\":%llu",
			(unsigned long long)s->io_exits, (unsigned long long)s->mmio_exits,
			(unsigned long long)s->msr_exits, (unsigned long long)s->cpuid_exits,
			(unsigned long long)s->hlt_exits,
			(unsigned long long)((s->aug_bytes + s->added_ram) >> 20));
	}
	if (read_rtmrs(s, rtmr)) {
		kprintf(",\"rtmr\":[");
		for (unsigned r = 0; r < 4; r++) {
			kprintf("%s\"", r ? "," : "");
			for (unsigned i = 0; i < 48; i++)
				kprintf("%02x", rtmr[r][i]);
			kprintf("\"");
		}
		kprintf("]");
	}
	calls_json("build_seamcalls", s->build_calls, 0);
	calls_json("run_seamcalls", s->run_calls, s->exits);
	kprintf("}\n");
}

static int td_list_cmd(bool json)
{
	unsigned n = 0;
	for (unsigned i = 0; i < MAX_TDS; i++) {
		struct td_slot *s = &slots[i];
		if (!s->used)
			continue;
		n++;
		if (json) {
			td_json(s);
			continue;
		}
		kprintf("td %u: %s, %u vCPUs, %s %s, HKID %u, %llu pages\n", s->id,
			s->dead ? "dead" : "runnable", s->td.nvcpus,
			s->firmware ? "firmware" : "payload", s->image,
			s->td.hkid, (unsigned long long)s->td.pages);
	}
	if (!n && !json)
		kprintf("no TDs\n");
	return CMD_OK;
}

/* Teardown (§6.9), then the allocator must be back where it was before
 * `td create` (other TDs created since are counted out). */
static int td_destroy_cmd(struct td_slot *s)
{
	uint64_t pages = s->td.pages, leaked, others = 0, now;

	shared_destroy(s);
	leaked = td_destroy(&s->td);
	s->used = false;
	for (unsigned i = 0; i < MAX_TDS; i++)
		if (slots[i].used)
			others += slots[i].td.pages + slots[i].shared.table_pages;
	now = page_owner_pages(OWN_TD);
	if (leaked) {
		kprintf("error: td %u: destroyed, but %llu of %llu pages stay with the TDX module: %s\n",
			s->id, (unsigned long long)leaked, (unsigned long long)pages, s->td.why);
		return CMD_FAIL;
	}
	kprintf("td %u: destroyed, %llu pages reclaimed\n", s->id, (unsigned long long)pages);
	if (others == 0 && now != 0) {
		kprintf("error: td %u: %llu td pages still allocated with no TD left\n", s->id,
			(unsigned long long)now);
		return CMD_FAIL;
	}
	return CMD_OK;
}


/* td peek ID GPA [QWORDS]: a debug TD's private memory (TDH.MEM.RD). */
static int td_peek_cmd(int argc, char **argv)
{
	struct td_slot *s = find_td(argv[2]);
	uint64_t gpa, n = 8, v;

	if (!s) {
		kprintf("error: no TD %s\n", argv[2]);
		return CMD_FAIL;
	}
	if (!parse_u64(argv[3], &gpa) || (argc == 5 && (!parse_u64(argv[4], &n) || n > 512)))
		return CMD_USAGE;
	gpa &= ~7ull;
	for (uint64_t i = 0; i < n; i++) {
		s->td.why[0] = 0;
		if (td_mem_rd(&s->td, gpa + 8 * i, &v)) {
			kprintf("error: td %u: 0x%llx: %s\n", s->id, (unsigned long long)(gpa + 8 * i),
				s->td.why);
			return CMD_FAIL;
		}
		if (i % 4 == 0)
			kprintf("%s0x%llx:", i ? "\n" : "", (unsigned long long)(gpa + 8 * i));
		kprintf(" %016llx", (unsigned long long)v);
	}
	kprintf("\n");
	return CMD_OK;
}

int cmd_td(int argc, char **argv)
{
	struct td_slot *s;

	if (argc < 2)
		return CMD_USAGE;
	if (!strcmp(argv[1], "create"))
		return td_create_cmd(argc, argv);
	if (!strcmp(argv[1], "run"))
		return td_run_cmd(argc, argv);
	if (!strcmp(argv[1], "console"))
		return td_console_cmd(argc, argv);
	if (!strcmp(argv[1], "list") && argc <= 3)
		return argc == 3 && strcmp(argv[2], "--json") ? CMD_USAGE
							       : td_list_cmd(argc == 3);
	if (!strcmp(argv[1], "info") && argc == 4 && !strcmp(argv[3], "--json")) {
		s = find_td(argv[2]);
		if (!s) {
			kprintf("error: no TD %s\n", argv[2]);
			return CMD_FAIL;
		}
		td_json(s);
		return CMD_OK;
	}
	if (!strcmp(argv[1], "trace") && argc == 4 &&
	    (!strcmp(argv[3], "on") || !strcmp(argv[3], "off"))) {
		if (!(s = find_td(argv[2]))) {
			kprintf("error: no TD %s\n", argv[2]);
			return CMD_FAIL;
		}
		s->trace = !strcmp(argv[3], "on");
		kprintf("td %u: TDVMCALL trace %s%s\n", s->id, argv[3],
			s->firmware ? "" : " (firmware TDs only)");
		return CMD_OK;
	}
	if (!strcmp(argv[1], "peek") && argc >= 4 && argc <= 5)
		return td_peek_cmd(argc, argv);
	if ((!strcmp(argv[1], "destroy") || !strcmp(argv[1], "info")) && argc == 3) {
		s = find_td(argv[2]);
		if (!s) {
			kprintf("error: no TD %s\n", argv[2]);
			return CMD_FAIL;
		}
		if (!strcmp(argv[1], "destroy"))
			return td_destroy_cmd(s);
		kprintf("td %u: %s, %u vCPUs, %s %s, HKID %u, %llu pages, %llu exits\n",
			s->id, s->dead ? "dead" : "runnable", s->td.nvcpus,
			s->firmware ? "firmware" : "payload", s->image,
			s->td.hkid, (unsigned long long)s->td.pages, (unsigned long long)s->exits);
		print_mrtd("  MRTD ", s->td.mrtd);
		show_rtmrs(s);
		if (s->firmware)
			show_milestones(s, false);
		return CMD_OK;
	}
	return CMD_USAGE;
}
