#ifndef BARETDX_KERNEL_SELFTEST_H
#define BARETDX_KERNEL_SELFTEST_H

int cmd_selftest(int argc, char **argv);

struct boot_info;
/* What the loader handed over (kernel/main.c). */
const struct boot_info *boot_info_get(void);

#endif
