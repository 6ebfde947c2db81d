"""``showroom validate``: every model against its independent reference, as a table (root layer: parse and wire)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from validate import Check

#: Exit code when a model falls outside its stated tolerance (2 stays "bad input").
EXIT_OUT_OF_TOLERANCE = 1


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.6g}"


def _line(r: Check) -> str:
    """One printed row: status, model, figure, then the figures or why the reference is unavailable."""
    mark = {"pass": "ok  ", "fail": "FAIL", "unavailable": "n/a "}[r.status]
    head = f"{mark} {r.model}: {r.figure}"
    if r.status == "unavailable":
        return f"{head}: reference unavailable: {r.note}"
    return (f"{head}: {_num(r.value)} vs {_num(r.expected)} "
            f"(agreement {_num(r.agreement)}, tolerance {r.tolerance})")


def _evaluate_detector(out: Path, clips: Path | None, labels: Path | None) -> Path | None:
    """Run ``showroom feeds evaluate`` into ``out`` when the clips and labels are there; its summary.json."""
    from showroom_cli.common import ROOT

    clips = clips or ROOT.parent / "shared" / "data" / "clips"
    labels = labels or ROOT / "assets" / "clips" / "labels.yaml"
    if not (clips.is_dir() and labels.is_file()):
        print(f"detector: no clips at {clips} or no labels at {labels}: its rows are unavailable")
        return None
    import feeds
    from feeds.evaluate_report import write_evaluation

    print(f"detector: evaluating the labelled clips of {clips} (showroom feeds evaluate) ...", flush=True)
    write_evaluation(feeds.evaluate_clips(clips, labels), out)
    return out / "summary.json"


def _cmd_validate(args: argparse.Namespace) -> int:
    import twin
    import validate
    from showroom_cli.common import load_city

    if args.list:
        for name, what in validate.GROUPS.items():
            print(f"{name:18s} {what}")
        return 0
    if not args.out:
        raise twin.TwinError("showroom validate: --out DIR is required (where the table and plots go)")
    only = [s.strip() for s in args.only.split(",") if s.strip()] if args.only else None
    unknown = sorted(set(only or []) - set(validate.GROUPS))
    if unknown:
        raise twin.TwinError(f"--only: unknown check group(s) {unknown}: use {', '.join(validate.GROUPS)}")
    detector = Path(args.detector_summary) if args.detector_summary else None
    if detector is not None and not detector.exists():
        raise twin.TwinError(f"--detector-summary {detector}: no such file (write one with showroom feeds evaluate)")
    city = load_city(args.city)
    out = Path(args.out)
    if detector is None and not args.quick and (only is None or "detector" in only):
        detector = _evaluate_detector(out / "detector", Path(args.detector_clips) if args.detector_clips else None,
                                      Path(args.detector_labels) if args.detector_labels else None)
    tty = sys.stdout.isatty()

    def progress(name: str, rows: list[validate.Check]) -> None:
        for r in rows:
            print(_line(r), flush=tty)

    result = validate.run_validation(city, quick=args.quick, seed=args.seed, only=only, gdal_python=args.gdal_python,
                                     detector_summary=detector, progress=progress)
    summary = validate.write_validation(result, out, require_all=args.require_all)
    c = summary["counts"]
    print(f"{c['pass']} within tolerance, {c['fail']} outside, {c['unavailable']} reference(s) unavailable "
          f"({result.run_time_s:.0f} s); wrote {out}/summary.json, validation.md, validation.html")
    if c["unavailable"] and not args.require_all:
        print("unavailable references are not counted as failures (use --require-all to make them fail)")
    return 0 if summary["pass"] else EXIT_OUT_OF_TOLERANCE


def add(sub: argparse._SubParsersAction) -> None:
    """Register ``showroom validate``."""
    p = sub.add_parser("validate", help="check every model against its independent reference; exit 1 if any is off")
    p.add_argument("--out", metavar="DIR", help="where summary.json, validation.csv/.md/.html and plots go")
    p.add_argument("--city", metavar="DIR", help="city whose roads the independent router checks (default city)")
    p.add_argument("--quick", action="store_true", help="small instances and short simulations (about 30 s)")
    p.add_argument("--seed", type=int, default=0, help="seed of every instance and simulation (default 0)")
    p.add_argument("--only", metavar="GROUP,...", help="run only these check groups (see --list)")
    p.add_argument("--list", action="store_true", help="list the check groups and exit")
    p.add_argument("--gdal-python", metavar="PATH",
                   help="interpreter with GDAL's Python bindings (default: this one, else /usr/bin/python3)")
    p.add_argument("--detector-summary", metavar="FILE",
                   help="summary.json of showroom feeds evaluate to read instead of evaluating the clips")
    p.add_argument("--detector-clips", metavar="DIR",
                   help="clips a full run evaluates the detector on (default ../shared/data/clips)")
    p.add_argument("--detector-labels", metavar="FILE",
                   help="labels of those clips (default assets/clips/labels.yaml)")
    p.add_argument("--require-all", action="store_true",
                   help="count a reference that cannot run here (GDAL missing, no detector summary) as a failure")
    p.set_defaults(func=_cmd_validate)
