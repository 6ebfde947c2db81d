"""Each camera's picture source (``--source``, ``--clips``): parsed, dealt, and privacy-masked for every kind."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

import showroom
import twin
from showroom_cli.sources import CameraSources, assign_clips, parse_sources

from .conftest import Rig, make_twin
from .test_render_cli import _save_city
from .test_vcctv_source import EYE, TARGET, _camera

CLIPS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "clips"
RIGHT_HALF = [[(640, 0), (1280, 0), (1280, 720), (640, 720)]]


def test_parse_sources_default_overrides_and_errors():
    ids = ["A", "B", "C"]
    assert parse_sources(None, ids) == {"A": "vcctv", "B": "vcctv", "C": "vcctv"}, "virtual CCTV by default"
    assert parse_sources(None, ids, clips=True) == {"A": "clips", "B": "clips", "C": "clips"}, "--clips alone"
    got = parse_sources(["pattern", "B=live,C=clips"], ids)
    assert got == {"A": "pattern", "B": "live", "C": "clips"}
    with pytest.raises(twin.TwinError, match=r"--source 'B=tv'.*one of vcctv, live, clips, pattern"):
        parse_sources(["B=tv"], ids)
    with pytest.raises(twin.TwinError, match=r"no camera 'Z'"):
        parse_sources(["Z=live"], ids)


def test_clips_are_dealt_in_id_order_and_looped_over(tmp_path):
    for name in ("b.mp4", "a.gif", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    got = assign_clips(tmp_path, ["C3", "C1", "C2"])
    assert {c: p.name for c, p in got.items()} == {"C1": "a.gif", "C2": "b.mp4", "C3": "a.gif"}
    with pytest.raises(twin.TwinError, match="no video files"):
        assign_clips(_empty(tmp_path), ["C1"])
    with pytest.raises(twin.TwinError, match="not a directory"):
        assign_clips(tmp_path / "missing", ["C1"])


def _empty(tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    return d


def _masked_scene(engine):
    r = Rig(engine, make_twin(buildings=[(-30, 40, 30, 44, 8.0)], cameras=[_camera(masks=RIGHT_HALF)]))
    r.look(EYE, TARGET)
    return r


@pytest.mark.parametrize("kind", ["pattern", "clips", "live", "vcctv"])
def test_every_source_is_masked_before_it_is_projected(engine, kind):
    r = _masked_scene(engine)
    src = CameraSources(r.scene, {"C": kind}, clips_dir=CLIPS, budget=4)
    try:
        if kind in ("clips", "live"):
            src.view(["C"])
            deadline = time.monotonic() + 20.0
            while src.frame("C", 0.0) is None and time.monotonic() < deadline:
                time.sleep(0.05)
        for k in range(3):
            got = src.frame("C", k * 0.2)
            if got is not None:
                r.scene.submit_frame("C", got[0], seq=got[1])
            img = r.render(1)
        assert r.scene.projectors.projectors["C"].frames_uploaded > 0 or kind == "vcctv"
        masked = r.color_at(img, (3.0, 14.0, 0.0), r=2)
        assert masked.max() < 25, f"{kind}: the masked right half of the picture is black on the street: {masked}"
        clear = r.color_at(img, (-3.0, 14.0, 0.0), r=2)
        assert clear.max() > 40, f"{kind}: the unmasked left half shows a picture: {clear}"
    finally:
        src.close()
        src.hub.close(timeout_s=2.0)
        r.close()


def test_render_cli_sources_and_bad_source(tmp_path, capsys):
    city = _save_city(tmp_path / "city")
    out = tmp_path / "o"
    rc = showroom.main(["render", "--city", str(city), "--seconds", "0.4", "--fps", "5", "--size", "96x64",
                        "--source", "pattern", "--source", "CAM-1=vcctv", "--out", str(out)])  # fmt: skip
    assert rc == 0
    import json

    s = json.loads((out / "summary.json").read_text())
    assert s["sources"]["by_source"] == {"vcctv": 1, "live": 0, "clips": 0, "pattern": 1}
    assert s["sources"]["vcctv_renders"] >= 1 and s["feeds"] == "pattern"
    rc = showroom.main(["render", "--city", str(city), "--source", "CAM-9=live", "--out", str(tmp_path / "x")])
    assert rc == 2 and "no camera 'CAM-9'" in capsys.readouterr().err
    rc = showroom.main(["render", "--city", str(city), "--source", "clips", "--out", str(tmp_path / "x")])
    assert rc == 2 and "needs --clips DIR" in capsys.readouterr().err
    assert np.isfinite(s["frame_ms_mean"])



def test_a_virtual_cctv_cameras_panel_shows_its_masked_virtual_picture(engine):
    r = _masked_scene(engine)
    src = CameraSources(r.scene, {"C": "vcctv"}, budget=4)
    try:
        sub = src.subscribe("C")
        assert sub.latest() is None, "nothing rendered yet"
        r.render(1)
        f = sub.latest()
        assert f.image.shape == (360, 640, 3) and f.seq == 1
        assert f.image[:, 330:].max() == 0, "the masked right half is black"
        assert f.image[:, :310].mean() > 60, "the left half shows the street"
        sub.close()
    finally:
        src.close()
        src.hub.close(timeout_s=2.0)
        r.close()
