"""The command line: one subparser a command, then dispatch; bad input exits 2 with one clear error.

A command is a module of :mod:`showroom_cli` with ``add(sub)``; :data:`COMMANDS` lists them in the
order ``showroom --help`` shows them.
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

__all__ = ["COMMANDS", "build_parser", "main"]

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
