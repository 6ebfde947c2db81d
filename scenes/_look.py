"""The living look: the sun where it is for the city's place and clock, shadows, sky, haze and night.

:class:`Look` owns the sky dome, the sun's shadow map and the night-light map, and sets the
uniforms that ``scenes/shaders/look_living.glsl`` (inside the projector shader, so video and
light combine in one pass) reads. :meth:`Look.set_clock` takes the city's local time; the sun's
position comes from :func:`twin.solar_position` at the twin's geographic origin.
"""

from __future__ import annotations

__all__ = ["DEFAULT_CLOCK", "LOOKS", "Look", "LookSettings", "clock_at", "lit_window_share"]

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from panda3d.core import Camera, Lens, LVecBase4f, NodePath, PTA_LVecBase4f

import twin

from ._nightlights import NightSettings, light_pool_map, pool_texture
from ._sky import Daylight, daylight, make_dome
from ._sun_light import SunShadow
from ._vegetation import TreeSettings
from .city import CityMesh
from .engine import Graphics
from .projectors import ProjectorSet, projector_shader

#: The looks a scene can have: ``living`` (this module) or ``plain`` (flat colours, as before issue 14).
LOOKS = ("living", "plain")
#: The clock a living scene starts at (local time): a March morning, the sun high in the east.
DEFAULT_CLOCK = dt.datetime(2026, 3, 20, 10, 0)

_TAG = "scene-look"
# share of windows lit by local hour: a few all night, most in the evening
_WINDOW_HOURS = np.array([0, 5, 6, 7, 9, 17, 18, 20, 22, 23, 24], dtype=float)
_WINDOW_SHARE = np.array([0.12, 0.10, 0.25, 0.30, 0.2, 0.3, 0.5, 0.62, 0.45, 0.25, 0.12])


def clock_at(sim_s: float, *, start_hour: float, day: dt.date | None = None) -> dt.datetime:
    """A sim's clock as the city's local time: ``sim_s`` seconds after ``start_hour`` on ``day``.

    ``day`` defaults to :data:`DEFAULT_CLOCK`'s date (the sims have hours, not dates).
    """
    d = DEFAULT_CLOCK.date() if day is None else day
    return dt.datetime.combine(d, dt.time()) + dt.timedelta(hours=float(start_hour), seconds=float(sim_s))


def lit_window_share(hour: float) -> float:
    """Share of windows lit at a local ``hour`` (0..24): evenings most, small hours fewest."""
    return float(np.interp(hour % 24.0, _WINDOW_HOURS, _WINDOW_SHARE))


@dataclass
class LookSettings:
    """How the living look trades quality for speed."""

    #: shadow map size (px a side) and how far from the viewer shadows reach (m)
    shadow_px: int = 2048
    shadow_range_m: float = 600.0
    #: meteorological visibility (m): haze reaches 95% there (extinction 3 / visibility)
    visibility_m: float = 15000.0
    #: no haze nearer than this (m), so the streets under a close viewer keep their colours
    haze_start_m: float = 200.0
    trees: TreeSettings = field(default_factory=TreeSettings)
    night: NightSettings = field(default_factory=NightSettings)


