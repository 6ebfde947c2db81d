"""The command-center twin's entry point: ``showroom`` (``python showroom.py``) runs :func:`main`.

The composition root is the package :mod:`showroom_cli`: it parses a command, loads a
:class:`twin.Twin`, wires the sim models, feeds and scenes, and runs. It computes nothing itself:
every figure comes from ``twin``, ``sim``, ``feeds`` or ``scenes``. Each command lives in its own
module of :mod:`showroom_cli` (:mod:`showroom_cli.main` lists them). This file imports nothing else,
so the import linter, which reads packages, sees every import of the root.
"""

from __future__ import annotations

import sys

from showroom_cli.common import DEFAULT_CITY, DEFAULT_SEED, ROOT
from showroom_cli.main import COMMANDS, build_parser, main

__all__ = ["COMMANDS", "DEFAULT_CITY", "DEFAULT_SEED", "ROOT", "build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
