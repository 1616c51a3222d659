"""Scripted, non-interactive boots: run=, on-exit=, emu-exit=, and how the
emulator's exit status reports the result."""
import re

from harness import BOOT_TIMEOUT, QEMU_FAIL, QEMU_PASS, Console


def boot(name, cfg, smp=2, sockets=1, files=None):
    c = Console(name, cfg=cfg, smp=smp, mem=512, sockets=sockets, files=files)
    try:
        status = c.wait_exit(BOOT_TIMEOUT)
        return status, c.text().replace("\r", "")
    finally:
        c.close()


def test_passing_script_exits_with_pass_status():
    status, out = boot("script-pass",
                       "# a scripted run\n"
                       "emu-exit=qemu  bogus=1\n"
                       'run="version; cpus ;mem"   # three commands\n',
                       smp=4, sockets=2)
    assert status == QEMU_PASS, out
    # Two packages of two cores each, as QEMU's -smp 4,sockets=2 builds.
    cpus = re.findall(r"cpu \d apic-id \d+ package (\d+) core (\d+) thread 0", out)
    assert sorted(cpus) == [("0", "0"), ("0", "1"), ("1", "0"), ("1", "1")], out
    assert "cpus: 2 packages; first CPU of each: 0 2" in out, out
    assert "baretdx.cfg line 2: unknown key 'bogus' (ignored)" in out
    assert "script: run=: 3 commands, 0 failed" in out
    assert out.count("baretdx: end pass") == 1


def test_failing_command_exits_with_fail_status():
    status, out = boot("script-fail",
                       'emu-exit=qemu run="version; nosuch; cpus" script=missing.txt\n')
    assert status == QEMU_FAIL, out
    assert "error: unknown command 'nosuch'" in out
    assert "script: run=: 3 commands, 1 failed" in out
    assert "error: script missing.txt: not found next to the image (ESP or TFTP)" in out
    assert "baretdx: end fail" in out


SCRIPT = """# nightly: the time limits
timeout 1 fault hang
mem stats
sleep 100ms ; timeout 300ms sleep 5s
timeout 200ms vm run spin
sleep 2s
version
"""


def test_script_file_and_time_limits():
    """A script= file next to the image runs after run=. A command that
    never checks its limit (fault hang) is stopped preemptively, one that
    waits (sleep) stops itself, and the shell goes on, locks free."""
    status, out = boot("script-limits",
                       "emu-exit=qemu timeout=1500ms\n"
                       'run="version" script=bench/night.txt\n',
                       files={"bench/night.txt": SCRIPT})
    assert status == QEMU_FAIL, out
    assert "script: run=: 1 commands, 0 failed" in out
    assert "error: time limit: 'timeout 1 fault hang' stopped after 1000 ms" in out
    assert re.search(r"baretdx> mem stats\nmem stats: free \d+ KiB", out), out
    assert out.count("sleep: stopped at the command time limit") == 2, out
    # QEMU TCG has no VMX: vm run fails on its own, within the limit.
    assert "baretdx> timeout 200ms vm run spin" in out
    assert re.search(r"baretdx> version\nbaretdx \S+", out), out
    assert "script: bench/night.txt: 7 commands, 4 failed" in out, out
    assert "baretdx: end fail" in out


def test_exception_in_script_is_fatal():
    status, out = boot("script-fault", 'emu-exit=qemu run="fault ud; version"\n')
    assert status == QEMU_FAIL, out
    assert re.search(r"EXCEPTION #UD invalid opcode \(vector 6\)", out), out
    assert "cmd_fault+0x" in out
    assert "baretdx: end fatal" in out
    assert "script:" not in out


def test_bad_cfg_values_are_reported_and_ignored():
    status, out = boot("script-badcfg",
                       "emu-exit=qemu\n"
                       "on-exit=explode\n"
                       "console=ttyS9\n"
                       'run="version" junk "unterminated\n')
    assert status == QEMU_PASS, out
    assert "line 2: on-exit: expected halt, reboot, poweroff or shell (ignored)" in out
    assert "line 3: console: expected ttyS<0-3>" in out
    assert "line 4: expected key=value, got 'junk' (ignored)" in out
    assert "baretdx: end pass" in out


def test_poweroff_uses_acpi():
    # No emu-exit: QEMU only ends if the FADT/\_S5 poweroff works.
    status, out = boot("poweroff", 'run="version" on-exit=poweroff\n')
    assert status == 0, out
    assert "baretdx: end pass" in out


def test_reboot_resets_machine():
    # -no-reboot turns the reset into a QEMU exit.
    status, out = boot("reboot", 'run="reboot"\n')
    assert status == 0, out
    assert "baretdx: end pass" in out
