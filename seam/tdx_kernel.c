/* The kernel's side of TDX module initialization: the platform actions
 * seam/tdx_host.c sequences (SEAMCALL on a given CPU, parallel work,
 * WBINVD everywhere, PAMT memory from the page allocator), and the
 * `tdx init`, `tdx info` and `tdx tdmr` commands. */
#include <string.h>
#include "kernel/config.h"
#include "kernel/cpu.h"
#include "kernel/log.h"
#include "kernel/msr.h"
#include "kernel/shell.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "mm/direct_map.h"
#include "mm/page.h"
#include "seam/emu_host.h"
#include "seam/module_kernel.h"
#include "seam/seamcall.h"
#include "seam/tdx_abi.h"
#include "seam/tdx_host.h"
#include "seam/tdx_kernel.h"
#include "vmx/vmx.h"

static struct tdx_host host;

static unsigned cpu_package(void *ctx, unsigned cpu)
{
	(void)ctx;
	return cpu_list[cpu]->topo.package;
}

struct remote_call {
	struct tdx_regs *r;
	uint64_t status;
};

static long seamcall_here(void *arg)
{
	struct remote_call *c = arg;
	c->status = seamcall_regs(c->r);
	return 0;
}

static uint64_t seamcall_on(void *ctx, unsigned cpu, struct tdx_regs *r)
{
	struct remote_call c = { r, TDX_SEAMCALL_UD };
	(void)ctx;
	if (on_cpu(cpu, seamcall_here, &c, NULL))
		return TDX_SEAMCALL_UD; /* an offline CPU cannot issue it */
	return c.status;
}

struct parallel {
	void (*fn)(void *arg, unsigned cpu);
	void *arg;
};

static long parallel_here(void *arg)
{
	struct parallel *p = arg;
	p->fn(p->arg, this_cpu()->id);
	return 0;
}

static void run_parallel(void *ctx, const unsigned *cpus, unsigned n,
			 void (*fn)(void *arg, unsigned cpu), void *arg)
{
	struct parallel p = { fn, arg };
	(void)ctx;
	on_cpus(cpus, n, parallel_here, &p);
}

static long wbinvd_here(void *arg)
{
	(void)arg;
	__asm__ volatile("wbinvd" : : : "memory");
	return 0;
}

static void wbinvd_all(void *ctx)
{
	(void)ctx;
	on_each_cpu(wbinvd_here, NULL, NULL);
}

static unsigned this_cpu_id(void *ctx)
{
	(void)ctx;
	return this_cpu()->id;
}

static int alloc_pages(void *ctx, uint64_t bytes, uint64_t align, uint64_t *pa)
{
	uint64_t pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	(void)ctx;
	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	if (page_alloc(pages, align, 0, OWN_TDX, pa))
		return -1;
	memset(phys_to_virt(*pa), 0, pages * PAGE_SIZE);
	return 0;
}

static void free_pages(void *ctx, uint64_t pa, uint64_t bytes)
{
	(void)ctx;
	page_free(pa, (bytes + PAGE_SIZE - 1) / PAGE_SIZE, OWN_TDX);
}

static void *to_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

static void log_line(void *ctx, int level, const char *line)
{
	static const int levels[] = { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };
	(void)ctx;
	log_printf(level >= 0 && level <= 3 ? levels[level] : LOG_INFO, "%s\n", line);
}

static uint64_t now_us(void *ctx)
{
	(void)ctx;
	return tsc_to_us(rdtsc());
}

static struct tdx_host_ops ops = {
	.cpu_package = cpu_package, .seamcall = seamcall_on,
	.run_parallel = run_parallel, .wbinvd_all = wbinvd_all,
	.alloc_pages = alloc_pages, .free_pages = free_pages,
	.phys_to_virt = to_virt, .log = log_line, .now_us = now_us,
	.this_cpu = this_cpu_id,
};

int tdx_init(void)
{
	uint64_t part;

	if (host.state == TDX_HOST_READY) {
		kprintf("tdx: module already initialized\n");
		return CMD_OK;
	}
	if (!vmx_ready()) {
		kprintf("tdx: initialization failed: VMX is not on (see 'tdx status')\n");
		return CMD_FAIL;
	}
	if (rdmsr_platform(MSR_IA32_MKTME_KEYID_PARTITIONING, &part)) {
		kprintf("tdx: initialization failed: no KeyID partitioning MSR (see 'tdx status')\n");
		return CMD_FAIL;
	}
	host.num_mktme_keyids = (uint32_t)part;
	host.num_tdx_keyids = (uint32_t)(part >> 32);
	/* KeyID bits start at MAXPHYADDR - K (LX; tdx_abi.h notes M15's
	 * 52 - K where the two differ). */
	uint64_t tme = 0;
	rdmsr_platform(MSR_IA32_TME_ACTIVATE, &tme);
	host.keyid_shift = (cpuid(0x80000008, 0).eax & 0xff) -
			   TME_ACTIVATE_MK_TME_KEYID_BITS(tme);
	ops.ncpus = cpu_count;
	int err = tdx_host_init(&host, &ops);
	return err == TDX_HOST_OK ? CMD_OK : CMD_FAIL;
}

bool tdx_ready(void)
{
	return host.state == TDX_HOST_READY;
}

const struct tdx_host *tdx_host(void)
{
	return &host;
}

void tdx_module_replaced(void)
{
	/* Only reached while not READY: no PAMT or TD depends on host. */
	memset(&host, 0, sizeof(host));
}

void tdx_boot_init(void)
{
	if (config.tdx == TDX_MODE_OFF || config.tdx_init_manual)
		return;
	if (config.tdx == TDX_MODE_EMULATE ? !tdx_emu_active() : !vmx_ready())
		return;
	if (config.tdx_module_load)
		tdx_module_load(NULL, false);
	if (config.tdx == TDX_MODE_AUTO) {
		/* Only when a module answers: most machines have none. */
		struct tdx_regs r = { .rax = TDH_SYS_RD, .rdx = MD_SYS_NUM_CMRS };
		uint64_t st = seamcall_regs(&r);
		if (st == TDX_SEAMCALL_VMFAILINVALID || st == TDX_SEAMCALL_UD ||
		    st == TDX_SEAMCALL_GP)
			return;
	}
	tdx_init();
}
