"""How well video analytics detect a fire a camera sees: a detection profile measured on labelled clips.

``showroom feeds evaluate`` writes ``detection_profile.json`` (schema ``showroom.detection_profile/1``);
:func:`load_profile` reads it and :class:`DetectionProfile` turns it into the numbers one run of the
fire model uses (:class:`DetectionDraw`):

- **chance of detection** per pixel-density band at the source (px/m, cut at the DORI levels): a
  band measured on ``trials`` clips with ``detected`` detections is drawn per run from the
  Beta(detected + 1, trials - detected + 1) posterior (a uniform prior: with no trial the chance is
  anywhere in 0-1); a band with a fixed ``p`` (and no trials) is used as written;
- **delay** from the moment a camera sees smoke or flame to the alarm: from two or more measured
  samples, each run refits a lognormal to a bootstrap resample of them; from one sample, the median
  is that sample times a factor ``exp(N(0, 0.7))`` (one clip gives the order of magnitude, not the
  spread) and sigma 0.5; from none, the planning guess below with the same spread. A fixed
  ``lognormal`` (``{"median_s", "sigma"}``) with no samples is used as written;
- **false alarms** per analytics camera-hour: ``count`` alarms over ``camera_hours`` of footage
  without fire give a Gamma(count + 0.5, camera_hours) draw per run (Jeffreys' prior); a fixed
  ``per_camera_hour`` (with no hours) is used as written.

``mode="central"`` uses the posterior means instead of draws (the same numbers every run).
The shipped profile (:data:`DEFAULT_PROFILE`) is the one measured on the shared real clips: see
``detection_profile.json`` beside this module for where each number comes from.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from twin import TwinError

from ._params import Lognormal

__all__ = ["DEFAULT_PROFILE", "DetectionDraw", "DetectionProfile", "load_profile"]

SCHEMA = "showroom.detection_profile/1"

#: used only when a profile holds no delay sample at all: the project's former planning figure (no
#: published source; REFERENCE.md: "CCTV detection delay has no solid published number")
PRIOR_DELAY = Lognormal(60.0, 0.5)
#: the spread of a delay median known from one sample or none: a factor of about 2 either way (1 sigma)
MEDIAN_SPREAD = 0.7
ONE_SAMPLE_SIGMA = 0.5


@dataclass(frozen=True)
class Band:
    """A pixel-density band (``ppm_min <= ppm < ppm_max``) and what is known of detection in it."""

    ppm_min: float
    ppm_max: float
    trials: int = 0
    detected: int = 0
    #: a fixed chance (used when there are no trials), else None
    p_fixed: float | None = None

    def central(self) -> float:
        """Posterior mean (or the fixed value)."""
        if self.trials == 0 and self.p_fixed is not None:
            return self.p_fixed
        return (self.detected + 1.0) / (self.trials + 2.0)

    def draw(self, rng: np.random.Generator) -> float:
        """One draw from the posterior (or the fixed value)."""
        if self.trials == 0 and self.p_fixed is not None:
            return self.p_fixed
        return float(rng.beta(self.detected + 1.0, self.trials - self.detected + 1.0))


@dataclass(frozen=True)
class DetectionDraw:
    """The detection numbers of one run: chance per band, delay, false alarm rate."""

    edges_ppm: np.ndarray
    p_band: np.ndarray
    delay: Lognormal
    false_alarms_per_camera_hour: float
    mode: str

    def p_at(self, ppm: np.ndarray) -> np.ndarray:
        """Chance of detection at pixel densities ``ppm`` (the band each falls in)."""
        k = np.clip(np.searchsorted(self.edges_ppm, np.asarray(ppm, dtype=float), side="right") - 1,
                    0, len(self.p_band) - 1)
        return self.p_band[k]

    def summary(self) -> dict[str, Any]:
        """What a run's summary.json records of the draw."""
        return {
            "mode": self.mode,
            "p_detect_by_band": [{"ppm_min": float(lo), "p": round(float(p), 4)}
                                 for lo, p in zip(self.edges_ppm[:-1], self.p_band, strict=True)],
            "delay_median_s": round(self.delay.median_s, 2),
            "delay_sigma": round(self.delay.sigma, 3),
            "false_alarms_per_camera_hour": round(self.false_alarms_per_camera_hour, 4),
        }


