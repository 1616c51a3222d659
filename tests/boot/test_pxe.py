"""Network boot: OVMF's PXE client loads BOOTX64.EFI from QEMU's built-in
TFTP server, and the loader fetches baretdx.cfg from the same server and
directory, whose script runs and ends QEMU with the pass status."""
import re

from harness import BOOT_TIMEOUT, QEMU_PASS, Console


def test_pxe_boot_runs_tftp_cfg():
    cfg = 'emu-exit=qemu run="selftest boot; cpus"\n'
    with Console("pxe", cfg=cfg, smp=2, mem=512, pxe=True) as c:
        status = c.wait_exit(BOOT_TIMEOUT * 2)
        out = c.text().replace("\r", "")
    assert status == QEMU_PASS, out[-3000:]
    assert "TEST_CASE_ID=boot-memmap RESULT=pass" in out, out[-3000:]
    assert re.search(r"script: 2 commands, 0 failed", out), out[-3000:]
