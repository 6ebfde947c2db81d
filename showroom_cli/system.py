"""The system pieces each feature needs (Debian packages, commands, libraries, GStreamer elements) and where they stand.

One table, :data:`FEATURES`, says what each feature needs; :func:`probe` looks each piece up on this
machine (is it there, which file provides it, which Debian package owns that file); and
:func:`uncovered` compares the owners with what ``.ci/install-debian.sh`` installs (the packages it
lists and everything they depend on, as apt would pull them in on a fresh machine). ``showroom
doctor`` prints the first; the install test asserts the second is empty, so a piece installed by hand
on a developer's machine cannot hide a missing install step.

Lookups as the Debian tools do them: ``gst-inspect-1.0 ELEMENT`` names an element's plugin file,
``ldconfig -p`` a library's file, ``shutil.which`` a command's, and ``dpkg -S FILE`` (after
resolving links) the package that owns a file.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from showroom_cli.common import ROOT

__all__ = [
    "FEATURES",
    "INSTALL_SCRIPT",
    "Piece",
    "Probe",
    "depends_closure",
    "probe",
    "script_packages",
    "server_gst_elements",
    "uncovered",
]

INSTALL_SCRIPT = ROOT / ".ci" / "install-debian.sh"
SYSTEM_PYTHON = "/usr/bin/python3"
RTSP_SERVER = ROOT / "tests" / "feeds" / "servers" / "rtsp_server.py"
MONADO_MANIFEST = ROOT.parent / "shared" / "tools" / "monado" / "share" / "openxr" / "1" / "openxr_monado.json"


@dataclass(frozen=True)
class Piece:
    """One thing a feature needs from the system.

    ``kind``: ``gst`` (a GStreamer element), ``command`` (on ``PATH``), ``library`` (a shared library
    soname), ``file`` (a path), ``python`` (a module of the interpreter running us; pip installs it)
    or ``openxr-runtime``. ``package`` is the Debian package expected to provide it (what the
    doctor tells a user to install; the install test checks the real owner instead).
    """

    kind: str
    name: str
    package: str


@dataclass(frozen=True)
class Feature:
    """A feature and the pieces it needs; ``required``: the doctor fails without them."""

    name: str
    pieces: tuple[Piece, ...]
    required: bool = True
    note: str = ""


@dataclass
class Probe:
    """What :func:`probe` found for one piece."""

    piece: Piece
    found: bool
    path: str | None = None
    owner: str | None = None  # the Debian package owning ``path`` (None: not from a package, or not found)
    detail: str = ""
    extra: dict[str, str] = field(default_factory=dict)


#: Elements of the feeds test servers' pipelines; :func:`server_gst_elements` reads the real list
#: from the server itself, and the install test checks that this one covers it.
GST_TEST_ELEMENTS = {
    "videotestsrc": "gstreamer1.0-plugins-base", "videoconvert": "gstreamer1.0-plugins-base",
    "appsrc": "gstreamer1.0-plugins-base", "appsink": "gstreamer1.0-plugins-base",
    "audiotestsrc": "gstreamer1.0-plugins-base", "queue": "libgstreamer1.0-0",
    "timeoverlay": "gstreamer1.0-x", "x264enc": "gstreamer1.0-plugins-ugly", "x265enc": "gstreamer1.0-plugins-bad",
    "h264parse": "gstreamer1.0-plugins-bad", "jpegenc": "gstreamer1.0-plugins-good",
    "alawenc": "gstreamer1.0-plugins-good", "rtph264pay": "gstreamer1.0-plugins-good",
    "rtph265pay": "gstreamer1.0-plugins-good", "rtpjpegpay": "gstreamer1.0-plugins-good",
    "rtppcmapay": "gstreamer1.0-plugins-good", "filesrc": "libgstreamer1.0-0", "qtdemux": "gstreamer1.0-plugins-good",
}

FEATURES: tuple[Feature, ...] = (
    Feature("feeds: RTSP capture (PyAV)", (Piece("python", "av", "pip install -e ."),
                                          Piece("python", "cv2", "pip install -e ."))),
    Feature(
        "feeds tests: GStreamer RTSP servers",
        (
            Piece("command", SYSTEM_PYTHON, "python3"),
            Piece("file", "/usr/lib/x86_64-linux-gnu/girepository-1.0/GstRtspServer-1.0.typelib",
                  "gir1.2-gst-rtsp-server-1.0"),
            Piece("file", "/usr/lib/python3/dist-packages/gi/__init__.py", "python3-gi"),
            Piece("command", "gst-inspect-1.0", "gstreamer1.0-tools"),
            *(Piece("gst", e, p) for e, p in sorted(GST_TEST_ELEMENTS.items())),
        ),
    ),
    Feature(
        "render: offscreen through EGL on Mesa's llvmpipe",
        (
            Piece("library", "libEGL.so.1", "libegl1"),
            Piece("library", "libGL.so.1", "libgl1"),
            Piece("library", "libGLESv2.so.2", "libgles2"),
            Piece("file", "/usr/lib/x86_64-linux-gnu/dri/swrast_dri.so", "libgl1-mesa-dri"),
        ),
    ),
    Feature("view: a desktop window (tests run it under Xvfb)",
            (Piece("command", "Xvfb", "xvfb"), Piece("command", "xauth", "xauth"))),
    Feature("video: test clips, MP4 output, benches", (Piece("command", "ffmpeg", "ffmpeg"),)),
    Feature(
        "GIS: GDAL (viewshed cross-check, vector formats)",
        (
            Piece("command", "gdalinfo", "gdal-bin"),
            Piece("command", "gdal-config", "libgdal-dev"),
            Piece("python", "osgeo", 'pip install --no-build-isolation "gdal==$(gdal-config --version)"'),
        ),
    ),
    Feature(
        "Monado for the VR tests (../shared/tools/monado): Vulkan on the CPU (lavapipe), GLX under Xvfb",
        (
            Piece("library", "libvulkan.so.1", "libvulkan1"),
            Piece("file", "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json", "mesa-vulkan-drivers"),
            Piece("library", "libGLX.so.0", "libglx0"),
            Piece("library", "libcjson.so.1", "libcjson1"),
            Piece("library", "libxcb-randr.so.0", "libxcb-randr0"),
        ),
    ),
    Feature(
        "VR: OpenXR loader and runtime",
        (Piece("python", "xr", "pip install -e ."), Piece("openxr-runtime", "active runtime", "")),
        required=False,
        note="without a runtime the showroom falls back to the desktop window",
    ),
)


def _run(argv: list[str], timeout_s: float = 30.0) -> tuple[int, str]:
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return 127, str(e)
    return r.returncode, r.stdout + r.stderr


def owners(paths: list[str]) -> dict[str, str]:
    """Debian package owning each file (links resolved; merged-/usr paths tried both ways); unowned left out."""
    tries: dict[str, list[str]] = {}
    for p in paths:
        cands = [os.path.realpath(p), p]
        for c in list(cands):
            if c.startswith("/usr/"):
                cands.append(c[len("/usr"):])
            else:
                cands.append("/usr" + c)
        tries[p] = list(dict.fromkeys(cands))
    every = sorted({c for cs in tries.values() for c in cs})
    # one dpkg call for all (it exits 1 when some path is unowned but still names the owners of the rest)
    _, text = _run(["dpkg", "-S", *every]) if every else (0, "")
    owner_of: dict[str, str] = {}
    for line in text.splitlines():
        pkgs, sep, path = line.partition(": ")
        if sep and path.strip().startswith("/") and not pkgs.startswith("diversion"):
            owner_of[path.strip()] = pkgs.split(",")[0].split(":")[0].strip()
    out: dict[str, str] = {}
    for p, cands in tries.items():
        hit = next((owner_of[c] for c in cands if c in owner_of), None)
        if hit:
            out[p] = hit
    return out


@functools.lru_cache(maxsize=1)
def _ldconfig_lines() -> tuple[str, ...]:
    """``ldconfig -p``'s listing, read once for every library piece."""
    ldconfig = shutil.which("ldconfig") or next(
        (p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if Path(p).exists()), "ldconfig"
    )
    _, text = _run([ldconfig, "-p"])
    return tuple(text.splitlines())


