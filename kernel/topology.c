#include <stddef.h>
#include "kernel/cpu.h"
#include "kernel/topology.h"

struct cpu_topo topo_decode(uint32_t id, const struct topo_level *lv, unsigned n)
{
	struct cpu_topo t = { .x2apic_id = id };
	uint8_t smt = 0, pkg = 0;

	for (unsigned i = 0; i < n && lv[i].type; i++) {
		if (lv[i].type == 1)
			smt = lv[i].shift;
		/* The last level's shift is the width of everything below
		 * the package (module, tile and die count as "core" here). */
		pkg = lv[i].shift;
	}
	if (smt > 31)
		smt = 31;
	if (pkg > 31)
		pkg = 31;
	if (pkg < smt)
		pkg = smt;
	t.smt_shift = smt;
	t.pkg_shift = pkg;
	t.thread = id & ((1u << smt) - 1);
	t.core = (id & ((1u << pkg) - 1)) >> smt;
	t.package = pkg ? id >> pkg : id;
	return t;
}

struct cpu_topo topo_probe(void)
{
	struct topo_level lv[8];
	uint32_t max = cpuid(0, 0).eax, leaf = 0, id;
	unsigned n = 0;

	if (max >= 0x1f && cpuid(0x1f, 0).ebx)
		leaf = 0x1f;
	else if (max >= 0xb && cpuid(0xb, 0).ebx)
		leaf = 0xb;
	if (!leaf)
		return topo_decode(cpuid(1, 0).ebx >> 24, NULL, 0);
	id = cpuid(leaf, 0).edx;
	for (; n < 8; n++) {
		struct cpuid_regs r = cpuid(leaf, n);
		lv[n].type = (r.ecx >> 8) & 0xff;
		lv[n].shift = r.eax & 0x1f;
		if (!lv[n].type)
			break;
	}
	return topo_decode(id, lv, n);
}
