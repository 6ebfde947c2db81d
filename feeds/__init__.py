"""Video in: camera streams opened on demand, health-watched, privacy-masked, analysed.

Sources (RTSP at packet level through PyAV, HTTP MJPEG, snapshots, files, synthetic, the scene's
renderer), capture workers with latest-frame semantics and decode levels (full, key frames only,
connected without decoding), health (bitrate and GOP on the wire), privacy masks and analytics
(motion, smoke/fire).

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
from .evaluate import BANDS_PPM, ClipLabel, ClipRun, detection_profile, evaluate_clips, load_labels, run_clip, score
from .firedetect import DetectionEvent, FireDetector, FireDetectorParams
from .health import FeedState, Health
from .hub import DECODE_BY_SIZE, SUB_STREAM_SIZE, TIERS, FeedConfig, FeedHub, Subscription, Watch, decode_for_size
from .motion import MotionMeter
from .privacy import MASK_MODES, PrivacyMask
from .profile import PROFILE_KIND, measure_profile
from .sources import DECODE_LEVELS, KINDS, Renderer, StreamSpec, Timeouts, open_reader, stream_from_url

__all__ = [
    "BANDS_PPM",
    "CLIP_KINDS",
    "DECODE_BY_SIZE",
    "DECODE_LEVELS",
    "HARD_CLIP_KINDS",
    "KINDS",
    "MASK_MODES",
    "PROFILE_KIND",
    "SUB_STREAM_SIZE",
    "TIERS",
    "CaptureWorker",
    "Clip",
    "ClipLabel",
    "ClipRun",
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
    "decode_for_size",
    "detection_profile",
    "evaluate_clips",
    "evaluate_detector",
    "format_table",
    "load_labels",
    "make_clip",
    "measure_profile",
    "open_reader",
    "pattern_frame",
    "redact_text",
    "redact_url",
    "run_clip",
    "score",
    "stream_from_url",
]
