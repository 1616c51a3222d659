/* VMX architecture facts: capability MSRs, VMCS formats and control bits.
 * Section numbers are those of the Intel SDM Vol. 3C (chapters 24-31 and
 * Appendix A); MSR numbers are from Vol. 4 Table 2-2. Exit reasons, exit
 * qualifications and VM-instruction errors are in vmx/vmx_exit.h. */
#ifndef BARETDX_VMX_ARCH_H
#define BARETDX_VMX_ARCH_H

#include <stdint.h>

/* ---- Discovering and enabling VMX (§24.6, §24.7, §24.8) ---------------- */

#define VMX_CPUID1_ECX_VMX		(1u << 5)	/* CPUID.1:ECX.VMX */
#define VMX_CPUID1_ECX_SMX		(1u << 6)	/* CPUID.1:ECX.SMX */
#define VMX_CR4_VMXE			(1ull << 13)	/* CR4.VMXE */
/* CR0 bits IA32_VMX_CR0_FIXED0 reports as 1 (§24.8, A.7; Vol. 3A §2.5). */
#define VMX_CR0_PE			(1ull << 0)
#define VMX_CR0_NE			(1ull << 5)
#define VMX_CR0_PG			(1ull << 31)

#define MSR_IA32_FEATURE_CONTROL	0x3A
#define FEATURE_CONTROL_LOCK		(1ull << 0)
#define FEATURE_CONTROL_VMX_INSIDE_SMX	(1ull << 1)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX	(1ull << 2)
#define FEATURE_CONTROL_SENTER_LOCAL	(0x7full << 8)	/* bits 14:8 */
#define FEATURE_CONTROL_SENTER_GLOBAL	(1ull << 15)

/* ---- VMX capability MSRs (Appendix A) ---------------------------------- */

#define MSR_IA32_VMX_BASIC		0x480	/* A.1 */
#define MSR_IA32_VMX_PINBASED_CTLS	0x481	/* A.3.1 */
#define MSR_IA32_VMX_PROCBASED_CTLS	0x482	/* A.3.2 */
#define MSR_IA32_VMX_EXIT_CTLS		0x483	/* A.4.1 */
#define MSR_IA32_VMX_ENTRY_CTLS		0x484	/* A.5 */
#define MSR_IA32_VMX_MISC		0x485	/* A.6 */
#define MSR_IA32_VMX_CR0_FIXED0		0x486	/* A.7 */
#define MSR_IA32_VMX_CR0_FIXED1		0x487
#define MSR_IA32_VMX_CR4_FIXED0		0x488	/* A.8 */
#define MSR_IA32_VMX_CR4_FIXED1		0x489
#define MSR_IA32_VMX_VMCS_ENUM		0x48A	/* A.9 */
#define MSR_IA32_VMX_PROCBASED_CTLS2	0x48B	/* A.3.3 */
#define MSR_IA32_VMX_EPT_VPID_CAP	0x48C	/* A.10 */
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS	0x48D	/* A.3.1 */
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48E	/* A.3.2 */
#define MSR_IA32_VMX_TRUE_EXIT_CTLS	0x48F	/* A.4.1 */
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS	0x490	/* A.5 */
#define MSR_IA32_VMX_VMFUNC		0x491	/* A.11 */
#define MSR_IA32_VMX_PROCBASED_CTLS3	0x492	/* A.3.4 */
#define MSR_IA32_VMX_EXIT_CTLS2		0x493	/* A.4.2 */

/* A 32-bit control capability MSR (A.3-A.5): bits 31:0 are the allowed
 * 0-settings (1 = the control must be 1), bits 63:32 the allowed
 * 1-settings (0 = the control must be 0). The tertiary-control and
 * secondary-exit-control MSRs (A.3.4, A.4.2) report allowed 1-settings of
 * a 64-bit control only. */
#define VMX_CAP_MUST1(cap)		((uint32_t)(cap))
#define VMX_CAP_MAY1(cap)		((uint32_t)((cap) >> 32))

