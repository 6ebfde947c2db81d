"""Credentials never leave ``feeds``: URLs are redacted before anything prints, logs or stores them."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["redact_text", "redact_url", "url_secrets"]

# scheme://user:password@host or scheme://user@host: the userinfo part is everything up to the last
# "@" before the first "/" of the path (passwords may themselves contain "@" or ":").
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^/\s?#]*@)")


def redact_url(url: str) -> str:
    """The URL with its user name and password replaced by ``***`` (``rtsp://***@host/path``).

    Query parameters that carry credentials (``password=``, ``pwd=``, ``token=``, ``auth=``, ``key=``,
    as some camera firmwares use for snapshot URLs) are redacted too.
    """
    return redact_text(url)


_QUERY_SECRET = re.compile(r"(?i)([?&;](?:password|passwd|pwd|pass|token|auth|key|user|username)=)[^&;#\s]*")


def redact_text(text: str, *secrets: str) -> str:
    """Any URL userinfo and credential query value in ``text`` replaced by ``***``; so is each of ``secrets``."""
    out = _USERINFO.sub(lambda m: m.group("scheme") + "***@", text)
    out = _QUERY_SECRET.sub(lambda m: m.group(1) + "***", out)
    for s in secrets:
        if s and len(s) >= 3:
            out = out.replace(s, "***")
    return out


def url_secrets(url: str) -> tuple[str, ...]:
    """The user name and password in ``url`` (empty strings when absent), to scrub from error texts."""
    try:
        parts = urlsplit(url)
        return tuple(s for s in (parts.password or "", parts.username or "") if s)
    except ValueError:
        return ()
