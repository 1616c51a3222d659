/* Commands about the emulated TDX module (seam/emu_cmds.c). */
#ifndef BARETDX_SEAM_EMU_CMDS_H
#define BARETDX_SEAM_EMU_CMDS_H

int emu_state_cmd(void);

#endif
