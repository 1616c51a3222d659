; TD test payload "accept": TDG.MEM.PAGE.ACCEPT of memory the host adds
; lazily (TDH.MEM.PAGE.AUG on the ACCEPT's EPT-violation exit, §7.1-§7.2):
;   - the 4 KiB pages 0x100000 .. 0x103fff one by one,
;   - the 2 MiB page at 0x400000,
;   - both again (PAGE_ALREADY_ACCEPTED, 00000b0a00000000),
;   - a 4 KiB page inside the accepted 2 MiB page (the emulated module
;     answers TDX_PAGE_SIZE_MISMATCH, c0000b0b00000000: already mapped
;     at a larger size),
; then writes a pattern into the first qword of every accepted 4 KiB page
; (4 + 512 pages) and reads it back. Lines:
;	accept 4k 0 ok
;	accept 4k 1 ok
;	accept 4k 2 ok
;	accept 4k 3 ok
;	accept 2m ok
;	reaccept 4k 00000b0a00000000
;	reaccept 2m 00000b0a00000000
;	accept 4k in 2m c0000b0b00000000
;	accept done 0000000000000000 8ffbfb405277e000
; A failed accept prints its status instead of "ok". "accept done" gives
; the number of qwords that did not read back, then the sum of what was
; read (each page's qword is its GPA * 0x9e3779b97f4a7c15; the sum is
; fixed by the page list above). The host adds 5 pages on demand (4 + 1
; of 2 MiB).

BASE		equ 0xffff8000
ACC_4K		equ 0x100000
ACC_4K_PAGES	equ 4
ACC_2M		equ 0x400000
PATTERN		equ 0x9e3779b97f4a7c15

%include "td_common.inc"

main:
	xor ebx, ebx			; page number
.one:	mov rcx, rbx
	shl rcx, 12
	add rcx, ACC_4K
	call accept
	PUTS "accept 4k "
	PUTDEC rbx
	call print_ok_or_status
	inc ebx
	cmp ebx, ACC_4K_PAGES
	jb .one

	mov rcx, ACC_2M | 1
	call accept
	PUTS "accept 2m"
	call print_ok_or_status

	mov rcx, ACC_4K
	call accept
	PUTS "reaccept 4k "
	PUTHEX rax
	call newline
	mov rcx, ACC_2M | 1
	call accept
	PUTS "reaccept 2m "
	PUTHEX rax
	call newline
	mov rcx, ACC_2M + 0x5000
	call accept
	PUTS "accept 4k in 2m "
	PUTHEX rax
	call newline

	; write every page, then read every page back
	mov r8, PATTERN
	call for_each_page_write
	xor r13, r13			; bad qwords
	xor r14, r14			; sum
	call for_each_page_read
	PUTS "accept done "
	PUTHEX r13
	PUTS " "
	PUTHEX r14
	call newline
	ret

; " ok\n" for status 0 in RAX, else " <status>\n"
print_ok_or_status:
	test rax, rax
	jnz .bad
	PUTLN " ok"
	ret
.bad:	PUTS " "
	PUTHEX rax
	jmp newline

; ranges: (start, pages) pairs, 0-terminated
ranges:	dq ACC_4K, ACC_4K_PAGES
	dq ACC_2M, 512
	dq 0, 0

for_each_page_write:
	lea rsi, [ranges]
.r:	mov rdi, [rsi]
	mov rcx, [rsi + 8]
	test rcx, rcx
	jz .end
.p:	mov rax, rdi
	imul rax, r8
	mov [rdi], rax
	add rdi, 0x1000
	dec rcx
	jnz .p
	add rsi, 16
	jmp .r
.end:	ret

for_each_page_read:
	lea rsi, [ranges]
.r:	mov rdi, [rsi]
	mov rcx, [rsi + 8]
	test rcx, rcx
	jz .end
.p:	mov rax, rdi
	imul rax, r8
	mov rdx, [rdi]
	add r14, rdx
	cmp rax, rdx
	je .ok
	inc r13
.ok:	add rdi, 0x1000
	dec rcx
	jnz .p
	add rsi, 16
	jmp .r
.end:	ret

%include "td_end.inc"
