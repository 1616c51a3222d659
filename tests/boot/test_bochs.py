"""One Bochs+OVMF boot with 4 CPUs: the machine with real (emulated) VMX.

Bochs+OVMF has no ACPI tables, so CPUs are found by the start-up probe.
All VMX checks share this boot; it ends through the Bochs shutdown port
(emu-exit=bochs).
"""
import json
import re

import pytest

from harness import PROMPT, Console

BOCHS_BOOT_TIMEOUT = 300  # emulated firmware plus 4 CPUs: 30-60 s here
CMD = 180


@pytest.fixture(scope="module")
def con():
    c = Console("bochs", cfg="emu-exit=bochs\n", emulator="bochs", smp=4, mem=512)
    c.expect(re.escape(PROMPT), BOCHS_BOOT_TIMEOUT)
    yield c
    c.close()


def test_four_cpus_online(con):
    out = con.text()
    assert "smp: 4 CPUs online (x2APIC APIC mode)" in out, out[-2000:]
    assert "smp: no MADT: probing APIC IDs" in out


def test_vmxon_on_every_cpu(con):
    assert re.search(r"vmx: VMXON on 4 of 4 CPUs \(VMCS revision 0x[0-9a-f]+, EPT yes, "
                     r"unrestricted guest yes\)", con.text())
    out = con.cmd("vmx info", CMD)
    assert len(re.findall(r"cpu \d: VMX root operation", out)) == 4, out
    assert "ept: 4-level yes" in out, out
    assert "0x480=0x" in out and "0x48c=0x" in out, out
    info = json.loads(con.cmd("vmx info --json", CMD).strip())
    assert info["available"] and info["cpus_on"] == 4 and info["ept"]["pwl4"]


def exits(out):
    m = re.search(r"vm \d+: exits:(.*);", out)
    assert m, out
    return dict(re.findall(r"([A-Za-z][A-Za-z /#-]*?)=(\d+)", m.group(1)))


def test_vm_selftest_guest(con):
    out = con.cmd("vm run selftest --cpu 1", CMD)
    for line in ["[vm 1] ok cpuid: vendor GenuineIntel",
                 "[vm 1] ok vmcall: 0x12345 + 1 = 0x12346",
                 "[vm 1] ok ept: lazily mapped pages hold what was written",
                 "[vm 1] selftest guest done"]:
        assert line in out, out
    assert "FAIL" not in out, out
    assert re.search(r"vm 1: halted after \d+ exits", out), out
    counts = exits(out)
    assert counts["CPUID"] == "1" and counts["VMCALL"] == "1", out
    assert counts["HLT"] == "1" and counts["EPT violation"] == "2", out
    assert "2 pages mapped on first touch" in out, out


def test_vm_spin_stopped_by_timeout(con):
    out = con.cmd("vm run spin --cpu 2 --timeout 200", CMD)
    assert "vm 2: stopped at its timeout" in out, out
    assert "VMX-preemption timer expired" in out, out


def test_vm_spin_stopped_at_command_limit(con):
    """vm run checks the shell's time limit itself: the VM is torn down
    cleanly (its pages return, see test_vm_pages_returned)."""
    out = con.cmd("timeout 300ms vm run spin --cpu 1 --timeout 60000", CMD)
    assert "stopped at the command time limit" in out, out
    out = con.cmd("timeout 300ms vm run spin --timeout 60000", CMD)
    assert "stopped at the command time limit" in out, out


def test_vm_triple_fault_reported(con):
    out = con.cmd("vm run triple --cpu 3", CMD)
    assert re.search(r"vm \d+: triple-faulted after 1 exits: triple fault at CS:IP 0x0:0x[0-9a-f]+",
                     out), out


def test_vm_entry_failure_dumps_vmcs(con):
    out = con.cmd("vm run selftest --break-entry", CMD)
    assert re.search(r"vm \d+: failed after 1 exits: VM entry failed: "
                     r"VM-entry failure: invalid guest state \(exit reason 33\)", out), out
    assert "VMCS dump:" in out, out
    assert re.search(r"^\s+GUEST_CR0\s+0x[0-9a-f]+$", out, re.M), out
    assert re.search(r"^\s+EXIT_REASON\s+0x80000021$", out, re.M), out


def test_vm_bad_requests_refused(con):
    assert "error: no guest payload 'nosuch'" in con.cmd("vm run nosuch", CMD)
    assert "error: cpu 9 is not online" in con.cmd("vm run selftest --cpu 9", CMD)
    assert "error: --mem must be" in con.cmd("vm run selftest --mem 0", CMD)
    assert "usage: vm" in con.cmd("vm run selftest --cpu", CMD)


def test_seamcall_in_vmx_root_without_module_is_ud(con):
    # VMX root operation but no SEAM and no tdx=emulate: #UD, as hardware.
    out = con.cmd("seamcall TDH.SYS.INIT", CMD)
    assert "TDX_SEAMCALL_UD (0x8000ff0000000006)" in out, out


def test_tdx_status_names_what_is_missing(con):
    out = con.cmd("tdx status", CMD)
    assert re.search(r"FAIL seamrr-support\s+MTRRCAP.SEAMRR \(bit 15\) clear", out), out
    assert re.search(r"FAIL keyids\s+0 TDX KeyIDs", out), out
    assert re.search(r"FAIL module\s+SEAMCALL raised #UD", out), out
    assert re.search(r"PASS vmx", out), out


def test_vm_pages_returned(con):
    out = con.cmd("mem stats", CMD)
    assert not re.search(r"^\s+vm\s", out, re.M), out
    assert "mem check: ok" in con.cmd("mem check", CMD)


def test_selftest_passes(con):
    out = con.cmd("selftest", timeout=CMD)
    assert "SUMMARY: 10 tests, 0 unexpected failures, 2 skipped" in out, out
    assert "TEST_CASE_ID=vmx-vm-selftest RESULT=pass" in out, out
    assert "8 passed, 0 failed" in out, out


def test_halt_ends_bochs(con):
    con.send("halt\r")
    con.expect("baretdx: end fail")   # the refused requests above failed
    con.expect("vmx: VMXOFF on 4 CPUs")
    con.wait_exit(120)
