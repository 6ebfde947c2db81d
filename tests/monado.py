"""The real OpenXR runtime for tests: Monado (simulated HMD) from ``../shared/tools/monado``, under Xvfb.

Found through ``XR_RUNTIME_JSON`` (default: the manifest at the repo's ``../shared/tools/monado``,
where CI has it too). Missing, the tests that need it fail when ``CI`` is set and are skipped on a
developer's machine without it, with the path they looked at.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MANIFEST = ROOT / ".." / "shared" / "tools" / "monado" / "share" / "openxr" / "1" / "openxr_monado.json"


def runtime_manifest() -> Path:
    """The Monado manifest to use, or fail (CI) / skip (elsewhere) when it is not there."""
    path = Path(os.environ.get("XR_RUNTIME_JSON") or DEFAULT_MANIFEST).resolve()
    if not path.is_file():
        msg = f"Monado's OpenXR manifest not found at {path} (set XR_RUNTIME_JSON or provide ../shared/tools/monado)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


def monado_env(display: str, **extra: str) -> dict[str, str]:
    """The environment for a process on Monado: simulated HMD, null compositor (20 Hz), quiet logs."""
    env = dict(os.environ)
    env.update(
        DISPLAY=display,
        XR_RUNTIME_JSON=str(runtime_manifest()),
        SIMULATED_ENABLE="1",
        XRT_COMPOSITOR_NULL="1",
        XRT_LOG="warning",
        PROBER_LOG="warning",
        XRT_COMPOSITOR_LOG="warning",
    )
    env.update(extra)
    return env


@contextmanager
def xvfb() -> Iterator[str]:
    """A private X display (Xvfb) for the GLX context OpenXR's Xlib binding needs.

    Xvfb picks a free display number itself (``-displayfd``) and says which, so
    two test runs on a shared machine never race for the same number, and the display used is
    always the one this process started.
    """
    exe = shutil.which("Xvfb")
    assert exe, "Xvfb is installed by .ci/install-debian.sh"
    r, w = os.pipe()
    proc = subprocess.Popen(
        [exe, "-displayfd", str(w), "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(w,),
        env=dict(os.environ, DISPLAY=""),
    )
    os.close(w)
    try:
        ready, _, _ = select.select([r], [], [], 15.0)
        assert ready, "Xvfb did not report its display within 15 s"
        number = os.read(r, 64).decode().strip()
        assert number.isdigit(), f"Xvfb exited without a display (exit {proc.poll()})"
        yield f":{number}"
    finally:
        os.close(r)
        proc.terminate()
        proc.wait(timeout=10)
