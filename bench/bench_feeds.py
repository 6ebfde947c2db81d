"""Feeds bench: how many 640x360 H.264 15 fps streams this machine decodes in real time, and what
decoding costs against the number of subscribed feeds when 216 are configured.

    .venv/bin/python bench/bench_feeds.py [--max-streams 40] [--hold-s 8] [--quick]

It encodes a 640x360 15 fps H.264 clip with ffmpeg (noisy test pattern, ~800 kbit/s, a key frame a
second), serves it from GStreamer's RTSP server on 127.0.0.1 (every client gets its own pipeline,
sent without re-encoding, paced in real time), and reads it through feeds.FeedHub exactly as the
showroom does. Baseline, measured in the same run: one decoder reading the same clip from disk as
fast as it can; ratios are against it. The server shares this machine's cores (its CPU is reported).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

from feeds import FeedConfig, FeedHub, FeedState, stream_from_url  # noqa: E402

FPS = 15


def make_clip(path: Path, seconds: int) -> None:
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate={FPS}",
         "-vf", "noise=alls=6:allf=t", "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast",
         "-tune", "zerolatency", "-g", str(FPS), "-b:v", "800k", "-pix_fmt", "yuv420p", str(path)],
        check=True, timeout=600,
    )


def proc_cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def my_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def baseline_decode_ms(path: Path) -> float:
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
    n, t0 = 0, time.process_time()
    while n < 600:
        ok, _ = cap.read()
        if not ok:
            break
        n += 1
    cap.release()
    return (time.process_time() - t0) / n * 1000.0


def start_server(clip: Path) -> tuple[subprocess.Popen, int]:
    p = subprocess.Popen(["/usr/bin/python3", str(ROOT / "tests/feeds/servers/rtsp_server.py"), "--port", "0",
                          "--file", str(clip)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = p.stdout.readline().decode()
    if not line.startswith("READY"):
        p.kill()
        raise SystemExit(f"RTSP server did not start: {line!r}")
    return p, int(line.split()[1])


def hold(subs: list, hold_s: float, server_pid: int, new: int) -> dict[str, float]:
    """Wait until every subscription is online (``new`` of them just opened), then measure for ``hold_s``."""
    deadline = time.monotonic() + 15 + 1.5 * new
    while time.monotonic() < deadline and not all(s.health().state == FeedState.ONLINE for s in subs):
        time.sleep(0.1)
    online = sum(s.health().state == FeedState.ONLINE for s in subs)
    time.sleep(1.0)
    f0 = [s.health().frames for s in subs]
    c0, s0, t0 = my_cpu_s(), proc_cpu_s(server_pid), time.monotonic()
    ages = []
    while time.monotonic() - t0 < hold_s:
        time.sleep(0.25)
        ages += [f.age_s for f in (s.latest() for s in subs) if f is not None]
    dt = time.monotonic() - t0
    c1, s1 = my_cpu_s(), proc_cpu_s(server_pid)
    fps = [(s.health().frames - a) / dt for s, a in zip(subs, f0, strict=True)]
    ages.sort()
    return {
        "streams": len(subs), "online": online, "min_fps": min(fps) if fps else 0.0,
        "mean_fps": sum(fps) / len(fps) if fps else 0.0,
        "p95_age_s": ages[int(0.95 * (len(ages) - 1))] if ages else 0.0,
        "cpu_cores": (c1 - c0) / dt, "server_cores": (s1 - s0) / dt, "threads": threading.active_count(),
    }


def picture(path: Path) -> None:
    """The README picture: privacy masks on a test pattern, and the detector on a fire and a smoke clip."""
    import numpy as np

    from feeds import FireDetector, PrivacyMask, make_clip, pattern_frame

    img = pattern_frame("CAM-017", 1_700_000_000.0, 42, 640, 360)
    PrivacyMask([[(380, 60), (600, 80), (580, 220), (400, 200)]], mode="black").apply(img)
    PrivacyMask([[(0, 285), (260, 285), (300, 360), (0, 360)]], mode="pixelate", block_px=12).apply(img)
    cv2.putText(img, "privacy masks: black, pixelate", (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 0), 2)
    panels = [img]
    for kind, seed in (("fire", 1003), ("smoke", 2005)):
        clip = make_clip(kind, seed)
        det = FireDetector(kind)
        frames = list(clip.frames())
        first = None
        for i, f in enumerate(frames):
            for ev in det.update(f, i / clip.fps):
                first = first or (i, ev)
        i, ev = first if first else (len(frames) - 1, None)
        out = cv2.resize(frames[min(len(frames) - 1, i)], (640, 360), interpolation=cv2.INTER_NEAREST)
        if ev is not None:
            x, y, w, h = (v * 2 for v in ev.bbox)
            cv2.rectangle(out, (x, y), (x + w, y + h), (0, 0, 255), 2)
            label = f"{ev.kind} at {ev.t:.1f} s (onset {clip.onset_s:.1f} s)"
            cv2.putText(out, label, (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 160), 2)
        panels.append(out)
    cv2.imwrite(str(path), np.hstack(panels))
    print(f"wrote {path}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--picture", metavar="PNG", help="write the README picture and stop")
    ap.add_argument("--max-streams", type=int, default=160)
    ap.add_argument("--hold-s", type=float, default=8.0)
    ap.add_argument("--quick", action="store_true", help="fewer steps (a smoke run)")
    ap.add_argument("--sections", default="1,2,3", help="which parts to run: 1 capacity, 2 cost, 3 detector")
    args = ap.parse_args()
    if args.picture:
        picture(Path(args.picture))
        return 0
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    sections = {int(s) for s in args.sections.split(",")}
    if sections & {1, 2}:
        decode_sections(args, sections)
    if 3 in sections:
        detector_section(args)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


def detector_section(args: argparse.Namespace) -> None:
    from feeds import evaluate_detector

    per_kind = 4 if args.quick else 20
    print(f"\n3) smoke/fire detector on synthetic clips (8 s at 10 fps, 320x180), {per_kind} clips of each kind")
    for seed, label in ((0, "tuning set (seed 0)"), (1, "held-out set (seed 1)")):
        t0 = time.process_time()
        r = evaluate_detector(seed=seed, per_kind=per_kind)
        cpu = time.process_time() - t0
        frames = r["clips"] * 80
        print(f"   {label}: {r['clips']} clips, {cpu / frames * 1000:.2f} ms CPU a frame (clip drawing included)")
        for k in ("fire", "smoke"):
            m = r[k]
            print(f"     {k:5s}: precision {m['precision']}, recall {m['recall']} "
                  f"(TP {m['true_positives']}, FP {m['false_positives']}, positives {m['positives']}), "
                  f"mean delay after onset {m['mean_delay_s']} s")
        fp = {}
        for row in r["false_positive_clips"]:
            fp[row["kind"]] = fp.get(row["kind"], 0) + 1
        print(f"     false alarms by clip kind: {fp or 'none'}")
    from feeds import HARD_CLIP_KINDS

    r = evaluate_detector(seed=1, per_kind=per_kind, kinds=HARD_CLIP_KINDS)
    print(f"   limits (made to fail): {', '.join(HARD_CLIP_KINDS)}, {per_kind} clips each")
    for kind, counts in r["by_clip_kind"].items():
        print(f"     {kind:8s}: clips raising fire {counts['fire']}, smoke {counts['smoke']}, nothing {counts['none']}")


def capacity_section(args: argparse.Namespace, url: str, server_pid: int, base_ms: float, predicted: float) -> None:
    print("\n1) 640x360 H.264 at 15 fps over RTSP (TCP) through FeedHub, all subscribed")
    print(f"{'streams':>7} {'online':>6} {'min fps':>7} {'mean fps':>8} {'p95 age s':>9} "
          f"{'our cores':>9} {'server':>7} {'ms/frame':>8} {'vs base':>7}")
    steps = [1, 4, 8] if args.quick else [1, 4, 8, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160]
    best = 0
    cfgs = [FeedConfig(f"B{i:03d}", {"main": stream_from_url(url, width_px=640, height_px=360)})
            for i in range(args.max_streams)]
    with FeedHub(cfgs, grace_s=0.0) as hub:
        subs: list = []
        for n in [s for s in steps if s <= args.max_streams]:
            new = n - len(subs)
            subs += [hub.subscribe(c.camera_id) for c in cfgs[len(subs) : n]]  # the earlier ones stay open
            r = hold(subs, args.hold_s, server_pid, new)
            ms = r["cpu_cores"] * 1000.0 / max(1e-9, r["mean_fps"] * n)
            realtime = r["online"] == n and r["min_fps"] >= 0.95 * FPS and r["p95_age_s"] < 0.5
            print(f"{n:7d} {r['online']:6d} {r['min_fps']:7.1f} {r['mean_fps']:8.1f} {r['p95_age_s']:9.2f} "
                  f"{r['cpu_cores']:9.2f} {r['server_cores']:7.2f} {ms:8.2f} {ms / base_ms:6.2f}x"
                  f"{'' if realtime else '  <- not real time'}", flush=True)
            if not realtime:
                break
            best = n
        for s in subs:
            s.close()
    print(f"=> largest count decoded in real time here: {best} streams "
          f"(prediction from the baseline: {predicted:.0f}; the server and the other tenants share the cores)")


def cost_section(args: argparse.Namespace, url: str, server_pid: int) -> None:
    print("\n2) 216 feeds configured; decode cost against the number subscribed")
    cfgs = [FeedConfig(f"C{i:03d}", {"main": stream_from_url(url, width_px=640, height_px=360)})
            for i in range(216)]
    print(f"{'subscribed':>10} {'open':>5} {'threads':>7} {'our cores':>9} {'cores/stream':>12}")
    ks = [0, 1, 2, 4] if args.quick else [0, 1, 2, 4, 8, 12]
    per1 = None
    with FeedHub(cfgs, grace_s=0.0) as hub:
        for k in ks:
            if k == 0:
                c0, t0 = my_cpu_s(), time.monotonic()
                time.sleep(args.hold_s)
                cpu = (my_cpu_s() - c0) / (time.monotonic() - t0)
                print(f"{0:10d} {hub.open_streams:5d} {threading.active_count():7d} {cpu:9.3f} {'-':>12}", flush=True)
                continue
            subs = [hub.subscribe(c.camera_id) for c in cfgs[:k]]
            r = hold(subs, args.hold_s, server_pid, k)
            for s in subs:
                s.close()
            per = r["cpu_cores"] / k
            per1 = per1 or per
            print(f"{k:10d} {k:5d} {r['threads']:7d} {r['cpu_cores']:9.3f} {per:12.3f}"
                  f"   ({r['cpu_cores'] / per1:.1f}x the cost of one)", flush=True)
            deadline = time.monotonic() + 10
            while hub.threads_alive and time.monotonic() < deadline:
                time.sleep(0.05)


def decode_sections(args: argparse.Namespace, sections: set[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip_640x360_15fps.mp4"
        make_clip(clip, seconds=240 if args.quick else 400)  # every client's pipeline plays it from the start
        base_ms = baseline_decode_ms(clip)
        cores = os.cpu_count() or 1
        predicted = cores * 1000.0 / (FPS * base_ms)
        print(f"baseline: one decoder, from disk, flat out: {base_ms:.2f} ms CPU a frame "
              f"-> {1000 / base_ms:.0f} frames/s a core; {predicted:.0f} streams on {cores} cores if decode were all",
              flush=True)
        server, port = start_server(clip)
        try:
            url = f"rtsp://127.0.0.1:{port}/file0"
            if 1 in sections:
                capacity_section(args, url, server.pid, base_ms, predicted)
            if 2 in sections:
                cost_section(args, url, server.pid)
        finally:
            server.kill()
            server.wait(10)


if __name__ == "__main__":
    sys.exit(main())
