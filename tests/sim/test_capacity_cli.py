"""`showroom capacity` end to end on a small city: outputs, today / after, a plan file, exit codes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import shapely

import showroom
import twin
from sim.operators import Roster
from twin import Building, Camera, CommandCenter, LocalFrame, Operators, ServerRoom, Twin


def small_city(path: Path, *, bitrate: float | None = 4000.0, codec: str = "h264", planned: int = 6) -> Path:
    """A tiny city on disk; a ``bitrate`` or ``codec`` that breaks a rule is written into its file afterwards."""
    ok_bitrate = bitrate if bitrate is None or bitrate > 0 else 4000.0
    ok_codec = codec if codec in ("h264", "h265", "mjpeg") else "h264"
    cams = [Camera(id=f"E{i}", x=20.0 * i, y=40.0, bitrate_kbps=ok_bitrate, codec=ok_codec) for i in range(12)]
    cams += [Camera(id=f"P{i}", x=20.0 * i, y=90.0, status="planned") for i in range(planned)]
    cams += [Camera(id="K0", x=5.0, y=5.0, status="candidate")]
    room = ServerRoom(servers=1, cameras_per_server=8, failover_servers=1, disks_per_server=6, retention_days=7.0)
    t = Twin(
        frame=LocalFrame(119.42, -5.14),
        name="tiny",
        buildings=[Building(id="b1", footprint=shapely.box(0, 0, 300, 120), height_m=10.0)],
        cameras=cams,
        command_center=CommandCenter(server_room=room, operators=Operators(count=6, shifts=3, tiles_per_operator=4)),
    )
    twin.save(t, path)
    if (ok_bitrate, ok_codec) != (bitrate, codec):  # a Camera in code cannot break its rules: the file can
        f = path / "cameras.geojson"
        doc = json.loads(f.read_text(encoding="utf-8"))
        for feat in doc["features"]:
            if feat["properties"]["id"].startswith("E"):
                feat["properties"].update(bitrate_kbps=bitrate, codec=codec)
        f.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_capacity_today_and_after_with_every_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    city = small_city(tmp_path / "city")
    out = tmp_path / "out"
    rc = showroom.main(["capacity", "--city", str(city), "--days", "1", "--replications", "2", "--seed", "5",
                        "--out", str(out)])
    assert rc == 0
    doc = json.loads((out / "summary.json").read_text())
    assert set(doc) >= {"inputs", "scenarios", "servers_needed", "pass", "run_time_s"}
    today, after = doc["scenarios"]["today"], doc["scenarios"]["after"]
    assert today["label"] == "today" and after["label"] == "after the 6"
    assert today["cameras"] == 12 and after["cameras"] == 18  # the candidate site is not a camera
    # 12 x 4 Mbit/s; the planned ones are 1080p at 25 fps from the planning table: 5.5 x 25/30 Mbit/s each
    assert today["total_planned_bitrate_mbps"] == pytest.approx(48.0)
    assert after["total_planned_bitrate_mbps"] == pytest.approx(48.0 + 6 * 5.5 * 25 / 30)
    # 8 cameras a server: 12 need 2, 18 need 3 (auto starts at the lower bound)
    assert doc["servers_needed"] == {"today": 2, "after the 6": 3}
    for sc in (today, after):
        assert set(sc["service_levels"]) == {"loss_beyond_failover_s", "p95_live_latency_ms", "retention_days",
                                             "intake_utilisation"}
        for lv in sc["service_levels"].values():
            assert {"figure", "ci95", "target", "pass"} <= set(lv)
            assert lv["ci95"][0] <= lv["figure"] <= lv["ci95"][1]
        st = sc["storage"]
        assert st["usable_tb_total"] <= st["raw_tb_total"]
        assert st["needed_usable_tb"] <= st["usable_tb_total"]
        for f in sc["files"]:
            assert (out / f).stat().st_size > 0
    with open(out / "recording_loss_after.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["camera_id"] for r in rows][:2] == ["E0", "E1"] and len(rows) == 18
    for r in rows:
        parts = sum(float(r[k]) for k in r if k.endswith("_s") and k not in ("total_s", "beyond_failover_s"))
        assert float(r["total_s"]) == pytest.approx(parts, abs=0.01)
    assert "today: 12 cameras" in capsys.readouterr().out
    assert doc["inputs"]["operators"] == {"count": 6, "shifts": 3, "tiles_per_operator": 4, "first_shift_h": 7.0}
    assert Roster(**doc["inputs"]["operators"]).tiles(8 * 3600) == 8


def test_capacity_with_a_plan_file_adds_its_cameras(tmp_path: Path) -> None:
    city = small_city(tmp_path / "city", planned=0)
    plan = tmp_path / "plan.geojson"
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [119.4201 + 0.0002 * i, -5.1396]},
              "properties": {"id": f"N{i}", "status": "planned", "bitrate_kbps": 3000}} for i in range(5)]
    feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [119.4201, -5.1396]},
                  "properties": {"id": "E0", "status": "existing"}})  # already there: replaces it, not counted twice
    plan.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    out = tmp_path / "out"
    rc = showroom.main(["capacity", "--city", str(city), "--cameras", str(plan), "--servers", "3", "--days", "0.5",
                        "--replications", "1", "--faults", "none", "--out", str(out)])
    assert rc == 0
    doc = json.loads((out / "summary.json").read_text())
    after = doc["scenarios"]["after"]
    assert after["label"] == "after the 5" and after["cameras"] == 17
    # the file's E0 replaces the city's (twin.select_cameras: a file camera with a city id wins); it gives no
    # bitrate, so the planning table's 1080p at 25 fps counts: 5.5 x 25 / 30 = 4.5833 Mbit/s instead of 4
    assert after["total_planned_bitrate_mbps"] == pytest.approx(48.0 - 4.0 + 5.5 * 25 / 30 + 15.0, abs=1e-3)
    assert after["servers"] == {"recording": 3, "failover": 1, "total": 4, "cameras_per_server_max": 6, "auto": False}
    assert after["metrics"]["recording_loss_s_by_cause"]["failover"] == 0.0
    # the same seed again: the same figures, bit for bit (only the timings differ)
    assert showroom.main(["capacity", "--city", str(city), "--cameras", str(plan), "--servers", "3", "--days", "0.5",
                          "--replications", "1", "--faults", "none", "--out", str(tmp_path / "again")]) == 0
    again = json.loads((tmp_path / "again" / "summary.json").read_text())
    timing = ("run_time_s", "sim_days_per_wall_s")
    for k in doc["scenarios"]:
        a = {x: v for x, v in doc["scenarios"][k].items() if x not in timing}
        b = {x: v for x, v in again["scenarios"][k].items() if x not in timing}
        assert a == b
    csv_name = "recording_loss_after.csv"
    assert (out / csv_name).read_bytes() == (tmp_path / "again" / csv_name).read_bytes()


def test_a_failing_second_scenario_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    city = small_city(tmp_path / "city")  # 12 existing fit on 2 servers of 8; 18 with the planned ones do not
    out = tmp_path / "out"
    rc = showroom.main(["capacity", "--city", str(city), "--servers", "2", "--days", "0.1", "--replications", "1",
                        "--out", str(out)])
    assert rc == 2
    assert "18 cameras do not fit on 2 recording servers of 8 cameras each: use at least 3" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(
    ("argv", "city_kw", "message"),
    [
        (["--servers", "0"], {}, "servers must be a whole number >= 1"),
        (["--servers", "many"], {}, "--servers must be a whole number"),
        (["--retention-days", "0"], {}, "retention_days must be > 0"),
        ([], {"bitrate": -1.0}, "bitrate_kbps must be > 0, got -1"),
        ([], {"codec": "vp9"}, "codec must be one of"),
        (["--cameras", "missing.geojson"], {}, "--cameras: cameras 'missing.geojson' is no such file"),
        (["--replications", "0"], {}, "replications must be >= 1"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                argv: list[str], city_kw: dict, message: str) -> None:
    city = small_city(tmp_path / "city", **city_kw)
    rc = showroom.main(["capacity", "--city", str(city), "--days", "0.1", "--replications", "1", *argv,
                        "--out", str(tmp_path / "out")])
    assert rc == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("error:")
    assert not (tmp_path / "out" / "summary.json").exists()


def test_default_city_end_to_end(tmp_path: Path) -> None:
    root = Path(showroom.__file__).resolve().parent / "assets" / "city"
    if not (root / "cameras.geojson").exists():
        pytest.skip("the default city is not generated here")
    city = twin.load(root)
    n = len(city.cameras_by_status("existing"))
    room = city.command_center.server_room
    out = tmp_path / "out"
    rc = showroom.main(["capacity", "--city", str(root), "--cameras", "existing", "--days", "0.5",
                        "--replications", "1", "--out", str(out)])
    assert rc == 0
    doc = json.loads((out / "summary.json").read_text())
    today = doc["scenarios"]["today"]
    assert list(doc["scenarios"]) == ["today"] and today["cameras"] == n
    assert today["servers"]["recording"] >= -(-n // room.cameras_per_server)
    planned_kbps = sum(c.planned_bitrate_kbps for c in city.cameras_by_status("existing"))
    assert today["total_planned_bitrate_mbps"] == pytest.approx(planned_kbps / 1000, abs=1e-3)
