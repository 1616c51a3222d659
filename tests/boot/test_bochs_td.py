"""TDs under Bochs with the emulated TDX module (4 CPUs in 2 packages): each
test payload's output, the MRTD three ways, two TDs at once, an SMP TD,
timeouts, fatal errors, and create/run/destroy cycles that leave nothing
behind."""
import json
import os
import re

import pytest

from harness import PROMPT, Console
import tdvf

BOCHS_BOOT_TIMEOUT = 400
CMD = 300
GUESTS = os.path.join(os.path.dirname(__file__), "..", "..", "build", "guests")


@pytest.fixture(scope="module")
def con():
    c = Console("bochs-td", cfg="tdx=emulate\nemu-exit=bochs\n", emulator="bochs",
                smp=4, sockets=2, mem=512)
    c.expect(re.escape(PROMPT), BOCHS_BOOT_TIMEOUT)
    yield c
    c.close()


def expected_mrtd(name):
    """tdx-abi.md §7.3 over the payload file, sections in metadata order
    (tests/boot/tdvf.py)."""
    with open(os.path.join(GUESTS, "td_%s.bin" % name), "rb") as f:
        return tdvf.mrtd(f.read())


def create(con, args):
    out = con.cmd("td create " + args, CMD)
    m = re.search(r"^td (\d+): created", out, re.M)
    assert m, out
    mrtd = re.search(r"^td %s: MRTD ([0-9a-f]{96})" % m.group(1), out, re.M).group(1)
    return m.group(1), mrtd


def run(con, td, timeout=120000):
    out = con.cmd("td run %s --timeout %d" % (td, timeout), CMD)
    lines = [l.strip() for l in out.replace("\r", "").splitlines()]
    guest = [l[len("[td %s] " % td):] for l in lines if l.startswith("[td %s] " % td)]
    return out, guest


def destroy(con, td):
    out = con.cmd("td destroy " + td, CMD)
    assert re.search(r"^td %s: destroyed, \d+ pages reclaimed" % td, out, re.M), out


def td_pages(con):
    m = re.search(r"^\s+td\s+(\d+) KiB", con.cmd("mem stats", CMD), re.M)
    return int(m.group(1)) if m else 0


def test_report_mrtd_three_ways(con):
    td, host = create(con, "--payload report")
    want = expected_mrtd("report")
    assert host == want
    out, guest = run(con, td)
    assert "mrtd " + want in guest, out
    assert "reportdata ok" in guest and "report done" in guest, out
    assert "rtmr extend 0000000000000000" in guest, out
    assert "td %s: vcpu 0 halted" % td in out
    destroy(con, td)


def test_accept(con):
    td, _ = create(con, "--payload accept")
    out, guest = run(con, td)
    for i in range(4):
        assert "accept 4k %d ok" % i in guest, out
    for line in ["accept 2m ok", "reaccept 4k 00000b0a00000000", "reaccept 2m 00000b0a00000000",
                 "accept 4k in 2m c0000b0b00000000"]:
        assert line in guest, out
    assert any(re.fullmatch(r"accept done 0000000000000000 [0-9a-f]{16}", l) for l in guest), out
    assert re.search(r"td %s: \d+ exits, \d+ TDVMCALLs, 5 pages added on demand" % td, out), out
    destroy(con, td)


def test_cpuid_and_msr(con):
    td, _ = create(con, "--payload cpuid")
    out, guest = run(con, td)
    assert "cpuid 21 native [IntelTDX    ]" in guest, out
    assert any(re.fullmatch(r"cpuid 0 status 0{16} max [0-9a-f]{8} vendor \w{12}", l)
               for l in guest), out
    # Leaf 0 answered by the module (at least 0x21), a hypervisor leaf by
    # the host through #VE and TDVMCALL<CPUID>.
    m = [re.fullmatch(r"cpuid 0 native max ([0-9a-f]{8}) vendor \w{12}", l) for l in guest]
    assert any(x and int(x.group(1), 16) >= 0x21 for x in m), out
    assert "ve reason 000000000000000a len 2" in guest, out
    assert any(re.fullmatch(r"cpuid 40000000 via ve eax [0-9a-f]{8}", l) for l in guest), out
    assert "cpuid done" in guest, out
    destroy(con, td)
    td, _ = create(con, "--payload msr")
    out, guest = run(con, td)
    assert "tsc increases yes" in guest, out
    assert "wrmsr 12345678 status 8000000000000000" in guest, out  # INVALID_OPERAND
    assert "msr done" in guest, out
    destroy(con, td)


def test_mapgpa_round_trip(con):
    td, _ = create(con, "--payload mapgpa")
    out, guest = run(con, td)
    assert "mapgpa shared 0000000000000000" in guest, out
    # Bochs's MAXPHYADDR (40) is below the shared bit: the guest cannot
    # write through the alias; on a CPU with MAXPHYADDR >= 48 it prints
    # through shared memory instead.
    assert ("hello through shared memory" in guest or
            any("MAXPHYADDR below the shared bit" in l for l in guest)), out
    assert "mapgpa private 0000000000000000" in guest, out
    assert "mapgpa back ok" in guest, out
    info = json.loads(con.cmd("td info %s --json" % td, CMD).strip().splitlines()[-1])
    assert info["conversions"] >= 2
    destroy(con, td)


def test_fatal_and_spin(con):
    td, _ = create(con, "--payload fatal")
    out, guest = run(con, td)
    assert "about to fail" in guest, out
    assert ("td %s: vcpu 0 died: fatal error 0x1234 reported by the TD: "
            "baretdx fatal test payload" % td) in out, out
    assert "error: td %s is dead" % td in con.cmd("td run " + td, CMD)
    destroy(con, td)
    td, _ = create(con, "--payload spin")
    out, guest = run(con, td, timeout=2000)
    assert "spinning" in guest, out
    assert "td %s: vcpu 0 stopped at the timeout" % td in out, out
    destroy(con, td)


def test_ctrl_c_stops_a_td(con):
    td, _ = create(con, "--payload spin")
    con.send("td run %s --timeout 600000\r" % td)
    con.expect(r"\[td %s\] spinning" % td, CMD)
    con.send(b"\x03")
    con.expect(r"td %s: vcpu 0 stopped by Ctrl-C" % td, CMD)
    con.expect(re.escape(PROMPT), CMD)
    destroy(con, td)


def test_two_tds_and_smp(con):
    a, _ = create(con, "--payload hello")
    b, _ = create(con, "--vcpus 3 --payload smp")
    listed = [json.loads(l) for l in con.cmd("td list --json", CMD).splitlines()
              if l.startswith("{")]
    assert {t["id"] for t in listed} >= {int(a), int(b)}
    assert len({t["hkid"] for t in listed}) == len(listed)       # one KeyID each
    out, guest = run(con, b)
    assert sorted(guest) == ["vcpu %d of 3 reporting" % i for i in range(3)], out
    for i in range(3):
        assert "td %s: vcpu %d halted" % (b, i) in out, out
    out, guest = run(con, a)
    assert "done" in guest, out
    destroy(con, b)
    destroy(con, a)
    assert td_pages(con) == 0


def test_cycles_leave_nothing(con):
    for _ in range(20):
        td, _ = create(con, "--payload cpuid --huge")
        out, guest = run(con, td)
        assert "cpuid done" in guest, out
        destroy(con, td)
    assert td_pages(con) == 0
    out = con.cmd("tdx emu state", CMD)
    assert "no TDs" in out and "TDR 0, TDCX 0, TDVPR 0, EPT 0, REG 0" in out, out
    assert "mem check: ok" in con.cmd("mem check", CMD)
