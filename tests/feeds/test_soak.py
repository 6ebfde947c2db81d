"""Many RTSP streams held at once against the real server: all online, every frame rate kept, memory flat."""

from __future__ import annotations

import threading
import time

import pytest

from feeds import FeedConfig, FeedHub, FeedState, stream_from_url

from .conftest import rss_mb, wait_for


def assert_streams_held(rtsp_server, n: int, seconds: float) -> None:
    cfgs = [
        FeedConfig(f"S{i:02d}", {"main": stream_from_url(rtsp_server.url(f"/cam{i % 4}"), width_px=640, height_px=360)})
        for i in range(n)
    ]
    base_threads = threading.active_count()
    with FeedHub(cfgs) as hub:
        subs = [hub.subscribe(c.camera_id) for c in cfgs]
        wait_for(lambda: all(s.health().state == FeedState.ONLINE for s in subs), 10.0 + n)
        down = [(h.camera_id, h.state.value, h.last_error, h.reconnects) for h in (s.health() for s in subs)]
        assert all(state == "online" for _, state, _, _ in down), [d for d in down if d[1] != "online"]
        time.sleep(1.0)
        frames0 = [s.health().frames for s in subs]
        t0 = time.monotonic()
        rss = []
        samples = 0
        offline_seen = 0
        while time.monotonic() - t0 < seconds:
            time.sleep(0.5)
            for s in subs:
                s.latest()
            hs = [s.health() for s in subs]
            offline_seen += sum(h.state != FeedState.ONLINE for h in hs)
            samples += 1
            rss.append(rss_mb())
        dt = time.monotonic() - t0
        fps = [(s.health().frames - f0) / dt for s, f0 in zip(subs, frames0, strict=True)]
        reconnects = [s.health().reconnects for s in subs]
        assert threading.active_count() == base_threads + 1 + n
    assert hub.threads_alive == 0
    assert offline_seen == 0, f"{offline_seen} not-online samples out of {samples * n}"
    assert min(fps) >= 13.5, fps  # 15 fps sources, every stream decoded in real time
    assert reconnects == [0] * n
    # memory flat: the second half of the run grows by less than 15 MB over the first half
    half = len(rss) // 2
    assert max(rss[half:]) - max(rss[:half]) < 15.0, rss


def test_four_streams_for_five_seconds(rtsp_server, no_leaked_threads) -> None:
    assert_streams_held(rtsp_server, 4, 5.0)


@pytest.mark.slow
def test_sixteen_streams_for_sixty_seconds(rtsp_server, no_leaked_threads) -> None:
    assert_streams_held(rtsp_server, 16, 60.0)
