"""An HTTP camera for the feeds tests: MJPEG streams and JPEG snapshots, with the faults cameras have.

Run with an interpreter that has numpy and OpenCV (the project's venv)::

    .venv/bin/python tests/feeds/servers/mjpeg_server.py --port 0

Paths (frames are 320x180 with a frame counter burnt in, at ``--fps``):

- ``/video.mjpg``        ``multipart/x-mixed-replace`` MJPEG
- ``/snapshot.jpg``      one JPEG per request
- ``/auth/video.mjpg``   the stream behind Basic authentication (``--user`` / ``--password``)
- ``/stall/video.mjpg``  a few frames, then the connection stays open and silent
- ``/garbage.mjpg``      a valid multipart header, then random bytes
- ``/notjpeg.mjpg``      parts that look like JPEG (start/end markers) but do not decode

Prints ``READY <port>`` once listening; every response ends within ``--max-s`` seconds.
"""

from __future__ import annotations

import argparse
import base64
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np

BOUNDARY = "frameboundary"


def _frame(n: int) -> bytes:
    img = np.full((180, 320, 3), 40, np.uint8)
    img[:, (n * 4) % 320 : (n * 4) % 320 + 8] = (0, 200, 255)
    cv2.putText(img, f"MJPEG #{n}", (10, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return buf.tobytes()


def make_handler(args: argparse.Namespace) -> type[BaseHTTPRequestHandler]:
    expected = "Basic " + base64.b64encode(f"{args.user}:{args.password}".encode()).decode()
    period = 1.0 / args.fps

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *a: object) -> None:  # noqa: A002 (BaseHTTPRequestHandler's name)
            pass

        def _multipart_head(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()

        def _part(self, data: bytes) -> None:
            self.wfile.write(
                f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(data)}\r\n\r\n".encode()
                + data + b"\r\n"
            )
            self.wfile.flush()

        def _stream(self, *, stall_after: int | None = None) -> None:
            self._multipart_head()
            t_end = time.monotonic() + args.max_s
            n = 0
            while time.monotonic() < t_end:
                if stall_after is not None and n >= stall_after:
                    time.sleep(0.2)  # silent, connection open
                    continue
                n += 1
                self._part(_frame(n))
                time.sleep(period)

        def do_GET(self) -> None:  # noqa: N802 (BaseHTTPRequestHandler's name)
            try:
                if self.path == "/video.mjpg":
                    self._stream()
                elif self.path == "/stall/video.mjpg":
                    self._stream(stall_after=5)
                elif self.path == "/auth/video.mjpg":
                    if self.headers.get("Authorization") != expected:
                        self.send_response(401)
                        self.send_header("WWW-Authenticate", 'Basic realm="camera"')
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self._stream()
                elif self.path == "/snapshot.jpg":
                    data = _frame(int(time.time() * 10))
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                elif self.path == "/garbage.mjpg":
                    self._multipart_head()
                    rng = np.random.default_rng(1)
                    t_end = time.monotonic() + args.max_s
                    while time.monotonic() < t_end:
                        self.wfile.write(rng.integers(0, 256, 65536, dtype=np.uint8).tobytes())
                        time.sleep(0.01)
                elif self.path == "/notjpeg.mjpg":
                    self._multipart_head()
                    t_end = time.monotonic() + args.max_s
                    while time.monotonic() < t_end:
                        self._part(b"\xff\xd8" + b"not a jpeg at all" * 20 + b"\xff\xd9")
                        time.sleep(period)
                else:
                    self.send_error(404)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fps", type=float, default=15.0)
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default="s3cret")
    ap.add_argument("--max-s", type=float, default=300.0)
    args = ap.parse_args()
    httpd = ThreadingHTTPServer((args.host, args.port), make_handler(args))
    httpd.daemon_threads = True
    print(f"READY {httpd.server_address[1]}", flush=True)
    try:
        httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