/* IA32_VMX_BASIC (A.1) */
#define VMX_BASIC_REVISION(v)		((uint32_t)(v) & 0x7fffffffu) /* 30:0 */
#define VMX_BASIC_REGION_SIZE(v)	((uint32_t)((v) >> 32) & 0x1fffu) /* 44:32 */
#define VMX_BASIC_ADDR32		(1ull << 48) /* regions below 4 GiB */
#define VMX_BASIC_DUAL_MONITOR		(1ull << 49)
#define VMX_BASIC_MEMTYPE(v)		((unsigned)((v) >> 50) & 0xfu) /* 53:50 */
#define VMX_BASIC_INS_OUTS_INFO		(1ull << 54)
#define VMX_BASIC_TRUE_CTLS		(1ull << 55)
#define VMX_BASIC_NO_ERR_CODE_OK	(1ull << 56) /* any hw exception may
							omit its error code */
#define VMX_MEMTYPE_UC			0
#define VMX_MEMTYPE_WB			6

/* Default1 class: controls reported as must-be-1 by the legacy MSRs; the
 * TRUE MSRs may allow some of them to be 0 (A.2). */
#define PIN_DEFAULT1			0x00000016u	/* 1, 2, 4 */
#define PROC_DEFAULT1			0x0401e172u	/* 1, 4-6, 8, 13-16, 26 */
#define EXIT_DEFAULT1			0x00036dffu	/* 0-8, 10, 11, 13, 14, 16, 17 */
#define ENTRY_DEFAULT1			0x000011ffu	/* 0-8, 12 */

/* IA32_VMX_MISC (A.6) */
#define VMX_MISC_PREEMPT_RATE(v)	((unsigned)(v) & 0x1fu) /* timer counts
						   down when TSC bit N changes */
#define VMX_MISC_STORE_LMA		(1ull << 5)  /* exit stores EFER.LMA in
							"IA-32e mode guest" */
#define VMX_MISC_ACT_HLT		(1ull << 6)
#define VMX_MISC_ACT_SHUTDOWN		(1ull << 7)
#define VMX_MISC_ACT_WAIT_SIPI		(1ull << 8)
#define VMX_MISC_PT_IN_VMX		(1ull << 14)
#define VMX_MISC_SMBASE_RDMSR		(1ull << 15)
#define VMX_MISC_CR3_TARGETS(v)		((unsigned)((v) >> 16) & 0x1ffu) /* 24:16 */
#define VMX_MISC_MSR_LIST_MAX(v)	(512u * ((((unsigned)(v) >> 25) & 7u) + 1)) /* 27:25 */
#define VMX_MISC_SMM_MONITOR_CTL_B2	(1ull << 28)
#define VMX_MISC_VMWRITE_ALL		(1ull << 29) /* VMWRITE to exit-info fields */
#define VMX_MISC_INJECT_LEN0		(1ull << 30) /* inject with instruction
							length 0 */
#define VMX_MISC_MSEG_REVISION(v)	((uint32_t)((v) >> 32))

/* IA32_VMX_VMCS_ENUM (A.9): highest index in any field encoding. */
#define VMX_VMCS_ENUM_MAX_INDEX(v)	((unsigned)((v) >> 1) & 0x1ffu) /* 9:1 */

/* IA32_VMX_EPT_VPID_CAP (A.10) */
#define VMX_EPT_EXEC_ONLY		(1ull << 0)
#define VMX_EPT_PWL4			(1ull << 6)
#define VMX_EPT_PWL5			(1ull << 7)
#define VMX_EPT_UC			(1ull << 8)
#define VMX_EPT_WB			(1ull << 14)
#define VMX_EPT_2M			(1ull << 16)
#define VMX_EPT_1G			(1ull << 17)
#define VMX_EPT_INVEPT			(1ull << 20)
#define VMX_EPT_AD			(1ull << 21)
#define VMX_EPT_ADV_EXIT_INFO		(1ull << 22)
#define VMX_EPT_SSS			(1ull << 23)
#define VMX_EPT_INVEPT_SINGLE		(1ull << 25)
#define VMX_EPT_INVEPT_ALL		(1ull << 26)
#define VMX_VPID_INVVPID		(1ull << 32)
#define VMX_VPID_INVVPID_ADDR		(1ull << 40)
#define VMX_VPID_INVVPID_SINGLE		(1ull << 41)
#define VMX_VPID_INVVPID_ALL		(1ull << 42)
#define VMX_VPID_INVVPID_SINGLE_NG	(1ull << 43) /* retaining globals */

