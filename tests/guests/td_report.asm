; TD test payload "report": TDG.MR.REPORT and TDG.MR.RTMR.EXTEND (tdx-abi.md
; §5.8, §7.1). Takes a TDREPORT (RAX = 4, RCX = 1024-aligned buffer, RDX =
; 64-aligned REPORTDATA, R8 = 0) and prints TDINFO.MRTD (offset 512 + 16),
; extends RTMR 0 once with 48 bytes, takes a second TDREPORT and prints
; TDINFO.RTMR[0] (offset 512 + 208), and checks that REPORTMACSTRUCT.
; REPORTDATA (offset 128) is the 64 bytes it passed. Lines:
;	report 0000000000000000
;	mrtd <MRTD, 96 hex digits: the host's "td N: MRTD">
;	rtmr extend 0000000000000000
;	report 0000000000000000
;	rtmr0 <96 hex digits: SHA-384(48 zero bytes || rtmrdata)>
;	reportdata ok
;	report done
; rtmrdata is "baretdx RTMR 0 extension data, 48 bytes long..!" (47 bytes)
; and a NUL, so on a fresh TD RTMR 0 is
; 3aff67491afce92f6e421d4c6030126b70c38414c4700c5ea6e55035386c0dcc457f11a0246f43470c46160afc93144e

BASE		equ 0xffff8000

%include "td_common.inc"

main:
	call take_report
	PUTS "mrtd "
	lea rsi, [report + 512 + 16]	; TDINFO.MRTD
	mov ecx, 48
	call putbytes
	call newline

	mov eax, TDG_MR_RTMR_EXTEND
	lea rcx, [rtmrdata]
	xor edx, edx			; RTMR 0
	TDCALL
	PUTS "rtmr extend "
	PUTHEX rax
	call newline

	call take_report
	PUTS "rtmr0 "
	lea rsi, [report + 512 + 208]	; TDINFO.RTMR[0]
	mov ecx, 48
	call putbytes
	call newline

	lea rsi, [report + 128]		; REPORTMACSTRUCT.REPORTDATA
	lea rdi, [reportdata]
	mov ecx, 64
	repe cmpsb
	jne .bad
	PUTLN "reportdata ok"
	jmp .done
.bad:	PUTLN "reportdata bad"
.done:	PUTLN "report done"
	ret

take_report:
	mov eax, TDG_MR_REPORT
	lea rcx, [report]
	lea rdx, [reportdata]
	xor r8d, r8d
	TDCALL
	PUTS "report "
	PUTHEX rax
	jmp newline

	align 1024, db 0
report:		times 1024 db 0
reportdata:	db "baretdx report payload: REPORTDATA, 64 bytes"
		times 64 - ($ - reportdata) db 0
rtmrdata:	db "baretdx RTMR 0 extension data, 48 bytes long..!"
		times 48 - ($ - rtmrdata) db 0

%include "td_end.inc"
