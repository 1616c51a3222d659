; TD test payload "smp": every vCPU starts at the same reset vector, goes
; through td_common.inc's entry on the shared (read-only) page tables with
; a stack of its own (stack_top - index * 0x400), builds its line in a
; buffer on that stack and prints it whole while it holds print_lock (the
; host collects one line per TD, so two vCPUs printing at once would mix
; their characters), then halts. Line, once per vCPU (in any order):
;	vcpu <index> of <number of vCPUs> reporting
; e.g. for td create --vcpus 2: "vcpu 0 of 2 reporting", "vcpu 1 of 2
; reporting". Stacks for up to 16 vCPUs (TD_MAX_VCPUS).

BASE		equ 0xffff7000
%define STACK_PAGES 4

%include "td_common.inc"

main:
	sub rsp, 64
	mov rdi, rsp
	lea rsi, [s_vcpu]
	call sputs
	mov rax, r9			; vCPU index
	call sputdec
	lea rsi, [s_of]
	call sputs
	mov eax, r8d			; number of vCPUs
	call sputdec
	lea rsi, [s_reporting]
	call sputs
	mov byte [rdi], 0
	call lock_print
	mov rsi, rsp
	call puts
	call newline
	call unlock_print
	add rsp, 64
	ret

; append the string at RSI to RDI (RDI moves to the end)
sputs:
	push rax
	push rsi
.c:	lodsb
	test al, al
	jz .end
	stosb
	jmp .c
.end:	pop rsi
	pop rax
	ret

; append RAX in decimal to RDI (RDI moves to the end)
sputdec:
	push rax
	push rcx
	push rdx
	push r8
	xor ecx, ecx
	mov r8d, 10
.div:	xor edx, edx
	div r8
	push rdx
	inc ecx
	test rax, rax
	jnz .div
.out:	pop rax
	add al, '0'
	stosb
	dec ecx
	jnz .out
	pop r8
	pop rdx
	pop rcx
	pop rax
	ret

s_vcpu:		db "vcpu ", 0
s_of:		db " of ", 0
s_reporting:	db " reporting", 0

%include "td_end.inc"
