; TD test payload "hello": the whole first-wave TD path in one guest.
; Loaded by seam/td_kernel.c as the TD's initial image at GPA 0xFFFF8000
; (8 pages, all PAGE.ADD-ed and measured); it starts at the reset vector
; in 32-bit protected mode (tdx-abi.md §6.5) and then
;   1. switches to 64-bit mode with its own identity page tables;
;   2. prints through TDVMCALL<Instruction.IO> to port 0x3F8;
;   3. reads TDG.VP.INFO (GPAW, vCPU index);
;   4. accepts a lazily AUG-ed 4 KiB page (twice: PAGE_ALREADY_ACCEPTED)
;      and a 2 MiB page, and writes to them;
;   5. touches a page it never accepted: the host AUGs it, the module
;      raises #VE, and the #VE handler reads VEINFO and accepts it;
;   6. extends RTMR 0 and takes a TDREPORT, printing its MRTD;
;   7. halts with interrupts off (TDVMCALL<Instruction.HLT>, R12 = 1).
; Each result is one line the host prints as "[td N] ...".
bits 32

BASE		equ 0xffff8000
PML4		equ BASE
PDPT		equ BASE + 0x1000
PD0		equ BASE + 0x2000	; 0 - 1 GiB
PD3		equ BASE + 0x3000	; 3 - 4 GiB
DATA		equ BASE + 0x4000
REPORT		equ BASE + 0x5000	; 1024-aligned TDREPORT
REPORTDATA	equ REPORT + 0x400	; 64 bytes
RTMRDATA	equ REPORT + 0x440	; 48 bytes, 64-aligned
STACK_TOP	equ BASE + 0x7000
CODE		equ BASE + 0x7000

ACCEPT_4K	equ 0x100000
ACCEPT_2M	equ 0x200000
VE_PAGE		equ 0x600000

%macro TDCALL 0
	db 0x66, 0x0f, 0x01, 0xcc
%endmacro

org BASE

; ---- page tables: identity, 2 MiB pages -----------------------------------
pml4:	dq PDPT + 3
	times 511 dq 0
pdpt:	dq PD0 + 3, 0, 0, PD3 + 3
	times 508 dq 0
pd0:
%assign i 0
%rep 512
	dq (i << 21) + 0x83
%assign i i + 1
%endrep
pd3:
%assign i 0
%rep 512
	dq (3 << 30) + (i << 21) + 0x83
%assign i i + 1
%endrep

; ---- data ------------------------------------------------------------------
gdt:	dq 0
	dq 0x00cf9b000000ffff		; 0x08 32-bit code
	dq 0x00cf93000000ffff		; 0x10 data
	dq 0x00af9b000000ffff		; 0x18 64-bit code
gdt_end:
gdt_desc:
	dw gdt_end - gdt - 1
	dd gdt
idt_desc:
	dw 21 * 16 - 1
	dq idt
msg_hello:	db "hello from TD vcpu ", 0
msg_gpaw:	db " gpaw ", 0
msg_acc4k:	db "accept 4k ", 0
msg_again:	db "accept 4k again ", 0
msg_acc2m:	db "accept 2m ", 0
msg_rw:		db "memory ok ", 0
msg_ve:		db "ve reason ", 0
msg_gpa:	db " gpa ", 0
msg_rtmr:	db "rtmr extend ", 0
msg_report:	db "report ", 0
msg_mrtd:	db "mrtd ", 0
msg_done:	db "done", 0
align 16
idt:	times 21 * 16 db 0
	times REPORT - ($ - $$ + BASE) db 0

; ---- TDREPORT buffer, REPORTDATA, RTMR data; stack page ------------------
	times 0x400 db 0
	db "baretdx TD test report data"
	times REPORTDATA + 64 - ($ - $$ + BASE) db 0
	db "baretdx RTMR 0 extension data, 48 bytes long..!"
	times CODE - ($ - $$ + BASE) db 0

; ---- code ------------------------------------------------------------------
start32:
	mov eax, cr4
	or eax, 1 << 5			; PAE
	mov cr4, eax
	mov eax, PML4
	mov cr3, eax
	mov eax, cr0			; EFER.LME is set at reset (§6.5)
	or eax, 1 << 31			; PG
	mov cr0, eax
	lgdt [gdt_desc]
	jmp 0x18:start64

