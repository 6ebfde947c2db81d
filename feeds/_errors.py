"""Errors of ``feeds``: bad configuration is a :class:`twin.TwinError`; a failing stream is a :class:`StreamError`."""

from __future__ import annotations

from twin import TwinError

__all__ = ["FeedConfigError", "StreamEnded", "StreamError"]


class FeedConfigError(TwinError):
    """A feed cannot be configured as given (unknown URL scheme, bad tier, bad mask): fix the input."""


class StreamError(Exception):
    """A stream failed in a way a reconnect may cure; ``reason`` is one short word for health tables.

    Reasons: ``refused`` (nothing listens), ``timeout`` (no answer in time), ``unauthorized`` (wrong or
    missing credentials), ``protocol`` (the peer does not speak the expected protocol: garbage),
    ``not_found``, ``busy`` (the server said 503: try again soon), ``open`` (the decoder could not
    open the stream), ``read`` (the stream broke), ``decode`` (frames do not decode), ``render`` (a
    renderer failed), ``ended`` (a file reached its end).
    The message never holds credentials.
    """

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class StreamEnded(StreamError):
    """A finite source (a video file that does not loop) has no more frames; the worker stops for good."""

    def __init__(self, message: str = "end of file"):
        super().__init__("ended", message)
