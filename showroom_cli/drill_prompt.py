"""The trainee's terminal prompt for ``showroom drill --decisions ask``.

The drill model (:func:`sim.drill.run_drill`) asks a function at each dispatch decision; this is the
command line's: it prints the fire and the options, reads a number, a station id, Enter (the policy's
choice) or ``s`` (the status of trucks and fires), and when input runs out lets the policy decide the
rest.
"""

from __future__ import annotations

__all__ = ["TerminalPrompt"]

import sys
from typing import IO, Any

MUTUAL_AID_ID = "mutual_aid"


def _mmss(s: float) -> str:
    s = max(float(s), 0.0)
    return f"{int(s // 60):d}:{int(s % 60):02d}"


class TerminalPrompt:
    """Ask the trainee at a terminal (or any pair of text streams: a pipe, a test's StringIO).

    Args:
        inp: where answers are read (default stdin).
        out: where the prompt is written (default stdout).
    """

    def __init__(self, inp: IO[str] | None = None, out: IO[str] | None = None) -> None:
        self.inp = inp
        self.out = out
        self.eof = False

    def __call__(self, point: Any) -> int:
        """The index of the option chosen at ``point`` (a :class:`sim.drill.DecisionPoint`)."""
        out = self.out or sys.stdout
        inp = self.inp or sys.stdin
        if self.eof:
            return 0
        options = point.options
        print(f"\n[TRAINING] {point.clock} (T+{_mmss(point.t_s)})  fire {point.incident}: {point.growth} growth, "
              f"about {point.kw_now:,.0f} kW now, detected {_mmss(point.detected_after_s)} after ignition", file=out)
        for k, o in enumerate(options, 1):
            aid = o.station_id == MUTUAL_AID_ID
            extra = "from outside the city" if aid else f"{o.free_trucks} free"
            mark = "  <- nearest by road (the policy's choice)" if k == 1 and not aid else ""
            print(f"  {k}) {o.station_id:<12} ETA {_mmss(o.eta_s)}  ({extra}){mark}", file=out)
        while True:
            print(f"  dispatch which? [1-{len(options)}, Enter = 1, s = status]: ", end="", file=out, flush=True)
            line = inp.readline()
            if line == "":
                self.eof = True
                print("\n  (no more input: the policy decides the rest)", file=out)
                return 0
            line = line.strip()
            if line == "":
                return 0
            if line.lower() in ("s", "status", "?"):
                self._status(point.status(), out)
                continue
            if line.isdigit() and 1 <= int(line) <= len(options):
                return int(line) - 1
            names = [o.station_id.lower() for o in options]
            if line.lower() in names:
                return names.index(line.lower())
            print(f"  '{line}' is not an option: type a number 1-{len(options)} or a station id", file=out)

    @staticmethod
    def _status(snap: dict[str, Any], out: IO[str]) -> None:
        busy: dict[str, list[str]] = {}
        for name, st in snap["trucks"].items():
            busy.setdefault(st["state"], []).append(name)
        print("  trucks: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(busy.items())), file=out)
        fires = ", ".join(f"{k} {v['kw']:,.0f} kW ({v['state']})" for k, v in snap["fires"].items()) or "none"
        print(f"  fires:  {fires}", file=out)
