/* The physical memory map handed over by the loader: totals and report. */
#ifndef BARETDX_MM_PHYSMAP_H
#define BARETDX_MM_PHYSMAP_H

#include <stddef.h>
#include <stdint.h>
#include "boot/boot_info.h"

void physmap_init(const struct boot_info *bi);
int cmd_mem(int argc, char **argv);

#endif
