/* Installing TDX module blobs from the shell and at boot
 * (seam/module_kernel.c). */
#ifndef BARETDX_SEAM_MODULE_KERNEL_H
#define BARETDX_SEAM_MODULE_KERNEL_H

#include <stdbool.h>

/* `tdx module list|load [NAME|--best] [--force]`; argv[0] is "list"/"load". */
int tdx_module_cmd(int argc, char **argv);
/* Installs the named blob, or the best one when name is NULL. A blob that
 * fails verification or does not suit is refused unless force. */
int tdx_module_load(const char *name, bool force);

#endif
