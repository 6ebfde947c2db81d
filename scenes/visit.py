"""The visitors' guided tour, captioned in Bahasa Indonesia or English.

Stops: the command center, the cameras, the fire control room and the server room.

Captions are data (``assets/tour/captions.yaml``) with the city's own figures filled in; the path is
a :class:`scenes.TourPath` through the stops, so it renders headless exactly as in the window.
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "GuidedTour", "load_captions"]

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import yaml

from twin import Twin, TwinError

from .tour import TourPath

CAPTIONS_FILE = Path(__file__).resolve().parents[1] / "assets" / "tour" / "captions.yaml"
LANGUAGES = ("id", "en")


def load_captions(lang: str, path: Path = CAPTIONS_FILE) -> list[tuple[str, str]]:
    """The tour's (stop key, caption template) pairs in ``lang``."""
    if lang not in LANGUAGES:
        raise TwinError(f"unknown tour language {lang!r}: use one of {', '.join(LANGUAGES)} (id = Bahasa Indonesia)")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for k, stop in enumerate(doc["stops"]):
        if lang not in stop:
            raise TwinError(f"{path.name}: stop {k} ({stop.get('key')}) has no {lang!r} caption")
        out.append((str(stop["key"]), str(stop[lang])))
    return out


def _figures(t: Twin, lang: str) -> dict[str, Any]:
    from twin.roads import graph_length_m

    sr = t.command_center.server_room
    thousands = "." if lang == "id" else ","  # 4.263 bangunan; 4,263 buildings
    return {
        "n_buildings": f"{len(t.buildings):,}".replace(",", thousands),
        "road_km": f"{graph_length_m(t.roads) / 1000:.0f}" if t.roads is not None else "0",
        "n_cameras": sum(1 for c in t.cameras if c.status in ("existing", "planned")),
        "cc_name": t.command_center.name,
        "operators": t.command_center.operators.count,
        "n_stations": len(t.fire_stations),
        "n_trucks": sum(s.trucks for s in t.fire_stations),
        "n_servers": sr.servers,
        "retention_days": f"{sr.retention_days:g}",
    }


CLEARANCE_M = 20.0  # the eye stays this far above any roof within CELL_M of it
CELL_M = 25.0


def roof_grid(t: Twin, cell_m: float = CELL_M) -> tuple[np.ndarray, tuple[float, float, float]]:
    """Highest roof per ``cell_m`` cell, spread to the 8 neighbours: the tour's eye never clips a tower."""
    xmin, ymin, xmax, ymax = t.bounds()
    nx = max(1, int(np.ceil((xmax - xmin) / cell_m)) + 1)
    ny = max(1, int(np.ceil((ymax - ymin) / cell_m)) + 1)
    grid = np.zeros((ny, nx))
    if t.buildings:
        b = shapely.bounds(t.footprints)
        h = t.building_heights_m
        i0 = np.clip(((b[:, 1] - ymin) // cell_m).astype(int), 0, ny - 1)
        i1 = np.clip(((b[:, 3] - ymin) // cell_m).astype(int), 0, ny - 1)
        j0 = np.clip(((b[:, 0] - xmin) // cell_m).astype(int), 0, nx - 1)
        j1 = np.clip(((b[:, 2] - xmin) // cell_m).astype(int), 0, nx - 1)
        for k in np.argsort(h):  # once per tour, a few thousand small slices
            grid[i0[k] : i1[k] + 1, j0[k] : j1[k] + 1] = h[k]
        pad = np.pad(grid, 1)
        grid = np.max(
            [pad[1 + di : 1 + di + ny, 1 + dj : 1 + dj + nx] for di in (-1, 0, 1) for dj in (-1, 0, 1)], axis=0
        )
    return grid, (xmin, ymin, cell_m)


@dataclass
class GuidedTour:
    """A path through the stops and the caption shown at each moment."""

    path: TourPath
    stop_times: np.ndarray
    captions: list[str]
    keys: list[str]
    roofs: np.ndarray | None = None
    roofs_origin: tuple[float, float, float] = (0.0, 0.0, CELL_M)

    @classmethod
    def build(cls, t: Twin, *, seconds: float = 60.0, lang: str = "id") -> GuidedTour:
        """The tour of ``t`` over ``seconds``, captions in ``lang``."""
        if seconds <= 0:
            raise TwinError(f"a tour must last > 0 s, got {seconds:g}")
        tmpl = load_captions(lang)
        figs = _figures(t, lang)
        xmin, ymin, xmax, ymax = t.bounds()
        cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
        s = max(xmax - xmin, ymax - ymin, 200.0)
        cc = t.command_center
        cams = [c for c in t.cameras if c.status == "existing"] or list(t.cameras)
        if cams:
            # the camera nearest the command center with another camera within 150 m: a busy junction
            xy = np.array([[c.x, c.y] for c in cams])
            d_cc = np.hypot(xy[:, 0] - cc.x, xy[:, 1] - cc.y)
            cam = cams[int(np.argmin(d_cc))]
            cam_xy = (cam.x, cam.y)
        else:
            cam_xy = (cx, cy)
        if t.fire_stations:
            st = min(t.fire_stations, key=lambda f: (f.x - cc.x) ** 2 + (f.y - cc.y) ** 2)
            fs_xy = (st.x, st.y)
        else:
            fs_xy = (cc.x, cc.y)
        stops = {
            "overview": ([cx, ymin - 0.3 * s, 0.45 * s], [cx, cy, 0.0]),
            "command_center": ([cc.x - 120.0, cc.y - 160.0, 90.0], [cc.x, cc.y, 0.0]),
            "cameras": ([cam_xy[0] - 60.0, cam_xy[1] - 90.0, 60.0], [cam_xy[0], cam_xy[1], 0.0]),
            "fire_control": ([fs_xy[0] - 90.0, fs_xy[1] - 130.0, 90.0], [fs_xy[0], fs_xy[1], 0.0]),
            "server_room": ([cc.x + 50.0, cc.y - 80.0, 50.0], [cc.x, cc.y, 4.0]),
            "farewell": ([xmax + 0.1 * s, cy - 0.25 * s, 0.4 * s], [cx, cy, 0.0]),
        }
        keys = [k for k, _ in tmpl]
        unknown = [k for k in keys if k not in stops]
        if unknown:
            raise TwinError(f"captions name tour stops that do not exist: {unknown}; known: {sorted(stops)}")
        eyes = np.array([stops[k][0] for k in keys], dtype=float)
        targets = np.array([stops[k][1] for k in keys], dtype=float)
        n = len(keys)
        times = np.linspace(0.0, seconds, n) if n > 1 else np.zeros(1)
        captions = [c.format(**figs) for _, c in tmpl]
        roofs, origin = roof_grid(t)
        return cls(TourPath(eyes, targets, float(seconds)), times, captions, keys, roofs, origin)

    def caption_at(self, t: float) -> str:
        """The caption of the stop nearest in time to ``t`` (each shows for its share of the tour)."""
        i = int(np.argmin(np.abs(self.stop_times - t)))
        return self.captions[i]

    def pose_at(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Eye and look-at target at ``t``; the eye is lifted clear of nearby roofs."""
        eye, target = self.path.pose_at(t)
        if self.roofs is not None:
            x0, y0, cell = self.roofs_origin
            i = int(np.clip((eye[1] - y0) // cell, 0, self.roofs.shape[0] - 1))
            j = int(np.clip((eye[0] - x0) // cell, 0, self.roofs.shape[1] - 1))
            eye = eye.copy()
            eye[2] = max(float(eye[2]), float(self.roofs[i, j]) + CLEARANCE_M)
        return eye, target
