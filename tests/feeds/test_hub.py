"""The hub and its workers: latest-frame semantics, decode-what-is-subscribed, bounded memory, seeded backoff."""

from __future__ import annotations

import random
import threading
import time
import tracemalloc

import numpy as np
import pytest

from feeds import FeedConfig, FeedConfigError, FeedHub, FeedState, RetryPolicy, redact_text, redact_url, stream_from_url

from .conftest import rss_mb, wait_for


def _synthetic(n: int, fps: float = 15.0, size=(320, 180)) -> list[FeedConfig]:
    return [
        FeedConfig(f"CAM-{i:03d}", {"main": stream_from_url(f"synthetic://CAM-{i:03d}?w={size[0]}&h={size[1]}&fps={fps}")})
        for i in range(n)
    ]


def test_slow_consumer_gets_the_latest_frame_and_drops_are_counted(no_leaked_threads) -> None:
    with FeedHub(_synthetic(1, fps=30.0)) as hub, hub.subscribe("CAM-000") as sub:
        first, _ = wait_for(lambda: sub.next(0.5), 3.0)
        got = []
        for _ in range(6):  # a consumer at ~3 fps against a 30 fps source
            time.sleep(0.3)
            f = sub.latest()
            got.append(f)
            assert f.age_s < 0.1, "the latest frame is never stale by more than a frame period or so"
        h = sub.health()
    seqs = [f.seq for f in got]
    assert all(b - a >= 5 for a, b in zip(seqs, seqs[1:], strict=False)), seqs  # ~9 frames between reads
    # every frame this subscriber never saw was dropped at the slot, and counted, both there and here
    seqs = [first.seq, *seqs]
    assert sub.skipped == seqs[-1] - seqs[0] - (len(seqs) - 1)
    assert h.dropped >= sub.skipped - 1


def test_cost_follows_subscribed_not_configured(no_leaked_threads) -> None:
    base = threading.active_count()
    with FeedHub(_synthetic(216), grace_s=0.2) as hub:
        time.sleep(0.3)
        assert hub.open_streams == 0 and threading.active_count() == base + 1  # only the reaper
        assert {h.state for h in hub.health()} == {FeedState.IDLE} and len(hub.health()) == 216
        subs = [hub.subscribe(f"CAM-{i:03d}", "thumb") for i in range(0, 216, 27)]  # 8 of 216
        assert hub.open_streams == 8 and threading.active_count() == base + 1 + 8
        for s in subs:
            s.close()
        wait_for(lambda: hub.threads_alive == 0, 3.0)
        assert hub.open_streams == 0 and hub.threads_alive == 0


def test_watch_follows_the_view(no_leaked_threads) -> None:
    def two_streams(cid: str) -> FeedConfig:
        return FeedConfig(cid, {
            "main": stream_from_url(f"synthetic://{cid}?w=640&h=360&fps=10"),
            "sub": stream_from_url(f"synthetic://{cid}?w=320&h=180&fps=10"),
        })

    with FeedHub([two_streams(f"C{i}") for i in range(5)], grace_s=0.1) as hub:
        w = hub.watch()
        w.set({"C0": "high", "C1": "thumb", "C2": "thumb"})
        assert w.watched == {"C0": "main", "C1": "sub", "C2": "sub"} and hub.open_streams == 3
        f, _ = wait_for(lambda: w.latest("C1"), 2.0)
        assert f.image.shape == (180, 320, 3)
        w.set({"C1": "high", "C3": "thumb"})  # C0 and C2 left the view, C1 came near, C3 came in
        assert w.watched == {"C1": "main", "C3": "sub"}
        wait_for(lambda: hub.open_streams == 2, 2.0)
        assert hub.open_streams == 2 and w.latest("C0") is None
        w.close()
        wait_for(lambda: hub.threads_alive == 0, 3.0)
        assert hub.open_streams == 0 and hub.threads_alive == 0


def test_two_subscribers_share_one_worker(no_leaked_threads) -> None:
    with FeedHub(_synthetic(1), grace_s=0.1) as hub:
        a, b = hub.subscribe("CAM-000"), hub.subscribe("CAM-000")
        assert hub.open_streams == 1
        fa, fb = a.next(2.0), b.next(2.0)
        assert fa is not None and fb is not None
        a.close()
        time.sleep(0.4)
        assert hub.open_streams == 1 and b.next(1.0) is not None  # b still watches
        b.close()
        wait_for(lambda: hub.open_streams == 0, 2.0)
        assert hub.open_streams == 0


