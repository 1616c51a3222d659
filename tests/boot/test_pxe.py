"""Network boot: OVMF's PXE client loads BOOTX64.EFI from QEMU's built-in
TFTP server, and the loader fetches baretdx.cfg from the same server and
directory, and the script= and module= files the cfg names; both scripts
run and end QEMU with the pass status."""
import re

from harness import BOOT_TIMEOUT, QEMU_PASS, Console


def test_pxe_boot_runs_tftp_cfg():
    cfg = 'emu-exit=qemu run="selftest boot" script=lab/node1.txt module=lab/m.blob\n'
    blob = bytes(range(256)) * 40 + b"end"
    files = {"lab/node1.txt": "# per-machine script\ncpus\nversion\nbootfiles\n",
             "lab/m.blob": blob}
    with Console("pxe", cfg=cfg, smp=2, mem=512, pxe=True, files=files) as c:
        status = c.wait_exit(BOOT_TIMEOUT * 2)
        out = c.text().replace("\r", "")
    assert status == QEMU_PASS, out[-3000:]
    assert "TEST_CASE_ID=boot-memmap RESULT=pass" in out, out[-3000:]
    assert "script: run=: 1 commands, 0 failed" in out, out[-3000:]
    assert "script: lab/node1.txt: 3 commands, 0 failed" in out, out[-3000:]
    assert re.search(r"baretdx> cpus\ncpus: 2 CPUs online", out), out[-3000:]
    # No directory to list over TFTP (\EFI\TDX\ is silently absent);
    # the module= file comes from the server, next to the image.
    assert re.search(r"baretdx> bootfiles\n  0 script +loaded +\d+ lab/node1.txt\n"
                     r"  1 module +loaded +%d lab/m.blob\n" % len(blob), out), out[-3000:]
    assert "baretdx loader:" not in out, out[-3000:]
