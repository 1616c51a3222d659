"""Bochs boot with tdx=emulate, 4 CPUs in 2 packages (Bochs count=2:2:1):
the host initializes the emulated TDX module at boot, from scratch."""
import json
import re

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
