/* SMP start-up (SDM Vol. 3A §9.4.4, "MP initialization protocol"): for
 * each AP, fill the trampoline's parameter block, INIT, wait 10 ms, SIPI,
 * and a second SIPI if it has not answered after 200 us. APs start one at
 * a time because they share the trampoline page. An AP that does not come
 * up within SMP_AP_TIMEOUT_US is reported, sent INIT again so it cannot
 * run the trampoline later with another CPU's parameters, and left out.
 *
 * Idle APs wait in hlt with interrupts on; on_cpu() posts work into the
 * target's mailbox and wakes it with a VEC_WAKE IPI. */
#include <string.h>
#include "drivers/lapic.h"
#include "drivers/platform.h"
#include "kernel/cpu.h"
#include "kernel/cmdlimit.h"
#include "kernel/log.h"
#include "kernel/smp.h"
#include "kernel/symbols.h"
#include "kernel/spinlock.h"
#include "kernel/time.h"
#include "kernel/trap.h"
#include "mm/direct_map.h"
#include "mm/page.h"
#include "mm/paging.h"

#define MSR_GS_BASE 0xc0000101
#define AP_STACK_PAGES 8                       /* 32 KiB */
#define IST_PAGES (IST_STACK_SIZE / 4096)
#define SMP_AP_TIMEOUT_US 200000
#define PROBE_MAX_ID 64     /* no MADT: probe APIC IDs below this ... */
#define PROBE_MAX_MISSES 4  /* ... until this many in a row stay silent */

struct percpu *cpu_list[MAX_CPUS];
unsigned cpu_count;
static struct percpu bsp;
static struct spinlock work_lock[MAX_CPUS];

extern char boot_stack[], boot_stack_top[];
extern const uint64_t boot_ist_tops[IST_COUNT];
extern const char trampoline_start[], trampoline_end[];
extern char tr_cr3[], tr_entry[], tr_stack[], tr_percpu[];

void percpu_install(struct percpu *p)
{
	p->self = p;
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)p);
}

static void set_stacks(struct percpu *p, uint64_t lo, uint64_t hi,
		       const uint64_t ist_tops[IST_COUNT])
{
	p->stacks[0] = (struct stack_range){ lo, hi };
	for (int i = 0; i < IST_COUNT; i++)
		p->stacks[1 + i] = (struct stack_range){ ist_tops[i] - IST_STACK_SIZE,
							 ist_tops[i] };
}

void smp_init_bsp(void)
{
	set_stacks(&bsp, (uint64_t)(uintptr_t)boot_stack,
		   (uint64_t)(uintptr_t)boot_stack_top, boot_ist_tops);
	/* GS base after gdt_load: loading the GS selector clears the base. */
	gdt_load(&bsp.desc, boot_ist_tops);
	percpu_install(&bsp);
	cpu_list[0] = &bsp;
	cpu_count = 1;
}

unsigned cpus_online(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < cpu_count; i++)
		n += cpu_list[i]->online;
	return n;
}

__attribute__((noreturn)) static void idle_loop(struct percpu *p)
{
	for (;;) {
		cli();
		uint32_t seq = __atomic_load_n(&p->work_seq, __ATOMIC_ACQUIRE);
		if (seq != p->done_seq) {
			p->work_result = p->work_fn(p->work_arg);
			__atomic_store_n(&p->done_seq, seq, __ATOMIC_RELEASE);
			continue;
		}
		/* sti takes effect after hlt starts, so a wake-up IPI sent
		 * after the check above still ends the hlt. */
		__asm__ volatile("sti; hlt" : : : "memory");
	}
}

__attribute__((noreturn)) void ap_entry(struct percpu *p);
void ap_entry(struct percpu *p)
{
	uint64_t ist[IST_COUNT];

	for (int i = 0; i < IST_COUNT; i++)
		ist[i] = p->stacks[1 + i].hi;
	gdt_load(&p->desc, ist);
	percpu_install(p);
	idt_load();
	paging_init_ap();
	lapic_init();
	p->apic_id = lapic_id();
	p->topo = topo_probe();
	__atomic_store_n(&p->online, true, __ATOMIC_RELEASE);
	idle_loop(p);
}

static struct percpu *new_cpu(uint32_t apic_id)
{
	uint64_t pa, ist[IST_COUNT], top;
	uint64_t pages = (sizeof(struct percpu) + PAGE_SIZE - 1) / PAGE_SIZE;

