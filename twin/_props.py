"""Reading typed values out of feature properties, with errors that name the rule broken."""

from __future__ import annotations

import math
import re
from typing import Any

_NUM_RE = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*(m|metres|meters|meter|metre)?\s*$", re.IGNORECASE)


class PropError(Exception):
    """A property holds a value that breaks its rule; the message is the rule."""


def number(props: dict[str, Any], key: str, default: float | None = None, *, required: bool = False) -> float | None:
    """A float from a property (numbers, or strings such as "12", "12.5 m"); None/default when absent."""
    v = props.get(key)
    if v is None or (isinstance(v, str) and not v.strip()):
        if required:
            raise PropError(f"{key} is required")
        return default
    if isinstance(v, bool):
        raise PropError(f"{key} must be a number, got {v!r}")
    if isinstance(v, int | float):
        f = float(v)
    else:
        m = _NUM_RE.match(str(v))
        if not m:
            raise PropError(f"{key} must be a number, got {v!r}")
        f = float(m.group(1).replace(",", "."))
    if not math.isfinite(f):
        raise PropError(f"{key} must be a finite number, got {v!r}")
    return f


def integer(props: dict[str, Any], key: str, default: int | None = None) -> int | None:
    """An integer property (a float with a fractional part is an error)."""
    f = number(props, key, None)
    if f is None:
        return default
    if f != int(f):
        raise PropError(f"{key} must be a whole number, got {props.get(key)!r}")
    return int(f)


def text(props: dict[str, Any], key: str, default: str = "") -> str:
    """A string property ("" when absent)."""
    v = props.get(key)
    if v is None:
        return default
    return str(v)
