"""The body of one worker's Ray actor: the core's :class:`WorkerRuntime`, wired to Ray calls instead of a pipe.

This class is plain Python (the executor wraps it with ``ray.remote`` when it starts), so importing it costs no Ray.
Ray runs an actor whose methods are coroutines on one event loop of its own; the runtime lives on that loop, and
every method here is a coroutine so that it runs there too and never races the runtime.

* commands arrive in batches (:meth:`deliver`), numbered by the executor, and are handed to the runtime in that order
  (Ray keeps one caller's calls in order, the numbers make it certain);
* events wait in an outbox that the executor drains with a long poll (:meth:`poll`): one call returns everything
  queued since the last, so the number of calls per second stays small whatever the request rate;
* times cross here: commands' runner times become this process's ``perf_counter_ns`` (``delta_ns``), responses go
  back as measured, and the executor moves them back onto the runner's clock as it reads them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from pathlib import Path
from typing import Any

from gaugellm.runner.executor.messages import Command, Event, Ready, Shutdown, StartupFailed, Stopped
from gaugellm.runner.executor.process import freeze_heap
from gaugellm.runner.executor.spec import BackendSpec
from gaugellm.runner.executor.worker import WorkerRuntime, startup_failure
from gaugellm_ray.clock import shift_command

__all__ = ["RayWorker", "boot_id"]


def boot_id() -> str:
    """This machine's boot id: processes that share it share ``CLOCK_MONOTONIC`` (empty where it is not known)."""
    with contextlib.suppress(OSError):
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    return ""


class RayWorker:
    """One worker: a backend, its dispatcher, an outbox. ``clock_shift_ns`` is a test hook (see ``clock``)."""

    def __init__(self, worker: int, clock_shift_ns: int = 0) -> None:
        self.worker = worker
        #: Test hook: this worker tells a clock that is ``perf_counter_ns() + clock_shift_ns``, as a worker on another
        #: machine would, and translates consistently with it; zero in real runs.
        self.clock_shift_ns = clock_shift_ns
        self.delta_ns = 0  # runner clock -> this process's perf_counter_ns
        self._outbox: list[Event] = []
        self._wakeup = asyncio.Event()
        self._runtime: WorkerRuntime | None = None
        self._serving: asyncio.Task[None] | None = None
        self._held: list[Command] | None = []  # commands that came before the runtime was serving
        self._next_seq = 0
        self._early: dict[int, list[Command]] = {}

    # -- set-up -------------------------------------------------------------------------------------------------

    async def identity(self) -> dict[str, Any]:
        """Where this worker runs: answered as soon as the actor is placed."""
        import ray  # the actor runs inside Ray: the import is free here

        shifted = self.clock_shift_ns != 0
        return {
            "pid": os.getpid(),
            "hostname": socket.gethostname(),
            "node_id": ray.get_runtime_context().get_node_id(),
            # a shifted clock stands for another machine's: never the same boot as the runner's
            "boot_id": f"simulated:{self.clock_shift_ns}" if shifted else boot_id(),
        }

    async def clock(self) -> int:
        """This worker's clock, for the executor's round trips."""
        return time.perf_counter_ns() + self.clock_shift_ns

    async def set_clock(self, offset_ns: int) -> int:
        """Take the measured offset (worker clock minus runner clock); returns runner -> ``perf_counter_ns``."""
        self.delta_ns = offset_ns - self.clock_shift_ns
        return self.delta_ns

    async def start(self, spec: BackendSpec) -> Ready | StartupFailed:
        """Build, start and validate the backend, then serve; the outcome is the answer (not an event)."""
        runtime = WorkerRuntime(self.worker, spec, self._emit)
        self._runtime = runtime
        try:
            ready = await runtime.start()
        except Exception as exc:
            await runtime.shutdown_backend()
            return startup_failure(self.worker, exc)
        freeze_heap()
        self._serving = asyncio.get_running_loop().create_task(runtime.serve())
        held, self._held = self._held or [], None
        for command in held:
            runtime.handle(command)
        return ready

    # -- the channel --------------------------------------------------------------------------------------------

    async def deliver(self, seq: int, commands: list[Command]) -> None:
        """Commands batch number ``seq`` (from 0), in the runner's clock; applied strictly in number order."""
        self._early[seq] = commands
        while self._next_seq in self._early:
            for command in self._early.pop(self._next_seq):
                self._take(shift_command(command, self.delta_ns))
            self._next_seq += 1

    def _take(self, command: Command) -> None:
        runtime = self._runtime
        if self._held is None and runtime is not None:
            runtime.handle(command)
        elif isinstance(command, Shutdown) and self._serving is None:
            self._emit(Stopped(worker=self.worker))  # asked to leave before serving: nothing to shut down
        else:
            self._held = (self._held or []) + [command]

    def _emit(self, event: Event) -> None:
        self._outbox.append(event)
        self._wakeup.set()

    async def poll(self, wait_s: float) -> list[Event]:
        """Every event queued so far, waiting up to ``wait_s`` for the first."""
        if not self._outbox:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), wait_s)
        self._wakeup.clear()
        events, self._outbox = self._outbox, []
        return events
