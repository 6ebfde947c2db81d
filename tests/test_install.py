"""The install is complete: every system piece the tests and features use comes from a package that
``.ci/install-debian.sh`` installs, whatever else happens to be installed on this machine; and
``showroom doctor`` says what is missing and how to install it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from showroom_cli import system

ROOT = system.ROOT


def test_every_piece_the_tests_use_comes_from_the_install_script() -> None:
    problems = system.uncovered()
    assert problems == [], "\n".join(f"{p['piece']}: {p['why']}" for p in problems)


def test_the_libraries_the_monado_build_links_are_checked_too() -> None:
    libs = dict(system.runtime_libraries())
    assert {"libcjson.so.1", "libvulkan.so.1", "libusb-1.0.so.0"} <= set(libs), libs  # from its README's list
    owners = system.owners(list(libs.values()))
    assert set(owners) == set(libs.values()), "a library Monado links belongs to no Debian package"


def test_the_piece_list_covers_every_element_of_the_test_servers() -> None:
    """The doctor's list of GStreamer elements holds every element the RTSP server's pipelines use."""
    used = system.server_gst_elements()
    assert {"x264enc", "timeoverlay", "rtph264pay", "appsrc"} <= used  # the server really was asked
    listed = {p.name for f in system.FEATURES for p in f.pieces if p.kind == "gst"}
    assert used <= listed, f"elements used by tests/feeds/servers but not checked: {sorted(used - listed)}"


@pytest.mark.parametrize(
    ("package", "piece"),
    [
        ("gstreamer1.0-x", "gst timeoverlay"),  # the one that made 12 tests fail on a fresh machine
        ("gstreamer1.0-plugins-ugly", "gst x264enc"),
        ("gstreamer1.0-tools", "command gst-inspect-1.0"),
        ("gir1.2-gst-rtsp-server-1.0", "file /usr/lib/x86_64-linux-gnu/girepository-1.0/GstRtspServer-1.0.typelib"),
        ("xvfb", "command Xvfb"),
        ("ffmpeg", "command ffmpeg"),
        ("gdal-bin", "command gdalinfo"),
    ],
)
def test_a_script_with_a_package_removed_fails_the_check(tmp_path, package, piece) -> None:
    text = system.INSTALL_SCRIPT.read_text()
    cut = re.sub(rf"(?<=\s){re.escape(package)}(?=\s)", "", text, count=1)
    assert cut != text, f"{package} is not in the script"
    copy = tmp_path / "install-debian.sh"
    copy.write_text(cut)
    problems = system.uncovered(copy)
    assert [p["piece"] for p in problems] == [piece], problems
    hit = next(p for p in problems if p["piece"] == piece)
    assert package in hit["why"] and "neither lists nor pulls in" in hit["why"]


def test_script_packages_reads_the_array_and_ignores_comments(tmp_path) -> None:
    s = tmp_path / "i.sh"
    s.write_text("set -e\npkgs=(\n  a b   # c d\n  e\n)\nother=(x)\n")
    assert system.script_packages(s) == ["a", "b", "e"]
    s.write_text("apt-get install foo\n")
    with pytest.raises(ValueError, match="no pkgs=\\( ... \\) array"):
        system.script_packages(s)


def _doctor(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "showroom", "doctor", "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_doctor_passes_here_and_names_the_fix_when_pieces_are_missing() -> None:
    env = {k: v for k, v in os.environ.items() if k != "XR_RUNTIME_JSON"}
    ok = _doctor(env)
    doc = json.loads(ok.stdout)
    assert ok.returncode == 0 and doc["ok"] and doc["missing_required"] == [], ok.stdout + ok.stderr
    vr = next(f for f in doc["features"] if f["feature"].startswith("VR"))
    assert vr["required"] is False and vr["ok"] is False  # no active runtime: optional, so still exit 0
    assert any("XR_RUNTIME_JSON=" in c for c in doc["install"])
    # a PATH without the system's commands: the commands are missing, with the packages that hold them
    bad = _doctor({**env, "PATH": "/nonexistent"})
    doc = json.loads(bad.stdout)
    assert bad.returncode == 1 and not doc["ok"], bad.stdout
    assert "view: a desktop window (tests run it under Xvfb): command Xvfb" in doc["missing_required"]
    apt = next(c for c in doc["install"] if c.startswith("sudo apt-get install"))
    for pkg in ("xvfb", "ffmpeg", "gstreamer1.0-tools", "gdal-bin"):
        assert f" {pkg} " in apt
    assert "required piece(s) missing" in bad.stderr
