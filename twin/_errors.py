"""The one error family of the twin: every problem with a city names the file, the feature and the rule."""

from __future__ import annotations

__all__ = ["CameraError", "CityError", "Problem", "TwinError"]

from dataclasses import dataclass


class TwinError(ValueError):
    """Base class of every error the twin raises on bad input (a ``ValueError``, so callers may catch either)."""


@dataclass(frozen=True)
class Problem:
    """One defect of a city file: where it is and which rule it breaks."""

    file: str
    rule: str
    index: int | None = None
    feature_id: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.index is not None:
            where += f" feature {self.index}"
            if self.feature_id not in (None, ""):
                where += f' ("{self.feature_id}")'
        return f"{where}: {self.rule}"


class CityError(TwinError):
    """A city could not be loaded: carries every problem found, so a user fixes them in one pass."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(file="<city>", rule=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        head = str(self.problems[0])
        if len(self.problems) > 1:
            rest = "\n".join(f"  {p}" for p in self.problems[1:20])
            more = f"\n  ... and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
            head = f"{head}\n{rest}{more}"
        super().__init__(head)


class CameraError(TwinError):
    """A camera breaks a rule of :class:`twin.Camera`.

    ``field`` is the attribute at fault and ``rule`` what it breaks, without the camera (``"must be
    > 0, got -1"``), so a file reader can name the property and the feature instead
    (:mod:`twin.cityio`).
    """

    def __init__(self, camera_id: str, field: str, rule: str):
        self.camera_id = camera_id
        self.field = field
        self.rule = rule
        super().__init__(f"camera {camera_id!r}: {field} {rule}")
