"""``--map`` rules: which of their fields (and values, and layers) mean which of ours.

Three forms, as a user types them on the command line and as ``city.yaml`` keeps them:

- ``LAYER.OURFIELD=THEIRFIELD``: read our field from their field (``roads.class=JNS_JALAN``);
- ``LAYER.OURFIELD:THEIRVALUE=OURVALUE``: translate a value (``roads.class:Jalan Arteri=primary``);
  ``*`` as THEIRVALUE stands for every value not otherwise recognised, an empty one included;
- ``LAYER=THEIRLAYER``: every feature of their layer (layer name, file name without its extension,
  or ``FILE:LAYER``) belongs to our layer (``cameras=lokasi_cctv``).

Field and layer names match case-insensitively; values match exactly, then case-insensitively.
"""

from __future__ import annotations

__all__ = ["OUR_FIELDS", "FieldMaps", "parse_maps"]

from collections.abc import Iterable
from dataclasses import dataclass, field

from .._errors import TwinError

#: Our layers and the fields an import fills in each (the left-hand side of a ``--map``).
OUR_FIELDS: dict[str, tuple[str, ...]] = {
    "buildings": ("id", "name", "height", "levels", "use", "confidence"),
    "roads": ("id", "name", "class", "maxspeed", "oneway"),
    "cameras": ("id", "name", "heading", "height", "type", "status", "lon", "lat"),
    "fire_stations": ("id", "name", "lon", "lat"),
    "zones": ("id", "name", "landuse", "priority", "fire_rate_per_year"),
}

#: Value maps make sense only for fields whose values come from a vocabulary.
VALUE_FIELDS = {
    ("roads", "class"), ("roads", "oneway"), ("buildings", "use"), ("cameras", "type"), ("cameras", "status"),
    ("cameras", "heading"), ("zones", "landuse"),
}


@dataclass
class FieldMaps:
    """Every ``--map`` rule of an import, parsed."""

    #: (our layer, our field) -> their field name (as typed)
    fields: dict[tuple[str, str], str] = field(default_factory=dict)
    #: (our layer, our field) -> their value -> our value
    values: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    #: their layer (lower case) -> our layer
    layers: dict[str, str] = field(default_factory=dict)
    #: the rules as typed, in order (what ``city.yaml`` keeps)
    texts: list[str] = field(default_factory=list)

    def field_for(self, layer: str, ours: str) -> str | None:
        """Their field mapped to ``layer.ours``, if the user gave one."""
        return self.fields.get((layer, ours))

    def value(self, layer: str, ours: str, theirs: str | None, *, wildcard: bool = True) -> str | None:
        """Our value for their value by the user's value map (``*`` too, unless told not), else None."""
        table = self.values.get((layer, ours))
        if not table:
            return None
        if theirs is not None:
            if theirs in table:
                return table[theirs]
            low = theirs.strip().lower()
            for k, v in table.items():
                if k.strip().lower() == low:
                    return v
        return table.get("*") if wildcard else None

    def layer_for(self, file_name: str, layer_name: str) -> str | None:
        """Our layer that a user assigned their layer to (by layer, file stem or ``FILE:LAYER``)."""
        stem = file_name.split(".")[0].lower()
        lay = layer_name.lower()
        for key in (f"{file_name.lower()}:{lay}", f"{stem}:{lay}", lay, file_name.lower(), stem):
            if key in self.layers:
                return self.layers[key]
        return None


def _ours(layer: str, ours: str | None, text: str) -> None:
    if layer not in OUR_FIELDS:
        raise TwinError(f"--map {text!r}: unknown layer {layer!r}; ours are {', '.join(OUR_FIELDS)}")
    if ours is not None and ours not in OUR_FIELDS[layer]:
        raise TwinError(f"--map {text!r}: {layer} has no field {ours!r}; its fields are {', '.join(OUR_FIELDS[layer])}")


def parse_maps(texts: Iterable[str]) -> FieldMaps:
    """Parse ``--map`` rules; one clear error per malformed rule.

    Raises:
        TwinError: a rule is malformed, names a layer or field we do not have, or contradicts an earlier one.
    """
    out = FieldMaps()
    for text in texts:
        t = str(text)
        if "=" not in t:
            raise TwinError(
                f"--map {t!r}: expected LAYER.FIELD=THEIRFIELD, LAYER.FIELD:THEIRVALUE=OURVALUE or LAYER=THEIRLAYER"
            )
        left, right = t.split("=", 1) if ":" not in t.split("=", 1)[0] else _split_value_rule(t)
        left, right = left.strip(), right.strip()
        if not right:
            raise TwinError(f"--map {t!r}: nothing after '='")
        if ":" in left:
            target, theirs = left.split(":", 1)
            layer, _, ours = target.strip().partition(".")
            _ours(layer, ours or None, t)
            if not ours:
                raise TwinError(f"--map {t!r}: a value map needs LAYER.FIELD before ':' (roads.class:Arteri=primary)")
            if (layer, ours) not in VALUE_FIELDS:
                ok = ", ".join(f"{a}.{b}" for a, b in sorted(VALUE_FIELDS))
                raise TwinError(f"--map {t!r}: {layer}.{ours} takes numbers, not a vocabulary; value maps are for {ok}")
            allowed = _allowed_values(layer, ours)
            if allowed is not None and right not in allowed:
                raise TwinError(
                    f"--map {t!r}: {right!r} is not a {layer}.{ours} value we know; "
                    f"use one of {', '.join(sorted(allowed))}"
                )
            table = out.values.setdefault((layer, ours), {})
            theirs = theirs.strip()
            if theirs in table and table[theirs] != right:
                raise TwinError(f"--map {t!r}: {layer}.{ours}:{theirs} is already mapped to {table[theirs]!r}")
            table[theirs] = right
        elif "." in left:
            layer, ours = left.split(".", 1)
            _ours(layer, ours, t)
            key = (layer, ours)
            if key in out.fields and out.fields[key].lower() != right.lower():
                raise TwinError(f"--map {t!r}: {layer}.{ours} is already read from {out.fields[key]!r}")
            out.fields[key] = right
        else:
            _ours(left, None, t)
            prev = out.layers.get(right.lower())
            if prev is not None and prev != left:
                raise TwinError(f"--map {t!r}: layer {right!r} is already mapped to {prev}")
            out.layers[right.lower()] = left
        if t not in out.texts:
            out.texts.append(t)
    return out


def _allowed_values(layer: str, ours: str) -> frozenset[str] | None:
    """The values our field takes, where it has a vocabulary (a value map to anything else is a typo)."""
    from ..model import CAMERA_STATUSES
    from ..profiles import DRIVABLE_CLASSES
    from ._schemas import NON_DRIVABLE_HIGHWAY

    return {
        ("roads", "class"): DRIVABLE_CLASSES | NON_DRIVABLE_HIGHWAY,
        ("roads", "oneway"): frozenset({"yes", "no", "-1"}),
        ("cameras", "status"): frozenset(CAMERA_STATUSES),
        ("cameras", "type"): frozenset({"fixed", "ptz", "dome", "panning"}),
    }.get((layer, ours))


def _split_value_rule(t: str) -> tuple[str, str]:
    """``LAYER.FIELD:THEIR=VALUE=OURS`` split at the last ``=`` (their value may hold one)."""
    left, _, right = t.rpartition("=")
    return left, right
