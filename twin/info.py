"""``showroom city info``: a city's extent, layer counts and planned bitrate."""

from __future__ import annotations

__all__ = ["city_info"]

from collections import Counter
from typing import Any

from .model import Twin
from .roads import graph_length_m


def city_info(twin: Twin) -> dict[str, Any]:
    """A JSON-ready summary of a city (the keys are documented in the README)."""
    xmin, ymin, xmax, ymax = twin.bounds()
    lon0, lat0 = twin.frame.to_wgs84(xmin, ymin)
    lon1, lat1 = twin.frame.to_wgs84(xmax, ymax)
    status = Counter(c.status for c in twin.cameras)
    types = Counter(c.type for c in twin.cameras)
    roads = twin.roads
    by_status_kbps = {
        s: round(sum(c.planned_bitrate_kbps for c in twin.cameras if c.status == s), 1)
        for s in ("existing", "planned", "candidate")
    }
    return {
        "name": twin.name,
        "source": twin.source,
        "origin": {"lon": twin.frame.origin_lon, "lat": twin.frame.origin_lat},
        "extent_m": {"width": round(xmax - xmin, 1), "height": round(ymax - ymin, 1)},
        "bbox_wgs84": [round(float(v), 7) for v in (lon0, lat0, lon1, lat1)],
        "counts": {
            "buildings": len(twin.buildings),
            "road_edges": 0 if roads is None else roads.number_of_edges(),
            "road_nodes": 0 if roads is None else roads.number_of_nodes(),
            "cameras": len(twin.cameras),
            "fire_stations": len(twin.fire_stations),
            "zones": len(twin.zones),
        },
        "road_length_km": 0.0 if roads is None else round(graph_length_m(roads) / 1000.0, 2),
        "cameras_by_status": {s: status.get(s, 0) for s in ("existing", "planned", "candidate")},
        "cameras_by_type": dict(sorted(types.items())),
        "fire_trucks": sum(s.trucks for s in twin.fire_stations),
        "planned_bitrate_mbps": {
            "existing": round(by_status_kbps["existing"] / 1000.0, 2),
            "planned": round(by_status_kbps["planned"] / 1000.0, 2),
            "existing_plus_planned": round((by_status_kbps["existing"] + by_status_kbps["planned"]) / 1000.0, 2),
        },
        "server_room": {
            "servers": twin.command_center.server_room.servers,
            "raid": twin.command_center.server_room.raid,
        },
        "operators": twin.command_center.operators.count,
    }
