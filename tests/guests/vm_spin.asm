; Spins forever with interrupts off: only the host's timeout stops it.
bits 16
org 0x1000
	cli
	mov dx, 0xe9
	mov al, 's'
	out dx, al
	mov al, 10
	out dx, al
	jmp $
