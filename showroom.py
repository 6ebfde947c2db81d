"""The command-center twin's composition root and command line.

``showroom`` parses a command, loads a :class:`twin.Twin`, wires the sim models, feeds and scenes,
and runs. It computes nothing itself: every figure comes from ``twin``, ``sim``, ``feeds`` or ``scenes``.
Each command lives in its own module of :mod:`showroom_cli`. Run ``showroom --help`` for the commands.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from showroom_cli import (
    capacity,
    city,
    coverage,
    doctor,
    drill,
    feeds,
    fire,
    plan,
    render,
    report,
    sweep,
    validation,
    view,
)
from showroom_cli.common import DEFAULT_CITY, DEFAULT_SEED, ROOT

__all__ = ["COMMANDS", "DEFAULT_CITY", "DEFAULT_SEED", "ROOT", "build_parser", "main"]

# ---------------------------------------------------------------------------------------------
# parser and entry point
# ---------------------------------------------------------------------------------------------
#: Each entry adds one top-level subcommand, in the order ``--help`` lists them: the main job, the
#: planners' commands, the trainers', the video and 3D ones.
COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    report.add, city.add, coverage.add, plan.add, capacity.add, fire.add, sweep.add, drill.add,
    feeds.add, render.add, view.add, doctor.add, validation.add,
]


def build_parser() -> argparse.ArgumentParser:
    """The whole command line (one subparser per command)."""
    parser = argparse.ArgumentParser(
        prog="showroom",
        description="The command-center twin: plan cameras, servers and fire response; drill; walk the city in 3D. "
        "Without a command: the showroom (showroom view).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the process exit code (0 ok, 2 bad input)."""
    import twin

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        # no command: the showroom itself (VR, else a window, else the tour rendered to a video)
        args = parser.parse_args(["view", *(argv or [])])
    try:
        return int(args.func(args) or 0)
    except twin.TwinError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
