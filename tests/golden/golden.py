"""Golden outputs: every analysis command on the default city, small settings, reduced to comparable values.

``run_all(work)`` runs each command of :data:`CASES` in this process (``showroom.main``) into
``work/<case>`` and returns ``{case: {file: digest}}``. A digest holds what the file *means*, not its
bytes where the bytes carry noise:

- ``summary.json`` and other JSON: the parsed document with run timings and absolute paths removed;
- GeoJSON: the parsed document (coordinates kept), or, when it is large, its feature count, its
  property names and a hash of the document with numbers rounded to 9 significant digits;
- CSV: header, row count and a hash of the rows with numbers rounded to 9 significant digits (small
  CSVs are stored whole);
- ``.npz``: per array its shape, dtype and a hash of its values (floats rounded to 9 significant digits);
- the stdout of commands that print their result (``city info --json``), parsed as JSON.

PNG, HTML and Markdown reports are not compared: they hold the same figures as the summaries, drawn
by matplotlib or with a run time in the text.

Record (from a commit whose outputs are right): ``python tests/golden/record.py``. The test
``tests/e2e/test_golden.py`` reruns the cases and compares with the stored digests.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "outputs.json"

#: The seed of every case (the default seed of the CLI, written out so a change of default shows).
SEED = "20141015"

#: name -> the command line, with ``{out}`` standing for the case's output folder and ``{work}`` for
#: the work folder (a case may read an earlier case's output: the plan's cameras).
CASES: dict[str, list[str]] = {
    "city_info": ["city", "info", "--json"],
    "coverage": ["coverage", "--resolution", "4", "--out", "{out}"],
    "coverage_existing_iec": ["coverage", "--cameras", "existing", "--resolution", "4", "--profile",
                              "IEC62676-4:2025", "--night", "--out", "{out}"],
    "plan": ["plan", "--add", "6", "--headings", "4", "--resolution", "4", "--min-spacing", "30", "--out", "{out}"],
    "coverage_plan": ["coverage", "--cameras", "{work}/plan/plan.geojson", "--resolution", "4", "--out", "{out}"],
    "capacity": ["capacity", "--days", "0.5", "--replications", "2", "--seed", SEED, "--out", "{out}"],
    "capacity_plan": ["capacity", "--cameras", "{work}/plan/plan.geojson", "--servers", "3", "--days", "0.25",
                      "--replications", "1", "--faults", "design", "--seed", SEED, "--out", "{out}"],
    "fire": ["fire", "--days", "90", "--rate-scale", "20", "--seed", SEED, "--out", "{out}"],
    "fire_plan_cone": ["fire", "--cameras", "{work}/plan/plan.geojson", "--days", "60", "--rate-scale", "20",
                       "--visibility", "cone", "--standard", "nfpa1710", "--seed", SEED, "--out", "{out}"],
    "drill": ["drill", "assets/drills/market_fire_rush_hour.yaml", "--out", "{out}"],
    "drill_night_html": ["drill", "assets/drills/night_road_closure.yaml", "--format", "html", "--out", "{out}"],
    "coverage_over_time": ["coverage", "--over-time", "--days", "1", "--replications", "1", "--resolution", "4",
                           "--compare", "crews", "--seed", SEED, "--out", "{out}"],
    "sweep_mmc": ["sweep", "{work}/mmc.yaml", "--serial", "--out", "{out}"],
    "report_quick": ["report", "--quick", "--add", "4", "--days", "60", "--seed", SEED, "--out", "{out}"],
}

#: A tiny M/M/c sweep (the sweep engine: grid, seeds, intervals, its CSV and summary).
MMC_SWEEP = """\
name: golden mmc
model: mmc
replications: 3
seed: 7
params:
  servers: [2, 3]
  arrival_rate_per_s: [0.8, 1.2]
fixed:
  service_rate_per_s: 1.0
  customers: 400
  warmup: 50
  target_wait_s: 0.5
