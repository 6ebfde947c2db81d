"""twin.select_cameras: one meaning of none | existing | planned | all | FILE, and clear errors for a bad FILE."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import twin

from .conftest import fc, feature, point


def city() -> twin.Twin:
    cams = [
        twin.Camera("E1", 0, 0, status="existing"),
        twin.Camera("P1", 10, 0, status="planned"),
        twin.Camera("E2", 20, 0, status="existing"),
        twin.Camera("C1", 30, 0, status="candidate"),
    ]
    return twin.Twin(frame=twin.LocalFrame(119.42, -5.14), name="t", cameras=cams)


def ids(cams: list[twin.Camera]) -> list[str]:
    return [c.id for c in cams]


@pytest.mark.parametrize(
    ("spec", "want"),
    [
        ("none", []),
        ("existing", ["E1", "E2"]),
        ("planned", ["P1"]),
        ("all", ["E1", "P1", "E2"]),  # candidate sites are not cameras
        (" ALL ", ["E1", "P1", "E2"]),
    ],
)
def test_words(spec: str, want: list[str]) -> None:
    assert ids(twin.select_cameras(city(), spec)) == want


def _layer(path: Path, *cams: dict) -> Path:
    path.write_text(json.dumps(fc([feature(point(c.pop("x"), c.pop("y")), **c) for c in cams])), encoding="utf-8")
    return path


def test_a_cameras_layer_adds_to_all_and_replaces_same_ids(tmp_path: Path) -> None:
    plan = _layer(
        tmp_path / "plan.geojson",
        {"x": 50, "y": 50, "id": "PLAN-001", "status": "planned"},
        {"x": 0, "y": 0, "id": "E1", "camera:direction": 135},  # re-aims E1
    )
    got = twin.select_cameras(city(), plan)
    assert ids(got) == ["E1", "P1", "E2", "PLAN-001"]
    assert got[0].heading_deg == 135.0 and got[3].status == "planned"
    # a .json file that holds GeoJSON is a layer too
    also = tmp_path / "plan.json"
    also.write_text(plan.read_text(encoding="utf-8"), encoding="utf-8")
    assert ids(twin.select_cameras(city(), str(also))) == ["E1", "P1", "E2", "PLAN-001"]


def test_a_plan_feature_marked_delete_removes_the_camera(tmp_path: Path) -> None:
    """A planning session's saved plan removes a city camera with ``"edit": "delete"`` (sim.planning)."""
    plan = _layer(
        tmp_path / "plan.geojson",
        {"x": 10, "y": 0, "id": "P1", "status": "planned", "edit": "delete", "edited_by": "ana"},
        {"x": 60, "y": 5, "id": "HAND-001", "status": "planned", "edit": "place"},
    )
    assert ids(twin.select_cameras(city(), plan)) == ["E1", "E2", "HAND-001"]


def test_a_file_of_ids_selects_exactly_those(tmp_path: Path) -> None:
    f = tmp_path / "ids.txt"
    f.write_text("# the two I watch\nE2, the market\n\nC1\nE2\n", encoding="utf-8")
    assert ids(twin.select_cameras(city(), f)) == ["E2", "C1"]  # the repeated E2 counted once
    j = tmp_path / "ids.json"
    j.write_text('["P1", "E1"]', encoding="utf-8")
    assert ids(twin.select_cameras(city(), j)) == ["P1", "E1"]


def test_a_list_is_deduplicated_later_wins_in_place() -> None:
    a, b, a2 = twin.Camera("A", 0, 0), twin.Camera("B", 1, 0), twin.Camera("A", 5, 5)
    got = twin.select_cameras(city(), [a, b, a2])
    assert ids(got) == ["A", "B"] and got[0] is a2


@pytest.mark.parametrize(
    ("content", "name", "match"),
    [
        (None, "nope.geojson", r"cameras '.*nope.geojson' is no such file: a camera selection is none, existing"),
        ("E1\nX9\nX8\n", "ids.txt", r"ids.txt: camera ids not in the city 't': \['X9', 'X8'\]"),
        ("# nothing\n\n", "ids.txt", r"ids.txt: holds no camera ids"),
        ('["E1", ', "ids.json", r"ids.json: is not valid JSON: .* at line 1 column"),
        ("[1.5]", "ids.json", r"ids.json: a JSON list of camera ids holds strings, got 1.5"),
        (b"\xff\xfeE1", "ids.txt", r"ids.txt: a file of camera ids must be UTF-8 text"),
    ],
)
def test_bad_files(tmp_path: Path, content: str | bytes | None, name: str, match: str) -> None:
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    elif content is not None:
        p.write_text(content, encoding="utf-8")
    with pytest.raises(twin.TwinError, match=match):
        twin.select_cameras(city(), p)


def test_a_word_that_is_no_file(tmp_path: Path) -> None:
    with pytest.raises(twin.TwinError, match=r"cameras 'everything' is no such file"):
        twin.select_cameras(city(), "everything")
    with pytest.raises(twin.TwinError, match=r"is a directory, not a file"):
        twin.select_cameras(city(), tmp_path)


def test_a_broken_layer_names_file_feature_and_rule(tmp_path: Path) -> None:
    plan = _layer(tmp_path / "plan.geojson", {"x": 5, "y": 5, "id": "CAM-017", "hfov_deg": 240})
    with pytest.raises(twin.CityError, match=r'plan.geojson feature 0 \("CAM-017"\): hfov_deg must be in \(0, 180\]'):
        twin.select_cameras(city(), plan)
