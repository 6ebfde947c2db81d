"""CityJSON 1.1 and 2.0 (and CityJSONSeq): LoD1 and LoD2 buildings with hand-computed footprints and heights."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import shapely
from pyproj import Transformer

import twin
from twin.gis import import_files

# Delft, in the Dutch RD New + NAP heights (EPSG:7415), as 3DBAG files are
RD = "https://www.opengis.net/def/crs/EPSG/0/7415"
X0, Y0, Z0 = 85_000.0, 446_000.0, -0.6  # ground a little below NAP, as in Delft
SCALE = (0.001, 0.001, 0.001)
TRANSLATE = (84_900.0, 445_900.0, 0.0)


class Solids:
    """Collects vertices (as CityJSON integers after the transform) and faces."""

    def __init__(self) -> None:
        self.vertices: list[list[int]] = []
        self.index: dict[tuple[int, int, int], int] = {}

    def v(self, x: float, y: float, z: float) -> int:
        key = tuple(round((c - t) / s) for c, t, s in zip((x, y, z), TRANSLATE, SCALE, strict=True))
        if key not in self.index:
            self.index[key] = len(self.vertices)
            self.vertices.append(list(key))
        return self.index[key]

    def ring(self, pts: list[tuple[float, float, float]]) -> list[int]:
        return [self.v(*p) for p in pts]


def box_faces(x0: float, y0: float, x1: float, y1: float, z0: float, z1: float) -> list[tuple[str, list]]:
    """The six faces of a box, outward (counter-clockwise seen from outside), with their semantic type."""
    return [
        ("GroundSurface", [(x0, y0, z0), (x0, y1, z0), (x1, y1, z0), (x1, y0, z0)]),
        ("RoofSurface", [(x0, y0, z1), (x1, y0, z1), (x1, y1, z1), (x0, y1, z1)]),
        ("WallSurface", [(x0, y0, z0), (x1, y0, z0), (x1, y0, z1), (x0, y0, z1)]),
        ("WallSurface", [(x1, y1, z0), (x0, y1, z0), (x0, y1, z1), (x1, y1, z1)]),
        ("WallSurface", [(x0, y1, z0), (x0, y0, z0), (x0, y0, z1), (x0, y1, z1)]),
        ("WallSurface", [(x1, y0, z0), (x1, y1, z0), (x1, y1, z1), (x1, y0, z1)]),
    ]


def gable_faces(x0: float, y0: float, x1: float, y1: float, z0: float, eaves: float, ridge: float) -> list:
    """A house with a gable roof whose ridge runs east-west over the middle (y = (y0 + y1) / 2)."""
    ym = (y0 + y1) / 2.0
    return [
        ("GroundSurface", [(x0, y0, z0), (x0, y1, z0), (x1, y1, z0), (x1, y0, z0)]),
        ("WallSurface", [(x0, y0, z0), (x1, y0, z0), (x1, y0, eaves), (x0, y0, eaves)]),
        ("WallSurface", [(x1, y1, z0), (x0, y1, z0), (x0, y1, eaves), (x1, y1, eaves)]),
        ("WallSurface", [(x0, y1, z0), (x0, y0, z0), (x0, y0, eaves), (x0, ym, ridge), (x0, y1, eaves)]),
        ("WallSurface", [(x1, y0, z0), (x1, y1, z0), (x1, y1, eaves), (x1, ym, ridge), (x1, y0, eaves)]),
        ("RoofSurface", [(x0, y0, eaves), (x1, y0, eaves), (x1, ym, ridge), (x0, ym, ridge)]),
        ("RoofSurface", [(x1, y1, eaves), (x0, y1, eaves), (x0, ym, ridge), (x1, ym, ridge)]),
    ]


def solid(s: Solids, faces: list[tuple[str, list]], lod: str, *, semantics: bool = True) -> dict[str, Any]:
    kinds = sorted({k for k, _f in faces})
    g: dict[str, Any] = {"type": "Solid", "lod": lod, "boundaries": [[[s.ring(f)] for _k, f in faces]]}
    if semantics:
        g["semantics"] = {"surfaces": [{"type": k} for k in kinds], "values": [[kinds.index(k) for k, _f in faces]]}
    return g


def doc(version: str, objects: dict[str, Any], s: Solids, *, crs: str | None = RD) -> dict[str, Any]:
    d: dict[str, Any] = {
        "type": "CityJSON",
        "version": version,
        "transform": {"scale": list(SCALE), "translate": list(TRANSLATE)},
        "CityObjects": objects,
        "vertices": s.vertices,
    }
    if crs is not None:
        d["metadata"] = {"referenceSystem": crs}
    return d


def write(path: Path, d: dict[str, Any]) -> Path:
    path.write_text(json.dumps(d), encoding="utf-8")
    return path


def rd_area_scale() -> float:
    """RD New's areal scale near Delft (its stereographic scale squared), from pyproj's own factors."""
    from pyproj import CRS, Proj

    f = Proj(CRS.from_epsg(28992)).get_factors(*Transformer.from_crs(28992, 4326, always_xy=True).transform(X0, Y0))
    return f.areal_scale


@pytest.fixture
def lod1_v11(tmp_path: Path) -> Path:
    """CityJSON 1.1, LoD1 blocks: one without attributes (12.5 m), one with measuredHeight, plus terrain and a road."""
    s = Solids()
    objects = {
        "NL.IMBAG.Pand.1": {
            "type": "Building",
            "geometry": [solid(s, box_faces(X0, Y0, X0 + 10, Y0 + 8, Z0, Z0 + 12.5), "1.2", semantics=False)],
        },
        "NL.IMBAG.Pand.2": {
            "type": "Building",
            "attributes": {"measuredHeight": 11.0, "storeysAboveGround": 3},
            "geometry": [solid(s, box_faces(X0 + 20, Y0, X0 + 32, Y0 + 10, Z0, Z0 + 12.0), "1.2")],
        },
        "terrain": {
            "type": "TINRelief",
            "geometry": [{"type": "CompositeSurface", "lod": "1",
                          "boundaries": [[s.ring([(X0 - 5, Y0 - 5, Z0), (X0 + 40, Y0 - 5, Z0),
                                                  (X0 + 40, Y0 + 20, Z0)])]]}],
        },
        "road-1": {
            "type": "Road",
            "geometry": [{"type": "MultiSurface", "lod": "1",
                          "boundaries": [[s.ring([(X0, Y0 - 4, Z0), (X0 + 30, Y0 - 4, Z0), (X0 + 30, Y0 - 1, Z0),
                                                  (X0, Y0 - 1, Z0)])]]}],
        },
    }
    return write(tmp_path / "delft_lod1.city.json", doc("1.1", objects, s))


def test_lod1_heights_footprints_and_other_objects_counted(lod1_v11: Path) -> None:
    rep = import_files([lod1_v11])
    b = {x.id: x for x in rep.twin.buildings}
    assert set(b) == {"NL.IMBAG.Pand.1", "NL.IMBAG.Pand.2"}
    # no measuredHeight: the block's volume over its footprint, which for a block is top - ground
    assert b["NL.IMBAG.Pand.1"].height_m == pytest.approx(12.5, abs=1e-6)
    assert b["NL.IMBAG.Pand.2"].height_m == 11.0  # measuredHeight wins over the geometry (12 m)
    assert b["NL.IMBAG.Pand.2"].levels == 3
    # 10 x 8 m in RD New; the local frame's metres differ from RD's by RD's scale factor
    k = rd_area_scale()
    assert b["NL.IMBAG.Pand.1"].footprint.area == pytest.approx(80.0 / k, rel=2e-4)
    assert b["NL.IMBAG.Pand.2"].footprint.area == pytest.approx(120.0 / k, rel=2e-4)
    [a] = rep.as_dict()["inputs"]
    assert (a["schema"], a["format"], a["crs"]) == ("cityjson", "cityjson 1.1", "EPSG:7415")
    assert a["features"] == 4
    assert a["imported"] == {"buildings": 2}
    assert a["left_out"] == {"CityObject type TINRelief is not imported": 1, "CityObject type Road is not imported": 1}
    assert a["value_notes"]["height from measuredHeight"] == 1
    assert a["value_notes"]["height from geometry: volume / footprint area"] == 1


def test_lod2_v20_gable_roof_parts_and_highest_lod(tmp_path: Path) -> None:
    s = Solids()
    objects = {
        # LoD 1.2 (a block to the ridge) and LoD 2.2 (the gable): the highest LoD is read
        "house": {
            "type": "Building",
            "geometry": [
                solid(s, box_faces(X0, Y0, X0 + 10, Y0 + 8, Z0, Z0 + 10.0), "1.2"),
                solid(s, gable_faces(X0, Y0, X0 + 10, Y0 + 8, Z0, Z0 + 6.0, Z0 + 10.0), "2.2"),
            ],
        },
        # a building of two parts (2.0 keeps geometry on the parts): 6 m and 12 m on 10 x 10 m each
        "hall": {"type": "Building", "children": ["hall-a", "hall-b"]},
        "hall-a": {"type": "BuildingPart", "parents": ["hall"],
                   "geometry": [solid(s, box_faces(X0 + 20, Y0, X0 + 30, Y0 + 10, Z0, Z0 + 6.0), "2.2")]},
        "hall-b": {"type": "BuildingPart", "parents": ["hall"],
                   "geometry": [solid(s, box_faces(X0 + 30, Y0, X0 + 40, Y0 + 10, Z0, Z0 + 12.0), "2.2")]},
    }
    rep = import_files([write(tmp_path / "delft_lod2.city.json", doc("2.0", objects, s))])
    b = {x.id: x for x in rep.twin.buildings}
    assert set(b) == {"house", "hall"}
    # gable: walls 6 m, ridge 10 m over 8 m depth: volume 10*8*6 + 10*(8*4/2) = 640 m3 over 80 m2 -> 8 m
    assert b["house"].height_m == pytest.approx(8.0, abs=1e-6)
    # parts: (100*6 + 100*12) / 200 = 9 m; one footprint of 20 x 10 m
    assert b["hall"].height_m == pytest.approx(9.0, abs=1e-6)
    k = rd_area_scale()
    assert b["hall"].footprint.area == pytest.approx(200.0 / k, rel=2e-4)
    assert b["hall"].footprint.geom_type == "Polygon"
    assert b["house"].footprint.area == pytest.approx(80.0 / k, rel=2e-4)
    [a] = rep.as_dict()["inputs"]
    assert a["features"] == 2  # the parts belong to their building
    assert a["value_notes"]["LoD 2.2 Solid"] == 3


def test_lod2_without_semantics_uses_the_roofs_projection(tmp_path: Path) -> None:
    s = Solids()
    objects = {"house": {"type": "Building", "geometry": [
        solid(s, gable_faces(X0, Y0, X0 + 10, Y0 + 8, Z0, Z0 + 6.0, Z0 + 10.0), "2", semantics=False)]}}
    rep = import_files([write(tmp_path / "h.city.json", doc("1.1", objects, s))])
    [b] = rep.twin.buildings
    assert b.height_m == pytest.approx(8.0, abs=1e-6)
    assert b.footprint.area == pytest.approx(80.0 / rd_area_scale(), rel=2e-4)


def test_transform_is_applied(tmp_path: Path) -> None:
    # the same block with a coarser scale (1 cm) and another translate lands in the same place
    s1 = Solids()
    d1 = doc("2.0", {"b": {"type": "Building", "geometry": [
        solid(s1, box_faces(X0, Y0, X0 + 10, Y0 + 8, Z0, Z0 + 12.5), "1")]}}, s1)
    d2 = json.loads(json.dumps(d1))
    d2["transform"] = {"scale": [0.01, 0.01, 0.01], "translate": [80_000.0, 440_000.0, -10.0]}
    d2["vertices"] = [
        [round((v * s + t - t2) / 0.01) for v, s, t, t2 in zip(vx, SCALE, TRANSLATE, (80_000.0, 440_000.0, -10.0),
                                                                  strict=True)]
        for vx in d1["vertices"]
    ]
    a = import_files([write(tmp_path / "a.city.json", d1)]).twin.buildings[0]
    r2 = import_files([write(tmp_path / "b.city.json", d2)])
    b = r2.twin.buildings[0]
    assert b.height_m == pytest.approx(a.height_m, abs=1e-6)
    assert r2.twin.frame.origin_lon == pytest.approx(import_files([tmp_path / "a.city.json"]).twin.frame.origin_lon,
                                                     abs=1e-9)


def test_cityjson_seq(tmp_path: Path) -> None:
    head = {"type": "CityJSON", "version": "2.0", "transform": {"scale": list(SCALE), "translate": list(TRANSLATE)},
            "metadata": {"referenceSystem": RD}, "CityObjects": {}, "vertices": []}
    lines = [json.dumps(head)]
    for k, h in enumerate((4.0, 7.5)):
        s = Solids()
        lines.append(json.dumps({"type": "CityJSONFeature", "id": f"b{k}", "CityObjects": {f"b{k}": {
            "type": "Building", "geometry": [solid(s, box_faces(X0 + 15 * k, Y0, X0 + 15 * k + 10, Y0 + 10, Z0, Z0 + h),
                                                   "1")]}}, "vertices": s.vertices}))
    p = tmp_path / "tiles.city.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rep = import_files([p])
    assert sorted(b.height_m for b in rep.twin.buildings) == pytest.approx([4.0, 7.5], abs=1e-6)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(version="3.0"), r"x.city.json: CityJSON version '3.0' is not read \(versions read: 1.0"),
        (lambda d: d.update(type="FeatureCollection"), r'x.city.json: is not CityJSON \(its "type" is'),
        (lambda d: d["metadata"].clear(), r"x.city.json: has no metadata.referenceSystem: give its CRS, e.g. --crs"),
        (lambda d: d.pop("transform"), r"x.city.json: CityJSON 1.1 needs a transform \(scale and translate\)"),
        (lambda d: d["CityObjects"]["b"]["geometry"][0]["boundaries"][0][0][0].__setitem__(0, 999),
         r"x.city.json: CityObject 'b': vertex index 999 is out of range \(8 vertices\)"),
    ],
)
def test_unreadable_cityjson_is_one_clear_error(tmp_path: Path, mutate: Any, message: str) -> None:
    s = Solids()
    d = doc("1.1", {"b": {"type": "Building", "geometry": [solid(s, box_faces(X0, Y0, X0 + 5, Y0 + 5, 0, 3), "1")]}}, s)
    mutate(d)
    with pytest.raises(twin.TwinError, match=message):
        import_files([write(tmp_path / "x.city.json", d)])


def test_not_json(tmp_path: Path) -> None:
    p = tmp_path / "broken.city.json"
    p.write_text('{"type": "CityJSON", "version": "2.0", ', encoding="utf-8")
    with pytest.raises(twin.TwinError, match=r"broken.city.json: is not valid JSON: .* at line 1 column"):
        import_files([p])


def test_crs_option_for_a_file_without_one(tmp_path: Path) -> None:
    s = Solids()
    d = doc("2.0", {"b": {"type": "Building", "geometry": [
        solid(s, box_faces(X0, Y0, X0 + 10, Y0 + 8, Z0, Z0 + 5), "1")]}}, s, crs=None)
    rep = import_files([write(tmp_path / "nocrs.city.json", d)], crs="EPSG:28992")
    [b] = rep.twin.buildings
    lon, lat = Transformer.from_crs(28992, 4326, always_xy=True).transform(X0 + 5, Y0 + 4)
    c = b.footprint.centroid
    assert rep.twin.frame.to_wgs84(c.x, c.y) == pytest.approx((lon, lat), abs=1e-7)
    assert isinstance(b.footprint, shapely.Polygon)


def test_cityjson_10_with_real_coordinates_and_lod0_footprints(tmp_path: Path) -> None:
    # 1.0: no transform (vertices are coordinates), the URN form of the CRS; LoD0 footprints are flat
    verts = [[X0, Y0, Z0], [X0 + 10, Y0, Z0], [X0 + 10, Y0 + 10, Z0], [X0, Y0 + 10, Z0],
             [X0 + 20, Y0, Z0], [X0 + 30, Y0, Z0], [X0 + 30, Y0 + 10, Z0], [X0 + 20, Y0 + 10, Z0]]
    d = {
        "type": "CityJSON", "version": "1.0", "metadata": {"referenceSystem": "urn:ogc:def:crs:EPSG::7415"},
        "CityObjects": {
            "a": {"type": "Building", "attributes": {"storeysAboveGround": 4},
                  "geometry": [{"type": "MultiSurface", "lod": 0, "boundaries": [[[0, 1, 2, 3]]]}]},
            "b": {"type": "Building", "attributes": {"measuredHeight": 7.5},
                  "geometry": [{"type": "MultiSurface", "lod": 0, "boundaries": [[[4, 5, 6, 7]]]}]},
            "c": {"type": "Building",
                  "geometry": [{"type": "MultiSurface", "lod": 0, "boundaries": [[[4, 5, 6, 7]]]}]},
        },
        "vertices": verts,
    }
    rep = import_files([write(tmp_path / "v10.json", d)])
    b = {x.id: x for x in rep.twin.buildings}
    assert (b["a"].height_m, b["b"].height_m, b["c"].height_m) == (12.0, 7.5, 6.0)  # 4 x 3 m, measured, default
    [a] = rep.as_dict()["inputs"]
    assert a["format"] == "cityjson 1.0"
    assert a["value_notes"]["flat geometry (LoD0) without measuredHeight: levels or the default height"] == 2


def test_3dbag_layout_lod0_outline_on_the_building_solids_on_its_part(tmp_path: Path) -> None:
    # 3DBAG: the Building holds the LoD0 outline, its BuildingPart the LoD 1.2 and 2.2 solids
    s = Solids()
    outline = {"type": "MultiSurface", "lod": "0", "boundaries": [[s.ring(
        [(X0, Y0, Z0), (X0 + 10, Y0, Z0), (X0 + 10, Y0 + 8, Z0), (X0, Y0 + 8, Z0)])]]}
    objects = {
        "NL.IMBAG.Pand.9": {"type": "Building", "children": ["NL.IMBAG.Pand.9-0"], "geometry": [outline]},
        "NL.IMBAG.Pand.9-0": {"type": "BuildingPart", "parents": ["NL.IMBAG.Pand.9"], "geometry": [
            solid(s, box_faces(X0, Y0, X0 + 10, Y0 + 8, Z0, Z0 + 10.0), "1.2"),
            solid(s, gable_faces(X0, Y0, X0 + 10, Y0 + 8, Z0, Z0 + 6.0, Z0 + 10.0), "2.2"),
        ]},
    }
    rep = import_files([write(tmp_path / "3dbag.city.json", doc("2.0", objects, s))])
    [b] = rep.twin.buildings
    assert b.id == "NL.IMBAG.Pand.9"
    assert b.height_m == pytest.approx(8.0, abs=1e-6)  # the gable's equal-volume prism, not the 10 m ridge
    assert b.footprint.area == pytest.approx(80.0 / rd_area_scale(), rel=2e-4)
