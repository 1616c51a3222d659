# baretdx — the one build entry point.
#
#   make            build/BOOTX64.EFI, build/esp/ and build/esp.img
#   make run        install what is missing, build, boot under QEMU+OVMF
#   make test       unit tests (ASan/UBSan) and boot tests
#   make bench      image size and boot instruction counts
#
# Read docs/architecture.md for what lives where.

B := build
CC := gcc
LD := ld
NASM := nasm
PYTHON := /usr/bin/python3

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
WARN := -Wall -Wextra -Werror
# V=1 shows full command lines.
Q := $(if $(V),,@)

# ---- kernel: freestanding, higher half, non-PIC (design.md §4) ----------
KERNEL_CFLAGS := -std=c11 -O2 -g $(WARN) -DBARETDX_KERNEL -ffreestanding -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) -Ikernel/libc -I. -I$(B)/gen \
	-mno-red-zone -mgeneral-regs-only -mcmodel=kernel -fno-pic -fno-pie \
	-fno-omit-frame-pointer -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -fno-common -MMD -MP
KERNEL_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack -T linker.ld

# boot/memmap.c is pure and shared: the kernel reports with it.
KERNEL_C := $(wildcard kernel/*.c mm/*.c drivers/*.c vmx/*.c seam/*.c seam/emu/*.c) boot/memmap.c
KERNEL_ASM := $(wildcard kernel/*.asm vmx/*.asm seam/*.asm)
KERNEL_OBJS := $(KERNEL_C:%.c=$(B)/k/%.o) $(KERNEL_ASM:%.asm=$(B)/k/%.o)

# ---- loader: GNU-EFI, PIC (design.md §3) ---------------------------------
EFI_INC := /usr/include/efi
EFI_LIB := /usr/lib
LOADER_CFLAGS := -std=gnu11 -O2 $(WARN) -ffreestanding -fpic -fshort-wchar \
	-mno-red-zone -fno-stack-protector -fno-strict-aliasing -fno-common \
	-maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI \
	-isystem $(EFI_INC) -isystem $(EFI_INC)/x86_64 -I. -MMD -MP
# The loader parses the cfg with the kernel's parser (boot/bootfiles.c);
# memcpy and memset come from libefi, so kernel/memcpy.c stays out.
LOADER_C := boot/main.c boot/kernel_load.c boot/paging.c boot/files.c boot/memmap.c \
	boot/bootfiles.c kernel/cfg.c kernel/fmt.c kernel/string.c
LOADER_OBJS := $(LOADER_C:%.c=$(B)/l/%.o) $(B)/l/boot/kernel_blob.o

# ---- host-built unit tests (design.md §9) --------------------------------
HOST_CFLAGS := -std=c11 -g -O1 $(WARN) -I. -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_TESTS := fmt lineedit cfg config parse memmap acpi topology pmm ept vmcs vmx_controls \
	tdx_status tdx_preflight emu_init emu_config emu_metadata emu_fault tdmr_plan cmr_parse tdx_host \
	sha384 emu_td_mem emu_td_mng tdvf td_host emu_td_run tdvmcall rsa emu_seamldr tdxblob \
	seamldr_host td_devices tdhob
unit_fmt_SRCS := kernel/fmt.c
unit_lineedit_SRCS := kernel/lineedit.c
unit_cfg_SRCS := kernel/cfg.c kernel/fmt.c
unit_config_SRCS := kernel/config.c kernel/cfg.c kernel/parse.c kernel/fmt.c
unit_parse_SRCS := kernel/parse.c
unit_memmap_SRCS := boot/memmap.c
unit_acpi_SRCS := drivers/acpi.c
unit_topology_SRCS := kernel/topology.c
unit_pmm_SRCS := mm/pmm.c
unit_ept_SRCS := mm/ept.c
unit_vmcs_SRCS := vmx/vmx_names.c
unit_vmx_controls_SRCS := vmx/controls.c
unit_tdx_status_SRCS := seam/tdx_status.c
unit_tdx_preflight_SRCS := seam/tdx_preflight.c seam/tdx_status.c kernel/fmt.c
# The emulated module and what it links: its P-SEAMLDR checks blobs with
# seam/tdxblob.c (SHA-384, RSA) and words its reasons with kernel/fmt.c.
EMU_SRCS = $(wildcard seam/emu/*.c) seam/tdx_status.c seam/sha384.c seam/rsa.c seam/tdxblob.c kernel/fmt.c
unit_emu_init_SRCS = $(EMU_SRCS)
# These include tests/unit/test_emu_fixture.c (the sparse fake memory).
unit_emu_config_SRCS = $(unit_emu_init_SRCS)
unit_emu_metadata_SRCS = $(unit_emu_init_SRCS)
unit_emu_fault_SRCS = $(unit_emu_init_SRCS)
unit_emu_td_mem_SRCS = $(unit_emu_init_SRCS)
unit_emu_init_DEPS = tests/unit/test_emu_fixture.c
unit_emu_config_DEPS = $(unit_emu_init_DEPS)
unit_emu_metadata_DEPS = $(unit_emu_init_DEPS)
unit_emu_fault_DEPS = $(unit_emu_init_DEPS)
unit_emu_td_mem_DEPS = tests/unit/test_emu_fixture.c tests/unit/test_td_fixture.c
unit_emu_td_mng_SRCS = $(unit_emu_init_SRCS)
unit_emu_td_mng_DEPS = tests/unit/test_emu_fixture.c tests/unit/test_td_fixture.c
unit_emu_td_run_SRCS = $(unit_emu_init_SRCS)
unit_emu_td_run_DEPS = tests/unit/test_emu_fixture.c tests/unit/test_td_fixture.c
unit_emu_seamldr_SRCS = $(EMU_SRCS) tools/blob_build.c
unit_emu_seamldr_DEPS = tests/unit/test_emu_fixture.c
unit_seamldr_host_SRCS = seam/seamldr_host.c $(EMU_SRCS) tools/blob_build.c
unit_seamldr_host_DEPS = tests/unit/test_emu_fixture.c
unit_tdmr_plan_SRCS = $(PLANNER_SRCS) $(EMU_SRCS)
unit_tdmr_plan_DEPS = tests/unit/test_emu_fixture.c
unit_cmr_parse_SRCS = seam/cmr_parse.c seam/tdmr_check.c
unit_sha384_SRCS := seam/sha384.c
unit_rsa_SRCS := seam/rsa.c seam/sha384.c
# test_tdxblob builds blobs (openssl signs) and runs the tdxblob tool.
unit_tdxblob_SRCS = $(BLOB_SRCS) tools/blob_build.c
unit_tdxblob_DEPS = $(B)/tools/tdxblob
unit_tdvmcall_SRCS := seam/tdvmcall.c
unit_td_devices_SRCS := seam/td_devices.c
unit_tdvf_SRCS := seam/tdvf.c
# test_tdvf parses the hello payload's TDVF metadata too.
unit_tdvf_DEPS := $(B)/guests/td_hello.bin
unit_tdhob_SRCS := seam/tdhob.c seam/tdvf.c kernel/fmt.c
unit_tdx_host_SRCS = seam/tdx_host.c seam/tdx_leaves.c $(PLANNER_SRCS) $(EMU_SRCS)
unit_td_host_SRCS = seam/td_host.c seam/tdx_host.c seam/tdx_leaves.c $(PLANNER_SRCS) $(EMU_SRCS)

.PHONY: all run run-bochs run-qemu pxe test unit boot-test bench clean setup tools fuzz
all: $(B)/BOOTX64.EFI $(B)/esp/EFI/BOOT/BOOTX64.EFI $(B)/esp.img

$(B)/gen/kernel/version.h: FORCE
	@mkdir -p $(dir $@)
	@echo '#define BARETDX_VERSION "$(VERSION)"' > $@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@
FORCE:

$(B)/k/%.o: %.c $(B)/gen/kernel/version.h Makefile
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(B)/k/%.o: %.asm
	@mkdir -p $(dir $@)
	@echo '  NASM    $<'
	$(Q)$(NASM) -f elf64 -g -o $@ $<

# Plain-VM test guests: flat binaries embedded by vmx/guests.asm.
GUESTS := selftest spin triple
GUEST_BINS := $(GUESTS:%=$(B)/guests/vm_%.bin)

$(B)/guests/vm_%.bin: tests/guests/vm_%.asm
	@mkdir -p $(dir $@)
	@echo '  NASM    $<'
	$(Q)$(NASM) -f bin -o $@ $<

$(B)/k/vmx/guests.o: vmx/guests.asm $(GUEST_BINS)
	@mkdir -p $(dir $@)
	@echo '  NASM    $<'
	$(Q)$(NASM) -f elf64 -DGUEST_DIR='"$(B)/guests"' -o $@ $<

# TD test payloads: flat binaries embedded by seam/td_payloads.asm.
TD_PAYLOADS := hello accept cpuid msr report fatal spin smp mapgpa
TD_PAYLOAD_BINS := $(TD_PAYLOADS:%=$(B)/guests/td_%.bin)

$(B)/guests/td_%.bin: tests/guests/td_%.asm $(wildcard tests/guests/*.inc)
	@mkdir -p $(dir $@)
	@echo '  NASM    $<'
	$(Q)$(NASM) -f bin -i tests/guests/ -o $@ $<

$(B)/k/seam/td_payloads.o: seam/td_payloads.asm $(TD_PAYLOAD_BINS)
	@mkdir -p $(dir $@)
	@echo '  NASM    $<'
	$(Q)$(NASM) -f elf64 -DGUEST_DIR='"$(B)/guests"' -o $@ $<

$(B)/kernel.elf: $(KERNEL_OBJS) linker.ld
	@echo '  LD      $@'
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS)

$(B)/l/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@echo '  CC      $< (loader)'
	$(Q)$(CC) $(LOADER_CFLAGS) -c $< -o $@

$(B)/l/boot/kernel_blob.o: boot/kernel_blob.asm $(B)/kernel.elf
	@mkdir -p $(dir $@)
	@echo '  NASM    $<'
	$(Q)$(NASM) -f elf64 -DKERNEL_ELF='"$(B)/kernel.elf"' -o $@ $<

$(B)/loader.so: $(LOADER_OBJS)
	@echo '  LD      $@'
	$(Q)$(LD) -shared -Bsymbolic -nostdlib -z defs -T $(EFI_LIB)/elf_x86_64_efi.lds \
		$(EFI_LIB)/crt0-efi-x86_64.o $(LOADER_OBJS) \
		-L$(EFI_LIB) -lefi -lgnuefi -o $@

$(B)/BOOTX64.EFI: $(B)/loader.so
	@echo '  EFI     $@'
	$(Q)objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel \
		-j .rela -j .rel.* -j .rela.* -j .reloc \
		--target efi-app-x86_64 --subsystem=10 $< $@

$(B)/esp/EFI/BOOT/BOOTX64.EFI: $(B)/BOOTX64.EFI boot/baretdx.cfg
	@mkdir -p $(dir $@)
	cp $(B)/BOOTX64.EFI $@
	cp boot/baretdx.cfg $(dir $@)baretdx.cfg

# A FAT image for emulators that need a disk (Bochs), made with mtools.
$(B)/esp.img: $(B)/esp/EFI/BOOT/BOOTX64.EFI
	rm -f $@
	mformat -i $@ -C -T 65536 -h 64 -s 32 -v BARETDX ::
	mcopy -s -i $@ $(B)/esp/EFI ::/

# ---- host tools (design.md §2 tools/) -------------------------------------
PLANNER_SRCS := seam/tdmr_plan.c seam/tdmr_check.c seam/tdmr_place.c seam/cmr_parse.c
TOOL_CFLAGS := -std=c11 -O2 $(WARN) -I.

$(B)/tools/tdmrplan: tools/tdmrplan.c $(PLANNER_SRCS)
	@mkdir -p $(dir $@)
	@echo '  HOSTCC  $@'
	$(Q)$(CC) $(TOOL_CFLAGS) -o $@ $^

BLOB_SRCS := seam/tdxblob.c seam/rsa.c seam/sha384.c kernel/fmt.c
$(B)/tools/tdxblob: tools/tdxblob.c tools/blob_build.c $(BLOB_SRCS)
	@mkdir -p $(dir $@)
	@echo '  HOSTCC  $@'
	$(Q)$(CC) $(TOOL_CFLAGS) -o $@ $^

tools: $(B)/tools/tdmrplan $(B)/tools/tdxblob

# Test-signed module blobs for the emulator (tests, make run): a signing
# key made here, never committed, and blobs of an emulated module 1.5.16
# for Bochs's tigerlake CPU (CPUID.1.EAX 0x806c1; the table ignores the
# stepping).
$(B)/keys/test-signer.pem:
	@mkdir -p $(dir $@)
	@echo '  OPENSSL $@'
	$(Q)openssl genrsa -out $@ 3072 2>/dev/null

TEST_BLOB := $(B)/blobs/emu-1.5.16.blob
$(TEST_BLOB): $(B)/tools/tdxblob $(B)/keys/test-signer.pem Makefile
	@mkdir -p $(dir $@)
	@echo '  BLOB    $@'
	$(Q)$(B)/tools/tdxblob make --key $(B)/keys/test-signer.pem --out $@ \
		--emu-version 1.5.16 --build-num 812 --date 20250219 --svn 1.11 \
		--cpuid 0x806c0,0xc06f0 --emu-pages 16 --max-tdmrs 32

# ---- fuzzing: libFuzzer targets, a bounded run in make test ----------------
FUZZ_SECONDS ?= 30
$(B)/fuzz/fuzz_tdmrplan: tests/fuzz/fuzz_tdmrplan.c $(PLANNER_SRCS)
	@mkdir -p $(dir $@)
	@echo '  CLANG   $@'
	$(Q)clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -o $@ $^

$(B)/fuzz/fuzz_tdxblob: tests/fuzz/fuzz_tdxblob.c $(BLOB_SRCS)
	@mkdir -p $(dir $@)
	@echo '  CLANG   $@'
	$(Q)clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -o $@ $^

# Each target gets half of FUZZ_SECONDS; a crash fails the run (the log
# keeps the whole report, the terminal gets its end).
fuzz: $(B)/fuzz/fuzz_tdmrplan $(B)/fuzz/fuzz_tdxblob
	@mkdir -p $(B)/fuzz/corpus $(B)/fuzz/corpus-tdxblob
	@$(B)/fuzz/fuzz_tdmrplan -max_total_time=$$(($(FUZZ_SECONDS) / 2)) -print_final_stats=1 \
		$(B)/fuzz/corpus tests/fuzz/corpus > $(B)/fuzz/tdmrplan.log 2>&1; \
		rc=$$?; tail -4 $(B)/fuzz/tdmrplan.log; exit $$rc
	@$(B)/fuzz/fuzz_tdxblob -max_total_time=$$(($(FUZZ_SECONDS) / 2)) -max_len=16384 \
		-print_final_stats=1 $(B)/fuzz/corpus-tdxblob tests/fuzz/corpus-tdxblob \
		> $(B)/fuzz/tdxblob.log 2>&1; rc=$$?; tail -4 $(B)/fuzz/tdxblob.log; exit $$rc

# ---- network boot: a TFTP directory for UEFI PXE (README) -----------------
pxe: $(B)/BOOTX64.EFI boot/baretdx.cfg
	@mkdir -p $(B)/tftp
	cp $(B)/BOOTX64.EFI $(B)/tftp/BOOTX64.EFI
	cp boot/baretdx.cfg $(B)/tftp/baretdx.cfg
	@echo "pxe: serve $(B)/tftp over TFTP, with DHCP boot file BOOTX64.EFI"

# ---- run ----------------------------------------------------------------
setup:
	./scripts/setup.sh

# make run shows the main job: Bochs (VMX) with the emulated TDX module,
# initialized at boot. make run-qemu is the fast QEMU shell without VMX.
run: setup all $(TEST_BLOB)
	./scripts/run-bochs.sh

run-bochs: run

run-qemu: setup all
	./scripts/run-qemu.sh

# ---- tests ----------------------------------------------------------------
define unit_rule
$(B)/unit/test_$(1): tests/unit/test_$(1).c $$(unit_$(1)_SRCS) $$(unit_$(1)_DEPS)
	@mkdir -p $$(dir $$@)
	@echo '  HOSTCC  $$@'
	$$(Q)$$(CC) $$(HOST_CFLAGS) -o $$@ $$(filter-out $$(unit_$(1)_DEPS),$$^) -lcmocka -lpthread
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

unit: $(UNIT_TESTS:%=$(B)/unit/test_%)
	@set -e; for t in $^; do echo "== $$t"; ./$$t; done

boot-test: all $(TEST_BLOB)
	$(PYTHON) -m pytest -n 2 tests/boot

test: unit fuzz boot-test

$(B)/bench/pmm_bench: tests/bench/pmm_bench.c mm/pmm.c
	@mkdir -p $(dir $@)
	@echo '  HOSTCC  $@'
	$(Q)$(CC) -std=c11 -O2 $(WARN) -I. -o $@ $^

bench: all $(B)/bench/pmm_bench $(B)/tools/tdmrplan $(B)/unit/test_tdx_host
	$(PYTHON) tests/bench/bench.py

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
