; TD test payload "spin": prints one line, then loops forever with pause
; and interrupts off; only the host can stop it (td run --timeout, the
; LAPIC timer bringing the vCPU out for the check). Line:
;	spinning

BASE		equ 0xffff8000

%include "td_common.inc"

main:
	PUTLN "spinning"
	cli
.spin:	pause
	jmp .spin

%include "td_end.inc"
