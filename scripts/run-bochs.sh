#!/bin/sh
# Boots baretdx under Bochs 2.7 + OVMF (4 CPUs in 2 packages, VMX) with the
# serial console on this terminal: Bochs serves COM1 on a local TCP port and
# waits for socat to attach before the machine starts. Ctrl-] or Ctrl-C
# quits (Bochs is stopped with the terminal session).
#
# The image gets its own baretdx.cfg (build/run/): tdx=emulate on a platform
# whose firmware loaded only the P-SEAMLDR, so the boot shows baretdx's main
# job on a machine without TDX: the test-signed module blob (build/blobs/,
# copied to \EFI\TDX\) verified and installed with SEAMLDR.INSTALL on every
# CPU, TDX module initialization, then the `hello` TD built, measured, run
# and left for the user at the prompt (td list, td run 1, td destroy 1, ...). Extra settings
# can be given as arguments, and replace that script when they set run=:
# run-bochs.sh log=debug
set -eu
cd "$(dirname "$0")/.."
PORT=${BOCHS_PORT:-5555}
[ -f build/esp/EFI/BOOT/BOOTX64.EFI ] || { echo "run-bochs: build/esp missing (run 'make')" >&2; exit 1; }
mkdir -p build/run
rm -rf build/run/EFI build/run/esp.img build/run/esp.img.lock
cp -r build/esp/EFI build/run/EFI
mkdir -p build/run/EFI/TDX build/run/EFI/baretdx
cp build/blobs/*.blob build/run/EFI/TDX/ 2>/dev/null || true
# TD firmware for `td create --firmware OVMF.fd` (Debian's TDVF-capable OVMF).
cp /usr/share/ovmf/OVMF.fd build/run/EFI/baretdx/ 2>/dev/null || true
{ echo "tdx=emulate"
  echo "tdx.emu.module=absent"
  echo "tdx.module=load"
  echo 'run="td create --payload hello; td run 1 --timeout 60000"'
  echo "on-exit=shell"
  for a in "$@"; do echo "$a"; done; } > build/run/EFI/BOOT/baretdx.cfg
mformat -i build/run/esp.img -C -T 65536 -h 64 -s 32 -v BARETDX ::
mcopy -s -i build/run/esp.img build/run/EFI ::/
printf 'c\n' > build/bochs.rc
cat > build/bochsrc <<EOR
megs: 1024
cpu: model=tigerlake, count=2:2:1, ips=4000000
romimage: file=/usr/share/ovmf/OVMF.fd, address=0xffe00000
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=disk, path=build/run/esp.img, mode=flat
boot: disk
pci: enabled=1, chipset=i440fx
display_library: rfb, options="timeout=0"
com1: enabled=1, mode=socket-server, dev=127.0.0.1:$PORT
log: build/bochs.log
panic: action=fatal
error: action=report
EOR
bochs -q -f build/bochsrc -rc build/bochs.rc >build/bochs.out 2>&1 &
BOCHS=$!
trap 'kill $BOCHS 2>/dev/null; rm -f build/run/esp.img.lock' EXIT INT TERM
echo "run-bochs: Bochs+OVMF, 4 CPUs in 2 packages, 1 GiB, tdx=emulate; firmware, module load, TDX init and the hello TD take 2-3 minutes. Ctrl-] quits." >&2
for i in $(seq 100); do
  socat -,raw,echo=0,escape=0x1d tcp:127.0.0.1:$PORT 2>/dev/null && exit 0
  kill -0 $BOCHS 2>/dev/null || { echo "run-bochs: Bochs exited; see build/bochs.out" >&2; exit 1; }
  sleep 0.1
done
