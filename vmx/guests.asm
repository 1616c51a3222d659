; Plain-VM test guests (tests/guests/vm_*.asm), built as flat binaries
; loaded at guest physical 0x1000 and embedded here by name.
bits 64
section .rodata

%macro GUEST 2
%strcat guest_path GUEST_DIR, "/vm_", %2, ".bin"
%1_name: db %2, 0
align 16
%1_start:
	incbin guest_path
%1_end:
%endmacro

GUEST selftest, "selftest"
GUEST spin, "spin"
GUEST triple, "triple"

; struct vm_payload { const char *name; const uint8_t *start, *end; }
global vm_payloads
align 8
vm_payloads:
	dq selftest_name, selftest_start, selftest_end
	dq spin_name, spin_start, spin_end
	dq triple_name, triple_start, triple_end
	dq 0, 0, 0

section .note.GNU-stack noalloc noexec nowrite progbits