class Look:
    """Sky, sun, shadows and night lights of one scene; the uniforms on the city's root."""

    def __init__(
        self,
        city: twin.Twin,
        scene: NodePath,
        mesh: CityMesh,
        projectors: ProjectorSet,
        graphics: Graphics,
        settings: LookSettings | None = None,
    ) -> None:
        self.twin = city
        self.settings = s = settings or LookSettings()
        self.mesh = mesh
        self.scene = scene
        self.dome = make_dome(scene)
        self.shadow = SunShadow(graphics, scene, size_px=s.shadow_px, range_m=s.shadow_range_m)
        reach = [
            (p.pose, float(min(p.camera.ir_range_m or s.night.ir_default_m, p.range_m)))
            for p in projectors.projectors.values()
        ]
        pools, box = light_pool_map(city, mesh.bounds, reach, s.night)
        self.pools = pool_texture(pools)
        self.u = {k: PTA_LVecBase4f([LVecBase4f(0, 0, 0, 0)]) for k in ("sun_dir", "sun_rgb", "sky_rgb", "haze_rgb")}
        self.u["look_params"] = PTA_LVecBase4f([LVecBase4f(0, 0, 1, s.haze_start_m)])
        self.u["sky_zenith"] = PTA_LVecBase4f([LVecBase4f(0, 0, 0, 0)])
        # on the scene's root: the city, the dome and any node lit by :meth:`apply` read them
        r = scene
        for k, v in self.u.items():
            r.set_shader_input(k, v)
        r.set_shader_input("sun_mat", self.shadow.sun_mat)
        r.set_shader_input("sun_depth", self.shadow.texture)
        r.set_shader_input("pools", self.pools)
        r.set_shader_input("pools_box", LVecBase4f(*box))
        mesh.root.set_tag(_TAG, "city")
        self._film_state = None
        self.sun: twin.SunPosition | None = None
        self.light: Daylight | None = None
        self.clock = DEFAULT_CLOCK
        self.set_clock(DEFAULT_CLOCK)

    def apply(self, node: NodePath) -> None:
        """Light an untextured, vertex-coloured node of the scene by the look (sun, shadows, haze, night).

        Material codes in its vertex alpha as :mod:`scenes._facades` writes them (255: plain ground-like
        surface). For a building of another module (the War Room's shell, say) that should darken at night.
        """
        node.set_shader(projector_shader(0, "living"))
        node.set_shader_input("video_on", 0.0)

    def film(self, camera: Camera) -> None:
        """Let a camera that overrides shaders (a virtual CCTV's plain pass) still see the city lit.

        The city's tiles are tagged; for this camera the tag swaps in the living shader without
        video slots, over its override (priority 1001 > 1000). Everything else keeps the camera's state.
        """
        if self._film_state is None:
            np_ = NodePath("living-film")
            np_.set_shader(projector_shader(0, "living"), 1001)
            self._film_state = np_.get_state()
        camera.set_tag_state_key(_TAG)
        camera.set_tag_state("city", self._film_state)

    def set_clock(self, when: dt.datetime) -> None:
        """The city's local time (a naive datetime, or an aware one): moves the sun, the sky, the lights."""
        f = self.twin.frame
        self.clock = when
        self.sun = sun = twin.solar_position(f.origin_lat, f.origin_lon, when)
        self.light = d = daylight(sun.elevation_deg)
        up = sun.elevation_deg > 0.0
        self.u["sun_dir"].set_element(0, LVecBase4f(*sun.direction(), 1.0 if up else 0.0))
        self.u["sun_rgb"].set_element(0, LVecBase4f(*d.sun_rgb, 0.0))
        self.u["sky_rgb"].set_element(0, LVecBase4f(*d.sky_rgb, d.night))
        self.u["haze_rgb"].set_element(0, LVecBase4f(*d.haze_rgb, 3.0 / self.settings.visibility_m))
        self.u["sky_zenith"].set_element(0, LVecBase4f(*d.zenith_rgb, d.glow))
        hour = when.hour + when.minute / 60.0 + when.second / 3600.0
        p = self.u["look_params"][0]
        self.u["look_params"].set_element(0, LVecBase4f(lit_window_share(hour), (hour * 3600.0) % 3600.0, p[2], p[3]))
        self.shadow.set_active(up)

    def update(self, viewer: NodePath, lens: Lens) -> None:
        """Before a frame: fit the shadow map to the viewer's frustum."""
        if self.sun is None or not self.shadow.active:
            return
        self.shadow.fit(np.array(self.sun.direction()), viewer, lens, self.scene, self.mesh.max_height_m)
        p = self.u["look_params"][0]
        self.u["look_params"].set_element(0, LVecBase4f(p[0], p[1], self.shadow.texel_m, p[3]))

    def destroy(self) -> None:
        """Close the shadow buffer, drop the dome and the pool map."""
        self.shadow.destroy()
        self.dome.remove_node()
        self.pools.release_all()
        self.mesh.root.clear_tag(_TAG)
        for k in (*self.u, "sun_mat", "sun_depth", "pools", "pools_box"):
            self.scene.clear_shader_input(k)
