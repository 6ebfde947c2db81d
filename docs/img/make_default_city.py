"""Draw the default city (assets/city) as docs/img/default_city.png.

Run from the repository root: ``.venv/bin/python docs/img/make_default_city.py [CITY_DIR] [OUT_PNG]``.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from matplotlib.collections import LineCollection, PolyCollection  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import twin  # noqa: E402

LANDUSE_COLOURS = {
    "residential": "#f3e3c3",
    "commercial": "#f4b6b6",
    "industrial": "#d9c8e8",
    "port": "#c9bfe0",
    "government": "#b9d3ee",
    "park": "#b8e0a8",
    "water": "#a9cfe8",
}
ROAD_STYLE = {"primary": (2.2, "#c0392b"), "secondary": (1.7, "#e67e22"), "tertiary": (1.1, "#7f8c8d"),
              "residential": (0.6, "#95a5a6"), "service": (0.6, "#8e7cc3")}


def _rings(g: object) -> list[np.ndarray]:
    return [np.asarray(p.exterior.coords) for p in shapely.get_parts(g) if p.geom_type == "Polygon"]


def draw(city: Path, out: Path) -> None:
    """Render the map."""
    t = twin.load(city)
    fig, ax = plt.subplots(figsize=(12.6, 10), dpi=100)
    for z in t.zones:
        ax.add_collection(PolyCollection(_rings(z.polygon), facecolors=LANDUSE_COLOURS.get(z.landuse, "#eeeeee"),
                                         edgecolors="none", zorder=0))
    h = t.building_heights_m
    shade = np.clip(0.75 - 0.55 * np.log1p(h) / np.log1p(160.0), 0.1, 0.75)
    ax.add_collection(PolyCollection([np.asarray(b.footprint.exterior.coords) for b in t.buildings],
                                     facecolors=[(s, s, s) for s in shade], edgecolors="none", zorder=2))
    by_class: dict[str, list[np.ndarray]] = {}
    seen: set[str] = set()
    for _, _, d in t.roads.edges(data=True):
        if d["road_id"] not in seen:
            seen.add(d["road_id"])
            by_class.setdefault(d["highway"], []).append(np.asarray(d["geometry"].coords))
    for cls, segs in by_class.items():
        lw, col = ROAD_STYLE.get(cls, (0.5, "#999999"))
        ax.add_collection(LineCollection(segs, linewidths=lw, colors=col, zorder=3))
    cand = np.array([(c.x, c.y) for c in t.cameras if c.status == "candidate"])
    ax.scatter(cand[:, 0], cand[:, 1], s=2.5, c="#1b2631", alpha=0.7, zorder=4, linewidths=0)
    cones = []
    for c in t.cameras_by_status("existing"):
        if twin.optics.is_fisheye(c.hfov):
            continue
        r = 45.0
        hd = math.radians(c.heading_deg)
        half = math.radians(c.hfov) / 2.0
        angs = np.linspace(hd - half, hd + half, 9)
        cones.append(np.vstack([[c.x, c.y], np.column_stack([c.x + r * np.sin(angs), c.y + r * np.cos(angs)])]))
    ax.add_collection(PolyCollection(cones, facecolors=(0.9, 0.1, 0.1, 0.18), edgecolors=(0.8, 0, 0, 0.5),
                                     linewidths=0.4, zorder=5))
    ex = np.array([(c.x, c.y) for c in t.cameras_by_status("existing")])
    ax.scatter(ex[:, 0], ex[:, 1], s=9, c="red", zorder=6, linewidths=0)
    fs = np.array([(s.x, s.y) for s in t.fire_stations])
    ax.scatter(fs[:, 0], fs[:, 1], s=110, marker="^", c="#ff6a00", edgecolors="black", zorder=7)
    cc = t.command_center
    ax.scatter([cc.x], [cc.y], s=200, marker="*", c="#1f4e9e", edgecolors="white", zorder=8)
    x0, y0, x1, y1 = t.bounds()
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xlabel("x east (m)")
    ax.set_ylabel("y north (m)")
    info = twin.city_info(t)
    ax.set_title(
        f"Default city: {info['counts']['buildings']} buildings, {info['cameras_by_status']['existing']} existing "
        f"cameras, {info['cameras_by_status']['candidate']} candidate sites, {len(t.fire_stations)} fire stations",
        fontsize=10,
    )
    handles = [Patch(color=c, label=u) for u, c in LANDUSE_COLOURS.items()]
    handles += [
        Line2D([], [], color="red", marker="o", ls="", label="existing camera (45 m view cone)"),
        Line2D([], [], color="#2c3e50", marker=".", ls="", label="candidate site"),
        Line2D([], [], color="#ff6a00", marker="^", ls="", markeredgecolor="black", label="fire station"),
        Line2D([], [], color="#1f4e9e", marker="*", ls="", markersize=12, label="command center"),
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(out, metadata={"Software": None})
    plt.close(fig)


if __name__ == "__main__":
    city = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "assets" / "city"
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "docs" / "img" / "default_city.png"
    draw(city, out)
    print(f"wrote {out}")
