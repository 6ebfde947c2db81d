"""Turning OSM-tagged features (already in local metres) into the city model, counting every choice.

Each builder returns the model objects and fills a plain ``dict`` of counts for the import report.
"""

from __future__ import annotations

__all__ = ["build_buildings", "build_cameras", "build_fire_stations", "build_roads"]

import math
from collections import Counter
from typing import Any

import numpy as np
import shapely

from twin.geo import repair_polygon
from twin.model import Building, Camera, FireStation
from twin.osm._raw import RawData, RawFeature
from twin.osm._tags import CLEAN_KINDS, parse_direction_deg, parse_length_m, parse_levels
from twin.profiles import DEFAULT_BUILDING_HEIGHT_M, LEVEL_HEIGHT_M
from twin.roads import RoadFeature, parse_maxspeed_kph

#: Mount height of a camera with no ``height`` tag (the model's default: a typical street pole).
DEFAULT_CAMERA_MOUNT_M = Camera.__dataclass_fields__["mount_height_m"].default
#: OSM ``camera:type`` -> the model's camera type.
OSM_CAMERA_TYPES = {"fixed": "fixed", "panning": "ptz", "ptz": "ptz", "dome": "dome"}
#: ``surveillance:type`` values that are cameras (absent means camera, as OSM documents).
CAMERA_SURVEILLANCE_TYPES = ("camera", "alpr")
#: Two fire-station features closer than this are one station (a POI node inside its building).
FIRE_STATION_MERGE_M = 100.0
#: How many distinct interpreted values the report lists.
MAX_INTERPRETED_LISTED = 50


def _interpreted(
    store: dict[tuple[str, str], dict[str, Any]], tag: str, value: str, read_as: float | None, kinds: tuple[str, ...]
) -> None:
    key = (tag, value)
    if key not in store:
        store[key] = {
            "tag": tag,
            "value": value,
            "read_as": None if read_as is None else round(read_as, 3),
            "how": list(kinds),
            "count": 0,
        }
    store[key]["count"] += 1


def build_buildings(feats: list[RawFeature], raw: RawData) -> tuple[list[Building], dict[str, Any]]:
    """Buildings with heights from ``height``, else ``building:levels`` x 3 m, else the default."""
    source: Counter[str] = Counter()
    kinds: dict[str, Counter[str]] = {"height": Counter(), "building:levels": Counter()}
    listed: dict[tuple[str, str], dict[str, Any]] = {}
    messy = 0
    repaired = 0
    by_id: dict[str, str] = {}
    out = []
    geoms = np.array([f.geometry for f in feats], dtype=object)
    valid = shapely.is_valid(geoms) if len(geoms) else np.zeros(0, dtype=bool)
    for f, g, ok in zip(feats, geoms, valid, strict=True):
        t = f.tags
        levels = height = None
        for tag, parse in (("building:levels", parse_levels), ("height", parse_length_m)):
            v = t.get(tag)
            if v is None:
                continue
            val, how = parse(v)
            kinds[tag].update(how)
            if any(k not in CLEAN_KINDS for k in how):
                messy += 1
                _interpreted(listed, tag, str(v), val, how)
            if tag == "height":
                height = val
            else:
                levels = val
        if height is not None:
            src, h = "height", height
        elif levels is not None:
            src, h = "building:levels", levels * LEVEL_HEIGHT_M
        else:
            src, h = "default", DEFAULT_BUILDING_HEIGHT_M
        if not ok:
            g = repair_polygon(g)
            if g is None:
                raw.skip("buildings", "footprint is invalid and cannot be repaired", f.id)
                continue
            repaired += 1
        source[src] += 1
        by_id[f.id] = src
        out.append(Building(f.id, g, float(h), levels, t.get("building", "yes"), t.get("name", "")))
    stats = {
        "height_source": {k: source.get(k, 0) for k in ("height", "building:levels", "default")},
        "values_read": {tag: dict(sorted(c.items())) for tag, c in kinds.items()},
        "messy_values_interpreted": messy,
        "interpreted": sorted(listed.values(), key=lambda d: (-d["count"], d["tag"], d["value"]))[
            :MAX_INTERPRETED_LISTED
        ],
        "repaired_footprints": repaired,
        "_by_id": by_id,
        "rules": {
            "level_height_m": LEVEL_HEIGHT_M,
            "default_height_m": DEFAULT_BUILDING_HEIGHT_M,
            "range": "midpoint ('4-7' -> 5.5)",
            "list": "mean ('3;4' -> 3.5)",
            "at_least": "the number ('10+' -> 10)",
        },
    }
    return out, stats


def build_roads(feats: list[RawFeature]) -> tuple[list[RoadFeature], dict[str, Any]]:
    """Road features with ``maxspeed``/``oneway``/``name``; ``oneway=-1`` lines are turned round.

    A ``junction=roundabout`` or a motorway without ``oneway`` is one-way, as OSM documents.
    """
    by_class: Counter[str] = Counter()
    speed: Counter[str] = Counter()
    oneway: Counter[str] = Counter()
    unreadable: Counter[str] = Counter()
    out = []
    for f in feats:
        t = f.tags
        hw = t["highway"]
        by_class[hw] += 1
        ms = t.get("maxspeed")
        if ms is None:
            speed["class default"] += 1
        elif parse_maxspeed_kph(ms) is None:
            speed["maxspeed unreadable, class default"] += 1
            unreadable[ms] += 1
        else:
            speed["maxspeed"] += 1
        ow = t.get("oneway")
        line = f.geometry
        if ow is None and (t.get("junction") in ("roundabout", "circular") or hw == "motorway"):
            ow = "yes"
            oneway["implied (roundabout or motorway)"] += 1
        s = str(ow).strip().lower() if ow is not None else ""
        if s in ("-1", "reverse"):
            line = shapely.LineString(np.asarray(line.coords)[::-1])
            ow = "yes"
            oneway["against the line (-1), turned round"] += 1
        elif s in ("yes", "true", "1"):
            oneway["yes"] += 1
        out.append(RoadFeature(f.id, line, highway=hw, maxspeed=ms, oneway=ow, name=t.get("name", "")))
    stats = {
        "features_by_class": dict(sorted(by_class.items())),
        "speed_from": dict(sorted(speed.items())),
        "maxspeed_unreadable": dict(unreadable.most_common(20)),
        "oneway": dict(sorted(oneway.items())),
    }
    return out, stats


