"""``showroom doctor``: which system pieces each feature needs, which are missing, and how to install them."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def diagnose() -> dict[str, Any]:
    """Every feature's pieces as found on this machine, and the commands that install what is missing."""
    from showroom_cli import system  # its probes pull in subprocess and more: only ``doctor`` pays for them

    features = []
    apt: list[str] = []
    pip: list[str] = []
    missing_required = []
    for f in system.FEATURES:
        rows = []
        for piece in f.pieces:
            pr = system.probe(piece)
            rows.append({
                "kind": piece.kind, "name": piece.name, "ok": pr.found, "path": pr.path,
                "package": piece.package, "detail": pr.detail,
            })
            if pr.found:
                continue
            if f.required:
                missing_required.append(f"{f.name}: {piece.kind} {piece.name}")
            if piece.kind == "python":
                pip.append(piece.package)
            elif piece.kind == "openxr-runtime":
                if system.MONADO_MANIFEST.is_file():
                    pip.append(f"export XR_RUNTIME_JSON={system.MONADO_MANIFEST}")
            elif piece.package:
                apt.append(piece.package)
        features.append({"feature": f.name, "required": f.required, "note": f.note,
                         "ok": all(r["ok"] for r in rows), "pieces": rows})
    install = []
    if apt:
        pkgs = " ".join(dict.fromkeys(apt))
        install.append(f"sudo apt-get install -y --no-install-recommends {pkgs}   # or: bash .ci/install-debian.sh")
    install += [p if p.startswith("export") else f".venv/bin/{p}" for p in dict.fromkeys(pip)]
    return {"ok": not missing_required, "missing_required": missing_required, "install": install,
            "features": features}


def format_report(doc: dict[str, Any]) -> str:
    """The doctor's report as a table a person reads."""
    lines = []
    for f in doc["features"]:
        tag = "ok" if f["ok"] else ("MISSING" if f["required"] else "missing (optional)")
        lines.append(f"{f['feature']}: {tag}" + (f"  ({f['note']})" if f["note"] and not f["ok"] else ""))
        for r in f["pieces"]:
            if r["ok"]:
                continue
            why = f" - {r['detail']}" if r["detail"] else ""
            pkg = f" [{r['package']}]" if r["package"] else ""
            lines.append(f"    missing {r['kind']} {r['name']}{pkg}{why}")
    if doc["install"]:
        lines.append("to install what is missing:")
        lines += [f"    {c}" for c in doc["install"]]
    else:
        lines.append("every piece is installed")
    return "\n".join(lines)


def _cmd_doctor(args: argparse.Namespace) -> int:
    doc = diagnose()
    print(json.dumps(doc) if args.json else format_report(doc))
    if not doc["ok"]:
        print(f"error: {len(doc['missing_required'])} required piece(s) missing", file=sys.stderr)
        return 1
    return 0


def add(sub: argparse._SubParsersAction) -> None:
    """Add the command's subparser to ``sub``."""
    p = sub.add_parser("doctor", help="which system pieces each feature needs, which are missing, how to install them")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(func=_cmd_doctor)
