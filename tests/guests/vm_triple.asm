; Triple-faults on purpose: with an empty IDT, INT3 raises #GP, which
; raises #DF, which shuts the processor down (SDM Vol. 3A §7.15, #DF).
bits 16
org 0x1000
	cli
	xor ax, ax
	mov ds, ax
	lidt [empty_idt]
	int3
	jmp $
empty_idt:
	dw 0
	dd 0
