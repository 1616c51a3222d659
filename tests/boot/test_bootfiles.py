"""TDX module blobs the loader brings to the kernel: every *.blob file of
\\EFI\\TDX\\ (or of module-dir=), and a module= file next to the image;
`bootfiles` lists the loader's file table. Over TFTP: test_pxe.py."""
import hashlib
import re

from harness import BOOT_TIMEOUT, QEMU_PASS, Console

MIB = 1024 * 1024
LINE = re.compile(r"^ *(\d+) (\S+) +(\S+) +(\d+) (\S+)(.*)$")


def blob(seed, size):
    """size bytes, different for every seed."""
    block = b"".join(hashlib.sha256(b"%s-%d" % (seed.encode(), i)).digest()
                     for i in range(128))
    return (block * (size // len(block) + 1))[:size]


def boot(name, cfg, files):
    c = Console(name, cfg=cfg, smp=2, mem=512, files=files)
    try:
        status = c.wait_exit(BOOT_TIMEOUT * 2)
        return status, c.text().replace("\r", "")
    finally:
        c.close()


def table(out):
    """The `bootfiles --sha384` output: (index, kind, state, size, name,
    rest, sha384 or None) per entry."""
    text = out.split("baretdx> bootfiles --sha384\n", 1)[1].split("script: run=", 1)[0]
    rows = []
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            rows.append([int(m[1]), m[2], m[3], int(m[4]), m[5], m[6], None])
        elif line.startswith("    sha384 "):
            rows[-1][6] = line.split()[1]
    return rows


def sha(data):
    return hashlib.sha384(data).hexdigest()


def test_default_module_dir():
    """\\EFI\\TDX\\: the .blob files in any case, sorted by name; no other
    file, no subdirectory."""
    a, second = blob("a", 8192), blob("second", 12288)
    files = {
        "../TDX/a.blob": a,
        "../TDX/Second.BLOB": second,
        "../TDX/notes.txt": "not a blob\n",
        "../TDX/a.blob.bak": blob("bak", 100),
        "../TDX/sub.blob/inner.blob": blob("inner", 100),
    }
    status, out = boot("bootfiles-default",
                       'emu-exit=qemu run="bootfiles --sha384"\n', files)
    assert status == QEMU_PASS, out[-3000:]
    assert "baretdx loader:" not in out, out
    rows = table(out)
    assert [r[:6] for r in rows] == [
        [0, "module", "loaded", 12288, "Second.BLOB", ""],
        [1, "module", "loaded", 8192, "a.blob", ""],
    ], out[-3000:]
    assert rows[0][6] == sha(second) and rows[1][6] == sha(a), out[-3000:]
    assert "script: run=: 1 commands, 0 failed" in out, out[-3000:]


def test_module_dir_and_module():
    """module-dir= replaces \\EFI\\TDX\\, module= adds a file next to the
    image. Blobs up to 4 MiB load; a larger one is listed, not read; a name
    too long for the table is skipped, and past 32 entries the last names
    are left out, each with a loader line."""
    x, exact = blob("x", 4196), blob("exact", 4 * MIB)
    small = {"n%02d.blob" % i: blob("n%d" % i, 16 + i) for i in range(40)}
    long_name = "a-module-blob-whose-name-is-far-too-long-for-the-loaders-file-table.blob"
    files = {
        "x.blob": x,
        "../TDX/default.blob": blob("default", 64),
        "../OTHER/big.blob": blob("big", 4 * MIB + 1),
        "../OTHER/exact.blob": exact,
        "../OTHER/" + long_name: blob("long", 64),
    }
    files.update({"../OTHER/" + k: v for k, v in small.items()})
    status, out = boot("bootfiles-dir",
                       "emu-exit=qemu module-dir=/EFI/OTHER module=x.blob\n"
                       'run="bootfiles --sha384"\n', files)
    assert status == QEMU_PASS, out[-3000:]
    rows = table(out)
    kept = sorted(small)[:29]
    assert [r[:5] for r in rows] == (
        [[0, "module", "loaded", 4196, "x.blob"],
         [1, "module", "too-large", 0, "big.blob"],
         [2, "module", "loaded", 4 * MIB, "exact.blob"]] +
        [[3 + i, "module", "loaded", len(small[n]), n] for i, n in enumerate(kept)]
    ), out[-4000:]
    assert rows[1][5:] == ["", None], rows[1]
    assert rows[0][6] == sha(x) and rows[2][6] == sha(exact), out[-4000:]
    assert all(r[6] == sha(small[r[4]]) for r in rows[3:]), out[-4000:]
    loader = [l for l in out.splitlines() if "baretdx loader:" in l]
    assert len(loader) == 3, loader
    assert re.search(r"baretdx loader: \\EFI\\OTHER\\big\.blob: not loaded", out), loader
    assert re.search(r"baretdx loader: \\EFI\\OTHER\\%s: name not printable ASCII or "
                     r"longer than 63 characters, skipped" % re.escape(long_name), out), loader
    assert ("baretdx loader: /EFI/OTHER: 11 more .blob files than the file table "
            "holds (32 entries), skipped") in out, loader
    assert "default.blob" not in out
