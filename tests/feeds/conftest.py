"""Real servers on 127.0.0.1 for the feeds tests: GStreamer's RTSP server, an HTTP MJPEG camera, and
two broken peers (one that sends garbage, one that never answers)."""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVERS = Path(__file__).parent / "servers"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, where gi and GstRtspServer live (not the venv's)


def rss_mb() -> float:
    """Resident set size of this process, MiB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def wait_for(pred, timeout_s: float, tick_s: float = 0.05):
    """Poll ``pred`` until it returns something truthy or ``timeout_s`` passes; returns (value, seconds)."""
    t0 = time.monotonic()
    while True:
        v = pred()
        if v or time.monotonic() - t0 > timeout_s:
            return v, time.monotonic() - t0
        time.sleep(tick_s)


def frames_for(sub, seconds: float) -> list:
    """Every frame a subscription delivers in the next ``seconds`` (waiting up to 1 s for each)."""
    frames = []
    t_end = time.monotonic() + seconds
    while time.monotonic() < t_end:
        f = sub.next(1.0)
        if f is not None:
            frames.append(f)
    return frames


class ServerProc:
    """A server subprocess that prints ``READY <port>``; can be killed, frozen and restarted on its port."""

    def __init__(self, argv: list[str], port: int = 0):
        self.argv = argv
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self, timeout_s: float = 15.0) -> None:
        self._err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [*self.argv, "--port", str(self.port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err
        )
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout_s
        line = b""
        while b"\n" not in line and time.monotonic() < deadline:
            if sel.select(timeout=max(0.0, deadline - time.monotonic())):
                chunk = os.read(self.proc.stdout.fileno(), 256)
                if not chunk:
                    break
                line += chunk
        sel.close()
        if not line.startswith(b"READY"):
            self.kill()
            self._err.seek(0)
            err = self._err.read().decode(errors="replace")
            raise RuntimeError(f"{self.argv[1]} did not start: {line!r} {err[-2000:]}")
        self.port = int(line.split()[1])

    def camera_stats(self, timeout_s: float = 5.0) -> dict[str, tuple[int, int, int]]:
        """What each free-running camera's encoder produced so far: name -> (bytes, frames, key frames)."""
        assert self.proc and self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(b"STATS\n")
        self.proc.stdin.flush()
        out: dict[str, tuple[int, int, int]] = {}
        buf = b""
        deadline = time.monotonic() + timeout_s
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            while b"END\n" not in buf and time.monotonic() < deadline:
                if sel.select(timeout=max(0.0, deadline - time.monotonic())):
                    buf += os.read(self.proc.stdout.fileno(), 65536)
        finally:
            sel.close()
        for line in buf.decode().splitlines():
            parts = line.split()
            if parts and parts[0] == "CAMERA":
                out[parts[1]] = (int(parts[2]), int(parts[3]), int(parts[4]))
            elif parts and parts[0] == "KEEPALIVES":
                self.keepalives = int(parts[1])
        return out

    def mute(self, camera: str, on: bool = True) -> None:
        """Stop (or resume) a free-running camera's video to its sessions; the sessions stay up."""
        assert self.proc and self.proc.stdin
        self.proc.stdin.write(f"{'MUTE' if on else 'UNMUTE'} {camera}\n".encode())
        self.proc.stdin.flush()

    def url(self, path: str, scheme: str = "rtsp", userinfo: str = "") -> str:
        return f"{scheme}://{userinfo + '@' if userinfo else ''}127.0.0.1:{self.port}{path}"

    def kill(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(10)
        for pipe in (self.proc.stdout, self.proc.stdin):
            if pipe:
                try:
                    pipe.close()
                except OSError:
                    pass
        self._err.close()

    def freeze(self) -> None:
        assert self.proc
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.proc
        self.proc.send_signal(signal.SIGCONT)

    def restart(self) -> None:
        self.kill()
        deadline = time.monotonic() + 10
        while True:  # the port may linger a moment after the kill
            try:
                self.start()
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


def rtsp_proc(*extra: str) -> ServerProc:
    """A GStreamer RTSP server (tests/feeds/servers/rtsp_server.py) with these arguments."""
    return _rtsp(*extra)


def _rtsp(*extra: str) -> ServerProc:
    if not Path(SYSTEM_PYTHON).exists():
        pytest.fail("Debian's /usr/bin/python3 is missing: run .ci/install-debian.sh")
    return ServerProc([SYSTEM_PYTHON, str(SERVERS / "rtsp_server.py"), *extra])


@pytest.fixture(scope="session")
def rtsp_server() -> Iterator[ServerProc]:
    """One GStreamer RTSP server for the whole session: /main 640x360, /sub 320x180, /cam0..3, 15 fps."""
    s = _rtsp("--cams", "4")
    yield s
    s.kill()


@pytest.fixture
def rtsp_server_own() -> Iterator[ServerProc]:
    """A GStreamer RTSP server of this test's own, to kill, freeze and restart."""
    s = _rtsp()
    yield s
    s.kill()


@pytest.fixture(scope="module", params=["basic", "digest"])
def rtsp_auth_server(request) -> Iterator[ServerProc]:
    """A GStreamer RTSP server whose every mount needs authentication admin:s3cret (Basic, then Digest)."""
    s = _rtsp("--auth", *(["--digest"] if request.param == "digest" else []))
    yield s
    s.kill()


@pytest.fixture(scope="session")
def mjpeg_server() -> Iterator[ServerProc]:
    """The HTTP camera (see servers/mjpeg_server.py) at 15 fps."""
    s = ServerProc([sys.executable, str(SERVERS / "mjpeg_server.py")])
    yield s
    s.kill()


class _SocketPeer:
    """A TCP peer on 127.0.0.1 run by a thread: ``garbage`` answers every connection with random
    bytes; ``silent`` accepts connections and never says a word (a hung camera); ``redirect``
    answers every RTSP request with ``302 Moved Temporarily`` to ``location`` (a camera behind a
    recorder or load balancer that hands clients on)."""

    def __init__(self, mode: str, location: str = ""):
        self.mode, self.location = mode, location
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.conns: list[socket.socket] = []
        self.accepted_at: list[float] = []  # time.monotonic() of each accepted connection
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        rnd = bytes((i * 7919 + 13) % 251 for i in range(4096))
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.conns.append(c)
            self.accepted_at.append(time.monotonic())
            if self.mode == "redirect":
                threading.Thread(target=self._redirect, args=(c,), daemon=True).start()
            if self.mode == "garbage":
                c.settimeout(0.5)
                try:
                    for _ in range(64):
                        c.sendall(rnd)
                except OSError:
                    pass

    def _redirect(self, c: socket.socket) -> None:
        c.settimeout(5.0)
        buf = b""
        try:
            while not self.stop.is_set():
                chunk = c.recv(4096)
                if not chunk:
                    return
                buf += chunk
                while b"\r\n\r\n" in buf:
                    head, buf = buf.split(b"\r\n\r\n", 1)
                    cseq = next((ln.split(b":", 1)[1].strip() for ln in head.split(b"\r\n")
                                 if ln.lower().startswith(b"cseq:")), b"1")
                    c.sendall(b"RTSP/1.0 302 Moved Temporarily\r\nCSeq: " + cseq + b"\r\nLocation: "
                              + self.location.encode() + b"\r\nContent-Length: 0\r\n\r\n")
        except OSError:
            return

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.fixture
def garbage_peer() -> Iterator[_SocketPeer]:
    p = _SocketPeer("garbage")
    yield p
    p.close()


def redirector(location: str) -> _SocketPeer:
    """An RTSP peer that sends every client on to ``location`` (close it when done)."""
    return _SocketPeer("redirect", location)


@pytest.fixture
def silent_peer() -> Iterator[_SocketPeer]:
    p = _SocketPeer("silent")
    yield p
    p.close()


@pytest.fixture
def no_leaked_threads() -> Iterator[None]:
    """Fails the test if feed threads it started are still alive a bounded while after it ends."""
    yield
    _, waited = wait_for(lambda: not [t for t in threading.enumerate() if t.name.startswith("feed")], 12.0)
    left = [t.name for t in threading.enumerate() if t.name.startswith("feed")]
    assert not left, f"threads still running {waited:.1f} s after the test: {left}"
