; The kernel ELF, embedded in the loader image. The Makefile passes its
; path as KERNEL_ELF; the loader parses and places it (kernel_load.c).
section .rodata progbits alloc noexec nowrite align=16
global kernel_blob:data hidden
global kernel_blob_end:data hidden
kernel_blob:
	incbin KERNEL_ELF
kernel_blob_end:
section .note.GNU-stack noalloc noexec nowrite progbits
