"""Boots the baretdx image under an emulator and drives its serial console.

The serial port is a Unix socket that QEMU serves and waits on, so no byte
of output is lost. A reader thread collects everything into a buffer (and a
log file under build/test-logs/), and expect() searches it from the last
match onward.
"""
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


class Console:
    def __init__(self, name, cfg="", smp=4, mem=1024, extra=(), icount=False):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="baretdx-%s-" % name)
        esp_boot = os.path.join(self.dir, "esp", "EFI", "BOOT")
        os.makedirs(esp_boot)
        shutil.copy(os.path.join(BUILD, "BOOTX64.EFI"), esp_boot)
        with open(os.path.join(esp_boot, "baretdx.cfg"), "w") as f:
            f.write(cfg)
        vars_fd = os.path.join(self.dir, "vars.fd")
        shutil.copy(OVMF_VARS, vars_fd)
        sock_path = os.path.join(self.dir, "serial.sock")
        args = [
            "qemu-system-x86_64", "-machine", "q35", "-m", str(mem),
            "-smp", str(smp), "-display", "none", "-no-reboot",
            "-drive", "if=pflash,format=raw,readonly=on,file=" + OVMF_CODE,
            "-drive", "if=pflash,format=raw,file=" + vars_fd,
            "-drive", "format=raw,file=fat:rw:" + os.path.join(self.dir, "esp"),
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            "-chardev", "socket,id=ser0,path=%s,server=on,wait=on" % sock_path,
            "-serial", "chardev:ser0", "-monitor", "none", "-net", "none",
        ]
        if icount:
            args += ["-icount", "shift=0"]
        args += list(extra)
        os.makedirs(os.path.join(BUILD, "test-logs"), exist_ok=True)
        self.log = open(os.path.join(BUILD, "test-logs", name + ".log"), "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        self.sock = self._connect(sock_path)
        self.buf = b""
        self.pos = 0
        self.lock = threading.Condition()
        self.eof = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _connect(self, path):
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("QEMU exited early; see build/test-logs/%s.log" % self.name)
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                return s
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("QEMU serial socket never appeared")

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

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.sock.close()
        self.reader.join(5)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


# QEMU's isa-debug-exit turns a byte v into exit status (v << 1) | 1.
QEMU_PASS = 1
QEMU_FAIL = 3
