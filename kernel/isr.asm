; Interrupt and exception entry: one stub per vector pushes a dummy error
; code where the CPU pushes none (SDM Vol. 3A §6.13), then the vector, and
; the common path saves the GPRs into a struct trap_frame (trap.h) for
; trap_dispatch. Only registers are handled here; everything else is C.
bits 64
default rel
section .text

extern trap_dispatch

%macro STUB 1
isr_%1:
%if %1 = 8 || (%1 >= 10 && %1 <= 14) || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
	push qword %1
%else
	push qword 0
	push qword %1
%endif
	jmp isr_common
%endmacro

isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp
	cld
	call trap_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16             ; vector and error code
	iretq

%assign v 0
%rep 256
STUB v
%assign v v+1
%endrep

section .rodata
global isr_table
align 8
isr_table:
%assign v 0
%rep 256
	dq isr_ %+ v
%assign v v+1
%endrep
