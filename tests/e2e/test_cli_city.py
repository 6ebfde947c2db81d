"""The ``showroom`` command as a user runs it: a real process, its exit code, its output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.twin.conftest import base_layers, fc, feature, point, write_city

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "showroom.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_help_lists_every_subcommand_with_one_line() -> None:
    r = run("--help")
    assert r.returncode == 0
    assert "city" in r.stdout and "COMMAND" in r.stdout
    # every registered subcommand has a help line
    import showroom

    parser = showroom.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    lines = [line.strip() for line in r.stdout.splitlines()]
    for name in sub.choices:
        assert any(line.startswith(name) and len(line) > len(name) for line in lines), name


def test_city_info_json_on_a_fixture(tmp_path: Path) -> None:
    city = write_city(tmp_path / "c", **base_layers())
    r = run("city", "info", "--city", str(city), "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["counts"]["buildings"] == 2
    assert info["cameras_by_status"] == {"existing": 1, "planned": 0, "candidate": 1}
    assert info["fire_trucks"] == 3
    # CAM-001 is 1080p at 25 fps, H.264: 5.5 Mbit/s x 25/30 = 4.583 Mbit/s (the candidate is not counted)
    assert info["planned_bitrate_mbps"]["existing"] == round(5.5 * 25 / 30, 2)


def test_city_info_text(tmp_path: Path) -> None:
    city = write_city(tmp_path / "c", **base_layers())
    r = run("city", "info", "--city", str(city))
    assert r.returncode == 0, r.stderr
    assert "buildings   2" in r.stdout and "1 existing, 0 planned, 1 candidate" in r.stdout


def test_bad_city_exits_2_with_one_clear_message_and_no_traceback(tmp_path: Path) -> None:
    layers = base_layers()
    layers["cameras"] = fc([feature(point(50, 50), id="CAM-017", hfov_deg=240)])
    city = write_city(tmp_path / "bad", **layers)
    r = run("city", "info", "--city", str(city))
    assert r.returncode == 2
    assert r.stderr.startswith('error: cameras.geojson feature 0 ("CAM-017"): hfov_deg must be in (0, 180]')
    assert "Traceback" not in r.stderr
    assert r.stdout == ""


def test_missing_city_exits_2(tmp_path: Path) -> None:
    r = run("city", "info", "--city", str(tmp_path / "nope"))
    assert r.returncode == 2 and "does not exist" in r.stderr
