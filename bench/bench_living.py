"""Whole-frame time of the living showroom against today's look, in the same run.

    .venv/bin/python bench/bench_living.py [--size 1280x720] [--frames 2] [--poses 6]

The default city with 216 cameras (its 115 existing ones and its first 101 candidate sites as
planned, as in bench_render.py), flown through the guided tour's key views (scenes.visit.GuidedTour
with the tour's fire, assets/tour/fire.yaml). Three configurations are built side by side and
measured interleaved, pose by pose, so load from other processes hits all alike:

- ``today``: the look before issue 14 (``SceneSettings(look="plain")`` where the scene has looks),
  test patterns on every camera, no sim, no street life;
- ``living``: everything on: the default look (sun, shadows, night), the tour's fire engine running
  live (``sim``), street life (``life``), virtual CCTV as the cameras' picture (where the scene has
  it), the War Room (where it stands), test patterns for the cameras without virtual CCTV (``feeds``);
- ``living_no_vcctv``: the same without virtual CCTV, so that its cost shows as the difference.

Per frame it times: ``sim`` (the fire engine run to the frame's sim time and its snapshot handed
over), ``life`` (street life stepped and handed over), ``feeds`` (a new test-pattern frame made and
submitted for every camera without virtual CCTV, every frame: the worst case), ``update``
(the scene's per-frame work: uploads of the cameras in view within the upload budget, virtual
CCTV scheduling and readback), ``render`` (drawing
every active buffer, virtual CCTV included, and reading the frame back). Prints the medians and the
ratio living / today (the issue's goal: at most 2x). A part the scene does not have yet is named.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import scenes  # noqa: E402
import twin  # noqa: E402
from scenes.render import OffscreenRenderer  # noqa: E402
from scenes.visit import GuidedTour  # noqa: E402
from showroom_cli.common import load_city  # noqa: E402
from showroom_cli.render import parse_size  # noqa: E402
from showroom_cli.viewing import story_sim, tour_parts  # noqa: E402

PARTS = ("sim", "life", "feeds", "update", "render")


def cameras_216(city: twin.Twin) -> list[twin.Camera]:
    """The city's existing cameras topped up with candidate sites, as planned, to 216."""
    pool = city.cameras_by_status("existing")
    extra = [dataclasses.replace(c, status="planned") for c in city.cameras_by_status("candidate")]
    return pool + extra[: max(0, 216 - len(pool))]


def has_looks() -> bool:
    """Whether the scene has looks (``SceneSettings.look``), i.e. today's flat one is still selectable."""
    return any(f.name == "look" for f in dataclasses.fields(scenes.SceneSettings))


class Config:
    """One configuration: a renderer and what runs beside it each frame."""

    def __init__(self, name: str, city: twin.Twin, cams: list[twin.Camera], size: tuple[int, int], engine: Any,
                 *, living: bool, vcctv: bool) -> None:  # fmt: skip
        self.name, self.living = name, living
        kw = {"look": "plain"} if (not living and has_looks()) else {}
        settings = scenes.SceneSettings(**kw)
        self.r = OffscreenRenderer(city, size=size, cameras=cams, engine=engine, settings=settings)
        self.vcctv = vcctv and hasattr(self.r.scene, "use_virtual_cctv")
        if self.vcctv:
            self.r.scene.use_virtual_cctv()
        if living:
            self.facts, self.advance, self.on_frame = story_sim(city, life=True, seed=0)
        else:
            self.facts, self.advance, self.on_frame = None, None, None
        self.times: dict[str, list[float]] = {p: [] for p in PARTS}
        self.total: list[float] = []
        self.vc: list[tuple[int, int, int]] = []
        self._tick = 0

    def frame(self, v: Any, t: float, *, record: bool) -> None:
        """One frame at tour view ``v`` (tour time ``t``)."""
        sc = self.r.scene
        ms: dict[str, float] = {}
        t0 = time.perf_counter()
        if self.advance is not None:
            snap = self.advance(v.sim_s)
            if snap is not None:
                sc.push_snapshot(snap)
            sc.set_sim_time(v.sim_s)
            if hasattr(sc, "set_clock"):
                import datetime as dt

                sc.set_clock(dt.datetime(2026, 3, 16) + dt.timedelta(seconds=float(v.clock_s)))
        t1 = time.perf_counter()
        if self.on_frame is not None:
            self.on_frame(sc, v)
        t2 = time.perf_counter()
        # every frame brings new pictures (the worst case: a 5 fps feed on a 5 fps frame)
        self._tick += 1
        tick = self._tick
        if tick:
            skip = set(getattr(getattr(sc, "vcctv_source", None), "camera_ids", ()) or ()) if self.vcctv else set()
            for cid in sc.projectors.projectors:
                if cid not in skip:
                    sc.submit_frame(cid, scenes.pattern_frame(cid, tick / 5.0), seq=tick)
        t3 = time.perf_counter()
        if v.camera is not None:
            self.r.look_as(v.camera)
        else:
            self.r.view.lens.set_fov(60.0, 60.0 * self.r.view.height / self.r.view.width)
            self.r.look(v.eye, v.target)
        cam = self.r.view.camera
        st = sc.update(cam, self.r.view.lens)
        t4 = time.perf_counter()
        self.r.engine.render_frame()
        self.r.view.grab()
        t5 = time.perf_counter()
        ms = {"sim": t1 - t0, "life": t2 - t1, "feeds": t3 - t2, "update": t4 - t3, "render": t5 - t4}
        if record:
            for k, x in ms.items():
                self.times[k].append(x * 1000.0)
            self.total.append((t5 - t0) * 1000.0)
            vc = getattr(st, "vcctv", None)
            if vc is not None:
                self.vc.append((len(vc.rendered), vc.pixels, vc.in_view))

    def medians(self) -> dict[str, float]:
        """Median ms per part and in all."""
        out = {p: statistics.median(v) if v else 0.0 for p, v in self.times.items()}
        out["frame"] = statistics.median(self.total) if self.total else 0.0
        return out


