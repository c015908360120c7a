"""The collector contract: something sampled beside the load, on the run's clock, into the report.

Client-side latency says *that* a deployment slowed down, a collector says *why*: a server's queue, its cache, the
load generator's own CPU. The runner starts every collector before the workers get their first request, calls
:meth:`Collector.sample` every ``interval_s`` seconds on its own event loop, stamps each sample on the run's clock,
and stops the collectors after the last stage. Collectors are plugins (kind ``collector``), built from their
:class:`~gaugellm.collector.args.CollectorArgs`.

What a collector must guarantee (``gaugellm.testing.CollectorConformance`` checks each):

1. ``start`` does its I/O (open a client, check a URL) and raises a ``GaugeError`` for a configuration that cannot
   work: the run then stops before any load is sent, with that one line.
2. ``sample`` returns one reading, a flat mapping of series name to number, quickly (well within ``interval_s``)
   and without blocking the event loop (use ``asyncio.to_thread`` for blocking reads). Raising is allowed: the runner
   counts the failure and keeps the run going, so a flaky ``/metrics`` never costs a measurement.
3. ``stop`` releases everything, is safe to call twice and after a failed ``start``.
4. Nothing secret in ``info`` or in series names.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from gaugellm.collector.args import CollectorArgs

__all__ = ["Collector", "CollectorContext"]

ArgsT = TypeVar("ArgsT", bound=CollectorArgs)


@dataclass(frozen=True)
class CollectorContext:
    """What a collector knows of the run it watches."""

    #: The run's clock origin (``time.perf_counter_ns()``); sample times in the report are seconds from it.
    clock_origin_ns: int
    #: The backend's args, secrets masked (``type``, and e.g. ``target`` for a server).
    backend: Mapping[str, Any] = field(default_factory=dict)
    #: The process ids of the workers on this machine (none when they run elsewhere).
    worker_pids: tuple[int, ...] = ()

    @property
    def target(self) -> str | None:
        """The backend's target URL, when it has one: where a server's own metrics are usually found."""
        target = self.backend.get("target")
        return target if isinstance(target, str) else None


class Collector(ABC, Generic[ArgsT]):
    """Base class of every collector. Only :meth:`sample` is required."""

    def __init__(self, args: ArgsT) -> None:
        self.args = args

    @property
    def info(self) -> dict[str, Any]:
        """What the report should say about this collector (JSON-safe, no secrets). Subclasses extend it.

        An optional ``"headline"`` entry, ``{series: "mean" | "max" | "min" | "last"}``, names the few series the
        console shows per benchmark (read after :meth:`start`, so it may depend on what the source turned out to be).
        """
        return {"type": self.args.type, "class": f"{type(self).__module__}.{type(self).__qualname__}"}

    async def start(self, context: CollectorContext) -> None:
        """Prepare to sample (open clients, check the source); raise a ``GaugeError`` if it cannot work."""

    @abstractmethod
    async def sample(self) -> Mapping[str, float]:
        """One reading: series name to value."""

    async def stop(self) -> None:
        """Release what :meth:`start` acquired. Must be idempotent."""
