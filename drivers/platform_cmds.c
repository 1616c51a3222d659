/* Shell commands that show what ACPI told us about the platform. */
#include "drivers/platform.h"
#include "drivers/platform_cmds.h"
#include "kernel/log.h"
#include "kernel/smp.h"
#include "kernel/shell.h"

int cmd_cpus(int argc, char **argv)
{
	const struct acpi_madt *m = &platform.madt;

	(void)argv;
	if (argc > 1)
		return CMD_USAGE;
	kprintf("cpus: %u CPUs online\n", cpus_online());
	for (unsigned i = 0; i < cpu_count; i++) {
		const struct percpu *c = cpu_list[i];
		kprintf("  cpu %u apic-id %u package %u core %u thread %u%s\n", c->id,
			c->apic_id, c->topo.package, c->topo.core, c->topo.thread,
			c->online ? "" : " (offline)");
	}
	unsigned first[MAX_CPUS], npkg = cpus_one_per_package(first, MAX_CPUS);
	kprintf("cpus: %u package%s; first CPU of each:", npkg, npkg == 1 ? "" : "s");
	for (unsigned i = 0; i < npkg; i++)
		kprintf(" %u", first[i]);
	kprintf("\n");
	if (!platform.madt_ok) {
		kprintf("cpus: no usable ACPI MADT\n");
		return CMD_OK;
	}
	kprintf("madt: %u CPUs enabled (%u listed), local APIC at 0x%llx\n",
		m->nenabled, m->ncpus, (unsigned long long)m->lapic_pa);
	for (unsigned i = 0; i < m->ncpus; i++) {
		const struct acpi_cpu *c = &m->cpus[i];
		kprintf("  cpu apic-id %u uid %u %s%s\n", c->apic_id, c->uid,
			c->enabled ? "enabled" : c->online_capable
						   ? "online-capable" : "disabled",
			c->x2apic ? " (x2APIC entry)" : "");
	}
	return CMD_OK;
}

int cmd_acpi(int argc, char **argv)
{
	const struct acpi_info *a = &platform.acpi;

	(void)argv;
	if (argc > 1)
		return CMD_USAGE;
	if (!platform.acpi_ok) {
		kprintf("error: no usable ACPI tables\n");
		return CMD_FAIL;
	}
	kprintf("acpi: RSDP at 0x%llx rev %u OEM '%s', %s at 0x%llx, %u tables, %u skipped\n",
		(unsigned long long)a->rsdp_pa, a->rsdp_revision, a->rsdp_oem,
		a->xsdt ? "XSDT" : "RSDT", (unsigned long long)a->root_pa,
		a->ntables, a->nskipped);
	for (unsigned i = 0; i < a->ntables; i++) {
		const struct acpi_table_ref *t = &a->tables[i];
		kprintf("  %s 0x%016llx len %6u rev %u %-6s %-8s\n", t->sig,
			(unsigned long long)t->pa, t->length, t->revision,
			t->oem_id, t->oem_table_id);
	}
	return CMD_OK;
}