	if (cpu_count == MAX_CPUS ||
	    page_alloc(pages, PAGE_SIZE, 0, OWN_PERCPU, &pa) != 0)
		return NULL;
	struct percpu *p = phys_to_virt(pa);
	memset(p, 0, sizeof(*p));
	p->id = cpu_count;
	p->apic_id = apic_id;
	top = stack_alloc(AP_STACK_PAGES);
	for (int i = 0; i < IST_COUNT; i++)
		ist[i] = stack_alloc(IST_PAGES);
	if (!top || !ist[0] || !ist[1] || !ist[2])
		return NULL;
	set_stacks(p, top - AP_STACK_PAGES * PAGE_SIZE, top, ist);
	return p;
}

static void *tramp_field(const struct boot_info *bi, char *sym)
{
	return (char *)phys_to_virt(bi->trampoline_pa) + (sym - trampoline_start);
}

/* Starts one AP; true when it checked in. */
static bool start_ap(const struct boot_info *bi, struct percpu *p)
{
	uint8_t vector = (uint8_t)(bi->trampoline_pa >> 12);
	uint64_t deadline;

	*(uint64_t *)tramp_field(bi, tr_stack) = p->stacks[0].hi;
	*(uint64_t *)tramp_field(bi, tr_percpu) = (uint64_t)(uintptr_t)p;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	lapic_send_init(p->apic_id);
	udelay(10000);
	lapic_send_sipi(p->apic_id, vector);
	udelay(200);
	if (!__atomic_load_n(&p->online, __ATOMIC_ACQUIRE))
		lapic_send_sipi(p->apic_id, vector);
	deadline = deadline_after_us(SMP_AP_TIMEOUT_US);
	while (!__atomic_load_n(&p->online, __ATOMIC_ACQUIRE))
		if (deadline_passed(deadline)) {
			lapic_send_init(p->apic_id);
			return false;
		}
	return true;
}

static bool try_start(const struct boot_info *bi, uint32_t apic_id, bool quiet)
{
	struct percpu *p = new_cpu(apic_id);
	if (!p) {
		pr_err("smp: no memory for CPU with APIC ID %u; left offline\n", apic_id);
		return false;
	}
	if (!start_ap(bi, p)) {
		if (!quiet)
			pr_err("smp: CPU with APIC ID %u did not come up; carrying on without it\n",
			       apic_id);
		return false; /* its pages stay allocated: it may still wake */
	}
	cpu_list[cpu_count++] = p;
	return true;
}

void smp_start_aps(const struct boot_info *bi)
{
	const struct acpi_madt *m = &platform.madt;
	unsigned misses = 0;
	uint64_t t0 = rdtsc();

	lapic_init();
	bsp.apic_id = lapic_id();
	bsp.topo = topo_probe();
	bsp.online = true;

	memcpy(phys_to_virt(bi->trampoline_pa), trampoline_start,
	       (size_t)(trampoline_end - trampoline_start));
	*(uint64_t *)tramp_field(bi, tr_cr3) = paging_cr3();
	*(uint64_t *)tramp_field(bi, tr_entry) = (uint64_t)(uintptr_t)ap_entry;

	if (platform.madt_ok) {
		for (unsigned i = 0; i < m->ncpus; i++) {
			const struct acpi_cpu *c = &m->cpus[i];
			if ((c->enabled || c->online_capable) && c->apic_id != bsp.apic_id)
				try_start(bi, c->apic_id, false);
		}
	} else {
		pr_warn("smp: no MADT: probing APIC IDs 0-%u for other CPUs\n",
			PROBE_MAX_ID - 1);
		for (uint32_t id = 0; id < PROBE_MAX_ID && misses < PROBE_MAX_MISSES; id++) {
			if (id == bsp.apic_id)
				continue;
			misses = try_start(bi, id, true) ? 0 : misses + 1;
		}
	}
	kprintf("smp: %u CPUs online (%s APIC mode)\n", cpus_online(),
		lapic_x2apic() ? "x2APIC" : "xAPIC");
	pr_info("smp: AP start-up took %llu us (%llu TSC ticks)\n",
		(unsigned long long)tsc_to_us(rdtsc() - t0),
		(unsigned long long)(rdtsc() - t0));
}

