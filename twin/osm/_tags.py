"""Reading OpenStreetMap's free-text tag values: heights, levels and directions as mappers write them.

Every parser returns the value it settled on together with the *kinds* of interpretation it made,
so an import can count how many values were clean and how many it had to interpret, and how.

Rules (documented in docs/osm-import.md):

- a plain number (``12``, ``12.5``) or metres (``12 m``, ``12 metre``) is clean;
- feet (``40'``, ``40 ft``, ``12'6"``) are converted (0.3048 m a foot);
- a decimal comma (``3,5``) reads as a decimal point;
- ``10+`` ("at least ten") reads as its number;
- ``~10``, ``ca 10``, ``approx 10`` read as the number;
- a range ``4-7`` reads as its midpoint (the mean of its ends), and a list ``3;4`` as the mean of
  its values: a building footprint is one prism, and the mean is the least biased single height
  for parts of different heights (the max would overstate occlusion for every camera nearby);
- zero, negative or unreadable values are unusable, and the caller falls back to the next source.
"""

from __future__ import annotations

__all__ = [
    "CLEAN_KINDS",
    "parse_direction_deg",
    "parse_length_m",
    "parse_levels",
]

import math
import re
from collections.abc import Callable

#: Kinds of a value that needed no interpretation.
CLEAN_KINDS = frozenset({"number", "metres", "integer", "decimal", "degrees"})

FOOT_M = 0.3048
INCH_M = 0.0254

_NUM = r"(\d+(?:[.,]\d+)?|[.,]\d+)"
_APPROX_RE = re.compile(r"^(?:~|ca\.?|c\.|approx\.?|about|circa)\s*", re.IGNORECASE)
_METRES_RE = re.compile(rf"^([-+]?{_NUM[1:-1]})\s*(m|metres?|meters?)?$", re.IGNORECASE)
_FEET_RE = re.compile(rf"^{_NUM}\s*(?:'|ft|feet|foot)$", re.IGNORECASE)
_FEET_INCH_RE = re.compile(rf"^{_NUM}\s*'\s*{_NUM}\s*(?:\"|'')$")
_RANGE_RE = re.compile(rf"^{_NUM}\s*(?:-|–|—|to)\s*{_NUM}\s*(m|metres?|meters?|'|ft|feet)?$", re.IGNORECASE)
_UNITLESS_RE = re.compile(rf"^{_NUM}$")

#: The 16 compass points of ``direction``/``camera:direction``, degrees clockwise from north.
CARDINAL_DEG: dict[str, float] = {
    name: i * 22.5
    for i, name in enumerate(
        ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")
    )
}


def _num(s: str, kinds: list[str]) -> float:
    if "," in s:
        kinds.append("decimal comma")
        s = s.replace(",", ".")
    return float(s)


def _unqualified(s: str, kinds: list[str]) -> str:
    """``s`` without a leading ``~``/``ca``/``approx`` and a trailing ``+``; appends the kinds it dropped."""
    m = _APPROX_RE.match(s)
    if m:
        kinds.append("approximate")
        s = s[m.end() :].strip()
    if s.endswith("+"):
        kinds.append("at least")
        s = s[:-1].strip()
    return s


def _one_length(s: str, kinds: list[str]) -> float | None:
    """One length without lists or ranges; appends the kinds it interpreted."""
    s = _unqualified(s, kinds)
    m = _METRES_RE.match(s)
    if m:
        kinds.append("metres" if m.group(2) else "number")
        return _num(m.group(1), kinds)
    m = _FEET_RE.match(s)
    if m:
        kinds.append("feet")
        return _num(m.group(1), kinds) * FOOT_M
    m = _FEET_INCH_RE.match(s)
    if m:
        kinds.append("feet")
        return _num(m.group(1), kinds) * FOOT_M + _num(m.group(2), kinds) * INCH_M
    m = _RANGE_RE.match(s)
    if m:
        kinds.append("range")
        unit = (m.group(3) or "m").lower()
        scale = FOOT_M if unit in ("'", "ft", "feet") else 1.0
        if scale != 1.0:
            kinds.append("feet")
        return (_num(m.group(1), kinds) + _num(m.group(2), kinds)) / 2.0 * scale
    return None


