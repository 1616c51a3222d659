/* TD vCPUs of the emulated TDX module on VMX (seam/emu_vmx.c). */
#ifndef BARETDX_SEAM_EMU_VMX_H
#define BARETDX_SEAM_EMU_VMX_H

#include "seam/emu/emu.h"

/* Exit reason reported when VMPTRLD/VMLAUNCH/VMRESUME itself failed. */
#define TDX_EMU_ENTRY_FAILED 0x80000000u

extern const struct emu_cpu_ops emu_vmx_ops;

#endif
