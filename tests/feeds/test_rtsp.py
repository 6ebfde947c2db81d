"""RTSP against GStreamer's real RTSP server on 127.0.0.1: streams, tiers, and every fault the issue names."""

from __future__ import annotations

import logging
import time

import pytest

from feeds import FeedConfig, FeedHub, FeedState, Timeouts, stream_from_url

from .conftest import wait_for


def _hub(camera_streams: dict[str, dict[str, str]], **kw) -> FeedHub:
    cfgs = []
    for cid, streams in camera_streams.items():
        sizes = {"main": (640, 360), "sub": (320, 180)}
        specs = {}
        for name, url in streams.items():
            w, h = sizes.get(name, (640, 360))
            specs[name] = stream_from_url(url, width_px=w, height_px=h)
        cfgs.append(FeedConfig(cid, specs))
    return FeedHub(cfgs, **kw)


def _state(sub) -> FeedState:
    return sub.health().state


def test_rtsp_stream_delivers_sequenced_frames_at_its_rate(rtsp_server, no_leaked_threads) -> None:
    with _hub({"C1": {"main": rtsp_server.url("/main")}}) as hub, hub.subscribe("C1", "max") as sub:
        first, waited = wait_for(lambda: sub.next(0.2), 8.0)
        assert first is not None, f"no frame in {waited:.1f} s: {sub.health()}"
        assert first.image.shape == (360, 640, 3)
        frames = [first]
        t_end = time.monotonic() + 2.0
        while time.monotonic() < t_end:
            f = sub.next(1.0)
            assert f is not None
            frames.append(f)
        seqs = [f.seq for f in frames]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        t = [f.t_mono for f in frames]
        assert all(b > a for a, b in zip(t, t[1:], strict=False))
        # a consumer that keeps up sees every frame: 15 fps for 2 s, and the health agrees
        assert 24 <= len(frames) - 1 <= 36
        h = sub.health()
        assert h.state == FeedState.ONLINE and 12.0 <= h.fps <= 18.0, h
        assert not first.image.flags.writeable


def test_tier_picks_the_cheapest_stream_that_serves_it(rtsp_server, no_leaked_threads) -> None:
    streams = {"C1": {"main": rtsp_server.url("/main"), "sub": rtsp_server.url("/sub")}}
    with _hub(streams) as hub:
        with hub.subscribe("C1", "thumb") as small:
            f, _ = wait_for(lambda: small.next(0.2), 8.0)
            assert small.stream == "sub" and f.image.shape == (180, 320, 3)
            assert hub.open_streams == 1
        with hub.subscribe("C1", "high") as big:  # 720 is served by nothing: the biggest stream it is
            f, _ = wait_for(lambda: big.next(0.2), 8.0)
            assert big.stream == "main" and f.image.shape == (360, 640, 3)


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_server_killed_goes_offline_within_3s_and_back_online_within_5s(
    transport, rtsp_server_own, no_leaked_threads
) -> None:
    srv = rtsp_server_own
    spec = stream_from_url(srv.url("/main"), transport=transport, width_px=640, height_px=360)
    with FeedHub([FeedConfig("C1", {"main": spec})]) as hub, hub.subscribe("C1") as sub:
        _, waited = wait_for(lambda: _state(sub) == FeedState.ONLINE, 8.0)
        assert _state(sub) == FeedState.ONLINE, sub.health()
        time.sleep(0.5)
        t_kill = time.monotonic()
        srv.kill()
        _, t_off = wait_for(lambda: _state(sub) == FeedState.OFFLINE, 5.0, 0.02)
        assert _state(sub) == FeedState.OFFLINE, sub.health()
        assert time.monotonic() - t_kill <= 3.0, f"offline only after {time.monotonic() - t_kill:.2f} s"
        time.sleep(1.0)  # down for a while: reconnects fail and back off
        assert sub.health().failed_opens >= 1
        t_restart = time.monotonic()
        srv.restart()
        _, _ = wait_for(lambda: _state(sub) == FeedState.ONLINE, 8.0, 0.02)
        back_s = time.monotonic() - t_restart
        h = sub.health()
        assert h.state == FeedState.ONLINE and back_s <= 5.0, f"online after {back_s:.2f} s: {h}"
        assert h.reconnects == 1
        f = sub.next(2.0)
        assert f is not None and f.image.shape == (360, 640, 3)


def test_server_that_freezes_without_closing_is_stalled_then_offline_then_recovers(
    rtsp_server_own, no_leaked_threads
) -> None:
    srv = rtsp_server_own
    # a read timeout well above the stall threshold, so the stalled state lasts long enough to see
    # (FFmpeg hands over one frame it held back half a read timeout after the freeze)
    t = Timeouts(read_s=4.0, stall_s=1.0)
    with _hub({"C1": {"main": srv.url("/main")}}, timeouts=t) as hub, hub.subscribe("C1") as sub:
        wait_for(lambda: _state(sub) == FeedState.ONLINE, 8.0)
        assert _state(sub) == FeedState.ONLINE
        srv.freeze()  # SIGSTOP: the socket stays open, nothing flows (a hung camera)
        t0 = time.monotonic()
        try:
            wait_for(lambda: _state(sub) == FeedState.STALLED, t.read_s / 2 + t.stall_s + 2.0, 0.02)
            assert _state(sub) == FeedState.STALLED, sub.health()
            assert time.monotonic() - t0 <= t.read_s / 2 + t.stall_s + 1.0
            # the read timeout then breaks the stream
            wait_for(lambda: _state(sub) == FeedState.OFFLINE, t.read_s + 2.0, 0.05)
            assert _state(sub) == FeedState.OFFLINE, sub.health()
            assert time.monotonic() - t0 <= t.read_s + 1.5
        finally:
            srv.thaw()
        wait_for(lambda: _state(sub) == FeedState.ONLINE, 10.0)
        assert _state(sub) == FeedState.ONLINE, sub.health()


