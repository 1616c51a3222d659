; TD test payload "cpuid": CPUID in a TD (tdx-abi.md §7.1-§7.2).
;   - TDVMCALL<Instruction.CPUID> (R11 = 10, R12 = leaf, R13 = sub-leaf;
;     the host answers EAX, EBX, ECX, EDX in R12-R15) for leaves 0, 1 and
;     0x80000008;
;   - CPUID leaf 0x21 natively: the module answers "IntelTDX    ";
;   - CPUID leaf 0 natively: the module raises #VE (exit reason 10), and
;     the #VE handler asks the host with the TDVMCALL, fills in the four
;     registers and steps over the instruction (VE_INFO's length).
; Lines (<..> depend on the CPU the host runs on):
;	cpuid 0 status 0000000000000000 max <8 hex> vendor <vendor>
;	cpuid 1 status 0000000000000000 eax <8 hex>
;	cpuid 80000008 status 0000000000000000 eax <8 hex>
;	cpuid 21 native [IntelTDX    ]
;	cpuid 0 native max <8 hex, at least 00000021> vendor <vendor>
;	ve reason 000000000000000a len 2
;	cpuid 40000000 via ve eax <8 hex>
;	cpuid done
; (<vendor> is GenuineIntel on Intel hosts and under Bochs; leaf 0x80000008
; EAX 7:0 is the host CPU's MAXPHYADDR, 0x28 = 40 under Bochs 2.7.)

BASE		equ 0xffff8000

%include "td_common.inc"

main:
	lea rax, [ve_handler]
	call set_ve_handler

	xor r12d, r12d
	xor r13d, r13d
	call vmcall_cpuid
	PUTS "cpuid 0 status "
	PUTHEX r10
	PUTS " max "
	mov edi, r12d
	call puthex32
	PUTS " vendor "
	mov edi, r13d			; EBX EDX ECX
	call put4
	mov edi, r15d
	call put4
	mov edi, r14d
	call put4
	call newline

	mov r12d, 1
	xor r13d, r13d
	call vmcall_cpuid
	PUTS "cpuid 1 status "
	PUTHEX r10
	PUTS " eax "
	mov edi, r12d
	call puthex32
	call newline

	mov r12d, 0x80000008		; address sizes: MAXPHYADDR in 7:0
	xor r13d, r13d
	call vmcall_cpuid
	PUTS "cpuid 80000008 status "
	PUTHEX r10
	PUTS " eax "
	mov edi, r12d
	call puthex32
	call newline

	mov eax, 0x21
	xor ecx, ecx
	cpuid
	PUTS "cpuid 21 native ["
	mov edi, ebx
	call put4
	mov edi, edx
	call put4
	mov edi, ecx
	call put4
	PUTLN "]"

	xor eax, eax
	xor ecx, ecx
	cpuid				; answered by the module in place
	mov r12d, eax
	PUTS "cpuid 0 native max "
	mov edi, r12d
	call puthex32
	PUTS " vendor "
	mov edi, ebx
	call put4
	mov edi, edx
	call put4
	mov edi, ecx
	call put4
	call newline

	mov eax, 0x40000000
	xor ecx, ecx
	cpuid				; #VE -> ve_handler: the host's leaves
	mov r12d, eax
	PUTS "cpuid 40000000 via ve eax "
	mov edi, r12d
	call puthex32
	call newline

	PUTLN "cpuid done"
	ret

; TDVMCALL<Instruction.CPUID>: R12 = leaf, R13 = sub-leaf in; R10 =
; status, R12-R15 = EAX, EBX, ECX, EDX out. Clobbers RAX, RCX, R11.
vmcall_cpuid:
	xor eax, eax
	mov ecx, BM_R10_R15
	xor r10d, r10d
	mov r11d, VMCALL_CPUID
	TDCALL
	ret

; EDI: 4 characters, little-endian
put4:
	push rax
	push rcx
	push rdi
	mov ecx, 4
.c:	mov eax, edi
	call putc
	shr edi, 8
	dec ecx
	jnz .c
	pop rdi
	pop rcx
	pop rax
	ret

; #VE for a CPUID the module would not answer: emulate it via the host.
ve_handler:
	push rbp
	mov rbp, rsp			; [rbp + 8] = RIP of the CPUID
	push rax			; [rbp - 8]
	push rbx			; [rbp - 16]
	push rcx			; [rbp - 24]
	push rdx			; [rbp - 32]
	push rsi
	push rdi
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov eax, TDG_VP_VEINFO_GET
	TDCALL
	mov ebx, r10d			; instruction length
	PUTS "ve reason "
	PUTHEX rcx
	PUTS " len "
	PUTDEC rbx
	call newline
	cmp rcx, 10
	jne halt			; only CPUID is expected here
	test ebx, ebx
	jnz .len
	mov ebx, 2
.len:	mov r12d, [rbp - 8]
	mov r13d, [rbp - 24]
	call vmcall_cpuid
	mov r12d, r12d
	mov r13d, r13d
	mov r14d, r14d
	mov r15d, r15d
	mov [rbp - 8], r12
	mov [rbp - 16], r13
	mov [rbp - 24], r14
	mov [rbp - 32], r15
	add [rbp + 8], rbx
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	pop rbp
	iretq

%include "td_end.inc"
