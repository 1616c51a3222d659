/* Shell commands that show what ACPI told us about the platform. */
#include <string.h>
#include "drivers/platform.h"
#include "drivers/platform_cmds.h"
#include "kernel/log.h"
#include "kernel/smp.h"
#include "kernel/shell.h"

static int cpus_json(void)
{
	const struct acpi_madt *m = &platform.madt;
	unsigned first[MAX_CPUS], npkg = cpus_one_per_package(first, MAX_CPUS);

	kprintf("{\"online\":%u,\"packages\":%u,\"cpus\":[", cpus_online(), npkg);
	for (unsigned i = 0; i < cpu_count; i++) {
		const struct percpu *c = cpu_list[i];
		kprintf("%s{\"id\":%u,\"apic_id\":%u,\"package\":%u,\"core\":%u,"
			"\"thread\":%u,\"online\":%s,\"vmx\":%s}", i ? "," : "", c->id,
			c->apic_id, c->topo.package, c->topo.core, c->topo.thread,
			c->online ? "true" : "false", c->vmx_on ? "true" : "false");
	}
	kprintf("],\"madt\":");
	if (platform.madt_ok)
		kprintf("{\"enabled\":%u,\"listed\":%u}}\n", m->nenabled, m->ncpus);
	else
		kprintf("null}\n");
	return CMD_OK;
}

int cmd_cpus(int argc, char **argv)
{
	const struct acpi_madt *m = &platform.madt;

	if (argc == 2 && !strcmp(argv[1], "--json"))
		return cpus_json();
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

static int acpi_json(void)
{
	const struct acpi_info *a = &platform.acpi;

	if (!platform.acpi_ok) {
		kprintf("{\"acpi\":false}\n");
		return CMD_OK;
	}
	kprintf("{\"acpi\":true,\"rsdp\":%llu,\"revision\":%u,\"root\":\"%s\","
		"\"skipped\":%u,\"tables\":[", (unsigned long long)a->rsdp_pa,
		a->rsdp_revision, a->xsdt ? "XSDT" : "RSDT", a->nskipped);
	for (unsigned i = 0; i < a->ntables; i++) {
		const struct acpi_table_ref *t = &a->tables[i];
		/* Signatures of tables that passed their checksum; quotes and
		 * backslashes cannot appear in a valid one, but be safe. */
		char sig[5];
		for (int k = 0; k < 4; k++)
			sig[k] = (t->sig[k] >= 0x20 && t->sig[k] < 0x7f &&
				  t->sig[k] != '"' && t->sig[k] != '\\') ? t->sig[k] : '?';
		sig[4] = 0;
		kprintf("%s{\"sig\":\"%s\",\"pa\":%llu,\"length\":%u,\"revision\":%u}",
			i ? "," : "", sig, (unsigned long long)t->pa, t->length, t->revision);
	}
	kprintf("]}\n");
	return CMD_OK;
}

int cmd_acpi(int argc, char **argv)
{
	const struct acpi_info *a = &platform.acpi;

	if (argc == 2 && !strcmp(argv[1], "--json"))
		return acpi_json();
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
