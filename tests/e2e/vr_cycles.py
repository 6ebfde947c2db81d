"""Run ``showroom view --xr on`` N times in this one process (the Monado cycle test runs it under Xvfb).

After each run: the exit code, the trace's frame counters, and what the process holds (native
threads, Python threads, open file descriptors, what fd 0 is). Writes JSON to the path given.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def held() -> dict:
    fd0 = os.fstat(0) if _is_open(0) else None
    return {
        "native_threads": len(os.listdir("/proc/self/task")),
        "python_threads": threading.active_count(),
        "fds": len(os.listdir("/proc/self/fd")),
        "fd0": None if fd0 is None else [fd0.st_dev, fd0.st_ino],
    }


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def main(out: Path, n: int, seconds: str) -> int:
    import showroom

    runs = [{"held": held()}]
    for k in range(n):
        trace = out.parent / f"cycle{k}.json"
        rc = showroom.main(["view", "--xr", "on", "--seconds", seconds, "--size", "320x180", "--trace", str(trace)])
        runs.append({"rc": rc, "frames": json.loads(trace.read_text())["xr_frames"], "held": held()})
    out.write_text(json.dumps(runs, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
