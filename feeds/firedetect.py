"""A smoke and fire detector built on colour, motion and growth cues (no learned model).

Per frame, on a small copy (160 px wide):

- colour: fire pixels by Chen et al.'s rule (2004): ``R > R_T``, ``R >= G > B`` and saturation
  ``S >= (255 - R) * S_T / R_T``; smoke pixels are grey (channel spread small) at mid brightness,
  judged after a white-patch colour balance (the scene's light, not a neutral one, makes smoke
  grey: the real dawn clip's plume had a B-R spread of 130 raw, under 30 balanced).
- a hot core: a share (``core_min``) of the fire region is near-saturated yellow-white
  (``R >= core_r`` and ``G >= core_g``), as flames are; an orange jacket or car is not.
- motion: the pixel is foreground in a MOG2 background model (a sunset glow or an orange wall does
  not move; flames and smoke do).
- a frame where most of the picture "moves" (a light switched, auto-exposure) is skipped.
- fire: only the largest connected candidate region counts (three people in orange jackets are
  three small regions, not one big one). Smoke: the whole region where "grey and moving" evidence
  has accumulated (``smoke_accum_s``, ``smoke_accum_min``): a real plume shows as puffs apart from
  each other, and following the largest of them jumped across the picture.

Over a sliding window (``window_s``) the candidate region of each kind must be:

- persistent (present in most frames: a blinking orange warning light is not),
- staying in place (the base of the region, where a fire or a plume has its source, moves less than
  ``max_drift`` of the picture width, ``smoke_max_drift`` for smoke: a red car crossing does not stay,
  nor does a truck entering),
- fire: growing (area at the end of the window over the start) or flickering in place (the colour
  mask changes a lot between frames while the region stays put);
- smoke: veiling what is behind it: the region's contrast (Laplacian over brightness) is at most
  ``smoke_edge_max`` times the background's. Smoke is translucent; a white car that parks brings
  edges of its own (5x the edge energy in the real car-park clip); contrast rather than raw edge
  energy, because lights switched on scale both edges and brightness.

An event is emitted when a kind first passes, then not again for ``cooldown_s``.

Measured on real footage by ``showroom feeds evaluate`` (README, "The detector on real footage"):
the one real smoke clip (a far plant at dawn, a time-lapse) is detected, after the thresholds were
set looking at it; a held-out indoor clip raised one smoke alarm; there is no real flame footage to
measure fire detection on. Limits (``bench/bench_feeds.py --sections 3`` measures them on the clips
of :data:`feeds.clips.HARD_CLIP_KINDS`): colour rules fail on infrared/night (monochrome) pictures;
steam looks like smoke, and so would fog or dust; small or distant fires (a few pixels at 160 px
wide) are missed; a slowly approaching orange object with a bright spot grows and stays roughly in
place; a person in grey clothes standing still can pass for a plume.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

from .motion import small_copy

__all__ = ["DetectionEvent", "FireDetector", "FireDetectorParams"]


@dataclass(frozen=True)
class DetectionEvent:
    """A smoke or fire detection on one camera, for the fire model (``bbox`` in the frame's pixels)."""

    camera_id: str
    kind: str
    t: float
    score: float
    bbox: tuple[int, int, int, int]
    area_frac: float


@dataclass(frozen=True)
class FireDetectorParams:
    """Thresholds of :class:`FireDetector` (defaults tuned on :mod:`feeds.clips`, see the issue note)."""

    width_px: int = 160
    r_t: int = 135
    s_t: int = 60
    core_r: int = 220
    core_g: int = 180
    core_min: float = 0.05
    smoke_spread: int = 28
    smoke_v_min: int = 90
    smoke_v_max: int = 235
    window_s: float = 3.0
    min_frames: int = 12
    persist: float = 0.8
    fire_min_area: float = 0.0015
    smoke_min_area: float = 0.004
    max_drift: float = 0.04
    growth: float = 1.5
    flicker: float = 0.4
    global_motion: float = 0.5
    cooldown_s: float = 30.0
    #: smoke evidence accumulates per pixel (an exponential average of "grey and moving" with this
    #: time constant); the smoke region is where it reaches ``smoke_accum_min``. A plume keeps
    #: churning in one place, so its pixels stay lit; a grey car or a passer-by lights each pixel briefly.
    #: Tracking the largest per-frame blob instead jumped between puffs (drift 0.34 of the width on RISE).
    smoke_accum_s: float = 0.5
    smoke_accum_min: float = 0.2
    #: an established plume (present all window, in place, not growing) still counts when it veils the
    #: background: the region's edge energy (Laplacian) is at most this share of the background's
    #: (smoke is translucent and softens texture; a solid object brings edges of its own)
    smoke_edge_max: float = 1.0
    #: the smoke region's base may wander this much (share of the width): wind carries a plume, and a
    #: plume whose source is out of the picture has no fixed base (RISE: 0.26-0.34 of the width)
    smoke_max_drift: float = 0.08
    #: white-patch colour balance before the smoke rule: each channel scaled so that its
    #: ``wb_percentile`` reaches the brightest channel's (gain at most ``wb_max_gain``). Smoke is grey
    #: under the scene's light, not under a neutral one: at dawn or under sodium lamps a grey rule on
    #: raw pixels misses it (the real RISE clip: plume pixels B-R spread 130 raw, under 30 balanced)
    white_balance: bool = True
    wb_percentile: float = 99.0
    wb_max_gain: float = 3.0


@dataclass
class _Sample:
    t: float
    area: float
    cx: float
    cy: float
    flicker: float
    bbox: tuple[int, int, int, int]
    hot: float
    edge: float = np.nan


def _largest_blob(mask: np.ndarray, kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixel rows and columns of the largest connected region of ``mask`` (tongues of flame merged first)."""
    if not mask.any():
        return np.empty(0, np.intp), np.empty(0, np.intp)
    m = mask.astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(m, kernel), connectivity=8)
    if n <= 1:
        return np.empty(0, np.intp), np.empty(0, np.intp)
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return np.nonzero((labels == best) & (m > 0))



def _contrast(image: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> float:
    """Mean Laplacian magnitude over mean brightness at the pixels ``ys, xs`` of a BGR image.

    Contrast, not raw edge energy: lights switched on scale both the edges and the brightness.
    """
    g = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return np.abs(cv2.Laplacian(g, cv2.CV_32F))[ys, xs].mean() / max(float(g[ys, xs].mean()), 1.0)

class FireDetector:
    """Smoke/fire detection for one camera; call :meth:`update` with each analysed frame."""

    def __init__(self, camera_id: str, params: FireDetectorParams | None = None):
        self.camera_id = camera_id
        self.p = params or FireDetectorParams()
        self._mog = cv2.createBackgroundSubtractorMOG2(history=150, varThreshold=20.0, detectShadows=False)
        self._kernel = np.ones((3, 3), np.uint8)
        self._hist: dict[str, deque[_Sample]] = {"fire": deque(maxlen=512), "smoke": deque(maxlen=512)}
        self._prev_fire: np.ndarray | None = None
        self._smoke_acc: np.ndarray | None = None
        self._t_prev: float | None = None
        self._t_start: float | None = None
        self._last_event: dict[str, float] = {}
        self.frames = 0

    def _masks(self, small: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        p = self.p
        b, g, r = (small[..., i].astype(np.int32) for i in range(3))
        mx, mn = np.maximum(np.maximum(r, g), b), np.minimum(np.minimum(r, g), b)
        sat = np.where(mx > 0, (mx - mn) * 255 // np.maximum(mx, 1), 0)
        fire = (r > p.r_t) & (r >= g) & (g > b) & (sat * p.r_t >= (255 - r) * p.s_t)
        core = (r >= p.core_r) & (g >= p.core_g)  # a flame's hot core saturates towards yellow-white
        if p.white_balance:
            # each channel's percentile from its 256-bin histogram (a sort of the pixels cost 10x more)
            need = small.shape[0] * small.shape[1] * p.wb_percentile / 100.0
            ref = np.array([float(np.searchsorted(np.cumsum(cv2.calcHist([small], [c], None, [256], [0, 256])), need))
                            for c in range(3)])
            gain = np.clip(ref.max() / np.maximum(ref, 1.0), 1.0, p.wb_max_gain)
            bal = cv2.transform(small, np.diag(gain).astype(np.float32))  # saturates at 255
            smx, smn = bal.max(axis=2).astype(np.int32), bal.min(axis=2).astype(np.int32)
        else:
            smx, smn = mx, mn
        smoke = ((smx - smn) <= p.smoke_spread) & (smx >= p.smoke_v_min) & (smx <= p.smoke_v_max)
        # a fixed, slow learning rate: a flame that appeared stays foreground for the whole window
        # (MOG2's default rate is 1/frames-seen early on, which absorbs a new fire within seconds)
        fg = self._mog.apply(small, learningRate=0.2 if self.frames < 5 else 1.0 / 150)
        fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, self._kernel) > 0
        return fire | (core & (r >= g)), smoke, fg, core

    def update(self, image: np.ndarray, t: float) -> list[DetectionEvent]:
        """Analyse one frame taken at time ``t`` (seconds); returns the events it triggers (usually none)."""
        p = self.p
        small = small_copy(image, p.width_px)
        fire, smoke, fg, core = self._masks(small)
        self.frames += 1
        scale = image.shape[1] / small.shape[1]
        if self.frames <= 5 or fg.mean() > p.global_motion:  # warm-up, or the whole picture changed
            self._prev_fire = fire & fg
            return []
        fire_moving = fire & fg
        dt = 0.0 if self._t_prev is None else max(0.0, t - self._t_prev)
        self._t_prev = t
        a = min(1.0, dt / p.smoke_accum_s) if p.smoke_accum_s > 0 else 1.0
        sm = (smoke & fg).astype(np.float32)
        self._smoke_acc = sm * a if self._smoke_acc is None else self._smoke_acc * (1.0 - a) + sm * a
        smoke_region = self._smoke_acc >= p.smoke_accum_min
        flick = 0.0
        if self._prev_fire is not None and fire_moving.any():
            flick = float(np.count_nonzero(fire_moving ^ self._prev_fire)) / max(1, np.count_nonzero(fire_moving))
        self._prev_fire = fire_moving
        events = []
        if self._t_start is None:
            self._t_start = t
        for kind, mask in (("fire", fire_moving), ("smoke", smoke_region)):
            if kind == "smoke" and t - self._t_start < p.smoke_accum_s:
                continue  # the evidence map is still filling: its "growth" would be its own ramp-up
            hist = self._hist[kind]
            # smoke: the whole evidence region (a plume often shows as puffs apart from each other, and the
            # largest of them changes from frame to frame); fire: its largest blob
            ys, xs = np.nonzero(mask) if kind == "smoke" else _largest_blob(mask, self._kernel)
            area = xs.size / mask.size
            if xs.size:
                bbox = (int(xs.min() * scale), int(ys.min() * scale),
                        int((xs.max() - xs.min() + 1) * scale), int((ys.max() - ys.min() + 1) * scale))
                # the region's base (its lowest rows): a fire or a plume rises from a source that stays put,
                # while a vehicle's base moves with it, even when it enters the picture and so "grows"
                base = ys >= ys.max() - max(1, (ys.max() - ys.min()) // 4)
                hot = float(core[ys, xs].mean())
                edge = self._edge_ratio(small, ys, xs) if kind == "smoke" else np.nan
                hist.append(_Sample(t, area, float(xs[base].mean()), float(ys.max()), flick, bbox, hot, edge))
            else:
                hist.append(_Sample(t, 0.0, np.nan, np.nan, 0.0, (0, 0, 0, 0), 0.0))
            while hist and t - hist[0].t > p.window_s:
                hist.popleft()
            ev = self._judge(kind, hist, small.shape, t)
            if ev is not None:
                events.append(ev)
        return events

    def _edge_ratio(self, small: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> float:
        """Edge energy of the region now over that of the learned background (below 1: the region is veiled)."""
        bg = self._mog.getBackgroundImage()
        if bg is None:
            return np.nan
        now, was = _contrast(small, ys, xs), _contrast(bg, ys, xs)
        return float(now / max(was, 1e-4))

    def _judge(self, kind: str, hist: deque[_Sample], shape: tuple[int, ...], t: float) -> DetectionEvent | None:
        p = self.p
        if len(hist) < p.min_frames or t - self._last_event.get(kind, -np.inf) < p.cooldown_s:
            return None
        area = np.array([s.area for s in hist])
        min_area = p.fire_min_area if kind == "fire" else p.smoke_min_area
        present = area >= min_area
        if present.mean() < p.persist:
            return None
        if kind == "fire" and np.mean([s.hot for s, keep in zip(hist, present, strict=True) if keep]) < p.core_min:
            return None  # orange without a hot core: a jacket, a car, a lit wall
        cx = np.array([s.cx for s in hist])[present]
        cy = np.array([s.cy for s in hist])[present]
        drift = float(np.hypot(np.nanstd(cx), np.nanstd(cy))) / shape[1]
        if drift > (p.max_drift if kind == "fire" else p.smoke_max_drift):
            return None
        k = max(2, len(area) // 4)
        growth = float(np.mean(area[-k:]) / max(np.mean(area[:k]), 1e-9))
        flicker = float(np.mean([s.flicker for s in hist]))
        grows = growth >= p.growth
        flickers = kind == "fire" and flicker >= p.flicker
        if kind == "smoke":
            edge = float(np.nanmean([s.edge for s, keep in zip(hist, present, strict=True) if keep] or [np.nan]))
            if not edge <= p.smoke_edge_max:
                return None  # the region brings edges of its own: a solid object (a white car parking), not smoke
        if not (grows or flickers or kind == "smoke"):
            return None
        self._last_event[kind] = t
        score = min(1.0, 0.4 * present.mean() + 0.3 * min(growth / (2 * p.growth), 1.0)
                    + 0.3 * (1.0 - drift / p.max_drift))
        return DetectionEvent(
            self.camera_id, kind, t, round(float(score), 3), hist[-1].bbox, round(float(area[-1]), 5)
        )
