"""The ``import:`` section of ``city.yaml``: what a city was imported from, so a re-import is one command.

``showroom city import FILE ... --out DIR --map ...`` writes the files (relative to DIR), the
``--map`` rules, ``--clip``, ``--crs`` and ``--min-confidence`` into ``DIR/city.yaml``;
``showroom city import --out DIR`` (no files) runs the same import again, with any new ``--map``
rules added. Settings a user edited in that ``city.yaml`` (``name``, ``command_center``,
``standards``) are kept across re-imports.
"""

from __future__ import annotations

__all__ = ["ImportSettings", "previous_settings", "read_import_settings", "write_import_settings"]

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .._errors import TwinError

#: Settings of a city.yaml a re-import keeps as the user left them.
KEPT_ON_REIMPORT = ("name", "command_center", "standards")


@dataclass
class ImportSettings:
    """What an import read and how: enough to run it again."""

    files: list[Path]
    maps: list[str] = field(default_factory=list)
    clip: list[float] | None = None
    crs: str | None = None
    min_confidence: float | None = None

    def as_yaml(self, out: Path) -> dict[str, Any]:
        """The ``import:`` section, with file paths relative to the city folder where they can be."""
        files = []
        for f in self.files:
            try:
                files.append(os.path.relpath(f.resolve(), out.resolve()))
            except ValueError:  # another drive on Windows
                files.append(str(f.resolve()))
        doc: dict[str, Any] = {"files": files}
        if self.maps:
            doc["map"] = list(self.maps)
        if self.clip is not None:
            doc["clip"] = [float(v) for v in self.clip]
        if self.crs is not None:
            doc["crs"] = self.crs
        if self.min_confidence is not None:
            doc["min_confidence"] = float(self.min_confidence)
        return doc


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise TwinError(f"{path}: is not valid YAML: {e}") from None
    return doc if isinstance(doc, dict) else {}


def read_import_settings(out: str | os.PathLike[str]) -> ImportSettings:
    """The import recorded in ``OUT/city.yaml``, its paths resolved against OUT.

    Raises:
        TwinError: there is no ``city.yaml`` with an ``import:`` section, or it is malformed.
    """
    d = Path(out)
    y = d / "city.yaml"
    sec = _read(y).get("import")
    if not isinstance(sec, dict) or not sec.get("files"):
        raise TwinError(
            f"{y}: records no import (no 'import: files:' section); "
            f"give the files: showroom city import FILE ... --out {d}"
        )
    files = sec["files"]
    maps = sec.get("map") or []
    if not isinstance(files, list) or not isinstance(maps, list):
        raise TwinError(f"{y}: import.files and import.map must be lists")
    clip = sec.get("clip")
    mc = sec.get("min_confidence")
    return ImportSettings(
        files=[(d / str(f)) if not Path(str(f)).is_absolute() else Path(str(f)) for f in files],
        maps=[str(m) for m in maps],
        clip=None if clip is None else [float(v) for v in clip],
        crs=None if sec.get("crs") is None else str(sec["crs"]),
        min_confidence=None if mc is None else float(mc),
    )


def write_import_settings(out: str | os.PathLike[str], settings: ImportSettings, *, previous: dict[str, Any]) -> None:
    """Add the ``import:`` section to the city.yaml just saved in OUT, keeping what the user edited before.

    Args:
        out: the city folder (``twin.save`` has written its ``city.yaml``).
        settings: the import to record.
        previous: the folder's ``city.yaml`` as it was before the save (empty for a new city); when it
            came from an import, its ``name``, ``command_center`` and ``standards`` are kept.
    """
    d = Path(out)
    y = d / "city.yaml"
    doc = _read(y)
    if "import" in previous:
        for k in KEPT_ON_REIMPORT:
            if k in previous:
                doc[k] = previous[k]
    doc["import"] = settings.as_yaml(d)
    tmp = d / "city.yaml.tmp"
    tmp.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    os.replace(tmp, y)


def previous_settings(out: str | os.PathLike[str]) -> dict[str, Any]:
    """The city.yaml of a folder as it is now (read before a re-import overwrites it)."""
    return _read(Path(out) / "city.yaml")
