"""The background process of a planning session: server sizing and paired fire runs, off the editing process.

Runs in a process of its own (``python -m sim.planning._worker``, started once per session) so its
pure-Python simulation never holds the editing process's interpreter lock: an edit and the frame loop
keep their pace while it works. Its state (the city, the travel-time model, the existing cameras'
fire run) is built once. The two talk pickles over the worker's stdin and stdout (a plain child
process rather than ``multiprocessing``, whose spawn re-imports the caller's main script).
"""

from __future__ import annotations

__all__ = ["WorkerProcess", "fire_figure", "init", "main", "servers_for"]

import dataclasses
import pickle
import subprocess
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from twin import Camera

_STATE: dict[str, Any] = {}


def init(city_bytes: bytes, seed: int, fire_days: float, capacity_days: float, capacity_replications: int) -> None:
    """Load the city (pickled by the session) and the run settings into this process."""
    _STATE.update(city=pickle.loads(city_bytes), seed=seed, fire_days=fire_days, capacity_days=capacity_days,
                  capacity_replications=capacity_replications, travel=None, base=None)


def servers_for(top: int, cameras: list[Camera]) -> int:
    """Recording servers :func:`sim.capacity.plan_capacity` sizes for ``cameras`` padded to ``top`` cameras.

    The padding copies the cameras in turn, so the figure holds for any count in the band.
    """
    from sim.capacity import CapacityConfig, plan_capacity

    if not cameras:
        return 0
    padded = list(cameras)
    k = 0
    while len(padded) < top:
        c = cameras[k % len(cameras)]
        padded.append(dataclasses.replace(c, id=f"{c.id}~band{k}"))
        k += 1
    cfg = dataclasses.replace(CapacityConfig(), days=_STATE["capacity_days"])
    plan = plan_capacity(padded, _STATE["city"].command_center.server_room,
                         replications=_STATE["capacity_replications"], config=cfg, seed=_STATE["seed"])
    return int(plan.evaluation.room.servers)


def fire_figure(cameras: list[Camera]) -> dict[str, float | int]:
    """Minutes saved per fire by ``cameras`` against the city's existing cameras, on the same fires.

    Returns the mean, its 95% confidence interval, the total and the fires counted.
    """
    import numpy as np

    from sim.fire import FireParams, minutes_saved, run_fire
    from sim.travel import TravelModel

    city = _STATE["city"]
    params = FireParams()
    if _STATE["travel"] is None:
        _STATE["travel"] = TravelModel(city.roads, city.fire_stations, params.travel)
    kw: dict[str, Any] = dict(days=_STATE["fire_days"], seed=_STATE["seed"], params=params, compare=False,
                              travel=_STATE["travel"], sensitivity=False)
    if _STATE["base"] is None:
        _STATE["base"] = run_fire(city, cameras="existing", **kw).with_cameras.outcome
    plan = run_fire(city, cameras=list(cameras), **kw).with_cameras.outcome
    s = minutes_saved(plan, _STATE["base"])
    lo, hi = s.get("mean_ci95") or [s["mean"], s["mean"]]
    return {"mean": float(s["mean"]), "lo": float(lo), "hi": float(hi), "total": float(s["total_minutes"]),
            "n": int(np.isfinite(plan.t_water).sum())}


_CALLS = {"init": init, "servers_for": servers_for, "fire_figure": fire_figure}


def main() -> None:
    """Serve calls: read ``(name, args)`` pickles from stdin, write ``(ok, result)`` pickles to stdout."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but answers goes down the pipe
    inp = sys.stdin.buffer
    while True:
        try:
            name, args = pickle.load(inp)
        except EOFError:
            return
        try:
            res: tuple[bool, Any] = (True, _CALLS[name](*args))
        except Exception as e:  # the caller reports it; the worker keeps serving
            res = (False, f"{type(e).__name__}: {e}")
        pickle.dump(res, out)
        out.flush()


class WorkerProcess:
    """The session's end of the worker: start it, call it (blocking, outside the interpreter lock), stop it."""

    def __init__(self, *init_args: Any) -> None:
        self._proc = subprocess.Popen([sys.executable, "-m", "sim.planning._worker"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE)
        self.call("init", *init_args)

    def call(self, name: str, *args: Any) -> Any:
        """Run ``name(*args)`` in the worker and return its result; RuntimeError with its message on failure."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        pickle.dump((name, args), self._proc.stdin)
        self._proc.stdin.flush()
        ok, res = pickle.load(self._proc.stdout)
        if not ok:
            raise RuntimeError(res)
        return res

    def close(self, *, kill: bool = False) -> None:
        """Stop the worker: it ends when its stdin closes, or at once with ``kill`` (a run in progress is lost)."""
        if kill:
            self._proc.kill()
        if self._proc.stdin is not None:
            try:
                self._proc.stdin.close()
            except OSError:
                pass  # the pipe broke with the killed worker
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()


if __name__ == "__main__":
    main()
