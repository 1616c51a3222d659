"""Console hardening: 1 MiB of random bytes in bursts (control characters,
escape sequences, binary), long lines included, and the shell still
answers with whole lines."""
import random
import re
import time

from harness import BOOT_TIMEOUT, PROMPT, Console


def test_one_mib_of_garbage():
    with Console("console-fuzz", cfg="log=warn\n", smp=1, mem=256) as c:
        c.expect(re.escape(PROMPT), BOOT_TIMEOUT)
        seed = random.randrange(1 << 32)
        rng = random.Random(seed)
        sent = 0
        while sent < 1 << 20:
            burst = rng.choice([64, 512, 4096, 16384])
            kind = rng.random()
            if kind < 0.6:
                data = bytes(rng.randrange(256) for _ in range(burst))
            elif kind < 0.8:   # printable runs: lines far longer than the editor holds
                data = bytes(rng.randrange(0x20, 0x7f) for _ in range(burst))
            else:              # escape sequences and line ends
                data = b"".join(rng.choice([b"\x1b[A", b"\x1b[B", b"\x1b[1;5C", b"\r",
                                            b"\n", b"\x03", b"\x15", b"\x7f", b"\x1bO"])
                                for _ in range(burst // 4))
            c.send(data)
            sent += len(data)
            time.sleep(0.001)
        c.send(b"\x03\r")
        out = c.cmd("version", timeout=300)
        assert re.search(r"baretdx \S+ \(built", out), "seed %d: %r" % (seed, out[-300:])
        assert c.proc.poll() is None
