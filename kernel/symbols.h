/* Kernel function names for reports, from the table the loader extracted. */
#ifndef BARETDX_KERNEL_SYMBOLS_H
#define BARETDX_KERNEL_SYMBOLS_H

#include <stdint.h>

struct boot_info;
void symbols_init(const struct boot_info *bi);
/* Name of the function holding `addr`, or NULL; *off is addr - start. */
const char *symbol_lookup(uint64_t addr, uint64_t *off);

#endif
