"""README's `showroom city import` commands on the shipped example files: several offices' files, one city."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

import showroom
import twin

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "assets" / "examples" / "import"
FILES = ["exposure.gpkg", "jalan.shp", "titik_cctv.csv", "gedung.city.json"]
MAPS = [
    "roads.class=KLS_JALAN",
    "roads.class:Jalan Arteri=primary",
    "roads.class:Jalan Lokal=tertiary",
    "roads.class:Jalan Lingkungan=residential",
]


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    # a copy, so the recorded relative paths are the test's own
    d = tmp_path / "data"
    shutil.copytree(EXAMPLES, d)
    return d


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = showroom.main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_import_several_files_then_reimport_with_maps(
    examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    city = tmp_path / "city"
    rc, out, err = _run(["city", "import", *(str(examples / f) for f in FILES), "--out", str(city)], capsys)
    assert rc == 0
    last = [ln for ln in out.splitlines() if ln.startswith("left out ")][-1]
    assert last.startswith("left out 22 of 257 features (jalan.shp: no road class (empty) 16;")
    assert "--map roads.class=KLS_JALAN --map 'roads.class:Jalan Arteri=primary'" in last
    assert "warning: jalan.shp: 16 lines map to none of our layers (fields: NAMA_JLN, KLS_JALAN)" in err
    rep = json.loads((city / "import_report.json").read_text())
    assert rep["features"] == {"read": 257, "imported": 235, "left_out": 22}
    assert [a["imported_total"] + a["left_out_total"] == a["features"] for a in rep["inputs"]] == [True] * 6
    recorded = yaml.safe_load((city / "city.yaml").read_text())["import"]
    assert recorded == {"files": [f"../data/{f}" for f in FILES]}

    # one command again, with the rules the summary suggested
    rc, out, _err = _run(["city", "import", "--out", str(city), *(a for m in MAPS for a in ("--map", m))], capsys)
    assert rc == 0
    assert out.startswith("re-importing ")
    rep = json.loads((city / "import_report.json").read_text())
    jalan = next(a for a in rep["inputs"] if a["file"] == "jalan.shp")
    assert jalan["imported"] == {"roads": 15}
    assert jalan["left_out"] == {"road class not recognised: 'Jalan Setapak'": 1}
    # the exposure roads keep their own schema: the rule is for a field only jalan.shp has
    assert rep["roads"]["features_by_class"]["primary"] == 18 + 5
    assert rep["roads"]["features_by_class"]["tertiary"] == 5
    assert yaml.safe_load((city / "city.yaml").read_text())["import"]["map"] == MAPS
    c = twin.load(city)
    assert len(c.cameras) == 12 and len(c.buildings) == 43
    assert sorted(b.height_m for b in c.buildings if b.id.startswith("rumah"))[0] == pytest.approx(8.0, abs=1e-6)


def test_reimport_keeps_the_settings_a_user_edited(
    examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    city = tmp_path / "city"
    assert _run(["city", "import", str(examples / "exposure.gpkg"), "--out", str(city)], capsys)[0] == 0
    doc = yaml.safe_load((city / "city.yaml").read_text())
    doc["name"] = "Mariso"
    doc["command_center"]["server_room"]["servers"] = 7
    (city / "city.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    assert _run(["city", "import", "--out", str(city), "--map", "zones=admin_boundary"], capsys)[0] == 0
    c = twin.load(city)
    assert c.name == "Mariso" and c.command_center.server_room.servers == 7
    [z] = c.zones  # the admin boundary, as the rule asked
    assert (z.name, z.landuse, z.priority) == ("Mariso", "residential", 1.0)


def test_reimport_without_a_record_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _out, err = _run(["city", "import", "--out", str(tmp_path / "nothing")], capsys)
    assert rc == 2
    assert "city.yaml: records no import (no 'import: files:' section); give the files" in err