def build_cameras(feats: list[RawFeature], raw: RawData) -> tuple[list[Camera], dict[str, Any]]:
    """Cameras (status ``existing``, or the status a spreadsheet gave) from ``man_made=surveillance``.

    Kept: ``surveillance:type`` absent, ``camera`` or ``ALPR``; ``surveillance`` public, outdoor or
    absent. Left out and counted: guards and other non-camera surveillance, indoor cameras.
    """
    st_count: Counter[str] = Counter()
    zone: Counter[str] = Counter()
    heading_from: Counter[str] = Counter()
    type_from: Counter[str] = Counter()
    mount_from: Counter[str] = Counter()
    unread: Counter[str] = Counter()
    out = []
    for f in feats:
        t = f.tags
        st = t.get("surveillance:type")
        st_key = "(absent: camera)" if st is None else st.lower()
        if st is not None and st.lower() not in CAMERA_SURVEILLANCE_TYPES:
            raw.skip("cameras", f"surveillance:type={st} is not a camera", f.id)
            continue
        sv = (t.get("surveillance") or "").lower()
        if sv == "indoor":
            raw.skip("cameras", "indoor camera (surveillance=indoor) does not see the street", f.id)
            continue
        st_count[st_key] += 1
        zone[sv or "(absent)"] += 1
        heading = None
        for tag in ("camera:direction", "direction"):
            if tag in t:
                heading, how = parse_direction_deg(t[tag])
                if heading is None:
                    unread[f"{tag}={t[tag]}"] += 1
                else:
                    heading_from[f"{tag} ({how})"] += 1
                    break
        if heading is None and "relation_heading_deg" in f.extra:
            heading = f.extra["relation_heading_deg"]
            heading_from["type=surveillance relation (towards the points it sees)"] += 1
        if heading is None:
            heading = 0.0
            heading_from["untagged (0 = north assumed)"] += 1
        ct = (t.get("camera:type") or "").lower()
        if ct in OSM_CAMERA_TYPES:
            ctype = OSM_CAMERA_TYPES[ct]
            type_from[f"camera:type={ct}"] += 1
        elif t.get("revolving") == "yes":
            ctype = "ptz"
            type_from["revolving=yes -> ptz"] += 1
        else:
            ctype = "fixed"
            type_from["untagged -> fixed" if not ct else "camera:type unknown -> fixed"] += 1
            if ct:
                unread[f"camera:type={ct}"] += 1
        mount = None
        for tag in ("height", "camera:height", "est_height"):
            if tag in t:
                mount, _how = parse_length_m(t[tag])
                if mount is not None:
                    mount_from[tag] += 1
                    break
                unread[f"{tag}={t[tag]}"] += 1
        if mount is None:
            mount = DEFAULT_CAMERA_MOUNT_M
            mount_from[f"default {DEFAULT_CAMERA_MOUNT_M:g} m"] += 1
        g = f.geometry
        out.append(
            Camera(
                id=f.id,
                x=float(g.x),
                y=float(g.y),
                mount_height_m=float(mount),
                heading_deg=float(heading) % 360.0,
                type=ctype,
                status=f.extra.get("status", "existing"),
                name=t.get("name", ""),
            )
        )
    stats = {
        "surveillance:type": dict(sorted(st_count.items())),
        "surveillance": dict(sorted(zone.items())),
        "heading_from": dict(sorted(heading_from.items())),
        "type_from": dict(sorted(type_from.items())),
        "mount_height_from": dict(sorted(mount_from.items())),
        "unreadable_values": dict(unread.most_common(20)),
    }
    return out, stats


def build_fire_stations(feats: list[RawFeature], raw: RawData) -> tuple[list[FireStation], dict[str, Any]]:
    """Fire stations (the model's default trucks and turnout: OSM does not tag them).

    Areas come before nodes, and a feature within :data:`FIRE_STATION_MERGE_M` of a kept station
    is the same station (the usual OSM pattern of a POI node inside its building) and is merged.
    """
    order = sorted(range(len(feats)), key=lambda i: (feats[i].id.startswith("osm-n"), i))
    out: list[FireStation] = []
    for i in order:
        f = feats[i]
        x, y = float(f.geometry.x), float(f.geometry.y)
        near = next((s for s in out if math.hypot(s.x - x, s.y - y) < FIRE_STATION_MERGE_M), None)
        if near is not None:
            raw.skip("fire_stations", f"same station as one within {FIRE_STATION_MERGE_M:g} m (merged)", f.id)
            if not near.name and f.tags.get("name"):
                near.name = f.tags["name"]
            continue
        out.append(FireStation(f.id, x, y, name=f.tags.get("name", "")))
    defaults = FireStation("", 0.0, 0.0)
    return out, {"trucks_each": defaults.trucks, "turnout_s_each": defaults.turnout_s}
