"""A backend for the runner's tests: streams N tokens with set delays, and fails or stalls on demand.

Workers are ``spawn``-ed processes, so this module must be importable by name in them: tests register it with
``gaugellm.register_backend`` (workers import its class by path), and the
CLI tests expose it as an installed plugin through a ``*.dist-info`` folder on ``PYTHONPATH`` (see conftest.py).
The module name is unique across the test tree because pytest puts this folder itself on ``sys.path``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import ClassVar, Literal

from pydantic import SecretStr

from gaugellm import Backend, BackendArgs, BackendUnavailableError, ErrorKind, GenerationRequest, GenerationResponse

NAME = "runner_fake"


_DISCOVERY = ("gaugellm.plugins.registry", "gaugellm.plugins.metadata", "gaugellm.plugins.resolve", "stevedore")


class FakeArgs(BackendArgs):
    type: Literal["runner_fake"] = "runner_fake"
    tokens: int = 8
    ttft_ms: float = 0.0
    itl_ms: float = 0.0
    fail_startup: str | None = None  # process_startup raises BackendUnavailableError(this)
    fail_validate: str | None = None  # validate raises BackendUnavailableError(this)
    crash_startup: bool = False  # process_startup raises a plain RuntimeError (a plugin bug)
    fail_every: int = 0  # every Nth request (by request number) fails with HTTP 500
    fail_all: Literal["none", "connect", "http"] = "none"
    stall: bool = False  # requests never finish (until cancelled)
    ignore_cancel: bool = False  # with stall: swallow the first cancellation and keep stalling (misbehaving)
    api_key: SecretStr | None = None  # a secret: must reach the worker, never a report
    kill_worker_after: int = 0  # the worker kills itself (SIGKILL) when this many requests have started
    child_process: Literal["none", "stopped", "leaked"] = "none"  # starts a process; stopped at shutdown, or never
    requests_limit: int | None = None
    processes_limit: int | None = None
    slow_after: int = 0  # requests after this many (per worker) wait slow_ttft_ms for their first token instead
    slow_ttft_ms: float = 0.0


class FakeBackend(Backend[FakeArgs]):
    def __init__(self, args: FakeArgs) -> None:
        super().__init__(args)
        self.started = 0
        self.child: asyncio.subprocess.Process | None = None

    @property
    def processes_limit(self) -> int | None:
        return self.args.processes_limit

    @property
    def requests_limit(self) -> int | None:
        return self.args.requests_limit

    @property
    def info(self) -> dict[str, object]:
        key = self.args.api_key
        return {
            **super().info,
            "tokens": self.args.tokens,
            "pid": os.getpid(),
            "api_key_length": len(key.get_secret_value()) if key is not None else None,
            "child_pid": self.child.pid if self.child is not None else None,
            # What of plugin discovery this process has imported: a worker should have none of it.
            "discovery_modules": sorted(name for name in _DISCOVERY if name in sys.modules),
        }

    async def process_startup(self) -> None:
        if self.args.crash_startup:
            raise RuntimeError("the fake backend crashed on purpose")
        if self.args.fail_startup:
            raise BackendUnavailableError(self.args.fail_startup)
        if self.args.child_process != "none":  # like an engine process of its own
            self.child = await asyncio.create_subprocess_exec(sys.executable, "-c", "import time; time.sleep(600)")

    async def process_shutdown(self) -> None:
        if self.child is not None and self.args.child_process == "stopped":
            self.child.terminate()
            await asyncio.wait_for(self.child.wait(), 10)

    async def validate(self) -> None:
        if self.args.fail_validate:
            raise BackendUnavailableError(self.args.fail_validate)

    async def resolve(self, request: GenerationRequest, response: GenerationResponse) -> None:
        self.started += 1
        if self.args.kill_worker_after and self.started >= self.args.kill_worker_after:
            os.kill(os.getpid(), signal.SIGKILL)
        if self.args.fail_all == "connect":
            response.fail(ErrorKind.CONNECT, "connection refused (fake)")
            return
        if self.args.fail_all == "http" or (self.args.fail_every and self.started % self.args.fail_every == 0):
            response.fail(ErrorKind.HTTP_STATUS, "server error (fake)", 500)
            return
        if self.args.stall:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if not self.args.ignore_cancel:
                    raise
                await asyncio.sleep(3600)  # ignores the first cancellation; a second one ends it
        ttft_ms = self.args.ttft_ms
        if self.args.slow_after and self.started > self.args.slow_after:
            ttft_ms = self.args.slow_ttft_ms
        if ttft_ms:
            await asyncio.sleep(ttft_ms / 1000)
        for i in range(self.args.tokens):
            if i and self.args.itl_ms:
                await asyncio.sleep(self.args.itl_ms / 1000)
            response.record_chunk(f"t{i} ")
        response.set_usage(request.prompt_tokens, self.args.tokens, "server")
        response.finish("stop")


class TinyDataset:
    """A stand-in data set: N plain prompts."""

    token_counting = "estimate"
    description: ClassVar[dict[str, object]] = {"kind": "tiny"}

    def __init__(self, size: int = 16) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size

    def request(self, index: int) -> GenerationRequest:
        return GenerationRequest(request_id=f"r{index}", prompt=f"prompt {index}", max_tokens=8, prompt_tokens=2)
