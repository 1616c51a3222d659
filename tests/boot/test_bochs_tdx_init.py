"""Bochs boot with tdx=emulate, 4 CPUs in 2 packages (Bochs count=2:2:1):
the host initializes the emulated TDX module at boot, from scratch."""
import hashlib
import json
import os
import re
import struct

import pytest

from harness import PROMPT, Console

BOCHS_BOOT_TIMEOUT = 400
CMD = 180


@pytest.fixture(scope="module")
def con():
    c = Console("bochs-tdx-init", cfg="tdx=emulate\nemu-exit=bochs\n", emulator="bochs",
                smp=4, sockets=2, mem=512)
    c.expect(re.escape(PROMPT), BOCHS_BOOT_TIMEOUT)
    yield c
    c.close()


def test_linux_style_lines(con):
    out = con.text()
    assert re.search(r"^tdx: CMR: \[0x[0-9a-f]+, 0x[0-9a-f]+\)\r?$", out, re.M), out
    m = re.search(r"^tdx: (\d+) KB allocated for PAMT\r?$", out, re.M)
    assert m and int(m.group(1)) > 0, out
    assert re.search(r"^tdx: module initialized\r?$", out, re.M), out


def test_status_all_pass(con):
    out = con.cmd("tdx status", CMD)
    assert "tdx status: 8 checks, 0 failed" in out, out


def test_info_json_parses(con):
    out = con.cmd("tdx info --json", CMD)
    info = json.loads(out.strip().splitlines()[-1])
    assert info["state"] == "ready"
    assert info["packages"] == 2
    assert info["keyids"]["global"] == 32 and info["keyids"]["td_count"] == 31
    assert info["seamcalls"]["TDH.SYS.KEY.CONFIG"] == 2     # once per package
    assert info["seamcalls"]["TDH.SYS.LP.INIT"] == 4        # once per CPU
    assert info["tdmrs"] and info["pamt_kb"] > 0
    for t in info["tdmrs"]:
        assert t["base"] % (1 << 30) == 0 and t["size"] % (1 << 30) == 0
    assert all(c[0] >= 1 << 20 for c in info["cmrs"])


def test_info_text_shows_packages(con):
    out = con.cmd("tdx info", CMD)
    assert "packages: 2; KEY.CONFIG ran on CPU 0 2" in out, out
    assert re.search(r"TDMR 0: \[0x0, 0x40000000\)", out), out


def test_tdmr_drawing(con):
    out = con.cmd("tdx tdmr", CMD)
    assert re.search(r"0 \[0x00000000000 \|[#.P]{64}\| 0x00040000000\) 1 GiB", out), out
    assert "P" in out.split("|")[1]


def test_selftest_tdx_group(con):
    out = con.cmd("selftest tdx", CMD)
    assert "TEST_CASE_ID=tdx-module RESULT=pass" in out, out


def test_second_init_is_refused(con):
    assert "tdx: module already initialized" in con.cmd("tdx init", CMD)


# ---- TDs on the emulated module (tests/guests/td_hello.asm) ----------------

HELLO_BIN = os.path.join(os.path.dirname(__file__), "..", "..", "build", "guests", "td_hello.bin")


def expected_mrtd(image, gpa):
    """MRTD per tdx-abi.md §7.3 for an image PAGE.ADD-ed and fully
    MR.EXTEND-ed page by page from `gpa` up, computed here from the bytes."""
    h = hashlib.sha384()
    for off in range(0, len(image), 4096):
        page_gpa = gpa + off
        h.update(b"MEM.PAGE.ADD".ljust(16, b"\0") + struct.pack("<Q", page_gpa) + bytes(104))
        for k in range(16):
            h.update(b"MR.EXTEND".ljust(16, b"\0") + struct.pack("<Q", page_gpa + 256 * k)
                     + bytes(104))
            h.update(image[off + 256 * k: off + 256 * (k + 1)])
    return h.hexdigest()


def tdx_pages_kib(con):
    out = con.cmd("mem stats", CMD)
    m = re.search(r"^\s+td\s+(\d+) KiB", out, re.M)
    return int(m.group(1)) if m else 0


def test_td_hello_lifecycle(con):
    with open(HELLO_BIN, "rb") as f:
        image = f.read()
    want = expected_mrtd(image, (1 << 32) - len(image))
    before = tdx_pages_kib(con)

    out = con.cmd("td create", CMD)
    m = re.search(r"td (\d+): MRTD ([0-9a-f]{96})", out)
    assert m, out
    td = m.group(1)
    assert m.group(2) == want, out          # the host's own MRTD
    assert "MRTD" in con.cmd("td info " + td, CMD)

    out = con.cmd("td run %s --timeout 120000" % td, CMD)
    lines = [l.strip() for l in out.splitlines()]
    p = "[td %s] " % td
    for line in ["hello from TD vcpu 0 gpaw 48",
                 "accept 4k 0000000000000000",
                 "accept 4k again 00000b0a00000000",     # TDX_PAGE_ALREADY_ACCEPTED
                 "accept 2m 0000000000000000",
                 "memory ok 0000000000000000",
                 "ve reason 0000000000000030 gpa 0000000000600010",
                 "rtmr extend 0000000000000000",
                 "report 0000000000000000",
                 "mrtd " + want,                          # the module's, from inside
                 "done"]:
        assert p + line in lines, out
    assert "td %s: vcpu 0 halted" % td in out, out
    assert re.search(r"td %s: \d+ exits, \d+ TDVMCALLs, 3 pages added on demand" % td, out), out

    out = con.cmd("tdx emu state", CMD)
    assert re.search(r"HKID \d+, KEYS_CONFIGURED, RUNNABLE, epoch \d+, 1/1 vCPUs", out), out
    assert re.search(r"REG [1-9]\d*", out), out

    out = con.cmd("td destroy " + td, CMD)
    assert re.search(r"td %s: destroyed, \d+ pages reclaimed" % td, out), out
    out = con.cmd("tdx emu state", CMD)
    assert "no TDs" in out and "TDR 0, TDCX 0, TDVPR 0, EPT 0, REG 0" in out, out
    assert tdx_pages_kib(con) == before


def test_td_errors_are_one_line(con):
    assert "error: no TD 99" in con.cmd("td run 99", CMD)
    assert "usage: td" in con.cmd("td create --vcpus 0", CMD)
    assert "error: unknown payload" in con.cmd("td create --payload nosuch", CMD)
