"""Synthetic clips with ground truth, to measure the smoke/fire detector (and to test motion activity).

Each clip is a street scene (sky, buildings, road, sensor noise) with one thing happening in it. Positive
clips hold a fire or a smoke plume that starts at ``onset_s`` and grows (a flame's radius grows linearly,
so its area grows as t^2, as the t-squared fire model has it); negative clips hold the look-alikes that
fool colour-only detectors: a red car crossing, a blinking orange warning light, a grey truck,
pedestrians in orange jackets, an orange sunset glow, the lights switching on.

:func:`evaluate_detector` runs :class:`~feeds.firedetect.FireDetector` over a seeded set of clips and reports
precision and recall per kind. They are easy clips: the figures bound what the detector can do,
they do not predict what it does on real footage.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from .firedetect import FireDetector, FireDetectorParams

__all__ = ["CLIP_KINDS", "HARD_CLIP_KINDS", "Clip", "evaluate_detector", "make_clip"]

#: kind -> the detection it should raise (None: it should raise none)
CLIP_KINDS: dict[str, str | None] = {
    "fire": "fire",
    "smoke": "smoke",
    "red_car": None,
    "warning_light": None,
    "grey_truck": None,
    "orange_walkers": None,
    "sunset": None,
    "lights_on": None,
    "quiet": None,
}

#: Clips made to show the detector's limits (expected to fail, reported apart): a distant fire that
#: stays a few pixels wide, a fire seen by a camera in night (infrared, monochrome) mode, and steam
#: from a vent, which looks like smoke and is not a fire.
HARD_CLIP_KINDS: dict[str, str | None] = {"fire_far": "fire", "fire_ir": "fire", "steam": None}
_ALL_KINDS = {**CLIP_KINDS, **HARD_CLIP_KINDS}


@dataclass(frozen=True)
class Clip:
    """A generated clip: ``frames()`` yields BGR images at ``fps``; ``expect`` is the kind it should raise."""

    kind: str
    seed: int
    expect: str | None
    onset_s: float
    fps: float
    seconds: float
    size: tuple[int, int]

    def frames(self) -> Iterator[np.ndarray]:
        """The clip's frames, generated on the fly (deterministic for the seed)."""
        return _render(self)


def make_clip(kind: str, seed: int, *, seconds: float = 8.0, fps: float = 10.0, size=(320, 180)) -> Clip:
    """One clip of ``kind`` (see :data:`CLIP_KINDS`); the event, if any, starts 1.5-2.5 s in."""
    if kind not in _ALL_KINDS:
        raise ValueError(f"clip kind must be one of {', '.join(_ALL_KINDS)}, got {kind!r}")
    onset = 1.5 + np.random.default_rng(seed).random()
    return Clip(kind, seed, _ALL_KINDS[kind], float(onset), fps, seconds, size)


