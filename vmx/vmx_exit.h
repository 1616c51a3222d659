/* VM-exit facts: the exit-reason field, basic exit reasons, exit
 * qualifications and VM-instruction error numbers (Intel SDM Vol. 3C
 * §25.9, §27.8, §28.2.1, §31.4 and Appendix C). */
#ifndef BARETDX_VMX_EXIT_H
#define BARETDX_VMX_EXIT_H

/* ---- Exit-reason field (§25.9.1) --------------------------------------- */

#define VMX_EXIT_REASON_BASIC(r)	((r) & 0xffffu)		/* 15:0 */
#define VMX_EXIT_REASON_ENCLAVE		(1u << 27)
#define VMX_EXIT_REASON_PENDING_MTF	(1u << 28)
#define VMX_EXIT_REASON_FROM_ROOT	(1u << 29)
#define VMX_EXIT_REASON_ENTRY_FAIL	(1u << 31)

/* ---- Basic exit reasons (Appendix C) ----------------------------------
 * X(number, NAME, description); 35, 38 and 42 are not used. */
#define VMX_EXIT_REASONS(X)                                                  \
	X(0,  EXCEPTION_NMI,      "exception or NMI")                        \
	X(1,  EXT_INT,            "external interrupt")                      \
	X(2,  TRIPLE_FAULT,       "triple fault")                            \
	X(3,  INIT,               "INIT signal")                             \
	X(4,  SIPI,               "start-up IPI")                            \
	X(5,  IO_SMI,             "I/O SMI")                                 \
	X(6,  OTHER_SMI,          "other SMI")                               \
	X(7,  INT_WINDOW,         "interrupt window")                        \
	X(8,  NMI_WINDOW,         "NMI window")                              \
	X(9,  TASK_SWITCH,        "task switch")                             \
	X(10, CPUID,              "CPUID")                                   \
	X(11, GETSEC,             "GETSEC")                                  \
	X(12, HLT,                "HLT")                                     \
	X(13, INVD,               "INVD")                                    \
	X(14, INVLPG,             "INVLPG")                                  \
	X(15, RDPMC,              "RDPMC")                                   \
	X(16, RDTSC,              "RDTSC")                                   \
	X(17, RSM,                "RSM")                                     \
	X(18, VMCALL,             "VMCALL")                                  \
	X(19, VMCLEAR,            "VMCLEAR")                                 \
	X(20, VMLAUNCH,           "VMLAUNCH")                                \
	X(21, VMPTRLD,            "VMPTRLD")                                 \
	X(22, VMPTRST,            "VMPTRST")                                 \
	X(23, VMREAD,             "VMREAD")                                  \
	X(24, VMRESUME,           "VMRESUME")                                \
	X(25, VMWRITE,            "VMWRITE")                                 \
	X(26, VMXOFF,             "VMXOFF")                                  \
	X(27, VMXON,              "VMXON")                                   \
	X(28, CR_ACCESS,          "control-register access")                 \
	X(29, DR_ACCESS,          "MOV DR")                                  \
	X(30, IO,                 "I/O instruction")                         \
	X(31, RDMSR,              "RDMSR")                                   \
	X(32, WRMSR,              "WRMSR")                                   \
	X(33, ENTRY_FAIL_GUEST,   "VM-entry failure: invalid guest state")   \
	X(34, ENTRY_FAIL_MSR,     "VM-entry failure: MSR loading")           \
	X(36, MWAIT,              "MWAIT")                                   \
	X(37, MTF,                "monitor trap flag")                       \
	X(39, MONITOR,            "MONITOR")                                 \
	X(40, PAUSE,              "PAUSE")                                   \
	X(41, ENTRY_FAIL_MCE,     "VM-entry failure: machine-check event")   \
	X(43, TPR_BELOW_THRESHOLD, "TPR below threshold")                    \
	X(44, APIC_ACCESS,        "APIC access")                             \
	X(45, VIRTUALIZED_EOI,    "virtualized EOI")                         \
	X(46, GDTR_IDTR,          "access to GDTR or IDTR")                  \
	X(47, LDTR_TR,            "access to LDTR or TR")                    \
	X(48, EPT_VIOLATION,      "EPT violation")                           \
	X(49, EPT_MISCONFIG,      "EPT misconfiguration")                    \
	X(50, INVEPT,             "INVEPT")                                  \
	X(51, RDTSCP,             "RDTSCP")                                  \
	X(52, PREEMPTION_TIMER,   "VMX-preemption timer expired")            \
	X(53, INVVPID,            "INVVPID")                                 \
	X(54, WBINVD,             "WBINVD or WBNOINVD")                      \
	X(55, XSETBV,             "XSETBV")                                  \
	X(56, APIC_WRITE,         "APIC write")                              \
	X(57, RDRAND,             "RDRAND")                                  \
	X(58, INVPCID,            "INVPCID")                                 \
	X(59, VMFUNC,             "VMFUNC")                                  \
	X(60, ENCLS,              "ENCLS")                                   \
	X(61, RDSEED,             "RDSEED")                                  \
	X(62, PML_FULL,           "page-modification log full")              \
	X(63, XSAVES,             "XSAVES")                                  \
	X(64, XRSTORS,            "XRSTORS")                                 \
	X(65, PCONFIG,            "PCONFIG")                                 \
	X(66, SPP,                "SPP-related event")                       \
	X(67, UMWAIT,             "UMWAIT")                                  \
	X(68, TPAUSE,             "TPAUSE")                                  \
	X(69, LOADIWKEY,          "LOADIWKEY")                               \
	X(70, ENCLV,              "ENCLV")                                   \
	X(71, SGX_CONFLICT,       "SGX conflict")                            \
	X(72, ENQCMD_PASID_FAIL,  "ENQCMD PASID translation failure")        \
	X(73, ENQCMDS_PASID_FAIL, "ENQCMDS PASID translation failure")       \
	X(74, BUS_LOCK,           "bus lock")                                \
	X(75, INSN_TIMEOUT,       "instruction timeout")                     \
	X(76, SEAMCALL,           "SEAMCALL")                                \
	X(77, TDCALL,             "TDCALL")

