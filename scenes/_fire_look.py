"""A fire as the visitors see it: a flickering flame and a smoke plume sized by the heat release rate.

The flame's diameter and height are :func:`scenes.entities.fire_diameter_m` and Heskestad's flame
height (:func:`scenes.entities.flame_height_m`). The plume follows Heskestad's plume correlations
(SFPE Handbook of Fire Protection Engineering, 5th ed., ch. 13 "Fire Plumes, Flame Height, and Air
Entrainment"): a virtual origin ``z0 = 0.083 Q^0.4 - 1.02 D``, a centreline excess temperature
``dT0 = 9.1 (T_a / (g c_p^2 rho_a^2))^(1/3) Q_c^(2/3) (z - z0)^(-5/3)`` (Q_c = 0.7 Q, the convective
part) and a plume radius ``b = 0.12 (T0 / T_a)^(1/2) (z - z0)``. The plume is drawn up to where its
centreline is :data:`PLUME_VISIBLE_EXCESS_K` above ambient (an assumption: where rising smoke stops
reading as a column), so its height grows as ``Q^(2/5)`` and a t-squared fire's plume visibly grows.

The plume is a column of soft billboard puffs (each faces whichever camera draws it: the viewer's,
a virtual CCTV's) rising slowly by sim time; the flame's emissive colour flickers by sim time.
"""

from __future__ import annotations

import math

import numpy as np
from panda3d.core import CardMaker, NodePath, Texture, TransparencyAttrib

from ._mesh import Soup, geom_node

AMBIENT_K = 293.0
CONVECTIVE_FRACTION = 0.7
#: Where the drawn plume ends: its centreline this many kelvin above ambient (assumption, see the module).
PLUME_VISIBLE_EXCESS_K = 2.0
#: Heskestad's constant 9.1 (T_a / (g c_p^2 rho_a^2))^(1/3) with T_a 293 K, g 9.81, c_p 1.0 kJ/kg K, rho_a 1.2.
_DT_CONST = 9.1 * (AMBIENT_K / (9.81 * 1.0**2 * 1.2**2)) ** (1.0 / 3.0)
PUFFS = 18
#: How fast the drawn puffs climb (m/s of sim time): a visual cue of rising smoke, not a plume velocity.
PUFF_RISE_MPS = 1.5
SMOKE_RGB = (0.32, 0.31, 0.30)
FLAME_BOTTOM_RGB = (255, 125, 20)
FLAME_TOP_RGB = (235, 70, 10)


def plume_origin_m(hrr_kw: float, diameter_m: float) -> float:
    """Heskestad's virtual origin ``z0 = 0.083 Q^0.4 - 1.02 D`` (m above the fire's base)."""
    return 0.083 * max(hrr_kw, 0.0) ** 0.4 - 1.02 * diameter_m


def plume_excess_k(hrr_kw: float, z_m: float, diameter_m: float) -> float:
    """Centreline temperature above ambient (K) at height ``z_m`` (Heskestad; valid above the flame)."""
    dz = max(z_m - plume_origin_m(hrr_kw, diameter_m), 1e-3)
    return _DT_CONST * (CONVECTIVE_FRACTION * max(hrr_kw, 0.0)) ** (2.0 / 3.0) * dz ** (-5.0 / 3.0)


def plume_height_m(hrr_kw: float, diameter_m: float, visible_excess_k: float = PLUME_VISIBLE_EXCESS_K) -> float:
    """Height (m) where the plume's centreline excess temperature falls to ``visible_excess_k``."""
    qc = CONVECTIVE_FRACTION * max(hrr_kw, 0.0)
    return plume_origin_m(hrr_kw, diameter_m) + (_DT_CONST * qc ** (2.0 / 3.0) / visible_excess_k) ** 0.6


def plume_radius_m(hrr_kw: float, z_m: float, diameter_m: float) -> float:
    """Heskestad's plume radius ``0.12 (T0 / T_a)^(1/2) (z - z0)`` at height ``z_m``."""
    dz = max(z_m - plume_origin_m(hrr_kw, diameter_m), 0.0)
    t0 = AMBIENT_K + plume_excess_k(hrr_kw, z_m, diameter_m)
    return 0.12 * math.sqrt(t0 / AMBIENT_K) * dz


def _flame_soup(n: int = 10) -> Soup:
    """Three tongues of fire (unit height, unit base diameter), coloured orange at the base to red at the tips."""
    tris, cols = [], []
    for cx, cy, r, h in ((0.0, 0.0, 0.5, 1.0), (0.2, 0.1, 0.28, 1.25), (-0.18, -0.12, 0.3, 1.15)):
        a = np.linspace(0.0, 2.0 * math.pi, n + 1)
        rim = np.stack([cx + r * np.cos(a), cy + r * np.sin(a), np.zeros_like(a)], 1)
        apex = np.array([cx, cy, h])
        tris.append(np.stack([rim[:-1], rim[1:], np.broadcast_to(apex, rim[:-1].shape)], 1))
        c = np.array([FLAME_BOTTOM_RGB, FLAME_BOTTOM_RGB, FLAME_TOP_RGB], dtype=float)
        cols.append(np.tile(c, (n, 1)))
    pos = np.concatenate(tris).reshape(-1, 3)
    col = np.concatenate(cols)
    return Soup(pos, np.tile([0.0, 0.0, 1.0], (len(pos), 1)), np.hstack([col, np.full((len(col), 1), 255.0)]))


