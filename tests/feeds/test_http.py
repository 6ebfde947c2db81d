"""HTTP cameras on 127.0.0.1: MJPEG streams and snapshots, with auth, stalls, garbage and a kill."""

from __future__ import annotations

import logging
import time

from feeds import FeedConfig, FeedHub, FeedState, Timeouts, stream_from_url

from .conftest import ServerProc, frames_for, wait_for


def _hub(urls: dict[str, str], **kw) -> FeedHub:
    return FeedHub([FeedConfig(cid, {"main": stream_from_url(u)}) for cid, u in urls.items()], **kw)


def test_mjpeg_stream_online_with_measured_fps_and_bitrate(mjpeg_server, no_leaked_threads) -> None:
    with _hub({"M": mjpeg_server.url("/video.mjpg", "http")}) as hub, hub.subscribe("M") as sub:
        f, _ = wait_for(lambda: sub.next(0.2), 5.0)
        assert f is not None and f.image.shape == (180, 320, 3)
        time.sleep(2.0)
        h = sub.health()
        assert h.state == FeedState.ONLINE and 12.0 <= h.fps <= 18.0, h
        # the bitrate is known for MJPEG (our parser counts each JPEG's bytes): 15 fps x a few kB
        assert h.bitrate_kbps is not None and 50 < h.bitrate_kbps < 5000, h


def test_snapshot_polled_at_its_rate(mjpeg_server, no_leaked_threads) -> None:
    spec = stream_from_url(mjpeg_server.url("/snapshot.jpg", "http"), poll_s=0.25)
    assert spec.kind == "snapshot"
    with FeedHub([FeedConfig("S", {"main": spec})]) as hub, hub.subscribe("S") as sub:
        wait_for(lambda: sub.next(0.2), 5.0)
        frames = frames_for(sub, 2.0)
        # 4 polls a second for 2 s
        assert 6 <= len(frames) <= 10, len(frames)
        assert 3.0 <= sub.health().fps <= 5.0


def test_http_basic_auth_right_and_wrong(mjpeg_server, caplog, capfd, no_leaked_threads) -> None:
    caplog.set_level(logging.DEBUG, logger="feeds")
    urls = {
        "GOOD": mjpeg_server.url("/auth/video.mjpg", "http", "admin:s3cret"),
        "WRONG": mjpeg_server.url("/auth/video.mjpg", "http", "admin:hunter2wrong"),
    }
    with _hub(urls) as hub:
        good, wrong = hub.subscribe("GOOD"), hub.subscribe("WRONG")
        wait_for(lambda: good.health().state == FeedState.ONLINE and wrong.health().last_error, 5.0)
        assert good.health().state == FeedState.ONLINE
        hw = wrong.health()
        assert hw.state == FeedState.OFFLINE and hw.last_error.startswith("unauthorized"), hw
        shown = " ".join(str(h.as_dict()) for h in hub.health())
        good.close()
        wrong.close()
    out, err = capfd.readouterr()
    assert "s3cret" not in shown + out + err + caplog.text
    assert "hunter2wrong" not in shown + out + err + caplog.text
    assert "http://***@127.0.0.1" in shown


def test_mjpeg_stall_without_close_is_stalled_then_offline(mjpeg_server, no_leaked_threads) -> None:
    t = Timeouts(read_s=3.0, stall_s=1.0)
    with _hub({"M": mjpeg_server.url("/stall/video.mjpg", "http")}, timeouts=t) as hub, hub.subscribe("M") as sub:
        wait_for(lambda: sub.health().state == FeedState.ONLINE, 5.0)
        wait_for(lambda: sub.health().state == FeedState.STALLED, 3.0, 0.02)
        assert sub.health().state == FeedState.STALLED
        t0 = time.monotonic()
        wait_for(lambda: sub.health().state == FeedState.OFFLINE, t.read_s + 1.0, 0.02)
        h = sub.health()
        assert h.state == FeedState.OFFLINE and h.last_error.startswith("timeout"), h
        assert time.monotonic() - t0 <= t.read_s


def test_garbage_after_a_valid_header_and_undecodable_parts(mjpeg_server, garbage_peer, no_leaked_threads) -> None:
    urls = {
        "RANDOM": mjpeg_server.url("/garbage.mjpg", "http"),
        "NOTJPEG": mjpeg_server.url("/notjpeg.mjpg", "http"),
        "NOTHTTP": f"http://127.0.0.1:{garbage_peer.port}/video.mjpg",
    }
    with _hub(urls) as hub:
        subs = {k: hub.subscribe(k) for k in urls}
        wait_for(lambda: all(s.health().last_error for s in subs.values()), 6.0)
        hs = {k: s.health() for k, s in subs.items()}
        for k, h in hs.items():
            assert h.state == FeedState.OFFLINE and h.frames == 0, (k, h)
        assert hs["RANDOM"].last_error.split(":")[0] in ("decode", "protocol"), hs["RANDOM"]
        assert hs["NOTJPEG"].last_error.startswith("decode"), hs["NOTJPEG"]
        assert hs["NOTHTTP"].last_error.startswith("protocol"), hs["NOTHTTP"]
        for s in subs.values():
            s.close()


def test_mjpeg_server_killed_and_restarted(no_leaked_threads) -> None:
    import sys

    from .conftest import SERVERS

    srv = ServerProc([sys.executable, str(SERVERS / "mjpeg_server.py")])
    try:
        with _hub({"M": srv.url("/video.mjpg", "http")}) as hub, hub.subscribe("M") as sub:
            wait_for(lambda: sub.health().state == FeedState.ONLINE, 5.0)
            t0 = time.monotonic()
            srv.kill()
            wait_for(lambda: sub.health().state == FeedState.OFFLINE, 4.0, 0.02)
            assert sub.health().state == FeedState.OFFLINE and time.monotonic() - t0 <= 3.0
            t1 = time.monotonic()
            srv.restart()
            wait_for(lambda: sub.health().state == FeedState.ONLINE, 6.0, 0.02)
            assert sub.health().state == FeedState.ONLINE and time.monotonic() - t1 <= 5.0
            assert sub.health().reconnects == 1
    finally:
        srv.kill()