#define VMX_EXIT_ENUM_ENTRY_(n, name, text) VMX_EXIT_##name = (n),
enum vmx_exit_reason { VMX_EXIT_REASONS(VMX_EXIT_ENUM_ENTRY_) };

/* ---- VM-instruction error numbers (§31.4) ------------------------------
 * X(number, NAME, description); 14, 21 and 27 are reserved. */
#define VMX_INSN_ERRORS(X)                                                   \
	X(1,  VMCALL_IN_ROOT,        "VMCALL executed in VMX root operation") \
	X(2,  VMCLEAR_BAD_ADDR,      "VMCLEAR with invalid physical address") \
	X(3,  VMCLEAR_VMXON_PTR,     "VMCLEAR with VMXON pointer")           \
	X(4,  VMLAUNCH_NONCLEAR,     "VMLAUNCH with non-clear VMCS")         \
	X(5,  VMRESUME_NONLAUNCHED,  "VMRESUME with non-launched VMCS")      \
	X(6,  VMRESUME_AFTER_VMXOFF, "VMRESUME after VMXOFF")                \
	X(7,  ENTRY_BAD_CONTROL,     "VM entry with invalid control field(s)") \
	X(8,  ENTRY_BAD_HOST_STATE,  "VM entry with invalid host-state field(s)") \
	X(9,  VMPTRLD_BAD_ADDR,      "VMPTRLD with invalid physical address") \
	X(10, VMPTRLD_VMXON_PTR,     "VMPTRLD with VMXON pointer")           \
	X(11, VMPTRLD_BAD_REVISION,  "VMPTRLD with incorrect VMCS revision identifier") \
	X(12, UNSUPPORTED_FIELD,     "VMREAD/VMWRITE from/to unsupported VMCS component") \
	X(13, VMWRITE_READ_ONLY,     "VMWRITE to read-only VMCS component")  \
	X(15, VMXON_IN_ROOT,         "VMXON executed in VMX root operation") \
	X(16, ENTRY_BAD_EXEC_VMCS,   "VM entry with invalid executive-VMCS pointer") \
	X(17, ENTRY_NONLAUNCHED_EXEC_VMCS, "VM entry with non-launched executive VMCS") \
	X(18, ENTRY_EXEC_VMCS_NOT_VMXON, "VM entry with executive-VMCS pointer not VMXON pointer") \
	X(19, VMCALL_NONCLEAR,       "VMCALL with non-clear VMCS")           \
	X(20, VMCALL_BAD_EXIT_CTLS,  "VMCALL with invalid VM-exit control fields") \
	X(22, VMCALL_BAD_MSEG_REVISION, "VMCALL with incorrect MSEG revision identifier") \
	X(23, VMXOFF_DUAL_MONITOR,   "VMXOFF under dual-monitor treatment of SMIs and SMM") \
	X(24, VMCALL_BAD_SMM_FEATURES, "VMCALL with invalid SMM-monitor features") \
	X(25, ENTRY_BAD_EXEC_VMCS_CTLS, "VM entry with invalid VM-execution control fields in executive VMCS") \
	X(26, ENTRY_MOV_SS_BLOCKING, "VM entry with events blocked by MOV SS") \
	X(28, BAD_INVEPT_INVVPID,    "invalid operand to INVEPT/INVVPID")

