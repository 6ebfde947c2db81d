"""Privacy masks: no pixel inside a mask reaches a consumer, checked against an independent geometry oracle."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from feeds import FeedConfig, FeedConfigError, FeedHub, PrivacyMask, StreamSpec

from .conftest import wait_for

# polygons in the camera's native 1920x1080 image (a window, a slanted balcony, a sliver 2 px wide)
POLYS = [
    [(100.0, 100.0), (500.0, 100.0), (500.0, 400.0), (100.0, 400.0)],
    [(900.3, 250.7), (1400.9, 180.2), (1500.5, 700.1), (1000.0, 820.6)],
    [(1700.0, 50.0), (1706.0, 50.0), (1706.0, 1000.0), (1700.0, 1000.0)],
]


def _scaled(polys, ref_wh, wh):
    sx, sy = wh[0] / ref_wh[0], wh[1] / ref_wh[1]
    return [shapely.Polygon([(x * sx, y * sy) for x, y in p]) for p in polys]


def _window(poly, wh, pad):
    x0, y0, x1, y1 = poly.bounds
    i0, j0 = max(0, int(x0 - pad)), max(0, int(y0 - pad))
    i1, j1 = min(wh[0], int(x1 + pad) + 1), min(wh[1], int(y1 + pad) + 1)
    jj, ii = np.mgrid[j0:j1, i0:i1]
    return jj, ii


def oracle_inside(polys, ref_wh, wh) -> np.ndarray:
    """True for every pixel whose unit square [i, i+1) x [j, j+1) overlaps a polygon (shapely, not OpenCV)."""
    out = np.zeros((wh[1], wh[0]), bool)
    for poly in _scaled(polys, ref_wh, wh):
        jj, ii = _window(poly, wh, 2)
        boxes = shapely.box(ii, jj, ii + 1, jj + 1)
        out[jj, ii] |= shapely.intersects(boxes, poly) & ~shapely.touches(boxes, poly)
    return out


def far_outside(polys, ref_wh, wh, margin_px: float) -> np.ndarray:
    """True for every pixel whose centre lies more than ``margin_px`` from every polygon."""
    out = np.ones((wh[1], wh[0]), bool)
    for poly in _scaled(polys, ref_wh, wh):
        jj, ii = _window(poly, wh, margin_px + 2)
        out[jj, ii] &= shapely.distance(shapely.points(ii + 0.5, jj + 0.5), poly) > margin_px
    return out


@pytest.mark.parametrize("wh", [(640, 360), (1920, 1080), (333, 187)])
def test_black_mask_covers_every_touched_pixel(wh) -> None:
    m = PrivacyMask(POLYS, ref_size=(1920, 1080))
    inside = oracle_inside(POLYS, (1920, 1080), wh)
    got = m.mask(*wh)
    assert got.shape == (wh[1], wh[0])
    assert not (inside & ~got).any(), f"{int((inside & ~got).sum())} pixels inside a mask left visible"
    # and it is not a blunt instrument: the cover grows by one pixel, so only pixels within
    # 1.5 * sqrt(2) = 2.12 px (a diagonal neighbour of a corner pixel) of a polygon may be hidden
    assert not (got & far_outside(POLYS, (1920, 1080), wh, 2.13)).any()


def _secret_renderer(wh):
    rng = np.random.default_rng(7)
    secret = rng.integers(1, 256, (wh[1], wh[0], 3), dtype=np.uint8)

    def render(camera_id: str, t: float) -> np.ndarray:
        return secret.copy()

    return secret, render


@pytest.mark.parametrize("mode", ["black", "pixelate"])
def test_no_masked_pixel_reaches_a_consumer(mode, no_leaked_threads) -> None:
    wh = (640, 360)
    secret, render = _secret_renderer(wh)
    spec = StreamSpec(url="render://P", kind="render", fps=20.0, width_px=640, height_px=360, renderer=render)
    cfg = FeedConfig("P", {"sub": spec}, tuple(tuple(p) for p in POLYS), (1920, 1080), mode)
    inside = oracle_inside(POLYS, (1920, 1080), wh)
    outside = far_outside(POLYS, (1920, 1080), wh, 2.13 if mode == "black" else 20.0)
    seen = 0
    with FeedHub([cfg]) as hub, hub.subscribe("P", "low") as sub:
        wait_for(lambda: sub.next(0.5), 3.0)
        for _ in range(10):
            f = sub.next(1.0)
            assert f is not None
            img = f.image
            if mode == "black":
                assert not img[inside].any(), "a masked pixel reached the consumer"
            else:
                # pixelated: the secret's own values are gone (random noise has no two equal neighbours;
                # block means do), and at most a chance share of pixels keep their value
                same = np.all(img[inside] == secret[inside], axis=1)
                assert same.mean() < 0.02, same.mean()
                block = img[50:90, 60:100]  # well inside the first window (x 33-167, y 33-133 at 640x360)
                b = np.ceil(32 * 640 / 1920)  # default block_px 32 at 1920 wide, scaled to the sub stream
                assert len(np.unique(block.reshape(-1, 3), axis=0)) <= (40 / b + 2) ** 2
            assert np.array_equal(img[outside], secret[outside]), "pixels far from every mask were altered"
            seen += 1
    assert seen == 10


def test_bad_masks_are_config_errors() -> None:
    with pytest.raises(FeedConfigError, match=r"camera 'C1': privacy mask 0 must be a list of at least 3"):
        PrivacyMask([[(0, 0), (1, 1)]], camera_id="C1")
    with pytest.raises(FeedConfigError, match="non-finite"):
        PrivacyMask([[(0, 0), (1, float("nan")), (2, 2)]], camera_id="C1")
    with pytest.raises(FeedConfigError, match="privacy mode must be one of"):
        PrivacyMask([], mode="blur", camera_id="C1")


def test_camera_masks_come_from_the_city_model() -> None:
    from twin import Camera

    cam = Camera(id="CAM-1", x=0, y=0, width_px=1920, height_px=1080, stream_main="rtsp://10.0.0.5/main",
                 stream_sub="rtsp://10.0.0.5/sub", privacy_masks=[[(0, 0), (960, 0), (960, 540)]])
    cfg = FeedConfig.from_camera(cam)
    assert cfg.mask_ref_size == (1920, 1080) and len(cfg.privacy_masks) == 1
    assert cfg.stream_for("thumb") == "sub" and cfg.stream_for("low") == "sub"
    assert cfg.stream_for("high") == "main" and cfg.stream_for("max") == "main"
    assert FeedConfig.from_camera(Camera(id="NO", x=0, y=0)) is None
