"""Overlays draped on the city: the coverage heatmap; and the key map that toggles every overlay.

The coverage overlay takes a 2D array of levels (0 = unseen, 1..L weakest to best, as
:mod:`twin.coverage` gives them) and its GDAL-style geotransform, so it needs nothing of the
coverage engine's API.
"""

from __future__ import annotations

__all__ = ["KEYMAP", "LEVEL_RGBA", "coverage_overlay", "coverage_rgba"]

from collections.abc import Sequence

import numpy as np
from panda3d.core import (
    CardMaker,
    NodePath,
    SamplerState,
    Texture,
    TransparencyAttrib,
)

import twin

from .masks import DEPTH_MASK, VCCTV_MASK

#: Level colours (RGBA 0..255), level 1 first: a sequential ramp from blue to red, half transparent,
#: so streets show through. Level 0 (unseen) is fully transparent. Seven entries hold the seven
#: levels of IEC 62676-4:2025; the six of EN 62676-4:2015 use the first six.
LEVEL_RGBA: tuple[tuple[int, int, int, int], ...] = (
    (49, 54, 149, 150),
    (69, 117, 180, 155),
    (116, 173, 209, 160),
    (254, 224, 144, 165),
    (253, 174, 97, 170),
    (244, 109, 67, 175),
    (215, 48, 39, 180),
)
#: Keys that toggle overlays (the desktop showroom binds them; :meth:`scenes.CityScene.handle_key`).
KEYMAP: dict[str, str] = {
    "c": "coverage",
    "f": "frustums",
    "v": "video",
    "m": "markers",
    "e": "entities",
}
#: Draped overlays float this far above the ground, above the road ribbons.
Z_DRAPE = 0.6


def coverage_rgba(levels: np.ndarray, palette: Sequence[tuple[int, int, int, int]] = LEVEL_RGBA) -> np.ndarray:
    """Levels (rows, cols) to an RGBA image (rows, cols, 4), level 0 transparent."""
    lv = np.asarray(levels)
    if lv.ndim != 2:
        raise twin.TwinError(f"coverage levels must be a 2D array, got shape {lv.shape}")
    if lv.size and (lv.min() < 0 or lv.max() > len(palette)):
        raise twin.TwinError(
            f"coverage levels must lie in 0..{len(palette)} (0 = unseen), got {lv.min()}..{lv.max()}: "
            "pass a palette with one colour per level"
        )
    table = np.vstack([np.zeros((1, 4), dtype=np.uint8), np.asarray(palette, dtype=np.uint8)])
    return table[lv.astype(np.intp)]


def coverage_overlay(
    levels: np.ndarray,
    geotransform: Sequence[float],
    parent: NodePath,
    *,
    palette: Sequence[tuple[int, int, int, int]] = LEVEL_RGBA,
) -> NodePath:
    """A textured sheet over the ground showing coverage levels, one texel per raster cell.

    ``geotransform`` is GDAL's ``(x0, dx, 0, y0, 0, dy)`` in local metres: (x0, y0) the outer corner
    of cell (0, 0), ``dy`` negative when row 0 is the northern edge (as GeoTIFFs are).
    """
    gt = [float(v) for v in geotransform]
    if len(gt) != 6 or gt[2] != 0.0 or gt[4] != 0.0 or gt[1] == 0.0 or gt[5] == 0.0:
        raise twin.TwinError(
            f"coverage geotransform must be a north-up GDAL (x0, dx, 0, y0, 0, dy) with dx, dy nonzero, got {gt}"
        )
    rgba = coverage_rgba(levels, palette)
    rows, cols = rgba.shape[:2]
    x0, dx, _, y0, _, dy = gt
    x1, y1 = x0 + cols * dx, y0 + rows * dy
    # Panda's texture rows run bottom-up (south first) and channels BGRA
    img = rgba if dy > 0 else rgba[::-1]
    if dx < 0:
        img = img[:, ::-1]
    tex = Texture("coverage")
    tex.setup_2d_texture(cols, rows, Texture.T_unsigned_byte, Texture.F_rgba8)
    tex.set_ram_image(np.ascontiguousarray(img[:, :, [2, 1, 0, 3]]).tobytes())
    tex.set_magfilter(SamplerState.FT_nearest)
    tex.set_minfilter(SamplerState.FT_nearest)
    tex.set_wrap_u(SamplerState.WM_clamp)
    tex.set_wrap_v(SamplerState.WM_clamp)
    node = drape_card(parent, "coverage", (x0, x1, y0, y1), tex)
    node.hide(DEPTH_MASK | VCCTV_MASK)
    return node


def drape_card(parent: NodePath, name: str, frame: tuple[float, float, float, float], tex: Texture) -> NodePath:
    """A textured card lying on the ground over ``frame`` (x0, x1, y0, y1 in either order), drawn over the city."""
    x0, x1, y0, y1 = frame
    cm = CardMaker(name)
    cm.set_frame(min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1))
    node = parent.attach_new_node(cm.generate())
    node.set_p(-90)  # CardMaker's card stands in x-z facing -y; pitched down it lies in x-y facing up
    node.set_z(Z_DRAPE)
    node.set_texture(tex)
    node.set_transparency(TransparencyAttrib.M_alpha)
    node.set_depth_write(False)
    node.set_bin("fixed", 10)
    node.set_light_off()
    return node