def test_memory_stays_flat_while_frames_churn(no_leaked_threads) -> None:
    with FeedHub(_synthetic(4, fps=30.0, size=(640, 360))) as hub:
        subs = [hub.subscribe(f"CAM-{i:03d}") for i in range(4)]
        wait_for(lambda: all(s.latest() for s in subs), 3.0)
        time.sleep(0.5)
        tracemalloc.start()
        snap0 = tracemalloc.take_snapshot()
        rss0 = rss_mb()
        t_end = time.monotonic() + 3.0
        while time.monotonic() < t_end:  # a consumer that looks only now and then
            time.sleep(0.05)
            for s in subs:
                s.latest()
        rss1 = rss_mb()
        snap1 = tracemalloc.take_snapshot()
        tracemalloc.stop()
        frames = sum(s.health().frames for s in subs)
        for s in subs:
            s.close()
    grown = sum(st.size_diff for st in snap1.compare_to(snap0, "filename"))
    frame_bytes = 640 * 360 * 3
    assert frames > 300
    # ~360 frames went through (250 MB): a leak of frames would show hundreds of MB. What may differ
    # between two snapshots is the handful in flight (latest + being built, per stream): < 8 frames.
    assert grown < 8 * frame_bytes, grown
    assert rss1 - rss0 < 40, (rss0, rss1)


def test_retry_delays_are_exponential_capped_jittered_and_seeded() -> None:
    p = RetryPolicy(base_s=0.5, factor=2.0, max_s=4.0, jitter=0.2)
    rng = random.Random(3)
    delays = [p.delay(k, rng) for k in range(8)]
    nominal = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    for d, n in zip(delays, nominal, strict=True):
        assert n * 0.8 <= d <= n * 1.2
    assert delays == [p.delay(k, r) for r in [random.Random(3)] for k in range(8)]
    assert delays != [p.delay(k, r) for r in [random.Random(4)] for k in range(8)]
    assert len({round(d, 6) for d in delays[3:]}) == 5  # jittered: capped delays are not all equal
    with pytest.raises(FeedConfigError, match="base_s <= max_s"):
        RetryPolicy(base_s=5, max_s=1)


def _hung_crowd_opened_within(silent_peer, *, cameras: int, max_opening: int, window_s: float) -> int:
    """How many of ``cameras`` hung cameras (TCP accepted, never a word) the hub connects to in ``window_s``."""
    from feeds import Timeouts

    url = f"rtsp://127.0.0.1:{silent_peer.port}/main"
    cfgs = [FeedConfig(f"H{i:02d}", {"main": stream_from_url(url)}) for i in range(cameras)]
    # an open of a hung camera holds its slot connect_s: longer than the window we count in
    timeouts = Timeouts(connect_s=2.0, open_s=2.0, read_s=2.0)
    before = len(silent_peer.accepted_at)
    with FeedHub(cfgs, timeouts=timeouts, max_opening=max_opening) as hub:
        t0 = time.monotonic()
        for c in cfgs:
            hub.subscribe(c.camera_id)
        wait_for(lambda: len(silent_peer.accepted_at) - before >= min(cameras, max_opening), 10.0)
        time.sleep(max(0.0, t0 + window_s - time.monotonic()))
        return sum(1 for a in silent_peer.accepted_at[before:] if a - t0 < window_s)


def test_a_crowd_of_cameras_opens_a_few_at_a_time(silent_peer, no_leaked_threads) -> None:
    # a hub start (or a switch reboot) brings ten cameras up together: only max_opening probe at once,
    # the rest wait for a slot (a hung camera frees its slot after connect_s = 2 s, after the window)
    assert _hung_crowd_opened_within(silent_peer, cameras=10, max_opening=3, window_s=1.5) == 3
    # the same crowd with room for all: every camera connects at once (so the gate is what held them)
    assert _hung_crowd_opened_within(silent_peer, cameras=10, max_opening=10, window_s=1.5) == 10
    with pytest.raises(FeedConfigError, match=r"max_opening must be in \[1, 1024\], got 0"):
        FeedHub([], max_opening=0)


