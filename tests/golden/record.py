"""Record the golden outputs: ``python tests/golden/record.py [CASE ...]``.

Runs every case of :mod:`golden` (or the ones named) on the default city and writes their digests to
``tests/golden/outputs.json``. Record only from a commit whose outputs are right, and say in the commit
message why the outputs changed (see ``tests/golden/README.md``).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's packages first

from tests.golden import golden  # noqa: E402


def main(names: list[str]) -> int:
    """Run the cases and write (or update) outputs.json."""
    doc = json.loads(golden.GOLDEN.read_text()) if names and golden.GOLDEN.exists() else {}
    with tempfile.TemporaryDirectory() as d:
        for n in names or list(golden.CASES):
            t0 = time.perf_counter()
            doc[n] = golden.run_all(Path(d), [n])[n]
            print(f"{n}: {len(doc[n])} files, {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    golden.GOLDEN.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    print(f"wrote {golden.GOLDEN} ({golden.GOLDEN.stat().st_size / 1e3:.0f} kB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
