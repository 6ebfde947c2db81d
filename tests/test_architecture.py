"""The house rules, held by the machine: dependency direction (import-linter) and lint (ruff).

The contracts live in ``pyproject.toml``. Besides checking that they hold on this tree, a scratch
copy of the packages gets one deliberately wrong import per rule, and import-linter must report
each one: a contract that cannot fail would hold nothing.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = tuple(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"])


def _lint_imports() -> str:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    exe = str(lint_imports) if lint_imports.exists() else shutil.which("lint-imports")
    assert exe, "import-linter is part of the test extra: pip install -e '.[test]'"
    return exe


def test_import_contracts_hold() -> None:
    r = subprocess.run([_lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "broken" in r.stdout and "0 broken" in r.stdout


#: (file to append to, the wrong import, the contract that must catch it, what its report must show)
WRONG_IMPORTS = [
    ("scenes/hud.py", "import sim.clock", "the root over", "scenes.hud -> sim.clock"),
    ("scenes/city.py", "import feeds.hub", "the root over", "scenes.city -> feeds.hub"),
    ("twin/geo.py", "import sim.queueing", "the root over", "twin.geo -> sim.queueing"),
    ("twin/raster.py", "import matplotlib.pyplot", "twin is pure data", "twin.raster -> matplotlib"),
    ("sim/fire/_engine.py", "import sim.fire.report", "never import their reports", "_engine -> sim.fire.report"),
    ("sim/queueing.py", "import matplotlib", "only reports draw", "sim.queueing -> matplotlib"),
    ("showroom_cli/fire.py", "import sim.fire._study", "private modules", "showroom_cli.fire -> sim.fire._study"),
    ("sim/hypercube.py", "import sim.fire", "no import loops", ".hypercube -> .fire"),
    # a loop: the stream description imports the hub, which imports it through sources (import-linter
    # may name another edge of the loop as the one to cut, so the check is that feeds has a cycle)
    ("feeds/_spec.py", "import feeds.hub", "no import loops", "No cycles are allowed in feeds."),
]


def test_import_contracts_fail_on_a_wrong_import(tmp_path: Path) -> None:
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, tmp_path / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "shaders"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for rel, line, _, _ in WRONG_IMPORTS:
        with open(tmp_path / rel, "a", encoding="utf-8") as fh:
            fh.write(f"\n{line}  # a deliberately wrong import\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path), COLUMNS="400")  # the scratch copy; one line a contract
    r = subprocess.run([_lint_imports(), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                       env=env)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    broken = [ln for ln in out.splitlines() if ln.rstrip().endswith("BROKEN") or " BROKEN (" in ln]
    for _, line, contract, shown in WRONG_IMPORTS:
        assert any(contract in b for b in broken), f"{contract!r} kept despite `{line}`:\n{out[-3000:]}"
        assert shown in out, f"the report does not show {shown!r}:\n{out[-3000:]}"
    # the contracts that no wrong import touches still hold on the copy
    for kept in ("sim runs headless", "feeds is video in"):
        assert any(kept in ln and ln.rstrip().endswith("KEPT") for ln in out.splitlines()), out[-3000:]


def test_the_entry_point_imports_only_the_root_package() -> None:
    # import-linter reads packages; showroom.py is one file, so its imports are checked here
    tree = ast.parse((ROOT / "showroom.py").read_text())
    mods = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    mods |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert {m.split(".")[0] for m in mods} <= {"__future__", "sys", "showroom_cli"}, mods


def test_ruff_is_clean() -> None:
    ruff = Path(sys.executable).with_name("ruff")
    exe = str(ruff) if ruff.exists() else shutil.which("ruff")
    assert exe, "ruff is part of the test extra: pip install -e '.[test]'"
    r = subprocess.run([exe, "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