/* IA32_VMX_VMFUNC (A.11) and the VM-function controls (§25.6.14) */
#define VMFUNC_EPTP_SWITCHING		(1ull << 0)

/* ---- VMCS regions and field encodings (§25.2, §25.11.2, §25.11.5) ----- */

/* Both the VMCS and the VMXON region start with the revision identifier
 * (IA32_VMX_BASIC 30:0); bit 31 of that dword marks a shadow VMCS. The
 * VMX-abort indicator follows at offset 4. */
#define VMCS_REVISION_OFFSET		0
#define VMCS_SHADOW_INDICATOR		(1u << 31)
#define VMCS_ABORT_OFFSET		4

/* Field encoding: bit 0 access type (1 = high 32 bits of a 64-bit field),
 * 9:1 index, 11:10 type, 14:13 width. */
#define VMCS_ENC_HIGH			1u
#define VMCS_ENC_INDEX(e)		(((e) >> 1) & 0x1ffu)
#define VMCS_ENC_TYPE(e)		(((e) >> 10) & 3u)
#define VMCS_ENC_WIDTH(e)		(((e) >> 13) & 3u)
#define VMCS_TYPE_CONTROL		0u
#define VMCS_TYPE_EXIT_INFO		1u	/* read-only data */
#define VMCS_TYPE_GUEST			2u
#define VMCS_TYPE_HOST			3u
#define VMCS_ENC_W16			0u
#define VMCS_ENC_W64			1u
#define VMCS_ENC_W32			2u
#define VMCS_ENC_WNAT			3u

/* ---- Pin-based VM-execution controls (§25.6.1) ------------------------- */

#define PIN_EXT_INT_EXITING		(1u << 0)
#define PIN_NMI_EXITING			(1u << 3)
#define PIN_VIRTUAL_NMIS		(1u << 5)
#define PIN_PREEMPTION_TIMER		(1u << 6)
#define PIN_POSTED_INTERRUPTS		(1u << 7)

/* ---- Primary processor-based VM-execution controls (§25.6.2) ----------- */

#define PROC_INT_WINDOW_EXITING		(1u << 2)
#define PROC_USE_TSC_OFFSETTING		(1u << 3)
#define PROC_HLT_EXITING		(1u << 7)
#define PROC_INVLPG_EXITING		(1u << 9)
#define PROC_MWAIT_EXITING		(1u << 10)
#define PROC_RDPMC_EXITING		(1u << 11)
#define PROC_RDTSC_EXITING		(1u << 12)
#define PROC_CR3_LOAD_EXITING		(1u << 15)
#define PROC_CR3_STORE_EXITING		(1u << 16)
#define PROC_ACTIVATE_TERTIARY		(1u << 17)
#define PROC_CR8_LOAD_EXITING		(1u << 19)
#define PROC_CR8_STORE_EXITING		(1u << 20)
#define PROC_USE_TPR_SHADOW		(1u << 21)
#define PROC_NMI_WINDOW_EXITING		(1u << 22)
#define PROC_MOV_DR_EXITING		(1u << 23)
#define PROC_UNCOND_IO_EXITING		(1u << 24)
#define PROC_USE_IO_BITMAPS		(1u << 25)
#define PROC_MONITOR_TRAP_FLAG		(1u << 27)
#define PROC_USE_MSR_BITMAPS		(1u << 28)
#define PROC_MONITOR_EXITING		(1u << 29)
#define PROC_PAUSE_EXITING		(1u << 30)
#define PROC_ACTIVATE_SECONDARY		(1u << 31)

/* ---- Secondary processor-based VM-execution controls (§25.6.2) --------- */

