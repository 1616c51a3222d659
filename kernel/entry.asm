; Kernel entry from the loader (boot/main.c): RDI = boot_info (direct-map
; address), interrupts off, on the loader's page tables. Only the stack is
; set here; kmain does the rest.
;
; The boot CPU's stacks live in .bss, each above a guard page that
; mm/paging.c leaves unmapped, so an overflow faults instead of corrupting.
bits 64
default rel

section .text.entry
global _start:function
extern kmain
_start:
	lea rsp, [boot_stack_top]
	xor ebp, ebp
	call kmain
.hang:
	cli
	hlt
	jmp .hang

%macro GUARDED_STACK 2            ; name, bytes
	alignb 4096
%1_guard:
	resb 4096
%1:
	resb %2
%1_top:
%endmacro

section .bss
global boot_stack, boot_stack_top, boot_stack_guard, boot_ist_tops
GUARDED_STACK boot_stack, 64 * 1024
GUARDED_STACK boot_ist_df, 16 * 1024
GUARDED_STACK boot_ist_nmi, 16 * 1024
GUARDED_STACK boot_ist_mc, 16 * 1024

section .rodata
global boot_guards, boot_guard_count
align 8
boot_guards:
	dq boot_stack_guard, boot_ist_df_guard, boot_ist_nmi_guard, boot_ist_mc_guard
boot_ist_tops:                        ; in IST slot order: #DF, NMI, #MC
	dq boot_ist_df_top, boot_ist_nmi_top, boot_ist_mc_top
boot_guard_count:
	dd 4

section .note.GNU-stack noalloc noexec nowrite progbits
