"""Bochs boot with the emulated TDX module failing on purpose: TD leaves
answer errors (or BUSY, which the host retries) some of the time, and only
2 TD KeyIDs exist. Every create, run and destroy must end cleanly: one
error line, and no page left behind."""
import re

import pytest

from harness import PROMPT, Console

BOCHS_BOOT_TIMEOUT = 400
CMD = 300

FAULTS = [
    "TDH.MNG.ADDCX:TDX_OPERAND_INVALID:10",       # create
    "TDH.VP.ADDCX:TDX_OPERAND_INVALID:3",         # create, per vCPU
    "TDH.MEM.PAGE.ADD:TDX_OPERAND_INVALID:2",     # the initial image
    "TDH.MEM.PAGE.AUG:TDX_OPERAND_INVALID:30",    # lazy memory while it runs
    "TDH.PHYMEM.PAGE.RECLAIM:TDX_OPERAND_BUSY:30",  # destroy: retried by policy
    "TDH.MNG.CREATE:TDX_RND_NO_ENTROPY:30",       # retried by policy
]


@pytest.fixture(scope="module")
def con():
    cfg = "tdx=emulate\nemu-exit=bochs\ntdx.emu.keyids=31,3\n" + "".join(
        "tdx.emu.fault=%s\n" % f for f in FAULTS)
    c = Console("bochs-td-faults", cfg=cfg, emulator="bochs", smp=4, sockets=2, mem=512)
    c.expect(re.escape(PROMPT), BOCHS_BOOT_TIMEOUT)
    yield c
    c.close()


def td_pages(con):
    m = re.search(r"^\s+td\s+(\d+) KiB", con.cmd("mem stats", CMD), re.M)
    return int(m.group(1)) if m else 0


def test_keyids_run_out(con):
    """3 TDX KeyIDs: the global one and 2 for TDs."""
    ids = []
    try:
        for _ in range(40):                 # faults fail about a third of them
            out = con.cmd("td create --payload spin", CMD)
            m = re.search(r"^td (\d+): created", out, re.M)
            if m:
                ids.append(m.group(1))
            else:
                assert re.search(r"^error: td create: .+$", out, re.M), out
            if len(ids) == 2:
                break
        assert len(ids) == 2
        out = con.cmd("td create --payload spin", CMD)
        assert "error: td create: no free TDX KeyID (each TD needs its own)" in out, out
    finally:
        for i in ids:
            assert re.search(r"td %s: destroyed, \d+ pages reclaimed" % i,
                             con.cmd("td destroy " + i, CMD))
    assert td_pages(con) == 0


def test_faults_unwind_without_leaks(con):
    created = failed = 0
    for _ in range(20):                     # P(no fault at all) < 0.1%
        out = con.cmd("td create --payload accept", CMD)
        m = re.search(r"^td (\d+): created", out, re.M)
        if not m:
            failed += 1
            assert re.search(r"^error: td create: TDH\.\S+ failed: 0x[0-9a-f]{16}$", out, re.M), out
            assert "stay with the TDX module" not in out, out
            continue
        created += 1
        td = m.group(1)
        out = con.cmd("td run %s --timeout 60000" % td, CMD)
        assert re.search(r"td %s: vcpu 0 (halted|stopped by an error: cannot map GPA)" % td,
                         out), out
        out = con.cmd("td destroy " + td, CMD)
        assert re.search(r"^td %s: destroyed, \d+ pages reclaimed" % td, out, re.M), out
        assert td_pages(con) == 0
    assert created and failed, (created, failed)
    out = con.cmd("tdx emu state", CMD)
    assert "no TDs" in out and "TDR 0, TDCX 0, TDVPR 0, EPT 0, REG 0" in out, out
