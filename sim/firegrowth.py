"""Fire growth: the t-squared design fire, flashover thresholds and the ventilation limit.

``Q(t) = alpha * t^2`` kW with the NFPA 72 / SFPE growth classes (REFERENCE.md): slow, medium,
fast and ultra-fast reach 1,055 kW (1,000 BTU/s) at 600, 300, 150 and 75 s. Flashover happens
when the heat release reaches a room's threshold (Babrauskas ``750 A_o sqrt(H_o)`` or Thomas
``7.8 A_T + 378 A_o sqrt(H_o)``). Past flashover the fire keeps growing until the openings choke
it: the ventilation-limited heat release of Kawagoe, ``1500 A_o sqrt(H_o)`` kW (air inflow
``0.5 A_o sqrt(H_o)`` kg/s times about 3,000 kJ per kg of air).
"""

from __future__ import annotations

__all__ = [
    "GROWTH_ALPHA_KW_S2",
    "GROWTH_CLASSES",
    "Room",
    "flashover_kw_babrauskas",
    "flashover_kw_thomas",
    "heat_release_kw",
    "time_to_kw",
    "ventilation_limit_kw",
]

from dataclasses import dataclass

import numpy as np

from twin import TwinError

#: Growth coefficients in kW/s^2 (1,055 kW at 600 / 300 / 150 / 75 s).
GROWTH_ALPHA_KW_S2: dict[str, float] = {
    "slow": 0.00293,
    "medium": 0.01172,
    "fast": 0.0469,
    "ultra-fast": 0.1876,
}
GROWTH_CLASSES = tuple(GROWTH_ALPHA_KW_S2)


def _alpha(growth: str | float | np.ndarray) -> np.ndarray:
    if isinstance(growth, str):
        if growth not in GROWTH_ALPHA_KW_S2:
            raise TwinError(f"unknown fire growth class {growth!r}: use one of {list(GROWTH_CLASSES)}")
        return np.asarray(GROWTH_ALPHA_KW_S2[growth])
    return np.asarray(growth, dtype=float)


def heat_release_kw(
    t_s: float | np.ndarray, growth: str | float | np.ndarray, *, cap_kw: float | np.ndarray | None = None
) -> np.ndarray:
    """Heat release rate ``alpha t^2`` (kW) at ``t_s`` seconds after ignition, optionally capped.

    Negative times (before ignition) give 0. ``growth`` is a class name or alpha in kW/s^2.
    """
    t = np.maximum(np.asarray(t_s, dtype=float), 0.0)
    q = _alpha(growth) * t * t
    if cap_kw is not None:
        q = np.minimum(q, cap_kw)
    return q


def time_to_kw(q_kw: float | np.ndarray, growth: str | float | np.ndarray) -> np.ndarray:
    """Seconds after ignition at which a t-squared fire reaches ``q_kw``: ``sqrt(Q / alpha)``."""
    return np.sqrt(np.asarray(q_kw, dtype=float) / _alpha(growth))


def flashover_kw_babrauskas(opening_area_m2: float | np.ndarray, opening_height_m: float | np.ndarray) -> np.ndarray:
    """Babrauskas (1980): ``750 A_o sqrt(H_o)`` kW."""
    return 750.0 * np.asarray(opening_area_m2) * np.sqrt(np.asarray(opening_height_m))


def flashover_kw_thomas(
    surface_area_m2: float | np.ndarray, opening_area_m2: float | np.ndarray, opening_height_m: float | np.ndarray
) -> np.ndarray:
    """Thomas (1981): ``7.8 A_T + 378 A_o sqrt(H_o)`` kW, ``A_T`` the enclosing surface less the openings."""
    return 7.8 * np.asarray(surface_area_m2) + 378.0 * np.asarray(opening_area_m2) * np.sqrt(
        np.asarray(opening_height_m)
    )


def ventilation_limit_kw(opening_area_m2: float | np.ndarray, opening_height_m: float | np.ndarray) -> np.ndarray:
    """Kawagoe's ventilation-limited heat release, ``1500 A_o sqrt(H_o)`` kW (a fully developed room fire)."""
    return 1500.0 * np.asarray(opening_area_m2) * np.sqrt(np.asarray(opening_height_m))


@dataclass(frozen=True)
class Room:
    """A room of origin: floor plan, ceiling height and one opening (a door, or door plus window)."""

    width_m: float = 3.0
    length_m: float = 4.0
    height_m: float = 2.4
    opening_area_m2: float = 1.8
    opening_height_m: float = 2.0

    @property
    def surface_area_m2(self) -> float:
        """Walls, floor and ceiling less the opening (Thomas's ``A_T``)."""
        w, ln, h = self.width_m, self.length_m, self.height_m
        return 2.0 * w * ln + 2.0 * (w + ln) * h - self.opening_area_m2

    def flashover_kw(self, method: str = "thomas") -> float:
        """Flashover threshold by ``"thomas"`` or ``"babrauskas"``."""
        if method == "thomas":
            return float(flashover_kw_thomas(self.surface_area_m2, self.opening_area_m2, self.opening_height_m))
        if method == "babrauskas":
            return float(flashover_kw_babrauskas(self.opening_area_m2, self.opening_height_m))
        raise TwinError(f"unknown flashover method {method!r}: use 'thomas' or 'babrauskas'")
