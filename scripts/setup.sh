#!/bin/sh
# Install every Debian package that building, running and testing baretdx
# needs. Idempotent: does nothing when all packages are present, and runs
# `apt-get update` only when something is missing.
set -eu

PACKAGES="
  make gcc binutils nasm gnu-efi
  mtools dosfstools
  qemu-system-x86 ovmf
  bochs bochsbios vgabios bochs-term
  libcmocka-dev clang libclang-rt-14-dev
  python3 python3-pytest python3-pytest-xdist python3-pytest-timeout python3-pexpect
  socat openssl
"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing="$missing $p"
done

if [ -z "$missing" ]; then
  echo "setup: all packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "setup: installing:$missing"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
