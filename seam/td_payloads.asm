; TD test payloads (tests/guests/td_*.asm), flat binaries that end at 4 GiB
; (the reset vector is in their last 16 bytes), embedded here by name.
bits 64
section .rodata

%macro PAYLOAD 2
%strcat payload_path GUEST_DIR, "/td_", %2, ".bin"
%1_name: db %2, 0
align 4096
%1_start:
	incbin payload_path
%1_end:
%endmacro

PAYLOAD hello, "hello"
PAYLOAD accept, "accept"
PAYLOAD cpuid, "cpuid"
PAYLOAD msr, "msr"
PAYLOAD report, "report"
PAYLOAD fatal, "fatal"
PAYLOAD spin, "spin"
PAYLOAD smp, "smp"
PAYLOAD mapgpa, "mapgpa"

; struct td_payload { const char *name; const uint8_t *start, *end; }
global td_payloads
align 8
td_payloads:
	dq hello_name, hello_start, hello_end
	dq accept_name, accept_start, accept_end
	dq cpuid_name, cpuid_start, cpuid_end
	dq msr_name, msr_start, msr_end
	dq report_name, report_start, report_end
	dq fatal_name, fatal_start, fatal_end
	dq spin_name, spin_start, spin_end
	dq smp_name, smp_start, smp_end
	dq mapgpa_name, mapgpa_start, mapgpa_end
	dq 0, 0, 0

section .note.GNU-stack noalloc noexec nowrite progbits
