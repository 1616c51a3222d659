#!/bin/sh
# Boots build/esp.img under Bochs 2.7 + OVMF (4 CPUs, VMX) with the serial
# console on this terminal: Bochs serves COM1 on a local TCP port and waits
# for socat to attach before the machine starts. Quit with Ctrl-] (socat's
# escape is not used: we kill Bochs when socat ends).
set -eu
cd "$(dirname "$0")/.."
PORT=${BOCHS_PORT:-5555}
[ -f build/esp.img ] || { echo "run-bochs: build/esp.img missing (run 'make')" >&2; exit 1; }
# A Bochs that was killed leaves its lock behind and the next start would
# refuse the image.
rm -f build/esp.img.lock
printf 'c\n' > build/bochs.rc
cat > build/bochsrc <<EOR
megs: 1024
cpu: model=tigerlake, count=4, ips=4000000
romimage: file=/usr/share/ovmf/OVMF.fd, address=0xffe00000
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=disk, path=build/esp.img, mode=flat
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
trap 'kill $BOCHS 2>/dev/null; rm -f build/esp.img.lock' EXIT INT TERM
echo "run-bochs: Bochs+OVMF, 4 CPUs, 1 GiB; the firmware takes about a minute. Ctrl-C quits." >&2
for i in $(seq 100); do
  socat -,raw,echo=0,escape=0x1d tcp:127.0.0.1:$PORT 2>/dev/null && exit 0
  kill -0 $BOCHS 2>/dev/null || { echo "run-bochs: Bochs exited; see build/bochs.out" >&2; exit 1; }
  sleep 0.1
done
