"""The account of every input feature: imported as what, or left out and why.

Each input layer gets a :class:`LayerAccount` with one outcome per feature (row). A reader marks
the rows it leaves out with a reason; features it hands on carry ``extra["src"] = (layer index,
row)`` and, once the city is built, :func:`settle` marks each row imported (as the layers its
features ended in) or gives it the reason the build left it out for. So the counts of every layer
add up to its features, by construction, and the report can prove it.
"""

from __future__ import annotations

__all__ = ["LayerAccount", "TrackedRaw", "settle"]

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..osm import RawData

#: How many distinct sample values the report keeps per field.
SAMPLES_PER_FIELD = 3
#: Samples are looked for in the first rows only (a field of one value would be read to its end).
SAMPLE_ROWS = 5000
#: Reason given to a row whose features vanished without one (never expected: a test checks it).
NO_REASON = "not imported (no reason recorded)"


@dataclass
class LayerAccount:
    """What one input layer held and what became of each of its features."""

    label: str
    file: str
    layer: str
    format: str
    crs: str
    features: int
    geometry: dict[str, int] = field(default_factory=dict)
    schema: str = "generic"
    fields: list[str] = field(default_factory=list)
    samples: dict[str, list[Any]] = field(default_factory=dict)
    #: our layer.field -> their field, as used
    mapping: dict[str, str] = field(default_factory=dict)
    #: what the layer was read as (e.g. ``roads``), or None when it maps to nothing
    read_as: list[str] = field(default_factory=list)
    #: per row: None (handed on), or the reason it was left out
    outcome: list[str | None] = field(default_factory=list)
    #: per row: the layers its features ended in (filled by :func:`settle`)
    imported_as: list[str] = field(default_factory=list)
    #: the ``--map`` rules that would bring in what was left out
    suggestions: list[str] = field(default_factory=list)
    #: notes on how values were read (e.g. Microsoft's height -1)
    notes: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.outcome:
            self.outcome = [None] * self.features

    def leave_out(self, row: int, reason: str) -> None:
        """Mark one row left out (the first reason given stands)."""
        if self.outcome[row] is None:
            self.outcome[row] = reason

    def note(self, what: str, n: int = 1) -> None:
        """Count one observation about how values were read."""
        self.notes[what] = self.notes.get(what, 0) + n

    def left_out(self) -> dict[str, int]:
        """Reason -> rows left out for it, most first."""
        c = Counter(o for o, a in zip(self.outcome, self.imported_as or [""] * self.features, strict=True) if not a)
        c.pop(None, None)
        return dict(c.most_common())

    def left_out_rows(self, per_reason: int = 5) -> dict[str, list[int]]:
        """Reason -> the first few rows (0-based, in the layer's order) left out for it, to find them in a GIS."""
        out: dict[str, list[int]] = {}
        imported = self.imported_as or [""] * self.features
        for row, (o, a) in enumerate(zip(self.outcome, imported, strict=True)):
            if o is None or a:
                continue
            rows = out.setdefault(o, [])
            if len(rows) < per_reason:
                rows.append(row)
        return out

    def imported(self) -> dict[str, int]:
        """Our layer(s) -> rows imported as them."""
        return dict(Counter(a for a in self.imported_as if a).most_common())

    def as_dict(self) -> dict[str, Any]:
        """The account as JSON-ready data (an entry of ``import_report.json``'s ``inputs``)."""
        imp = self.imported()
        out = self.left_out()
        return {
            "file": self.file,
            "layer": self.layer,
            "format": self.format,
            "crs": self.crs,
            "schema": self.schema,
            "read_as": self.read_as,
            "features": self.features,
            "geometry": self.geometry,
            "imported": imp,
            "imported_total": int(sum(imp.values())),
            "left_out": out,
            "left_out_total": int(sum(out.values())),
            # an OSM extract has elements, not rows: its ids are in the report's skipped_examples
            "left_out_rows": {} if self.format in ("osm", "osm.pbf") else self.left_out_rows(),
            "fields": self.fields,
            "samples": self.samples,
            "mapping": self.mapping,
            "value_notes": self.notes,
            "suggestions": self.suggestions,
        }


def samples(fields: dict[str, np.ndarray]) -> dict[str, list[Any]]:
    """A few distinct non-empty values of each field (text cut to 40 characters)."""
    out: dict[str, list[Any]] = {}
    for name, col in fields.items():
        seen: list[Any] = []
        for v in col[:SAMPLE_ROWS]:
            if isinstance(v, np.generic):
                v = v.item()
            if v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip()):
                continue
            if isinstance(v, bytes):
                v = f"<{len(v)} bytes>"
            elif not isinstance(v, int | float | str | bool):
                v = str(v)
            if isinstance(v, str) and len(v) > 40:
                v = v[:39] + "…"
            if v not in seen:
                seen.append(v)
                if len(seen) == SAMPLES_PER_FIELD:
                    break
        out[name] = seen
    return out


class TrackedRaw(RawData):
    """:class:`RawData` that also remembers the reason each feature id was left out for."""

    def __init__(self, format: str):
        super().__init__(format=format)
        self.reason_by_id: dict[str, str] = {}

    def skip(self, layer: str, reason: str, fid: str | None = None) -> None:
        """Count one feature of ``layer`` left out for ``reason`` (and remember it by id)."""
        super().skip(layer, reason, fid)
        if fid is not None:
            self.reason_by_id.setdefault(fid, reason)


def settle(
    accounts: list[LayerAccount],
    features: dict[str, list[Any]],
    kept_ids: dict[str, set[str]],
    reason_by_id: dict[str, str],
) -> None:
    """Fill every account's ``imported_as`` from the features that ended in the city.

    Args:
        accounts: the input layers' accounts.
        features: our layer -> every feature handed on for it (``RawFeature`` with ``extra["src"]``),
            including those a later stage left out.
        kept_ids: our layer -> ids of the features in the built city.
        reason_by_id: feature id -> why a later stage left it out.
    """
    got: dict[tuple[int, int], set[str]] = {}
    why: dict[tuple[int, int], str] = {}
    for layer, feats in features.items():
        kept = kept_ids.get(layer, set())
        for f in feats:
            src = f.extra.get("src")
            if src is None:
                continue
            if f.id in kept:
                got.setdefault(src, set()).add(layer)
            else:
                r = reason_by_id.get(f.id)
                if r is not None:
                    why.setdefault(src, f"{layer}: {r}")
    for k, acc in enumerate(accounts):
        acc.imported_as = [""] * acc.features
        for row in range(acc.features):
            layers = got.get((k, row))
            if layers:
                acc.imported_as[row] = "+".join(sorted(layers))
            elif acc.outcome[row] is None:
                acc.outcome[row] = why.get((k, row), NO_REASON)
