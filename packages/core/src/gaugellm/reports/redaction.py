"""Secrets never reach a report: a last line of defence applied to every free-form dict a report holds.

The runner hands over an already masked dump of the config, but a report is written to disk, mailed around and
attached to issues, so we also mask what a masked dump could still let through: a ``SecretStr`` object put into a
dict by hand, a string under a key that names a credential (``api_key``, ``Authorization``, ``password`` ...), a
``Bearer`` token and the password in a URL such as ``http://user:password@host``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import SecretBytes, SecretStr

__all__ = ["MASK", "is_secret_key", "redact", "redact_text"]

#: What a secret is replaced with (pydantic's own mask, so masked dumps and redacted values look alike).
MASK = "**********"

_SECRET_KEY = re.compile(
    r"(?:^|[_-])(?:api[_-]?key|apikey|access[_-]?key|secret|secret[_-]?key|password|passwd|passphrase|token|"
    r"access[_-]?token|refresh[_-]?token|auth[_-]?token|bearer|authorization|proxy[_-]?authorization|cookie|"
    r"credentials?|private[_-]?key)$",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{6,}")
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+):[^/\s@]+@")


def is_secret_key(key: str) -> bool:
    """Whether a dict key names a credential (``api_key``, ``X-Api-Key``, ``Authorization`` ...)."""
    return bool(_SECRET_KEY.search(key))


def redact_text(text: str) -> str:
    """Mask bearer tokens and URL passwords inside free text (error messages, URLs)."""
    if "://" in text:
        text = _URL_PASSWORD.sub(lambda match: f"{match.group(1)}:{MASK}@", text)
    return _BEARER.sub(lambda match: f"{match.group(1)} {MASK}", text)


def redact(value: Any, key: str | None = None) -> Any:
    """A copy of ``value`` (JSON-like: dicts, lists, scalars) with every secret masked."""
    if isinstance(value, SecretStr | SecretBytes):
        return MASK
    if isinstance(value, Mapping):
        return {str(name): redact(item, str(name)) for name, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(item, key) for item in value]
    if isinstance(value, str):
        if key is not None and is_secret_key(key) and value and value != MASK:
            return MASK
        return redact_text(value)
    if isinstance(value, bytes):
        return MASK if key is not None and is_secret_key(key) else value.decode("utf-8", "replace")
    return value
