"""Local sources: test patterns, the scene's renderer, video files (looping at their own rate, or ending)."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from feeds import FeedConfig, FeedHub, FeedState, StreamSpec, stream_from_url

from .conftest import frames_for, wait_for


@pytest.fixture(scope="module")
def clip_10fps(tmp_path_factory) -> str:
    """A 2 s, 10 fps clip whose frame k is uniformly grey at level 20*k (so frames can be told apart)."""
    path = tmp_path_factory.mktemp("clips") / "ramp.avi"
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (160, 120))
    assert w.isOpened()
    for k in range(20):
        w.write(np.full((120, 160, 3), 10 * k, np.uint8))
    w.release()
    return str(path)


def test_synthetic_pattern_burns_in_id_and_moves(no_leaked_threads) -> None:
    spec = stream_from_url("synthetic://CAM-7?w=320&h=180&fps=20")
    assert (spec.kind, spec.width_px, spec.height_px, spec.fps) == ("synthetic", 320, 180, 20.0)
    with FeedHub([FeedConfig("CAM-7", {"main": spec})]) as hub, hub.subscribe("CAM-7") as sub:
        a, _ = wait_for(lambda: sub.next(0.5), 3.0)
        time.sleep(0.3)
        b = sub.next(1.0)
        assert a.image.shape == (180, 320, 3)
        # the sweeping bar and the clock moved between the frames
        assert np.count_nonzero(np.any(a.image != b.image, axis=2)) > 100
        time.sleep(1.0)
        assert 17.0 <= sub.health().fps <= 23.0


def test_render_source_calls_the_renderer_with_camera_id_and_time(no_leaked_threads) -> None:
    calls = []

    def render(camera_id: str, t: float) -> np.ndarray:
        calls.append((camera_id, t))
        img = np.zeros((90, 160, 3), np.uint8)
        img[:, :, 2] = len(calls) % 256
        return img

    spec = StreamSpec(url="render://CAM-9", kind="render", fps=10.0, renderer=render)
    t0 = time.time()
    with FeedHub([FeedConfig("CAM-9", {"main": spec})]) as hub, hub.subscribe("CAM-9") as sub:
        f, _ = wait_for(lambda: sub.next(0.5), 3.0)
        time.sleep(1.0)
    assert f.image.shape == (90, 160, 3)
    assert {c for c, _ in calls} == {"CAM-9"}
    assert all(t0 - 0.1 <= t <= time.time() for _, t in calls)
    assert 9 <= len(calls) <= 14  # 10 fps for a little over a second


def test_renderer_returning_the_wrong_thing_is_a_stream_error_not_a_crash(no_leaked_threads) -> None:
    spec = StreamSpec(url="render://X", kind="render", fps=10.0, renderer=lambda cid, t: np.zeros((4, 4), np.float32))
    with FeedHub([FeedConfig("X", {"main": spec})]) as hub, hub.subscribe("X") as sub:
        wait_for(lambda: sub.health().last_error, 3.0)
        h = sub.health()
        assert h.state == FeedState.OFFLINE and h.last_error.startswith("render") and "uint8" in h.last_error


def test_file_loops_at_its_own_frame_rate(clip_10fps, no_leaked_threads) -> None:
    with FeedHub([FeedConfig("F", {"main": stream_from_url(clip_10fps)})]) as hub, hub.subscribe("F") as sub:
        frames = frames_for(sub, 3.0)
        h = sub.health()
    # 10 fps for 3 s: ~30 frames although the clip has only 20: it looped
    assert 26 <= len(frames) <= 33, len(frames)
    levels = [int(np.median(f.image)) for f in frames]
    drops = [i for i in range(1, len(levels)) if levels[i] < levels[i - 1] - 50]
    assert drops, f"no wrap-around in {levels}"
    assert 9.0 <= h.fps <= 11.0 and h.bitrate_kbps and h.bitrate_kbps > 0, h


def test_file_that_ends_goes_offline_for_good(clip_10fps, no_leaked_threads) -> None:
    spec = stream_from_url(clip_10fps, loop=False)
    with FeedHub([FeedConfig("F", {"main": spec})]) as hub, hub.subscribe("F") as sub:
        wait_for(lambda: sub.health().ended, 5.0)
        h = sub.health()
        assert h.state == FeedState.OFFLINE and h.ended and h.frames == 20 and h.reconnects == 0, h
        assert h.last_error.startswith("ended")
        # the worker is done: no reconnect storm against a file that will not grow
        wait_for(lambda: hub.threads_alive == 0, 2.0)
        assert hub.threads_alive == 0


def test_missing_file_is_not_found(tmp_path, no_leaked_threads) -> None:
    with FeedHub([FeedConfig("F", {"main": stream_from_url(str(tmp_path / "nope.mp4"))})]) as hub:
        with hub.subscribe("F") as sub:
            wait_for(lambda: sub.health().last_error, 3.0)
            assert sub.health().last_error.startswith("not_found")