def test_wrong_credentials_are_refused_and_never_shown(rtsp_auth_server, caplog, capfd, no_leaked_threads) -> None:
    caplog.set_level(logging.DEBUG, logger="feeds")
    good = rtsp_auth_server.url("/main", userinfo="admin:s3cret")
    wrong = rtsp_auth_server.url("/main", userinfo="admin:hunter2wrong")
    none = rtsp_auth_server.url("/main")
    with _hub({"GOOD": {"main": good}, "WRONG": {"main": wrong}, "NONE": {"main": none}}) as hub:
        subs = {cid: hub.subscribe(cid) for cid in ("GOOD", "WRONG", "NONE")}
        wait_for(lambda: all(s.health().last_error or s.health().state == FeedState.ONLINE for s in subs.values()), 8.0)
        hs = {cid: s.health() for cid, s in subs.items()}
        assert hs["GOOD"].state == FeedState.ONLINE, hs["GOOD"]
        assert hs["WRONG"].state == FeedState.OFFLINE and hs["WRONG"].last_error.startswith("unauthorized"), hs["WRONG"]
        assert hs["NONE"].state == FeedState.OFFLINE and hs["NONE"].last_error.startswith("unauthorized"), hs["NONE"]
        shown = " ".join(str(h.as_dict()) for h in hub.health())
        for s in subs.values():
            s.close()
    out, err = capfd.readouterr()
    everything = shown + out + err + caplog.text
    assert "s3cret" not in everything and "hunter2wrong" not in everything
    assert "rtsp://***@127.0.0.1" in shown


def test_garbage_answer_is_offline_with_a_reason(garbage_peer, no_leaked_threads) -> None:
    with _hub({"G": {"main": f"rtsp://127.0.0.1:{garbage_peer.port}/main"}}) as hub, hub.subscribe("G") as sub:
        wait_for(lambda: sub.health().last_error, 5.0)
        h = sub.health()
        assert h.state == FeedState.OFFLINE and h.last_error.startswith("protocol"), h


def test_host_that_never_answers_times_out_without_stalling_others(silent_peer, rtsp_server, no_leaked_threads) -> None:
    t = Timeouts(connect_s=1.5)
    streams = {"DEAD": {"main": f"rtsp://127.0.0.1:{silent_peer.port}/main"}, "OK": {"main": rtsp_server.url("/cam1")}}
    with _hub(streams, timeouts=t) as hub:
        dead = hub.subscribe("DEAD")
        ok = hub.subscribe("OK")
        # the good camera's open is not queued behind the dead one's (the preflight holds no lock)
        wait_for(lambda: _state(ok) == FeedState.ONLINE, 8.0)
        assert _state(ok) == FeedState.ONLINE
        wait_for(lambda: dead.health().last_error, t.connect_s + 2.0)
        h = dead.health()
        assert h.state == FeedState.OFFLINE and h.last_error.startswith("timeout"), h
        t0 = time.monotonic()
        hung = hub.close()
        assert hung == [] and time.monotonic() - t0 < t.connect_s + t.open_s + t.read_s + 1.0


def test_h265_stream_decodes(rtsp_server, no_leaked_threads) -> None:
    with _hub({"H": {"sub": rtsp_server.url("/h265")}}) as hub, hub.subscribe("H", "thumb") as sub:
        f, _ = wait_for(lambda: sub.next(0.2), 8.0)
        assert f is not None and f.image.shape == (180, 320, 3), sub.health()


def test_udp_transport_on_loopback(rtsp_server, no_leaked_threads) -> None:
    spec = stream_from_url(rtsp_server.url("/cam2"), transport="udp", width_px=640, height_px=360)
    with FeedHub([FeedConfig("U", {"main": spec})]) as hub, hub.subscribe("U") as sub:
        f, waited = wait_for(lambda: sub.next(0.2), 8.0)
        assert f is not None and f.image.shape == (360, 640, 3), sub.health()


def test_unsubscribed_stream_closes_after_grace(rtsp_server, no_leaked_threads) -> None:
    with _hub({"C1": {"main": rtsp_server.url("/cam3")}}, grace_s=0.5) as hub:
        sub = hub.subscribe("C1")
        wait_for(lambda: sub.next(0.2), 8.0)
        sub.close()
        assert hub.open_streams == 1  # within the grace period the stream stays open
        again = hub.subscribe("C1")  # back within the grace: the same worker, no reconnect
        assert again.next(1.0) is not None and again.health().reconnects == 0
        again.close()
        wait_for(lambda: hub.open_streams == 0 and hub.threads_alive == 0, 8.0)
        assert hub.open_streams == 0 and hub.threads_alive == 0
        assert [h.state for h in hub.health()] == [FeedState.IDLE]


@pytest.mark.parametrize("bad", ["ftp://cam/x", "gopher://x"])
def test_unknown_scheme_is_a_config_error(bad) -> None:
    from feeds import FeedConfigError

    with pytest.raises(FeedConfigError, match="unknown URL scheme"):
        stream_from_url(bad)
