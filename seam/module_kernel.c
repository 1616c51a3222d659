/* `tdx module list` and `tdx module load`: the TDX module blobs the loader
 * brought (boot_info, kind BOOT_FILE_MODULE), verified with
 * seam/tdxblob.c and installed through the P-SEAMLDR with
 * seam/seamldr_host.c: SEAMLDR.INSTALL on every CPU, one at a time, with
 * interrupts off, the boot CPU last (tdx-abi.md §8.4). */
#include <string.h>
#include "kernel/bootfiles.h"
#include "kernel/config.h"
#include "kernel/cpu.h"
#include "kernel/log.h"
#include "kernel/msr.h"
#include "kernel/shell.h"
#include "kernel/smp.h"
#include "mm/direct_map.h"
#include "mm/page.h"
#include "seam/emu/emu.h"
#include "seam/emu_host.h"
#include "seam/module_kernel.h"
#include "seam/seamcall.h"
#include "seam/seamldr_host.h"
#include "seam/tdx_abi.h"
#include "seam/tdx_kernel.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

#define MAX_BLOBS BOOT_FILES_MAX

/* Parsed once: hashing and RSA over up to 2 MiB is slow under Bochs. */
static struct {
	bool parsed;
	unsigned n;
	const struct boot_file *file[MAX_BLOBS];
	struct tdxblob blob[MAX_BLOBS];
} blobs;

static void parse_blobs(void)
{
	if (blobs.parsed)
		return;
	blobs.parsed = true;
	for (unsigned i = 0; i < bootfiles_count() && blobs.n < MAX_BLOBS; i++) {
		const struct boot_file *f = bootfiles_get(i);

		if (f->kind != BOOT_FILE_MODULE)
			continue;
		blobs.file[blobs.n] = f;
		if (f->state == BOOT_FILE_LOADED)
			tdxblob_parse(phys_to_virt(f->pa), f->len, &blobs.blob[blobs.n]);
		blobs.n++;
	}
}

/* SEAMLDR.INFO on this CPU into *out; false when no P-SEAMLDR answers. */
static bool read_seamldr_info(struct seamldr_info *out)
{
	struct tdx_regs r;
	uint64_t pa, st;

	if (!vmx_ready() || page_alloc(1, PAGE_SIZE, 0, OWN_TDX, &pa))
		return false;
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	memset(&r, 0, sizeof(r));
	r.rax = SEAMLDR_INFO;
	r.rcx = pa;
	st = seamcall_regs(&r);
	if (st == SEAMLDR_SUCCESS)
		memcpy(out, phys_to_virt(pa), sizeof(*out));
	page_free(pa, 1, OWN_TDX);
	return st == SEAMLDR_SUCCESS;
}

static void show_seamldr(const char *when, const struct seamldr_info *i)
{
	uint16_t svn = seamldr_info_svn(i);

	kprintf("  P-SEAMLDR %u.%u.%u (%s): %u updates left, module %s",
		i->major_version, i->minor_version, i->update_version, when,
		i->num_remaining_updates, i->seam_ready ? "ready" : "not loaded");
	if (svn) {
		kprintf(", SEAMSVN %u.%u, MRSEAM ", svn >> 8, svn & 0xff);
		for (unsigned k = 0; k < 8; k++)
			kprintf("%02x", i->seam_info[SEAMLDR_SEAMEXTEND_MRSEAM + k]);
		kprintf("...");
	}
	kprintf("\n");
}

static uint32_t this_fms(void)
{
	return cpuid(1, 0).eax;
}

static enum seamldr_fit fit_of(unsigned i, const struct seamldr_info *info)
{
	if (blobs.file[i]->state != BOOT_FILE_LOADED)
		return SEAMLDR_FIT_BAD_BLOB;
	return seamldr_fit(&blobs.blob[i], this_fms(), info);
}

static int best_blob(const struct seamldr_info *info)
{
	const struct tdxblob *b[MAX_BLOBS];
	enum seamldr_fit fit[MAX_BLOBS];

	for (unsigned i = 0; i < blobs.n; i++) {
		b[i] = &blobs.blob[i];
		fit[i] = fit_of(i, info);
	}
	return seamldr_pick_best(b, fit, blobs.n);
}