def test_reconnect_schedule_is_reproducible_per_seed(silent_peer) -> None:
    from feeds.capture import stream_seed

    assert stream_seed(1, "A", "main") == stream_seed(1, "A", "main")
    assert len({stream_seed(1, c, "main") for c in "ABCDEFGH"}) == 8


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("rtsp://admin:p%40ss@10.0.0.5:554/Streaming/101", "rtsp://***@10.0.0.5:554/Streaming/101"),
        ("rtsp://admin:pa@ss:w0rd@10.0.0.5/live", "rtsp://***@10.0.0.5/live"),
        ("http://user@cam.local/video.mjpg", "http://***@cam.local/video.mjpg"),
        ("http://cam.local/snap.jpg?user=admin&pwd=12345&ch=1", "http://cam.local/snap.jpg?user=***&pwd=***&ch=1"),
        ("rtsp://10.0.0.5/live", "rtsp://10.0.0.5/live"),
    ],
)
def test_credentials_are_redacted(url, shown) -> None:
    assert redact_url(url) == shown
    assert redact_text(f"open {url} failed") == f"open {shown} failed"


def test_configs_print_without_credentials() -> None:
    spec = stream_from_url("rtsp://admin:verysecret@10.0.0.5/live")
    cfg = FeedConfig("C", {"main": spec})
    assert "verysecret" not in repr(spec) + repr(cfg) + str(cfg)
    assert "rtsp://***@10.0.0.5/live" in repr(cfg)


def test_config_errors_name_what_is_wrong() -> None:
    with pytest.raises(FeedConfigError, match="camera 'A' is configured twice"):
        FeedHub(_synthetic(1) + [FeedConfig("A", {"main": stream_from_url("synthetic://A")}),
                                 FeedConfig("A", {"main": stream_from_url("synthetic://A")})])
    with FeedHub(_synthetic(1)) as hub:
        with pytest.raises(FeedConfigError, match="tier must be one of thumb, low, high, full, max, got 'huge'"):
            hub.subscribe("CAM-000", "huge")
        with pytest.raises(FeedConfigError, match="camera 'NOPE' has no configured feed"):
            hub.subscribe("NOPE")
    with pytest.raises(FeedConfigError, match=r"stream 'rtsp://\*\*\*@h/x': transport must be 'tcp' or 'udp'"):
        stream_from_url("rtsp://u:secretpw@h/x", transport="sctp")


def test_frames_are_read_only_and_carry_time_and_sequence(no_leaked_threads) -> None:
    with FeedHub(_synthetic(1)) as hub, hub.subscribe("CAM-000") as sub:
        a = sub.next(2.0)
        b = sub.next(2.0)
    assert b.seq == a.seq + 1 and b.t_mono > a.t_mono and abs(b.t_wall - time.time()) < 5
    with pytest.raises(ValueError):
        a.image[0, 0, 0] = 1
    assert isinstance(a.image, np.ndarray) and a.image.dtype == np.uint8


def test_decode_level_follows_the_size_on_screen() -> None:
    from feeds import DECODE_BY_SIZE, decode_for_size

    assert DECODE_BY_SIZE == {"full_px": 120.0, "key_px": 24.0}
    assert decode_for_size(400.0) == ("high", "full")  # 400 px: the 720 p tier, every frame
    assert decode_for_size(120.0) == ("thumb", "full")
    assert decode_for_size(119.9) == ("thumb", "key")  # a small tile: one picture a GOP
    assert decode_for_size(24.0) == ("thumb", "key")
    assert decode_for_size(23.9) == ("thumb", "none")  # a speck: connected, not decoded
    assert decode_for_size(None) == ("thumb", "none")  # off screen
    assert decode_for_size(50.0, thresholds={"full_px": 40.0, "key_px": 10.0}) == ("thumb", "full")


def test_showroom_feed_pump_sets_each_cameras_decode_level_from_its_size_on_screen() -> None:
    from feeds import FeedConfig, FeedHub, stream_from_url
    from showroom_cli.viewing import FeedPump

    cfgs = [FeedConfig(c, {"sub": stream_from_url(f"synthetic://{c}?w=160&h=90&fps=5")}) for c in "ABCD"]
    with FeedHub(cfgs, grace_s=0.0) as hub:
        pump = FeedPump(hub, {c: np.zeros(3) for c in "ABCD"}, budget=3)
        pump.choose(np.zeros(3), 0.0, ["A", "B", "C", "D"], {"A": 300.0, "B": 50.0, "C": 5.0, "D": 400.0})
        assert pump.watch.levels == {"A": "full", "B": "key", "C": "none"}  # D is past the budget of 3
        assert [h.decode for h in hub.health() if h.state != "idle"] == ["full", "key", "none"]
        pump.choose(np.zeros(3), 1.0, ["A", "B"], {"A": 30.0, "B": 500.0})  # zoomed: the levels follow
        assert pump.watch.levels == {"A": "key", "B": "full"}
        pump.close()