#define PROC2_VIRT_APIC_ACCESSES	(1u << 0)
#define PROC2_ENABLE_EPT		(1u << 1)
#define PROC2_DESC_TABLE_EXITING	(1u << 2)
#define PROC2_ENABLE_RDTSCP		(1u << 3)
#define PROC2_VIRT_X2APIC_MODE		(1u << 4)
#define PROC2_ENABLE_VPID		(1u << 5)
#define PROC2_WBINVD_EXITING		(1u << 6)
#define PROC2_UNRESTRICTED_GUEST	(1u << 7)
#define PROC2_APIC_REG_VIRT		(1u << 8)
#define PROC2_VIRT_INT_DELIVERY		(1u << 9)
#define PROC2_PAUSE_LOOP_EXITING	(1u << 10)
#define PROC2_RDRAND_EXITING		(1u << 11)
#define PROC2_ENABLE_INVPCID		(1u << 12)
#define PROC2_ENABLE_VMFUNC		(1u << 13)
#define PROC2_VMCS_SHADOWING		(1u << 14)
#define PROC2_ENCLS_EXITING		(1u << 15)
#define PROC2_RDSEED_EXITING		(1u << 16)
#define PROC2_ENABLE_PML		(1u << 17)
#define PROC2_EPT_VIOLATION_VE		(1u << 18)
#define PROC2_CONCEAL_VMX_FROM_PT	(1u << 19)
#define PROC2_ENABLE_XSAVES		(1u << 20)
#define PROC2_MODE_BASED_EPT_EXEC	(1u << 22)
#define PROC2_PT_USES_GPA		(1u << 24)
#define PROC2_USE_TSC_SCALING		(1u << 25)
#define PROC2_ENABLE_USER_WAIT_PAUSE	(1u << 26)
#define PROC2_ENCLV_EXITING		(1u << 28)
#define PROC2_BUS_LOCK_DETECTION	(1u << 30)
#define PROC2_INSTRUCTION_TIMEOUT	(1u << 31)

/* ---- Extended-page-table pointer (§25.6.11) ---------------------------- */

#define VMX_EPTP_MT_UC			0ull		/* 2:0 memory type */
#define VMX_EPTP_MT_WB			6ull
#define VMX_EPTP_PWL4			(3ull << 3)	/* 5:3 walk length - 1 */
#define VMX_EPTP_PWL5			(4ull << 3)
#define VMX_EPTP_AD			(1ull << 6)	/* accessed/dirty flags */

/* ---- VM-exit controls (§25.7.1) ---------------------------------------- */

#define EXIT_SAVE_DEBUG_CTLS		(1u << 2)
#define EXIT_HOST_ADDR_SPACE_SIZE	(1u << 9)	/* 64-bit host */
#define EXIT_LOAD_PERF_GLOBAL_CTRL	(1u << 12)
#define EXIT_ACK_INT			(1u << 15)
#define EXIT_SAVE_PAT			(1u << 18)
#define EXIT_LOAD_PAT			(1u << 19)
#define EXIT_SAVE_EFER			(1u << 20)
#define EXIT_LOAD_EFER			(1u << 21)
#define EXIT_SAVE_PREEMPTION_TIMER	(1u << 22)
#define EXIT_CLEAR_BNDCFGS		(1u << 23)
#define EXIT_CONCEAL_VMX_FROM_PT	(1u << 24)
#define EXIT_CLEAR_RTIT_CTL		(1u << 25)
#define EXIT_CLEAR_LBR_CTL		(1u << 26)
#define EXIT_LOAD_CET			(1u << 28)
#define EXIT_LOAD_PKRS			(1u << 29)
#define EXIT_SAVE_PERF_GLOBAL_CTRL	(1u << 30)
#define EXIT_ACTIVATE_SECONDARY		(1u << 31)

/* ---- VM-entry controls (§25.8.1) --------------------------------------- */

#define ENTRY_LOAD_DEBUG_CTLS		(1u << 2)
#define ENTRY_IA32E_MODE_GUEST		(1u << 9)
#define ENTRY_TO_SMM			(1u << 10)
#define ENTRY_DEACT_DUAL_MONITOR	(1u << 11)
#define ENTRY_LOAD_PERF_GLOBAL_CTRL	(1u << 13)
#define ENTRY_LOAD_PAT			(1u << 14)
#define ENTRY_LOAD_EFER			(1u << 15)
#define ENTRY_LOAD_BNDCFGS		(1u << 16)
#define ENTRY_CONCEAL_VMX_FROM_PT	(1u << 17)
#define ENTRY_LOAD_RTIT_CTL		(1u << 18)
#define ENTRY_LOAD_CET			(1u << 20)
#define ENTRY_LOAD_LBR_CTL		(1u << 21)
#define ENTRY_LOAD_PKRS			(1u << 22)