static void show_blob(unsigned i, const struct seamldr_info *info, bool best)
{
	const struct boot_file *f = blobs.file[i];
	const struct tdxblob *b = &blobs.blob[i];
	unsigned bad;

	if (f->state != BOOT_FILE_LOADED) {
		kprintf("  %-24s not loaded: %s\n", f->name, bootfiles_state_name(f->state));
		return;
	}
	kprintf("  %-24s %u bytes, header 0x%04x, %u module pages", f->name, f->len,
		b->header_version, b->module_pages);
	if (b->has_sigstruct)
		kprintf(", SEAMSVN %u.%u, date %04x-%02x-%02x, %s-signed",
			b->seamsvn >> 8, b->seamsvn & 0xff, b->date >> 16,
			(b->date >> 8) & 0xff, b->date & 0xff,
			tdxblob_debug_signed(b) ? "debug" : "production");
	kprintf("\n");
	bad = tdxblob_first_failure(b);
	if (bad < TDXBLOB_NCHECKS)
		kprintf("    REJECTED: %s: %s\n", tdxblob_check_name(bad), b->why[bad]);
	else
		kprintf("    verified: checksum, SIGSTRUCT, SEAMHASH, RSA-3072 signature; MRSIGNER %02x%02x%02x%02x...\n",
			b->mrsigner[0], b->mrsigner[1], b->mrsigner[2], b->mrsigner[3]);
	kprintf("    %s%s\n", seamldr_fit_text(fit_of(i, info)), best ? " (best)" : "");
}

static int module_list(void)
{
	struct seamldr_info info;
	bool have_info;
	int best;

	parse_blobs();
	have_info = read_seamldr_info(&info);
	kprintf("tdx module: %u blob%s, CPU 0x%x\n", blobs.n, blobs.n == 1 ? "" : "s",
		this_fms());
	if (have_info)
		show_seamldr("now", &info);
	else
		kprintf("  no P-SEAMLDR answers SEAMLDR.INFO\n");
	best = best_blob(have_info ? &info : NULL);
	for (unsigned i = 0; i < blobs.n; i++)
		show_blob(i, have_info ? &info : NULL, (int)i == best);
	return CMD_OK;
}

/* ---- SEAMLDR.INSTALL on one CPU ------------------------------------------ */

struct install_call {
	uint64_t params_pa;
	uint64_t status, rdx;
};

static long install_here(void *arg)
{
	struct install_call *c = arg;
	struct tdx_regs r;
	uint64_t vmcs = ~0ull, flags;
	bool erratum = !(rdmsr(MSR_IA32_VMX_BASIC) & TDX_VMX_BASIC_NO_SEAMRET_INVD_VMCS);

	memset(&r, 0, sizeof(r));
	r.rax = SEAMLDR_INSTALL;
	r.rcx = c->params_pa;
	flags = irq_save();
	/* Without IA32_VMX_BASIC bit 60, SEAMRET from the P-SEAMLDR clears
	 * the current-VMCS pointer: put it back (§8.1). */
	if (erratum && vmptrst(&vmcs))
		vmcs = ~0ull;
	c->status = seamcall_regs(&r);
	if (erratum && vmcs != ~0ull)
		vmptrld(vmcs);
	irq_restore(flags);
	c->rdx = r.rdx;
	return 0;
}

static uint64_t install_on(void *ctx, unsigned cpu, uint64_t params_pa, uint64_t *rdx)
{
	struct install_call c = { params_pa, TDX_SEAMCALL_UD, 0 };

	(void)ctx;
	if (on_cpu(cpu, install_here, &c, NULL))
		return TDX_SEAMCALL_UD;
	*rdx = c.rdx;
	return c.status;
}

static int find_blob(const char *name)
{
	for (unsigned i = 0; i < blobs.n; i++)
		if (!strcmp(blobs.file[i]->name, name))
			return (int)i;
	return -1;
}

