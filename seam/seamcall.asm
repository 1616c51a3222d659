; The one SEAMCALL (66 0F 01 CF, tdx-abi.md §1.1). Loads every register of
; struct tdx_regs, issues SEAMCALL and stores them back. Three ways out:
;   - CF = 1: VMfailInvalid (module not loaded, or P-SEAMLDR busy); the CPU
;     did not write RAX, so the outputs are not stored and the result is
;     TDX_SEAMCALL_VMFAILINVALID;
;   - #UD (no VMX operation) or #GP (SEAMRR not enabled): the fixup table
;     entry resumes at .fault with RAX = 0x8000_FF00_0000_0000 | vector,
;     i.e. TDX_SEAMCALL_UD or TDX_SEAMCALL_GP (kernel/extable.h);
;   - otherwise RAX is the module's status.
bits 64
section .text

%define R_RAX 0
%define R_RCX 8
%define R_RDX 16
%define R_RBX 24
%define R_RSI 32
%define R_RDI 40
%define R_R8  48
%define R_R9  56
%define R_R10 64
%define R_R11 72
%define R_R12 80
%define R_R13 88
%define R_R14 96
%define R_R15 104

%define TDX_SEAMCALL_VMFAILINVALID 0x8000ff00ffff0000
%define EX_SW_ERROR_VECTOR 1

global seamcall_regs:function
seamcall_regs:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi                            ; struct tdx_regs *
	mov rax, [rdi + R_RAX]
	mov rcx, [rdi + R_RCX]
	mov rdx, [rdi + R_RDX]
	mov rbx, [rdi + R_RBX]
	mov rsi, [rdi + R_RSI]
	mov r8,  [rdi + R_R8]
	mov r9,  [rdi + R_R9]
	mov r10, [rdi + R_R10]
	mov r11, [rdi + R_R11]
	mov r12, [rdi + R_R12]
	mov r13, [rdi + R_R13]
	mov r14, [rdi + R_R14]
	mov r15, [rdi + R_R15]
	mov rdi, [rdi + R_RDI]
.insn:
	db 0x66, 0x0f, 0x01, 0xcf           ; SEAMCALL
	jc .vmfail
	xchg rdi, [rsp]                     ; rdi = struct, [rsp] = output RDI
	mov [rdi + R_RAX], rax
	mov [rdi + R_RCX], rcx
	mov [rdi + R_RDX], rdx
	mov [rdi + R_RBX], rbx
	mov [rdi + R_RSI], rsi
	mov [rdi + R_R8],  r8
	mov [rdi + R_R9],  r9
	mov [rdi + R_R10], r10
	mov [rdi + R_R11], r11
	mov [rdi + R_R12], r12
	mov [rdi + R_R13], r13
	mov [rdi + R_R14], r14
	mov [rdi + R_R15], r15
	pop qword [rdi + R_RDI]
	jmp .out
.vmfail:
	mov rax, TDX_SEAMCALL_VMFAILINVALID
.fault:
	add rsp, 8                          ; drop the saved struct pointer
.out:
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

section .ex_table progbits alloc noexec nowrite align=8
	dq seamcall_regs.insn, seamcall_regs.fault, EX_SW_ERROR_VECTOR

section .note.GNU-stack noalloc noexec nowrite progbits