def _library_path(soname: str) -> str | None:
    hits = [ln for ln in _ldconfig_lines() if ln.split() and ln.split()[0] == soname and "=>" in ln]
    hits.sort(key=lambda ln: "x86-64" not in ln)  # this machine's architecture first
    return hits[0].rsplit("=>", 1)[-1].strip() if hits else None


def _runtime_manifest() -> tuple[Path | None, str]:
    """The manifest the OpenXR loader would use (None and why not when there is none)."""
    env = os.environ.get("XR_RUNTIME_JSON")
    if env:
        return (Path(env), "") if Path(env).is_file() else (None, f"XR_RUNTIME_JSON={env} is not a file")
    for c in (Path("/etc/xdg/openxr/1/active_runtime.json"), Path("/usr/share/openxr/1/active_runtime.json")):
        if c.is_file():
            return c, ""
    if MONADO_MANIFEST.is_file():
        return None, f"no active runtime; the Monado build is there: export XR_RUNTIME_JSON={MONADO_MANIFEST}"
    return None, "no OpenXR runtime (XR_RUNTIME_JSON unset, no active_runtime.json)"


@functools.lru_cache(maxsize=256)
def probe(piece: Piece) -> Probe:
    """Look ``piece`` up on this machine (remembered for the process: the machine does not change under us)."""
    if piece.kind == "python":
        spec = importlib.util.find_spec(piece.name)
        return Probe(piece, spec is not None, spec.origin if spec else None)
    if piece.kind == "command":
        path = shutil.which(piece.name)
        return Probe(piece, path is not None, path)
    if piece.kind == "file":
        return Probe(piece, Path(piece.name).exists(), piece.name if Path(piece.name).exists() else None)
    if piece.kind == "library":
        path = _library_path(piece.name)
        return Probe(piece, path is not None, path)
    if piece.kind == "gst":
        if shutil.which("gst-inspect-1.0") is None:
            return Probe(piece, False, detail="gst-inspect-1.0 is missing (gstreamer1.0-tools)")
        rc, text = _run(["gst-inspect-1.0", piece.name])
        m = re.search(r"^\s*Filename\s+(\S+)", text, re.M)
        return Probe(piece, rc == 0, m.group(1) if m else None, detail="" if rc == 0 else "no such element")
    if piece.kind == "openxr-runtime":
        manifest, why = _runtime_manifest()
        if manifest is None:
            return Probe(piece, False, detail=why)
        try:
            lib = (manifest.parent / json.loads(manifest.read_text())["runtime"]["library_path"]).resolve()
        except (OSError, ValueError, KeyError) as e:
            return Probe(piece, False, str(manifest), detail=f"unreadable manifest ({e.__class__.__name__})")
        if not lib.is_file():
            return Probe(piece, False, str(manifest), detail=f"runtime library {lib} is missing")
        _, text = _run(["ldd", str(lib)])
        missing = sorted({ln.split()[0] for ln in text.splitlines() if "not found" in ln})
        detail = f"libraries not found: {', '.join(missing)}" if missing else f"runtime {lib.name} via {manifest}"
        return Probe(piece, not missing, str(lib), detail=detail)
    raise ValueError(f"unknown piece kind {piece.kind!r}")


