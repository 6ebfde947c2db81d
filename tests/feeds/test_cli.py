"""``showroom feeds check``: exit codes, the JSON report, a city's cameras, and no credentials shown."""

from __future__ import annotations

import json

import twin
from showroom import main


def test_check_urls_reports_json_and_fails_when_a_feed_never_comes_online(tmp_path, capsys) -> None:
    rc = main([
        "feeds", "check", "synthetic://A?w=160&h=90&fps=10", "rtsp://admin:topsecret1@127.0.0.1:9/live",
        "--seconds", "1.5", "--json", "--out", str(tmp_path),
    ])
    out, err = capsys.readouterr()
    assert rc == 1
    doc = json.loads(out)
    assert doc == json.loads((tmp_path / "summary.json").read_text())
    assert set(doc) == {"seconds", "tier", "summary", "feeds", "hung_threads"}
    s = doc["summary"]
    assert s["feeds"] == 2 and s["ever_online"] == 1 and s["never_online"] == ["url2"] and doc["hung_threads"] == []
    by_id = {f["camera_id"]: f for f in doc["feeds"]}
    assert by_id["url1"]["state"] == "online" and 8.0 <= by_id["url1"]["fps"] <= 12.0
    assert by_id["url2"]["state"] == "offline" and by_id["url2"]["last_error"].startswith("refused")
    assert by_id["url2"]["url"] == "rtsp://***@127.0.0.1:9/live"
    assert "topsecret1" not in out + err + (tmp_path / "summary.json").read_text()
    assert "never came online: url2" in err


def test_check_a_citys_cameras_passes_when_all_stream(tmp_path, capsys) -> None:
    cams = [
        twin.Camera(id=f"CAM-{i}", x=10.0 * i, y=0.0, stream_main=f"synthetic://CAM-{i}?w=640&h=360&fps=10",
                    stream_sub=f"synthetic://CAM-{i}?w=320&h=180&fps=10")
        for i in range(3)
    ] + [twin.Camera(id="NO-STREAM", x=50.0, y=0.0)]
    city = twin.Twin(frame=twin.LocalFrame(119.42, -5.14), name="t", cameras=cams)
    twin.save(city, tmp_path / "city")
    rc = main(["feeds", "check", "--city", str(tmp_path / "city"), "--seconds", "1.0", "--tier", "thumb"])
    out, _ = capsys.readouterr()
    assert rc == 0
    assert "3/3 online" in out and "NO-STREAM" not in out
    # thumb (180 px high): the 320x180 sub stream of each camera was opened, not the main one
    assert out.count("320x180") == 3 and "640x360" not in out


def test_check_a_city_without_urls_on_test_patterns(tmp_path, capsys) -> None:
    cams = [twin.Camera(id=f"CAM-{i}", x=10.0 * i, y=0.0, width_px=640, height_px=360, fps=10.0) for i in range(6)]
    cams.append(twin.Camera(id="SITE-1", x=0.0, y=5.0, status="candidate"))
    twin.save(twin.Twin(frame=twin.LocalFrame(119.42, -5.14), name="t", cameras=cams), tmp_path / "city")
    rc = main(["feeds", "check", "--city", str(tmp_path / "city"), "--synthetic-missing", "--seconds", "1.0",
               "--tier", "thumb", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0 and doc["summary"]["feeds"] == 6 and doc["summary"]["ever_online"] == 6  # candidates left out
    assert {f["url"] for f in doc["feeds"]} == {f"synthetic://CAM-{i}?w=640&h=360&fps=10" for i in range(6)}


def test_bad_input_exits_2(tmp_path, capsys) -> None:
    assert main(["feeds", "check", "ftp://nope/x", "--seconds", "1"]) == 2
    assert "unknown URL scheme" in capsys.readouterr().err
    city = twin.Twin(frame=twin.LocalFrame(119.42, -5.14), name="t", cameras=[twin.Camera(id="C", x=0, y=0)])
    twin.save(city, tmp_path / "c2")
    assert main(["feeds", "check", "--city", str(tmp_path / "c2"), "--seconds", "1"]) == 2
    assert "no camera has stream_main or stream_sub" in capsys.readouterr().err
    bad = twin.Camera(id="CAM-X", x=0, y=0, stream_main="gopher://u:pw9876@cam/x")
    twin.save(twin.Twin(frame=twin.LocalFrame(119.42, -5.14), name="t", cameras=[bad]), tmp_path / "c3")
    assert main(["feeds", "check", "--city", str(tmp_path / "c3"), "--seconds", "1"]) == 2
    err = capsys.readouterr().err
    assert "camera 'CAM-X': stream 'gopher://***@cam/x': unknown URL scheme" in err and "pw9876" not in err
