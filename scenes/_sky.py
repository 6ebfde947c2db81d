"""Sky and daylight for the living look: colours of the sky, the sun and the haze by the sun's elevation.

No physical sky model: a few keyed colours (day, golden hour, civil twilight, night) blended by
the sun's elevation, which is what the eye reads in a still. The dome is a unit sphere drawn
first, pinned to the far plane around whichever camera renders it (the showroom's, a virtual
CCTV's, each eye of a headset).
"""

from __future__ import annotations

__all__ = ["Daylight", "daylight", "make_dome"]

from dataclasses import dataclass
from importlib import resources

import numpy as np
from panda3d.core import (
    CullFaceAttrib,
    Geom,
    GeomNode,
    GeomTriangles,
    GeomVertexData,
    GeomVertexFormat,
    NodePath,
    OmniBoundingVolume,
    Shader,
)

from .masks import DEPTH_MASK


@dataclass(frozen=True)
class Daylight:
    """Light and colours for one sun elevation (RGB in 0..1, linear-ish display values)."""

    sun_rgb: tuple[float, float, float]
    sky_rgb: tuple[float, float, float]  # ambient light from the sky
    zenith_rgb: tuple[float, float, float]
    haze_rgb: tuple[float, float, float]  # the horizon, and the haze colour
    glow: float  # warmth of the glow around a low sun, 0..1
    night: float  # 0 by day .. 1 in full night (lamps and windows on)


def _smooth(e0: float, e1: float, x: float) -> float:
    t = min(max((x - e0) / (e1 - e0), 0.0), 1.0)
    return t * t * (3 - 2 * t)


def _mix(a, b, t: float) -> tuple[float, float, float]:
    return tuple(float(v) for v in np.asarray(a) * (1 - t) + np.asarray(b) * t)  # type: ignore[return-value]


def daylight(elevation_deg: float) -> Daylight:
    """The look's light for a sun ``elevation_deg`` above the horizon.

    Keys: full day from 20 degrees up, a golden hour below it, the sun's direct light gone at
    -1 degree, civil twilight to -6 and full night from -12 (when street lamps are long on).
    """
    e = float(elevation_deg)
    day = _smooth(-1.0, 20.0, e)  # direct sun strength
    golden = _smooth(-4.0, 2.0, e) * (1.0 - _smooth(4.0, 20.0, e))
    night = 1.0 - _smooth(-12.0, 2.0, e)
    sun_col = _mix((1.0, 0.97, 0.90), (1.0, 0.60, 0.30), golden)
    sun = tuple(c * 0.82 * day for c in sun_col)
    zen_day, zen_twi, zen_night = (0.26, 0.48, 0.84), (0.20, 0.28, 0.52), (0.012, 0.018, 0.045)
    hor_day, hor_gold, hor_night = (0.74, 0.83, 0.92), (0.96, 0.66, 0.42), (0.045, 0.055, 0.095)
    zenith = _mix(_mix(zen_night, zen_twi, 1.0 - night), zen_day, day)
    horizon = _mix(_mix(hor_night, hor_gold, 1.0 - night), hor_day, _smooth(3.0, 20.0, e))
    sky = _mix((0.05, 0.06, 0.10), (0.42, 0.45, 0.50), _smooth(-8.0, 25.0, e))
    return Daylight(sun, sky, zenith, horizon, golden, night)  # type: ignore[arg-type]


def _sphere(rings: int = 12, segments: int = 24) -> GeomNode:
    """A unit sphere seen from inside (triangles wound for the inside)."""
    th = np.linspace(0, np.pi, rings + 1)
    ph = np.linspace(0, 2 * np.pi, segments + 1)
    t, p = np.meshgrid(th, ph, indexing="ij")
    pts = np.stack([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)], axis=-1).reshape(-1, 3)
    vdata = GeomVertexData("sky", GeomVertexFormat.get_v3(), Geom.UH_static)
    vdata.unclean_set_num_rows(len(pts))
    vdata.modify_array_handle(0).copy_data_from(pts.astype(np.float32).tobytes())
    i, j = np.meshgrid(np.arange(rings), np.arange(segments), indexing="ij")
    a = (i * (segments + 1) + j).ravel()
    b, c, d = a + 1, a + segments + 1, a + segments + 2
    idx = np.stack([a, c, d, a, d, b], axis=1).ravel().astype(np.uint32)
    prim = GeomTriangles(Geom.UH_static)
    prim.set_index_type(Geom.NT_uint32)
    prim.modify_vertices().unclean_set_num_rows(len(idx))
    prim.modify_vertices().modify_handle().copy_data_from(idx.tobytes())
    geom = Geom(vdata)
    geom.add_primitive(prim)
    node = GeomNode("sky-dome")
    node.add_geom(geom)
    return node


def make_dome(parent: NodePath) -> NodePath:
    """The sky dome under ``parent``: never culled, drawn first, writes no depth, hidden from depth passes."""
    src = resources.files("scenes").joinpath("shaders")
    dome = parent.attach_new_node(_sphere())
    dome.node().set_bounds(OmniBoundingVolume())
    dome.node().set_final(True)
    dome.set_shader(
        Shader.make(
            Shader.SL_GLSL, src.joinpath("sky.vert").read_text("utf-8"), src.joinpath("sky.frag").read_text("utf-8")
        ),
        2000,  # over a virtual CCTV's plain-shader override (priority 1000): its camera sees the same sky
    )
    dome.set_bin("background", 0)
    dome.set_depth_write(False)
    dome.set_depth_test(False)
    dome.set_attrib(CullFaceAttrib.make(CullFaceAttrib.M_cull_none))
    dome.hide(DEPTH_MASK)
    return dome