def script_packages(script: Path = INSTALL_SCRIPT) -> list[str]:
    """The Debian packages an install script lists in its ``pkgs=( ... )`` array (comments stripped)."""
    text = script.read_text()
    m = re.search(r"pkgs=\((.*?)\n\)", text, re.S)
    if not m:
        raise ValueError(f"{script}: no pkgs=( ... ) array of Debian packages found")
    words: list[str] = []
    for line in m.group(1).splitlines():
        words += line.split("#", 1)[0].split()
    return words


def depends_closure(packages: list[str]) -> set[str]:
    """``packages`` and every package they depend on (Depends and Pre-Depends, first alternative), transitively.

    That is what ``apt-get install --no-install-recommends`` brings onto a fresh machine; the
    dependencies are read from this machine's dpkg database (a package not installed here adds none).
    """
    rc, text = _run(["dpkg-query", "-W", "-f", "${Package}\t${Depends}\t${Pre-Depends}\t${Provides}\n"])
    deps: dict[str, list[str]] = {}
    provided: dict[str, str] = {}
    for line in text.splitlines():
        name, dep, pre, prov = (line.split("\t") + ["", "", ""])[:4]
        firsts = []
        for clause in filter(None, (c.strip() for c in f"{dep},{pre}".split(","))):
            firsts.append(clause.split("|")[0].split("(")[0].split(":")[0].strip())
        deps[name] = firsts
        for p in filter(None, (c.split("(")[0].strip() for c in prov.split(","))):
            provided.setdefault(p, name)
    seen: set[str] = set()
    todo = list(packages)
    while todo:
        p = todo.pop()
        p = p if p in deps else provided.get(p, p)
        if p in seen:
            continue
        seen.add(p)
        todo += deps.get(p, [])
    return seen


