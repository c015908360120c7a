"""The executor contract: where workers run is the executor's business, what they do is the worker's.

The runner talks to its workers only through :class:`Executor`: start them with a :class:`BackendSpec`, send each one
:mod:`commands <gaugellm.runner.executor.messages>`, read their events, stop them. The built-in ``local`` executor
runs workers as ``spawn``-ed processes on this machine; a distributed one (Ray actors, say) runs the same
:class:`~gaugellm.runner.executor.worker.WorkerRuntime` elsewhere and carries the same messages, without touching
backends, the scheduler or the metrics. Executors are plugins (kind ``executor``), built from their
:class:`~gaugellm.runner.executor.args.ExecutorArgs`.

What an executor must guarantee (``gaugellm.testing.ExecutorConformance`` checks each):

1. **Start and stop.** ``start(spec, count)`` returns only when ``count`` workers have each built their backend and
   validated it, or raises (after stopping whatever started): the worker's own ``GaugeError`` where it can be carried
   over, else a :class:`~gaugellm.runner.errors.BackendStartupError` with its message. ``stop()`` ends every worker
   (politely, then by force), is safe to call twice and after a failed start.
2. **Commands and results.** ``send`` never blocks on a worker and delivers a worker's commands in order; every event
   a worker emits reaches ``next_event`` (in order per worker). A worker that dies becomes one
   :class:`~gaugellm.runner.executor.messages.WorkerLost` event, never a hang.
3. **One clock.** Timed work carries absolute ``perf_counter_ns`` times of the runner's clock. Workers on this
   machine share it (``CLOCK_MONOTONIC``); a worker elsewhere must translate both ways (the times it is given, and
   its responses' times back, so that the runner reads every response on its own clock), and declare the offset it
   applies and its uncertainty in its :class:`WorkerInfo`.
4. **Nothing left behind.** After ``stop()``, no worker and nothing a worker's backend started is still running.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from gaugellm.runner.executor.args import ExecutorArgs
from gaugellm.runner.executor.messages import Command, Event
from gaugellm.runner.executor.spec import BackendSpec

__all__ = ["Executor", "WorkerInfo"]

ArgsT = TypeVar("ArgsT", bound=ExecutorArgs)


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """A started worker, as the report describes it."""

    worker: int
    pid: int
    host: str
    backend_info: dict[str, Any] = field(default_factory=dict)
    #: What the executor adds to the runner's clock to get this worker's (0 on the runner's machine) ...
    clock_offset_ns: int = 0
    #: ... and how far that offset may be off.
    clock_uncertainty_ns: int = 0
    #: The machine or cluster node the worker runs on, as the executor names it ("" : ``host`` says it). Workers on
    #: different nodes get their dispatch lag reported per node.
    node: str = ""


class Executor(ABC, Generic[ArgsT]):
    """A pool of workers, each holding one backend built from the same spec."""

    def __init__(self, args: ArgsT) -> None:
        self.args = args

    @property
    def name(self) -> str:
        """A short name for the report (``local``, ``ray``): the plugin's name."""
        return self.args.type

    @property
    def info(self) -> dict[str, Any]:
        """What the report should say about this executor (JSON-safe, no secrets). Subclasses extend it."""
        return {"name": self.name, "args": self.args.model_dump(mode="json")}

    @property
    @abstractmethod
    def workers(self) -> list[WorkerInfo]:
        """The workers that started, in worker-number order."""

    @abstractmethod
    async def start(self, spec: BackendSpec, count: int) -> list[WorkerInfo]:
        """Start ``count`` workers and wait until every one has started and validated its backend."""

    @abstractmethod
    def send(self, worker: int, command: Command) -> None:
        """Queue one command for one worker; never blocks on the worker."""

    @abstractmethod
    async def next_event(self, timeout: float | None) -> Event | None:
        """The next event from any worker, or ``None`` after ``timeout`` seconds without one."""

    @abstractmethod
    async def stop(self, timeout: float = 10.0) -> None:
        """Shut every worker down (politely, then by force after ``timeout``). Safe to call twice."""
