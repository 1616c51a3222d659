/* TD commands (seam/td_kernel.c). */
#ifndef BARETDX_SEAM_TD_KERNEL_H
#define BARETDX_SEAM_TD_KERNEL_H

int cmd_td(int argc, char **argv);

#endif
