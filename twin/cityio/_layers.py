"""Buildings, roads, fire stations and zones from raw features, every broken feature a :class:`Problem`."""

from __future__ import annotations

import warnings
from typing import Any

from .._errors import Problem
from .._props import PropError, integer, number, text
from ..geo import repair_polygon
from ..model import (
    Building,
    FireStation,
    Zone,
)
from ..profiles import DEFAULT_BUILDING_HEIGHT_M, LEVEL_HEIGHT_M
from ..roads import RoadFeature
from ._read import CityRepairWarning, _expect, _fid, _Raw


def building_height_m(props: dict[str, Any]) -> tuple[float, float | None]:
    """Height and levels of a building from ``height``, else ``building:levels`` x 3 m, else the default."""
    levels = number(props, "building:levels")
    h = number(props, "height")
    if h is not None:
        return h, levels
    if levels is not None:
        return levels * LEVEL_HEIGHT_M, levels
    return DEFAULT_BUILDING_HEIGHT_M, None


def _buildings(raws: list[_Raw], label: str, problems: list[Problem]) -> list[Building]:
    out = []
    repaired: list[int] = []
    seen: set[str] = set()
    for r in raws:
        if not _expect(r, label, ("Polygon", "MultiPolygon"), problems):
            continue
        fid = _fid(r.props) or f"b{r.index}"
        if fid in seen:
            problems.append(Problem(label, f"duplicate id {fid!r}", r.index, fid))
            continue
        seen.add(fid)
        try:
            h, levels = building_height_m(r.props)
        except PropError as e:
            problems.append(Problem(label, str(e), r.index, fid))
            continue
        if h < 0:
            problems.append(Problem(label, f"height must be >= 0 m, got {h:g}", r.index, fid))
            continue
        g = r.geometry
        if not g.is_valid:
            g = repair_polygon(g)
            if g is None:
                problems.append(Problem(label, "footprint is invalid and cannot be repaired", r.index, fid))
                continue
            repaired.append(r.index)
        out.append(Building(fid, g, float(h), levels, text(r.props, "building", "yes"), text(r.props, "name")))
    if repaired:
        shown = ", ".join(str(i) for i in repaired[:10]) + (" ..." if len(repaired) > 10 else "")
        warnings.warn(
            CityRepairWarning(f"{label}: repaired {len(repaired)} self-intersecting footprint(s) (features {shown})"),
            stacklevel=3,
        )
    return out


def _roads(raws: list[_Raw], label: str, problems: list[Problem]) -> list[RoadFeature]:
    out = []
    for r in raws:
        if not _expect(r, label, ("LineString", "MultiLineString"), problems):
            continue
        fid = _fid(r.props) or f"r{r.index}"
        parts = list(r.geometry.geoms) if r.geometry.geom_type == "MultiLineString" else [r.geometry]
        for k, line in enumerate(parts):
            if len(line.coords) < 2 or line.length <= 0:
                continue
            out.append(
                RoadFeature(
                    fid if len(parts) == 1 else f"{fid}.{k}",
                    line,
                    highway=text(r.props, "highway", "residential"),
                    maxspeed=r.props.get("maxspeed"),
                    oneway=r.props.get("oneway"),
                    name=text(r.props, "name"),
                )
            )
    return out




def _negatives(label: str, r: _Raw, fid: str, problems: list[Problem], **values: float) -> bool:
    """Record a problem for the first value below 0; True when all are >= 0."""
    for name, v in values.items():
        if v < 0:
            problems.append(Problem(label, f"{name} must be >= 0, got {v:g}", r.index, fid))
            return False
    return True


def _stations(raws: list[_Raw], label: str, problems: list[Problem]) -> list[FireStation]:
    out = []
    for r in raws:
        if not _expect(r, label, ("Point", "Polygon", "MultiPolygon"), problems):
            continue
        fid = _fid(r.props) or f"fs{r.index}"
        pt = r.geometry if r.geometry.geom_type == "Point" else r.geometry.representative_point()
        try:
            trucks = integer(r.props, "trucks", 2)
            turnout = number(r.props, "turnout_s", 80.0)
        except PropError as e:
            problems.append(Problem(label, str(e), r.index, fid))
            continue
        if not _negatives(label, r, fid, problems, trucks=trucks, turnout_s=turnout):
            continue
        out.append(FireStation(fid, float(pt.x), float(pt.y), text(r.props, "name"), trucks, turnout))
    return out


def _zones(raws: list[_Raw], label: str, problems: list[Problem]) -> list[Zone]:
    out = []
    for r in raws:
        if not _expect(r, label, ("Polygon", "MultiPolygon"), problems):
            continue
        fid = _fid(r.props) or f"z{r.index}"
        try:
            prio = number(r.props, "priority", 1.0)
            rate = number(r.props, "fire_rate_per_year", 0.0)
        except PropError as e:
            problems.append(Problem(label, str(e), r.index, fid))
            continue
        if not _negatives(label, r, fid, problems, priority=prio, fire_rate_per_year=rate):
            continue
        g = r.geometry if r.geometry.is_valid else repair_polygon(r.geometry)
        if g is None:
            problems.append(Problem(label, "zone polygon is invalid and cannot be repaired", r.index, fid))
            continue
        out.append(Zone(fid, g, text(r.props, "landuse", "residential"), prio, rate, text(r.props, "name")))
    return out

