"""One Bochs+OVMF boot with 4 CPUs: the machine with real (emulated) VMX.

Bochs+OVMF has no ACPI tables, so CPUs are found by the start-up probe.
The boot ends through the Bochs shutdown port (emu-exit=bochs).
"""
import re

import pytest

from harness import PROMPT, Console

BOCHS_BOOT_TIMEOUT = 300  # emulated firmware plus 4 CPUs: about 50 s here


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


def test_selftest_passes(con):
    out = con.cmd("selftest", timeout=180)
    assert "selftest: 6 passed, 0 failed" in out, out


def test_halt_ends_bochs(con):
    con.send("halt\r")
    con.expect("baretdx: end pass")
    con.wait_exit(120)
