"""Night light without hundreds of lights: a map of street-lamp pools and cameras' infrared reach.

llvmpipe cannot afford a point light per lamp, so the lamps' light on the ground is painted once
into a texture over the city (red: lamps every ``lamp_spacing_m`` along each road, each a
Gaussian pool; green: each camera's footprint cut at its infrared reach) and the city shader adds
it at night with one texture read.
"""

from __future__ import annotations

__all__ = ["NightSettings", "light_pool_map", "pool_texture"]

from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np
import shapely
from panda3d.core import SamplerState, Texture

from twin import Twin

from .pose import CameraPose, footprint


@dataclass(frozen=True)
class NightSettings:
    """Street lamps and infrared pools."""

    #: lamps along every road, this far apart (m)
    lamp_spacing_m: float = 28.0
    #: a lamp's pool of light: Gaussian radius (sigma, m)
    lamp_sigma_m: float = 7.0
    #: infrared reach of a camera whose city file gives none (``ir_range_m``), m (a street camera's IR LEDs)
    ir_default_m: float = 30.0
    #: how bright an infrared pool reads (0..1)
    ir_strength: float = 0.55
    #: the map's resolution (m per texel); coarser for big cities so the map stays under 4096 texels a side
    res_m: float = 2.0


def _lamps(t: Twin, spacing_m: float) -> np.ndarray:
    lines = t.road_lines() if t.roads is not None else []
    if not lines:
        return np.zeros((0, 2))
    geoms = np.array(lines, dtype=object)
    length = shapely.length(geoms)
    count = np.maximum(np.floor(length / spacing_m).astype(int), 1)
    which = np.repeat(np.arange(len(geoms)), count)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    pos = (k + 0.5) * (length[which] / count[which])
    return shapely.get_coordinates(shapely.line_interpolate_point(geoms[which], pos))


def light_pool_map(
    t: Twin,
    bounds: tuple[float, float, float, float],
    ir_pools: Iterable[tuple[CameraPose, float]],
    settings: NightSettings | None = None,
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The pool map and its box ``(x0, y0, 1 / width_m, 1 / height_m)`` for the shader.

    The map's rows run from ``ymin`` up, its columns from ``xmin``; channels lamps, infrared; 0..1.
    ``ir_pools``: per camera, its pose and infrared reach (m).
    """
    s = settings or NightSettings()
    xmin, ymin, xmax, ymax = bounds
    res = max(s.res_m, (xmax - xmin) / 4096.0, (ymax - ymin) / 4096.0)
    w = int(np.ceil((xmax - xmin) / res)) + 1
    h = int(np.ceil((ymax - ymin) / res)) + 1
    lamps = np.zeros((h, w), np.float32)
    xy = _lamps(t, s.lamp_spacing_m)
    if len(xy):
        ix = np.clip(((xy[:, 0] - xmin) / res).astype(int), 0, w - 1)
        iy = np.clip(((xy[:, 1] - ymin) / res).astype(int), 0, h - 1)
        np.add.at(lamps, (iy, ix), 1.0)
        sigma = s.lamp_sigma_m / res
        # an isolated lamp's pool peaks at 1 (a blurred unit impulse peaks at 1 / (2 pi sigma^2))
        lamps = cv2.GaussianBlur(lamps, (0, 0), sigma) * (2.0 * np.pi * sigma * sigma)
    ir = np.zeros((h, w), np.uint8)
    polys = []
    for pose, reach in ir_pools:
        fp = footprint(pose, reach)
        fp = fp.intersection(shapely.Point(pose.position[:2]).buffer(reach, quad_segs=12))
        for part in shapely.get_parts(fp):
            if part.geom_type == "Polygon" and not part.is_empty:
                c = np.asarray(part.exterior.coords)
                px = np.column_stack([(c[:, 0] - xmin) / res, (c[:, 1] - ymin) / res])
                polys.append(np.round(px).astype(np.int32))
    if polys:
        cv2.fillPoly(ir, polys, 255)
        ir = cv2.GaussianBlur(ir, (0, 0), 2.0)
    out = np.stack([np.clip(lamps, 0.0, 1.0), ir.astype(np.float32) / 255.0 * s.ir_strength], axis=2)
    return out, (xmin, ymin, 1.0 / (w * res), 1.0 / (h * res))


def pool_texture(pools: np.ndarray) -> Texture:
    """The pool map as a texture (red: lamps, green: infrared), filtered linearly, clamped."""
    h, w = pools.shape[:2]
    tex = Texture("night-pools")
    tex.setup_2d_texture(w, h, Texture.T_unsigned_byte, Texture.F_rgb8)
    bgr = np.zeros((h, w, 3), np.uint8)
    bgr[..., 2] = np.round(pools[..., 0] * 255)
    bgr[..., 1] = np.round(pools[..., 1] * 255)
    tex.set_ram_image(bgr.tobytes())  # Panda's rows run bottom-up, as the map's do
    tex.set_wrap_u(SamplerState.WM_clamp)
    tex.set_wrap_v(SamplerState.WM_clamp)
    tex.set_minfilter(SamplerState.FT_linear)
    tex.set_magfilter(SamplerState.FT_linear)
    return tex
