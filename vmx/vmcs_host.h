/* Host state for VM exits (vmx/vmcs_host.c). */
#ifndef BARETDX_VMX_VMCS_HOST_H
#define BARETDX_VMX_VMCS_HOST_H

/* Writes the host-state area of the current VMCS for this CPU; RSP is
 * written by vmx_enter. */
void vmcs_setup_host(void);

/* Where a VM exit lands (vmx/entry.asm). */
void vmx_exit_rip(void);

#endif
