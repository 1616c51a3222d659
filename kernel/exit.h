/* How a boot ends: the end line benches wait for (bench.md), the emulator
 * exit code, then halt, reboot or poweroff. */
#ifndef BARETDX_KERNEL_EXIT_H
#define BARETDX_KERNEL_EXIT_H

#include <stdbool.h>
#include "kernel/config.h"

__attribute__((noreturn)) void system_end(bool pass, enum exit_action action);
/* After an exception or a broken invariant: "end fatal", then halt. */
__attribute__((noreturn)) void system_fatal(const char *why);
__attribute__((noreturn)) void cpu_halt_forever(void);

#endif
