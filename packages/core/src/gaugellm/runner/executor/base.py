"""The executor interface: where workers run is the executor's business, what they do is the worker's.

The runner talks to its workers only through this protocol: start them with a :class:`BackendSpec`, send each one
:mod:`commands <gaugellm.runner.executor.messages>`, read their events, stop them. The local executor runs workers as
``spawn``-ed processes on this machine; a distributed one (Ray actors, say) would run the same
:class:`~gaugellm.runner.executor.worker.WorkerRuntime` elsewhere and carry the same messages, without touching
backends, the scheduler or the metrics.

Timed work carries absolute ``perf_counter_ns`` times. That is exact on one machine (``CLOCK_MONOTONIC`` is shared
by its processes); an executor spanning machines must translate those times into each machine's clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from gaugellm.runner.executor.loader import BackendSpec
from gaugellm.runner.executor.messages import Command, Event

__all__ = ["Executor", "WorkerInfo"]


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """A started worker, as the report describes it."""

    worker: int
    pid: int
    host: str
    backend_info: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Executor(Protocol):
    """A pool of workers, each holding one backend built from the same args."""

    @property
    def name(self) -> str:
        """A short name for the report (``local``, ``ray``)."""
        ...

    @property
    def workers(self) -> list[WorkerInfo]:
        """The workers that started, in worker-number order."""
        ...

    async def start(self, spec: BackendSpec, count: int) -> list[WorkerInfo]:
        """Start ``count`` workers and wait until every one has started and validated its backend.

        If any worker fails, stop them all and raise the failure: the worker's own
        :class:`~gaugellm.errors.GaugeError` where it can be carried over, else one with its message.
        """
        ...

    def send(self, worker: int, command: Command) -> None:
        """Queue one command for one worker; never blocks on the worker."""
        ...

    async def next_event(self, timeout: float | None) -> Event | None:
        """The next event from any worker, or ``None`` after ``timeout`` seconds without one."""
        ...

    async def stop(self, timeout: float = 10.0) -> None:
        """Shut every worker down (politely, then by force after ``timeout``). Safe to call twice."""
        ...
