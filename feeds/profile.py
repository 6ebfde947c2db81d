"""Stream profiles: what each camera really sends, measured on the wire over a period.

``showroom feeds profile`` watches every stream of the chosen cameras for ``seconds`` at the decode
level ``key`` (packets counted, one decode a GOP: enough to learn the resolution when the parameter
sets are not in the SDP, and cheap) and writes, per camera and stream, the bitrate over the period
(bytes on the wire from the first packet to the end, over that time), the key-frame interval seen,
codec, profile, resolution and frame rate. ``showroom capacity --profile FILE`` then sizes the
servers on these figures where measured and the planning figures elsewhere.

The file (JSON)::

    {"kind": "measured-stream-profile", "version": 1, "seconds": 60.0, "measured_at": "...",
     "base_profile": "planning",
     "cameras": {"CAM-001": {"main": {"bitrate_kbps": 812.4, "gop_s": 2.0, "gop_frames": 30,
                                      "width_px": 1920, "height_px": 1080, "fps": 15.0,
                                      "codec": "h264", "profile": "Main", "measured_s": 58.1,
                                      "bytes": 5900000, "frames": 872, "key_frames": 29,
                                      "url": "rtsp://***@10.0.0.5/Streaming/101"}, "sub": {...}}},
     "not_measured": {"CAM-002": "timeout: no TCP answer from 10.0.0.6:554 within 2 s"}}

``base_profile`` names the scene factors (:mod:`sim.streams` profiles) applied on top of the
measured bitrates: a measurement at one time of day does not see the night or the events.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ._errors import FeedConfigError
from .health import Health
from .hub import FeedHub

__all__ = ["PROFILE_KIND", "measure_profile"]

PROFILE_KIND = "measured-stream-profile"


def measure_profile(
    hub: FeedHub,
    *,
    seconds: float,
    streams: tuple[str, ...] = ("main", "sub"),
    base_profile: str = "planning",
    tick_s: float = 0.5,
    on_tick: Callable[[list[Health], float], None] | None = None,
) -> dict[str, Any]:
    """Watch every configured stream named in ``streams`` for ``seconds``; return the profile document.

    A stream that sent no packet is listed under ``not_measured`` with its last error.
    """
    if not (0.0 < seconds <= 86400.0):
        raise FeedConfigError(f"--seconds must be in (0, 86400], got {seconds}")
    subs = []
    for cid, cfg in hub.configs.items():
        for name in cfg.streams:
            if name in streams:
                subs.append(hub.subscribe(cid, decode="key", stream=name))
    first: dict[tuple[str, str], tuple[float, int, int, int]] = {}  # (t, bytes, frames, keys) at first packet
    last: list[Health] = []
    t0 = time.monotonic()
    try:
        for _ in range(int(seconds / tick_s) + 2):
            now = time.monotonic()
            last = [s.health() for s in subs]
            for h in last:
                k = (h.camera_id, h.stream)
                if k not in first and h.packets > 0:
                    first[k] = (now, h.bytes, h.packets, h.key_frames)
            if on_tick is not None:
                on_tick(last, now - t0)
            if now - t0 >= seconds:
                break
            time.sleep(min(tick_s, max(0.0, seconds - (now - t0))))
        t_end = time.monotonic()
        last = [s.health() for s in subs]
    finally:
        for s in subs:
            s.close()
    cameras: dict[str, dict[str, Any]] = {}
    missing: dict[str, str] = {}
    for h in last:
        k = (h.camera_id, h.stream)
        if k not in first or h.packets - first[k][2] < 2:
            missing[f"{h.camera_id}/{h.stream}"] = h.last_error or f"no packets ({h.state})"
            continue
        t1, b1, f1, k1 = first[k]
        span = t_end - t1
        row: dict[str, Any] = {
            "bitrate_kbps": round((h.bytes - b1) * 8.0 / span / 1000.0, 1),
            "gop_s": round(h.gop_s, 3) if h.gop_s is not None else None,
            "gop_frames": h.gop_frames,
            # with one key frame seen, the GOP is at least the time since it (or since the join)
            "gop_at_least_s": round(h.since_key_s, 1) if h.gop_s is None and h.since_key_s is not None else None,
            "width_px": h.width_px,
            "height_px": h.height_px,
            "fps": round((h.packets - f1) / span, 2),
            "stream_fps": h.stream_fps,
            "codec": h.codec,
            "profile": h.profile,
            "measured_s": round(span, 2),
            "bytes": h.bytes - b1,
            "frames": h.packets - f1,
            "key_frames": h.key_frames - k1,
            "url": h.url,
            "state_at_end": str(h.state),
        }
        cameras.setdefault(h.camera_id, {})[h.stream] = row
    return {
        "kind": PROFILE_KIND,
        "version": 1,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - t0, 2),
        "base_profile": base_profile,
        "cameras": cameras,
        "not_measured": missing,
    }
