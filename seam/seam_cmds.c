/* `seamcall`: one raw SEAMCALL from the shell, with the result decoded.
 * For benches poking at a module, and for tests. */
#include <string.h>
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/parse.h"
#include "kernel/shell.h"
#include "kernel/smp.h"
#include "mm/direct_map.h"
#include "mm/page.h"
#include "seam/seam_cmds.h"
#include "seam/seamcall.h"
#include "seam/tdx_abi.h"
#include "seam/tdx_status.h"

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static bool same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lower(*a) != lower(*b))
			return false;
	return *a == *b;
}

/* A leaf by number, by spec name ("TDH.SYS.INIT", "SEAMLDR.INFO") or by
 * the name without "TDH." ("sys.init"), any case. */
static bool parse_leaf(const char *s, uint64_t *rax)
{
	if (parse_u64(s, rax))
		return true;
	for (uint64_t seamldr = 0; seamldr < 2; seamldr++) {
		for (uint64_t n = 0; n < 256; n++) {
			uint64_t leaf = seamldr ? SEAMLDR_INFO | n : n;
			const char *name = tdx_leaf_name(leaf);
			if (!name || name[0] == '?')
				continue;
			if (same_name(s, name) ||
			    (!strncmp(name, "TDH.", 4) && same_name(s, name + 4))) {
				*rax = leaf;
				return true;
			}
		}
	}
	return false;
}

struct call {
	struct tdx_regs r;
	uint64_t status;
};

static long do_seamcall(void *arg)
{
	struct call *c = arg;
	c->status = seamcall_regs(&c->r);
	return 0;
}

static void show_seamldr_info(const struct seamldr_info *i)
{
	kprintf("  SEAMLDR_INFO: version %u, P-SEAMLDR %u.%u.%u build %u date %08x, vendor 0x%x, attributes 0x%x, remaining updates %u, seam_ready %u\n",
		i->version, i->major_version, i->minor_version, i->update_version,
		i->build_num, i->build_date, i->vendor_id, i->attributes,
		i->num_remaining_updates, i->seam_ready);
}

int cmd_seamcall(int argc, char **argv)
{
	static const char *const names[] = { "rcx", "rdx", "r8", "r9", "r10",
					     "r11", "r12", "r13", "r14", "r15" };
	static struct call c;
	uint64_t *in[] = { &c.r.rcx, &c.r.rdx, &c.r.r8, &c.r.r9, &c.r.r10,
			   &c.r.r11, &c.r.r12, &c.r.r13, &c.r.r14, &c.r.r15 };
	uint64_t cpu = 0, info_pa = 0;
	int a = 1, nargs;
	char line[160];

	if (argc > 2 && !strcmp(argv[1], "--cpu")) {
		if (!parse_u64(argv[2], &cpu)) {
			kprintf("error: --cpu needs a CPU number\n");
			return CMD_USAGE;
		}
		a = 3;
	}
	if (a >= argc)
		return CMD_USAGE;
	memset(&c, 0, sizeof(c));
	if (!parse_leaf(argv[a], &c.r.rax)) {
		kprintf("error: unknown leaf '%s' (a number or a name like TDH.SYS.INIT)\n",
			argv[a]);
		return CMD_FAIL;
	}
	nargs = argc - a - 1;
	if (nargs > 10) {
		kprintf("error: at most 10 register values (rcx rdx r8 ... r15)\n");
		return CMD_USAGE;
	}
	for (int i = 0; i < nargs; i++) {
		if (!parse_u64(argv[a + 1 + i], in[i])) {
			kprintf("error: %s value '%s' is not a number\n", names[i], argv[a + 1 + i]);
			return CMD_USAGE;
		}
	}
	/* SEAMLDR.INFO with no buffer given: lend it one and decode it. */
	if (c.r.rax == SEAMLDR_INFO && nargs == 0) {
		if (page_alloc(1, PAGE_SIZE, 0, OWN_TEST, &info_pa)) {
			kprintf("error: out of memory for the SEAMLDR_INFO buffer\n");
			return CMD_FAIL;
		}
		memset(phys_to_virt(info_pa), 0, PAGE_SIZE);
		c.r.rcx = info_pa;
	}
	uint64_t leaf = c.r.rax; /* the stub overwrites rax with the status */
	if (on_cpu((unsigned)cpu, do_seamcall, &c, NULL)) {
		kprintf("error: cpu %llu is not online\n", (unsigned long long)cpu);
		if (info_pa)
			page_free(info_pa, 1, OWN_TEST);
		return CMD_FAIL;
	}
	if (leaf & SEAMLDR_INFO)
		fmt_snprintf(line, sizeof(line), "%s (0x%llx)", seamldr_status_name(c.status),
			     (unsigned long long)c.status);
	else
		tdx_status_describe(c.status, line, sizeof(line));
	kprintf("seamcall %s on cpu %llu: %s\n", tdx_leaf_name(leaf),
		(unsigned long long)cpu, line);
	kprintf("  rcx 0x%llx rdx 0x%llx r8 0x%llx r9 0x%llx r10 0x%llx r11 0x%llx\n",
		(unsigned long long)c.r.rcx, (unsigned long long)c.r.rdx,
		(unsigned long long)c.r.r8, (unsigned long long)c.r.r9,
		(unsigned long long)c.r.r10, (unsigned long long)c.r.r11);
	if (info_pa) {
		if (c.status == 0)
			show_seamldr_info(phys_to_virt(info_pa));
		page_free(info_pa, 1, OWN_TEST);
	}
	return (c.status >> 63) ? CMD_FAIL : CMD_OK;
}
