"""Arguments of the ``openai_http`` backend (imports pydantic and gaugellm only, never httpx).

These args are validated by the CLI, listed by ``gaugellm backends show openai_http`` and shipped to worker processes,
none of which should pay for an HTTP client. Secrets (the API key and any header that looks like a credential) are
``SecretStr``: masked in every dump, ``repr`` and error, revealed only by ``model_dump_revealed`` for a worker.
"""

from __future__ import annotations

import os
import re
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from gaugellm import BackendArgs

__all__ = [
    "API_KEY_ENV",
    "MAX_BATCH_SIZE",
    "POOLING_KINDS",
    "ApiKind",
    "DEFAULT_ROUTES",
    "OpenAIHTTPBackendArgs",
    "RequestFormat",
    "is_sensitive_header",
]

#: The environment variable the API key defaults to, as the OpenAI SDK does.
API_KEY_ENV = "OPENAI_API_KEY"

#: The longest connect or read timeout accepted: longer is a typo, and would overflow the event loop's timers.
MAX_TIMEOUT_S = 86_400.0

#: The most inputs one request may carry (batch_size): more is a typo, and would build a body of gigabytes.
MAX_BATCH_SIZE = 65_536

#: Which endpoint a request goes to: chat messages, a plain prompt, or the Responses API's input items.
RequestFormat = Literal[
    "/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/embeddings", "/v1/rerank", "/v1/score"
]

#: The protocol family of a request format: which body is built and how the answer is read.
ApiKind = Literal["chat", "completions", "responses", "embeddings", "rerank", "score"]

#: The request kinds that generate nothing: one whole answer, never streamed.
POOLING_KINDS: tuple[ApiKind, ...] = ("embeddings", "rerank", "score")

_KINDS: dict[str, ApiKind] = {
    "/v1/chat/completions": "chat",
    "/v1/completions": "completions",
    "/v1/responses": "responses",
    "/v1/embeddings": "embeddings",
    "/v1/rerank": "rerank",
    "/v1/score": "score",
}

_FORMAT_ALIASES: dict[str, str] = {
    "chat": "/v1/chat/completions",
    "chat_completions": "/v1/chat/completions",
    "chat/completions": "/v1/chat/completions",
    "completions": "/v1/completions",
    "text": "/v1/completions",
    "text_completions": "/v1/completions",
    "responses": "/v1/responses",
    "embeddings": "/v1/embeddings",
    "rerank": "/v1/rerank",
    "score": "/v1/score",
}

#: Logical route name -> default path (relative to the target, which has any trailing ``/v1`` removed).
DEFAULT_ROUTES: dict[str, str] = {
    "chat_completions": "/v1/chat/completions",
    "completions": "/v1/completions",
    "responses": "/v1/responses",
    "embeddings": "/v1/embeddings",
    "rerank": "/v1/rerank",
    "score": "/v1/score",
    "models": "/v1/models",
    "health": "/health",
}

# Header names that carry credentials in practice (Authorization, X-Api-Key, Cookie, Ocp-Apim-Subscription-Key, ...).
_SENSITIVE_NAME = re.compile(r"auth|key|token|secret|cookie|session|passw|credential|signature", re.IGNORECASE)
_SENSITIVE_VALUE = re.compile(r"^\s*(bearer|basic|token|digest)\s", re.IGNORECASE)


def is_sensitive_header(name: str, value: str = "") -> bool:
    """Whether a header looks like it carries a credential, by its name or by an auth-scheme value."""
    return bool(_SENSITIVE_NAME.search(name) or _SENSITIVE_VALUE.match(value))


def _api_key_from_env() -> SecretStr | None:
    value = os.environ.get(API_KEY_ENV)
    return SecretStr(value) if value else None