"""

#: Keys (JSON and CSV) that hold run times or who ran a task: dropped before comparing. Listed by name,
#: not by pattern, so a real figure whose name happens to hold "wall" or "time" is still compared.
NOISE_KEYS = frozenset({
    "load_s", "run_time_s", "sim_days_per_wall_s", "timing", "timing_s", "timings_s", "wall_s",
    "seconds",  # the report's per-step and MILP wall times
    "worker",  # the sweep's worker address (host:pid)
})
#: Files that are pictures or prose (compared through the summaries instead).
SKIP_SUFFIX = {".png", ".html", ".md", ".mp4", ".jpg", ".log", ".txt"}
#: Above this many characters a JSON/GeoJSON/CSV is stored as a digest instead of whole.
WHOLE_MAX_CHARS = 20_000
SIG = 9


def _round(x: float) -> float:
    if not math.isfinite(x) or x == 0.0:
        return x
    return float(f"{x:.{SIG}g}")


def _clean(doc: Any, subs: list[tuple[str, str]]) -> Any:
    """Drop timing keys, replace run-specific paths, round floats to SIG significant digits."""
    if isinstance(doc, dict):
        return {k: _clean(v, subs) for k, v in doc.items() if k not in NOISE_KEYS}
    if isinstance(doc, list):
        return [_clean(v, subs) for v in doc]
    if isinstance(doc, float):
        return _round(doc)
    if isinstance(doc, str):
        for a, b in subs:
            doc = doc.replace(a, b)
        return doc
    return doc


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _cell(text: str) -> str:
    try:
        v = float(text)
    except ValueError:
        return text
    return repr(_round(v)) if "." in text or "e" in text.lower() or "nan" in text.lower() else text


def _digest_json(path: Path, subs: list[tuple[str, str]]) -> Any:
    doc = _clean(json.loads(path.read_text()), subs)
    text = json.dumps(doc, sort_keys=True)
    if len(text) <= WHOLE_MAX_CHARS:
        return {"json": doc}
    out: dict[str, Any] = {"chars": len(text), "sha": _hash(text)}
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        feats = doc.get("features", [])
        out["features"] = len(feats)
        out["properties"] = sorted({k for f in feats for k in (f.get("properties") or {})})
    elif isinstance(doc, dict):
        out["keys"] = sorted(doc)
    return out


def _digest_jsonl(path: Path, subs: list[tuple[str, str]]) -> Any:
    rows = [_clean(json.loads(line), subs) for line in path.read_text().splitlines() if line.strip()]
    text = json.dumps(rows, sort_keys=True)
    if len(text) <= WHOLE_MAX_CHARS:
        return {"jsonl": rows}
    return {"rows": len(rows), "sha": _hash(text)}


def _digest_csv(path: Path, subs: list[tuple[str, str]]) -> Any:
    rows = list(csv.reader(io.StringIO(path.read_text())))
    header, body = (rows[0], rows[1:]) if rows else ([], [])
    keep = [i for i, h in enumerate(header) if h not in NOISE_KEYS]
    clean = [[_clean(_cell(r[i]), subs) if i < len(r) else "" for i in keep] for r in body]
    text = json.dumps(clean)
    hdr = [header[i] for i in keep]
    if len(text) <= WHOLE_MAX_CHARS:
        return {"header": hdr, "rows": clean}
    return {"header": hdr, "n_rows": len(clean), "sha": _hash(text)}


def _digest_npz(path: Path) -> Any:
    out = {}
    with np.load(path, allow_pickle=False) as z:
        for k in sorted(z.files):
            a = z[k]
            if a.dtype.kind == "f":
                with np.errstate(all="ignore"):
                    r = np.array([_round(float(v)) for v in a.ravel()]) if a.size < 5000 else np.round(a, 6)
                payload = np.ascontiguousarray(r).tobytes()
            else:
                payload = np.ascontiguousarray(a).tobytes()
            out[k] = {"shape": list(a.shape), "dtype": str(a.dtype), "sha": hashlib.sha256(payload).hexdigest()[:20]}
    return {"npz": out}


def digest_dir(out: Path, subs: list[tuple[str, str]]) -> dict[str, Any]:
    """Digest every comparable file under ``out`` (relative path -> digest)."""
    res: dict[str, Any] = {}
    for p in sorted(out.rglob("*")):
        if not p.is_file() or p.suffix.lower() in SKIP_SUFFIX:
            continue
        rel = p.relative_to(out).as_posix()
        if p.suffix in (".json", ".geojson"):
            res[rel] = _digest_json(p, subs)
        elif p.suffix == ".jsonl":
            res[rel] = _digest_jsonl(p, subs)
        elif p.suffix == ".csv":
            res[rel] = _digest_csv(p, subs)
        elif p.suffix == ".npz":
            res[rel] = _digest_npz(p)
        else:
            res[rel] = {"bytes": p.stat().st_size}
    return res


def run_case(name: str, work: Path) -> dict[str, Any]:
    """Run one case into ``work/name`` and digest its outputs (its stdout too, when it prints JSON)."""
    import showroom

    out = work / name
    if any("{work}/plan/" in a for a in CASES[name]) and not (work / "plan").is_dir():
        run_case("plan", work)  # the case reads the plan's cameras
    argv = [a.format(out=out, work=work) for a in CASES[name]]
    buf = io.StringIO()
    err = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
        rc = showroom.main(argv)
    if rc != 0:
        raise RuntimeError(f"golden case {name}: showroom {' '.join(argv)} exited {rc}: {err.getvalue()[-2000:]}")
    subs = [(str(out), "<OUT>"), (str(work), "<WORK>"), (str(ROOT), "<ROOT>")]
    res: dict[str, Any] = {}
    if "--json" in argv:
        res["<stdout>"] = {"json": _clean(json.loads(buf.getvalue()), subs)}
    if out.is_dir():
        res.update(digest_dir(out, subs))
    return res


def run_all(work: Path, names: list[str] | None = None) -> dict[str, Any]:
    """Run the cases (all by default) in order and return their digests."""
    import os

    work.mkdir(parents=True, exist_ok=True)
    (work / "mmc.yaml").write_text(MMC_SWEEP)
    cwd = Path.cwd()
    os.chdir(ROOT)  # cases name assets relative to the repository, as the README does
    try:
        return {n: run_case(n, work) for n in (names or list(CASES))}
    finally:
        os.chdir(cwd)


def compare(got: Any, want: Any, where: str = "") -> list[str]:
    """Differences between two digests, as readable lines (empty when equal)."""
    if isinstance(want, dict) and isinstance(got, dict):
        diffs = []
        for k in sorted(set(want) | set(got)):
            if k not in got:
                diffs.append(f"{where}/{k}: missing now")
            elif k not in want:
                diffs.append(f"{where}/{k}: new (not in the golden)")
            else:
                diffs += compare(got[k], want[k], f"{where}/{k}")
        return diffs
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return [f"{where}: {len(got)} items, golden {len(want)}"]
        return [d for i, (g, w) in enumerate(zip(got, want, strict=True)) for d in compare(g, w, f"{where}[{i}]")]
    if isinstance(want, float) and isinstance(got, float | int) and not isinstance(got, bool):
        if math.isnan(want) and math.isnan(got):
            return []
        if got == want or math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12):
            return []
        return [f"{where}: {got!r}, golden {want!r}"]
    return [] if got == want else [f"{where}: {str(got)[:200]!r}, golden {str(want)[:200]!r}"]


if __name__ == "__main__":  # pragma: no cover - python tests/golden/golden.py prints the digests
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        json.dump(run_all(Path(d), sys.argv[1:] or None), sys.stdout, indent=1, sort_keys=True)
