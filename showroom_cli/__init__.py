"""The commands of ``showroom``, one module a command; ``showroom.py`` parses and dispatches.

Each command module has ``add(sub)``, which adds its subparser (its options and the function that runs
it). A new command is a new module here plus one entry in ``showroom.COMMANDS``. Helpers shared by the
commands are in :mod:`showroom_cli.common`; the 3D window in :mod:`showroom_cli.app` (what it is given:
:mod:`showroom_cli.viewing`); the outputs of
coverage and plan in :mod:`showroom_cli.coverage_report`; the main report in :mod:`showroom_cli.main_report`.
"""

__all__: list[str] = []
