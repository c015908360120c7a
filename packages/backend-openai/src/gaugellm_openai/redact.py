"""Scrub secrets out of text that may reach a report, a log or an error message.

Args already mask secrets in dumps and ``repr``. This is the second line of defence for text the backend did not
write itself: an exception's message (which can quote a URL or a header) or a server's error body (a gateway may echo
the request's ``Authorization`` header back).
"""

from __future__ import annotations

from pydantic import SecretStr

from gaugellm_openai.args import OpenAIHTTPBackendArgs

__all__ = ["MASK", "Redactor"]

MASK = "**********"


class Redactor:
    """Replaces every secret value of one backend's args with ``**********``."""

    __slots__ = ("_secrets",)

    def __init__(self, args: OpenAIHTTPBackendArgs) -> None:
        secrets = []
        if args.api_key is not None:
            secrets.append(args.api_key.get_secret_value())
        for value in args.headers.values():
            if isinstance(value, SecretStr):
                secret = value.get_secret_value()
                secrets.append(secret)
                # "Bearer sk-..." also leaks as "sk-..." alone
                scheme, _, credential = secret.partition(" ")
                if credential and scheme.isalpha():
                    secrets.append(credential)
        # longest first, so that a secret containing another is masked whole; very short values would mask
        # innocent text and are not plausible credentials
        self._secrets = tuple(sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text
