#ifndef BARETDX_SEAM_SEAM_CMDS_H
#define BARETDX_SEAM_SEAM_CMDS_H

int cmd_seamcall(int argc, char **argv);

#endif
