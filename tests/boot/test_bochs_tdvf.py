"""Bochs boot with tdx=emulate and Debian's OVMF.fd (TDVF) on the ESP in
\\EFI\\baretdx\\: `td create --firmware OVMF.fd --mem 256` builds the TD from
the TDVF metadata with the TD HOB, its MRTD equals the one computed here
from the file in QEMU+KVM's order, `td run` takes the firmware as far as it
gets (docs/architecture.md says how far and why), and `td destroy` gives
every page back."""
import json
import os
import re

import pytest

from harness import PROMPT, Console
import tdvf

BOCHS_BOOT_TIMEOUT = 400
CMD = 240
OVMF = "/usr/share/ovmf/OVMF.fd"
# TD run time (the TD's own clock) and the wall-clock wait for it: SEC
# accepts 256 MiB page by page under Bochs first.
RUN_MS = 1300000
RUN_WAIT = 900
# What the firmware reaches in RUN_MS under Bochs (docs/architecture.md):
# SEC accepts all RAM, PEI reads CMOS and fw_cfg, DXE probes PCI, the
# idle loop halts and the timer interrupts flow. The UEFI shell is not
# reached in this time (README, "What works today").
MILESTONES = ["SEC: first page accepted", "SEC: all RAM accepted", "CMOS read",
              "fw_cfg probed", "PCI config space probed", "idle: first HLT"]


def ovmf():
    with open(OVMF, "rb") as f:
        return f.read()


@pytest.fixture(scope="module")
def con():
    c = Console("bochs-tdvf", emulator="bochs", smp=4, sockets=2, mem=1024,
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
    out = con.cmd("td create --firmware OVMF.fd --mem 256", CMD)
    m = re.search(r"^td (\d+): created: 1 vCPUs, firmware OVMF\.fd, 256 MiB", out, re.M)
    assert m, out
    td = m.group(1)
    mrtd = re.search(r"^td %s: MRTD ([0-9a-f]{96})" % td, out, re.M).group(1)
    assert mrtd == tdvf.mrtd(ovmf()), out

    out = con.cmd("td run %s --timeout %d" % (td, RUN_MS), RUN_WAIT)
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
    assert all(ms) and ms[0] < ms[1] < ms[4] < ms[5], info["milestones_ms"]
    assert info["exits_by_kind"]["io"] > 0 and info["exits_by_kind"]["msr"] > 0
    # Every section PAGE.ADD-ed (538 pages), the BFV measured: 480 pages
    # x 16 MR.EXTENDs.
    assert info["build_seamcalls"]["TDH.MR.EXTEND"] == 480 * 16
    assert info["build_seamcalls"]["TDH.MEM.PAGE.ADD"] == 538

    out = con.cmd("td destroy " + td, CMD)
    assert "destroyed" in out and "error" not in out.lower(), out
    assert td_pages(con) == before