def _background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    img = np.empty((h, w, 3), np.float32)
    sky = np.linspace(200, 150, h // 3)[:, None]
    img[: h // 3] = np.stack([sky + 20, sky + 5, sky - 20], axis=-1)  # bluish sky (BGR)
    img[h // 3 :] = (95, 100, 105)
    x = 0
    while x < w:  # buildings: tan, brick, concrete
        bw = int(rng.integers(w // 10, w // 4))
        top = int(rng.integers(h // 8, h // 2))
        colour = [(120, 150, 180), (70, 80, 140), (150, 150, 150), (110, 130, 150)][int(rng.integers(0, 4))]
        img[top : int(h * 0.7), x : x + bw] = colour
        x += bw + int(rng.integers(2, 10))
    img[int(h * 0.7) :] = (70, 70, 72)  # road
    return img


def _render(c: Clip) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(c.seed)
    w, h = c.size
    bg = _background(rng, w, h)
    n = int(c.seconds * c.fps)
    # where the event happens: at street level, somewhere in the middle of the picture
    ex, ey = int(rng.uniform(0.25, 0.75) * w), int(rng.uniform(0.55, 0.7) * h)
    speed = rng.uniform(0.6, 1.2)
    # sensor noise from a small bank of fields (drawing a fresh field per frame costs more than the rest)
    noise = rng.normal(0, 3.0, (6, h, w, 3)).astype(np.float32)
    for i in range(n):
        t = i / c.fps
        dt = t - c.onset_s
        img = bg.copy()
        if c.kind in ("fire", "fire_ir", "fire_far") and dt > 0:
            # px; area ~ t^2. A distant fire grows a tenth as fast on the picture
            r = (1.0 + 0.4 * speed * dt) if c.kind == "fire_far" else (2.0 + 4.0 * speed * dt)
            for _ in range(12):  # flickering tongues of flame
                ox, oy = rng.normal(0, r * 0.35), -abs(rng.normal(0, r * 0.6))
                ax, ay = max(1, int(r * rng.uniform(0.2, 0.45))), max(1, int(r * rng.uniform(0.4, 0.9)))
                colour = (float(rng.uniform(0, 60)), float(rng.uniform(110, 220)), 255.0)
                cv2.ellipse(img, (int(ex + ox), int(ey + oy)), (ax, ay), 0, 0, 360, colour, -1)
            cv2.circle(img, (ex, int(ey - r * 0.3)), max(1, int(r * 0.3)), (170, 240, 255), -1)
        elif c.kind in ("smoke", "steam") and dt > 0:
            overlay = img.copy()
            puffs = int(3 + 6 * speed * dt)
            for k in range(puffs):
                age = (puffs - k) / (6 * speed)
                px = ex + 6 * np.sin(k * 1.7) * (1 + age) + rng.normal(0, 1.0)
                py = ey - 8.0 * age * speed * 1.5 + rng.normal(0, 1.0)
                grey = (172, 170, 168) if c.kind == "smoke" else (205, 205, 205)
                cv2.circle(overlay, (int(px), int(py)), int(4 + 5 * age), grey, -1)
            img = cv2.addWeighted(overlay, 0.75, img, 0.25, 0)
        elif c.kind == "red_car":
            x = int(-60 + (w + 120) * t / c.seconds * speed * 1.4) % (w + 120) - 60
            cv2.rectangle(img, (x, int(h * 0.72)), (x + 50, int(h * 0.82)), (20, 40, 220), -1)
            cv2.rectangle(img, (x + 10, int(h * 0.68)), (x + 40, int(h * 0.72)), (20, 90, 250), -1)
        elif c.kind == "warning_light":
            if int(t * 2) % 2 == 0:
                cv2.circle(img, (ex, ey), 6, (0, 140, 255), -1)
        elif c.kind == "grey_truck":
            x = int(w + 80 - (w + 160) * t / c.seconds * speed * 1.3)
            cv2.rectangle(img, (x, int(h * 0.6)), (x + 80, int(h * 0.85)), (165, 168, 170), -1)
        elif c.kind == "orange_walkers":
            for k in range(3):
                x = int((k * w / 3 + 12 * t * speed * (1 if k % 2 else -1)) % w)
                cv2.rectangle(img, (x, int(h * 0.6)), (x + 5, int(h * 0.72)), (10, 110, 245), -1)
        elif c.kind == "sunset":
            glow = np.linspace(0, 1, h // 3)[::-1, None, None] * np.array([-60, 10, 80], np.float32)
            img[: h // 3] += glow * min(1.0, 0.3 + t / c.seconds)
        elif c.kind == "lights_on" and dt > 0:
            img *= 1.0 + min(1.0, dt * 2.0) * 0.5
        img += noise[int(rng.integers(0, len(noise)))]
        if c.kind == "fire_ir":  # night mode: the camera sees luminance only
            img[:] = (img @ np.array([0.114, 0.587, 0.299], np.float32))[..., None]
        yield np.clip(img, 0, 255).astype(np.uint8)


def evaluate_detector(
    *,
    seed: int = 0,
    per_kind: int = 6,
    params: FireDetectorParams | None = None,
    kinds: dict[str, str | None] | None = None,
    **clip_kw: float,
) -> dict[str, object]:
    """Run the detector over ``per_kind`` clips of every kind in ``kinds`` (default :data:`CLIP_KINDS`).

    Returns precision, recall and mean delay for fire and smoke, and the negative clips that raised an event.

    A positive clip counts as detected when an event of its kind comes after the onset; every other
    event (on a negative clip, before the onset, or of the other kind) is a false positive.
    """
    rows = []
    tp = {"fire": 0, "smoke": 0}
    fp = {"fire": 0, "smoke": 0}
    pos = {"fire": 0, "smoke": 0}
    delays: dict[str, list[float]] = {"fire": [], "smoke": []}
    kinds = CLIP_KINDS if kinds is None else kinds
    for kind in kinds:
        for j in range(per_kind):
            clip = make_clip(kind, seed * 1000 + j * 17 + len(kind), **clip_kw)
            det = FireDetector(f"{kind}-{j}", params)
            events = []
            for i, frame in enumerate(clip.frames()):
                events += det.update(frame, i / clip.fps)
            hit = False
            for ev in events:
                if clip.expect == ev.kind and ev.t >= clip.onset_s and not hit:
                    hit = True
                    tp[ev.kind] += 1
                    delays[ev.kind].append(ev.t - clip.onset_s)
                else:
                    fp[ev.kind] += 1
            if clip.expect:
                pos[clip.expect] += 1
            rows.append({"kind": kind, "seed": clip.seed, "events": [(e.kind, round(e.t, 2)) for e in events]})
    out: dict[str, object] = {"clips": len(rows), "per_kind": per_kind}
    for k in ("fire", "smoke"):
        out[k] = {
            "precision": round(tp[k] / (tp[k] + fp[k]), 3) if tp[k] + fp[k] else None,
            "recall": round(tp[k] / pos[k], 3) if pos[k] else None,
            "true_positives": tp[k],
            "false_positives": fp[k],
            "positives": pos[k],
            "mean_delay_s": round(float(np.mean(delays[k])), 2) if delays[k] else None,
        }
    out["false_positive_clips"] = [r for r in rows if kinds[r["kind"]] is None and r["events"]]
    # per clip kind: how many clips raised a fire event, a smoke event, nothing
    out["by_clip_kind"] = {
        k: {
            "fire": sum(any(e[0] == "fire" for e in r["events"]) for r in rows if r["kind"] == k),
            "smoke": sum(any(e[0] == "smoke" for e in r["events"]) for r in rows if r["kind"] == k),
            "none": sum(not r["events"] for r in rows if r["kind"] == k),
        }
        for k in kinds
    }
    return out