@dataclass(frozen=True)
class DetectionProfile:
    """A detection profile: bands, delay evidence, false alarm evidence, and where they come from."""

    bands: tuple[Band, ...]
    delay_samples_s: tuple[float, ...] = ()
    delay_fixed: Lognormal | None = None
    fa_count: int = 0
    fa_camera_hours: float = 0.0
    fa_fixed_per_hour: float | None = None
    source: dict[str, Any] = field(default_factory=dict)
    path: str = ""

    def _delay(self, rng: np.random.Generator | None) -> Lognormal:
        s = np.asarray(self.delay_samples_s, dtype=float)
        if s.size == 0 and self.delay_fixed is not None:
            return self.delay_fixed
        if s.size >= 2:
            logs = np.log(np.maximum(s if rng is None else rng.choice(s, size=s.size, replace=True), 1e-3))
            return Lognormal(float(np.exp(logs.mean())), float(max(logs.std(ddof=1), 0.1)))
        base = Lognormal(float(s[0]), ONE_SAMPLE_SIGMA) if s.size == 1 else PRIOR_DELAY
        if rng is None:
            return base
        return Lognormal(base.median_s * float(np.exp(MEDIAN_SPREAD * rng.standard_normal())), base.sigma)

    def _fa(self, rng: np.random.Generator | None) -> float:
        if self.fa_camera_hours <= 0 and self.fa_fixed_per_hour is not None:
            return self.fa_fixed_per_hour
        if self.fa_camera_hours <= 0:
            raise TwinError(f"{self.path or 'detection profile'}: false_alarms needs camera_hours > 0 or a fixed "
                            "per_camera_hour")
        shape = self.fa_count + 0.5
        if rng is None:
            return shape / self.fa_camera_hours
        return float(rng.gamma(shape, 1.0 / self.fa_camera_hours))

    def draw(self, rng: np.random.Generator | None) -> DetectionDraw:
        """The numbers of one run: drawn from the evidence with ``rng``, or the central values with None."""
        edges = np.array([b.ppm_min for b in self.bands] + [self.bands[-1].ppm_max], dtype=float)
        p = np.array([b.central() if rng is None else b.draw(rng) for b in self.bands])
        return DetectionDraw(edges, p, self._delay(rng), self._fa(rng), "central" if rng is None else "sample")

    def summary(self) -> dict[str, Any]:
        """The evidence, for summary.json: sample sizes, not only values."""
        return {
            "path": self.path,
            "bands": [{"ppm_min": b.ppm_min, "ppm_max": None if math.isinf(b.ppm_max) else b.ppm_max,
                       "trials": b.trials, "detected": b.detected, "p_fixed": b.p_fixed} for b in self.bands],
            "delay_samples_s": list(self.delay_samples_s),
            "delay_fixed": None if self.delay_fixed is None else [self.delay_fixed.median_s, self.delay_fixed.sigma],
            "false_alarms": {"count": self.fa_count, "camera_hours": self.fa_camera_hours,
                             "per_camera_hour_fixed": self.fa_fixed_per_hour},
        }


def _num(v: Any, where: str, name: str, *, lo: float = 0.0, hi: float = math.inf) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not (lo <= v <= hi):
        raise TwinError(f"{where}: {name} must be a number in [{lo:g}, {hi:g}], got {v!r}")
    return float(v)


def _bands(doc: dict[str, Any], where: str) -> tuple[Band, ...]:
    rows = doc.get("p_detect_by_band")
    if not isinstance(rows, list) or not rows:
        raise TwinError(f"{where}: p_detect_by_band must be a non-empty list of bands")
    bands = []
    for i, b in enumerate(rows):
        w = f"{where} p_detect_by_band[{i}]"
        if not isinstance(b, dict):
            raise TwinError(f"{w}: a band is a mapping with ppm_min, ppm_max and trials/detected or p")
        lo = _num(b.get("ppm_min"), w, "ppm_min")
        hi = math.inf if b.get("ppm_max") is None else _num(b["ppm_max"], w, "ppm_max")
        if not hi > lo:
            raise TwinError(f"{w}: ppm_max must be above ppm_min ({lo:g}), got {hi:g}")
        if bands and lo != bands[-1].ppm_max:
            raise TwinError(f"{w}: bands must follow each other without gaps: ppm_min {lo:g}, previous band "
                            f"ends at {bands[-1].ppm_max:g}")
        n = int(_num(b.get("trials", 0), w, "trials"))
        k = int(_num(b.get("detected", 0), w, "detected", hi=n))
        p = b.get("p")
        fixed = None if n > 0 or p is None else _num(p, w, "p", hi=1.0)
        bands.append(Band(lo, hi, n, k, fixed))
    if bands[0].ppm_min != 0.0:
        raise TwinError(f"{where}: the first band must start at ppm_min 0, got {bands[0].ppm_min:g}")
    if not math.isinf(bands[-1].ppm_max):
        raise TwinError(f"{where}: the last band must be open (ppm_max null)")
    return tuple(bands)


def load_profile(path: str | Path) -> DetectionProfile:
    """Read a detection profile JSON; a bad entry is one error naming the file, the field and the rule."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise TwinError(f"{p}: cannot read the detection profile ({e.strerror})") from e
    except json.JSONDecodeError as e:
        raise TwinError(f"{p}: not valid JSON ({e})") from e
    where = p.name
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise TwinError(f"{where}: schema must be {SCHEMA!r} (as showroom feeds evaluate writes it)")
    bands = _bands(doc, where)
    d = doc.get("delay_s") or {}
    samples = d.get("samples") or []
    if not isinstance(samples, list):
        raise TwinError(f"{where}: delay_s.samples must be a list of seconds")
    samples_s = tuple(_num(v, where, f"delay_s.samples[{i}]") for i, v in enumerate(samples))
    fixed = None
    if not samples_s and d.get("lognormal") is not None:
        ln = d["lognormal"]
        if not isinstance(ln, dict):
            raise TwinError(f"{where}: delay_s.lognormal must be {{'median_s': s, 'sigma': x}}")
        fixed = Lognormal(_num(ln.get("median_s"), where, "delay_s.lognormal.median_s"),
                          _num(ln.get("sigma"), where, "delay_s.lognormal.sigma"))
    fa = doc.get("false_alarms") or {}
    hours = _num(fa.get("camera_hours") or 0.0, where, "false_alarms.camera_hours")
    count = int(_num(fa.get("count") or 0, where, "false_alarms.count"))
    fa_fixed = None
    if hours == 0:
        if fa.get("per_camera_hour") is None:
            raise TwinError(f"{where}: false_alarms needs camera_hours > 0 (with count) or a fixed per_camera_hour")
        fa_fixed = _num(fa["per_camera_hour"], where, "false_alarms.per_camera_hour")
    src = doc.get("source") if isinstance(doc.get("source"), dict) else {}
    return DetectionProfile(bands, samples_s, fixed, count, hours, fa_fixed, src, str(p))


#: the profile shipped with the model: measured on ../shared/data/clips with assets/clips/labels.yaml
DEFAULT_PROFILE_PATH = Path(__file__).with_name("detection_profile.json")
DEFAULT_PROFILE = load_profile(DEFAULT_PROFILE_PATH)
