"""Detector bench: CPU per frame of the smoke/fire detector on the real clips, against decoding them.

    .venv/bin/python bench/bench_detector.py [--clips ../shared/data/clips] [--repeat 3]

Every clip of the folder is decoded once into memory; then, per clip, the frames are fed through a
fresh ``feeds.FireDetector`` ``--repeat`` times and the best CPU time (``time.process_time``) is
kept. Baseline, measured in the same run on the same frames: decoding them (OpenCV's FFmpeg), and
the detector without the white-patch balance of the smoke rule (the part added for real footage).
Ratios are against decoding. The last line says how many cameras one core could analyse at 5
frames a second at the measured mean cost. The machine is shared: run it twice and keep the lower.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

from feeds import FireDetector, FireDetectorParams  # noqa: E402

VIDEO = (".mp4", ".avi", ".gif", ".mkv", ".mov", ".webm")


def decode(path: Path) -> tuple[list, list[float], float]:
    """Frames, their times (s) and the CPU seconds decoding took."""
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    frames, times = [], []
    c0 = time.process_time()
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f)
        times.append(cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0)
    cpu = time.process_time() - c0
    cap.release()
    return frames, times, cpu


def detector_cpu(frames: list, times: list[float], params: FireDetectorParams, repeat: int) -> float:
    """Best CPU seconds over ``repeat`` runs of a fresh detector over the frames."""
    best = float("inf")
    for _ in range(repeat):
        det = FireDetector("bench", params)
        c0 = time.process_time()
        for f, t in zip(frames, times, strict=True):
            det.update(f, t)
        best = min(best, time.process_time() - c0)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", default=str(ROOT.parent / "shared" / "data" / "clips"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    d = Path(args.clips)
    files = sorted(f for f in d.iterdir() if f.suffix.lower() in VIDEO)
    if not files:
        print(f"error: no clip in {d}", file=sys.stderr)
        return 2
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start; OpenCV threads "
          f"{cv2.getNumThreads()}")
    default, plain = FireDetectorParams(), FireDetectorParams(white_balance=False)
    print(f"{'clip':52} {'frames':>6} {'size':>9} {'decode':>7} {'detector':>8} {'ratio':>6} {'no WB':>6}"
          "  (ms a frame)")
    tot = {"n": 0, "dec": 0.0, "det": 0.0, "plain": 0.0}
    for f in files:
        frames, times, dec = decode(f)
        if not frames:
            continue
        det = detector_cpu(frames, times, default, args.repeat)
        pl = detector_cpu(frames, times, plain, args.repeat)
        n = len(frames)
        h, w = frames[0].shape[:2]
        print(f"{f.name:52} {n:6d} {w:4d}x{h:<4d} {1000 * dec / n:7.2f} {1000 * det / n:8.2f} "
              f"{det / max(dec, 1e-9):6.2f} {1000 * pl / n:6.2f}")
        tot["n"] += n
        tot["dec"] += dec
        tot["det"] += det
        tot["plain"] += pl
    n = tot["n"]
    ms = 1000 * tot["det"] / n
    print(f"{'all':52} {n:6d} {'':9} {1000 * tot['dec'] / n:7.2f} {ms:8.2f} {tot['det'] / tot['dec']:6.2f} "
          f"{1000 * tot['plain'] / n:6.2f}")
    print(f"white-patch balance costs {1000 * (tot['det'] - tot['plain']) / n:.2f} ms a frame "
          f"({100 * (tot['det'] / tot['plain'] - 1):.0f}% of the detector without it)")
    print(f"one core analyses about {1000 / (ms * 5):.0f} cameras at 5 frames a second (detector only, decoding apart)")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
