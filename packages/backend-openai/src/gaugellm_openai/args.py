"""Arguments of the ``openai_http`` backend (imports pydantic and gaugellm only)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gaugellm import BackendArgs


class OpenAIHTTPBackendArgs(BackendArgs):
    """An OpenAI-compatible HTTP server."""

    type: Literal["openai_http"] = "openai_http"
    target: str = Field(description="Base URL of the server, e.g. http://127.0.0.1:8000 (a trailing /v1 is fine).")
    model: str | None = Field(default=None, description="Model name; default: the first of GET /v1/models.")
