"""Boots the baretdx image under an emulator and drives its serial console.

The serial port is a Unix socket that QEMU serves and waits on, so no byte
of output is lost. A reader thread collects everything into a buffer (and a
log file under build/test-logs/), and expect() searches it from the last
match onward.
"""
import atexit
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
PROMPT = "baretdx> "

# Under TCG on a loaded 2-core machine a boot to the prompt takes a few
# seconds; the limits are generous so that only a hang fails.
BOOT_TIMEOUT = 90
CMD_TIMEOUT = 30


class Timeout(AssertionError):
    pass


_live = set()


@atexit.register
def _kill_leftovers():
    # An emulator must never outlive the test run that started it.
    for proc in list(_live):
        if proc.poll() is None:
            proc.kill()


class Console:
    """One emulator boot of build/BOOTX64.EFI with its own baretdx.cfg.

    emulator="qemu": QEMU+OVMF (TCG), ESP as a vvfat directory.
    emulator="bochs": Bochs 2.7+OVMF (real VMX), ESP as a FAT image.
    """

    def __init__(self, name, cfg="", smp=4, mem=1024, extra=(), icount=False,
                 emulator="qemu", sockets=1, pxe=False, files=None, ips=4000000):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="baretdx-%s-" % name)
        esp_boot = os.path.join(self.dir, "esp", "EFI", "BOOT")
        os.makedirs(esp_boot)
        shutil.copy(os.path.join(BUILD, "BOOTX64.EFI"), esp_boot)
        with open(os.path.join(esp_boot, "baretdx.cfg"), "w") as f:
            f.write(cfg)
        # Further files next to the image (script=), on the ESP or TFTP.
        for rel, content in (files or {}).items():
            path = os.path.join(esp_boot, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(content.encode() if isinstance(content, str) else content)
        os.makedirs(os.path.join(BUILD, "test-logs"), exist_ok=True)
        self.log = open(os.path.join(BUILD, "test-logs", name + ".log"), "wb")
        if emulator == "bochs":
            self.proc, self.sock = self._start_bochs(smp, mem, sockets, ips)
        else:
            self.proc, self.sock = self._start_qemu(smp, mem, extra, icount, sockets, pxe)
        _live.add(self.proc)
        self.buf = b""
        self.pos = 0
        self.lock = threading.Condition()
        self.eof = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _start_qemu(self, smp, mem, extra, icount, sockets, pxe):
        vars_fd = os.path.join(self.dir, "vars.fd")
        shutil.copy(OVMF_VARS, vars_fd)
        sock_path = os.path.join(self.dir, "serial.sock")
        topo = "%d,sockets=%d" % (smp, sockets)
        args = [
            "qemu-system-x86_64", "-machine", "q35", "-m", str(mem),
            "-smp", topo, "-display", "none", "-no-reboot",
            "-drive", "if=pflash,format=raw,readonly=on,file=" + OVMF_CODE,
            "-drive", "if=pflash,format=raw,file=" + vars_fd,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            "-chardev", "socket,id=ser0,path=%s,server=on,wait=on" % sock_path,
            "-serial", "chardev:ser0", "-monitor", "none",
        ]
        if pxe:
            # OVMF's PXE client fetches the image from QEMU's own TFTP
            # server (no disk, no real network traffic; emulators.md).
            tftp = os.path.join(self.dir, "esp", "EFI", "BOOT")
            args += ["-netdev", "user,id=n0,tftp=%s,bootfile=BOOTX64.EFI" % tftp,
                     "-device", "virtio-net-pci,netdev=n0,romfile="]
        else:
            args += ["-drive", "format=raw,file=fat:rw:" + os.path.join(self.dir, "esp"),
                     "-net", "none"]
        if icount:
            args += ["-icount", "shift=0"]
        args += list(extra)
        proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        return proc, self._connect(proc, socket.AF_UNIX, sock_path)

    def _start_bochs(self, smp, mem, sockets, ips):
        img = os.path.join(self.dir, "esp.img")
        subprocess.run(["mformat", "-i", img, "-C", "-T", "65536", "-h", "64",
                        "-s", "32", "-v", "BARETDX", "::"], check=True)
        subprocess.run(["mcopy", "-s", "-i", img,
                        os.path.join(self.dir, "esp", "EFI"), "::/"], check=True)
        port = free_tcp_port()
        cores = smp // sockets
        rc = os.path.join(self.dir, "bochsrc")
        with open(rc, "w") as f:
            f.write(BOCHSRC % dict(mem=mem, sockets=sockets, cores=cores, img=img, ips=ips,
                                   port=port, log=os.path.join(self.dir, "bochs.log"),
                                   extra=os.environ.get("BARETDX_BOCHS_EXTRA", "")))
        cont = os.path.join(self.dir, "bochs.rc")
        with open(cont, "w") as f:
            f.write("c\n")
        proc = subprocess.Popen(["bochs", "-q", "-f", rc, "-rc", cont],
                                stdout=self.log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=self.dir)
        return proc, self._connect(proc, socket.AF_INET, ("127.0.0.1", port))

    def _connect(self, proc, family, addr):
        deadline = time.time() + 60
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("emulator exited early; see build/test-logs/%s.log"
                                   % self.name)
            try:
                s = socket.socket(family, socket.SOCK_STREAM)
                s.connect(addr)
                return s
            except OSError:
                s.close()
                time.sleep(0.05)
        raise RuntimeError("emulator serial socket never appeared")

    def _read(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            with self.lock:
                if not data:
                    self.eof = True
                    self.lock.notify_all()
                    return
                self.buf += data
                self.log.write(data)
                self.log.flush()
                self.lock.notify_all()

    def text(self):
        with self.lock:
            return self.buf.decode("latin-1")

    def expect(self, pattern, timeout=CMD_TIMEOUT):
        """Waits for `pattern` (regex) after the previous match."""
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        deadline = time.time() + timeout
        with self.lock:
            while True:
                m = rx.search(self.buf, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                left = deadline - time.time()
                if left <= 0 or self.eof:
                    tail = self.buf[self.pos:][-2000:].decode("latin-1")
                    raise Timeout("no %r on %s within %ss; output since last match:\n%s"
                                  % (pattern, self.name, timeout, tail))
                self.lock.wait(min(left, 0.5))

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def cmd(self, line, timeout=CMD_TIMEOUT):
        """Runs one shell command and returns what it printed."""
        self.send(line + "\r")
        self.expect(re.escape(line) + r"\r*\n", timeout)
        start = self.pos
        self.expect(re.escape(PROMPT), timeout)
        with self.lock:
            return self.buf[start:self.pos - len(PROMPT)].decode("latin-1").replace("\r", "")

    def wait_exit(self, timeout=BOOT_TIMEOUT):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Timeout("%s did not exit within %ss" % (self.name, timeout))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        _live.discard(self.proc)
        self.sock.close()
        self.reader.join(5)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


# Bochs 2.7 + OVMF (emulators.md): model tigerlake has VMX with EPT. A low
# ips (default 4 M) makes firmware waits short in emulated time; Bochs's
# TSC runs at ips, and a TD firmware boot wants more (test_bochs_tdvf.py).
# com1 in socket-server mode waits for our connection before the machine
# starts.
BOCHSRC = """megs: %(mem)d
cpu: model=tigerlake, count=%(sockets)d:%(cores)d:1, ips=%(ips)d
romimage: file=/usr/share/ovmf/OVMF.fd, address=0xffe00000
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=disk, path=%(img)s, mode=flat
boot: disk
pci: enabled=1, chipset=i440fx
display_library: rfb, options="timeout=0"
com1: enabled=1, mode=socket-server, dev=127.0.0.1:%(port)d
log: %(log)s
panic: action=fatal
error: action=report
%(extra)s
"""


def free_tcp_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# QEMU's isa-debug-exit turns a byte v into exit status (v << 1) | 1.
QEMU_PASS = 1
QEMU_FAIL = 3
