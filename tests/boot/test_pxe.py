"""Network boot: OVMF's PXE client loads BOOTX64.EFI from QEMU's built-in
TFTP server, and the loader fetches baretdx.cfg from the same server and
directory, and the script= file the cfg names; both run and end QEMU with
the pass status."""
import re

from harness import BOOT_TIMEOUT, QEMU_PASS, Console


def test_pxe_boot_runs_tftp_cfg():
    cfg = 'emu-exit=qemu run="selftest boot" script=lab/node1.txt\n'
    files = {"lab/node1.txt": "# per-machine script\ncpus\nversion\n"}
    with Console("pxe", cfg=cfg, smp=2, mem=512, pxe=True, files=files) as c:
        status = c.wait_exit(BOOT_TIMEOUT * 2)
        out = c.text().replace("\r", "")
    assert status == QEMU_PASS, out[-3000:]
    assert "TEST_CASE_ID=boot-memmap RESULT=pass" in out, out[-3000:]
    assert "script: run=: 1 commands, 0 failed" in out, out[-3000:]
    assert "script: lab/node1.txt: 2 commands, 0 failed" in out, out[-3000:]
    assert re.search(r"baretdx> cpus\ncpus: 2 CPUs online", out), out[-3000:]