@functools.lru_cache(maxsize=1)
def runtime_libraries() -> tuple[tuple[str, str], ...]:
    """The shared libraries the Monado build in ``../shared`` links (soname, path), as ``ldd`` resolves them.

    The build is not a Debian package, but what it links must come from packages the install script
    installs (its README lists them); libraries ``ldd`` cannot find are reported by ``probe``.
    """
    try:
        lib = (MONADO_MANIFEST.parent / json.loads(MONADO_MANIFEST.read_text())["runtime"]["library_path"]).resolve()
    except (OSError, ValueError, KeyError):
        return ()
    _, text = _run(["ldd", str(lib)])
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] == "=>" and parts[2].startswith("/"):
            out.append((parts[0], parts[2]))
    return tuple(out)


def server_gst_elements() -> set[str]:
    """Every GStreamer element the feeds test server's pipelines use (asked of the server itself)."""
    rc, text = _run([SYSTEM_PYTHON, str(RTSP_SERVER), "--print-elements"])
    if rc != 0:
        raise RuntimeError(f"{RTSP_SERVER} --print-elements failed: {text[-500:]}")
    return set(text.split())


def uncovered(script: Path = INSTALL_SCRIPT) -> list[dict[str, str]]:
    """The pieces of every feature that the install script does not provide, with why.

    A piece counts as provided when the Debian package owning it here is in the script's packages or
    their dependencies. Pieces pip installs (``python``) and the OpenXR runtime (a build in
    ``../shared``) are not the script's business and are left out; a piece missing from this machine
    is reported (its package cannot be checked). The libraries the Monado build links are checked too.
    """
    closure = depends_closure(script_packages(script))
    found = [probe(p) for f in FEATURES for p in f.pieces if p.kind not in ("python", "openxr-runtime")]
    found += [Probe(Piece("library", name, ""), True, path) for name, path in runtime_libraries()]
    own = owners([pr.path for pr in found if pr.path])
    out = []
    for pr in found:
        name = f"{pr.piece.kind} {pr.piece.name}"
        if not pr.found or not pr.path:
            out.append({"piece": name, "why": f"not on this machine ({pr.detail or 'missing'})"})
        elif pr.path not in own:
            out.append({"piece": name, "why": f"{pr.path} belongs to no Debian package (installed by hand?)"})
        elif own[pr.path] not in closure:
            out.append({"piece": name, "why": f"{pr.path} is in package {own[pr.path]}, which {script.name} "
                                              "neither lists nor pulls in"})
    return out
