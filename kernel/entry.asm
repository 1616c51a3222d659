; Kernel entry from the loader (boot/main.c): RDI = boot_info (direct-map
; address), interrupts off, on the loader's page tables. Only the stack is
; set here; kmain does the rest.
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

section .bss
global boot_stack, boot_stack_top
align 4096
boot_stack:
	resb 64 * 1024
boot_stack_top:
