"""The showroom as a visitor meets it: a real window under Xvfb, scripted keys and clicks, a clean exit.

Also the fallbacks: a simulated headset renders both eyes, and with neither display nor VR runtime
the command says so in one line and renders the guided tour to a video.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def xvfb() -> str:
    exe = shutil.which("Xvfb")
    assert exe, "Xvfb is installed by .ci/install-debian.sh"
    for n in range(90, 130):
        if not Path(f"/tmp/.X{n}-lock").exists():
            break
    proc = subprocess.Popen(
        [exe, f":{n}", "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{n}").exists():
        assert time.monotonic() < deadline, "Xvfb did not start"
        assert proc.poll() is None, "Xvfb exited"
        time.sleep(0.1)
    yield f":{n}"
    proc.terminate()
    proc.wait(timeout=10)


def _view(tmp: Path, display: str | None, *args: str, script: list[dict] | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    if display:
        env["DISPLAY"] = display
    cmd = [
        sys.executable,
        str(ROOT / "showroom.py"),
        "view",
        "--size",
        "640x360",
        "--seconds",
        "120",
        "--trace",
        str(tmp / "trace.json"),
        *args,
    ]
    if script is not None:
        (tmp / "script.json").write_text(json.dumps(script))
        cmd += ["--script", str(tmp / "script.json")]
    return subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=600)


def test_desktop_window_handles_keys_and_a_click_and_quits_with_0(xvfb: str, tmp_path: Path) -> None:
    shots = {k: tmp_path / f"{k}.png" for k in ("video_on", "video_off", "panel")}
    script = [
        {"t": 1.0, "key": "c"},
        {"t": 2.0, "screenshot": str(shots["video_on"])},
        {"t": 2.5, "key": "v"},
        {"t": 3.0, "screenshot": str(shots["video_off"])},
        {"t": 3.5, "key": "space"},
        {"t": 4.0, "click_camera": "@center"},
        {"t": 6.0, "screenshot": str(shots["panel"])},
        {"t": 6.5, "key": "escape"},
    ]
    r = _view(tmp_path, xvfb, "--xr", "off", script=script)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.splitlines()[0] == "VR off (--xr off): desktop view"
    trace = json.loads((tmp_path / "trace.json").read_text())
    assert trace["frames"] >= 5
    assert trace["coverage_computed"] and trace["overlays"]["coverage"] is True
    assert trace["overlays"]["video"] is False
    assert trace["paused"] is True
    assert trace["panel_camera"] is not None
    assert trace["xr"] is None
    imgs = {k: cv2.imread(str(p)) for k, p in shots.items()}
    assert all(im is not None and im.shape[:2] == (360, 640) for im in imgs.values())
    assert float(imgs["video_on"].std()) > 10  # a city, not an empty window
    # turning the video off changes what the ground shows
    changed = np.any(imgs["video_on"].astype(int) != imgs["video_off"].astype(int), axis=2).mean()
    assert changed > 0.001
    # the feed panel opens in the top-right corner
    corner = (slice(0, 120), slice(400, 640))
    diff = np.abs(imgs["panel"][corner].astype(int) - imgs["video_off"][corner].astype(int)).max(axis=2)
    assert (diff > 40).mean() > 0.05


def test_simulated_headset_renders_both_eyes_and_its_laser_selects_and_teleports(xvfb: str, tmp_path: Path) -> None:
    script = [
        {"t": 2.0, "vr_select": "@center"},
        {"t": 3.0, "vr_teleport": [100.0, 200.0]},
        {"t": 4.0, "key": "escape"},
    ]
    r = _view(tmp_path, xvfb, "--xr", "simulated", script=script)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.splitlines()[0].startswith("VR: simulated headset")
    trace = json.loads((tmp_path / "trace.json").read_text())
    assert trace["xr"].startswith("simulated") and trace["eye_frames_submitted"] >= 2
    # the trigger on a camera opened its feed; the teleport put the play space where the laser met the ground
    assert trace["panel_camera"] is not None
    assert trace["teleports"] == 1
    assert trace["eye"][:2] == pytest.approx([100.0, 200.0], abs=0.5)


def test_no_display_and_no_runtime_renders_the_tour(tmp_path: Path) -> None:
    r = _view(tmp_path, None, "--seconds", "2", "--out", str(tmp_path / "tour"), "--lang", "en")
    assert r.returncode == 0, r.stderr[-3000:]
    first = r.stdout.splitlines()[0]
    assert first.startswith("VR unavailable: no OpenXR runtime is installed")
    assert first.endswith(
        f"no display either: rendering the guided tour to a video instead ({tmp_path / 'tour'}/render.mp4)"
    )
    summary = json.loads((tmp_path / "tour" / "summary.json").read_text())
    assert summary["frames"] == 20 and summary["captions_lang"] == "en"
    assert (tmp_path / "tour" / "render.mp4").stat().st_size > 10_000
    # the caption band is burnt into the frames
    img = cv2.imread(str(tmp_path / "tour" / "frames" / "frame_00000.png"))
    assert img.shape[:2] == (360, 640)  # --size applies to the video too
    band = img[-40:, :400]
    assert (band > 200).any() and band.mean() < img[:-60].mean()


def test_replay_of_a_drill_in_the_window_with_its_timeline_and_jumps(xvfb: str, tmp_path: Path) -> None:
    drill = subprocess.run(
        [
            sys.executable,
            str(ROOT / "showroom.py"),
            "drill",
            str(ROOT / "assets/drills/night_road_closure.yaml"),
            "--out",
            str(tmp_path / "drill"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert drill.returncode == 0, drill.stderr[-2000:]
    log = tmp_path / "drill" / "replay.jsonl"
    script = [{"t": 2.0, "key": "space"}, {"t": 2.5, "key": "]"}, {"t": 3.5, "key": "escape"}]
    r = _view(tmp_path, xvfb, "--xr", "off", "--replay", str(log), "--speed", "60", script=script)
    assert r.returncode == 0, r.stderr[-3000:]
    trace = json.loads((tmp_path / "trace.json").read_text())
    assert trace["jumps"] == 1 and trace["paused"] is True
    # paused at about 2 s x 60 = 120 s of drill, then five minutes on
    assert 300.0 + 60.0 <= trace["sim_time_s"] <= 300.0 + 240.0
    events = [json.loads(x) for x in log.read_text().splitlines()]
    seen = [e for e in events if e["type"] not in ("header", "tick", "end") and e["t"] <= trace["sim_time_s"]]
    assert len(trace["timeline"]) == min(6, len(seen))
    assert all(e["type"] in line for e, line in zip(seen[-6:], trace["timeline"], strict=True))
