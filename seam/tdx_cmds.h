#ifndef BARETDX_SEAM_TDX_CMDS_H
#define BARETDX_SEAM_TDX_CMDS_H

int cmd_tdx(int argc, char **argv);

#endif
