; Plain-VM self-test guest: starts in 16-bit real mode at 0x1000 (an
; unrestricted guest, SDM Vol. 3C §26.6.1.1). Each check prints one line
; on debug port 0xE9, which the host prints as "[vm N] ...":
;   CPUID exit, VMCALL that returns a value, and two writes to guest pages
;   that are not mapped until the host resolves the EPT violations.
; Ends with HLT.
bits 16
org 0x1000

DEBUG_PORT   equ 0xe9
HC_ECHO_INC  equ 1                 ; vmx/vmrun.c: RAX = RBX + 1
LAZY_SEG     equ 0x8000            ; 512 KiB: above what the host maps eagerly

start:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x0ff0
	mov si, msg_hello
	call puts

	xor eax, eax                   ; CPUID leaf 0: the host answers
	cpuid
	mov [vendor], ebx
	mov [vendor + 4], edx
	mov [vendor + 8], ecx
	mov si, msg_cpuid
	call puts
	mov si, vendor
	call puts
	mov si, msg_nl
	call puts

	mov eax, HC_ECHO_INC
	mov ebx, 0x12345
	vmcall
	cmp eax, 0x12346
	jne .bad_vmcall
	mov si, msg_vmcall
	call puts

	mov ax, LAZY_SEG
	mov es, ax
	mov dword [es:0x0000], 0xdeadbeef
	mov dword [es:0x3000], 0xcafef00d
	cmp dword [es:0x0000], 0xdeadbeef
	jne .bad_ept
	cmp dword [es:0x3000], 0xcafef00d
	jne .bad_ept
	mov si, msg_ept
	call puts

	mov si, msg_done
	call puts
	hlt
	jmp $

.bad_vmcall:
	mov si, msg_bad_vmcall
	call puts
	hlt
.bad_ept:
	mov si, msg_bad_ept
	call puts
	hlt

puts:                              ; DS:SI, NUL-terminated
	mov dx, DEBUG_PORT
.next:
	lodsb
	test al, al
	jz .out
	out dx, al
	jmp .next
.out:
	ret

msg_hello:      db "guest up in real mode", 10, 0
msg_cpuid:      db "ok cpuid: vendor ", 0
msg_nl:         db 10, 0
msg_vmcall:     db "ok vmcall: 0x12345 + 1 = 0x12346", 10, 0
msg_ept:        db "ok ept: lazily mapped pages hold what was written", 10, 0
msg_done:       db "selftest guest done", 10, 0
msg_bad_vmcall: db "FAIL vmcall returned a wrong value", 10, 0
msg_bad_ept:    db "FAIL lazily mapped page lost a write", 10, 0
vendor:         times 16 db 0
