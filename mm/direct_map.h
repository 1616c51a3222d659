/* The direct map of physical memory set up by the loader (boot_info.h). */
#ifndef BARETDX_MM_DIRECT_MAP_H
#define BARETDX_MM_DIRECT_MAP_H

#include <stdint.h>
#include "boot/boot_info.h"

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)(BOOT_DIRECT_MAP_BASE + pa);
}

static inline uint64_t virt_to_phys_direct(const void *va)
{
	return (uint64_t)(uintptr_t)va - BOOT_DIRECT_MAP_BASE;
}

#endif
