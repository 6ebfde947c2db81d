"""``showroom drill``: a fire-response drill (TRAINING): injects, decisions, score, replay."""

from __future__ import annotations

import argparse
from pathlib import Path

from showroom_cli.common import city_arg, load_city, out_dir


def _cmd_drill(args: argparse.Namespace) -> int:
    from showroom_cli.drill_prompt import TerminalPrompt
    from sim.drill import read_scenario, run_drill
    from sim.drill.report import write_outputs
    from sim.fire import grid_town

    if args.decisions not in ("ask", "auto") and not Path(args.decisions).is_file():
        import twin

        raise twin.TwinError(f"--decisions {args.decisions}: no such file (use ask, auto or a decisions file)")
    sc = read_scenario(args.scenario)
    ref = args.city or sc.city
    city = grid_town() if ref == "grid-town" else load_city(None if ref in (None, "default") else ref)
    ask = TerminalPrompt() if args.decisions == "ask" else None
    res = run_drill(sc, city, decisions=args.decisions, city_ref=ref, ask=ask)
    paths = write_outputs(res, out_dir(args.out), fmt=args.format)
    sco = res.score
    print(f"[TRAINING] {sc.title}: score {sco['score']:g}/100 ({sco['minutes_to_water_total']:.1f} min to water; "
          f"hindsight {sco['hindsight_minutes_total']:.1f}); expected actions met {sco['expected_met']}/"
          f"{len(sco['expected_actions'])}")
    print(f"wrote {paths['report']}, {paths['replay'].name}, {paths['events'].name}, summary.json")
    return 0


def add(sub: argparse._SubParsersAction) -> None:
    """Add the command's subparser to ``sub``."""
    p = sub.add_parser(
        "drill", help="run a fire-response drill (TRAINING): scripted injects, decisions, score, replay"
    )
    p.add_argument("scenario", metavar="SCENARIO.yaml",
                   help="a drill file, e.g. assets/drills/market_fire_rush_hour.yaml")
    city_arg(p)
    p.add_argument("--decisions", default="auto", metavar="ask|auto|FILE",
                   help="ask: the trainee decides at a prompt; auto: nearest free truck (default); FILE: a YAML "
                        "mapping fire -> station, or a replay.jsonl to re-use its decisions")
    p.add_argument("--format", default="md", choices=("md", "html"), help="after-action report format")
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=_cmd_drill)
