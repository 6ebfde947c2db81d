"""Where a sweep keeps its finished tasks: an append-only JSON Lines log.

A task is written (and flushed to the operating system) the moment its result reaches the client,
so a crash of the program, a Ctrl-C, a ``kill -9`` or a lost cluster loses at most the tasks in
flight. The log is also fsynced at most ``fsync_interval_s`` apart (and on close), so even a power
cut loses at most that last fraction of a second of results: fsync costs 0.1 to 10 ms on a busy
disk, as much as a short task. ``--resume`` reads the log back, skips what is there and repairs a
last line cut short mid-write. The log is the truth; ``results.csv`` and the summary are rebuilt
from it at the end of every run.
"""

from __future__ import annotations

__all__ = ["TaskStore"]

import json
import os
import time
from pathlib import Path
from typing import Any

from sim.sweep._models import SweepError

MANIFEST = "sweep.json"
TASKS = "tasks.jsonl"
FAILURES = "failures.jsonl"
FORMAT = 1


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


class TaskStore:
    """The finished tasks of one sweep in ``out``; open it with :meth:`open`."""

    def __init__(self, out: Path, manifest: dict[str, Any], *, fsync_interval_s: float = 0.5):
        self.out = out
        self.fsync_interval_s = fsync_interval_s
        self._synced_at = 0.0
        self.manifest = manifest
        self.done: dict[str, dict[str, Any]] = {}
        self.repaired_bytes = 0
        self.duplicates = 0
        self._fh: Any = None
        self._fail_fh: Any = None

    @classmethod
    def open(
        cls, out: str | os.PathLike[str], manifest: dict[str, Any], *, resume: bool, fsync_interval_s: float = 0.5
    ) -> TaskStore:
        """Open (or start) the store in ``out`` for the sweep described by ``manifest``.

        Raises:
            SweepError: ``out`` holds another sweep (a different spec), or holds this one and
                ``resume`` is false (nothing is overwritten).
        """
        out = Path(out)
        if out.exists() and not out.is_dir():
            raise SweepError(f"{out}: is a file, not a folder")
        out.mkdir(parents=True, exist_ok=True)
        store = cls(out, manifest, fsync_interval_s=fsync_interval_s)
        mpath = out / MANIFEST
        tasks = out / TASKS
        started = tasks.exists() and tasks.stat().st_size > 0
        if not resume and mpath.exists() and not started:
            # a sweep that stored no task yet (its cluster was unreachable, say): nothing to keep
            (out / FAILURES).unlink(missing_ok=True)
        elif mpath.exists() or started:
            if not resume:
                raise SweepError(
                    f"{out} already holds a sweep: resume it, or choose another output folder "
                    "(nothing was overwritten)"
                )
            store._check_same_sweep(mpath)
            store._load()
            # the failed tasks of the last run are tried again; their log starts afresh
            (out / FAILURES).unlink(missing_ok=True)
        _write_atomic(mpath, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        return store

    def _check_same_sweep(self, mpath: Path) -> None:
        try:
            old = json.loads(mpath.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise SweepError(f"{mpath}: cannot resume, the manifest is unreadable ({e})") from None
        if old.get("format") != FORMAT:
            raise SweepError(f"{mpath}: written by an incompatible version (format {old.get('format')!r})")
        if old.get("spec_hash") != self.manifest["spec_hash"]:
            a, b = old.get("spec", {}), self.manifest["spec"]
            changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k)) or ["(model code defaults)"]
            raise SweepError(
                f"{self.out} was written by a different sweep (changed: {', '.join(changed)}): "
                "resume needs the same sweep file, or choose another output folder"
            )

    def _load(self) -> None:
        path = self.out / TASKS
        if not path.exists():
            return
        raw = path.read_bytes()
        good_end = 0
        pos = 0
        lineno = 0
        while pos < len(raw):
            nl = raw.find(b"\n", pos)
            lineno += 1
            if nl < 0:  # a last line without its newline: the write was cut short by a crash
                break
            line = raw[pos:nl]
            pos = nl + 1
            try:
                row = json.loads(line)
                tid = row["task"]
            except (ValueError, KeyError, TypeError):
                if pos >= len(raw):  # only the last line may be torn
                    break
                raise SweepError(f"{path} line {lineno}: not a task record; the log is damaged") from None
            good_end = pos
            if tid in self.done:
                self.duplicates += 1
                continue
            self.done[tid] = row
        if good_end < len(raw):
            self.repaired_bytes = len(raw) - good_end
            with open(path, "r+b") as fh:
                fh.truncate(good_end)

    def append(self, row: dict[str, Any]) -> bool:
        """Store one finished task (written and flushed now, fsynced within the interval).

        Returns:
            False when the task was already stored (it is not written twice).
        """
        if row["task"] in self.done:
            self.duplicates += 1
            return False
        if self._fh is None:
            self._fh = open(self.out / TASKS, "a", encoding="utf-8")  # noqa: SIM115 - held open for the run
        self._fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._fh.flush()
        now = time.monotonic()
        if now - self._synced_at >= self.fsync_interval_s:
            os.fsync(self._fh.fileno())
            self._synced_at = now
        self.done[row["task"]] = row
        return True

    def fail(self, record: dict[str, Any]) -> None:
        """Log a task whose model raised; it is not 'done', so ``--resume`` tries it again."""
        if self._fail_fh is None:
            self._fail_fh = open(self.out / FAILURES, "a", encoding="utf-8")  # noqa: SIM115
        self._fail_fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._fail_fh.flush()
        os.fsync(self._fail_fh.fileno())

    def close(self) -> None:
        """Close the logs (every line is already on disk)."""
        for fh in (self._fh, self._fail_fh):
            if fh is not None:
                fh.flush()
                os.fsync(fh.fileno())
                fh.close()
        self._fh = self._fail_fh = None
