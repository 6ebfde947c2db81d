"""The ``--map`` rules that would bring in what a layer left out, proposed from its reasons and its fields."""

from __future__ import annotations

__all__ = ["guess_class", "suggest"]

import shlex
from collections import Counter

import numpy as np
import shapely

from ._ledger import LayerAccount
from ._schemas import road_class
from ._source import SourceLayer, value_text

#: Words in their road-class values -> the OSM class a ``--map`` suggestion proposes.
_GUESS = (
    (("tol", "toll", "motorway", "bebas hambatan", "freeway", "expressway"), "motorway"),
    (("arteri", "arterial", "utama", "primary", "primer", "nasional", "national"), "primary"),
    (("kolektor", "collector", "secondary", "sekunder", "provinsi"), "secondary"),
    (("lokal", "local", "tertiary", "kabupaten", "kota"), "tertiary"),
    (("setapak", "foot", "path", "pejalan", "trotoar"), "footway"),
    (("lingkungan", "residential", "perumahan", "gang", "desa"), "residential"),
)


def guess_class(value: str) -> str:
    """The OSM class a ``--map`` suggestion proposes for an unrecognised road-class value."""
    low = value.lower()
    for words, cls in _GUESS:
        if any(w in low for w in words):
            return cls
    return "residential"


def _class_like_field(src: SourceLayer) -> tuple[str, list[str]] | None:
    """The field of a line layer most like a road class: text with a few distinct values, most rows set."""
    best = None
    for name, col in src.fields.items():
        if name.lower() in ("id", "fid", "osm_id", "name", "nama", "names", "other_tags"):
            continue
        vals = [v for v in (value_text(x) for x in col) if v is not None]
        if not vals or any(_is_number(v) for v in vals[:50]):
            continue
        distinct = Counter(vals)
        if not 1 <= len(distinct) <= 40 or len(distinct) > max(1, len(vals) // 2):
            continue
        hinted = any(w in name.lower() for w in _CLASS_WORDS)
        key = (hinted, len(distinct) > 1, len(vals), -len(distinct))
        if best is None or key > best[0]:
            best = (key, name, [v for v, _n in distinct.most_common()])
    return None if best is None else (best[1], best[2])


#: Words in a field's name that say it holds a class (Indonesian and English).
_CLASS_WORDS = ("kls", "kelas", "class", "jenis", "jns", "type", "tipe", "fungsi", "status", "hierar", "kategori")


def _is_number(s: str) -> bool:
    try:
        float(s.replace(",", "."))
    except ValueError:
        return False
    return True


#: Polygons larger than this (median) are suggested as zones, not buildings: a hectare is a city block.
ZONE_AREA_M2 = 10_000.0


def _median_area_m2(src: SourceLayer) -> float:
    """The median area of a layer's polygons in square metres (lon/lat degrees scaled at their latitude)."""
    g = np.array([x for x in src.geoms if x is not None and x.geom_type in ("Polygon", "MultiPolygon")], dtype=object)
    if not len(g):
        return 0.0
    lat = shapely.get_y(shapely.centroid(g))
    m2 = shapely.area(g) * 111_320.0**2 * np.cos(np.radians(lat))
    return float(np.median(m2))


def _rule(text: str) -> str:
    return f"--map {shlex.quote(text)}"


def suggest(acc: LayerAccount, src: SourceLayer) -> list[str]:
    """The ``--map`` rules that would bring in what this layer left out."""
    reasons = Counter(o for o in acc.outcome if o is not None)
    name = src.name
    out: list[str] = []
    if any(r.startswith("polygons of a layer that maps to none") for r in reasons):
        big = _median_area_m2(src) > ZONE_AREA_M2
        out.append(_rule(f"zones={name}" if big else f"buildings={name}"))
    no_class = "no road class (empty)" in reasons and "roads.class" not in acc.mapping
    if no_class or any(r.startswith("lines of a layer that maps to none") for r in reasons):
        field = _class_like_field(src)
        if field is None:
            out += [_rule(f"roads={name}"), _rule("roads.class:*=residential")]
        else:
            out.append(_rule(f"roads.class={field[0]}"))
            out += [_rule(f"roads.class:{v}={guess_class(v)}") for v in field[1][:3] if road_class(v)[0] is None]
    elif "no road class (empty)" in reasons:
        out.append(_rule("roads.class:*=residential"))
    unknown = [r for r in reasons if r.startswith("road class not recognised: ")]
    for r in sorted(unknown, key=lambda r: -reasons[r])[:4]:
        v = r.split(": ", 1)[1].strip("'\"")
        out.append(_rule(f"roads.class:{v}={guess_class(v)}"))
    points = reasons.get("point is neither a camera (man_made=surveillance) nor a fire station", 0)
    if points and points == acc.features:
        out.append(_rule(f"cameras={name}"))
    return list(dict.fromkeys(out))


