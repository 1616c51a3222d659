; AP start-up code (SDM Vol. 3A §9.4.4 / §10.4). The BSP copies this blob to
; the trampoline page below 1 MiB (boot_info.trampoline_pa), fills the
; parameter block, and sends INIT-SIPI-SIPI with vector = page >> 12. The AP
; starts here in real mode with CS = page >> 4, IP = 0.
;
; Position independent: the page's base is computed from CS, and the two
; far jumps and the GDT base are patched from it before they are used.
; Real mode -> 32-bit protected mode -> long mode (PAE, LME, NXE, paging
; with the kernel's CR3, which identity-maps this page) -> kmain's ap_entry.
bits 16
section .rodata
align 16
global trampoline_start, trampoline_end
global tr_cr3, tr_entry, tr_stack, tr_percpu

trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	xor ebx, ebx
	mov bx, ax
	shl ebx, 4                         ; ebx = physical base of the page

	lea eax, [ebx + (gdt - trampoline_start)]
	mov [gdtr - trampoline_start + 2], eax
	lea eax, [ebx + (pm32 - trampoline_start)]
	mov [far32 - trampoline_start], eax
	lea eax, [ebx + (lm64 - trampoline_start)]
	mov [far64 - trampoline_start], eax

	lgdt [gdtr - trampoline_start]
	mov eax, cr0
	or eax, 1                          ; PE
	mov cr0, eax
	jmp dword far [far32 - trampoline_start]

bits 32
pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, (1 << 5)                   ; PAE
	mov cr4, eax
	mov eax, [ebx + (tr_cr3 - trampoline_start)]
	mov cr3, eax
	mov ecx, 0xc0000080                ; IA32_EFER
	rdmsr
	or eax, (1 << 8) | (1 << 11)       ; LME, NXE
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16)      ; PG, WP
	mov cr0, eax
	jmp far [ebx + (far64 - trampoline_start)]

bits 64
lm64:
	mov ebx, ebx                       ; upper half is undefined after the mode switch
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, [rbx + (tr_stack - trampoline_start)]
	mov rdi, [rbx + (tr_percpu - trampoline_start)]
	xor ebp, ebp
	jmp [rbx + (tr_entry - trampoline_start)]

; The accessed bits are preset: the page is mapped read-only once paging
; is on, and a CPU that sets them on a segment load would fault (Bochs does).
align 8
gdt:
	dq 0
	dq 0x00cf9b000000ffff              ; 0x08: 32-bit code
	dq 0x00cf93000000ffff              ; 0x10: data
	dq 0x00af9b000000ffff              ; 0x18: 64-bit code
gdt_end:
gdtr:
	dw gdt_end - gdt - 1
	dd 0                               ; patched: base
align 4
far32:
	dd 0                               ; patched: offset of pm32
	dw 0x08
far64:
	dd 0                               ; patched: offset of lm64
	dw 0x18
align 8
; Parameter block, filled by the BSP (kernel/smp.c) before each start.
tr_cr3:    dq 0
tr_entry:  dq 0
tr_stack:  dq 0
tr_percpu: dq 0
trampoline_end:

section .note.GNU-stack noalloc noexec nowrite progbits