def _puff_card() -> NodePath:
    """A unit card (-0.5..0.5 in x and z, facing -y: a billboard turns it to the camera) with UVs."""
    cm = CardMaker("puff")
    cm.set_frame(-0.5, 0.5, -0.5, 0.5)
    return NodePath(cm.generate())


def _puff_texture() -> Texture:
    """A soft white disc (alpha falling to 0 at the rim), made here: no image files."""
    n = 64
    u = (np.arange(n) + 0.5) / n * 2.0 - 1.0
    r2 = u[None, :] ** 2 + u[:, None] ** 2
    alpha = np.clip(1.0 - r2, 0.0, 1.0) ** 1.5
    img = np.empty((n, n, 4), dtype=np.uint8)
    img[..., :3] = 255
    img[..., 3] = (alpha * 255).astype(np.uint8)
    tex = Texture("smoke-puff")
    tex.setup_2d_texture(n, n, Texture.T_unsigned_byte, Texture.F_rgba8)
    tex.set_ram_image(img.tobytes())
    return tex


class FireLook:
    """One fire's flame and plume under ``parent``; :meth:`update` sizes them for a heat release at a sim time."""

    _flame_geom = None
    _puff_geom = None
    _puff_tex = None

    def __init__(self, parent: NodePath, fire_id: str) -> None:
        cls = type(self)
        if cls._flame_geom is None:
            cls._flame_geom = geom_node("flame", _flame_soup())
            cls._puff_geom = _puff_card()
            cls._puff_tex = _puff_texture()
        self.flame = parent.attach_new_node(cls._flame_geom.make_copy())
        self.flame.set_name(f"flame-{fire_id}")
        self.flame.set_light_off()
        self.flame.set_two_sided(True)
        self.plume = parent.attach_new_node(f"plume-{fire_id}")
        self.plume.set_light_off()
        self.plume.set_transparency(TransparencyAttrib.M_alpha)
        self.plume.set_depth_write(False)
        self.plume.set_bin("fixed", 20)
        self.plume.set_two_sided(True)
        self.plume.set_texture(cls._puff_tex)
        self.puffs = []
        for k in range(PUFFS):
            p = cls._puff_geom.copy_to(self.plume)
            p.set_billboard_point_eye()
            p.set_name(f"puff-{k}")
            self.puffs.append(p)
        # a fire's own phase, so two fires do not flicker in step
        self.phase = (sum(map(ord, fire_id)) % 97) / 97.0 * 2.0 * math.pi

    def update(
        self, x: float, y: float, z: float, hrr_kw: float, t_s: float, *, diameter_m: float, flame_m: float
    ) -> None:
        """Place and size the flame and plume for heat release ``hrr_kw`` at sim time ``t_s``."""
        flick = 0.5 + 0.25 * math.sin(7.3 * t_s + self.phase) + 0.25 * math.sin(12.9 * t_s + 2.0 * self.phase)
        self.flame.set_pos(x, y, z)
        self.flame.set_scale(diameter_m, diameter_m, flame_m * (0.9 + 0.2 * flick))
        # emissive colour: hotter (yellower) and brighter with the flicker
        self.flame.set_color_scale(1.0, 0.85 + 0.3 * flick, 0.8 + 0.4 * flick, 1.0)
        self.plume.set_pos(x, y, z)
        top = max(plume_height_m(hrr_kw, diameter_m), flame_m + 2.0)
        base = flame_m * 0.8
        span = max(top - base, 1.0)
        rise = (t_s * PUFF_RISE_MPS / (span / PUFFS)) % 1.0
        for k, p in enumerate(self.puffs):
            u = (k + rise) / PUFFS
            zk = base + u * span
            radius = max(plume_radius_m(hrr_kw, zk, diameter_m), 0.6 * diameter_m, 0.5)
            p.set_pos(0.0, 0.0, zk)
            p.set_scale(3.2 * radius)  # a soft disc: its visible core spans about twice Heskestad's radius
            fade = min(1.0, 4.0 * u) * min(1.0, 3.0 * (1.0 - u))
            p.set_color(*SMOKE_RGB, 0.55 * fade)

    def remove(self) -> None:
        """Take the flame and plume out of the scene."""
        self.flame.remove_node()
        self.plume.remove_node()
