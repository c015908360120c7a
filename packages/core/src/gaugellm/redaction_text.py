"""Masking credentials inside free text (an error message, a URL): the one place that knows what they look like.

Free text reaches a terminal, a log and a report: an error can quote the URL a user typed, a server can echo a
header back. Three shapes are masked wherever they appear:

* the userinfo of a URL: ``http://user:password@host`` keeps the user, ``https://TOKEN@host`` loses it all;
* the value of a query parameter whose name looks like a credential (``?api_key=``, ``&token=``, ``?key=``,
  ``&sig=`` ...), in a full URL or in a bare path such as ``/v1/models?key=...``;
* the credential after an authorization scheme (``Bearer ...``, ``Basic ...``, ``token ...``).

This module imports nothing but :mod:`re`, so the CLI can mask an error message without loading pydantic.
"""

from __future__ import annotations

import re

__all__ = ["MASK", "redact_text"]

#: What a secret is replaced with (pydantic's own mask, so masked dumps and redacted text look alike).
MASK = "**********"

_BEARER = re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{6,}")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/\s@?#]+)@")
_SECRET_PARAM = re.compile(
    r"(?i)([?&;][^=&#\s?]*(?:key|token|secret|pass|pwd|sig|auth|credential|session|cookie|code)[^=&#\s?]*=)"
    r"[^&#\s]+"
)


def _userinfo(match: re.Match[str]) -> str:
    user, colon, _password = match.group(2).partition(":")
    return f"{match.group(1)}{user}:{MASK}@" if colon else f"{match.group(1)}{MASK}@"


def redact_text(text: str) -> str:
    """``text`` with every URL credential, credential-like query value and authorization credential masked."""
    if "://" in text:
        text = _USERINFO.sub(_userinfo, text)
    if "=" in text:
        text = _SECRET_PARAM.sub(lambda match: f"{match.group(1)}{MASK}", text)
    return _BEARER.sub(lambda match: f"{match.group(1)} {MASK}", text)