#define VMX_INSN_ERROR_ENUM_ENTRY_(n, name, text) VMX_ERR_##name = (n),
enum vmx_insn_error { VMX_INSN_ERRORS(VMX_INSN_ERROR_ENUM_ENTRY_) };

/* ---- Exit qualification: control-register access (§28.2.1) ------------ */

#define VMX_CRQ_CR(q)			((q) & 0xfu)		/* 3:0 */
#define VMX_CRQ_TYPE(q)			(((q) >> 4) & 3u)	/* 5:4 */
#define VMX_CRQ_MOV_TO_CR		0u
#define VMX_CRQ_MOV_FROM_CR		1u
#define VMX_CRQ_CLTS			2u
#define VMX_CRQ_LMSW			3u
#define VMX_CRQ_LMSW_MEMORY		(1u << 6)	/* LMSW operand in memory */
#define VMX_CRQ_GPR(q)			(((q) >> 8) & 0xfu)	/* 11:8, RAX=0 ... R15=15 */
#define VMX_CRQ_LMSW_DATA(q)		(((q) >> 16) & 0xffffu)	/* 31:16 */

/* ---- Exit qualification: MOV DR (§28.2.1) ----------------------------- */

#define VMX_DRQ_DR(q)			((q) & 7u)		/* 2:0 */
#define VMX_DRQ_FROM_DR			(1u << 4)	/* 0 = MOV to DR */
#define VMX_DRQ_GPR(q)			(((q) >> 8) & 0xfu)	/* 11:8 */

/* ---- Exit qualification: I/O instructions (§28.2.1) ------------------- */

#define VMX_IOQ_SIZE(q)			(((q) & 7u) + 1)	/* 2:0 = bytes - 1 */
#define VMX_IOQ_IN			(1u << 3)	/* 0 = OUT */
#define VMX_IOQ_STRING			(1u << 4)
#define VMX_IOQ_REP			(1u << 5)
#define VMX_IOQ_IMMEDIATE		(1u << 6)	/* 0 = port in DX */
#define VMX_IOQ_PORT(q)			(((q) >> 16) & 0xffffu)	/* 31:16 */

/* ---- Exit qualification: EPT violations (§28.2.1) ---------------------
 * Bits 9-11 are valid only with "advanced VM-exit information for EPT
 * violations" (IA32_VMX_EPT_VPID_CAP bit 22). */
#define VMX_EPTQ_READ			(1ull << 0)
#define VMX_EPTQ_WRITE			(1ull << 1)
#define VMX_EPTQ_FETCH			(1ull << 2)
#define VMX_EPTQ_READABLE		(1ull << 3)
#define VMX_EPTQ_WRITABLE		(1ull << 4)
#define VMX_EPTQ_EXECUTABLE		(1ull << 5)
#define VMX_EPTQ_USER_EXECUTABLE	(1ull << 6)	/* mode-based EPT only */
#define VMX_EPTQ_GLA_VALID		(1ull << 7)
#define VMX_EPTQ_GLA_TRANSLATED		(1ull << 8)	/* 0 = paging-structure access */
#define VMX_EPTQ_USER_GLA		(1ull << 9)
#define VMX_EPTQ_RW_GLA			(1ull << 10)
#define VMX_EPTQ_NX_GLA			(1ull << 11)
#define VMX_EPTQ_NMI_UNBLOCKED_IRET	(1ull << 12)

/* ---- Exit qualification: VM-entry failure, reason 33 (§27.8) ---------- */

#define VMX_ENTRYQ_DEFAULT		0u
#define VMX_ENTRYQ_PDPTE		2u	/* loading PDPTEs */
#define VMX_ENTRYQ_NMI			3u	/* NMI injection */
#define VMX_ENTRYQ_LINK_POINTER		4u	/* invalid VMCS link pointer */

#endif
