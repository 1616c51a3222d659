"""One interactive QEMU boot (4 CPUs, 1 GiB) driven over the serial shell.

The tests share the boot and run in file order (pytest-xdist keeps a file
on one worker with --dist loadfile).
"""
import json
import random
import re

import pytest

from harness import BOOT_TIMEOUT, PROMPT, Console

MEM_MIB = 1024


@pytest.fixture(scope="module")
def con():
    c = Console("shell", cfg="log=info\n", smp=4, mem=MEM_MIB)
    c.expect(re.escape(PROMPT), BOOT_TIMEOUT)
    yield c
    c.close()


def test_banner_once(con):
    assert len(re.findall(r"baretdx: boot \S+", con.text())) == 1


def test_help_lists_every_command(con):
    out = con.cmd("help")
    for name in ["help", "version", "mem", "cpus", "acpi", "log", "reboot",
                 "halt", "poweroff"]:
        assert re.search(r"^\s+%s\b" % name, out, re.M), out


def test_all_cpus_online(con):
    assert "smp: 4 CPUs online" in con.text()
    out = con.cmd("cpus")
    assert "cpus: 4 CPUs online" in out, out
    # Online CPUs with their topology, then the MADT's view.
    cpus = re.findall(r"cpu (\d) apic-id (\d+) package (\d+) core (\d+) thread (\d+)", out)
    assert [c[0] for c in cpus] == ["0", "1", "2", "3"], out
    assert sorted(c[1] for c in cpus) == ["0", "1", "2", "3"], out
    assert len(re.findall(r"cpu apic-id \d+ uid \d+ enabled", out)) == 4, out


def test_selftest_smp_and_paging(con):
    out = con.cmd("selftest smp")
    assert "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=smp-on-each-cpu RESULT=pass>" in out, out
    assert "4 of 4 online CPUs ran the function" in out, out
    out = con.cmd("selftest paging")
    for case in ["paging-rodata-ro", "paging-text-ro", "paging-data-nx",
                 "paging-stack-guard"]:
        assert "TEST_CASE_ID=%s RESULT=pass" % case in out, out
    # Each violation is reported with its cause, and the shell goes on.
    assert "write at 0xffffffff8" in out and "protection violation" in out, out
    assert "instruction fetch at" in out, out
    assert "page not present" in out, out
    assert "4 passed, 0 failed" in out, out


def test_lapic_timer_interrupts_every_cpu(con):
    out = con.cmd("selftest timer")
    assert "timer: 4 of 4 CPUs took a one-shot LAPIC timer interrupt" in out, out
    assert "TEST_CASE_ID=timer-lapic-oneshot RESULT=pass" in out, out


# The patterns LAVA's test shell uses for these signals (LAVA documentation,
# "lava-test-case" / test shell signals).
LAVA_TESTCASE = re.compile(r"<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=(?P<test_case_id>.*)\s+"
                           r"RESULT=(?P<result>(PASS|pass|FAIL|fail|SKIP|skip|UNKNOWN|unknown))>")
LAVA_STARTRUN = re.compile(r"<LAVA_SIGNAL_STARTRUN (?P<test_run_id>\S+) (?P<uuid>\S+)>")
LAVA_ENDRUN = re.compile(r"<LAVA_SIGNAL_ENDRUN (?P<test_run_id>\S+) (?P<uuid>\S+)>")


def test_selftest_all_lava_lines(con):
    out = con.cmd("selftest")
    lines = out.splitlines()
    signals = [l for l in lines if l.startswith("<LAVA_SIGNAL")]
    assert LAVA_STARTRUN.fullmatch(signals[0]) and LAVA_ENDRUN.fullmatch(signals[-1]), out
    cases = [LAVA_TESTCASE.fullmatch(l) for l in signals[1:-1]]
    assert all(cases), out
    results = [c.group("result") for c in cases]
    ids = [c.group("test_case_id") for c in cases]
    assert len(set(ids)) == len(ids), out
    # No VMX under TCG, hence no TDX: skipped with a reason, not failed.
    assert dict(zip(ids, results))["vmx-vm-selftest"] == "skip", out
    assert "selftest: vmx-vm-selftest skipped: the CPU does not report VMX" in out, out
    m = re.search(r"^SUMMARY: (\d+) tests, (\d+) unexpected failures, (\d+) skipped$", out, re.M)
    assert m, out
    assert int(m.group(1)) == len(cases), out
    assert int(m.group(2)) == results.count("fail") == 0, out
    assert int(m.group(3)) == results.count("skip"), out
    assert re.search(r"^%d passed, 0 failed$" % results.count("pass"), out, re.M), out


