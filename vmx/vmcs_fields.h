/* The VMCS field table: one X(NAME, encoding, width) line per field, from
 * SDM Vol. 3C Appendix B "Field Encoding in VMCS". Width is 16, 32, 64 or
 * NW (natural width: 64 bits on processors that support Intel 64,
 * §25.11.2); users paste it onto VMCS_WIDTH_ (vmx/vmcs.h). The encoding's
 * own bits 14:13 carry the same width and bit 0 (access type "high") is 0
 * on every line; vmx/vmx_names.c checks both at build time.
 *
 * Fields only some processors have (PML, VE, XSS, TSC scaling, tertiary
 * controls, CET...) are listed like the others: VMREAD/VMWRITE of a field
 * the processor lacks fails with VM-instruction error 12 (§31.4). */
#ifndef BARETDX_VMX_VMCS_FIELDS_H
#define BARETDX_VMX_VMCS_FIELDS_H

#define VMCS_FIELDS(X)                                                       \
	/* B.1.1 16-bit control fields */                                    \
	X(VIRTUAL_PROCESSOR_ID,            0x0000, 16)                       \
	X(POSTED_INTR_NOTIFICATION_VECTOR, 0x0002, 16)                       \
	X(EPTP_INDEX,                      0x0004, 16)                       \
	/* B.1.2 16-bit guest-state fields */                                \
	X(GUEST_ES_SELECTOR,               0x0800, 16)                       \
	X(GUEST_CS_SELECTOR,               0x0802, 16)                       \
	X(GUEST_SS_SELECTOR,               0x0804, 16)                       \
	X(GUEST_DS_SELECTOR,               0x0806, 16)                       \
	X(GUEST_FS_SELECTOR,               0x0808, 16)                       \
	X(GUEST_GS_SELECTOR,               0x080A, 16)                       \
	X(GUEST_LDTR_SELECTOR,             0x080C, 16)                       \
	X(GUEST_TR_SELECTOR,               0x080E, 16)                       \
	X(GUEST_INTR_STATUS,               0x0810, 16)                       \
	X(GUEST_PML_INDEX,                 0x0812, 16)                       \
	/* B.1.3 16-bit host-state fields */                                 \
	X(HOST_ES_SELECTOR,                0x0C00, 16)                       \
	X(HOST_CS_SELECTOR,                0x0C02, 16)                       \
	X(HOST_SS_SELECTOR,                0x0C04, 16)                       \
	X(HOST_DS_SELECTOR,                0x0C06, 16)                       \
	X(HOST_FS_SELECTOR,                0x0C08, 16)                       \
	X(HOST_GS_SELECTOR,                0x0C0A, 16)                       \
	X(HOST_TR_SELECTOR,                0x0C0C, 16)                       \
	/* B.2.1 64-bit control fields */                                    \
	X(IO_BITMAP_A,                     0x2000, 64)                       \
	X(IO_BITMAP_B,                     0x2002, 64)                       \
	X(MSR_BITMAP,                      0x2004, 64)                       \
	X(VM_EXIT_MSR_STORE_ADDR,          0x2006, 64)                       \
	X(VM_EXIT_MSR_LOAD_ADDR,           0x2008, 64)                       \
	X(VM_ENTRY_MSR_LOAD_ADDR,          0x200A, 64)                       \
	X(EXECUTIVE_VMCS_POINTER,          0x200C, 64)                       \
	X(PML_ADDRESS,                     0x200E, 64)                       \
	X(TSC_OFFSET,                      0x2010, 64)                       \
	X(VIRTUAL_APIC_PAGE_ADDR,          0x2012, 64)                       \
	X(APIC_ACCESS_ADDR,                0x2014, 64)                       \
	X(POSTED_INTR_DESC_ADDR,           0x2016, 64)                       \
	X(VM_FUNCTION_CONTROLS,            0x2018, 64)                       \
	X(EPT_POINTER,                     0x201A, 64)                       \
	X(EOI_EXIT_BITMAP0,                0x201C, 64)                       \
	X(EOI_EXIT_BITMAP1,                0x201E, 64)                       \
	X(EOI_EXIT_BITMAP2,                0x2020, 64)                       \
	X(EOI_EXIT_BITMAP3,                0x2022, 64)                       \
	X(EPTP_LIST_ADDRESS,               0x2024, 64)                       \
	X(VMREAD_BITMAP,                   0x2026, 64)                       \
	X(VMWRITE_BITMAP,                  0x2028, 64)                       \
	X(VE_INFO_ADDRESS,                 0x202A, 64)                       \
	X(XSS_EXITING_BITMAP,              0x202C, 64)                       \
	X(TSC_MULTIPLIER,                  0x2032, 64)                       \
	X(TERTIARY_VM_EXEC_CONTROL,        0x2034, 64)                       \
	X(SECONDARY_VM_EXIT_CONTROLS,      0x2044, 64)                       \
	/* B.2.2 64-bit read-only data field */                              \
	X(GUEST_PHYSICAL_ADDRESS,          0x2400, 64)                       \
	/* B.2.3 64-bit guest-state fields */                                \
	X(LINK_POINTER,                    0x2800, 64)                       \
	X(GUEST_IA32_DEBUGCTL,             0x2802, 64)                       \
	X(GUEST_IA32_PAT,                  0x2804, 64)                       \
	X(GUEST_IA32_EFER,                 0x2806, 64)                       \
	X(GUEST_IA32_PERF_GLOBAL_CTRL,     0x2808, 64)                       \
	X(GUEST_PDPTE0,                    0x280A, 64)                       \
	X(GUEST_PDPTE1,                    0x280C, 64)                       \
	X(GUEST_PDPTE2,                    0x280E, 64)                       \
	X(GUEST_PDPTE3,                    0x2810, 64)                       \
	X(GUEST_IA32_BNDCFGS,              0x2812, 64)                       \
	/* B.2.4 64-bit host-state fields */                                 \
	X(HOST_IA32_PAT,                   0x2C00, 64)                       \
	X(HOST_IA32_EFER,                  0x2C02, 64)                       \
	X(HOST_IA32_PERF_GLOBAL_CTRL,      0x2C04, 64)                       \
	/* B.3.1 32-bit control fields */                                    \
	X(PIN_BASED_VM_EXEC_CONTROL,       0x4000, 32)                       \
	X(PROC_BASED_VM_EXEC_CONTROL,      0x4002, 32)                       \
	X(EXCEPTION_BITMAP,                0x4004, 32)                       \
	X(PAGE_FAULT_ERROR_CODE_MASK,      0x4006, 32)                       \
	X(PAGE_FAULT_ERROR_CODE_MATCH,     0x4008, 32)                       \
	X(CR3_TARGET_COUNT,                0x400A, 32)                       \
	X(VM_EXIT_CONTROLS,                0x400C, 32)                       \
	X(VM_EXIT_MSR_STORE_COUNT,         0x400E, 32)                       \
	X(VM_EXIT_MSR_LOAD_COUNT,          0x4010, 32)                       \
	X(VM_ENTRY_CONTROLS,               0x4012, 32)                       \
	X(VM_ENTRY_MSR_LOAD_COUNT,         0x4014, 32)                       \
	X(VM_ENTRY_INTR_INFO,              0x4016, 32)                       \
	X(VM_ENTRY_EXCEPTION_ERROR_CODE,   0x4018, 32)                       \
	X(VM_ENTRY_INSTRUCTION_LEN,        0x401A, 32)                       \
	X(TPR_THRESHOLD,                   0x401C, 32)                       \
	X(SECONDARY_VM_EXEC_CONTROL,       0x401E, 32)                       \
	X(PLE_GAP,                         0x4020, 32)                       \
	X(PLE_WINDOW,                      0x4022, 32)                       \
	/* B.3.2 32-bit read-only data fields */                             \
	X(VM_INSTRUCTION_ERROR,            0x4400, 32)                       \
	X(EXIT_REASON,                     0x4402, 32)                       \
	X(VM_EXIT_INTR_INFO,               0x4404, 32)                       \
	X(VM_EXIT_INTR_ERROR_CODE,         0x4406, 32)                       \
	X(IDT_VECTORING_INFO,              0x4408, 32)                       \
	X(IDT_VECTORING_ERROR_CODE,        0x440A, 32)                       \
	X(VM_EXIT_INSTRUCTION_LEN,         0x440C, 32)                       \
	X(VM_EXIT_INSTRUCTION_INFO,        0x440E, 32)                       \
	/* B.3.3 32-bit guest-state fields */                                \
	X(GUEST_ES_LIMIT,                  0x4800, 32)                       \
	X(GUEST_CS_LIMIT,                  0x4802, 32)                       \
	X(GUEST_SS_LIMIT,                  0x4804, 32)                       \
	X(GUEST_DS_LIMIT,                  0x4806, 32)                       \
	X(GUEST_FS_LIMIT,                  0x4808, 32)                       \
	X(GUEST_GS_LIMIT,                  0x480A, 32)                       \
	X(GUEST_LDTR_LIMIT,                0x480C, 32)                       \
	X(GUEST_TR_LIMIT,                  0x480E, 32)                       \
	X(GUEST_GDTR_LIMIT,                0x4810, 32)                       \
	X(GUEST_IDTR_LIMIT,                0x4812, 32)                       \
	X(GUEST_ES_AR,                     0x4814, 32)                       \
	X(GUEST_CS_AR,                     0x4816, 32)                       \
	X(GUEST_SS_AR,                     0x4818, 32)                       \
	X(GUEST_DS_AR,                     0x481A, 32)                       \
	X(GUEST_FS_AR,                     0x481C, 32)                       \
	X(GUEST_GS_AR,                     0x481E, 32)                       \
	X(GUEST_LDTR_AR,                   0x4820, 32)                       \
	X(GUEST_TR_AR,                     0x4822, 32)                       \
	X(GUEST_INTERRUPTIBILITY,          0x4824, 32)                       \
	X(GUEST_ACTIVITY_STATE,            0x4826, 32)                       \
	X(GUEST_SMBASE,                    0x4828, 32)                       \
	X(GUEST_IA32_SYSENTER_CS,          0x482A, 32)                       \
	X(VMX_PREEMPTION_TIMER_VALUE,      0x482E, 32)                       \
	/* B.3.4 32-bit host-state field */                                  \
	X(HOST_IA32_SYSENTER_CS,           0x4C00, 32)                       \
	/* B.4.1 natural-width control fields */                             \
	X(CR0_GUEST_HOST_MASK,             0x6000, NW)                       \
	X(CR4_GUEST_HOST_MASK,             0x6002, NW)                       \
	X(CR0_READ_SHADOW,                 0x6004, NW)                       \
	X(CR4_READ_SHADOW,                 0x6006, NW)                       \
	X(CR3_TARGET_VALUE0,               0x6008, NW)                       \
	X(CR3_TARGET_VALUE1,               0x600A, NW)                       \
	X(CR3_TARGET_VALUE2,               0x600C, NW)                       \
	X(CR3_TARGET_VALUE3,               0x600E, NW)                       \
	/* B.4.2 natural-width read-only data fields */                      \
	X(EXIT_QUALIFICATION,              0x6400, NW)                       \
	X(IO_RCX,                          0x6402, NW)                       \
	X(IO_RSI,                          0x6404, NW)                       \
	X(IO_RDI,                          0x6406, NW)                       \
	X(IO_RIP,                          0x6408, NW)                       \
	X(GUEST_LINEAR_ADDRESS,            0x640A, NW)                       \
	/* B.4.3 natural-width guest-state fields */                         \
	X(GUEST_CR0,                       0x6800, NW)                       \
	X(GUEST_CR3,                       0x6802, NW)                       \
	X(GUEST_CR4,                       0x6804, NW)                       \
	X(GUEST_ES_BASE,                   0x6806, NW)                       \
	X(GUEST_CS_BASE,                   0x6808, NW)                       \
	X(GUEST_SS_BASE,                   0x680A, NW)                       \
	X(GUEST_DS_BASE,                   0x680C, NW)                       \
	X(GUEST_FS_BASE,                   0x680E, NW)                       \
	X(GUEST_GS_BASE,                   0x6810, NW)                       \
	X(GUEST_LDTR_BASE,                 0x6812, NW)                       \
	X(GUEST_TR_BASE,                   0x6814, NW)                       \
	X(GUEST_GDTR_BASE,                 0x6816, NW)                       \
	X(GUEST_IDTR_BASE,                 0x6818, NW)                       \
	X(GUEST_DR7,                       0x681A, NW)                       \
	X(GUEST_RSP,                       0x681C, NW)                       \
	X(GUEST_RIP,                       0x681E, NW)                       \
	X(GUEST_RFLAGS,                    0x6820, NW)                       \
	X(GUEST_PENDING_DBG_EXCEPTIONS,    0x6822, NW)                       \
	X(GUEST_IA32_SYSENTER_ESP,         0x6824, NW)                       \
	X(GUEST_IA32_SYSENTER_EIP,         0x6826, NW)                       \
	X(GUEST_IA32_S_CET,                0x6828, NW)                       \
	X(GUEST_SSP,                       0x682A, NW)                       \
	X(GUEST_IA32_INTR_SSP_TABLE_ADDR,  0x682C, NW)                       \
	/* B.4.4 natural-width host-state fields */                          \
	X(HOST_CR0,                        0x6C00, NW)                       \
	X(HOST_CR3,                        0x6C02, NW)                       \
	X(HOST_CR4,                        0x6C04, NW)                       \
	X(HOST_FS_BASE,                    0x6C06, NW)                       \
	X(HOST_GS_BASE,                    0x6C08, NW)                       \
	X(HOST_TR_BASE,                    0x6C0A, NW)                       \
	X(HOST_GDTR_BASE,                  0x6C0C, NW)                       \
	X(HOST_IDTR_BASE,                  0x6C0E, NW)                       \
	X(HOST_IA32_SYSENTER_ESP,          0x6C10, NW)                       \
	X(HOST_IA32_SYSENTER_EIP,          0x6C12, NW)                       \
	X(HOST_RSP,                        0x6C14, NW)                       \
	X(HOST_RIP,                        0x6C16, NW)                       \
	X(HOST_IA32_S_CET,                 0x6C18, NW)                       \
	X(HOST_SSP,                        0x6C1A, NW)                       \
	X(HOST_IA32_INTR_SSP_TABLE_ADDR,   0x6C1C, NW)

#endif
