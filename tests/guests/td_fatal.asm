; TD test payload "fatal": TDVMCALL<ReportFatalError> (R11 = 0x10003,
; tdx-abi.md §7.2) as Linux's tdx_panic() makes it: R12 = error code
; (0x1234 here), R13 = 0 (no GPA), the 64-byte message packed into R14,
; R15, RBX, RDI, RSI, R8, R9, RDX (8 bytes each, little-endian), GPR
; bitmap 0xFFCC. The call does not return; if the host resumes the vCPU
; anyway it spins with interrupts off until the host stops it.
; Line:
;	about to fail
; and the host reports the vCPU dead with code 0x1234 and the message
; "baretdx fatal test payload".

BASE		equ 0xffff8000
FATAL_CODE	equ 0x1234

%include "td_common.inc"

main:
	PUTLN "about to fail"
	lea rax, [message]
	mov r14, [rax]
	mov r15, [rax + 8]
	mov rbx, [rax + 16]
	mov rdi, [rax + 24]
	mov rsi, [rax + 32]
	mov r8, [rax + 40]
	mov r9, [rax + 48]
	mov rdx, [rax + 56]
	mov r12d, FATAL_CODE
	xor r13d, r13d
	xor r10d, r10d
	mov r11d, VMCALL_FATAL
	mov ecx, 0xffcc			; RDX, RBX, RSI, RDI, R8-R15
	xor eax, eax
	TDCALL
.spin:	pause
	jmp .spin

	align 8, db 0
message:	db "baretdx fatal test payload"
		times 64 - ($ - message) db 0

%include "td_end.inc"
