/* Kernel side of the emulated TDX module: see seam/emu_host.c. */
#ifndef BARETDX_SEAM_EMU_HOST_H
#define BARETDX_SEAM_EMU_HOST_H

#include <stdbool.h>
#include "boot/boot_info.h"

struct emu;

/* Before the page allocator: carve the emulated SEAMRR (tdx=emulate). */
void tdx_emu_reserve(struct boot_info *bi);
/* After VMX: start the emulator, hook #UD and the platform MSRs. */
void tdx_emu_start(void);
bool tdx_emu_active(void);
struct emu *tdx_emu(void);

#endif
