"""RTSP through OpenCV's FFmpeg backend, behind a preflight that keeps a dead camera from stalling the rest.

OpenCV serialises FFmpeg opens process-wide, so one camera that never answers would hold every other
reconnect for the whole open timeout. Before handing a URL to OpenCV we therefore ask the server
ourselves, in plain Python with a bounded socket timeout and without any process-wide lock: a TCP
connect and an RTSP ``OPTIONS``. Only a peer that answers in RTSP reaches the serialised open; a
refused port, a silent host or a peer that sends garbage is told apart in the preflight.

When FFmpeg then fails to open, OpenCV does not say why, so we ask again with ``DESCRIBE`` (answering
a Basic or Digest challenge when the URL has credentials) to tell unauthorized / not found / busy
apart. ``DESCRIBE`` is not sent before a healthy open: on servers that share one pipeline among
clients (gst-rtsp-server) a probe that describes and leaves makes the media tear down, and the real
open that follows meets ``503 Service Unavailable``.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from urllib.parse import unquote, urlsplit, urlunsplit

import numpy as np

from ._auth import authorization
from ._errors import StreamError
from ._redact import redact_text, url_secrets
from ._spec import StreamSpec, Timeouts

__all__ = ["RtspReader", "preflight"]

# FFmpeg logs URLs (with credentials) on errors: keep it quiet unless the user asked otherwise.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

import cv2  # noqa: E402  (after the log level, which OpenCV reads when it first loads FFmpeg)

#: Held around setting ``OPENCV_FFMPEG_CAPTURE_OPTIONS`` and the open that reads it (the variable is
#: process-wide; OpenCV serialises opens anyway, so this costs no parallelism).
_OPEN_LOCK = threading.Lock()
_MAX_HEADER_BYTES = 16384


def _strip_userinfo(url: str) -> str:
    p = urlsplit(url)
    host = p.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{p.port}" if p.port else "")
    return urlunsplit((p.scheme, netloc, p.path, p.query, ""))


def _read_reply(sock: socket.socket, deadline: float) -> tuple[int, dict[str, str], bytes]:
    buf = b""
    while b"\r\n\r\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            raise StreamError("timeout", "no RTSP reply in time")
        sock.settimeout(left)
        try:
            chunk = sock.recv(4096)
        except TimeoutError as e:
            raise StreamError("timeout", "no RTSP reply in time") from e
        except OSError as e:
            raise StreamError("read", f"connection failed during RTSP preflight ({e.__class__.__name__})") from e
        if not chunk:
            raise StreamError("protocol", "connection closed before an RTSP reply")
        buf += chunk
        if not buf.startswith(b"RTSP/"[: len(buf)]):
            raise StreamError("protocol", "the server does not speak RTSP (garbage reply)")
        if len(buf) > _MAX_HEADER_BYTES:
            raise StreamError("protocol", "RTSP reply header too long")
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"RTSP/\d\.\d (\d{3})", lines[0])
    if not m:
        raise StreamError("protocol", "the server does not speak RTSP (garbage reply)")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.setdefault(k.strip().lower(), v.strip())
    return int(m.group(1)), headers, rest


def preflight(url: str, timeout_s: float, *, method: str = "OPTIONS") -> None:
    """Ask the RTSP server (``OPTIONS``: is it there and does it speak RTSP?), bounded by ``timeout_s`` in all.

    With ``method="DESCRIBE"`` it asks for the stream itself and tells why it cannot be had.

    Raises:
        StreamError: ``refused``, ``timeout``, ``protocol`` (not RTSP); for DESCRIBE also
            ``unauthorized``, ``not_found``, ``busy`` (503) or ``open`` (any other status).
            The message holds no credentials.
    """
    p = urlsplit(url)
    if p.scheme.lower() == "rtsps":  # TLS: leave the handshake to FFmpeg, check only that something listens
        port = p.port or 322
    else:
        port = p.port or 554
    host = p.hostname or ""
    deadline = time.monotonic() + timeout_s
    try:
        sock = socket.create_connection((host, port), timeout=timeout_s)
    except TimeoutError as e:
        raise StreamError("timeout", f"no TCP answer from {host}:{port} within {timeout_s:g} s") from e
    except ConnectionRefusedError as e:
        raise StreamError("refused", f"connection refused by {host}:{port}") from e
    except OSError as e:
        raise StreamError("refused", f"cannot reach {host}:{port} ({e.__class__.__name__})") from e
    with sock:
        if p.scheme.lower() == "rtsps":
            return
        clean = _strip_userinfo(url)
        user, password = unquote(p.username or ""), unquote(p.password or "")
        auth = ""
        for cseq in (1, 2):
            req = f"{method} {clean} RTSP/1.0\r\nCSeq: {cseq}\r\nAccept: application/sdp\r\nUser-Agent: twin-feeds\r\n"
            req += f"Authorization: {auth}\r\n\r\n" if auth else "\r\n"
            try:
                sock.sendall(req.encode("latin-1"))
            except OSError as e:
                raise StreamError("read", f"connection to {host}:{port} failed ({e.__class__.__name__})") from e
            status, headers, rest = _read_reply(sock, deadline)
            # consume the body so a second request on this connection starts clean
            need = int(headers.get("content-length", "0") or 0) - len(rest)
            while need > 0 and time.monotonic() < deadline:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    chunk = sock.recv(min(need, 65536))
                except OSError:
                    break
                if not chunk:
                    break
                need -= len(chunk)
            if status == 200 or method == "OPTIONS":  # any RTSP answer to OPTIONS: alive and speaking RTSP
                return
            if status == 401:
                challenge = headers.get("www-authenticate", "")
                if not user:
                    raise StreamError("unauthorized", "the server wants credentials and the URL has none")
                if auth:
                    raise StreamError("unauthorized", "the server refused the credentials (401)")
                auth = authorization(user, password, method, clean, challenge)
                continue
            if status == 404:
                raise StreamError("not_found", "the server has no such stream (404)")
            if status == 503:
                raise StreamError("busy", "the server is busy (503), retrying")
            raise StreamError("open", f"the server answered {method} with status {status}")
    raise StreamError("unauthorized", "the server refused the credentials (401)")  # pragma: no cover


class RtspReader:
    """An RTSP stream decoded by OpenCV's FFmpeg backend, with bounded open and read timeouts."""

    def __init__(self, spec: StreamSpec, timeouts: Timeouts):
        self._secrets = url_secrets(spec.url)
        preflight(spec.url, timeouts.connect_s)
        # Measured here: a capture whose server froze gives up after about twice its read timeout
        # (OpenCV's interrupt, then FFmpeg's own socket timeout), so each gets half of ours.
        read_ms = int(timeouts.read_s * 1000 / 2)
        read_us = read_ms * 1000
        # nobuffer/low_delay: no burst of stale frames after the open; a short probe: the SDP carries
        # the parameter sets, so FFmpeg needs no long analysis (open 2.0 s -> 0.3 s on loopback).
        options = (
            f"rtsp_transport;{spec.transport}|fflags;nobuffer|flags;low_delay|"
            f"analyzeduration;500000|probesize;262144|timeout;{read_us}"
        )
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(timeouts.open_s * 1000),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC, read_ms,
            # one decoder thread a stream: frame threading holds frames back (they surfaced only when a
            # frozen stream timed out, a second late), and many streams on few cores gain nothing from it
            cv2.CAP_PROP_N_THREADS, 1,
        ]
        with _OPEN_LOCK:
            saved = os.environ.get("OPENCV_FFMPEG_CAPTURE_OPTIONS")
            os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = options
            try:
                cap = cv2.VideoCapture(spec.url, cv2.CAP_FFMPEG, params)
            finally:
                if saved is None:
                    os.environ.pop("OPENCV_FFMPEG_CAPTURE_OPTIONS", None)
                else:
                    os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = saved
        if not cap.isOpened():
            cap.release()
            preflight(spec.url, timeouts.connect_s, method="DESCRIBE")  # raises the reason when there is one
            raise StreamError("open", "the decoder could not open the stream")
        self._cap: cv2.VideoCapture | None = cap
        br = cap.get(cv2.CAP_PROP_BITRATE)
        self.bitrate_kbps: float | None = float(br) if br and br > 0 else None

    def read(self) -> tuple[np.ndarray, int]:
        """The next decoded frame (bytes on the wire unknown: OpenCV does not expose packet sizes)."""
        if self._cap is None:
            raise StreamError("read", "reader closed")
        try:
            ok, frame = self._cap.read()
        except cv2.error as e:
            raise StreamError("read", redact_text(f"decoder error: {e}", *self._secrets)) from e
        if not ok or frame is None:
            raise StreamError("read", "the stream closed or sent nothing within the read timeout")
        return frame, 0

    def close(self) -> None:
        """Release the decoder."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None
