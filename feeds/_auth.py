"""HTTP/RTSP authentication headers (Basic and Digest, RFC 7617 / RFC 2617), built without logging anything."""

from __future__ import annotations

import base64
import hashlib
import re

__all__ = ["authorization"]


def authorization(user: str, password: str, method: str, uri: str, challenge: str) -> str:
    """The ``Authorization`` header value answering ``challenge`` (a ``WWW-Authenticate`` value).

    Digest when the server asks for it (MD5, with ``qop=auth`` when offered), Basic otherwise.
    """
    if not challenge.lower().startswith("digest"):
        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    fields = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
    realm, nonce = fields.get("realm", ""), fields.get("nonce", "")
    ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()  # noqa: S324 (RFC 2617 mandates MD5)
    ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()  # noqa: S324
    head = f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}"'
    if "auth" in fields.get("qop", "").split(","):
        nc, cnonce = "00000001", hashlib.md5(nonce.encode()).hexdigest()[:16]  # noqa: S324
        resp = hashlib.md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode()).hexdigest()  # noqa: S324
        return head + f', qop=auth, nc={nc}, cnonce="{cnonce}", response="{resp}"'
    resp = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()  # noqa: S324
    return head + f', response="{resp}"'
