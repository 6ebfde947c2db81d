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


@dataclass
class GuidedTour:
    """A path through the stops and the caption shown at each moment."""

    path: TourPath
    stop_times: np.ndarray
    captions: list[str]
    keys: list[str]

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
            "cameras": ([cam_xy[0] - 50.0, cam_xy[1] - 70.0, 40.0], [cam_xy[0], cam_xy[1], 0.0]),
            "fire_control": ([fs_xy[0] - 80.0, fs_xy[1] - 110.0, 70.0], [fs_xy[0], fs_xy[1], 0.0]),
            "server_room": ([cc.x + 40.0, cc.y - 60.0, 30.0], [cc.x, cc.y, 4.0]),
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
        return cls(TourPath(eyes, targets, float(seconds)), times, captions, keys)

    def caption_at(self, t: float) -> str:
        """The caption of the stop nearest in time to ``t`` (each shows for its share of the tour)."""
        i = int(np.argmin(np.abs(self.stop_times - t)))
        return self.captions[i]

    def pose_at(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Eye and look-at target at ``t``."""
        return self.path.pose_at(t)
