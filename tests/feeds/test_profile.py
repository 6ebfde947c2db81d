"""``showroom feeds profile`` measures real streams; ``showroom capacity --profile FILE`` sizes on the measurement."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely

import showroom
import twin
from twin import Building, Camera, CommandCenter, LocalFrame, Operators, ServerRoom, Twin

from .conftest import ServerProc, rtsp_proc


@pytest.fixture(scope="module")
def two_cameras() -> Iterator[ServerProc]:
    s = rtsp_proc("--camera", "a:gop_s=2,kbps=300", "--camera", "b:gop_s=1,kbps=600,size=320x240")
    yield s
    s.kill()


def _city(path: Path, urls: list[str | None]) -> Path:
    cams = [Camera(id=f"E{i}", x=20.0 * i, y=40.0, stream_main=u) for i, u in enumerate(urls)]
    room = ServerRoom(servers=1, cameras_per_server=8, failover_servers=1, disks_per_server=6, retention_days=7.0)
    t = Twin(frame=LocalFrame(119.42, -5.14), name="tiny",
             buildings=[Building(id="b1", footprint=shapely.box(0, 0, 300, 120), height_m=10.0)], cameras=cams,
             command_center=CommandCenter(server_room=room, operators=Operators(count=6, shifts=3,
                                                                                tiles_per_operator=4)))
    twin.save(t, path)
    return path


def test_profile_measures_each_camera_and_capacity_sizes_on_it(two_cameras, tmp_path, capsys) -> None:
    city = _city(tmp_path / "city", [two_cameras.url("/a"), two_cameras.url("/b"), None])
    prof = tmp_path / "profile.json"
    rc = showroom.main(["feeds", "profile", "--city", str(city), "--seconds", "8", "--out", str(prof)])
    out = capsys.readouterr().out
    assert rc == 0, out
    doc = json.loads(prof.read_text())
    assert doc["kind"] == "measured-stream-profile" and doc["not_measured"] == {}
    assert set(doc["cameras"]) == {"E0", "E1"}  # E2 has no stream: nothing to measure, planning figure later
    a, b = doc["cameras"]["E0"]["main"], doc["cameras"]["E1"]["main"]
    assert a["bitrate_kbps"] == pytest.approx(300, rel=0.1) and b["bitrate_kbps"] == pytest.approx(600, rel=0.1)
    assert (a["gop_s"], a["gop_frames"]) == (pytest.approx(2.0, rel=0.05), 30)
    assert (b["gop_s"], b["gop_frames"]) == (pytest.approx(1.0, rel=0.05), 15)
    assert (a["width_px"], a["height_px"], b["width_px"], b["height_px"]) == (320, 180, 320, 240)
    assert a["fps"] == pytest.approx(15, rel=0.1) and a["codec"] == "h264"
    assert "E0" in out and "kbit/s" in out

    plan = tmp_path / "cap"
    assert showroom.main(["capacity", "--city", str(city), "--profile", str(prof), "--days", "0.25",
                          "--replications", "1", "--servers", "1", "--out", str(plan)]) in (0, 1)
    s = json.loads((plan / "summary.json").read_text())
    m = s["inputs"]["measured_profile"]
    assert (m["cameras_measured"], m["cameras_planning"], m["not_in_city"]) == (2, 1, [])
    # measured figures for E0 and E1; E2 keeps the planning table: 1080p at 25 fps = 5.5 Mbit/s x 25/30
    want = (a["bitrate_kbps"] + b["bitrate_kbps"]) / 1000 + 5.5 * 25 / 30
    assert s["scenarios"]["today"]["total_planned_bitrate_mbps"] == pytest.approx(want, rel=1e-3)
    assert "measured bitrates for 2 camera(s)" in capsys.readouterr().out


def test_profile_of_urls_reports_what_it_could_not_measure(two_cameras, tmp_path, capsys) -> None:
    prof = tmp_path / "p.json"
    rc = showroom.main(["feeds", "profile", two_cameras.url("/a"), "rtsp://127.0.0.1:9/none", "--seconds", "4",
                        "--out", str(prof)])
    doc = json.loads(prof.read_text())
    assert rc == 1 and set(doc["cameras"]) == {"url1"}
    assert doc["not_measured"]["url2/main"].startswith("refused")
    assert "url2/main" in capsys.readouterr().err


def test_capacity_rejects_a_bad_or_foreign_profile(tmp_path, capsys) -> None:
    city = _city(tmp_path / "city", [None, None])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kind": "measured-stream-profile", "version": 1,
                               "cameras": {"E1": {"main": {"bitrate_kbps": -5}}}}))
    assert showroom.main(["capacity", "--city", str(city), "--profile", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert f"{bad}: camera 'E1': main bitrate_kbps must be a number > 0, got -5" in capsys.readouterr().err
    foreign = tmp_path / "urls.json"
    foreign.write_text(json.dumps({"kind": "measured-stream-profile", "version": 1,
                                   "cameras": {"url1": {"main": {"bitrate_kbps": 800.0}}}}))
    assert showroom.main(["capacity", "--city", str(city), "--profile", str(foreign),
                          "--out", str(tmp_path / "o2")]) == 2
    assert "none of its 1 measured cameras is among the cameras planned for" in capsys.readouterr().err
