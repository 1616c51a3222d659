/* TDX module initialization on this machine (seam/tdx_kernel.c). */
#ifndef BARETDX_SEAM_TDX_KERNEL_H
#define BARETDX_SEAM_TDX_KERNEL_H

#include <stdbool.h>

struct tdx_host;

int tdx_init(void);              /* CMD_OK / CMD_FAIL */
bool tdx_ready(void);
const struct tdx_host *tdx_host(void);
/* At boot: tdx=on or tdx=emulate initialize the module unless
 * tdx.init=manual; tdx=auto does when a module answers. tdx.module=load
 * (or tdx=load) installs the best blob first. */
void tdx_boot_init(void);
/* A new module was installed (seam/module_kernel.c): forget what was
 * learnt from the old one, so that `tdx init` starts afresh. */
void tdx_module_replaced(void);
int tdx_info(int argc, char **argv);  /* seam/tdx_info.c */
int tdx_tdmr(void);

#endif
