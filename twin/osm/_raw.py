"""What an import reader hands on: features in WGS84 with their tags, and what it skipped and why."""

from __future__ import annotations

__all__ = ["RawData", "RawFeature"]

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: How many example ids a report keeps per skip reason (enough to find them in an editor).
EXAMPLES_PER_REASON = 10


@dataclass
class RawFeature:
    """One feature as read: an id, a shapely geometry in lon/lat degrees, its tags, reader extras."""

    id: str
    geometry: Any
    tags: dict[str, Any]  # OSM tag values as text; a reader may hand on a plain number already read
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class RawData:
    """Everything a reader found, before projection, clipping and tag interpretation."""

    format: str
    buildings: list[RawFeature] = field(default_factory=list)
    roads: list[RawFeature] = field(default_factory=list)
    cameras: list[RawFeature] = field(default_factory=list)
    fire_stations: list[RawFeature] = field(default_factory=list)
    #: land-use zones (GIS imports only: OpenStreetMap's landuse is not read as zones)
    zones: list[RawFeature] = field(default_factory=list)
    #: layer -> reason -> count
    skipped: dict[str, Counter[str]] = field(default_factory=dict)
    #: layer -> reason -> a few ids
    examples: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: other tallies a reader wants in the report (e.g. non-drivable highway classes)
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    #: reader-specific notes for the report (e.g. the GIS layers and what each became)
    notes: dict[str, Any] = field(default_factory=dict)

    def skip(self, layer: str, reason: str, fid: str | None = None) -> None:
        """Count one feature of ``layer`` left out for ``reason``."""
        self.skipped.setdefault(layer, Counter())[reason] += 1
        if fid is not None:
            ex = self.examples.setdefault(layer, {}).setdefault(reason, [])
            if len(ex) < EXAMPLES_PER_REASON:
                ex.append(fid)

    def tally(self, group: str, key: str, n: int = 1) -> None:
        """Add ``n`` to a named tally."""
        self.counts.setdefault(group, Counter())[key] += n
