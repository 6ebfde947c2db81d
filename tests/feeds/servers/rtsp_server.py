#!/usr/bin/python3
"""A real RTSP server for the feeds tests: GStreamer's gst-rtsp-server, driven from Debian's python3.

Run it with the system interpreter (where ``gi`` lives), not a virtualenv's::

    /usr/bin/python3 tests/feeds/servers/rtsp_server.py --port 0

Mounts (all H.264 over RTP, x264 ``zerolatency``, a key frame every second so a client that joins
late decodes within a second, as IP cameras configured for VMS use do):

- ``/main``  the main stream, ``--width`` x ``--height`` at ``--fps`` (default 640x360 at 15 fps)
- ``/sub``   the sub stream, a quarter of the main one's pixels
- ``/h265``  an H.265 stream at the sub stream's size (x265, from gstreamer1.0-plugins-bad)
- ``/cam<N>`` for N in 0..``--cams``-1: independent main-size streams (one encoder each)
- ``/file<N>`` one per ``--file``: a pre-encoded H.264 MP4 streamed without re-encoding (for benches)
- ``/<NAME>`` one per ``--camera NAME:key=value,...``: a free-running camera (see ``_cameras.py``):
  its encoder runs from server start, so a client joins mid-GOP as with a real camera; GOP, bitrate,
  B-frames, codec (H.264, H.265, MJPEG), parameter sets in band or only in the SDP, an audio track.

``--describe-delay-s`` makes the server answer every DESCRIBE that much later (a slow camera).
Once it listens the server prints ``READY <port>``; with cameras it then prints one line per camera,
``CAMERA <name> <bytes> <frames> <key frames>``, each time it reads a line ``STATS`` on stdin, so a
test compares what a client measured with what the encoder really produced; ``MUTE <name>`` on
stdin stops a camera's video reaching its sessions while they stay up and send RTCP (an encoder that
hung inside a camera whose RTSP server lives on), ``UNMUTE <name>`` resumes it.

With ``--auth`` every mount needs Basic (``--digest``: Digest) authentication (``--user`` / ``--password``); a client
without credentials gets 401 and one with wrong ones 401 again. (gst-rtsp-server answers 404, not
401, when a default token is set for anonymous clients, so the server is either open or closed.)

Test-pattern mounts are shared: every client of a mount gets the same encoder. The server prints
``READY <port>`` on stdout once it listens, then serves until killed (SIGTERM/SIGINT end it cleanly).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _cameras import Camera, CameraSpec  # noqa: E402


def _pattern_launch(width: int, height: int, fps: int, pattern: str, bitrate_kbps: int) -> str:
    return (
        f"( videotestsrc is-live=true pattern={pattern} ! video/x-raw,width={width},height={height},framerate={fps}/1 "
        "! timeoverlay font-desc=\"Sans 24\" "
        f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bitrate={bitrate_kbps} "
        "! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )


def _h265_launch(width: int, height: int, fps: int) -> str:
    return (
        f"( videotestsrc is-live=true pattern=ball ! video/x-raw,width={width},height={height},framerate={fps}/1 "
        f"! x265enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bitrate=200 "
        "! rtph265pay name=pay0 pt=96 config-interval=1 )"
    )


def _file_launch(path: str) -> str:
    return f"( filesrc location={path} ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )"


def launch_elements(launch: str) -> set[str]:
    """The element names in a launch line: words without ``=`` that are not caps, quotes left out."""
    words = re.sub(r'"[^"]*"', " ", launch).replace("(", " ").replace(")", " ").replace("!", " ").split()
    return {w for w in words if "=" not in w and "/" not in w and re.fullmatch(r"[a-z][a-z0-9_-]*", w)}


def all_elements() -> set[str]:
    """Every element any mount of this server can use (each kind of camera included)."""
    lines = [_pattern_launch(64, 64, 15, "smpte", 100), _h265_launch(64, 64, 15), _file_launch("x.mp4")]
    for args in ("codec=h264,audio=1", "codec=h264,bframes=2,sdp_only=1", "codec=h265", "codec=mjpeg"):
        spec = CameraSpec.parse(f"c:{args}")
        lines += [spec.encoder(), spec.session()]
    return set().union(*(launch_elements(x) for x in lines))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on READY)")
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=360)
    ap.add_argument("--fps", type=int, default=15)
    ap.add_argument("--cams", type=int, default=0, help="independent /cam<N> mounts")
    ap.add_argument("--file", action="append", default=[], help="pre-encoded H.264 MP4 served as /file<N>")
    ap.add_argument("--file-shared", action="store_true",
                    help="every client of a /file<N> mount joins one running pipeline (a camera's stream)")
    ap.add_argument("--auth", action="store_true", help="every mount needs Basic authentication")
    ap.add_argument("--digest", action="store_true", help="with --auth: Digest instead of Basic (as most IP cameras)")
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default="s3cret")
    ap.add_argument("--camera", action="append", default=[], help="NAME:codec=h264,gop_s=10,... (see _cameras.py)")
    ap.add_argument("--describe-delay-s", type=float, default=0.0, help="answer DESCRIBE this much later")
    ap.add_argument("--session-timeout-s", type=int, default=0,
                    help="announce this session timeout (a client must send keep-alives within it)")
    ap.add_argument("--print-elements", action="store_true",
                    help="print every GStreamer element any mount's pipeline can use, and exit")
    args = ap.parse_args()
    if args.print_elements:
        print("\n".join(sorted(all_elements())))
        return 0

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    mounts = server.get_mount_points()

    if args.auth:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        if args.digest:
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
            auth.add_digest(args.user, args.password, token)
        else:
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
        server.set_auth(auth)

    def add(path: str, launch: str, *, shared: bool = True, factory: object = None) -> None:
        f = factory or GstRtspServer.RTSPMediaFactory()
        if factory is None:
            f.set_launch(launch)
            f.set_shared(shared)
        if args.auth:
            perms = "user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
            f.add_role_from_structure(Gst.Structure.from_string(perms)[0])
        mounts.add_factory(path, f)

    w, h, fps = args.width, args.height, args.fps
    add("/main", _pattern_launch(w, h, fps, "smpte", 600))
    add("/sub", _pattern_launch(w // 2, h // 2, fps, "ball", 200))
    add("/h265", _h265_launch(w // 2, h // 2, fps))
    for i in range(args.cams):
        add(f"/cam{i}", _pattern_launch(w, h, fps, "smpte", 600))
    for i, path in enumerate(args.file):
        add(f"/file{i}", _file_launch(path), shared=args.file_shared)

    cameras = [Camera(CameraSpec.parse(text)) for text in args.camera]
    for cam in cameras:
        cam.start()
        add(f"/{cam.spec.name}", "", factory=cam.factory())
    deadline = time.monotonic() + 20.0
    while cameras and not all(c.ready for c in cameras):  # a session needs the encoder's caps
        if time.monotonic() > deadline:
            print(f"cameras not encoding: {[c.spec.name for c in cameras if not c.ready]}", file=sys.stderr)
            return 1
        time.sleep(0.02)

    keepalives = [0]

    def on_client(_server: GstRtspServer.RTSPServer, client: GstRtspServer.RTSPClient) -> None:
        if args.describe_delay_s > 0:
            def late(_client: GstRtspServer.RTSPClient, _ctx: object) -> GstRtsp.RTSPStatusCode:
                time.sleep(args.describe_delay_s)  # blocks this server's loop: a slow camera, one at a time
                return GstRtsp.RTSPStatusCode.OK

            client.connect("pre-describe-request", late)

        def alive(_client: GstRtspServer.RTSPClient, ctx: GstRtspServer.RTSPContext) -> GstRtsp.RTSPStatusCode:
            if ctx.session is not None:  # a request inside a session: a keep-alive
                keepalives[0] += 1
            return GstRtsp.RTSPStatusCode.OK

        # the pre- signals: an empty GET_PARAMETER (a keep-alive) is answered without the plain one
        client.connect("pre-get-parameter-request", alive)
        client.connect("pre-options-request", alive)
        if args.session_timeout_s > 0:
            client.connect("new-session", lambda _c, session: session.set_timeout(args.session_timeout_s))

    server.connect("client-connected", on_client)

    if server.attach(None) == 0:
        print(f"cannot listen on {args.host}:{args.port}", file=sys.stderr)
        return 1
    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"READY {server.get_bound_port()}", flush=True)
    if cameras:
        def stats() -> None:
            by_name = {c.spec.name: c for c in cameras}
            for line in sys.stdin:
                words = line.split()
                if len(words) == 2 and words[0] in ("MUTE", "UNMUTE") and words[1] in by_name:
                    # the encoder's output stops reaching the sessions; the sessions (and RTCP) go on
                    by_name[words[1]].muted = words[0] == "MUTE"
                    continue
                if line.strip() == "STATS":
                    out = [f"CAMERA {c.spec.name} {c.bytes_out} {c.frames_out} {c.keys_out}" for c in cameras]
                    out.append(f"KEEPALIVES {keepalives[0]}")
                    print("\n".join(out) + "\nEND", flush=True)

        threading.Thread(target=stats, daemon=True).start()
    loop.run()
    for cam in cameras:
        cam.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
