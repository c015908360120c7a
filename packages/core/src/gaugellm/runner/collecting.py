"""Run the collectors beside the load: start them, sample each on its interval, stop them, keep what they said.

Each collector gets its own task on the runner's event loop. A sample is stamped with the midpoint of the
``sample()`` call on the run's clock (``perf_counter_ns``, as the workers' timestamps), so a server's view and the
client's own line up. A failing sample is counted and the run goes on; a collector that cannot start stops the run
before any load is sent (the user asked for it and would not get it).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from dataclasses import dataclass, field
from typing import Any

from gaugellm.collector.base import Collector, CollectorContext
from gaugellm.errors import GaugeError, RunConfigError
from gaugellm.redaction_text import redact_text

__all__ = ["CollectorRun", "CollectedSeries"]

#: The longest ``stop()`` of one collector may take before it is abandoned.
STOP_TIMEOUT_S = 5.0


@dataclass
class CollectedSeries:
    """What one collector sampled during a run, column by column."""

    name: str
    args: dict[str, Any]
    info: dict[str, Any]
    #: Unix time of the run clock's origin, so that sample times line up with the stages' start times.
    origin_unix: float
    times_s: list[float] = field(default_factory=list)
    columns: dict[str, list[float | None]] = field(default_factory=dict)
    failures: int = 0
    last_error: str | None = None

    def add(self, time_s: float, values: dict[str, float]) -> None:
        """One sample; a series first seen now is padded with ``None`` for the samples before."""
        count = len(self.times_s)
        self.times_s.append(time_s)
        for column in self.columns.values():
            column.append(None)
        for key, value in values.items():
            if key not in self.columns:
                self.columns[key] = [None] * (count + 1)
            self.columns[key][count] = value


class CollectorRun:
    """The collectors of one run."""

    def __init__(self, collectors: list[Collector[Any]], clock_origin_ns: int) -> None:
        self.collectors = collectors
        self.clock_origin_ns = clock_origin_ns
        origin_unix = time.time() - (time.perf_counter_ns() - clock_origin_ns) / 1e9
        #: Unix time of the run clock's origin: what the timeline's times count from too.
        self.origin_unix = origin_unix
        self.results = [
            CollectedSeries(
                name=c.args.type, args=c.args.model_dump(mode="json"), info=_safe_info(c), origin_unix=origin_unix
            )
            for c in collectors
        ]
        self._tasks: list[asyncio.Task[None]] = []
        self._started: list[Collector[Any]] = []

    async def start(self, context: CollectorContext) -> None:
        """Start every collector and its sampling task; a collector that cannot start raises (others are stopped)."""
        for collector in self.collectors:
            try:
                await collector.start(context)
            except GaugeError:
                await self._stop_started()
                raise
            except Exception as exc:
                await self._stop_started()
                raise RunConfigError(
                    f"collector {collector.args.type!r} could not start: {type(exc).__name__}: {redact_text(str(exc))}"
                ) from exc
            self._started.append(collector)
        for collector, result in zip(self.collectors, self.results, strict=True):
            self._tasks.append(asyncio.create_task(self._sample_loop(collector, result)))

    async def _sample_loop(self, collector: Collector[Any], result: CollectedSeries) -> None:
        interval_ns = int(collector.args.interval_s * 1e9)
        next_ns = time.perf_counter_ns()
        while True:
            before = time.perf_counter_ns()
            try:
                values = await collector.sample()
                clean = {str(k): float(v) for k, v in dict(values).items() if math.isfinite(float(v))}
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a flaky source never costs the run a measurement
                result.failures += 1
                result.last_error = f"{type(exc).__name__}: {redact_text(str(exc))}"[:500]
            else:
                middle = (before + time.perf_counter_ns()) // 2
                result.add((middle - self.clock_origin_ns) / 1e9, clean)
            next_ns += interval_ns
            now = time.perf_counter_ns()
            if next_ns < now:  # a slow sample: skip the missed ticks rather than sampling in a burst
                next_ns = now + interval_ns - (now - next_ns) % interval_ns
            await asyncio.sleep((next_ns - now) / 1e9)

    async def stop(self) -> list[CollectedSeries]:
        """Stop sampling (after one last sample each, so that the end of the run is seen) and stop the collectors."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for collector, result in zip(self.collectors, self.results, strict=True):
            if collector in self._started:
                await self._final_sample(collector, result)
                result.info = _safe_info(collector)  # what it learnt while starting and sampling
        await self._stop_started()
        return self.results

    async def _final_sample(self, collector: Collector[Any], result: CollectedSeries) -> None:
        before = time.perf_counter_ns()
        try:
            values = await asyncio.wait_for(collector.sample(), timeout=max(1.0, collector.args.interval_s))
            clean = {str(k): float(v) for k, v in dict(values).items() if math.isfinite(float(v))}
        except Exception as exc:
            result.failures += 1
            result.last_error = f"{type(exc).__name__}: {redact_text(str(exc))}"[:500]
            return
        result.add(((before + time.perf_counter_ns()) // 2 - self.clock_origin_ns) / 1e9, clean)

    async def _stop_started(self) -> None:
        started, self._started = self._started, []
        for collector in started:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(collector.stop(), STOP_TIMEOUT_S)


def _safe_info(collector: Collector[Any]) -> dict[str, Any]:
    try:
        return dict(collector.info)
    except Exception:
        return {"type": collector.args.type}