bits 64
default rel				; [label] above 2 GiB must not sign-extend
start64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, STACK_TOP
	; IDT gate 20 (#VE) -> ve_handler, 64-bit interrupt gate
	mov rax, ve_handler
	mov rdi, idt + 20 * 16
	mov [rdi], ax
	mov word [rdi + 2], 0x18
	mov word [rdi + 4], 0x8e00
	shr rax, 16
	mov [rdi + 6], ax
	shr rax, 16
	mov [rdi + 8], eax
	lidt [idt_desc]

	; TDG.VP.INFO: RCX = GPAW, R9 = vCPU index
	mov eax, 1
	TDCALL
	mov r12, rcx
	mov r13, r9
	mov rsi, msg_hello
	call puts
	mov rdi, r13
	call putdec
	mov rsi, msg_gpaw
	call puts
	mov rdi, r12
	call putdec
	call newline

	; accept a 4 KiB page the host has not AUG-ed yet
	mov rsi, msg_acc4k
	mov rcx, ACCEPT_4K
	call accept_and_report
	mov rsi, msg_again
	mov rcx, ACCEPT_4K
	call accept_and_report
	mov rsi, msg_acc2m
	mov rcx, ACCEPT_2M | 1
	call accept_and_report

	; the accepted memory reads back what is written
	mov rax, 0x5a5a5a5a12345678
	mov [abs ACCEPT_4K + 8], rax
	mov [abs ACCEPT_2M + 0x1ff000], rax
	mov rbx, [abs ACCEPT_4K + 8]
	xor rbx, [abs ACCEPT_2M + 0x1ff000]
	mov rsi, msg_rw
	call puts
	mov rdi, rbx			; 0 when both read back
	call puthex
	call newline

	; a page nobody accepted: EPT violation, AUG by the host, #VE here
	mov rax, [abs VE_PAGE + 0x10]

	; RTMR 0 extend, then a TDREPORT
	mov eax, 2
	mov rcx, RTMRDATA
	xor edx, edx
	TDCALL
	mov rdi, rax
	mov rsi, msg_rtmr
	call puts
	call puthex
	call newline
	mov eax, 4
	mov rcx, REPORT
	mov rdx, REPORTDATA
	xor r8d, r8d
	TDCALL
	mov rdi, rax
	mov rsi, msg_report
	call puts
	call puthex
	call newline
	mov rsi, msg_mrtd
	call puts
	mov rbx, REPORT + 512 + 16	; TDINFO.MRTD
	mov ecx, 48
.mrtd:	movzx edi, byte [rbx]
	call puthex8
	inc rbx
	dec ecx
	jnz .mrtd
	call newline

	mov rsi, msg_done
	call puts
	call newline
	; TDVMCALL<Instruction.HLT> with interrupts disabled
	xor eax, eax
	mov ecx, 0x1c00			; R10, R11, R12
	xor r10d, r10d
	mov r11d, 12
	mov r12d, 1
	TDCALL
	jmp $

; accept RCX (GPA | level), print RSI then the status
accept_and_report:
	mov eax, 6
	TDCALL
	mov rdi, rax
	call puts
	call puthex
	jmp newline

; #VE: read VE_INFO, print it, accept the page, return to retry the access
ve_handler:
	push rax
	push rcx
	push rdx
	push rsi
	push rdi
	push r8
	push r9
	push r10
	push r11
	mov eax, 3			; TDG.VP.VEINFO.GET
	TDCALL
	mov r11, r9			; GPA
	mov rdi, rcx			; exit reason
	mov rsi, msg_ve
	call puts
	call puthex
	mov rsi, msg_gpa
	call puts
	mov rdi, r11
	call puthex
	call newline
	mov rcx, r11
	and rcx, ~0xfff
	mov eax, 6			; TDG.MEM.PAGE.ACCEPT, 4 KiB
	TDCALL
	pop r11
	pop r10
	pop r9
	pop r8
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rax
	iretq

; ---- output through TDVMCALL<Instruction.IO> -------------------------------
; putc: AL; every register is preserved
putc:
	push rax
	push rcx
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	movzx r15d, al
	xor eax, eax			; TDG.VP.VMCALL
	mov ecx, 0xfc00			; R10-R15 go to the host
	xor r10d, r10d			; standard TDVMCALL
	mov r11d, 30			; Instruction.IO
	mov r12d, 1			; size
	mov r13d, 1			; out
	mov r14d, 0x3f8
	TDCALL
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop rcx
	pop rax
	ret

puts:					; RSI: NUL-terminated
	push rax
	push rsi
.next:	lodsb
	test al, al
	jz .end
	call putc
	jmp .next
.end:	pop rsi
	pop rax
	ret

newline:
	push rax
	mov al, 10
	call putc
	pop rax
	ret

puthex:					; RDI: 16 hex digits
	push rcx
	push rdi
	mov ecx, 16
.d:	rol rdi, 4
	push rdi
	and edi, 0xf
	call hexdigit
	pop rdi
	dec ecx
	jnz .d
	pop rdi
	pop rcx
	ret

puthex8:				; DIL: 2 hex digits
	push rdi
	push rdi
	shr edi, 4
	and edi, 0xf
	call hexdigit
	pop rdi
	and edi, 0xf
	call hexdigit
	pop rdi
	ret

hexdigit:				; EDI 0-15
	push rax
	lea eax, [rdi + '0']
	cmp edi, 10
	jb .p
	lea eax, [rdi + 'a' - 10]
.p:	call putc
	pop rax
	ret

putdec:					; RDI < 1000
	push rax
	push rdx
	push rcx
	mov rax, rdi
	xor ecx, ecx
.div:	xor edx, edx
	mov r8d, 10
	div r8
	push rdx
	inc ecx
	test rax, rax
	jnz .div
.out:	pop rax
	add al, '0'
	call putc
	dec ecx
	jnz .out
	pop rcx
	pop rdx
	pop rax
	ret

%include "td_end.inc"
