#!/bin/sh
# Boots build/esp under QEMU+OVMF (TCG) with the serial console on this
# terminal. Ctrl-A x quits QEMU. Extra arguments go to QEMU.
set -eu
cd "$(dirname "$0")/.."
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
for f in "$OVMF_CODE" "$OVMF_VARS" build/esp/EFI/BOOT/BOOTX64.EFI; do
  [ -f "$f" ] || { echo "run-qemu: missing $f (run 'make' and scripts/setup.sh)" >&2; exit 1; }
done
cp "$OVMF_VARS" build/vars.fd
echo "run-qemu: QEMU+OVMF, 4 CPUs, 1 GiB; Ctrl-A x quits" >&2
exec qemu-system-x86_64 -machine q35 -m 1024 -smp 4 -nographic -no-reboot \
  -drive if=pflash,format=raw,readonly=on,file="$OVMF_CODE" \
  -drive if=pflash,format=raw,file=build/vars.fd \
  -drive format=raw,file=fat:rw:build/esp \
  -device isa-debug-exit,iobase=0xf4,iosize=4 \
  -net none "$@"
