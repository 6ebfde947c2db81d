"""The smoke/fire detector measured on labelled clips: ``showroom feeds evaluate``.

A labels file (YAML) names each clip under a clips folder and says when smoke and flame first show in
it (``onset_s``, seconds of clip time) or that they never do (``null``), with how that was decided.
:func:`evaluate_clips` plays every clip through :class:`~feeds.firedetect.FireDetector` as fast as it
decodes (frame times from the container, so a clip with dropped frames keeps its clock) and
:func:`score` turns the events into figures, per clip and per kind (``fire``, ``smoke``, and ``any``:
an alarm of either kind, which is what an operator is asked to verify):

- detected or not: the first event of the kind at or after the labelled onset;
- the delay from the onset to that event, in clip seconds and in real seconds (a time-lapse clip
  says how many real seconds a clip second stands for: ``real_s_per_clip_s``);
- false alarms: every event of the kind on footage where the kind is not showing (before its onset,
  or the whole clip when it never shows), per hour of such footage (real time);
- the CPU per frame of the detector (decoding counted apart).

:func:`detection_profile` condenses a scored evaluation into what the fire model consumes: the chance
of detection by pixel-density band (the DORI bands of EN 62676-4 at the fire's source), the delay
samples, the false alarm rate, each with its sample size and an interval. Thin evidence shows as
wide intervals; nothing is rounded up into a confident number.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml

from ._errors import FeedConfigError
from ._intervals import clopper_pearson, poisson_rate, wilson
from .firedetect import FireDetector, FireDetectorParams

__all__ = [
    "BANDS_PPM",
    "KINDS",
    "ClipLabel",
    "ClipRun",
    "detection_profile",
    "evaluate_clips",
    "load_labels",
    "run_clip",
    "score",
]

#: the kinds scored: the detector's two, and ``any`` (an alarm of either kind)
KINDS = ("fire", "smoke", "any")

#: pixel-density bands at the fire's source (px/m), cut at the EN 62676-4:2015 DORI levels
#: (Monitor 12.5, Detect 25, Observe 62.5, Recognise 125)
BANDS_PPM: tuple[tuple[str, float, float], ...] = (
    ("below Monitor", 0.0, 12.5),
    ("Monitor", 12.5, 25.0),
    ("Detect", 25.0, 62.5),
    ("Observe", 62.5, 125.0),
    ("Recognise+", 125.0, math.inf),
)

_SPLITS = ("tune", "holdout")
_LABEL_KEYS = {"file", "fire_onset_s", "smoke_onset_s", "split", "source_ppm", "real_s_per_clip_s", "how"}


@dataclass(frozen=True)
class ClipLabel:
    """What a clip shows, as labelled by a person (see the labels file's ``how`` for each clip)."""

    file: str
    #: kind -> onset in clip seconds (0: showing from the first frame), or None: never shows
    onset_s: dict[str, float | None]
    #: ``tune`` (used to set the detector's thresholds) or ``holdout`` (never looked at while tuning)
    split: str
    #: estimated pixel density at the fire's source (px/m); None for a clip with no fire or smoke
    source_ppm: float | None = None
    #: real seconds per clip second (1 for real time; a time-lapse more)
    real_s_per_clip_s: float = 1.0
    how: str = ""

    @property
    def positive(self) -> bool:
        """True when smoke or flame shows at some point."""
        return any(v is not None for v in self.onset_s.values())

    def onset(self, kind: str) -> float | None:
        """Onset of ``kind`` (``any``: the earlier of fire and smoke)."""
        if kind == "any":
            vals = [v for v in self.onset_s.values() if v is not None]
            return min(vals) if vals else None
        return self.onset_s.get(kind)


def _number(v: Any, where: str, name: str, *, lo: float = 0.0, allow_none: bool = True) -> float | None:
    if v is None and allow_none:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < lo:
        rule = f"a number >= {lo:g}" + (" or null (never shows)" if allow_none else "")
        raise FeedConfigError(f"{where}: {name} must be {rule}, got {v!r}")
    return float(v)


def load_labels(path: str | Path) -> list[ClipLabel]:
    """Read a labels file; any bad entry is one error naming the file, the clip and the rule.

    The file holds ``clips:``, a list of mappings with ``file`` (a name under the clips folder),
    ``fire_onset_s`` and ``smoke_onset_s`` (clip seconds, or null), ``split`` (tune | holdout),
    ``source_ppm`` (px/m at the source, for clips that show smoke or flame), optionally
    ``real_s_per_clip_s`` (default 1) and ``how`` (how the label was decided).
    """
    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise FeedConfigError(f"{p}: cannot read the labels file ({e.strerror})") from e
    except yaml.YAMLError as e:
        raise FeedConfigError(f"{p}: not valid YAML ({e})") from e
    if not isinstance(doc, dict) or not isinstance(doc.get("clips"), list) or not doc["clips"]:
        raise FeedConfigError(f"{p}: a labels file needs a non-empty list under 'clips:'")
    out: list[ClipLabel] = []
    seen: set[str] = set()
    for i, c in enumerate(doc["clips"]):
        where = f"{p.name} clip {i}"
        if not isinstance(c, dict) or not isinstance(c.get("file"), str) or not c["file"].strip():
            raise FeedConfigError(f"{where}: each clip needs 'file', the clip's file name under --clips")
        name = c["file"]
        where = f"{p.name} clip {i} ({name!r})"
        unknown = set(c) - _LABEL_KEYS
        if unknown:
            raise FeedConfigError(f"{where}: unknown field(s) {sorted(unknown)}; known: {sorted(_LABEL_KEYS)}")
        if name in seen:
            raise FeedConfigError(f"{where}: the clip is labelled twice")
        seen.add(name)
        for key in ("fire_onset_s", "smoke_onset_s"):
            if key not in c:
                raise FeedConfigError(f"{where}: {key} is missing (a number of seconds, or null: never shows)")
        onset = {"fire": _number(c["fire_onset_s"], where, "fire_onset_s"),
                 "smoke": _number(c["smoke_onset_s"], where, "smoke_onset_s")}
        split = c.get("split")
        if split not in _SPLITS:
            raise FeedConfigError(f"{where}: split must be one of {', '.join(_SPLITS)}, got {split!r}")
        ppm = _number(c.get("source_ppm"), where, "source_ppm")
        if any(v is not None for v in onset.values()) and ppm is None:
            raise FeedConfigError(f"{where}: a clip that shows smoke or flame needs source_ppm (px/m at the source)")
        scale = _number(c.get("real_s_per_clip_s", 1.0), where, "real_s_per_clip_s", lo=1e-9, allow_none=False)
        out.append(ClipLabel(name, onset, split, ppm, float(scale), str(c.get("how", "")).strip()))
    return out


@dataclass
class ClipRun:
    """The detector's run over one clip: its events and what it cost."""

    file: str
    frames: int
    duration_s: float
    width_px: int
    height_px: int
    #: (kind, clip seconds) of every event, in order
    events: list[tuple[str, float]] = field(default_factory=list)
    detector_cpu_s: float = 0.0
    decode_cpu_s: float = 0.0


def run_clip(path: str | Path, *, params: FireDetectorParams | None = None) -> ClipRun:
    """Play one clip through a fresh :class:`FireDetector` (frame times from the container)."""
    p = Path(path)
    cap = cv2.VideoCapture(str(p), cv2.CAP_FFMPEG)
    if not cap.isOpened():
        cap.release()
        raise FeedConfigError(f"{p}: cannot decode the clip (not a video OpenCV's FFmpeg reads)")
    det = FireDetector(p.name, params)
    run = ClipRun(p.name, 0, 0.0, 0, 0)
    times: list[float] = []
    try:
        while True:
            c0 = time.process_time()
            ok, frame = cap.read()
            c1 = time.process_time()
            if not ok:
                break
            t = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if times and t <= times[-1]:  # a container without timestamps: fall back on its frame rate
                t = times[-1] + 1.0 / (cap.get(cv2.CAP_PROP_FPS) or 25.0)
            events = det.update(frame, t)
            c2 = time.process_time()
            run.decode_cpu_s += c1 - c0
            run.detector_cpu_s += c2 - c1
            run.events += [(e.kind, float(e.t)) for e in events]
            times.append(t)
            run.height_px, run.width_px = frame.shape[:2]
    finally:
        cap.release()
    if not times:
        raise FeedConfigError(f"{p}: the clip holds no decodable frame")
    run.frames = len(times)
    # the last frame lasts one frame interval: the clip's length is its last time plus that
    step = float(np.median(np.diff(times))) if len(times) > 1 else 1.0 / (cap.get(cv2.CAP_PROP_FPS) or 25.0)
    run.duration_s = times[-1] + step
    return run


def _score_kind(lab: ClipLabel, run: ClipRun, kind: str) -> dict[str, Any]:
    onset = lab.onset(kind)
    ts = sorted(t for k, t in run.events if kind == "any" or k == kind)
    if onset is None:
        return {"positive": False, "detected": None, "delay_s": None, "delay_real_s": None, "false_alarms": len(ts),
                "clear_s": run.duration_s, "clear_real_s": run.duration_s * lab.real_s_per_clip_s}
    after = [t for t in ts if t >= onset]
    clear = min(onset, run.duration_s)
    delay = after[0] - onset if after else None
    return {
        "positive": onset < run.duration_s,
        "detected": bool(after) if onset < run.duration_s else None,
        "delay_s": delay,
        "delay_real_s": None if delay is None else delay * lab.real_s_per_clip_s,
        "false_alarms": sum(t < onset for t in ts),
        "clear_s": clear,
        "clear_real_s": clear * lab.real_s_per_clip_s,
    }


def score(labels: Iterable[ClipLabel], runs: Iterable[ClipRun]) -> dict[str, Any]:
    """Per clip and per kind figures, and totals per kind and split (pure arithmetic on the events).

    A positive clip of a kind is detected when an event of that kind comes at or after the onset;
    every event on footage where the kind is not showing is a false alarm, and the false alarm rate
    is their count over the hours of such footage (real time).
    """
    by_file = {r.file: r for r in runs}
    clips = []
    for lab in labels:
        run = by_file[lab.file]
        row = {
            "file": lab.file, "split": lab.split, "frames": run.frames, "duration_s": round(run.duration_s, 3),
            "real_s_per_clip_s": lab.real_s_per_clip_s, "size_px": [run.width_px, run.height_px],
            "source_ppm": lab.source_ppm, "onset_s": dict(lab.onset_s), "how": lab.how,
            "events": [[k, round(t, 3)] for k, t in run.events],
            "detector_ms_per_frame": 1000.0 * run.detector_cpu_s / run.frames,
            "decode_ms_per_frame": 1000.0 * run.decode_cpu_s / run.frames,
            "kinds": {k: _score_kind(lab, run, k) for k in KINDS},
        }
        clips.append(row)
    totals = {split: {k: _totals(clips, k, split) for k in KINDS} for split in ("all", *_SPLITS)}
    frames = sum(c["frames"] for c in clips)
    cpu = {
        "frames": frames,
        "detector_ms_per_frame_mean": (sum(c["detector_ms_per_frame"] * c["frames"] for c in clips) / frames
                                       if frames else None),
        "detector_ms_per_frame_max_clip": max((c["detector_ms_per_frame"] for c in clips), default=None),
        "decode_ms_per_frame_mean": (sum(c["decode_ms_per_frame"] * c["frames"] for c in clips) / frames
                                     if frames else None),
    }
    return {"clips": clips, "totals": totals, "cpu": cpu}


def _totals(clips: list[dict[str, Any]], kind: str, split: str) -> dict[str, Any]:
    rows = [c["kinds"][kind] for c in clips if split == "all" or c["split"] == split]
    pos = [r for r in rows if r["positive"]]
    tp = sum(bool(r["detected"]) for r in pos)
    neg_clips = [r for r in rows if not r["positive"]]
    fp_clips = sum(r["false_alarms"] > 0 for r in neg_clips)
    fa = sum(r["false_alarms"] for r in rows)
    hours = sum(r["clear_real_s"] for r in rows) / 3600.0
    delays = sorted(r["delay_real_s"] for r in pos if r["delay_real_s"] is not None)
    lo, hi = poisson_rate(fa, hours)
    return {
        "clips": len(rows),
        "positives": len(pos),
        "detected": tp,
        "recall": tp / len(pos) if pos else None,
        "recall_ci95_clopper_pearson": list(clopper_pearson(tp, len(pos))),
        "recall_ci95_wilson": list(wilson(tp, len(pos))),
        "confusion": {"tp": tp, "fn": len(pos) - tp, "fp": fp_clips, "tn": len(neg_clips) - fp_clips},
        "delays_real_s": delays,
        "false_alarms": fa,
        "clear_hours": hours,
        "false_alarms_per_hour": fa / hours if hours > 0 else None,
        "false_alarms_per_hour_ci95": [lo, hi],
    }


def _band(ppm: float) -> str:
    for name, lo, hi in BANDS_PPM:
        if lo <= ppm < hi:
            return name
    return BANDS_PPM[-1][0]


def detection_profile(scored: dict[str, Any], *, kind: str = "any", source: dict[str, Any] | None = None) -> dict:
    """The detection profile the fire model reads (``showroom fire --detection-profile``), from :func:`score`.

    Per pixel-density band: trials (positive clips whose source falls in the band), detected, and the
    proportion with its Clopper-Pearson and Wilson intervals; the delay samples (real seconds) with a
    lognormal fit when there are two or more; the false alarm rate per camera-hour with its exact
    Poisson interval. All clips count (tuning and held-out): the profile says which were which.
    """
    clips = scored["clips"]
    bands = []
    for name, lo, hi in BANDS_PPM:
        rows = [c["kinds"][kind] for c in clips
                if c["kinds"][kind]["positive"] and c["source_ppm"] is not None and _band(c["source_ppm"]) == name]
        n, k = len(rows), sum(bool(r["detected"]) for r in rows)
        bands.append({
            "band": name, "ppm_min": lo, "ppm_max": None if math.isinf(hi) else hi,
            "trials": n, "detected": k, "p": k / n if n else None,
            "ci95_clopper_pearson": list(clopper_pearson(k, n)), "ci95_wilson": list(wilson(k, n)),
        })
    tot = scored["totals"]["all"][kind]
    delays = tot["delays_real_s"]
    fit = None
    if len(delays) >= 2 and min(delays) > 0:
        logs = np.log(delays)
        fit = {"median_s": float(np.exp(logs.mean())), "sigma": float(logs.std(ddof=1))}
    lo, hi = tot["false_alarms_per_hour_ci95"]
    return {
        "schema": "showroom.detection_profile/1",
        "kind": kind,
        "source": source or {},
        "p_detect_by_band": bands,
        "delay_s": {"n": len(delays), "samples": delays, "lognormal": fit},
        "false_alarms": {"count": tot["false_alarms"], "camera_hours": tot["clear_hours"],
                         "per_camera_hour": tot["false_alarms_per_hour"],
                         "per_camera_hour_ci95": [lo, None if math.isinf(hi) else hi]},
        "splits": {s: [c["file"] for c in clips if c["split"] == s] for s in _SPLITS},
    }


def labels_digest(path: str | Path) -> str:
    """SHA-256 of the labels file (so a profile says exactly which labels it came from)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def evaluate_clips(
    clips_dir: str | Path,
    labels_path: str | Path,
    *,
    params: FireDetectorParams | None = None,
    on_clip: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the detector over every labelled clip and score it (see :func:`score`).

    Every labelled clip must be in ``clips_dir``; a file there with no label is listed (never
    evaluated: a clip of unknown content or licence has no figure to give).

    Returns:
        ``{"score": ..., "profile": ..., "unlabelled": [...], "params": {...}}``.
    """
    d = Path(clips_dir)
    if not d.is_dir():
        raise FeedConfigError(f"--clips {d}: not a folder")
    labels = load_labels(labels_path)
    missing = [lab.file for lab in labels if not (d / lab.file).is_file()]
    if missing:
        raise FeedConfigError(f"{labels_path}: labelled clip(s) not in {d}: {', '.join(missing)}")
    p = params or FireDetectorParams()
    runs = []
    for lab in labels:
        if on_clip:
            on_clip(lab.file)
        runs.append(run_clip(d / lab.file, params=p))
    scored = score(labels, runs)
    known = {lab.file for lab in labels}
    unlabelled = sorted(f.name for f in d.iterdir() if f.is_file() and f.name not in known
                        and f.suffix.lower() not in (".md", ".txt", ".yaml", ".yml", ".json"))
    source = {"clips_dir": str(d), "labels": Path(labels_path).name, "labels_sha256": labels_digest(labels_path),
              "clips": len(labels), "detector_params": asdict(p)}
    return {"score": scored, "profile": detection_profile(scored, source=source), "unlabelled": unlabelled,
            "params": asdict(p)}
