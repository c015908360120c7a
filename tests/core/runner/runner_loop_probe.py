"""A backend for the event-loop tests: its ``info`` says which event loop the worker runs on.

Like ``runner_testing_backend``, it must be importable by name in spawned workers (conftest.py puts this folder on
``sys.path``, which workers copy).
"""

from __future__ import annotations

import asyncio
from typing import Literal

from gaugellm import Backend, BackendArgs, GenerationRequest, GenerationResponse

NAME = "runner_loop_probe"


class LoopProbeArgs(BackendArgs):
    type: Literal["runner_loop_probe"] = "runner_loop_probe"


class LoopProbeBackend(Backend[LoopProbeArgs]):
    loop_module: str | None = None

    @property
    def info(self) -> dict[str, object]:
        return {**super().info, "loop_module": self.loop_module}

    async def process_startup(self) -> None:
        self.loop_module = type(asyncio.get_running_loop()).__module__

    async def resolve(self, request: GenerationRequest, response: GenerationResponse) -> None:
        response.finish("stop")
