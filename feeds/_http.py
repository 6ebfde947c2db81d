"""HTTP sources: multipart MJPEG streams and polled JPEG snapshots, read with bounded timeouts.

Our own parser rather than FFmpeg's: it takes Basic/Digest credentials without putting them in a
log line, every socket wait is bounded, and the bytes of each frame are known (so is the bitrate).
Frames are cut out of the byte stream at JPEG start/end markers (``FFD8``/``FFD9``), which survives
the boundary quirks of camera firmwares; in entropy-coded JPEG data ``FF`` is always stuffed, so an
end marker cannot occur inside a frame.
"""

from __future__ import annotations

import http.client
import threading
import time
from urllib.parse import unquote, urlsplit

import cv2
import numpy as np

from ._auth import authorization
from ._errors import StreamError
from ._spec import StreamSpec, Timeouts

__all__ = ["MjpegReader", "SnapshotReader"]

_MAX_FRAME_BYTES = 16 * 1024 * 1024
_MAX_BAD_FRAMES = 5
_SOI, _EOI = b"\xff\xd8", b"\xff\xd9"


def _get(url: str, timeout_s: float) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    p = urlsplit(url)
    host, port = p.hostname or "", p.port
    conn_cls = http.client.HTTPSConnection if p.scheme.lower() == "https" else http.client.HTTPConnection
    target = (p.path or "/") + (f"?{p.query}" if p.query else "")
    user, password = unquote(p.username or ""), unquote(p.password or "")
    headers = {"User-Agent": "twin-feeds", "Accept": "multipart/x-mixed-replace, image/jpeg"}
    for attempt in (1, 2):
        conn = conn_cls(host, port, timeout=timeout_s)
        try:
            conn.request("GET", target, headers=headers)
            resp = conn.getresponse()
        except TimeoutError as e:
            conn.close()
            raise StreamError("timeout", f"no HTTP answer from {host}:{port or 80} within {timeout_s:g} s") from e
        except ConnectionRefusedError as e:
            conn.close()
            raise StreamError("refused", f"connection refused by {host}:{port or 80}") from e
        except (http.client.HTTPException, UnicodeError) as e:
            conn.close()
            raise StreamError("protocol", f"{host}:{port or 80} does not speak HTTP (garbage reply)") from e
        except OSError as e:
            conn.close()
            raise StreamError("refused", f"cannot reach {host}:{port or 80} ({e.__class__.__name__})") from e
        if resp.status == 200:
            return conn, resp
        challenge = resp.getheader("WWW-Authenticate", "") or ""
        conn.close()
        if resp.status == 401:
            if not user:
                raise StreamError("unauthorized", "the server wants credentials and the URL has none")
            if attempt == 2:
                raise StreamError("unauthorized", "the server refused the credentials (401)")
            headers["Authorization"] = authorization(user, password, "GET", target, challenge)
            continue
        if resp.status == 404:
            raise StreamError("not_found", "the server has no such stream (404)")
        raise StreamError("open", f"the server answered GET with status {resp.status}")
    raise StreamError("unauthorized", "the server refused the credentials (401)")  # pragma: no cover


def _decode(jpeg: bytes) -> np.ndarray | None:
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)


class MjpegReader:
    """A ``multipart/x-mixed-replace`` JPEG stream over HTTP."""

    bitrate_kbps: float | None = None

    def __init__(self, spec: StreamSpec, timeouts: Timeouts):
        self._read_s = timeouts.read_s
        self._conn, self._resp = _get(spec.url, timeouts.connect_s)
        ctype = (self._resp.getheader("Content-Type", "") or "").lower()
        if not ctype.startswith("multipart/"):
            self.close()
            raise StreamError("protocol", f"not an MJPEG stream (Content-Type {ctype or 'missing'!r})")
        if self._conn.sock is not None:
            self._conn.sock.settimeout(timeouts.read_s)
        self._buf = bytearray()

    def read(self) -> tuple[np.ndarray, int]:
        """The next JPEG part, decoded; bounded by the read timeout even if bytes trickle in."""
        deadline = time.monotonic() + self._read_s
        bad = 0
        scan = 0
        while True:
            soi = self._buf.find(_SOI)
            if soi >= 0:
                eoi = self._buf.find(_EOI, max(soi + 2, scan))
                if eoi >= 0:
                    jpeg = bytes(self._buf[soi : eoi + 2])
                    del self._buf[: eoi + 2]
                    scan = 0
                    img = _decode(jpeg)
                    if img is not None:
                        return img, len(jpeg)
                    bad += 1
                    if bad >= _MAX_BAD_FRAMES:
                        raise StreamError("decode", f"{bad} parts in a row are not JPEG images (garbage)")
                    continue
                if soi > 0:
                    del self._buf[:soi]
                scan = max(2, len(self._buf) - 1)
            elif len(self._buf) > 1:
                del self._buf[:-1]
            if len(self._buf) > _MAX_FRAME_BYTES:
                raise StreamError("protocol", "no complete JPEG in 16 MB of stream (garbage)")
            if time.monotonic() > deadline:
                raise StreamError("timeout", f"no frame within {self._read_s:g} s")
            try:
                chunk = self._resp.read1(65536)
            except TimeoutError as e:
                raise StreamError("timeout", f"no data within {self._read_s:g} s") from e
            except (OSError, http.client.HTTPException) as e:
                raise StreamError("read", f"the stream broke ({e.__class__.__name__})") from e
            if not chunk:
                raise StreamError("read", "the server closed the stream")
            self._buf += chunk

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


class SnapshotReader:
    """A JPEG snapshot URL fetched every ``poll_s`` seconds (one bounded HTTP GET per frame)."""

    bitrate_kbps: float | None = None

    def __init__(self, spec: StreamSpec, timeouts: Timeouts, stop: threading.Event):
        self._url, self._poll_s, self._timeouts, self._stop = spec.url, spec.poll_s, timeouts, stop
        self._due = time.monotonic()
        self._first: tuple[np.ndarray, int] | None = self._fetch()  # an open that fails fails here

    def _fetch(self) -> tuple[np.ndarray, int]:
        conn, resp = _get(self._url, self._timeouts.connect_s)
        try:
            if conn.sock is not None:
                conn.sock.settimeout(self._timeouts.read_s)
            try:
                data = resp.read(_MAX_FRAME_BYTES + 1)
            except TimeoutError as e:
                raise StreamError("timeout", f"snapshot body not complete within {self._timeouts.read_s:g} s") from e
            except (OSError, http.client.HTTPException) as e:
                raise StreamError("read", f"the snapshot download broke ({e.__class__.__name__})") from e
        finally:
            conn.close()
        if len(data) > _MAX_FRAME_BYTES:
            raise StreamError("protocol", "snapshot larger than 16 MB")
        img = _decode(data)
        if img is None:
            raise StreamError("decode", "the snapshot is not a JPEG image")
        return img, len(data)

    def read(self) -> tuple[np.ndarray, int]:
        """The next snapshot, fetched when its poll time comes."""
        if self._first is not None:
            out, self._first = self._first, None
            self._due = time.monotonic() + self._poll_s
            return out
        wait = self._due - time.monotonic()
        if wait > 0 and self._stop.wait(wait):
            raise StreamError("read", "stopped")
        self._due = max(self._due + self._poll_s, time.monotonic())
        return self._fetch()

    def close(self) -> None:
        """Nothing stays open between polls."""