int tdx_module_load(const char *name, bool force)
{
	struct seamldr_info before, after;
	struct seamldr_install_result res;
	struct seamldr_params *p;
	struct seamldr_ops ops = { install_on, NULL, cpu_count, this_cpu()->id };
	enum seamldr_fit fit;
	uint64_t params_pa;
	int i, rc;

	parse_blobs();
	if (!vmx_ready()) {
		kprintf("tdx module load: VMX is not on (see 'tdx status')\n");
		return CMD_FAIL;
	}
	if (!read_seamldr_info(&before)) {
		kprintf("tdx module load: no P-SEAMLDR answers SEAMLDR.INFO\n");
		return CMD_FAIL;
	}
	i = name ? find_blob(name) : best_blob(&before);
	if (i < 0) {
		if (name)
			kprintf("tdx module load: no blob named %s (see 'tdx module list')\n", name);
		else
			kprintf("tdx module load: no blob suits this CPU and P-SEAMLDR (see 'tdx module list')\n");
		return CMD_FAIL;
	}
	fit = fit_of((unsigned)i, &before);
	if (blobs.file[i]->state != BOOT_FILE_LOADED) {
		kprintf("tdx module load: %s was not loaded: %s\n", blobs.file[i]->name,
			bootfiles_state_name(blobs.file[i]->state));
		return CMD_FAIL;
	}
	if (fit != SEAMLDR_FIT_OK) {
		unsigned bad = tdxblob_first_failure(&blobs.blob[i]);
		if (bad < TDXBLOB_NCHECKS)
			kprintf("tdx module load: %s: %s: %s: %s\n", blobs.file[i]->name,
				seamldr_fit_text(fit), tdxblob_check_name(bad), blobs.blob[i].why[bad]);
		else
			kprintf("tdx module load: %s: %s\n", blobs.file[i]->name, seamldr_fit_text(fit));
		if (!force || blobs.blob[i].module_pages == 0) {
			kprintf("tdx module load: refused%s\n", force ? " (no module pages to hand over)"
								 : "; --force hands it to the P-SEAMLDR anyway");
			return CMD_FAIL;
		}
		kprintf("tdx module load: --force: handing it to the P-SEAMLDR anyway\n");
	}
	if (tdx_ready()) {
		kprintf("tdx module load: the running module is initialized; a LOAD would drop it (reboot first)\n");
		return CMD_FAIL;
	}
	if (page_alloc(1, PAGE_SIZE, 0, OWN_TDX, &params_pa)) {
		kprintf("tdx module load: out of memory for SEAMLDR_PARAMS\n");
		return CMD_FAIL;
	}
	p = phys_to_virt(params_pa);
	seamldr_params_fill(&blobs.blob[i], blobs.file[i]->pa, p);
	kprintf("tdx module load: %s: SEAMLDR.INSTALL (LOAD, %u module pages) on %u CPUs\n",
		blobs.file[i]->name, blobs.blob[i].module_pages, cpu_count);
	show_seamldr("before", &before);
	rc = seamldr_install_all(&ops, params_pa, &res);
	page_free(params_pa, 1, OWN_TDX);
	if (rc) {
		kprintf("tdx module load: failed on CPU %u after %u calls: %s (%s)\n", res.cpu,
			res.calls, seamldr_status_text(res.status),
			res.rdx ? "unrecoverable: no module until a load succeeds"
				: "recoverable: the previous module stays");
		if (tdx_emu_active() && tdx_emu()->ldr.why[0])
			kprintf("  emulated P-SEAMLDR: %s\n", tdx_emu()->ldr.why);
	} else {
		kprintf("tdx module load: installed on %u CPUs; the module waits for 'tdx init'\n",
			res.calls);
		tdx_module_replaced();
	}
	if (read_seamldr_info(&after))
		show_seamldr("after", &after);
	return rc ? CMD_FAIL : CMD_OK;
}

int tdx_module_cmd(int argc, char **argv)
{
	bool force = false;
	const char *name = NULL;

	if (argc == 1 && !strcmp(argv[0], "list"))
		return module_list();
	if (argc < 1 || strcmp(argv[0], "load"))
		return CMD_USAGE;
	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--force"))
			force = true;
		else if (!strcmp(argv[a], "--best"))
			name = NULL;
		else if (argv[a][0] != '-' && !name)
			name = argv[a];
		else
			return CMD_USAGE;
	}
	return tdx_module_load(name, force);
}
