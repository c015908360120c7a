"""Secrets never reach a report: a last line of defence applied to every free-form dict a report holds.

The runner hands over an already masked dump of the config, but a report is written to disk, mailed around and
attached to issues, so we also mask what a masked dump could still let through: a ``SecretStr`` object put into a
dict by hand, a string under a key that names a credential (``api_key``, ``Authorization``, ``password`` ...), and
in every other string what :mod:`gaugellm.redaction_text` masks in free text (a ``Bearer`` token, the password in a
URL such as ``http://user:password@host``, a credential in a query string such as ``?api_key=...``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import SecretBytes, SecretStr

from gaugellm.redaction_text import MASK, redact_text  # free text (and URLs) are masked there

__all__ = ["MASK", "is_secret_key", "redact", "redact_text"]


_SECRET_KEY = re.compile(
    r"(?:^|[_-])(?:api[_-]?key|apikey|access[_-]?key|secret|secret[_-]?key|password|passwd|passphrase|token|"
    r"access[_-]?token|refresh[_-]?token|auth[_-]?token|bearer|authorization|proxy[_-]?authorization|cookie|"
    r"credentials?|private[_-]?key)$",
    re.IGNORECASE,
)


def is_secret_key(key: str) -> bool:
    """Whether a dict key names a credential (``api_key``, ``X-Api-Key``, ``Authorization`` ...)."""
    return bool(_SECRET_KEY.search(key))


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
