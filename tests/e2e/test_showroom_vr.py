"""``showroom view`` in VR on a real OpenXR runtime (Monado, simulated HMD, null compositor at 20 Hz).

The whole command, as a visitor's machine runs it: the default city, the session on Panda3D's own
GL context, the mirror window on Xvfb, scripted input, and every way out: Escape, the window
closed, a crash in a frame, and the start-up failures (no runtime, a manifest pointing at a library
that is not there, a runtime that refuses the session). Each ends with one clear line and an exit
code, within the subprocess timeout, and the session goes through the OpenXR states to EXITING;
five sessions in one process leave no thread or file descriptor behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from showroom_cli.common import load_city
from tests.monado import monado_env, xvfb

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 300


@pytest.fixture(scope="module")
def display() -> str:
    with xvfb() as d:
        yield d


def _view(tmp: Path, env: dict, *args: str, script: list[dict] | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(ROOT / "showroom.py"), "view", "--size", "640x360", "--trace", str(tmp / "trace.json")]
    if script is not None:
        (tmp / "script.json").write_text(json.dumps(script))
        cmd += ["--script", str(tmp / "script.json")]
    return subprocess.run([*cmd, *args], cwd=tmp, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)


def _trace(tmp: Path) -> dict:
    return json.loads((tmp / "trace.json").read_text())


def _assert_frames_consistent(frames: dict) -> None:
    assert frames["waited"] == frames["begun"] == frames["ended"]
    assert frames["rendered"] + frames["skipped"] == frames["waited"]
    assert frames["submitted"] == frames["layers"] == frames["rendered"]
    assert frames["acquired"] == frames["released"] == 2 * frames["submitted"]
    states = frames["states"]
    assert "FOCUSED" in states and states[-1] == "EXITING"
    assert states.index("FOCUSED") < states.index("STOPPING")


def test_vr_session_runs_the_showroom_and_escape_exits_0(display: str, tmp_path: Path) -> None:
    shot = tmp_path / "mirror.png"
    # the desktop keys still fly in VR: w held for two seconds moves the play space north. Held for at
    # least 9 headset frames too: a frame moves the eye by at most 0.25 s of flight, so on a loaded machine
    # (frames of 0.5-1 s) two seconds of wall time may hold only a frame or two (9 x 0.05 s x 60 m/s > 10 m)
    script = [
        {"t": 2.0, "key": "w", "vr_frames": 3},
        {"t": 4.0, "key_up": "w", "vr_frames": 12},
        {"t": 5.0, "screenshot": str(shot), "vr_frames": 14},
        {"t": 6.0, "key": "escape", "vr_frames": 16},
    ]
    env = monado_env(display, SIMULATED_LEFT="simple", SIMULATED_RIGHT="simple")
    r = _view(tmp_path, env, "--xr", "on", "--seconds", "120", script=script)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.splitlines()
    assert lines[0].startswith("VR: Monado: Simulated HMD on Monado")
    assert lines[-1] == "VR session ended: the user quit"
    assert "Traceback" not in r.stderr
    t = _trace(tmp_path)
    frames = t["xr_frames"]
    _assert_frames_consistent(frames)
    _, ymin, _, ymax = load_city(None).bounds()
    start_y = ymin - 0.25 * (ymax - ymin)  # where the showroom starts the visitor (showroom_cli/app.py)
    assert t["eye"][1] > start_y + 10.0
    assert frames["submitted"] >= 5 and t["eye_frames_submitted"] == frames["submitted"]
    rt = t["xr_runtime"]
    assert rt["runtime"].startswith("Monado") and rt["runtime_version"].count(".") == 2
    assert rt["eye_size"] == [320, 240] and rt["exit_reason"] == "the user quit"
    assert rt["interaction_profiles"] == ["/interaction_profiles/khr/simple_controller"]
    # the runtime's clock: Monado's null compositor at 20 Hz; the display it predicts lies ahead of now
    # (XR_KHR_convert_timespec_time puts both on CLOCK_MONOTONIC), by less than a few periods
    timing = t["xr_timing"]
    assert rt["refresh_hz"] == pytest.approx(20.0) and timing["period_ms"] == pytest.approx(50.0)
    # a slow app (llvmpipe) is paced at a whole number of periods, and its frames step by whole periods
    for key in ("paced_ms", "frame_ms"):
        periods = timing[key] / timing["period_ms"]
        assert periods >= 1.0 - 1e-6 and periods == pytest.approx(round(periods), abs=1e-3), key
    assert timing["late"] == round(timing["frame_ms"] / timing["period_ms"]) - 1
    assert 0.0 < timing["ahead_ms"] < 4 * timing["paced_ms"]
    # the HUD's split comes from the runtime: its 20 Hz period, the wait in xrWaitFrame, the submit
    b = t["budget_ms"]
    assert b["frame_ms"] >= 50.0 - 0.5 and b["xr_wait_ms"] >= 0.0 and b["xr_submit_ms"] > 0.0
    # the mirror window shows both eyes side by side: two non-uniform halves (the city, not a blank clear)
    img = cv2.imread(str(shot))
    assert img is not None and img.shape[:2] == (360, 640)
    left, right = img[:, :320].astype(float), img[:, 320:].astype(float)
    assert left.std() > 10.0 and right.std() > 10.0
    # two eyes 63 mm apart see the same city, nearly: the halves correlate but are not identical
    assert np.abs(left - right).mean() > 0.5


def test_closing_the_window_ends_the_session_the_openxr_way(display: str, tmp_path: Path) -> None:
    script = [{"t": 4.0, "close_window": True, "vr_frames": 3}]
    r = _view(tmp_path, monado_env(display), "--xr", "on", "--seconds", "120", script=script)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Traceback" not in r.stderr
    frames = _trace(tmp_path)["xr_frames"]
    _assert_frames_consistent(frames)


def test_a_crash_in_a_frame_still_ends_the_session_before_it_propagates(display: str, tmp_path: Path) -> None:
    script = [{"t": 4.0, "fail": "boom", "vr_frames": 3}]
    r = _view(tmp_path, monado_env(display), "--xr", "on", "--seconds", "120", script=script)
    assert r.returncode == 1
    assert r.stderr.rstrip().splitlines()[-1] == "RuntimeError: scripted failure: boom"
    frames = _trace(tmp_path)["xr_frames"]
    _assert_frames_consistent(frames)


def test_a_runtime_that_refuses_the_session_is_one_line_and_exit_3(display: str, tmp_path: Path) -> None:
    # Mesa without GL_EXT_memory_object_fd: Monado cannot share its images with this GL context and
    # fails xrCreateSession, as it would on a driver without the interop extension
    env = monado_env(display, MESA_EXTENSION_OVERRIDE="-GL_EXT_memory_object_fd")
    r = _view(tmp_path, env, "--xr", "on", "--seconds", "60")
    assert r.returncode == 3
    assert "Traceback" not in r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1
    assert "refused the VR session: XR_ERROR_INITIALIZATION_FAILED" in errors[0]
    # --xr auto: the same refusal falls back to the desktop view and the command finishes normally
    r = _view(tmp_path, env, "--xr", "auto", "--seconds", "3")
    assert r.returncode == 0, r.stderr[-3000:]
    fallback = [ln for ln in r.stdout.splitlines() if ln.startswith("VR unavailable:")]
    assert len(fallback) == 1 and fallback[0].endswith("; desktop view")
    t = _trace(tmp_path)
    assert t["xr_fallback"] and t["frames"] > 0


def test_a_manifest_pointing_at_a_missing_library_names_the_file(display: str, tmp_path: Path) -> None:
    manifest = tmp_path / "broken_runtime.json"
    manifest.write_text(json.dumps({"file_format_version": "1.0.0", "runtime": {"library_path": "./libgone.so"}}))
    r = _view(tmp_path, monado_env(display, XR_RUNTIME_JSON=str(manifest)), "--xr", "on", "--seconds", "30")
    assert r.returncode == 3
    assert r.stderr.strip().splitlines()[-1] == (
        f"error: {manifest}: runtime.library_path './libgone.so' does not exist ({tmp_path / 'libgone.so'}); "
        "reinstall the runtime"
    )


def test_no_runtime_at_all_is_one_line_and_exit_3(display: str, tmp_path: Path) -> None:
    env = dict(os.environ, DISPLAY=display, XDG_CONFIG_DIRS=str(tmp_path / "none"), XDG_CONFIG_HOME=str(tmp_path))
    env.pop("XR_RUNTIME_JSON", None)
    r = _view(tmp_path, env, "--xr", "on", "--seconds", "30")
    assert r.returncode == 3
    assert r.stderr.strip().splitlines()[-1].startswith("error: no OpenXR runtime is installed")
    assert "Traceback" not in r.stderr


def test_five_vr_sessions_in_one_process_leak_no_threads_or_files(display: str, tmp_path: Path) -> None:
    out = tmp_path / "cycles.json"
    r = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("vr_cycles.py")), str(out), "5", "5"],
        env=monado_env(display),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    before, *runs = json.loads(out.read_text())
    assert len(runs) == 5
    for run in runs:
        assert run["rc"] == 0
        f = run["frames"]
        # every session, however short, waited/began/ended in pairs and walked to EXITING
        assert f["waited"] == f["begun"] == f["ended"] and f["acquired"] == f["released"] == 2 * f["submitted"]
        assert f["states"][0] == "IDLE" and "READY" in f["states"] and f["states"][-1] == "EXITING"
    # five seconds a run include the first frames (shaders): on a loaded machine a run may end before
    # FOCUSED; most do not, and those drew frames through the swapchains
    focused = [run for run in runs if "FOCUSED" in run["frames"]["states"]]
    assert len(focused) >= 3 and all(run["frames"]["submitted"] >= 1 for run in focused)
    # the first run loads what stays loaded (Panda3D's pipe and X connection, the city's databases);
    # after it nothing grows, and stdin is the same file it was (Monado closes fd 0 at teardown: given back)
    first = runs[0]["held"]
    for run in runs[1:]:
        for key in ("native_threads", "python_threads", "fds"):
            assert run["held"][key] == first[key], (key, run["held"][key], first[key])
    assert all(run["held"]["fd0"] == before["held"]["fd0"] for run in runs)
