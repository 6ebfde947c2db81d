"""A catalogue of camera lenses a planner places by hand: bullet, dome and PTZ, as on datasheets.

Pure data. Each :class:`LensSpec` names a camera body (bullet, dome, PTZ), a focal length and a
sensor width in millimetres and a resolution; the horizontal field of view follows from them by
:func:`twin.optics.hfov_from_focal_deg` (a pinhole, ``2 atan(sensor_width / (2 f))``), and the
DORI ranges by :mod:`twin.optics`. A fisheye dome is given by its 360-degree field of view instead.

Sensor widths are the active widths of the usual formats at 16:9 (1/2.8" 5.6 mm for 2 MP,
1/1.8" 7.4 mm for 8 MP); datasheets quote a few degrees more field of view than the pinhole
figure because of barrel distortion, which the planning model leaves out (twin.optics: density is
the on-axis figure). Costs are relative units, as a site's ``cost`` in the city format.
"""

from __future__ import annotations

__all__ = ["DEFAULT_LENS", "LENSES", "LensSpec", "lens_spec"]

from dataclasses import dataclass
from typing import Any

from . import optics
from ._errors import TwinError

#: The lens :meth:`sim.planning.PlanSession.place` uses when none is named.
DEFAULT_LENS = "bullet-4mm-1080p"


@dataclass(frozen=True)
class LensSpec:
    """One catalogue entry: body, lens and sensor.

    Attributes:
        name: catalogue key, e.g. ``"bullet-4mm-1080p"``.
        body: ``"bullet"``, ``"dome"`` or ``"ptz"`` (the camera's ``type``: bullet is a fixed camera).
        focal_mm: focal length (the wide end for a PTZ); None for a fisheye given by ``fov_deg``.
        sensor_width_mm: active sensor width.
        width_px: image width.
        height_px: image height.
        fov_deg: field of view for a lens given by angle (a 360-degree fisheye dome), else None.
        zoom: optical zoom of a PTZ (1 for a fixed lens); the tele end is ``focal_mm * zoom``.
        cost: relative cost of the camera body and lens.
        tilt_deg: default tilt down from horizontal when placed.
    """

    name: str
    body: str
    focal_mm: float | None
    sensor_width_mm: float
    width_px: int
    height_px: int
    fov_deg: float | None = None
    zoom: float = 1.0
    cost: float = 1.0
    tilt_deg: float = 15.0

    @property
    def camera_type(self) -> str:
        """The twin camera type: a bullet is a ``fixed`` camera."""
        return "fixed" if self.body == "bullet" else self.body

    @property
    def hfov_deg(self) -> float:
        """Horizontal field of view, degrees (the wide end of a PTZ)."""
        if self.fov_deg is not None:
            return float(self.fov_deg)
        return optics.hfov_from_focal_deg(self.sensor_width_mm, float(self.focal_mm or 0.0))

    @property
    def vfov_deg(self) -> float:
        """Vertical field of view, degrees (:func:`twin.optics.vfov_deg`)."""
        return optics.vfov_deg(self.hfov_deg, self.width_px, self.height_px)

    @property
    def focal_px(self) -> float:
        """Focal length in pixels (pixel density times slant distance)."""
        return float(optics.focal_px(self.hfov_deg, self.width_px, self.height_px))

    def range_m(self, ppm: float) -> float:
        """Slant distance at which the lens still gives ``ppm`` px/m (a DORI level's range)."""
        return float(optics.range_m(self.focal_px, ppm))

    def camera_fields(self) -> dict[str, Any]:
        """The :class:`twin.Camera` fields this lens sets (type, lens, resolution, cost)."""
        fields: dict[str, Any] = {"type": self.camera_type, "width_px": self.width_px,
                                  "height_px": self.height_px, "cost": self.cost}
        if self.fov_deg is not None:
            fields.update(hfov_deg=float(self.fov_deg), focal_mm=None, sensor_width_mm=None)
        else:
            fields.update(hfov_deg=None, focal_mm=float(self.focal_mm or 0.0), sensor_width_mm=self.sensor_width_mm)
        return fields

    def as_dict(self) -> dict[str, Any]:
        """The entry with its derived figures (for a panel or a JSON listing)."""
        return {"name": self.name, "body": self.body, "focal_mm": self.focal_mm,
                "sensor_width_mm": self.sensor_width_mm, "resolution": f"{self.width_px}x{self.height_px}",
                "hfov_deg": round(self.hfov_deg, 2), "vfov_deg": round(self.vfov_deg, 2), "zoom": self.zoom,
                "cost": self.cost}


_S2MP = 5.6  # 1/2.8" sensor, active width at 16:9, mm
_S8MP = 7.4  # 1/1.8" sensor, active width at 16:9, mm

_ENTRIES = (
    LensSpec("bullet-2.8mm-1080p", "bullet", 2.8, _S2MP, 1920, 1080, cost=1.0),
    LensSpec("bullet-4mm-1080p", "bullet", 4.0, _S2MP, 1920, 1080, cost=1.0),
    LensSpec("bullet-6mm-1080p", "bullet", 6.0, _S2MP, 1920, 1080, cost=1.1),
    LensSpec("bullet-12mm-1080p", "bullet", 12.0, _S2MP, 1920, 1080, cost=1.3),
    LensSpec("bullet-4mm-4k", "bullet", 4.0, _S8MP, 3840, 2160, cost=1.6),
    LensSpec("bullet-8mm-4k", "bullet", 8.0, _S8MP, 3840, 2160, cost=1.8),
    LensSpec("dome-2.8mm-1080p", "dome", 2.8, _S2MP, 1920, 1080, cost=1.0),
    LensSpec("dome-4mm-1080p", "dome", 4.0, _S2MP, 1920, 1080, cost=1.0),
    LensSpec("dome-fisheye-5mp", "dome", None, 5.1, 2560, 1920, fov_deg=360.0, cost=1.5, tilt_deg=90.0),
    LensSpec("ptz-4.8mm-25x-1080p", "ptz", 4.8, _S2MP, 1920, 1080, zoom=25.0, cost=4.0),
    LensSpec("ptz-6mm-32x-4k", "ptz", 6.0, _S8MP, 3840, 2160, zoom=32.0, cost=6.0),
)

#: The catalogue by name.
LENSES: dict[str, LensSpec] = {e.name: e for e in _ENTRIES}


def lens_spec(name: str | LensSpec) -> LensSpec:
    """The catalogue entry ``name`` (a :class:`LensSpec` is returned as it is).

    Raises:
        TwinError: a name the catalogue lacks (the message lists the names).
    """
    if isinstance(name, LensSpec):
        return name
    try:
        return LENSES[name]
    except KeyError:
        raise TwinError(f"lens {name!r} is not in the catalogue: use one of {sorted(LENSES)}") from None

