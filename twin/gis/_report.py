"""The import report: what became of every input feature, as JSON for tools and a few lines for people."""

from __future__ import annotations

__all__ = ["ImportReport", "left_out_line", "warnings_for"]

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..model import Twin
from ._ledger import LayerAccount

#: How many reasons the one-line summary names before "and N more".
REASONS_IN_LINE = 3
#: How many reasons per input the summary lists.
REASONS_LISTED = 12


def _n(x: int) -> str:
    return f"{x:,}"


def left_out_line(accounts: list[LayerAccount]) -> str:
    """One line: how many features were left out, the main reasons, and the ``--map`` that brings them in."""
    read = sum(a.features for a in accounts)
    out = Counter()
    for a in accounts:
        for reason, n in a.left_out().items():
            out[f"{a.label}: {reason}"] += n
    total = sum(out.values())
    if not total:
        return f"left out nothing: all {_n(read)} features of {len(accounts)} layer(s) imported"
    top = out.most_common(REASONS_IN_LINE)
    more = len(out) - len(top)
    parts = "; ".join(f"{r} {_n(n)}" for r, n in top) + (f"; and {more} more reason(s)" if more > 0 else "")
    rules = list(dict.fromkeys(s for a in accounts for s in a.suggestions))
    fix = (
        f" -- to bring them in: {' '.join(rules)}"
        if rules
        else " -- left out by the import's rules, no --map suggested (each layer's reasons: import_report.json inputs)"
    )
    return f"left out {_n(total)} of {_n(read)} features ({parts}){fix}"


def warnings_for(accounts: list[LayerAccount]) -> list[str]:
    """A warning for each layer of lines or polygons that maps to none of our layers."""
    out = []
    for a in accounts:
        shapes = {k: n for k, n in a.geometry.items() if k in ("line", "polygon") and n}
        if not shapes:
            continue
        imported = sum(a.imported().values()) if a.imported_as else 0
        if imported:
            continue
        what = ", ".join(f"{n} {k}s" for k, n in shapes.items())
        fields = ", ".join(a.fields[:12]) + (" ..." if len(a.fields) > 12 else "")
        fix = f": {' '.join(a.suggestions)}" if a.suggestions else ""
        out.append(f"{a.label}: {what} map to none of our layers (fields: {fields or 'none'}){fix}")
    return out


@dataclass
class ImportReport:
    """The imported city and an account of the import: counts, interpretations, every feature left out and why."""

    twin: Twin
    source: str
    format: str
    clip: tuple[float, float, float, float] | None
    imported: dict[str, int]
    details: dict[str, Any]
    skipped: dict[str, dict[str, int]]
    skipped_examples: dict[str, dict[str, list[str]]]
    timings_s: dict[str, float] = field(default_factory=dict)
    #: building id -> where its height came from (``height``, ``building:levels`` or ``default``)
    height_source: dict[str, str] = field(default_factory=dict)
    #: one account per input layer: features read, imported as what, left out and why
    inputs: list[LayerAccount] = field(default_factory=list)
    #: the ``--map`` rules of the import, as typed
    maps: list[str] = field(default_factory=list)

    def features_read(self) -> int:
        """Features (rows) in all inputs."""
        return sum(a.features for a in self.inputs)

    def features_left_out(self) -> int:
        """Features of all inputs left out, whatever the reason."""
        return sum(sum(a.left_out().values()) for a in self.inputs)

    def warnings(self) -> list[str]:
        """Layers of lines or polygons that map to none of ours (printed as warnings)."""
        return warnings_for(self.inputs)

    def left_out_line(self) -> str:
        """The one-line summary of what was left out and the ``--map`` that brings it in."""
        return left_out_line(self.inputs)

    def as_dict(self) -> dict[str, Any]:
        """The report as one JSON-ready object (``import_report.json``; keys in docs/city-import.md)."""
        f = self.twin.frame
        inputs = [a.as_dict() for a in self.inputs]
        left = Counter()
        for a in self.inputs:
            for reason, n in a.left_out().items():
                left[f"{a.label}: {reason}"] += n
        return {
            "source": self.source,
            "format": self.format,
            "clip": None if self.clip is None else list(self.clip),
            "origin": {"lon": f.origin_lon, "lat": f.origin_lat},
            "map": list(self.maps),
            "features": {
                "read": self.features_read(),
                "imported": self.features_read() - self.features_left_out(),
                "left_out": self.features_left_out(),
            },
            "left_out": dict(left.most_common()),
            "warnings": self.warnings(),
            "suggestions": list(dict.fromkeys(s for a in self.inputs for s in a.suggestions)),
            "inputs": inputs,
            "imported": dict(self.imported),
            "skipped": {k: dict(v) for k, v in self.skipped.items()},
            "skipped_total": {k: int(sum(v.values())) for k, v in self.skipped.items()},
            "skipped_examples": self.skipped_examples,
            **self.details,
            "timings_s": {k: round(v, 4) for k, v in self.timings_s.items()},
        }

    def summary(self, *, warnings: bool = True) -> str:
        """The lines a person reads after an import; the last one says what was left out.

        Args:
            warnings: include the warnings (the command line prints them on stderr instead).
        """
        i = self.imported
        d = self.details
        b = d["buildings"]
        hs = b["height_source"]
        lines = [
            f"imported {self.source} ({self.format}) in {self.timings_s.get('total', 0.0):.2f} s"
            + (f", clipped to {list(self.clip)}" if self.clip else ""),
        ]
        for a in self.inputs:
            imp = a.imported()
            got = ", ".join(f"{n} {k}" for k, n in imp.items()) or "nothing"
            lines.append(
                f"  {a.label:28s} {a.schema:9s} {a.features:6d} features -> {got}"
                + (f"; {sum(a.left_out().values())} left out" if a.left_out() else "")
            )
        lines.append(
            f"  buildings      {i['buildings']:6d}  height from height {hs['height']}, "
            f"building:levels {hs['building:levels']}, default {hs['default']}; "
            f"{b['messy_values_interpreted']} messy value(s) interpreted"
        )
        for it in b["interpreted"][:8]:
            how = ", ".join(it["how"])
            lines.append(f"{'':25s}{it['tag']}={it['value']!r} -> {it['read_as']} ({how}) x{it['count']}")
        r = d["roads"]
        nd = d["non_drivable_highway"]
        lines.append(
            f"  roads          {i['road_features']:6d}  features -> {i['road_edges']} edges, {i['road_nodes']} nodes, "
            f"{r['length_km']} km; {sum(nd.values())} non-drivable highway ways left out"
            + (f" ({', '.join(f'{k} {v}' for k, v in list(nd.items())[:6])})" if nd else "")
        )
        c = d["cameras"]
        lines.append(
            f"  cameras        {i['cameras']:6d}  heading from: "
            + (", ".join(f"{k} {v}" for k, v in c["heading_from"].items()) or "-")
        )
        lines.append(f"  fire stations  {i['fire_stations']:6d}")
        if i.get("zones"):
            lines.append(f"  zones          {i['zones']:6d}")
        left = [(a.label, r, n) for a in self.inputs for r, n in list(a.left_out().items())[:REASONS_LISTED]]
        if left:
            lines.append("left out:")
            lines += [f"  {label:28s} {n:6d}  {reason}" for label, reason, n in left]
        if warnings:
            lines += [f"warning: {w}" for w in self.warnings()]
        lines.append(self.left_out_line())
        return "\n".join(lines)
