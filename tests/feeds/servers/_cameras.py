"""Free-running cameras for the RTSP test server: one encoder each, running from server start.

A real IP camera encodes whether anybody watches or not, so a client that connects lands somewhere
inside a GOP and must wait for the next key frame. gst-rtsp-server builds a media's pipeline when
the first client asks, which would hand every first client a fresh key frame and hide exactly the
case that breaks long-GOP clients. Here each camera's encoder runs in its own pipeline ending in an
``appsink``; every RTSP session of that mount is an ``appsrc`` fed with copies of the encoded
buffers, retimed onto the session's clock, and nothing flows back (no force-key-unit reaches the
encoder). The encoder's own output is counted, so a test can compare what a client measured with
what the camera really sent.

Imported by ``rtsp_server.py`` (Debian's python3, where ``gi`` lives).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from gi.repository import Gst, GstRtspServer


@dataclass
class CameraSpec:
    """How one camera encodes (``--camera NAME:key=value,...`` on the command line).

    Keys: ``codec`` (h264, h265, mjpeg, or file: ``path``, an H.264 MP4 played in a loop at its own
    pace without re-encoding), ``size`` (WxH), ``fps``, ``gop_s`` (seconds between key frames; 0: the
    encoder's default), ``kbps`` (target bitrate), ``bframes``, ``sdp_only`` (1: parameter sets only
    in the SDP, H.264), ``audio`` (1: a G.711 A-law track), ``pattern`` (videotestsrc pattern;
    ``snow`` keeps a CBR encoder at its target bitrate), ``shared`` (1: all clients share one
    session pipeline, fanned out in C: for benches with hundreds of clients).
    """

    name: str
    codec: str = "h264"
    width: int = 320
    height: int = 180
    fps: int = 15
    gop_s: float = 1.0
    kbps: int = 300
    bframes: int = 0
    sdp_only: bool = False
    audio: bool = False
    pattern: str = "snow"
    path: str = ""
    shared: bool = False

    @classmethod
    def parse(cls, text: str) -> CameraSpec:
        """``NAME:codec=h264,size=320x180,fps=15,gop_s=10,kbps=300,bframes=2,sdp_only=1,audio=1``."""
        name, _, rest = text.partition(":")
        spec = cls(name=name)
        for item in filter(None, rest.split(",")):
            k, _, v = item.partition("=")
            if k == "size":
                spec.width, spec.height = (int(x) for x in v.split("x"))
            elif k in ("fps", "kbps", "bframes"):
                setattr(spec, k, int(v))
            elif k == "gop_s":
                spec.gop_s = float(v)
            elif k in ("sdp_only", "audio", "shared"):
                setattr(spec, k, v not in ("0", "false", ""))
            elif k in ("codec", "pattern", "path"):
                setattr(spec, k, v)
            else:
                raise SystemExit(f"--camera {text!r}: unknown key {k!r}")
        return spec

    @property
    def gop_frames(self) -> int:
        """Frames between key frames (0: the encoder decides)."""
        return round(self.gop_s * self.fps)

    def encoder(self) -> str:
        """The encoder pipeline up to the appsink."""
        if self.codec == "file":  # paced by the appsink's clock (sync=true), as a camera sends
            return (
                f"filesrc location={self.path} ! qtdemux ! h264parse config-interval=-1 "
                "! video/x-h264,stream-format=byte-stream,alignment=au "
                "! appsink name=sink emit-signals=true sync=true max-buffers=64 drop=true"
            )
        src = (
            f"videotestsrc is-live=true pattern={self.pattern} "
            f"! video/x-raw,width={self.width},height={self.height},framerate={self.fps}/1 "
            '! timeoverlay font-desc="Sans 16" '
        )
        gop = self.gop_frames
        if self.codec == "h264":
            # zerolatency forbids B-frames, so a B-frame camera is tuned for quality instead, as most are;
            # scenecut=0: on a noise pattern x264 would otherwise see a scene cut in every frame
            tune = "tune=zerolatency " if self.bframes == 0 else f"bframes={self.bframes} b-adapt=false "
            key = f"key-int-max={gop} " if gop else ""
            fmt = "avc" if self.sdp_only else "byte-stream"
            enc = (
                f"x264enc {tune}speed-preset=ultrafast {key}bitrate={self.kbps} option-string=scenecut=0 "
                f"! video/x-h264,stream-format={fmt},profile={'main' if self.bframes else 'baseline'} "
            )
        elif self.codec == "h265":
            key = f"key-int-max={gop} " if gop else ""
            # repeat-headers: parameter sets with every key frame, so a client that joins late can decode
            enc = (
                f"x265enc tune=zerolatency speed-preset=ultrafast {key}bitrate={self.kbps} "
                "option-string=repeat-headers=1:scenecut=0 ! video/x-h265 "
            )
        elif self.codec == "mjpeg":
            enc = "videoconvert ! video/x-raw,format=I420 ! jpegenc quality=50 "
        else:
            raise SystemExit(f"camera {self.name}: unknown codec {self.codec!r}")
        line = src + "! " + enc + "! appsink name=sink emit-signals=true sync=false max-buffers=64 drop=true"
        if self.audio:  # G.711 A-law at 8 kHz, the usual camera microphone track
            line += (
                " audiotestsrc is-live=true wave=sine freq=440 ! audio/x-raw,rate=8000,channels=1 ! alawenc "
                "! appsink name=asink emit-signals=true sync=false max-buffers=64 drop=true"
            )
        return line

    def session(self) -> str:
        """The launch line of one RTSP session of this camera (appsrc in, payloader(s) out)."""
        if self.codec in ("h264", "file"):
            # config-interval=-1: parameter sets before every key frame; 0: never in band (SDP only)
            pay = f"rtph264pay name=pay0 pt=96 config-interval={0 if self.sdp_only else -1}"
        elif self.codec == "h265":
            pay = "rtph265pay name=pay0 pt=96 config-interval=-1"
        else:
            pay = "rtpjpegpay name=pay0 pt=26"
        line = f"( appsrc name=src is-live=true format=time ! queue ! {pay}"
        if self.audio:
            line += " appsrc name=asrc is-live=true format=time ! queue ! rtppcmapay name=pay1 pt=8"
        return line + " )"


class Camera:
    """One free-running encoder and the RTSP sessions it feeds."""

    def __init__(self, spec: CameraSpec):
        self.spec = spec
        self.pipeline = Gst.parse_launch(spec.encoder())
        self.pipeline.get_by_name("sink").connect("new-sample", self._on_sample, "src")
        if spec.audio:
            self.pipeline.get_by_name("asink").connect("new-sample", self._on_sample, "asrc")
        self._lock = threading.Lock()
        # id(appsrc) -> [appsrc, pipeline, offset_ns or None, "src"/"asrc"]
        self._sessions: dict[int, list] = {}
        self.caps: dict[str, Gst.Caps] = {}
        self.bytes_out = 0
        self.frames_out = 0
        self.keys_out = 0
        self.muted = False

    @property
    def ready(self) -> bool:
        """Whether every track has produced its first buffer (its caps are known)."""
        return all(k in self.caps for k in (("src", "asrc") if self.spec.audio else ("src",)))

    def start(self) -> None:
        """Start encoding (from now on, whether or not anybody watches); a file loops at its end."""
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message::eos", lambda *_a: self.pipeline.seek_simple(
            Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT, 0))
        self.pipeline.set_state(Gst.State.PLAYING)

    def stop(self) -> None:
        """Stop the encoder."""
        self.pipeline.set_state(Gst.State.NULL)

    def _on_sample(self, sink: Gst.Element, which: str) -> Gst.FlowReturn:
        sample = sink.emit("pull-sample")
        buf = sample.get_buffer()
        if which not in self.caps:
            self.caps[which] = sample.get_caps()
        with self._lock:
            if which == "src":
                self.bytes_out += buf.get_size()
                self.frames_out += 1
                self.keys_out += not buf.has_flags(Gst.BufferFlags.DELTA_UNIT)
            sessions = [] if self.muted else [e for e in self._sessions.values() if e[3] == which]
        # reordered frames (B-frames) keep their presentation offset from the decode time
        reorder = buf.pts - buf.dts if Gst.CLOCK_TIME_NONE not in (buf.pts, buf.dts) else 0
        for entry in sessions:
            src, pipe, _, _ = entry
            if src.current_state < Gst.State.PAUSED:  # not yet prepared: nothing to feed
                continue
            if pipe is None:
                pipe = entry[1] = _top(src)
            clock = pipe.get_clock()
            if clock is None:
                continue
            out = buf.copy()
            # stamped with the session's running time now: sent as it comes, as a camera does
            # (and a looping file, whose timestamps restart, stays monotonic)
            now = clock.get_time() - pipe.get_base_time()
            out.dts = now
            out.pts = now + max(0, reorder)
            src.emit("push-buffer", out)
        return Gst.FlowReturn.OK

    def factory(self) -> GstRtspServer.RTSPMediaFactory:
        """A media factory whose every session is fed by this camera (one pipeline per client)."""
        f = GstRtspServer.RTSPMediaFactory()
        f.set_launch(self.spec.session())
        f.set_shared(self.spec.shared)
        f.connect("media-configure", self._on_media)
        return f

    def _on_media(self, _factory: GstRtspServer.RTSPMediaFactory, media: GstRtspServer.RTSPMedia) -> None:
        keys = []
        for which in ("src", "asrc") if self.spec.audio else ("src",):
            src = media.get_element().get_by_name(which)
            if which in self.caps:
                src.set_property("caps", self.caps[which])
            keys.append(id(src))
            with self._lock:
                self._sessions[id(src)] = [src, None, None, which]

        def gone(*_a: object) -> None:
            with self._lock:
                for key in keys:
                    self._sessions.pop(key, None)

        media.connect("unprepared", gone)


def _top(element: Gst.Element) -> Gst.Element:
    while element.get_parent() is not None:
        element = element.get_parent()
    return element
