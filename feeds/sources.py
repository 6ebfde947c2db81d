"""Where frames come from: a :class:`StreamSpec` per stream and :func:`open_reader` to open it.

Kinds of source, as IP cameras and the twin serve them:

- ``rtsp``: RTSP (H.264/H.265/MJPEG over RTP) demuxed at packet level by PyAV (FFmpeg's libraries):
  TCP interleaved by default (robust through NAT and loss), UDP as an option; ``capture="opencv"``
  keeps the earlier OpenCV capture (frames only: no packets, no bitrate, no decode levels).
- ``mjpeg``: HTTP multipart MJPEG (``multipart/x-mixed-replace``), read by our own parser so that
  timeouts, Basic authentication and the bitrate are under our control.
- ``snapshot``: a JPEG snapshot URL polled every ``poll_s`` seconds.
- ``file``: a video file played at its own frame rate, looping by default.
- ``synthetic``: a test pattern with the camera id and the time burnt in.
- ``render``: frames from a user-supplied :class:`Renderer` (the 3D scene filming the twin from a
  camera's pose).

A reader is opened in the capture worker's thread; every blocking step in it is bounded by
:class:`Timeouts`. Readers pace themselves (a file or a synthetic source sleeps until its next frame
is due), so a worker simply calls :meth:`Reader.read` in a loop.
"""

from __future__ import annotations

import threading

from ._spec import DECODE_LEVELS, KINDS, Reader, Renderer, StreamSpec, Timeouts, file_path, stream_from_url

__all__ = [
    "DECODE_LEVELS",
    "KINDS",
    "Reader",
    "Renderer",
    "StreamSpec",
    "Timeouts",
    "file_path",
    "open_reader",
    "stream_from_url",
]


def open_reader(
    spec: StreamSpec, *, camera_id: str, timeouts: Timeouts, stop: threading.Event, decode: str = "full"
) -> Reader:
    """Open ``spec``; every blocking step is bounded by ``timeouts``, and paced waits end when ``stop`` is set.

    An RTSP stream opened through PyAV is a packet-level reader (``packet_level`` True, a
    ``read_packet`` method and a settable ``decode`` level, see :data:`DECODE_LEVELS`); the others
    return decoded frames.

    Raises:
        StreamError: the stream could not be opened (the reason says why, without credentials).
    """
    # the readers are imported when a stream of their kind opens: PyAV and FFmpeg load only if used
    if spec.kind == "rtsp":
        if spec.capture == "opencv":
            from ._rtsp import RtspReader

            return RtspReader(spec, timeouts)
        from ._av import AvRtspReader

        return AvRtspReader(spec, timeouts, decode)
    if spec.kind == "mjpeg":
        from ._http import MjpegReader

        return MjpegReader(spec, timeouts)
    if spec.kind == "snapshot":
        from ._http import SnapshotReader

        return SnapshotReader(spec, timeouts, stop)
    from ._local import FileReader, RenderReader, SyntheticReader

    if spec.kind == "file":
        return FileReader(spec, timeouts, stop)
    if spec.kind == "synthetic":
        return SyntheticReader(spec, camera_id, stop)
    return RenderReader(spec, camera_id, stop)