class OpenAIHTTPBackendArgs(BackendArgs):
    """An OpenAI-compatible HTTP server (vLLM, TGI, llama.cpp, SGLang, gateways, OpenAI itself)."""

    type: Literal["openai_http"] = Field(default="openai_http", description="The backend's name: openai_http.")
    target: str = Field(
        description="Base URL of the server, e.g. http://127.0.0.1:8000 (a trailing '/' or '/v1' is fine).",
    )
    model: str | None = Field(
        default=None,
        description="Model name sent with every request; default: the first model of GET /v1/models.",
    )
    request_format: RequestFormat = Field(
        default="/v1/chat/completions",
        description=(
            "Endpoint requests go to: '/v1/chat/completions' (chat messages; a plain prompt becomes one user "
            "message), '/v1/completions' (a plain prompt; chat messages are flattened to 'role: content' lines) "
            "'/v1/responses' (the Responses API: messages or the prompt become its input), or, never streamed, "
            "'/v1/embeddings', '/v1/rerank' or '/v1/score' (see batch_size). Aliases: chat, completions, "
            "responses, embeddings, rerank, score."
        ),
    )
    api_key: SecretStr | None = Field(
        default_factory=_api_key_from_env,
        description=(
            f"Sent as 'Authorization: Bearer ...'; default: the environment variable {API_KEY_ENV}. Never printed."
        ),
    )
    headers: dict[str, str | SecretStr] = Field(
        default_factory=dict,
        description=(
            "Extra HTTP headers sent with every request. Values of credential-like headers (Authorization, *key*, "
            "*token*, Cookie, ...) are kept secret and never printed."
        ),
    )
    api_routes: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Override request paths by name: chat_completions, completions, responses, embeddings, rerank, score, "
            "models, health "
            '(e.g. {"health": "/ping"}); a path may carry a query string.'
        ),
    )
    connect_timeout: float = Field(
        default=10.0,
        gt=0,
        le=MAX_TIMEOUT_S,
        description="Seconds to wait for a TCP/TLS connection before the request fails.",
    )
    read_timeout: float | None = Field(
        default=600.0,
        gt=0,
        le=MAX_TIMEOUT_S,
        description="Seconds to wait for the next bytes of a response (not the whole response); null: no limit.",
    )
    http2: bool = Field(
        default=False,
        description="Use HTTP/2 where the server offers it (TLS + ALPN); needs the 'http2' extra (the h2 package).",
    )
    verify: bool | str = Field(
        default=True,
        description="Verify TLS certificates (on by default); false to skip, or the path of a CA bundle file.",
    )
    follow_redirects: bool = Field(default=False, description="Follow HTTP redirects (3xx) instead of failing.")
    http_client: Literal["auto", "httpx"] = Field(
        default="auto",
        description=(
            "auto: streamed requests use gaugellm's lean HTTP/1.1 client (about 6x less client CPU per stream) "
            "unless http2, max_connections, follow_redirects, a proxy or unusual headers need httpx; "
            "httpx: every request through httpx."
        ),
    )
    validate_backend: bool | str = Field(
        default=True,
        description=(
            "Readiness check before the run: true: GET /health, falling back to GET /v1/models where a server "
            "(e.g. a gateway) has no /health; a path: GET that path; false: no check."
        ),
    )
    stream: bool = Field(default=True, description="Stream responses (server-sent events) to time every token.")
    max_tokens: int | None = Field(
        default=None,
        ge=1,
        description="Output token budget for requests that do not set their own; null: the server's default.",
    )
    ignore_eos: bool = Field(
        default=False,
        description="Send ignore_eos=true (vLLM, SGLang) so that every request generates exactly max_tokens.",
    )
    continuous_usage: bool = Field(
        default=False,
        description=(
            "Ask for usage on every streamed chunk (vLLM's stream_options.continuous_usage_stats) so that chunks "
            "carrying several tokens are counted exactly."
        ),
    )
    extra_body: dict[str, Any] = Field(
        default_factory=dict,
        description='JSON merged into every request body (e.g. {"temperature": 0}); request params override it.',
    )
    batch_size: int = Field(
        default=1,
        ge=1,
        le=MAX_BATCH_SIZE,
        description=(
            "Inputs per request where a request holds several: /v1/embeddings inputs, /v1/rerank documents, "
            "/v1/score text_2 items (the request's prompt, or its messages flattened, repeated this many times)."
        ),
    )
    max_connections: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Most connections one worker opens; null: no limit (a limit makes excess requests queue in the "
            "client, which inflates their time to first token)."
        ),
    )

    @field_validator("target")
    @classmethod
    def _check_target(cls, value: str) -> str:
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("target must be an http:// or https:// URL with a host, e.g. http://127.0.0.1:8000")
        if parts.username or parts.password:
            raise ValueError("target must not carry credentials (user:password@); use api_key or headers instead")
        if parts.query or parts.fragment:
            # routes are appended to the target, so a query there would end up in the middle of every URL; and it
            # often holds a key (?api_key=...), which a URL would then print wherever it goes
            raise ValueError(
                "target must not carry a query string or fragment; give a key as api_key or in headers, and other "
                "query parameters with the paths in api_routes"
            )
        try:
            parts.port  # noqa: B018 - parsing the port is the check: out of range raises ValueError
        except ValueError:
            raise ValueError("target has an invalid port; ports go from 1 to 65535") from None
        return value

    @field_validator("request_format", mode="before")
    @classmethod
    def _format_alias(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _FORMAT_ALIASES.get(value.strip().lower(), value)
        return value

    @field_validator("api_key", mode="before")
    @classmethod
    def _empty_key_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("headers", mode="after")
    @classmethod
    def _protect_headers(cls, value: dict[str, str | SecretStr]) -> dict[str, str | SecretStr]:
        protected: dict[str, str | SecretStr] = {}
        for name, item in value.items():
            if isinstance(item, str) and is_sensitive_header(name, item):
                protected[name] = SecretStr(item)
            else:
                protected[name] = item
        return protected

    @field_validator("api_routes")
    @classmethod
    def _check_routes(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(DEFAULT_ROUTES))
        if unknown:
            raise ValueError(f"unknown route name(s) {unknown}; known: {sorted(DEFAULT_ROUTES)}")
        for name, path in value.items():
            if not path.startswith("/"):
                raise ValueError(f"route {name!r} must be a path starting with '/'")
        return value

    @field_validator("validate_backend")
    @classmethod
    def _check_validate_path(cls, value: bool | str) -> bool | str:
        if isinstance(value, str) and not value.startswith("/"):
            raise ValueError("validate_backend must be true, false or a path starting with '/'")
        return value

    # -- derived values the backend uses -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The target without a trailing ``/`` or ``/v1``: routes are appended to it."""
        base = self.target.rstrip("/")
        if base.endswith("/v1"):
            base = base[: -len("/v1")]
        return base

    def route(self, name: str) -> str:
        """The path of a logical route, honouring ``api_routes``."""
        return self.api_routes.get(name, DEFAULT_ROUTES[name])

    @property
    def is_chat(self) -> bool:
        return self.request_format == "/v1/chat/completions"

    @property
    def api_kind(self) -> ApiKind:
        """Which protocol the requests speak: chat, completions or responses."""
        return _KINDS[self.request_format]

    @property
    def route_name(self) -> str:
        """The logical route (a key of ``DEFAULT_ROUTES``) that requests go to."""
        kind = self.api_kind
        return "chat_completions" if kind == "chat" else kind
