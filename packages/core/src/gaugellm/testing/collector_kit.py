"""The collector conformance kit: one pytest class that proves a collector keeps the collector contract.

A collector author subclasses :class:`CollectorConformance` and provides two fixtures: ``collector`` (a fresh,
unstarted collector that can sample in this test's environment, e.g. pointed at a server the test started) and
``broken_collector`` (one whose configuration cannot work, e.g. a URL nothing listens on)::

    class TestMyCollector(CollectorConformance):
        @pytest.fixture
        def collector(self, my_server):
            return MyCollector(MyCollectorArgs(url=my_server.url, interval_s=0.1))

        @pytest.fixture
        def broken_collector(self):
            return MyCollector(MyCollectorArgs(url="http://127.0.0.1:9/metrics"))

The tests follow the guarantees in :mod:`gaugellm.collector.base`, through the runner's own sampling loop
(:class:`~gaugellm.runner.collecting.CollectorRun`).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import pickle
import time
from typing import Any

import pytest

from gaugellm.collector.base import Collector, CollectorContext
from gaugellm.errors import GaugeError
from gaugellm.runner.collecting import CollectorRun

__all__ = ["CollectorConformance"]


def kit_context() -> CollectorContext:
    """A context as the runner gives it: this process as the only local worker."""
    return CollectorContext(
        clock_origin_ns=time.perf_counter_ns(), backend={"type": "executor_kit"}, worker_pids=(os.getpid(),)
    )


class CollectorConformance:
    """The collector contract's tests. Subclass it and provide ``collector`` and ``broken_collector`` fixtures."""

    #: How long the sampling test lets the collector run, in multiples of its interval.
    intervals: int = 4

    @pytest.fixture
    def collector(self) -> Collector[Any]:
        raise NotImplementedError("provide a `collector` fixture returning a fresh, unstarted collector")

    @pytest.fixture
    def broken_collector(self) -> Collector[Any] | None:
        """``None`` when no configuration of this collector can fail to start (it then skips that test)."""
        return None

    async def test_samples_are_numbers_on_the_runs_clock(self, collector: Collector[Any]) -> None:
        run = CollectorRun([collector], clock_origin_ns=time.perf_counter_ns())
        started = time.perf_counter_ns()
        await run.start(kit_context())
        await asyncio.sleep(collector.args.interval_s * self.intervals)
        [result] = await run.stop()
        ended = (time.perf_counter_ns() - run.clock_origin_ns) / 1e9
        assert result.failures == 0, result.last_error
        assert len(result.times_s) >= 2, "fewer than two samples"
        assert result.times_s == sorted(result.times_s)
        assert (started - run.clock_origin_ns) / 1e9 <= result.times_s[0]
        assert result.times_s[-1] <= ended
        assert result.columns, "no series sampled"
        for name, column in result.columns.items():
            assert isinstance(name, str)
            assert name
            assert len(column) == len(result.times_s)
            assert all(value is None or math.isfinite(value) for value in column)

    async def test_info_and_args_are_json_and_pickle(self, collector: Collector[Any]) -> None:
        json.dumps(collector.info)
        json.dumps(collector.args.model_dump(mode="json"))
        assert pickle.loads(pickle.dumps(collector.args)) == collector.args  # noqa: S301 - our own bytes

    async def test_a_configuration_that_cannot_work_fails_at_start(
        self, broken_collector: Collector[Any] | None
    ) -> None:
        if broken_collector is None:
            pytest.skip("this collector has no configuration that fails to start")
        run = CollectorRun([broken_collector], clock_origin_ns=time.perf_counter_ns())
        with pytest.raises(GaugeError):
            await run.start(kit_context())
        await run.stop()

    async def test_stop_is_safe_twice_and_without_start(self, collector: Collector[Any]) -> None:
        await collector.stop()
        await collector.start(kit_context())
        await collector.sample()
        await collector.stop()
        await collector.stop()
