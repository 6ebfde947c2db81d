"""RTSP as deployed: a server that answers DESCRIBE slowly, a redirect, keep-alives on a session that
would otherwise expire, UDP, a wrong password on Digest; all against GStreamer's RTSP server."""

from __future__ import annotations

import time

import pytest

from feeds import FeedConfig, FeedHub, FeedState, Timeouts, stream_from_url

from .conftest import redirector, rtsp_proc, wait_for


def _one(url: str, **kw) -> FeedHub:
    return FeedHub([FeedConfig("C", {"main": stream_from_url(url, transport=kw.pop("transport", "tcp"))})], **kw)


def test_slow_describe_within_the_open_timeout_comes_online_and_beyond_it_times_out(no_leaked_threads) -> None:
    srv = rtsp_proc("--camera", "c:gop_s=1", "--describe-delay-s", "2.5")
    try:
        with _one(srv.url("/c")) as hub, hub.subscribe("C", "max") as sub:  # open timeout 4 s > 2.5 s
            _, waited = wait_for(lambda: sub.health().state == FeedState.ONLINE, 10.0)
            assert sub.health().state == FeedState.ONLINE and waited >= 2.5, (waited, sub.health())
        with _one(srv.url("/c"), timeouts=Timeouts(open_s=1.5)) as hub, hub.subscribe("C", "max") as sub:
            wait_for(lambda: sub.health().last_error, 6.0)
            h = sub.health()
            assert h.state == FeedState.OFFLINE and h.last_error.startswith("timeout"), h
    finally:
        srv.kill()


def test_redirected_camera_is_followed(no_leaked_threads) -> None:
    srv = rtsp_proc("--camera", "c:gop_s=1")
    peer = redirector(srv.url("/c"))
    try:
        with _one(f"rtsp://127.0.0.1:{peer.port}/old/path") as hub, hub.subscribe("C", "max") as sub:
            f, _ = wait_for(lambda: sub.next(0.2), 8.0)
            assert f is not None and f.image.shape == (180, 320, 3), sub.health()
            assert len(peer.conns) >= 1  # it did go through the redirector
    finally:
        peer.close()
        srv.kill()


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_long_session_is_kept_alive_past_the_servers_session_timeout(transport, no_leaked_threads) -> None:
    srv = rtsp_proc("--camera", "c:gop_s=1", "--session-timeout-s", "4")
    try:
        with _one(srv.url("/c"), transport=transport) as hub, hub.subscribe("C", "max") as sub:
            wait_for(lambda: sub.health().state == FeedState.ONLINE, 8.0)
            srv.camera_stats()
            before = srv.keepalives
            time.sleep(11.0)  # almost three session timeouts
            h = sub.health()
            srv.camera_stats()
            assert h.state == FeedState.ONLINE and h.reconnects == 0, h
            assert srv.keepalives - before >= 3, srv.keepalives  # one every half timeout or so
    finally:
        srv.kill()


def test_udp_transport_reports_bitrate_and_gop(no_leaked_threads) -> None:
    srv = rtsp_proc("--camera", "c:gop_s=1,kbps=300")
    try:
        with _one(srv.url("/c"), transport="udp") as hub, hub.subscribe("C", "max") as sub:
            wait_for(lambda: sub.health().gop_frames is not None, 8.0)
            time.sleep(3.0)
            h = sub.health()
            assert h.state == FeedState.ONLINE and h.gop_frames == 15, h
            assert 250 <= h.bitrate_kbps <= 350 and 13.5 <= h.packet_fps <= 16.5, h
    finally:
        srv.kill()


def test_session_that_sends_only_rtcp_is_stalled_then_offline_not_online(no_leaked_threads) -> None:
    """The camera's encoder hangs but its RTSP server lives on: RTCP keeps coming, no video packet does."""
    srv = rtsp_proc("--camera", "c:gop_s=1")
    t = Timeouts(read_s=4.0, stall_s=1.0)
    try:
        with _one(srv.url("/c"), timeouts=t) as hub, hub.subscribe("C", "max") as sub:
            wait_for(lambda: sub.health().state == FeedState.ONLINE, 8.0)
            assert sub.health().state == FeedState.ONLINE
            srv.mute("c")
            t0 = time.monotonic()
            _, waited = wait_for(lambda: sub.health().state == FeedState.STALLED, 4.0, 0.02)
            assert sub.health().state == FeedState.STALLED and waited <= t.stall_s + 0.5, sub.health()
            wait_for(lambda: sub.health().state == FeedState.OFFLINE, t.read_s + 2.0, 0.05)
            h = sub.health()
            assert h.state == FeedState.OFFLINE and time.monotonic() - t0 <= t.read_s + 1.5, h
            assert h.last_error.startswith("timeout: no packet"), h
            srv.mute("c", False)
            wait_for(lambda: sub.health().state == FeedState.ONLINE, 10.0)
            assert sub.health().state == FeedState.ONLINE and sub.health().reconnects == 1
    finally:
        srv.kill()
