"""A Bochs boot with tdx=emulate: the emulated TDX module reached through
the real SEAMCALL instruction in VMX root operation."""
import re

import pytest

from harness import PROMPT, Console

BOCHS_BOOT_TIMEOUT = 300
CMD = 180


@pytest.fixture(scope="module")
def con():
    cfg = ("tdx=emulate tdx.init=manual\nemu-exit=bochs\n"
           "tdx.emu.fault=TDH.SYS.INFO:TDX_SYS_BUSY:100\n"
           "tdx.emu.fault=nonsense\n")
    c = Console("bochs-tdx", cfg=cfg, emulator="bochs", smp=4, mem=512)
    c.expect(re.escape(PROMPT), BOCHS_BOOT_TIMEOUT)
    yield c
    c.close()


def test_emulator_announces_itself(con):
    out = con.text()
    assert re.search(r"tdx-emu: emulated TDX module on: a functional model without memory "
                     r"encryption or integrity; SEAMRR \[0x[0-9a-f]+, 0x[0-9a-f]+\)", out), out
    assert "31 MKTME + 32 TDX KeyIDs" in out
    out = con.cmd("mem", CMD)
    assert re.search(r"^\s+seamrr\s+65536 KiB", out, re.M), out


def test_tdx_status_all_pass(con):
    out = con.cmd("tdx status", CMD)
    assert "tdx status: 8 checks, 0 failed" in out, out
    assert re.search(r"PASS module\s+a TDX module answers: the emulated one", out), out


def test_platform_msrs_answered(con):
    # KeyID partitioning: 31 MKTME + 32 TDX KeyIDs (the default).
    assert "msr 0x87 = 0x000000200000001f" in con.cmd("msr 0x87", CMD)
    out = con.cmd("msr 0x1401", CMD)   # SEAMRR mask: locked (10), enabled (11)
    m = re.search(r"= 0x([0-9a-f]+)", out)
    assert m and int(m.group(1), 16) & 0xc00 == 0xc00, out
    out = con.cmd("msr 0xfe", CMD)     # MTRRCAP.SEAMRR (bit 15)
    m = re.search(r"= 0x([0-9a-f]+)", out)
    assert m and int(m.group(1), 16) & 0x8000, out


def test_sys_init_once(con):
    out = con.cmd("seamcall TDH.SYS.INIT", CMD)
    assert "seamcall TDH.SYS.INIT on cpu 0: TDX_SUCCESS" in out, out
    out = con.cmd("seamcall sys.init", CMD)
    assert "TDX_SYS_INIT_NOT_PENDING (0xc000050000000000)" in out, out


def test_lp_init_on_every_cpu(con):
    for cpu in range(4):
        out = con.cmd("seamcall --cpu %d TDH.SYS.LP.INIT" % cpu, CMD)
        assert "on cpu %d: TDX_SUCCESS" % cpu in out, out
    out = con.cmd("seamcall --cpu 2 TDH.SYS.LP.INIT", CMD)
    assert "TDX_SYS_LP_INIT_DONE" in out, out


def test_sys_rd_reads_metadata(con):
    # MAX_TDMRS (tdx-abi.md §4.2): 64 on a 1.5 module.
    out = con.cmd("seamcall TDH.SYS.RD 0 0x9100000100000008", CMD)
    assert "TDX_SUCCESS" in out and "r8 0x40 " in out, out


def test_seamldr_info_decodes(con):
    out = con.cmd("seamcall SEAMLDR.INFO", CMD)
    assert "seamcall SEAMLDR.INFO on cpu 0: SEAMLDR_SUCCESS" in out, out
    assert "P-SEAMLDR 1.5.0 build 1 date 20261122" in out, out
    assert "remaining updates 32, seam_ready 1" in out, out
    assert "vendor 0x8086" in out, out


def test_leaf_before_ready_refused(con):
    out = con.cmd("seamcall TDH.MNG.CREATE 0x1000 1", CMD)
    assert "TDX_SYS_NOT_READY" in out, out


def test_td_create_before_init_refused(con):
    out = con.cmd("td create", CMD)
    assert "error: TDX is not initialized (see 'tdx status', 'tdx init')" in out, out
    assert "no TDs" in con.cmd("td list", CMD)


def test_fault_injection(con):
    assert "cfg: tdx.emu.fault=nonsense: expected <leaf>:<status>:<percent> (ignored)" \
        in con.text()
    out = con.cmd("seamcall TDH.SYS.INFO", CMD)
    assert "TDX_SYS_BUSY" in out, out


def test_bad_input_refused(con):
    assert "error: unknown leaf 'nosuch'" in con.cmd("seamcall nosuch", CMD)
    assert "error: rdx value 'zz' is not a number" in con.cmd("seamcall 34 0 zz", CMD)
    assert "error: cpu 7 is not online" in con.cmd("seamcall --cpu 7 34", CMD)


def test_module_absent_answers_vmfailinvalid():
    cfg = "tdx=emulate tdx.init=manual\ntdx.emu.module=absent\nemu-exit=bochs\n"
    with Console("bochs-tdx-absent", cfg=cfg, emulator="bochs", smp=2, mem=512) as c:
        c.expect(re.escape(PROMPT), BOCHS_BOOT_TIMEOUT)
        assert "module absent" in c.text()
        out = c.cmd("seamcall TDH.SYS.INIT", CMD)
        assert "TDX_SEAMCALL_VMFAILINVALID (0x8000ff00ffff0000)" in out, out
        # The P-SEAMLDR still answers: only the module is missing.
        assert "SEAMLDR_SUCCESS" in c.cmd("seamcall SEAMLDR.INFO", CMD)
