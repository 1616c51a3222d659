; TD test payload "msr": MSR accesses through the host (tdx-abi.md §7.2).
;   - TDVMCALL<Instruction.RDMSR> (R11 = 31, R12 = index; value in R11)
;     of IA32_TIME_STAMP_COUNTER (0x10), twice: the second is larger;
;   - TDVMCALL<Instruction.WRMSR> (R11 = 32, R12 = index, R13 = value) of
;     MSR 0x12345678, which the host refuses: TDVMCALL_INVALID_OPERAND.
; Lines (<tsc> are 16 hex digits):
;	rdmsr 00000010 status 0000000000000000 value <tsc>
;	rdmsr 00000010 status 0000000000000000 value <tsc>
;	tsc increases yes
;	wrmsr 12345678 status 8000000000000000
;	msr done
; ("tsc increases no" when the second value is not above the first.)

BASE		equ 0xffff8000
IA32_TSC	equ 0x10
BAD_MSR		equ 0x12345678

%include "td_common.inc"

main:
	mov r12d, IA32_TSC
	call rdmsr_print
	mov rbx, r11
	mov r12d, IA32_TSC
	call rdmsr_print
	PUTS "tsc increases "
	cmp r11, rbx
	ja .yes
	PUTLN "no"
	jmp .wr
.yes:	PUTLN "yes"

.wr:	mov r12d, BAD_MSR
	mov r13, 0x0123456789abcdef
	xor eax, eax
	mov ecx, BM_R10_R15
	xor r10d, r10d
	mov r11d, VMCALL_WRMSR
	TDCALL
	PUTS "wrmsr "
	mov edi, BAD_MSR
	call puthex32
	PUTS " status "
	PUTHEX r10
	call newline
	PUTLN "msr done"
	ret

; TDVMCALL<Instruction.RDMSR> of R12: prints it, value in R11
rdmsr_print:
	xor eax, eax
	mov ecx, BM_R10_R15
	xor r10d, r10d
	mov r11d, VMCALL_RDMSR
	mov edi, r12d
	TDCALL
	PUTS "rdmsr "
	call puthex32
	PUTS " status "
	PUTHEX r10
	PUTS " value "
	PUTHEX r11
	jmp newline

%include "td_end.inc"
