; TD test payload "mapgpa": converting private memory to shared and back
; (tdx-abi.md §6.4, §7.2).
;   1. the shared bit is GPA bit GPAW - 1 (TDG.VP.INFO RCX: 47 for 48);
;   2. TDVMCALL<MapGPA> (R11 = 0x10001, R12 = 0x500000 | shared bit, R13 =
;      0x1000; on R10 = RETRY again from R11 to the end) makes the page
;      shared;
;   3. the payload maps the shared alias with its own page tables: pd1
;      (linear 1-2 GiB) entry 2 is the 2 MiB page at GPA 0x400000 | shared
;      bit, so GPA 0x500000 | shared bit is linear 0x40500000 (the GPA
;      itself, 0x800000500000, is not a canonical address);
;   4. writes "hello through shared memory" and a NUL there and asks the
;      host to print it: TDVMCALL<Instruction.IO> OUT, size 4, port 0x3FC,
;      R15 = bits 43:12 of the shared GPA (GPA >> 12, low 32 bits; the
;      host adds the shared bit back);
;   5. MapGPA back to private (R12 = 0x500000), TDG.MEM.PAGE.ACCEPT it
;      (the host AUGs it on the ACCEPT), writes a pattern to every qword
;      of the page and reads it back.
; Lines ("[td N] hello through shared memory" is the host's print of the
; shared page):
;	shared bit 0000800000000000
;	mapgpa shared 0000000000000000
;	hello through shared memory
;	port 3fc 0000000000000000
;	mapgpa private 0000000000000000
;	accept 0000000000000000
;	mapgpa back ok
; A CPU whose MAXPHYADDR is below the shared bit (Bochs: 40 bits) cannot
; map the alias: a reserved-bit #PF on the first write. The payload then
; prints, instead of the "hello through shared memory" and "port 3fc"
; lines,
;	shared alias #PF error 000000000000000b cr2 0000000040500000: MAXPHYADDR below the shared bit
; and goes on with the conversion back to private.
; A failed MapGPA to shared ends the run after its line (touching the
; alias would be an access to an unmapped shared GPA); "mapgpa back bad"
; if the private page does not read back.

BASE		equ 0xffff7000
%define WANT_PD1
PAGE_GPA	equ 0x500000
ALIAS_2M_GPA	equ 0x400000		; the 2 MiB guest page around it
ALIAS_VA	equ 0x40000000 + 2 * 0x200000	; pd1 entry 2
PAGE_VA		equ ALIAS_VA + (PAGE_GPA - ALIAS_2M_GPA)
SHARED_PORT	equ 0x3fc
MAX_RETRIES	equ 1000

%include "td_common.inc"

main:
	and ecx, 0x3f			; GPAW
	dec ecx
	mov ebx, 1
	shl rbx, cl			; RBX = shared bit
	PUTS "shared bit "
	PUTHEX rbx
	call newline

	mov r12, PAGE_GPA
	or r12, rbx
	mov r13d, 0x1000
	call map_gpa
	PUTS "mapgpa shared "
	PUTHEX r10
	call newline
	test r10, r10
	jnz .out

	; the alias in the guest's page tables
	mov rax, ALIAS_2M_GPA | 0x83	; present, writable, 2 MiB
	or rax, rbx
	mov [pd1 + 2 * 8], rax
	invlpg [abs PAGE_VA]
	lea rax, [alias_fault]		; a #PF here skips to ..@no_alias
	mov edi, 14
	call set_gate
	lea rsi, [message]
	mov edi, PAGE_VA
.copy:	lodsb
	stosb
	test al, al
	jnz .copy
	call default_pf

	mov r15, PAGE_GPA
	or r15, rbx
	shr r15, 12
	mov r15d, r15d			; GPA >> 12, low 32 bits
	xor eax, eax
	mov ecx, BM_R10_R15
	xor r10d, r10d
	mov r11d, VMCALL_IO
	mov r12d, 4			; size
	mov r13d, 1			; out
	mov r14d, SHARED_PORT
	TDCALL
	PUTS "port 3fc "
	PUTHEX r10
	call newline

	; the alias goes before the page stops being shared
..@no_alias:				; (does not start a new local-label scope)
	mov qword [pd1 + 2 * 8], 0
	invlpg [abs PAGE_VA]
	mov r12, PAGE_GPA
	mov r13d, 0x1000
	call map_gpa
	PUTS "mapgpa private "
	PUTHEX r10
	call newline
	mov rcx, PAGE_GPA
	call accept
	PUTS "accept "
	PUTHEX rax
	call newline

	mov rdi, PAGE_GPA
	mov rax, 0xa5a5f00d00000000
.w:	mov rdx, rax
	or rdx, rdi
	mov [rdi], rdx
	add edi, 8
	cmp edi, PAGE_GPA + 0x1000
	jb .w
	mov rdi, PAGE_GPA
	xor ebx, ebx
.r:	mov rdx, rax
	or rdx, rdi
	cmp [rdi], rdx
	je .ok
	inc ebx
.ok:	add edi, 8
	cmp edi, PAGE_GPA + 0x1000
	jb .r
	test ebx, ebx
	jnz .bad
	PUTLN "mapgpa back ok"
	ret
.bad:	PUTLN "mapgpa back bad"
.out:	ret

; TDVMCALL<MapGPA> of R12 (start GPA, shared bit = to shared), R13 (size),
; again from R11 while the host answers RETRY. R10 = the last status;
; clobbers RAX, RCX, R11-R13.
map_gpa:
	push rdx
	push rsi
	lea rdx, [r12 + r13]		; end
	mov esi, MAX_RETRIES
.call:	xor eax, eax
	mov ecx, BM_R10_R15
	xor r10d, r10d
	mov r11d, VMCALL_MAP_GPA
	TDCALL
	cmp r10, VMCALL_RETRY
	jne .done
	dec esi
	jz .done
	mov r12, r11			; where the host stopped
	mov r13, rdx
	sub r13, r12
	jmp .call
.done:	pop rsi
	pop rdx
	ret

; The alias write faulted: say why, then go on without the shared page.
alias_fault:
	mov r15, cr2
	mov rbx, [rsp]			; error code
	PUTS "shared alias #PF error "
	PUTHEX rbx
	PUTS " cr2 "
	PUTHEX r15
	test ebx, 8			; RSVD: a reserved bit in the PDE
	jz .nl
	PUTS ": MAXPHYADDR below the shared bit"
.nl:	call newline
	call default_pf
	add rsp, 8
	lea rax, [..@no_alias]
	mov [rsp], rax
	iretq

default_pf:
	push rax
	push rdi
	lea rax, [exc_14]
	mov edi, 14
	call set_gate
	pop rdi
	pop rax
	ret

message:	db "hello through shared memory", 0

%include "td_end.inc"