/* ---- Interruption information (§25.8.3 entry, §25.9.2 exit, §25.9.3
 * IDT vectoring: one layout) ---------------------------------------------- */

#define VMX_INTR_VECTOR(v)		((v) & 0xffu)		/* 7:0 */
#define VMX_INTR_TYPE_MASK		(7u << 8)		/* 10:8 */
#define VMX_INTR_TYPE_EXT_INT		(0u << 8)
#define VMX_INTR_TYPE_NMI		(2u << 8)
#define VMX_INTR_TYPE_HW_EXCEPTION	(3u << 8)
#define VMX_INTR_TYPE_SW_INT		(4u << 8)
#define VMX_INTR_TYPE_PRIV_SW_EXCEPTION	(5u << 8)	/* INT1 */
#define VMX_INTR_TYPE_SW_EXCEPTION	(6u << 8)	/* INT3, INTO */
#define VMX_INTR_TYPE_OTHER		(7u << 8)	/* MTF on entry */
#define VMX_INTR_DELIVER_ERR_CODE	(1u << 11)
#define VMX_INTR_NMI_UNBLOCKED_IRET	(1u << 12)	/* exit info only */
#define VMX_INTR_VALID			(1u << 31)

/* ---- Guest register state: segment access rights (§25.4.1) ------------- */

#define VMX_AR_TYPE_MASK		0xfu		/* 3:0 */
#define VMX_AR_S			(1u << 4)	/* code or data */
#define VMX_AR_DPL_SHIFT		5		/* 6:5 */
#define VMX_AR_DPL_MASK			(3u << 5)
#define VMX_AR_P			(1u << 7)
#define VMX_AR_AVL			(1u << 12)
#define VMX_AR_L			(1u << 13)	/* 64-bit code */
#define VMX_AR_DB			(1u << 14)
#define VMX_AR_G			(1u << 15)
#define VMX_AR_UNUSABLE			(1u << 16)
/* Segment types the guest-state checks require (§27.3.1.2; Vol. 3A
 * §3.4.5.1 and §3.5). */
#define VMX_AR_TYPE_DATA_RWA		0x3u	/* read/write, accessed */
#define VMX_AR_TYPE_CODE_XRA		0xbu	/* execute/read, accessed */
#define VMX_AR_TYPE_LDT			0x2u
#define VMX_AR_TYPE_TSS16_BUSY		0x3u
#define VMX_AR_TYPE_TSS_BUSY		0xbu	/* 32/64-bit busy TSS */

/* ---- Guest non-register state (§25.4.2) -------------------------------- */

#define VMX_ACTIVITY_ACTIVE		0u
#define VMX_ACTIVITY_HLT		1u
#define VMX_ACTIVITY_SHUTDOWN		2u
#define VMX_ACTIVITY_WAIT_SIPI		3u

#define VMX_INTERRUPTIBILITY_STI	(1u << 0)
#define VMX_INTERRUPTIBILITY_MOV_SS	(1u << 1)
#define VMX_INTERRUPTIBILITY_SMI	(1u << 2)
#define VMX_INTERRUPTIBILITY_NMI	(1u << 3)
#define VMX_INTERRUPTIBILITY_ENCLAVE	(1u << 4)

#define VMX_PENDING_DBG_B0_B3		0xfull		/* 3:0 */
#define VMX_PENDING_DBG_ENABLED_BP	(1ull << 12)
#define VMX_PENDING_DBG_BS		(1ull << 14)
#define VMX_PENDING_DBG_RTM		(1ull << 16)

/* The VMCS link pointer must be all ones unless VMCS shadowing uses it
 * (§27.3.1.5). */
#define VMX_LINK_POINTER_NONE		0xffffffffffffffffull

/* ---- INVEPT / INVVPID types (§31.3) ------------------------------------ */

#define VMX_INVEPT_SINGLE_CONTEXT	1u
#define VMX_INVEPT_GLOBAL		2u
#define VMX_INVVPID_ADDRESS		0u
#define VMX_INVVPID_SINGLE_CONTEXT	1u
#define VMX_INVVPID_ALL_CONTEXT		2u
#define VMX_INVVPID_SINGLE_NON_GLOBAL	3u

#endif