def test_json_output_parses(con):
    def one(cmd):
        out = con.cmd(cmd).strip().splitlines()
        assert len(out) == 1, out          # one object per line
        return json.loads(out[0])
    cpus = one("cpus --json")
    assert cpus["online"] == 4 and len(cpus["cpus"]) == 4 and cpus["madt"]["enabled"] == 4
    mem = one("mem --json")
    assert MEM_MIB - 16 <= mem["ram_kib"] / 1024 <= MEM_MIB
    stats = one("mem stats --json")
    assert stats["owners_kib"]["kernel"] > 0 and stats["free_kib"] > 0
    acpi = one("acpi --json")
    assert acpi["acpi"] and any(t["sig"] == "FACP" for t in acpi["tables"])
    vmx = one("vmx info --json")
    assert vmx["available"] is False and "VMX" in vmx["reason"]
    tdx = one("tdx info --json")
    assert tdx["state"] == "none"


def test_mem_stats_and_check(con):
    out = con.cmd("mem stats")
    m = re.search(r"free (\d+) KiB, largest free run (\d+) KiB", out)
    assert m and int(m.group(2)) <= int(m.group(1)), out
    for owner in ["kernel", "pagetable", "stack", "percpu", "pmm-tags"]:
        assert re.search(r"^\s+%s\s+\d+ KiB" % owner, out, re.M), out
    assert "mem check: ok" in con.cmd("mem check")


def test_mem_total_matches_qemu(con):
    out = con.cmd("mem")
    m = re.search(r"RAM total (\d+) KiB", out)
    assert m, out
    total_mib = int(m.group(1)) / 1024
    # OVMF keeps part of RAM out of the map: the legacy VGA/BIOS hole
    # (384 KiB) and the SMM/TSEG area at the top of low memory.
    assert MEM_MIB - 16 <= total_mib <= MEM_MIB, out


def test_no_vmx_under_tcg(con):
    assert "vmx: VMX not available: the CPU does not report VMX" in con.text()
    out = con.cmd("vm run selftest")
    assert "error: VMX not available" in out, out
    assert "vmx: not available" in con.cmd("vmx info")
    assert "baretdx" in con.cmd("version")


def test_seamcall_without_seam_is_ud(con):
    # No VMX operation and no emulator: the CPU raises #UD, which the
    # SEAMCALL stub's fixup turns into TDX_SEAMCALL_UD.
    out = con.cmd("seamcall TDH.SYS.INIT")
    assert "TDX_SEAMCALL_UD (0x8000ff0000000006)" in out, out
    out = con.cmd("tdx status")
    assert re.search(r"FAIL vmx\s+the CPU does not report VMX", out), out
    assert re.search(r"skip module\s+needs VMX operation", out), out
    # No emulator: the CPU's own answer (QEMU TCG reads unknown MSRs as 0).
    assert "msr 0x87 = 0x0000000000000000" in con.cmd("msr 0x87")
    assert "usage: msr" in con.cmd("msr 0x100000000")
    assert "baretdx" in con.cmd("version")


def test_acpi_lists_tables(con):
    out = con.cmd("acpi")
    for sig in ["FACP", "APIC"]:
        assert sig in out, out


def test_unknown_command_is_refused(con):
    out = con.cmd("frobnicate now")
    assert "error: unknown command 'frobnicate'" in out
    assert "baretdx" in con.cmd("version")


def test_hung_command_is_stopped_interactively(con):
    out = con.cmd("timeout 300ms fault hang")
    assert "error: time limit: 'timeout 300ms fault hang' stopped after 300 ms" in out
    assert "usage: timeout" in con.cmd("timeout soon version")
    assert "usage: sleep" in con.cmd("sleep")
    assert "baretdx" in con.cmd("timeout 0 version")
    assert "mem check: ok" in con.cmd("mem check")


def test_bad_arguments_are_refused(con):
    assert "usage: log" in con.cmd("log a b c")
    assert "error: unknown log level" in con.cmd("log loud")
    assert "log level: info" in con.cmd("log")


def test_random_bytes_leave_shell_answering(con):
    seed = random.randrange(1 << 32)
    rng = random.Random(seed)
    data = bytes(rng.randrange(256) for _ in range(64 * 1024))
    # Send in chunks so that the echo drains while we send.
    for i in range(0, len(data), 1024):
        con.send(data[i:i + 1024])
    # Abandon whatever half line or escape sequence is pending.
    con.send(b"\x03\r")
    out = con.cmd("version", timeout=120)
    assert re.search(r"baretdx \S+ \(built", out), "seed %d: %r" % (seed, out[-500:])


def test_fault_report_halts_cpu(con):
    con.send("fault pf\r")
    con.expect(r"EXCEPTION #PF page fault \(vector 14\)")
    con.expect(r"RIP 0x[0-9a-f]{16} cmd_fault\+0x")
    con.expect(r"CR2 ffff8fff00000000")
    con.expect(r"page fault: write at 0xffff8fff00000000: page not present")
    con.expect(r"Call trace:")
    con.expect(r"shell_exec\+0x")
    con.expect(r"cpu 0: halted after exception")
    con.expect(r"baretdx: end fatal")