static void post(struct percpu *p, long (*fn)(void *), void *arg, uint32_t *seq)
{
	p->work_fn = fn;
	p->work_arg = arg;
	*seq = p->work_seq + 1;
	__atomic_store_n(&p->work_seq, *seq, __ATOMIC_RELEASE);
	lapic_send_fixed(p->apic_id, VEC_WAKE);
}

/* Waits for the CPU's answer. The work may point into the caller's stack,
 * so the wait cannot be given up; past the command's time limit it says
 * once which CPU it waits for and in what. */
static void wait_done(struct percpu *p, uint32_t seq)
{
	uint64_t limit = cmdlimit_deadline(), off;
	bool said = false;

	while (__atomic_load_n(&p->done_seq, __ATOMIC_ACQUIRE) != seq) {
		if (!said && limit && deadline_passed(limit)) {
			said = true;
			const char *fn = symbol_lookup((uint64_t)(uintptr_t)p->work_fn, &off);
			pr_warn("smp: past the command time limit, still waiting for cpu %u (running %s)\n",
				p->id, fn ? fn : "?");
		}
		pause();
	}
}

int on_cpu(unsigned cpu, long (*fn)(void *), void *arg, long *result)
{
	struct percpu *p;
	uint32_t seq;
	long r;

	if (cpu >= cpu_count || !cpu_list[cpu]->online)
		return -1;
	p = cpu_list[cpu];
	if (p == this_cpu()) {
		r = fn(arg);
	} else {
		spin_lock(&work_lock[cpu]);
		post(p, fn, arg, &seq);
		wait_done(p, seq);
		r = p->work_result;
		spin_unlock(&work_lock[cpu]);
	}
	if (result)
		*result = r;
	return 0;
}

unsigned on_each_cpu(long (*fn)(void *), void *arg, long *results)
{
	struct percpu *self = this_cpu();
	uint32_t seq[MAX_CPUS];
	unsigned n = 0;

	for (unsigned i = 0; i < cpu_count; i++) {
		if (!cpu_list[i]->online || cpu_list[i] == self)
			continue;
		spin_lock(&work_lock[i]);
		post(cpu_list[i], fn, arg, &seq[i]);
	}
	long mine = fn(arg);
	if (results)
		results[self->id] = mine;
	n++;
	for (unsigned i = 0; i < cpu_count; i++) {
		if (!cpu_list[i]->online || cpu_list[i] == self)
			continue;
		wait_done(cpu_list[i], seq[i]);
		if (results)
			results[i] = cpu_list[i]->work_result;
		spin_unlock(&work_lock[i]);
		n++;
	}
	return n;
}

unsigned on_cpus(const unsigned *cpus, unsigned n, long (*fn)(void *), void *arg)
{
	struct percpu *self = this_cpu();
	static uint32_t seq[MAX_CPUS];
	bool mine = false;
	unsigned ran = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned c = cpus[i];
		if (c >= cpu_count || !cpu_list[c]->online)
			continue;
		if (cpu_list[c] == self) {
			mine = true;
			continue;
		}
		spin_lock(&work_lock[c]);
		post(cpu_list[c], fn, arg, &seq[c]);
	}
	if (mine) {
		fn(arg);
		ran++;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned c = cpus[i];
		if (c >= cpu_count || !cpu_list[c]->online || cpu_list[c] == self)
			continue;
		wait_done(cpu_list[c], seq[c]);
		spin_unlock(&work_lock[c]);
		ran++;
	}
	return ran;
}

unsigned cpus_one_per_package(unsigned *out, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < cpu_count && n < max; i++) {
		bool seen = false;
		if (!cpu_list[i]->online)
			continue;
		for (unsigned j = 0; j < n; j++)
			if (cpu_list[out[j]]->topo.package == cpu_list[i]->topo.package)
				seen = true;
		if (!seen)
			out[n++] = i;
	}
	return n;
}

void smp_kick(unsigned cpu)
{
	if (cpu < cpu_count && cpu_list[cpu]->online && cpu_list[cpu] != this_cpu())
		lapic_send_fixed(cpu_list[cpu]->apic_id, VEC_WAKE);
}

void smp_deliver_irq(unsigned vector)
{
	if (vector == VEC_TIMER || vector == VEC_WAKE)
		smp_handle_ipi(vector);
	else if (vector != VEC_SPURIOUS)
		lapic_eoi();
}

void smp_handle_ipi(unsigned vector)
{
	if (vector == VEC_TIMER)
		this_cpu()->timer_irqs++;
	lapic_eoi();
}
