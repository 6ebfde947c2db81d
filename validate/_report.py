"""The validation table on disk: summary.json, validation.csv, validation.md, validation.html and plots."""

from __future__ import annotations

import csv
import html
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twin.cityio import json_safe, write_json

from ._check import STATUSES

if TYPE_CHECKING:
    from . import ValidationResult
    from ._check import Check

COLUMNS = ("model", "figure", "value", "reference", "expected", "agreement", "tolerance", "status", "note")


def _fmt(v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return "-"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 1:
        return f"{v:.4g}"
    if a >= 1e-3:
        return f"{v:.5f}".rstrip("0")
    return f"{v:.2e}"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(checks: list[Check], *, notes: bool = False) -> str:
    """The table as GitHub Markdown (model, figure, value, reference, expected, agreement, tolerance, status)."""
    head = ["model", "figure", "model's value", "reference", "reference value", "agreement", "tolerance", "status"]
    if notes:
        head.append("note")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for c in checks:
        cells = [c.model, c.figure, _fmt(c.value), c.reference, _fmt(c.expected), _fmt(c.agreement), c.tolerance,
                 "**FAIL**" if c.status == "fail" else c.status]
        if notes:
            cells.append(c.note)
        lines.append("| " + " | ".join(_md_cell(str(x)) for x in cells) + " |")
    return "\n".join(lines) + "\n"


def _html(result: ValidationResult, plots: list[str]) -> str:
    rows = []
    for c in result.checks:
        cls = {"pass": "ok", "fail": "bad", "unavailable": "na"}[c.status]
        cells = [c.model, c.figure, _fmt(c.value), c.reference, _fmt(c.expected), _fmt(c.agreement), c.tolerance,
                 c.status, c.note]
        rows.append(f'<tr class="{cls}">' + "".join(f"<td>{html.escape(str(x))}</td>" for x in cells) + "</tr>")
    n_fail, n_na = len(result.failed), len(result.unavailable)
    verdict = "every model within its tolerance" if not n_fail else f"{n_fail} row(s) outside their tolerance"
    if n_na:
        verdict += f"; {n_na} reference(s) unavailable here"
    imgs = "".join(f'<figure><img src="{p}" alt="{html.escape(p)}"></figure>' for p in plots)
    return (
        "<!doctype html><meta charset='utf-8'><title>Validation of the twin's models</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:90%}"
        "td,th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top}tr.bad{background:#fdd}"
        "tr.na{background:#eee}tr.ok td:nth-child(8){color:#070}img{max-width:48%;margin:.5em}</style>"
        f"<h1>Validation of the twin's models</h1><p>{html.escape(verdict)} "
        f"({'quick' if result.quick else 'full'} run, seed {result.seed}, {result.run_time_s:.0f} s).</p>"
        "<table><tr>" + "".join(f"<th>{h}</th>" for h in COLUMNS[:2] + ("model's value",) + COLUMNS[3:]) + "</tr>"
        + "".join(rows) + "</table>" + imgs
    )


def _hc_label(figure: str) -> str:
    m = re.search(r"unit (\d)", figure)
    kind = "loss" if figure.startswith("loss") else ("queue, approx." if "approximation" in figure else "queue, exact")
    return f"{kind}\nunit {m.group(1) if m else '?'}"


def _plots(result: ValidationResult, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    hc = [c for c in result.checks if c.model == "hypercube" and "workload of unit" in c.figure]
    if hc:
        fig, ax = plt.subplots(figsize=(9, 4))
        x = range(len(hc))
        ax.bar([i - 0.2 for i in x], [c.value or 0 for c in hc], 0.4, label="sim.hypercube")
        ax.bar([i + 0.2 for i in x], [c.expected or 0 for c in hc], 0.4, label="Larson & Odoni (1981)")
        ax.set_xticks(list(x), [_hc_label(c.figure) for c in hc], fontsize=8)
        ax.set_ylabel("workload (share of time busy)")
        ax.set_title("Hypercube workloads per unit against the book's worked examples")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / "hypercube.png", dpi=110)
        plt.close(fig)
        files.append("hypercube.png")
    lat = [c for c in result.checks if "p95 live-view latency" in c.figure]
    if lat:
        rho = [c.details["rho"] for c in lat]
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.plot(rho, [c.expected for c in lat], "o-", label="frame-level simulation of the server queue")
        ax.plot(rho, [c.value for c in lat], "s--", label="capacity model (M/G/1 frame queue)")
        ax.plot(rho, [c.details["former_p95_ms"] for c in lat], "x:", label="former draw: Exp(15 ms / (1 - rho))")
        ax.axhline(500.0, color="r", lw=1, label="p95 target")
        ax.set_xlabel("server load rho")
        ax.set_ylabel("p95 live-view latency, ms")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(out / "latency.png", dpi=110)
        plt.close(fig)
        files.append("latency.png")
    return files


def write_validation(result: ValidationResult, out: Path, *, require_all: bool = False) -> dict[str, Any]:
    """Write ``summary.json``, ``validation.csv``, ``validation.md``, ``validation.html`` and plots into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    plots = _plots(result, out)
    with (out / "validation.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow((*COLUMNS, "seconds"))
        for c in result.checks:
            r = c.row()
            w.writerow([r[k] if r[k] is not None else "" for k in COLUMNS] + [r["seconds"]])
    (out / "validation.md").write_text(markdown_table(result.checks, notes=True), encoding="utf-8")
    (out / "validation.html").write_text(_html(result, plots), encoding="utf-8")
    counts = {s: sum(1 for c in result.checks if c.status == s) for s in STATUSES}
    summary = {
        "pass": result.passed(require_all=require_all),
        "complete": not result.unavailable,
        "require_all": require_all,
        "quick": result.quick,
        "seed": result.seed,
        "groups": result.groups,
        "counts": counts,
        "checks": [c.row() for c in result.checks],
        "run_time_s": round(result.run_time_s, 2),
        "files": ["summary.json", "validation.csv", "validation.md", "validation.html", *plots],
    }
    write_json(out / "summary.json", json_safe(summary))
    return summary
