"""The War Room's cost per frame: wall atlas upload, board and rack redraws, viewer outside vs inside.

Headless (EGL on llvmpipe), the default city with its existing cameras projecting, synthetic feeds
through the real hub, the War Room fed by :class:`showroom_cli.warroom.WarRoomDriver` (the wall's
rotation, a live drill's incident board, the server room with a crash). Two viewers: outside (the
showroom's opening view over the city) and inside (the video wall viewpoint). For each, the same
frames alternate in one run: the baseline with the War Room idle (no driver step, no upload) and the
War Room live, frame by frame, so the drift of a shared machine falls on both; medians of each.

Figures: per frame, the driver's step (sim snapshot + handing frames to the wall), the wall upload
inside ``scene.update``, the render; wall uploads, tile writes and board redraws per frame.

    .venv/bin/python bench/bench_warroom.py [--frames 30] [--size 1280x720]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--speed", type=float, default=0.5,
                    help="sim seconds per frame (the wall steps a tile every 0.83 s; 0.5: real time at 2 frames/s)")
    args = ap.parse_args(argv)
    w, h = (int(v) for v in args.size.split("x"))

    from panda3d.core import NodePath, PerspectiveLens

    import feeds
    import scenes
    import twin
    from showroom_cli.viewing import synthetic_feed_configs
    from showroom_cli.warroom import WarRoomDriver
    from sim.drill import live_drill, read_scenario

    city = twin.load(ROOT / "assets" / "city")
    cams = twin.select_cameras(city, "existing")
    eng = scenes.HeadlessEngine()
    root = NodePath("render")
    t0 = time.perf_counter()
    scene = scenes.CityScene(city, root, eng.graphics, cameras=cams)
    build_s = time.perf_counter() - t0
    lens = PerspectiveLens()
    lens.set_fov(60.0, math.degrees(2 * math.atan(math.tan(math.radians(30.0)) * h / w)))
    lens.set_near_far(0.2, 8000.0)
    # copied to RAM each frame: llvmpipe rasterises asynchronously, and without a read-back a frame's
    # render time would land on the next texture upload (which waits for it) instead of on the frame
    view = scenes.OffscreenView(eng.graphics, root, w, h, lens=lens, to_ram=True)
    xmin, ymin, xmax, ymax = city.bounds()
    views = {
        "outside": ((xmin + xmax) / 2, ymin - 0.25 * (ymax - ymin), 0.3 * (ymax - ymin)),
        "inside": scene.warroom.viewpoints()["video_wall"],
    }
    outside_target = ((xmin + xmax) / 2, (ymin + ymax) / 2, 0.0)
    sc = read_scenario(ROOT / "assets" / "drills" / "market_fire_rush_hour.yaml")
    engine = live_drill(sc, city)
    crash = (1, sc.start_hour * 3600.0 + 60.0, 3600.0)
    hub = feeds.FeedHub(synthetic_feed_configs(cams, size=(320, 180), fps=5.0), grace_s=2.0)
    t0 = time.perf_counter()
    driver = WarRoomDriver(city, scene, hub=hub, engine=engine, start_hour=sc.start_hour, crash=crash,
                           cameras=cams)
    driver_s = time.perf_counter() - t0
    wr = scene.warroom

    def frames(name: str, t_start: float) -> dict[str, dict[str, float]]:
        """Frames alternating idle (no War Room work) and live, so a shared machine's drift hits both alike."""
        eye = views[name]
        if name == "inside":
            eye, target = eye
        else:
            target = outside_target
        view.camera.set_pos(*eye)
        view.camera.look_at(*target)
        rec: dict[str, dict[str, list[float]]] = {m: {"step": [], "upload": [], "update": [], "render": [],
                                                       "frame": []} for m in ("idle", "live")}
        count = {m: {"wall_uploads": 0, "wall_tile_writes": 0, "board_redraws": 0} for m in ("idle", "live")}
        t = t_start
        for k in range(2 * args.frames):
            mode = "live" if k % 2 else "idle"
            s0 = wr.stats()
            if mode == "live":
                t += 2 * args.speed  # the sim moved on over both frames
                if t > engine.env.now:
                    engine.env.run(until=t)  # the fire model's own step: not the War Room's cost
            a = time.perf_counter()
            if mode == "live":
                driver.step(t, view.camera.get_pos(root))
            b = time.perf_counter()
            if mode == "live":
                scene.update(view.camera, lens)
            else:
                # the same update with the War Room held still (no upload): what the scene costs without it
                dirty = wr.wall._dirty
                wr.wall._dirty = False
                scene.update(view.camera, lens)
                wr.wall._dirty = dirty
            c = time.perf_counter()
            eng.render_frame()
            d = time.perf_counter()
            r = rec[mode]
            r["step"].append(b - a)
            r["upload"].append(wr.last.update_ms / 1000.0)
            r["update"].append(c - b)
            r["render"].append(d - c)
            r["frame"].append(d - a)
            s1 = wr.stats()
            for key in count[mode]:
                count[mode][key] += s1[key] - s0[key]
        out = {}
        for mode, r in rec.items():
            out[mode] = {f"{key}_ms": 1000 * float(np.median(v)) for key, v in r.items()}
            out[mode].update({f"{key}_per_frame": n / args.frames for key, n in count[mode].items()})
            out[mode]["board_redraws"] = count[mode]["board_redraws"]
        return out

    # warm the feeds: the wall's cameras subscribed and delivering before timing
    inside_eye = views["inside"][0]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and driver.step(0.0, inside_eye).wall_tiles == 0:
        time.sleep(0.1)
    rows: dict[tuple[str, str], dict[str, float]] = {}
    t_live = 600.0  # ten minutes into the drill: incidents open, the board's minutes ticking
    for name in ("outside", "inside"):
        frames(name, 0.0)  # warm-up: textures and depth maps prepared
        res = frames(name, t_live)
        t_live += 2 * args.frames * args.speed
        for mode in ("idle", "live"):
            rows[(name, mode)] = res[mode]
    driver.close()
    hub.close(timeout_s=2.0)
    view.destroy()
    scene.destroy()

    print(f"War Room bench: default city, {len(cams)} existing cameras projecting, {w}x{h}, "
          f"{args.frames} frames each, idle and live alternating (medians)")
    with open("/proc/loadavg") as f:
        print(f"load average {' '.join(f.read().split()[:3])} (a shared 2-core machine: render times drift)")
    print(f"scene build {build_s:.1f} s (War Room included), "
          f"driver setup {driver_s:.1f} s (its capacity run waits for the first step inside)")
    print(f"{'viewer':8} {'war room':9} {'step ms':>8} {'upload ms':>9} {'update ms':>9} {'render ms':>9} "
          f"{'frame ms':>9} {'uploads/f':>9} {'tiles/f':>8} {'board redraws':>13}")
    for (name, mode), r in rows.items():
        print(f"{name:8} {mode:9} {r['step_ms']:8.2f} {r['upload_ms']:9.2f} {r['update_ms']:9.2f} "
              f"{r['render_ms']:9.1f} {r['frame_ms']:9.1f} {r['wall_uploads_per_frame']:9.2f} "
              f"{r['wall_tile_writes_per_frame']:8.2f} {int(r['board_redraws']):13d}")
    for name in ("outside", "inside"):
        live, idle = rows[(name, "live")], rows[(name, "idle")]
        cpu = live["step_ms"] + live["upload_ms"]
        print(f"{name}: War Room CPU {cpu:.2f} ms a frame ({cpu / idle['frame_ms']:.1%} of the idle frame); "
              f"render with its upload {live['render_ms'] - idle['render_ms']:+.1f} ms; "
              f"frame live/idle = {live['frame_ms'] / idle['frame_ms']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
