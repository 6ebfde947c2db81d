"""Video in: camera streams opened on demand, health-watched, privacy-masked, analysed.

Sources (RTSP, HTTP MJPEG, snapshots, files, synthetic, the scene's renderer), capture workers with
latest-frame semantics, health, privacy masks and analytics (motion, smoke/fire).

Frames are numpy arrays (BGR ``uint8``). ``feeds`` imports nothing of ours but small ``twin`` types.
Credentials in stream URLs never leave this package: everything it prints, logs or returns holds the
redacted form (``rtsp://***@host/path``).
"""

from __future__ import annotations

from ._errors import FeedConfigError, StreamEnded, StreamError
from ._local import pattern_frame
from ._redact import redact_text, redact_url
from .analytics import FeedAnalytics
from .capture import CaptureWorker, Frame, RetryPolicy
from .check import check_feeds, format_table
from .clips import CLIP_KINDS, HARD_CLIP_KINDS, Clip, evaluate_detector, make_clip
from .firedetect import DetectionEvent, FireDetector, FireDetectorParams
from .health import FeedState, Health
from .hub import SUB_STREAM_SIZE, TIERS, FeedConfig, FeedHub, Subscription, Watch
from .motion import MotionMeter
from .privacy import MASK_MODES, PrivacyMask
from .sources import KINDS, Renderer, StreamSpec, Timeouts, open_reader, stream_from_url

__all__ = [
    "CLIP_KINDS",
    "HARD_CLIP_KINDS",
    "KINDS",
    "MASK_MODES",
    "SUB_STREAM_SIZE",
    "TIERS",
    "CaptureWorker",
    "Clip",
    "DetectionEvent",
    "FeedAnalytics",
    "FeedConfig",
    "FeedConfigError",
    "FeedHub",
    "FeedState",
    "FireDetector",
    "FireDetectorParams",
    "Frame",
    "Health",
    "MotionMeter",
    "PrivacyMask",
    "Renderer",
    "RetryPolicy",
    "StreamEnded",
    "StreamError",
    "StreamSpec",
    "Subscription",
    "Timeouts",
    "Watch",
    "check_feeds",
    "evaluate_detector",
    "format_table",
    "make_clip",
    "open_reader",
    "pattern_frame",
    "redact_text",
    "redact_url",
    "stream_from_url",
]
