"""Bochs boots with tdx=emulate on a platform whose firmware loaded only the
P-SEAMLDR (tdx.emu.module=absent): TDX module blobs on the ESP in \\EFI\\TDX\\
are listed, verified and installed with SEAMLDR.INSTALL on all 4 CPUs, by
hand and at boot (tdx.module=load); `tdx init` then reports the version the
blob carries. The blob is test-signed at build time (Makefile TEST_BLOB)."""
import os
import re

import pytest

from harness import BUILD, PROMPT, Console

BOCHS_BOOT_TIMEOUT = 400
CMD = 240
BLOB = os.path.join(BUILD, "blobs", "emu-1.5.16.blob")


def blob_bytes():
    with open(BLOB, "rb") as f:
        return f.read()


def corrupted(data):
    """A signature byte flipped and the checksum made right again, so that
    only the signature check fails."""
    b = bytearray(data)
    b[4096 + 516 + 100] ^= 0x01
    b[2:4] = b"\0\0"
    s = sum(int.from_bytes(b[i:i + 2], "little") for i in range(0, len(b), 2))
    b[2:4] = ((0x10000 - (s & 0xffff)) & 0xffff).to_bytes(2, "little")
    return bytes(b)


def files():
    good = blob_bytes()
    return {"../TDX/emu-1.5.16.blob": good, "../TDX/corrupt.blob": corrupted(good),
            "../TDX/readme.txt": "not a blob"}


@pytest.fixture(scope="module")
def manual():
    c = Console("bochs-seamldr", emulator="bochs", smp=4, sockets=2, mem=512,
                cfg="tdx=emulate\ntdx.emu.module=absent\ntdx.init=manual\nemu-exit=bochs\n",
                files=files())
    c.expect(re.escape(PROMPT), BOCHS_BOOT_TIMEOUT)
    yield c
    c.close()


@pytest.fixture(scope="module")
def at_boot():
    c = Console("bochs-seamldr-boot", emulator="bochs", smp=4, sockets=2, mem=512,
                # The cfg `make run` uses (scripts/run-bochs.sh).
                cfg="tdx=emulate\ntdx.emu.module=absent\ntdx.module=load\nemu-exit=bochs\n"
                    'run="td create --payload hello; td run 1 --timeout 60000"\non-exit=shell\n',
                files=files())
    c.expect(re.escape(PROMPT), BOCHS_BOOT_TIMEOUT)
    yield c
    c.close()


def test_list_shows_verdicts(manual):
    out = manual.cmd("tdx module list", CMD)
    assert "tdx module: 2 blobs" in out, out
    assert re.search(r"emu-1\.5\.16\.blob\s+73728 bytes, header 0x0100, 16 module pages, "
                     r"SEAMSVN 1\.11, date 2025-02-19, production-signed", out), out
    assert "verified: checksum, SIGSTRUCT, SEAMHASH, RSA-3072 signature" in out, out
    assert "suits this CPU and P-SEAMLDR (best)" in out, out
    assert re.search(r"corrupt\.blob .*\n\s+REJECTED: signature: RSA-3072 PKCS#1 v1\.5 "
                     r"SHA-384 signature: (bad padding|digest mismatch)", out), out
    assert "module not loaded" in out, out


def test_manual_load_then_init(manual):
    out = manual.cmd("tdx init", CMD)
    assert "initialization failed" in out or "no module" in out.lower(), out
    out = manual.cmd("tdx module load corrupt.blob", CMD)
    assert "corrupt.blob: fails verification: signature:" in out, out
    assert "refused; --force hands it to the P-SEAMLDR anyway" in out, out
    # Forced: the emulated P-SEAMLDR checks the signature itself.
    out = manual.cmd("tdx module load corrupt.blob --force", CMD)
    assert "SEAMLDR_EBADSIG" in out and "recoverable" in out, out
    assert "emulated P-SEAMLDR: RSA-3072" in out, out
    out = manual.cmd("tdx module load --best", CMD)
    assert "emu-1.5.16.blob: SEAMLDR.INSTALL (LOAD, 16 module pages) on 4 CPUs" in out, out
    assert "installed on 4 CPUs" in out, out
    m = re.search(r"\(before\): (\d+) updates left, module not loaded", out)
    assert m, out
    m2 = re.search(r"\(after\): (\d+) updates left, module ready, SEAMSVN 1\.11", out)
    assert m2, out
    out = manual.cmd("tdx init", CMD)
    assert "Module version: 1.5.16" in out, out
    assert "module initialized" in out, out
    out = manual.cmd("tdx module load --best", CMD)
    assert "the running module is initialized" in out, out


def test_loaded_module_runs_a_td(manual):
    out = manual.cmd("td create --payload hello", CMD)
    m = re.search(r"td (\d+): MRTD [0-9a-f]{96}", out)
    assert m, out
    out = manual.cmd("td run %s --timeout 120000" % m.group(1), CMD)
    assert "[td %s] hello from TD vcpu 0" % m.group(1) in out, out
    out = manual.cmd("td destroy " + m.group(1), CMD)
    assert "error" not in out.lower(), out


def test_boot_time_load(at_boot):
    # run= goes on after the first prompt: wait for the TD's line.
    at_boot.expect(re.escape("[td 1] hello from TD vcpu 0"), CMD)
    at_boot.expect(re.escape(PROMPT), CMD)
    out = at_boot.text()
    assert "emu-1.5.16.blob: SEAMLDR.INSTALL (LOAD, 16 module pages) on 4 CPUs" in out, out
    assert "installed on 4 CPUs" in out, out
    assert "Module version: 1.5.16" in out, out
    assert re.search(r"^tdx: module initialized\r?$", out, re.M), out
    assert "[td 1] hello from TD vcpu 0" in out, out
    info = at_boot.cmd("tdx info", CMD)
    assert "module 1.5.16 build 812 date 20250219" in info, info
    assert "limits: 32 TDMRs" in info, info