def _finish(value: float | None, kinds: list[str]) -> tuple[float | None, tuple[str, ...]]:
    if value is None:
        return None, ("unreadable",)
    if not math.isfinite(value) or value <= 0.0:
        return None, ("not positive",)
    # "number" or "metres" beside a messier kind says nothing more: keep the messy ones
    messy = [k for k in kinds if k not in CLEAN_KINDS]
    out = messy if messy else kinds[:1]
    return value, tuple(dict.fromkeys(out))


def _mean_of_list(s: str, one: Callable[[str, list[str]], float | None]) -> tuple[float | None, tuple[str, ...]]:
    """``s`` read by ``one``, or a ``;`` list of such values read as their mean (kind ``"list"``)."""
    kinds: list[str] = []
    parts = [p.strip() for p in s.split(";") if p.strip()] if ";" in s else [s]
    vals = []
    for p in parts:
        v = one(p, kinds)
        if v is None:
            return None, ("unreadable",)
        vals.append(v)
    if not vals:
        return None, ("unreadable",)
    if ";" in s:
        kinds.insert(0, "list")
    return _finish(math.fsum(vals) / len(vals), kinds)


def parse_length_m(raw: object) -> tuple[float | None, tuple[str, ...]]:
    """A length tag (``height``, a camera's mount height) in metres, and how it was read.

    Returns:
        ``(metres, kinds)``: metres is None when the value is unusable (``kinds`` then says why:
        ``"unreadable"`` or ``"not positive"``); otherwise ``kinds`` names each interpretation
        made (``"number"``, ``"metres"``, ``"feet"``, ``"decimal comma"``, ``"at least"``,
        ``"approximate"``, ``"range"``, ``"list"``).
    """
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _finish(float(raw), ["number"])
    return _mean_of_list(str(raw).strip(), _one_length)


def parse_levels(raw: object) -> tuple[float | None, tuple[str, ...]]:
    """``building:levels`` as a number of storeys, and how it was read.

    Same rules as :func:`parse_length_m` but without units; a whole number is ``"integer"``, a
    fractional one (``3.5``: a top storey under the roof) is ``"decimal"``, both clean.
    """
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        v = float(raw)
        return _finish(v, ["integer" if v == int(v) else "decimal"])
    return _mean_of_list(str(raw).strip(), _one_level)


def _one_level(s: str, kinds: list[str]) -> float | None:
    s = _unqualified(s, kinds)
    if _UNITLESS_RE.match(s):
        v = _num(s, kinds)
        kinds.append("integer" if v == int(v) else "decimal")
        return v
    m = _RANGE_RE.match(s)
    if m and m.group(3) is None:
        kinds.append("range")
        return (_num(m.group(1), kinds) + _num(m.group(2), kinds)) / 2.0
    return None


def _circular_mid(a: float, b: float) -> float:
    """Midpoint of the clockwise arc from ``a`` to ``b`` (degrees)."""
    span = (b - a) % 360.0
    return (a + span / 2.0) % 360.0


def _one_direction(s: str) -> tuple[float | None, str]:
    u = s.strip().upper()
    if u in CARDINAL_DEG:
        return CARDINAL_DEG[u], "cardinal"
    try:
        v = float(u.replace(",", "."))
    except ValueError:
        return None, "unreadable"
    if not math.isfinite(v):
        return None, "unreadable"
    return v % 360.0, "degrees"


def parse_direction_deg(raw: object) -> tuple[float | None, str]:
    """``camera:direction`` / ``direction`` in degrees clockwise from north, and how it was read.

    ``"90"`` -> 90 (``"degrees"``); ``"NE"`` -> 45 (``"cardinal"``, 16 compass points); ``"45-135"``
    -> 90 (``"range"``: a field of view given by its edges, read clockwise, so ``"350-10"`` -> 0);
    ``"90;270"`` -> 90 (``"list"``: one camera with several heads; the first is taken).
    Returns ``(None, "unreadable")`` otherwise.
    """
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        v = float(raw)
        return (v % 360.0, "degrees") if math.isfinite(v) else (None, "unreadable")
    s = str(raw).strip()
    if ";" in s:
        v, kind = _one_direction(s.split(";")[0])
        return (v, "list") if v is not None else (None, "unreadable")
    v, kind = _one_direction(s)
    if v is not None:
        return v, kind
    m = re.match(r"^([^-]+)-([^-]+)$", s)
    if m:
        a, ka = _one_direction(m.group(1))
        b, kb = _one_direction(m.group(2))
        if a is not None and b is not None:
            return _circular_mid(a, b), "range"
    return None, "unreadable"
