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
import json
import re
import subprocess
import sys
import time

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
    rc = subprocess.call([os.path.join(BUILD, "bench", "pmm_bench")])
    return rc or plan_fixtures() or tdmr_init_parallelism() or td_payloads() or td_firmware()


def td_payloads():
    """Per TD payload under Bochs with the emulated module: SEAMCALLs by leaf
    to build and to run it, and for `accept` the SEAMCALLs that lazily
    accepted memory cost per MiB (PAGE.AUG and SEPT.ADD), with 4 KiB and
    with 2 MiB pages. Bochs counts no guest instructions, so the time from
    `td create` to the TD's first line is wall-clock (noisy, for trends)."""
    con = Console("bench-td", cfg="tdx=emulate\n", emulator="bochs", smp=4, sockets=2,
                  mem=512)
    try:
        con.expect(re.escape(PROMPT), 600)
        for name in ["hello", "accept", "cpuid", "report", "smp", "mapgpa"]:
            args = "--payload %s%s" % (name, " --vcpus 2" if name == "smp" else "")
            t0 = time.time()
            out = con.cmd("td create " + args, 300)
            td = re.search(r"^td (\d+): created", out, re.M)
            if not td:
                print("bench: td %s: create failed: %s" % (name, out.strip()[-200:]))
                return 1
            td = td.group(1)
            con.send("td run %s --timeout 120000\r" % td)
            con.expect(r"\[td %s\] " % td, 300)
            first = time.time() - t0
            con.expect(re.escape(PROMPT), 300)
            info = json.loads(con.cmd("td info %s --json" % td, 60).strip().splitlines()[-1])
            build, run = info["build_seamcalls"], info["run_seamcalls"]
            print("bench: td %s: build %d SEAMCALLs (%s)" % (
                name, sum(build.values()), ", ".join("%s %d" % kv for kv in sorted(build.items()))))
            print("bench: td %s: run %d SEAMCALLs (%s); %.1f s from td create to its first line"
                  % (name, sum(run.values()),
                     ", ".join("%s %d" % kv for kv in sorted(run.items())), first))
            if name == "accept":
                # accept: four 4 KiB pages and one 2 MiB page.
                mib = (4 * 4096 + (2 << 20)) / float(1 << 20)
                mem = run.get("TDH.MEM.PAGE.AUG", 0) + run.get("TDH.MEM.SEPT.ADD", 0)
                print("bench: td accept: %.2f SEAMCALLs per MiB accepted (AUG + SEPT.ADD, "
                      "%d for %.2f MiB; 4 KiB pages cost 1 each, a 2 MiB page 1)"
                      % (mem / mib, mem, mib))
            con.cmd("td destroy " + td, 300)
    finally:
        con.close()
    return 0




# test_bochs_tdvf.py's clock: the TSC at 100 MHz, the TD's TSC_FREQUENCY.
TDVF_IPS = 100000000


def td_firmware():
    """Debian's OVMF.fd as a TD (256 MiB) under Bochs, booted to its UEFI
    shell prompt (where `td run` stops): SEAMCALLs to build and to run it,
    TD exits by kind, the milestones and when (TD run time). Bochs's clock
    advances by instructions (ips TDVF_IPS), so TD run time x ips counts
    the instructions that CPU executed while the TD ran: the guest's, the
    emulated module's and the host's exit handling together."""
    with open("/usr/share/ovmf/OVMF.fd", "rb") as f:
        fw = f.read()
    con = Console("bench-tdvf", cfg="tdx=emulate\ntimeout=3000s\n", emulator="bochs", smp=4,
                  sockets=2, mem=1024, ips=TDVF_IPS, files={"../baretdx/OVMF.fd": fw})
    try:
        con.expect(re.escape(PROMPT), 600)
        t0 = time.time()
        out = con.cmd("td create --firmware OVMF.fd --mem 256", 600)
        td = re.search(r"^td (\d+): created", out, re.M)
        if not td:
            print("bench: tdvf: create failed: %s" % out.strip()[-200:])
            return 1
        td = td.group(1)
        build_s = time.time() - t0
        t0 = time.time()
        out = con.cmd("td run %s --timeout 300000" % td, 1800)
        run_s = time.time() - t0
        if "stopped at the UEFI shell prompt" not in out:
            print("bench: tdvf: the shell prompt did not come: %s" % out.strip()[-300:])
        info = json.loads(con.cmd("td info %s --json" % td, 60).strip().splitlines()[-1])
        build, run = info["build_seamcalls"], info["run_seamcalls"]
        print("bench: tdvf: build %d SEAMCALLs (%s), %.0f s" % (
            sum(build.values()), ", ".join("%s %d" % kv for kv in sorted(build.items())), build_s))
        print("bench: tdvf: run %d SEAMCALLs (%s), %.0f s wall" % (
            sum(run.values()), ", ".join("%s %d" % kv for kv in sorted(run.items())), run_s))
        print("bench: tdvf: TD exits %d: %s" % (info["exits"], ", ".join(
            "%s %d" % kv for kv in sorted(info["exits_by_kind"].items()))))
        reached = [(ms, name) for name, ms in info["milestones_ms"].items() if ms]
        for ms, name in sorted(reached):
            print("bench: tdvf: %-30s at %8d ms TD time, ~%d M instructions" % (
                name, ms, ms * TDVF_IPS // 1000 // 1000000))
        con.cmd("td destroy " + td, 600)
    finally:
        con.close()
    return 0


def tdmr_init_parallelism():
    """TDH.SYS.TDMR.INIT calls in total and on the critical path (the most
    any one CPU issues), 16 CPUs against a serial loop, on the 256 GiB host
    layout: counted by the host-init integration harness against the
    emulator (tests/unit/test_tdx_host.c), where each call covers 4 MiB."""
    out = subprocess.run([os.path.join(BUILD, "unit", "test_tdx_host")],
                         capture_output=True, text=True)
    lines = [l.strip() for l in (out.stdout + out.stderr).splitlines()
             if re.match(r"\s*(16 CPUs:|serial :)", l)]
    if out.returncode or len(lines) != 2:
        print("bench: tdmr-init figures missing (test_tdx_host failed)")
        return 1
    for l in lines:
        print("bench: tdmr-init 256 GiB host, %s" % re.sub(r", \d+ ms$", "", l))
    return 0


def plan_fixtures():
    """PAMT, TDMRs and reserved areas the planner chooses for each real
    host layout, next to what Linux allocated there."""
    tool = os.path.join(BUILD, "tools", "tdmrplan")
    hosts = os.path.join(os.path.dirname(__file__), "..", "data", "hosts")
    for name in sorted(os.listdir(hosts)):
        if not name.endswith(".log"):
            continue
        path = os.path.join(hosts, name)
        t0 = time.perf_counter()
        out = subprocess.run([tool, "--json", path], capture_output=True, text=True)
        ms = (time.perf_counter() - t0) * 1000
        if out.returncode:
            print("bench: plan %-22s failed: %s" % (name, out.stderr.strip()))
            return 1
        plan = json.loads(out.stdout)
        linux = re.search(r"(\d+) KBs? allocated for PAMT", open(path).read())
        rsvd = sum(len(t["reserved"]) for t in plan["tdmrs"])
        ratio = " ratio %.4f" % (plan["pamt_kb"] / int(linux.group(1))) if linux else ""
        print("bench: plan %-22s PAMT %9d KB, %2d TDMRs, %2d reserved areas; Linux %s KB%s; "
              "planner %.1f ms (whole tool run)"
              % (name, plan["pamt_kb"], len(plan["tdmrs"]), rsvd,
                 linux.group(1) if linux else "-", ratio, ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