def main() -> int:
    """Build the three configurations, fly them through the tour's key views, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--frames", type=int, default=2, help="measured frames per pose, after one warm-up")
    ap.add_argument("--poses", type=int, default=6, help="tour key views measured (spread over the story)")
    args = ap.parse_args()
    size = parse_size(args.size)
    city = load_city(None)
    cams = cameras_216(city)
    engine = scenes.HeadlessEngine()
    t0 = time.perf_counter()
    configs = [
        Config("today", city, cams, size, engine, living=False, vcctv=False),
        Config("living", city, cams, size, engine, living=True, vcctv=True),
        Config("living_no_vcctv", city, cams, size, engine, living=True, vcctv=False),
    ]
    build_s = time.perf_counter() - t0
    facts = configs[1].facts
    have, views = tour_parts(configs[1].r.scene)
    tour = GuidedTour.build(city, lang="en", facts=facts, have=have, viewpoints=views)
    ks = sorted({round(i * (len(tour.keys) - 1) / max(args.poses - 1, 1)) for i in range(args.poses)})
    for k in ks:
        t = tour.key_time(k)
        v = tour.view_at(t)
        for rep in range(args.frames + 1):
            for c in configs:  # interleaved: the same load on each
                c.frame(v, t + rep * 0.1, record=rep > 0)
    missing = []
    if not has_looks():
        missing.append("looks (today's and the living look are the same scene: no SceneSettings.look)")
    if not configs[1].vcctv:
        missing.append("virtual CCTV (no CityScene.use_virtual_cctv)")
    if not hasattr(configs[1].r.scene, "set_clock"):
        missing.append("sun and night (no CityScene.set_clock)")
    if getattr(configs[1].r.scene, "warroom", None) is None:
        missing.append("War Room (no CityScene.warroom)")
    poses = [tour.keys[k] for k in ks]
    print(f"city: {len(city.buildings)} buildings, {len(cams)} cameras; {size[0]}x{size[1]}; "
          f"3 scenes built in {build_s:.1f} s; poses: {poses}, {args.frames} frames each")  # fmt: skip
    for c in configs:
        look = getattr(c.r.scene.settings, "look", "(no looks)")
        on = {True: "on", False: "off"}
        print(f"  {c.name}: look={look}, sim+life={on[c.living]}, virtual CCTV={on[c.vcctv]}")
    print(f"{'ms/frame (median)':<18}" + "".join(f"{p:>9}" for p in (*PARTS, "frame")))
    med = {c.name: c.medians() for c in configs}
    for c in configs:
        print(f"{c.name:<18}" + "".join(f"{med[c.name][p]:9.1f}" for p in (*PARTS, "frame")))
    ratio = med["living"]["frame"] / max(med["today"]["frame"], 1e-9)
    vc = med["living"]["update"] + med["living"]["render"] - med["living_no_vcctv"]["update"]
    vc -= med["living_no_vcctv"]["render"]
    print(f"virtual CCTV (living - living_no_vcctv, update + render): {vc:.1f} ms/frame")
    if configs[1].vc:
        r = np.array(configs[1].vc, dtype=float)
        print(f"virtual CCTV budget: {r[:, 0].mean():.1f} cameras rendered a frame ({r[:, 1].mean() / 1e3:.0f} kpx) "
              f"of {r[:, 2].mean():.1f} in view")
    print(f"living / today: {ratio:.2f}x (goal <= 2x)")
    print("not there yet: " + ("; ".join(missing) if missing else "nothing: every part measured"))
    for c in configs:
        c.r.close()
    engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
