/* Host state for VM exits (vmx/vmcs_host.c). */
#ifndef BARETDX_VMX_VMCS_HOST_H
#define BARETDX_VMX_VMCS_HOST_H

#include <stdint.h>

/* Writes the host-state area of the current VMCS for this CPU; RSP is
 * written by vmx_enter. */
void vmcs_setup_host(void);

/* Flat guest segments, base 0: CS gets code_sel/code_ar, ES SS DS FS GS
 * data_sel/data_ar (VMCS access-rights format). */
void vmcs_guest_segments(uint16_t code_sel, uint16_t data_sel, uint32_t limit,
			 uint32_t code_ar, uint32_t data_ar);

/* Where a VM exit lands (vmx/entry.asm). */
void vmx_exit_rip(void);

#endif
