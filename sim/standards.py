"""Fire-response standards as named profiles: thresholds per phase and the share that must meet them.

Two profiles ship (REFERENCE.md, "Fire response"):

* ``indonesia``: *waktu tanggap* of 15 minutes from notification to water on the fire, split into
  5 minutes dispatch and preparation (call processing + turnout), 5 minutes travel and 5 minutes
  set-up (Permen PU 20/2009 and 25/2008). The regulation names no percentile; we apply the same 90 %
  rule as NFPA so that the two profiles compare like with like (change ``fraction`` to taste).
* ``nfpa1710``: call processing <= 64 s (NFPA 1221/1225), turnout <= 80 s, first-engine travel
  <= 240 s, each on >= 90 % of incidents.

A :class:`StandardProfile` is plain data: a user adds a profile with :func:`register_standard` or
builds one directly.
"""

from __future__ import annotations

__all__ = [
    "PHASES",
    "STANDARDS",
    "PhaseLimit",
    "StandardProfile",
    "compliance",
    "register_standard",
    "standard",
]

from dataclasses import dataclass

import numpy as np

from twin import TwinError

#: The phase names a profile may bound, each a column of the fire model's event table (seconds):
#: ``call_processing`` (call received -> dispatch), ``turnout`` (dispatch -> wheels rolling),
#: ``dispatch_prep`` (call processing + turnout), ``travel`` (wheels rolling -> on scene),
#: ``setup`` (on scene -> water on the fire), ``response`` (call received -> on scene),
#: ``total`` (call received -> water on the fire), ``detection`` (ignition -> call received).
PHASES = ("detection", "call_processing", "turnout", "dispatch_prep", "travel", "setup", "response", "total")


@dataclass(frozen=True)
class PhaseLimit:
    """One rule: ``phase`` must take at most ``limit_s`` on at least ``fraction`` of incidents."""

    phase: str
    limit_s: float
    fraction: float = 0.9
    label: str = ""

    def __post_init__(self) -> None:
        if self.phase not in PHASES:
            raise TwinError(f"standard phase {self.phase!r} is unknown: use one of {list(PHASES)}")
        if not self.limit_s > 0:
            raise TwinError(f"standard phase {self.phase!r}: limit_s must be > 0, got {self.limit_s}")
        if not 0 < self.fraction <= 1:
            raise TwinError(f"standard phase {self.phase!r}: fraction must be in (0, 1], got {self.fraction}")


@dataclass(frozen=True)
class StandardProfile:
    """A named response standard: a set of :class:`PhaseLimit` rules."""

    name: str
    title: str
    limits: tuple[PhaseLimit, ...]
    source: str = ""

    def limit(self, phase: str) -> PhaseLimit | None:
        """The rule for ``phase``, or None when the profile does not bound it."""
        for lim in self.limits:
            if lim.phase == phase:
                return lim
        return None


STANDARDS: dict[str, StandardProfile] = {
    "indonesia": StandardProfile(
        "indonesia",
        "Indonesia waktu tanggap (15 min = 5 + 5 + 5)",
        (
            PhaseLimit("dispatch_prep", 300.0, 0.9, "dispatch + preparation <= 5 min"),
            PhaseLimit("travel", 300.0, 0.9, "travel <= 5 min"),
            PhaseLimit("setup", 300.0, 0.9, "set-up <= 5 min"),
            PhaseLimit("total", 900.0, 0.9, "notification -> water on fire <= 15 min"),
        ),
        "Permen PU 20/2009, 25/2008; Permendagri 114/2018",
    ),
    "nfpa1710": StandardProfile(
        "nfpa1710",
        "NFPA 1710 (90 % rule)",
        (
            PhaseLimit("call_processing", 64.0, 0.9, "call processing <= 64 s"),
            PhaseLimit("turnout", 80.0, 0.9, "turnout <= 80 s"),
            PhaseLimit("travel", 240.0, 0.9, "first-engine travel <= 240 s"),
        ),
        "NFPA 1710 (2020) 4.1.2; NFPA 1221/1225 call processing",
    ),
}


def register_standard(profile: StandardProfile) -> None:
    """Add or replace a profile under its name."""
    STANDARDS[profile.name.lower()] = profile


def standard(name: str | StandardProfile) -> StandardProfile:
    """Look a profile up by name (case- and punctuation-insensitive: ``NFPA-1710`` works)."""
    if isinstance(name, StandardProfile):
        return name
    key = "".join(c for c in str(name).lower() if c.isalnum())
    for k, v in STANDARDS.items():
        if "".join(c for c in k if c.isalnum()) == key:
            return v
    raise TwinError(f"unknown fire standard {name!r}: use one of {sorted(STANDARDS)}")


def compliance(times_s: dict[str, np.ndarray], profile: str | StandardProfile) -> dict[str, object]:
    """Check phase times against a profile.

    Args:
        times_s: phase name -> seconds per incident (NaN where the phase did not happen, e.g. an
            incident answered by mutual aid has no own-fleet turnout; NaNs are left out).
        profile: a profile or its name.

    Returns:
        ``{"standard", "title", "phases": {phase: {limit_s, fraction_required, share_within,
        p90_s, n, met}}, "met"}``; ``met`` is True when every bounded phase is met.
    """
    prof = standard(profile)
    out: dict[str, object] = {}
    all_met = True
    for lim in prof.limits:
        v = np.asarray(times_s.get(lim.phase, np.array([])), dtype=float)
        v = v[np.isfinite(v)]
        n = int(v.size)
        share = float(np.mean(v <= lim.limit_s)) if n else float("nan")
        # the percentile the rule is about: the 90 % rule asks for the 90th percentile
        pq = float(np.percentile(v, 100.0 * lim.fraction)) if n else float("nan")
        met = bool(n and share >= lim.fraction)
        all_met &= met
        out[lim.phase] = {
            "label": lim.label,
            "limit_s": lim.limit_s,
            "fraction_required": lim.fraction,
            "share_within": share,
            f"p{round(100 * lim.fraction)}_s": pq,
            "n": n,
            "met": met,
        }
    return {"standard": prof.name, "title": prof.title, "phases": out, "met": all_met}
