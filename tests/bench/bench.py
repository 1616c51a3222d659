#!/usr/bin/env python3
"""make bench: figures that are reported, never asserted.

- the size of build/BOOTX64.EFI and of the embedded kernel;
- guest instructions from the loader's UEFI entry to the first shell
  prompt, and to start the other CPUs;
- page allocator throughput on the host (tests/bench/pmm_bench.c). QEMU runs with -icount shift=0, where the guest TSC advances by
  one per instruction, and the kernel prints the TSC deltas it measured
  from the loader's entry (boot_info.tsc_loader_entry).
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "boot"))
from harness import BOOT_TIMEOUT, BUILD, PROMPT, Console  # noqa: E402


def main():
    efi = os.path.getsize(os.path.join(BUILD, "BOOTX64.EFI"))
    kernel = os.path.getsize(os.path.join(BUILD, "kernel.elf"))
    print("bench: image BOOTX64.EFI %d bytes (%.1f KiB); kernel.elf %d bytes"
          % (efi, efi / 1024, kernel))
    # Two CPUs: one AP start is the figure; more CPUs only slow -icount.
    con = Console("bench", cfg="", smp=2, mem=512, icount=True)
    try:
        con.expect(re.escape(PROMPT), BOOT_TIMEOUT * 2)
        m = re.search(r"boot: TSC ticks from loader entry: (\d+) to kernel, (\d+) to prompt",
                      con.text())
        if not m:
            print("bench: boot timing line missing")
            return 1
        print("bench: instructions from UEFI entry to kernel entry: %s (QEMU -icount shift=0)"
              % m.group(1))
        print("bench: instructions from UEFI entry to first prompt: %s (QEMU -icount shift=0)"
              % m.group(2))
        m = re.search(r"smp: AP start-up took \d+ us \((\d+) TSC ticks\)", con.text())
        if m:
            print("bench: instructions to start 1 AP (incl. the SDM's 10 ms INIT wait): %s"
                  % m.group(1))
    finally:
        con.close()
    return subprocess.call([os.path.join(BUILD, "bench", "pmm_bench")])


if __name__ == "__main__":
    sys.exit(main())
