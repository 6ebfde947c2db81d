"""RTSP at packet level through PyAV (FFmpeg's libraries): every packet counted, only what is asked decoded.

OpenCV's capture hides packets: it cannot tell "connected, waiting for a key frame" from "sending
nothing", cannot measure the bitrate on the wire, and decodes every frame or none. Here the demuxer
hands us each packet (its size, its key-frame flag) and the decoder sees only what the decode level
needs:

- ``full``: every packet is decoded; after a switch up from a lower level, decoding restarts at the
  next key frame (a P-frame without its references would decode to garbage).
- ``key``: only key-frame packets reach the decoder (``skip_frame = NONKEY`` as well), so a camera
  far from the viewer costs one decode per GOP.
- ``none``: nothing is decoded; packets are counted, health is kept.

Every blocking step is bounded: the preflight (TCP connect and RTSP ``OPTIONS``, no lock held) by
``connect_s``, FFmpeg's open by ``open_s`` and each packet read by ``read_s`` (PyAV's interrupt
callback, plus FFmpeg's own socket timeout). Time-outs are on packets, not on decoded frames: a
30-second GOP keeps the stream open and ``waiting_keyframe`` instead of breaking it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import av
import numpy as np

from ._errors import StreamError
from ._redact import redact_text, url_secrets
from ._rtsp import preflight
from ._spec import StreamSpec, Timeouts

__all__ = ["AvRtspReader", "PacketEvent"]

# FFmpeg writes URLs (with credentials) into its log on errors: keep its log quiet.
av.logging.set_level(av.logging.PANIC)
logging.getLogger("libav").setLevel(logging.CRITICAL)

#: (image or None, bytes of the packet, whether it starts a key frame, whether it starts a new frame)
PacketEvent = tuple["np.ndarray | None", int, bool, bool]


def _reason(e: BaseException) -> str:
    if isinstance(e, av.error.HTTPUnauthorizedError | av.error.PermissionError):
        return "unauthorized"
    if isinstance(e, av.error.ConnectionRefusedError):
        return "refused"
    if isinstance(e, av.error.TimeoutError | av.error.ExitError):
        return "timeout"
    if isinstance(e, av.error.HTTPNotFoundError | av.error.FileNotFoundError):
        return "not_found"
    return "open"


class AvRtspReader:
    """One RTSP stream, demuxed by PyAV: :meth:`read_packet` returns each video packet, decoded or not.

    Args:
        spec: the stream.
        timeouts: bounds on every blocking step.
        decode: the decode level to start with (``full``, ``key`` or ``none``); set :attr:`decode` to change it.
    """

    packet_level = True

    def __init__(self, spec: StreamSpec, timeouts: Timeouts, decode: str = "full"):
        self._secrets = url_secrets(spec.url)
        preflight(spec.url, timeouts.connect_s)
        self._read_s = timeouts.read_s
        read_us = int(timeouts.read_s * 1e6)
        options = {
            "rtsp_transport": spec.transport,
            # FFmpeg's own socket timeout (microseconds), under PyAV's interrupt on each read
            "timeout": str(read_us),
            # a short probe: parameter sets come from the SDP or the first key frame; a long probe on
            # a long-GOP stream would sit in the open for a whole GOP
            "analyzeduration": "500000",
            "probesize": "262144",
            "fflags": "nobuffer",
        }
        try:
            self._c: Any = av.open(spec.url, options=options, timeout=(timeouts.open_s, timeouts.read_s))
        except av.error.FFmpegError as e:
            reason = _reason(e)
            if reason in ("open", "timeout"):
                # FFmpeg's errors do not say why; ask ourselves (a Basic or Digest answer when the URL
                # has credentials) to tell unauthorized / not found / busy apart
                preflight(spec.url, timeouts.connect_s, method="DESCRIBE")
            raise StreamError(reason, redact_text(f"the stream could not be opened ({e.__class__.__name__})",
                                                  *self._secrets)) from e
        if not self._c.streams.video:
            self.close()
            raise StreamError("open", "the stream has no video track")
        self._v = self._c.streams.video[0]
        cc = self._v.codec_context
        cc.thread_count = 1  # many streams on few cores: one thread each; frame threads only add latency
        self._cc = cc
        self._packets = self._c.demux(self._v)  # other tracks (audio, metadata) are dropped by the demuxer
        self.decode = decode
        self._decoding = decode
        self._need_key = True
        self.decode_errors = 0
        self._last_pts: int | None = None
        self.pts_s: float | None = None
        self._au: list[Any] = []  # the packets of the frame being gathered
        self.bitrate_kbps: float | None = None  # measured from packets by the worker
        rate = self._v.average_rate or self._v.guessed_rate
        self.info: dict[str, Any] = {
            "codec": cc.name,
            "profile": cc.profile if isinstance(cc.profile, str) else None,
            "width_px": cc.width or None,
            "height_px": cc.height or None,
            "stream_fps": float(rate) if rate else None,
            "tracks": [s.type for s in self._c.streams],
        }

    def _set_level(self, level: str) -> None:
        if level == self._decoding:
            return
        if level == "full":
            self._need_key = True  # start clean at the next key frame
        self._cc.skip_frame = "NONKEY" if level == "key" else "DEFAULT"
        self._decoding = level

    def read_packet(self) -> PacketEvent:
        """The next video packet: (decoded image or None, its size, key frame starts, new frame starts).

        A frame may come in several packets of one timestamp (slices, parameter sets sent apart), so
        the packets of one frame are gathered and decoded together once a packet of the next frame
        arrives (one frame period of latency): one decode call a frame, and a key frame decoded
        alone is whole.

        Raises:
            StreamError: the stream broke or sent nothing within the read timeout.
        """
        if self._c is None:
            raise StreamError("read", "reader closed")
        self._set_level(self.decode)
        t0 = time.monotonic()
        try:
            pkt = next(self._packets)
            # FFmpeg's parser hands over the frame it held back when a read is interrupted: a packet
            # that took the whole read timeout to come is a timeout, not a sign of life
            if time.monotonic() - t0 >= 0.95 * self._read_s:
                raise StreamError("timeout", "no packet within the read timeout")
        except StopIteration as e:
            raise StreamError("read", "the stream closed") from e
        except av.error.FFmpegError as e:
            reason = "timeout" if isinstance(e, av.error.ExitError | av.error.TimeoutError) else "read"
            broke = f"the stream broke ({e.__class__.__name__})"
            raise StreamError(reason, "no packet within the read timeout" if reason == "timeout" else broke) from e
        size, key = pkt.size, bool(pkt.is_keyframe)
        new = pkt.pts is None or pkt.pts != self._last_pts
        self._last_pts = pkt.pts
        #: the packet's time on the stream's clock (s); GOPs are measured on it, not on arrival times
        self.pts_s = float(pkt.pts * pkt.time_base) if pkt.pts is not None and pkt.time_base else None
        mark = key and new
        image = None
        if new and self._au:
            image = self._finish_frame()
        if size and self._decoding != "none" and (self._au or mark or self._decoding == "full"):
            self._au.append(pkt)
        return image, size, mark, new

    def _finish_frame(self) -> np.ndarray | None:
        """Decode the gathered packets of one frame as the decode level says."""
        au, self._au = self._au, []
        is_key = bool(au[0].is_keyframe)
        if self._decoding == "none" or (not is_key and (self._need_key or self._decoding == "key")):
            return None
        self._need_key = False
        if len(au) == 1:
            pkt = au[0]
        else:
            pkt = av.Packet(b"".join(bytes(p) for p in au))
            pkt.pts, pkt.dts, pkt.time_base = au[0].pts, au[0].dts, au[0].time_base
        image = self._decode(pkt)
        if self._decoding == "key" and image is None:
            # drain and reset: a decoder that reorders (B-frames) holds the picture back until more
            # frames come, and no more come to it until the next key frame
            image = self._decode(None)
            self._cc.flush_buffers()
        return image

    def _decode(self, pkt: Any) -> np.ndarray | None:
        image = None
        try:
            for frame in self._cc.decode(pkt):
                image = frame.to_ndarray(format="bgr24")
                if self.info["width_px"] is None:
                    self.info["width_px"], self.info["height_px"] = frame.width, frame.height
                if self.info["profile"] is None and isinstance(self._cc.profile, str):
                    self.info["profile"] = self._cc.profile
        except av.error.EOFError:
            pass
        except av.error.FFmpegError:
            # a broken packet costs its frame, not the stream; decoding resumes at the next key frame
            self.decode_errors += 1
            self._need_key = True
        return image

    def read(self) -> tuple[np.ndarray, int]:
        """The next decoded frame and the bytes it took (for callers that want frames only)."""
        total = 0
        while True:
            image, size, _, _ = self.read_packet()
            total += size
            if image is not None:
                return image, total

    def close(self) -> None:
        """Close the connection (sends TEARDOWN)."""
        if self._c is not None:
            c, self._c = self._c, None
            c.close()
