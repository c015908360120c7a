"""The ``openai_http`` backend (skeleton; the streaming client lands with its own issue)."""

from __future__ import annotations

from gaugellm import Backend, ErrorKind, GenerationRequest, GenerationResponse
from gaugellm_openai.args import OpenAIHTTPBackendArgs


class OpenAIHTTPBackend(Backend[OpenAIHTTPBackendArgs]):
    async def resolve(self, request: GenerationRequest, response: GenerationResponse) -> None:
        response.fail(ErrorKind.BACKEND, "not implemented yet")
        response.finish()
