; VM entry and exit: registers only (style.md). vmx_enter() saves the
; host's callee-saved registers, records RSP in the VMCS host-state area,
; loads the guest GPRs from struct vmx_gprs and enters; a VM exit lands at
; vmx_exit_rip, which stores the guest GPRs back and returns to the caller
; of vmx_enter as if it had returned normally.
;
; int vmx_enter(struct vmx_gprs *g, int resume)
;   returns 0 after a VM exit, 1 on VMfailInvalid, 2 on VMfailValid (the
;   error number is then in the VM-instruction error field).
bits 64
default rel
section .text

%define VMCS_HOST_RSP 0x6c14       ; SDM Vol. 3C App. B.4.4

; struct vmx_gprs offsets (vmx/vmrun.h asserts them)
%define G_RAX 0
%define G_RBX 8
%define G_RCX 16
%define G_RDX 24
%define G_RSI 32
%define G_RDI 40
%define G_RBP 48
%define G_R8  56
%define G_R9  64
%define G_R10 72
%define G_R11 80
%define G_R12 88
%define G_R13 96
%define G_R14 104
%define G_R15 112
%define G_CR2 120

global vmx_enter:function, vmx_exit_rip:function

vmx_enter:
	push rbp
	mov rbp, rsp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi                        ; struct vmx_gprs *, found again on exit
	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp
	jbe .fail_before
	mov rax, [rdi + G_CR2]
	mov cr2, rax
	test esi, esi
	mov rax, [rdi + G_RAX]
	mov rbx, [rdi + G_RBX]
	mov rcx, [rdi + G_RCX]
	mov rdx, [rdi + G_RDX]
	mov rsi, [rdi + G_RSI]
	mov rbp, [rdi + G_RBP]
	mov r8,  [rdi + G_R8]
	mov r9,  [rdi + G_R9]
	mov r10, [rdi + G_R10]
	mov r11, [rdi + G_R11]
	mov r12, [rdi + G_R12]
	mov r13, [rdi + G_R13]
	mov r14, [rdi + G_R14]
	mov r15, [rdi + G_R15]
	mov rdi, [rdi + G_RDI]          ; flags from `test esi` survive the movs
	jnz .resume
	vmlaunch
	jmp .failed
.resume:
	vmresume
.failed:                            ; fell through: VM entry did not happen
	pop rdi
	jmp .fail_flags
.fail_before:
	pop rdi
.fail_flags:
	mov eax, 1
	jc .out                         ; CF: VMfailInvalid
	mov eax, 2                      ; ZF: VMfailValid
.out:
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

vmx_exit_rip:
	push rdi                        ; guest RDI
	mov rdi, [rsp + 8]              ; struct vmx_gprs *
	pop qword [rdi + G_RDI]
	mov [rdi + G_RAX], rax
	mov [rdi + G_RBX], rbx
	mov [rdi + G_RCX], rcx
	mov [rdi + G_RDX], rdx
	mov [rdi + G_RSI], rsi
	mov [rdi + G_RBP], rbp
	mov [rdi + G_R8],  r8
	mov [rdi + G_R9],  r9
	mov [rdi + G_R10], r10
	mov [rdi + G_R11], r11
	mov [rdi + G_R12], r12
	mov [rdi + G_R13], r13
	mov [rdi + G_R14], r14
	mov [rdi + G_R15], r15
	mov rax, cr2
	mov [rdi + G_CR2], rax
	pop rdi
	xor eax, eax
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
