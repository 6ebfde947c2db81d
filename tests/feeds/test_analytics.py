"""Analytics: motion activity against closed-form shares; smoke/fire precision and recall on held-out clips."""

from __future__ import annotations

import numpy as np
import pytest

from feeds import FeedAnalytics, FeedConfig, FeedHub, MotionMeter, StreamSpec, evaluate_detector, make_clip

from .conftest import wait_for


def _box_frames(still: int, moving: int, box: int, w: int = 160, h: int = 120, step: int = 3):
    """``still`` frames of a textured background, then a bright box crossing it ``step`` px a frame."""
    rng = np.random.default_rng(0)
    bg = rng.integers(60, 90, (h, w, 3), dtype=np.uint8)
    for i in range(still + moving):
        img = bg.copy()
        if i >= still:
            x = (i - still) * step
            img[40 : 40 + box, x : x + box] = (230, 230, 230)
        yield img


def test_still_scene_has_no_activity() -> None:
    m = MotionMeter()
    rng = np.random.default_rng(1)
    bg = rng.integers(60, 90, (120, 160, 3), dtype=np.uint8)
    for _ in range(60):
        noisy = np.clip(bg + rng.normal(0, 2.0, bg.shape), 0, 255).astype(np.uint8)
        a = m.update(noisy)
    assert a < 0.005


@pytest.mark.parametrize("box", [20, 40])
def test_moving_box_activity_is_its_share_of_the_picture(box) -> None:
    m = MotionMeter(smoothing=1.0)
    readings = [m.update(f) for f in _box_frames(30, 35, box)]
    share = box * box / (160 * 120)  # the box is the only thing that differs from the background
    got = float(np.median(readings[35:]))
    # MOG2 marks the box and, for a frame or two, a sliver of the place it just left (3 px a frame)
    assert share * 0.9 <= got <= share * (1 + 2 * 3 / box), (got, share)


def test_detector_precision_and_recall_on_held_out_clips() -> None:
    # thresholds were tuned on seed 0; this is seed 1, clips the tuning never saw (bench has the big set)
    r = evaluate_detector(seed=1, per_kind=2)
    for kind in ("fire", "smoke"):
        assert r[kind]["recall"] >= 0.99, r
        assert r[kind]["precision"] >= 0.66, r
    # smoke waits for the veil check (the region must soften the background's contrast) that stopped a
    # white car parking in the real car-park clip from raising smoke: 2.6 s -> 5.5 s on these plumes
    assert r["fire"]["mean_delay_s"] < 5.0 and r["smoke"]["mean_delay_s"] < 6.0


def test_a_quiet_street_raises_nothing() -> None:
    from feeds import FireDetector

    clip = make_clip("quiet", 5)
    det = FireDetector("Q")
    events = [e for i, f in enumerate(clip.frames()) for e in det.update(f, i / clip.fps)]
    assert events == []


def test_live_analytics_on_a_feed(no_leaked_threads) -> None:
    clip = make_clip("fire", 11, seconds=8.0, fps=10.0)
    frames = list(clip.frames())
    t0 = []

    def render(camera_id: str, t: float) -> np.ndarray:
        if not t0:
            t0.append(t)
        i = min(len(frames) - 1, int((t - t0[0]) * clip.fps))
        return frames[i]

    spec = StreamSpec(url="render://FIRE", kind="render", fps=10.0, width_px=320, height_px=180, renderer=render)
    got = []
    with FeedHub([FeedConfig("FIRE", {"sub": spec})]) as hub:
        with FeedAnalytics(hub, ["FIRE"], rate_hz=10.0, on_event=got.append) as an:
            wait_for(lambda: got, clip.seconds + 2.0, 0.1)
            act = an.activity()["FIRE"]
    assert got and got[0].kind == "fire" and got[0].camera_id == "FIRE", got
    assert 0.0 < act < 0.5
    assert got[0].t >= t0[0] + clip.onset_s - 0.2
