/* CPU topology from CPUID leaf 0x1F (or 0xB): which package, core and
 * thread an x2APIC ID belongs to (SDM Vol. 3A §10.9 / Vol. 2A CPUID). */
#ifndef BARETDX_KERNEL_TOPOLOGY_H
#define BARETDX_KERNEL_TOPOLOGY_H

#include <stdint.h>

struct cpu_topo {
	uint32_t x2apic_id;
	uint32_t package, core, thread;
	uint8_t smt_shift, pkg_shift; /* bits of the ID below core / package */
};

/* One sub-leaf of CPUID 0x1F/0xB: level type ECX[15:8], shift EAX[4:0]. */
struct topo_level {
	uint8_t type;  /* 1 SMT, 2 core, 3 module, 4 tile, 5 die; 0 = end */
	uint8_t shift;
};

/* Pure: splits an ID by the enumerated levels. With no levels (old CPUs,
 * leaf absent) the ID is the package and core and thread are 0. */
struct cpu_topo topo_decode(uint32_t x2apic_id, const struct topo_level *lv,
			    unsigned n);

/* Runs CPUID on the calling CPU. */
struct cpu_topo topo_probe(void);

#endif
