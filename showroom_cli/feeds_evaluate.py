"""``showroom feeds evaluate``: the smoke/fire detector run over labelled clips and scored (feeds.evaluate)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from showroom_cli.common import out_dir


def _cmd_feeds_evaluate(args: argparse.Namespace) -> int:
    import feeds
    from feeds.evaluate_report import format_table, write_evaluation

    params = feeds.FireDetectorParams()
    if args.params:
        try:
            doc = json.loads(Path(args.params).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise feeds.FeedConfigError(f"--params {args.params}: cannot read a JSON object of detector "
                                        f"parameters ({e})") from e
        if not isinstance(doc, dict):
            raise feeds.FeedConfigError(f"--params {args.params}: must hold a JSON object of detector parameters")
        known = {f.name for f in dataclasses.fields(params)}
        bad = sorted(set(doc) - known)
        if bad:
            raise feeds.FeedConfigError(f"{args.params}: unknown detector parameter(s) {bad}; known: {sorted(known)}")
        params = dataclasses.replace(params, **doc)
    live = sys.stderr.isatty()
    ev = feeds.evaluate_clips(args.clips, args.labels, params=params,
                              on_clip=(lambda f: print(f"  {f}", file=sys.stderr, flush=True)) if live else None)
    paths = write_evaluation(ev, out_dir(args.out))
    print(format_table(ev))
    if ev["unlabelled"]:
        print(f"not evaluated (no label): {', '.join(ev['unlabelled'])}")
    print(f"wrote {', '.join(p.name for p in paths.values())} in {args.out}")
    return 0


def add(fsub: argparse._SubParsersAction) -> None:
    """Add ``evaluate`` to the ``feeds`` subcommands ``fsub``."""
    q = fsub.add_parser("evaluate", help="run the smoke/fire detector over labelled clips: detection, delay, "
                                         "false alarms per hour, CPU per frame, a detection profile")
    q.add_argument("--clips", required=True, metavar="DIR", help="folder of clips (e.g. ../shared/data/clips)")
    q.add_argument("--labels", required=True, metavar="FILE", help="labels YAML (e.g. assets/clips/labels.yaml)")
    q.add_argument("--params", metavar="FILE", help="JSON of FireDetectorParams fields to override")
    q.add_argument("--out", required=True, metavar="DIR")
    q.set_defaults(func=_cmd_feeds_evaluate)
