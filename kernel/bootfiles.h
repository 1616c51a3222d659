/* The files the loader brought (boot_info's file table: script=, module=,
 * the module blobs of module-dir=), for any part of the kernel. The bytes
 * stay where the loader put them, in boot-data memory the kernel keeps. */
#ifndef BARETDX_KERNEL_BOOTFILES_H
#define BARETDX_KERNEL_BOOTFILES_H

#include <stdint.h>
#include "boot/boot_info.h"

/* Called once from kmain, before anything looks a file up. */
void bootfiles_init(const struct boot_info *bi);
unsigned bootfiles_count(void);
/* Entry i, NULL past the end. Only LOADED entries have bytes:
 * phys_to_virt(f->pa), f->len long. */
const struct boot_file *bootfiles_get(unsigned i);
/* "loaded", "too large", ... for messages; "unknown state" otherwise. */
const char *bootfiles_state_name(uint32_t state);
/* "script", "module", "firmware"; "?" otherwise. */
const char *bootfiles_kind_name(uint32_t kind);

/* The shell's `bootfiles` command. */
int cmd_bootfiles(int argc, char **argv);

#endif
