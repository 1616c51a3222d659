"""Bochs boot with tdx=emulate and Debian's OVMF.fd (TDVF) on the ESP in
\\EFI\\baretdx\\: `td create --firmware OVMF.fd --mem 256` builds the TD from
the TDVF metadata with the TD HOB, its MRTD equals the one computed here
from the file in QEMU+KVM's order, `td run` boots the firmware to the UEFI
shell prompt (its 5-second countdown runs on the timer interrupts), `td
info` shows the RTMRs of the debug TD, `td console` hands the console to
the TD's COM1, where the shell answers `ver`, and Ctrl-] hands it back, and
`td destroy` gives every page back."""
import json
import os
import re

import pytest

from harness import PROMPT, Console
import tdvf

BOCHS_BOOT_TIMEOUT = 400
CMD = 240
OVMF = "/usr/share/ovmf/OVMF.fd"
# Bochs's TSC runs at its ips. 100 MHz is what TSC_FREQUENCY 4 (the
# module's minimum, CPUID 0x15) tells the TD, and OVMF's 100 Hz timer
# tick costs it about 1% of the CPU (at 4 MHz it took all of it).
IPS = 100000000
# TD run time (the TD's own clock) at most, and the wall-clock wait for
# it: SEC accepts 256 MiB page by page under Bochs first (about 25 s), the
# shell prompt comes at about 42 s.
RUN_MS = 120000
RUN_WAIT = 840
# The milestones, seen from the host: SEC accepts all RAM, PEI reads CMOS
# and fw_cfg, DXE probes PCI, BDS connects the serial console and starts
# the built-in shell.
MILESTONES = ["SEC: first page accepted", "SEC: all RAM accepted", "CMOS read",
              "fw_cfg probed", "PCI config space probed", "console: COM1 output",
              "UEFI shell prompt"]


def ovmf():
    with open(OVMF, "rb") as f:
        return f.read()


@pytest.fixture(scope="module")
def con():
    c = Console("bochs-tdvf", emulator="bochs", smp=4, sockets=2, mem=1024, ips=IPS,
                cfg="tdx=emulate\nemu-exit=bochs\ntimeout=3000s\n",
                files={"../baretdx/OVMF.fd": ovmf()})
    c.expect(re.escape(PROMPT), BOCHS_BOOT_TIMEOUT)
    yield c
    c.close()


def td_pages(con):
    out = con.cmd("mem stats", CMD)
    m = re.search(r"^\s+td\s+(\d+) KiB", out, re.M)
    return int(m.group(1)) if m else 0


def test_firmware_listed(con):
    out = con.cmd("bootfiles", CMD)
    assert re.search(r"firmware\s+loaded\s+%d OVMF\.fd" % len(ovmf()), out), out


def test_bad_firmware_name(con):
    out = con.cmd("td create --firmware nope.fd", CMD)
    assert "error: no firmware file 'nope.fd' (loaded: OVMF.fd)" in out, out


def test_ovmf_td(con):
    before = td_pages(con)
    out = con.cmd("td create --firmware OVMF.fd --mem 256 --attr debug", CMD)
    m = re.search(r"^td (\d+): created: 1 vCPUs, firmware OVMF\.fd, 256 MiB", out, re.M)
    assert m, out
    td = m.group(1)
    mrtd = re.search(r"^td %s: MRTD ([0-9a-f]{96})" % td, out, re.M).group(1)
    assert mrtd == tdvf.mrtd(ovmf()), out

    out = con.cmd("td run %s --timeout %d" % (td, RUN_MS), RUN_WAIT)
    # The firmware's own words on COM1, then the run stops at the prompt.
    for line in ['BdsDxe: starting Boot0001 "EFI Internal Shell"', "UEFI Interactive Shell v2.2",
                 "Press ESC in 1 seconds to skip startup.nsh"]:
        assert re.search(r"^\[td %s\] %s" % (td, re.escape(line)), out, re.M), (line, out)
    assert re.search(r"^\[td %s\] Shell> $" % td, out, re.M), out
    assert "td %s: vcpu 0 stopped at the UEFI shell prompt" % td in out, out
    # The milestones the firmware reached, seen from the host, in order.
    assert "firmware milestones" in out, out
    for m in MILESTONES:
        assert re.search(re.escape(m) + r"\s+at \d+ ms", out), (m, out)
    m = re.search(r"RAM accepted: 256 of 256 MiB; timer interrupts posted: (\d+)", out)
    assert m and int(m.group(1)) > 0, out
    info = json.loads(con.cmd("td info %s --json" % td, CMD).strip().splitlines()[-1])
    assert info["firmware"] == "OVMF.fd" and info["mrtd"] == mrtd
    assert info["ram_accepted_mib"] == 256
    ms = [info["milestones_ms"][m] for m in MILESTONES]
    assert all(ms) and ms[0] < ms[1] <= ms[4] < ms[3] < ms[5] < ms[6], info["milestones_ms"]
    assert info["exits_by_kind"]["io"] > 0 and info["exits_by_kind"]["msr"] > 0
    # Every section PAGE.ADD-ed (538 pages), the BFV measured: 480 pages
    # x 16 MR.EXTENDs.
    assert info["build_seamcalls"]["TDH.MR.EXTEND"] == 480 * 16
    assert info["build_seamcalls"]["TDH.MEM.PAGE.ADD"] == 538
    # A debug TD's RTMRs, read with TDH.MNG.RD.
    assert len(info["rtmr"]) == 4 and all(re.fullmatch(r"[0-9a-f]{96}", r) for r in info["rtmr"])
    out = con.cmd("td info " + td, CMD)
    assert len(re.findall(r"^  RTMR[0-3] [0-9a-f]{96}$", out, re.M)) == 4, out

    # The console goes to the TD's COM1: the shell runs `ver`; Ctrl-]
    # hands it back.
    exits = info["exits"]
    con.send("td console %s\r" % td)
    con.expect(r"td %s: console handed to the TD's COM1; Ctrl-\] hands it back" % td, CMD)
    con.send("ver\r")
    con.expect(r"UEFI v2\.70 \(EDK II, 0x00010000\)", RUN_WAIT)
    con.expect(r"Shell> ", CMD)
    con.send("\x1d")
    con.expect(r"td %s: vcpu 0 stopped: the console is back \(Ctrl-\]\)" % td, CMD)
    con.expect(re.escape(PROMPT), CMD)
    info = json.loads(con.cmd("td info %s --json" % td, CMD).strip().splitlines()[-1])
    assert info["exits"] > exits

    out = con.cmd("td destroy " + td, CMD)
    assert "destroyed" in out and "error" not in out.lower(), out
    assert td_pages(con) == before


def test_console_needs_firmware(con):
    out = con.cmd("td create", CMD)
    td = re.search(r"^td (\d+): created", out, re.M).group(1)
    out = con.cmd("td console " + td, CMD)
    assert "error: td %s has no COM1 to hand the console to (only firmware TDs do)" % td in out
    assert "destroyed" in con.cmd("td destroy " + td, CMD)
