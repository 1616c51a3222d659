#ifndef BARETDX_DRIVERS_PLATFORM_CMDS_H
#define BARETDX_DRIVERS_PLATFORM_CMDS_H

int cmd_cpus(int argc, char **argv);
int cmd_acpi(int argc, char **argv);

#endif
