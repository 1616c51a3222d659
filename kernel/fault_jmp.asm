; The register half of try_call (fault.c): a setjmp/longjmp pair that
; keeps only what the System V ABI says a callee preserves.
bits 64
section .text

global fault_save:function, fault_restore:function

; int fault_save(struct fault_ctx *c): 0 now, 1 when resumed.
fault_save:
	mov [rdi + 0], rbx
	mov [rdi + 8], rbp
	mov [rdi + 16], r12
	mov [rdi + 24], r13
	mov [rdi + 32], r14
	mov [rdi + 40], r15
	lea rax, [rsp + 8]
	mov [rdi + 48], rax
	mov rax, [rsp]
	mov [rdi + 56], rax
	xor eax, eax
	ret

; void fault_restore(struct fault_ctx *c)
fault_restore:
	mov rbx, [rdi + 0]
	mov rbp, [rdi + 8]
	mov r12, [rdi + 16]
	mov r13, [rdi + 24]
	mov r14, [rdi + 32]
	mov r15, [rdi + 40]
	mov rsp, [rdi + 48]
	mov eax, 1
	jmp [rdi + 56]

section .note.GNU-stack noalloc noexec nowrite progbits
