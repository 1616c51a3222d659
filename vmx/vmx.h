/* VMX operation: detection with a plain explanation, VMXON on every CPU,
 * VMXOFF before the machine stops. */
#ifndef BARETDX_VMX_VMX_H
#define BARETDX_VMX_VMX_H

#include <stdbool.h>
#include "vmx/controls.h"

extern struct vmx_caps vmx_caps;

/* Boot CPU, after SMP start: detect, read capabilities, VMXON
 * everywhere. Without VMX it says why once and returns. */
void vmx_init(void);
bool vmx_ready(void);             /* VMXON succeeded on every online CPU */
const char *vmx_unavailable(void); /* why not, or NULL */
/* VMXOFF on every CPU that is in VMX operation (halt, reboot, poweroff). */
void vmx_off_all(void);
int cmd_vmx(int argc, char **argv);

#endif
