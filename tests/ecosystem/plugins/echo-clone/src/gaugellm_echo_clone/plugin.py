"""A complete, working backend: echoes the prompt back, one word per chunk, at a chosen pace."""

from __future__ import annotations

import asyncio
from typing import Literal

from pydantic import Field, SecretStr

from gaugellm import Backend, BackendArgs, GenerationRequest, GenerationResponse


class EchoArgs(BackendArgs):
    """A clone that claims the same name."""

    type: Literal["echo"] = "echo"
    delay_ms: float = Field(default=0.0, description="Pause before each word, in milliseconds.")
    token: SecretStr | None = Field(default=None, description="A credential that must never be shown.")


class EchoBackend(Backend[EchoArgs]):
    async def resolve(self, request: GenerationRequest, response: GenerationResponse) -> None:
        words = (request.prompt or " ".join(str(m.get("content", "")) for m in request.messages or [])).split()
        for word in words[: request.max_tokens or len(words)]:
            if self.args.delay_ms:
                await asyncio.sleep(self.args.delay_ms / 1000)
            response.record_chunk(word + " ")
        response.set_usage(len(words), len(response.chunk_times_ns), "estimate")
        response.finish("stop")
