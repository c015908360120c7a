"""The ``vllm`` backend (skeleton; the engine lands with its own issue)."""

from __future__ import annotations

from gaugellm import Backend, ErrorKind, GenerationRequest, GenerationResponse
from gaugellm_vllm.args import VLLMBackendArgs


class VLLMBackend(Backend[VLLMBackendArgs]):
    async def resolve(self, request: GenerationRequest, response: GenerationResponse) -> None:
        response.fail(ErrorKind.BACKEND, "not implemented yet")
        response.finish()
