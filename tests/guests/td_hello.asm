; TD test payload "hello": the whole first-wave TD path in one guest.
; Loaded by seam/td_kernel.c as the TD's initial image ending at 4 GiB
; (all pages PAGE.ADD-ed and measured); it starts at the reset vector in
; 32-bit protected mode (tdx-abi.md §6.5) and then
;   1. switches to 64-bit mode with its own identity page tables
;      (td_common.inc);
;   2. prints through TDVMCALL<Instruction.IO> to port 0x3F8;
;   3. reads TDG.VP.INFO (GPAW, vCPU index);
;   4. accepts a lazily AUG-ed 4 KiB page (twice: PAGE_ALREADY_ACCEPTED)
;      and a 2 MiB page, and writes to them;
;   5. touches a page it never accepted: the host AUGs it, the module
;      raises #VE, and the #VE handler reads VEINFO and accepts it;
;   6. extends RTMR 0 and takes a TDREPORT, printing its MRTD;
;   7. halts with interrupts off (TDVMCALL<Instruction.HLT>, R12 = 1).
; Each result is one line the host prints as "[td N] ...":
;	hello from TD vcpu 0 gpaw 48
;	accept 4k 0000000000000000
;	accept 4k again 00000b0a00000000
;	accept 2m 0000000000000000
;	memory ok 0000000000000000
;	ve reason 0000000000000030 gpa 0000000000600010
;	rtmr extend 0000000000000000
;	report 0000000000000000
;	mrtd <MRTD, 96 hex digits>
;	done
; The host adds exactly 3 pages on demand (0x100000, 0x200000 2M, 0x600000).

BASE		equ 0xffff8000
ACCEPT_4K	equ 0x100000
ACCEPT_2M	equ 0x200000
VE_PAGE		equ 0x600000

%include "td_common.inc"

main:
	mov r12, rcx			; GPAW
	mov r13, r9			; vCPU index
	lea rax, [ve_handler]
	call set_ve_handler
	PUTS "hello from TD vcpu "
	PUTDEC r13
	PUTS " gpaw "
	PUTDEC r12
	call newline

	; accept a 4 KiB page the host has not AUG-ed yet
	lea rsi, [msg_acc4k]
	mov rcx, ACCEPT_4K
	call accept_and_report
	lea rsi, [msg_again]
	mov rcx, ACCEPT_4K
	call accept_and_report
	lea rsi, [msg_acc2m]
	mov rcx, ACCEPT_2M | 1
	call accept_and_report

	; the accepted memory reads back what is written
	mov rax, 0x5a5a5a5a12345678
	mov [abs ACCEPT_4K + 8], rax
	mov [abs ACCEPT_2M + 0x1ff000], rax
	mov rbx, [abs ACCEPT_4K + 8]
	xor rbx, [abs ACCEPT_2M + 0x1ff000]
	PUTS "memory ok "
	PUTHEX rbx			; 0 when both read back
	call newline

	; a page nobody accepted: EPT violation, AUG by the host, #VE here
	mov rax, [abs VE_PAGE + 0x10]

	; RTMR 0 extend, then a TDREPORT
	mov eax, TDG_MR_RTMR_EXTEND
	lea rcx, [rtmrdata]
	xor edx, edx
	TDCALL
	PUTS "rtmr extend "
	PUTHEX rax
	call newline
	mov eax, TDG_MR_REPORT
	lea rcx, [report]
	lea rdx, [reportdata]
	xor r8d, r8d
	TDCALL
	PUTS "report "
	PUTHEX rax
	call newline
	PUTS "mrtd "
	lea rsi, [report + 512 + 16]	; TDINFO.MRTD
	mov ecx, 48
	call putbytes
	call newline

	PUTLN "done"
	ret				; -> halt

; accept RCX (GPA | level), print RSI then the status
accept_and_report:
	call accept
	call puts
	PUTHEX rax
	jmp newline

; #VE: read VE_INFO, print it, accept the page, return to retry the access
ve_handler:
	push rax
	push rcx
	push rdx
	push r8
	push r9
	push r10
	push r11
	mov eax, TDG_VP_VEINFO_GET
	TDCALL
	PUTS "ve reason "
	PUTHEX rcx
	PUTS " gpa "
	PUTHEX r9
	call newline
	mov rcx, r9
	and rcx, ~0xfff
	call accept			; 4 KiB
	pop r11
	pop r10
	pop r9
	pop r8
	pop rdx
	pop rcx
	pop rax
	iretq

msg_acc4k:	db "accept 4k ", 0
msg_again:	db "accept 4k again ", 0
msg_acc2m:	db "accept 2m ", 0

; ---- TDREPORT buffer (1024-aligned), REPORTDATA, RTMR data (64-aligned) ---
	align 1024, db 0
report:		times 1024 db 0
reportdata:	db "baretdx TD test report data"
		times 64 - ($ - reportdata) db 0
rtmrdata:	db "baretdx RTMR 0 extension data, 48 bytes long..!"
		times 48 - ($ - rtmrdata) db 0

%include "td_end.inc"
