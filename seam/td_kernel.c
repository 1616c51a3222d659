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
#include "seam/td_host.h"
#include "seam/td_kernel.h"
#include "seam/tdx_kernel.h"

#define MAX_TDS		8
#define LINE_MAX_TD	160
#define COM1		0x3f8

struct td_payload {
	const char *name;
	const uint8_t *start, *end;
};
extern const struct td_payload td_payloads[];

enum run_end { RUN_HALTED = 1, RUN_DIED, RUN_TIMEOUT, RUN_ERROR };

struct td_slot {
	bool used;
	unsigned id;
	struct td td;
	const struct td_payload *payload;
	struct spinlock lock;		/* output line, AUG, state below */
	char line[LINE_MAX_TD];
	unsigned line_len;
	bool dead;
	char dead_why[120];
	uint64_t exits, vmcalls, augs;
};

static struct td_slot slots[MAX_TDS];
static unsigned next_id = 1;

static const struct td_payload *find_payload(const char *name)
{
	for (const struct td_payload *p = td_payloads; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
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

static int td_create_cmd(int argc, char **argv)
{
	struct td_request req = { .vcpus = 1, .tsc_hz = tsc_hz(), .mem = &td_mem };
	const struct td_payload *payload = find_payload("hello");
	struct td_slot *s = NULL;
	uint64_t n;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--vcpus") && i + 1 < argc && parse_u64(argv[i + 1], &n) &&
		    n >= 1 && n <= TD_MAX_VCPUS) {
			req.vcpus = (unsigned)n;
			i++;
		} else if (!strcmp(argv[i], "--payload") && i + 1 < argc) {
			payload = find_payload(argv[++i]);
			if (!payload) {
				kprintf("error: unknown payload '%s' (td payloads: hello)\n", argv[i]);
				return CMD_FAIL;
			}
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
	for (unsigned i = 0; i < MAX_TDS && !s; i++)
		if (!slots[i].used)
			s = &slots[i];
	if (!s) {
		kprintf("error: %u TDs exist already; destroy one first\n", MAX_TDS);
		return CMD_FAIL;
	}
	memset(s, 0, sizeof(*s));
	struct tdx_host *h = (struct tdx_host *)tdx_host();
	uint64_t size = (uint64_t)(payload->end - payload->start);
	if (td_create(&s->td, h, &req) ||
	    td_add_image(&s->td, (1ull << 32) - size, payload->start, size, true) ||
	    td_finalize(&s->td)) {
		kprintf("error: td create: %s\n", s->td.why[0] ? s->td.why : "failed");
		uint64_t leaked = td_destroy(&s->td);
		if (leaked)
			kprintf("error: %llu pages stay with the TDX module\n",
				(unsigned long long)leaked);
		return CMD_FAIL;
	}
	for (unsigned i = 0; i < req.vcpus; i++) {
		unsigned cpu = cpus_online() > 1 ? 1 + i % (cpus_online() - 1) : 0;
		if (td_vcpu_move(&s->td, i, cpu)) {
			kprintf("error: td create: %s\n", s->td.why);
			td_destroy(&s->td);
			return CMD_FAIL;
		}
	}
	s->used = true;
	s->id = next_id++;
	s->payload = payload;
	kprintf("td %u: created: %u vCPUs, payload %s, HKID %u, %llu pages\n", s->id,
		req.vcpus, payload->name, s->td.hkid, (unsigned long long)s->td.pages);
	char prefix[32];
	fmt_snprintf(prefix, sizeof(prefix), "td %u: MRTD ", s->id);
	print_mrtd(prefix, s->td.mrtd);
	return CMD_OK;
}

/* ---- td run ----------------------------------------------------------------*/

struct vcpu_run {
	struct td_slot *s;
	unsigned index;
	uint64_t deadline;
	enum run_end end;
	char why[120];
};

static void console_out(struct td_slot *s, char c)
{
	spin_lock(&s->lock);
	if (c == '\n' || s->line_len == LINE_MAX_TD - 1) {
		s->line[s->line_len] = 0;
		kprintf("[td %u] %s\n", s->id, s->line);
		s->line_len = 0;
	}
	if (c != '\n' && c != '\r')
		s->line[s->line_len++] = (c >= 0x20 && c < 0x7f) ? c : '?';
	spin_unlock(&s->lock);
}

#define set_why(v, ...) fmt_snprintf((v)->why, sizeof((v)->why), __VA_ARGS__)

/* One TDVMCALL (§7.2); returns false when the vCPU stops. */
static bool vmcall(struct vcpu_run *v, const struct tdx_regs *x)
{
	struct td *td = &v->s->td;
	uint64_t out[4] = { 0 };

	v->s->vmcalls++;
	if (x->r10 != 0) {
		td_vmcall_reply(td, v->index, TDVMCALL_SUBFUNC_UNSUPPORTED, 0, NULL);
		return true;
	}
	switch (x->r11) {
	case 12:	/* Instruction.HLT */
		if (x->r12 & 1) {	/* interrupts off: nothing will wake it */
			v->end = RUN_HALTED;
			return false;
		}
		td_vmcall_reply(td, v->index, TDVMCALL_SUCCESS, 0, NULL);
		return true;
	case 30:	/* Instruction.IO: R12 size, R13 direction, R14 port, R15 data */
		if (x->r14 == COM1 && x->r13 == 1 && x->r12 == 1) {
			console_out(v->s, (char)x->r15);
			td_vmcall_reply(td, v->index, TDVMCALL_SUCCESS, 0, NULL);
		} else if (x->r14 >= COM1 && x->r14 <= COM1 + 7 && x->r13 == 0) {
			/* Reads of the COM1 registers: transmitter empty. */
			td_vmcall_reply(td, v->index, TDVMCALL_SUCCESS,
					x->r14 == COM1 + 5 ? 0x60 : 0, NULL);
		} else {
			td_vmcall_reply(td, v->index, TDVMCALL_INVALID_OPERAND, 0, NULL);
		}
		return true;
	case 10: {	/* Instruction.CPUID */
		struct cpuid_regs c = cpuid((uint32_t)x->r12, (uint32_t)x->r13);
		out[0] = c.eax, out[1] = c.ebx, out[2] = c.ecx, out[3] = c.edx;
		td_vmcall_reply(td, v->index, TDVMCALL_SUCCESS, 0, out);
		return true;
	}
	case 0x10003:	/* ReportFatalError */
		set_why(v, "the TD reported a fatal error, code 0x%llx",
			(unsigned long long)x->r12);
		v->end = RUN_DIED;
		return false;
	default:
		td_vmcall_reply(td, v->index, TDVMCALL_SUBFUNC_UNSUPPORTED, 0, NULL);
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
	if ((ext & 0xf) == 1)		/* ACCEPT: AUG at the size asked for */
		level = (unsigned)(ext >> 32) & 7;
	spin_lock(&s->lock);
	rc = td_aug(&s->td, gpa, level ? 1 : 0);
	if (!rc)
		s->augs++;
	spin_unlock(&s->lock);
	if (rc) {
		set_why(v, "cannot map GPA 0x%llx: %s", (unsigned long long)gpa, s->td.why);
		v->end = RUN_ERROR;
		return false;
	}
	return true;
}

static long vcpu_loop(void *arg)
{
	struct vcpu_run *v = arg;
	struct td_slot *s = v->s;
	struct tdx_regs x;
	uint64_t st;

	for (;;) {
		if (s->dead) {
			v->end = RUN_DIED;
			return 0;
		}
		if (deadline_passed(v->deadline) || cmdlimit_expired()) {
			v->end = RUN_TIMEOUT;
			return 0;
		}
		/* The LAPIC timer brings a spinning guest back for the checks
		 * above (an external-interrupt TD exit). */
		uint64_t now = rdtsc(), left = v->deadline > now ? tsc_to_us(v->deadline - now) : 1;
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
		case 1:		/* external interrupt: let this CPU take it */
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

static int td_run_cmd(int argc, char **argv)
{
	static struct vcpu_run runs[TD_MAX_VCPUS];
	static const char *const ends[] = {
		[RUN_HALTED] = "halted", [RUN_DIED] = "died",
		[RUN_TIMEOUT] = "stopped at the timeout", [RUN_ERROR] = "stopped by an error",
	};
	struct td_slot *s;
	uint64_t ms = 10000;
	unsigned cpus[TD_MAX_VCPUS];
	bool ok = true;

	if (argc < 3 || !(s = find_td(argv[2])))
		return argc < 3 ? CMD_USAGE : (kprintf("error: no TD %s\n", argv[2]), CMD_FAIL);
	if (argc == 5 && !strcmp(argv[3], "--timeout")) {
		if (!parse_u64(argv[4], &ms) || ms == 0 || ms > 3600000)
			return CMD_USAGE;
	} else if (argc != 3) {
		return CMD_USAGE;
	}
	if (s->dead) {
		kprintf("error: td %u is dead: %s\n", s->id, s->dead_why);
		return CMD_FAIL;
	}
	uint64_t t0 = rdtsc();
	for (unsigned i = 0; i < s->td.nvcpus; i++) {
		runs[i] = (struct vcpu_run){ .s = s, .index = i,
					     .deadline = deadline_after_us(ms * 1000) };
		cpus[i] = s->td.vcpu[i].cpu;
	}
	/* One vCPU per CPU at a time: vCPUs sharing a CPU run in turn. */
	for (unsigned i = 0; i < s->td.nvcpus; i++) {
		if (s->td.vcpu[i].state != TD_VCPU_READY)
			continue;
		on_cpu(cpus[i], vcpu_loop, &runs[i], NULL);
	}
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
		ok = ok && v->end == RUN_HALTED;
		kprintf("td %u: vcpu %u %s%s%s\n", s->id, i, ends[v->end],
			v->why[0] ? ": " : "", v->why);
	}
	if (s->line_len)
		console_out(s, '\n');
	kprintf("td %u: %llu exits, %llu TDVMCALLs, %llu pages added on demand, %llu ms\n",
		s->id, (unsigned long long)s->exits, (unsigned long long)s->vmcalls,
		(unsigned long long)s->augs, (unsigned long long)(tsc_to_us(rdtsc() - t0) / 1000));
	return ok ? CMD_OK : CMD_FAIL;
}

/* ---- list, info, destroy ----------------------------------------------------*/

static int td_list_cmd(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < MAX_TDS; i++) {
		struct td_slot *s = &slots[i];
		if (!s->used)
			continue;
		n++;
		kprintf("td %u: %s, %u vCPUs, payload %s, HKID %u, %llu pages\n", s->id,
			s->dead ? "dead" : "runnable", s->td.nvcpus, s->payload->name,
			s->td.hkid, (unsigned long long)s->td.pages);
	}
	if (!n)
		kprintf("no TDs\n");
	return CMD_OK;
}

static int td_destroy_cmd(struct td_slot *s)
{
	uint64_t pages = s->td.pages, leaked = td_destroy(&s->td);

	s->used = false;
	if (leaked) {
		kprintf("error: td %u: destroyed, but %llu of %llu pages stay with the TDX module: %s\n",
			s->id, (unsigned long long)leaked, (unsigned long long)pages, s->td.why);
		return CMD_FAIL;
	}
	kprintf("td %u: destroyed, %llu pages reclaimed\n", s->id, (unsigned long long)pages);
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
	if (!strcmp(argv[1], "list") && argc == 2)
		return td_list_cmd();
	if ((!strcmp(argv[1], "destroy") || !strcmp(argv[1], "info")) && argc == 3) {
		s = find_td(argv[2]);
		if (!s) {
			kprintf("error: no TD %s\n", argv[2]);
			return CMD_FAIL;
		}
		if (!strcmp(argv[1], "destroy"))
			return td_destroy_cmd(s);
		kprintf("td %u: %s, %u vCPUs, payload %s, HKID %u, %llu pages, %llu exits\n",
			s->id, s->dead ? "dead" : "runnable", s->td.nvcpus, s->payload->name,
			s->td.hkid, (unsigned long long)s->td.pages, (unsigned long long)s->exits);
		print_mrtd("  MRTD ", s->td.mrtd);
		return CMD_OK;
	}
	return CMD_USAGE;
}
