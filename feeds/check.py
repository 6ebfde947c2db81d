"""``showroom feeds check``: open feeds for a while, show their health live, and report it.

A feed passes when it came online at least once during the check; the report keeps, per feed, the
last health snapshot plus the worst it saw (the longest frame age, whether it ever stalled).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from ._redact import redact_text
from .health import FeedState, Health
from .hub import FeedHub

__all__ = ["check_feeds", "format_table"]


def format_table(healths: Sequence[Health | dict[str, Any]], *, elapsed_s: float | None = None) -> str:
    """A fixed-width table of feed health (a :class:`Health` or its :meth:`~Health.as_dict` form)."""
    head = f"{'camera':<14} {'stream':<5} {'state':<10} {'fps':>5} {'age s':>6} {'kbit/s':>7} {'reconn':>6}  note"
    lines = [head, "-" * len(head)]
    rows = [h.as_dict() if isinstance(h, Health) else h for h in healths]
    for h in rows:
        age = f"{h['frame_age_s']:6.2f}" if h["frame_age_s"] is not None else f"{'-':>6}"
        kbps = f"{h['bitrate_kbps']:7.0f}" if h["bitrate_kbps"] is not None else f"{'-':>7}"
        if h["state"] == "online":
            note = f"{h['width_px']}x{h['height_px']}"
            note += f" {h['codec']}" if h.get("codec") else ""
            note += f" GOP {h['gop_s']:.1f} s" if h.get("gop_s") else ""
        elif h["state"] == "waiting_keyframe":
            note = f"connected, {h.get('packets', 0)} packets, no key frame yet"
        else:
            note = h["last_error"] or ""
        lines.append(
            f"{h['camera_id'][:14]:<14} {h['stream'][:5]:<5} {h['state']:<10} {h['fps']:5.1f} {age} {kbps} "
            f"{h['reconnects']:6d}  {redact_text(note)[:60]}"
        )
    if elapsed_s is not None:
        n_on = sum(h["state"] == "online" for h in rows)
        lines.append(f"{n_on}/{len(rows)} online after {elapsed_s:.1f} s")
    return "\n".join(lines)


def check_feeds(
    hub: FeedHub,
    *,
    seconds: float = 10.0,
    tier: str = "low",
    tick_s: float = 0.5,
    on_tick: Callable[[list[Health], float], None] | None = None,
) -> dict[str, Any]:
    """Subscribe to every configured feed of ``hub`` for ``seconds`` and report what each did.

    Returns:
        ``{"seconds", "tier", "summary": {...}, "feeds": [...]}``; each feed is its last health
        (:meth:`Health.as_dict`) plus ``ever_online``, ``ever_stalled`` and ``max_frame_age_s``.
    """
    if not (0.0 < seconds <= 86400.0):
        from ._errors import FeedConfigError

        raise FeedConfigError(f"--seconds must be in (0, 86400], got {seconds}")
    subs = [hub.subscribe(cid, tier) for cid in hub.configs]
    ever_online: dict[tuple[str, str], bool] = {}
    ever_stalled: dict[tuple[str, str], bool] = {}
    max_age: dict[tuple[str, str], float] = {}
    t0 = time.monotonic()
    last: list[Health] = []
    try:
        for _ in range(int(seconds / tick_s) + 2):  # bounded: one pass per tick, plus the last look
            elapsed = time.monotonic() - t0
            last = [s.health() for s in subs]
            for h in last:
                k = (h.camera_id, h.stream)
                ever_online[k] = ever_online.get(k, False) or h.ever_online
                ever_stalled[k] = ever_stalled.get(k, False) or h.state == FeedState.STALLED
                if h.frame_age_s is not None and h.ever_online:
                    max_age[k] = max(max_age.get(k, 0.0), h.frame_age_s)
            if on_tick is not None:
                on_tick(last, elapsed)
            if elapsed >= seconds:
                break
            time.sleep(min(tick_s, max(0.0, seconds - elapsed)))
    finally:
        for s in subs:
            s.close()
    feeds = []
    for h in last:
        k = (h.camera_id, h.stream)
        d = h.as_dict()
        d["ever_online"] = ever_online.get(k, False)
        d["ever_stalled"] = ever_stalled.get(k, False)
        d["max_frame_age_s"] = round(max_age[k], 3) if k in max_age else None
        feeds.append(d)
    never = [f["camera_id"] for f in feeds if not f["ever_online"]]
    return {
        "seconds": round(time.monotonic() - t0, 2),
        "tier": tier,
        "summary": {
            "feeds": len(feeds),
            "online_now": sum(f["state"] == "online" for f in feeds),
            "ever_online": len(feeds) - len(never),
            "never_online": never,
            "waiting_keyframe_now": sum(f["state"] == "waiting_keyframe" for f in feeds),
            "stalled_now": sum(f["state"] == "stalled" for f in feeds),
            "offline_now": sum(f["state"] == "offline" for f in feeds),
            "reconnects": sum(f["reconnects"] for f in feeds),
        },
        "feeds": feeds,
    }
