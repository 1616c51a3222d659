#ifndef BARETDX_KERNEL_SELFTEST_H
#define BARETDX_KERNEL_SELFTEST_H

int cmd_selftest(int argc, char **argv);

#endif
