"""A small backend the executor kit runs in an executor's workers, imported there by path (never registered).

It answers every prompt with ``max_tokens`` words, one chunk each, and obeys two prompts that test an executor's
guarantees: ``"exit"`` ends its worker process abruptly (a lost worker), ``"pid"`` answers with the worker's PID.
Its ``fail_startup`` arg makes ``validate`` fail, so that a failed start can be checked.
"""

from __future__ import annotations

import asyncio
import os
from typing import Literal

from gaugellm.backend.args import BackendArgs
from gaugellm.backend.base import Backend
from gaugellm.backend.schemas import GenerationRequest, GenerationResponse
from gaugellm.errors import BackendUnavailableError

__all__ = ["KitBackend", "KitBackendArgs"]

#: The message the kit backend fails its start-up with (the kit checks that it reaches the runner).
STARTUP_FAILURE = "the kit backend was told to fail its start-up"


class KitBackendArgs(BackendArgs):
    """The executor kit's backend."""

    type: Literal["executor_kit"] = "executor_kit"
    fail_startup: bool = False
    token_delay_s: float = 0.001


class KitBackend(Backend[KitBackendArgs]):
    """Answers with words, exits on ``"exit"``, tells its PID on ``"pid"``."""

    async def validate(self) -> None:
        if self.args.fail_startup:
            raise BackendUnavailableError(STARTUP_FAILURE)

    async def resolve(self, request: GenerationRequest, response: GenerationResponse) -> None:
        if request.prompt == "exit":
            os._exit(3)
        if request.prompt == "pid":
            response.record_chunk(str(os.getpid()))
            response.finish("stop")
            return
        for _ in range(request.max_tokens or 1):
            await asyncio.sleep(self.args.token_delay_s)
            response.record_chunk("word ")
        response.finish("length")
