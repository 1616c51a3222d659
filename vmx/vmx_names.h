/* Names for VMX numbers in reports: exit reasons and VM-instruction
 * errors (vmx/vmx_exit.h). VMCS field names are in vmx/vmcs.h. */
#ifndef BARETDX_VMX_NAMES_H
#define BARETDX_VMX_NAMES_H

#include <stdint.h>

/* The Appendix C description of a basic exit reason. Only bits 15:0 are
 * looked at, so the whole exit-reason field may be passed. Numbers the
 * table lacks give "unknown exit reason". */
const char *vmx_exit_reason_name(uint32_t reason);

/* The §31.4 description of a VM-instruction error number. Takes any
 * status of vmx/vmcs.h: 0 gives "success", VMX_FAIL_INVALID
 * "VMfailInvalid (no current VMCS)", a number the table lacks "unknown
 * VM-instruction error". */
const char *vmx_insn_error_name(int err);

#endif
