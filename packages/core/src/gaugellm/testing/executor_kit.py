"""The executor conformance kit: one pytest class that proves an executor keeps the executor contract.

An executor author subclasses :class:`ExecutorConformance` and provides an ``executor`` fixture that builds a fresh,
unstarted executor (function scope: each test starts and stops its own)::

    class TestMyExecutor(ExecutorConformance):
        @pytest.fixture
        def executor(self):
            return MyExecutor(MyExecutorArgs(address="..."))

The workers run :class:`~gaugellm.testing.kit_backend.KitBackend`, which the executor must get to its workers by
import path, as it will any backend. The tests follow the guarantees in :mod:`gaugellm.runner.executor.base`.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from gaugellm.backend.schemas import GenerationRequest, GenerationResponse
from gaugellm.errors import GaugeError
from gaugellm.plugins.registry import import_path
from gaugellm.runner.executor.base import Executor, WorkerInfo
from gaugellm.runner.executor.leftovers import pid_alive
from gaugellm.runner.executor.messages import BeginStage, Drained, EndStage, Results, Submit, WorkerLost, WorkItem
from gaugellm.runner.executor.spec import BackendSpec
from gaugellm.testing.kit_backend import STARTUP_FAILURE, KitBackend, KitBackendArgs

__all__ = ["ExecutorConformance", "kit_spec"]

#: The longest any event of the kit is waited for.
EVENT_TIMEOUT_S = 60.0


def kit_spec(**args: Any) -> BackendSpec:
    """The spec of the kit's backend: the class by path, as the runner ships every backend."""
    return BackendSpec(args=KitBackendArgs(**args), backend_class=import_path(KitBackend))


async def run_stage(
    executor: Executor[Any], items: dict[int, list[WorkItem]], stage_id: int = 1, start_in_s: float = 0.05
) -> tuple[dict[int, GenerationResponse], list[Any]]:
    """Send ``items`` (per worker) as one stage and collect every response; also returns the other events seen."""
    start_ns = time.perf_counter_ns() + int(start_in_s * 1e9)
    for worker, work in items.items():
        executor.send(worker, BeginStage(stage_id, start_ns, concurrency=None))
        executor.send(worker, Submit(stage_id, work))
        executor.send(worker, EndStage(stage_id, cancel=False))
    responses: dict[int, GenerationResponse] = {}
    others: list[Any] = []
    drained: set[int] = set()
    deadline = time.monotonic() + EVENT_TIMEOUT_S
    while drained != set(items):
        event = await executor.next_event(max(0.0, deadline - time.monotonic()))
        if event is None:
            raise AssertionError(f"workers {sorted(set(items) - drained)} did not finish the stage in time")
        if isinstance(event, Results):
            responses.update(zip(event.indexes, event.responses, strict=True))
        elif isinstance(event, Drained):
            drained.add(event.worker)
        else:
            others.append(event)
            if isinstance(event, WorkerLost):
                drained.add(event.worker)
    return responses, others


def _item(index: int, prompt: str, max_tokens: int = 4, scheduled_ns: int | None = None) -> WorkItem:
    return WorkItem(index, GenerationRequest(f"kit-{index}", prompt=prompt, max_tokens=max_tokens), scheduled_ns)


class ExecutorConformance:
    """The executor contract's tests. Subclass it and provide an ``executor`` fixture."""

    #: How many workers the tests start.
    workers: int = 2

    @pytest.fixture
    def executor(self) -> Executor[Any]:
        raise NotImplementedError("provide an `executor` fixture returning a fresh, unstarted executor")

    @pytest_asyncio.fixture
    async def started(self, executor: Executor[Any]) -> AsyncIterator[Executor[Any]]:
        await executor.start(kit_spec(), self.workers)
        try:
            yield executor
        finally:
            await executor.stop()

    async def test_starts_the_workers_it_was_asked_for(self, started: Executor[Any]) -> None:
        infos = started.workers
        assert [info.worker for info in infos] == list(range(self.workers))
        for info in infos:
            assert isinstance(info, WorkerInfo)
            assert info.pid > 0
            assert info.host
            assert info.clock_uncertainty_ns >= 0
            assert info.backend_info.get("type") == "executor_kit"

    async def test_every_item_comes_back_once(self, started: Executor[Any]) -> None:
        items = {w: [_item(w * 100 + i, "hello") for i in range(20)] for w in range(self.workers)}
        responses, others = await run_stage(started, items)
        assert sorted(responses) == sorted(item.index for work in items.values() for item in work)
        assert not [event for event in others if isinstance(event, WorkerLost)]
        assert all(response.ok and len(response.chunk_times_ns) == 4 for response in responses.values())

    async def test_timed_items_are_sent_on_the_runners_clock(self, started: Executor[Any]) -> None:
        """An item scheduled at T (runner's clock) is dispatched at T or later, and not much later."""
        base = time.perf_counter_ns() + 300_000_000
        items = {w: [_item(w, "hello", scheduled_ns=base + w * 50_000_000)] for w in range(self.workers)}
        responses, _ = await run_stage(started, items)
        for worker, work in items.items():
            response = responses[work[0].index]
            # responses come back on the runner's clock (an executor whose workers run elsewhere translates them);
            # only how well it knows a worker's offset is slack
            slack = started.workers[worker].clock_uncertainty_ns
            dispatched = response.dispatched_ns
            assert dispatched is not None
            assert dispatched >= work[0].scheduled_ns - slack, "sent before it was due"  # type: ignore[operator]
            assert dispatched - work[0].scheduled_ns < 2_000_000_000 + slack, "sent far too late"  # type: ignore[operator]

    async def test_a_worker_that_dies_becomes_one_worker_lost_event(self, started: Executor[Any]) -> None:
        items = {0: [_item(0, "exit")]}
        items.update({w: [_item(w, "hello")] for w in range(1, self.workers)})
        responses, others = await run_stage(started, items)
        lost = [event for event in others if isinstance(event, WorkerLost)]
        assert [event.worker for event in lost] == [0]
        assert lost[0].reason
        assert all(w in {r for r in responses} for w in range(1, self.workers))

    async def test_a_failed_start_raises_the_backends_error_and_leaves_nothing(self, executor: Executor[Any]) -> None:
        with pytest.raises(GaugeError, match=STARTUP_FAILURE):
            await executor.start(kit_spec(fail_startup=True), self.workers)
        await executor.stop()  # safe after a failed start

    async def test_stop_ends_every_worker_and_is_safe_twice(self, executor: Executor[Any]) -> None:
        await executor.start(kit_spec(), self.workers)
        items = {w: [_item(w, "pid")] for w in range(self.workers)}
        responses, _ = await run_stage(executor, items)
        pids = {int(responses[w].text) for w in range(self.workers)}
        local = all(info.host == socket.gethostname() for info in executor.workers)
        await executor.stop()
        await executor.stop()
        if local:  # a remote executor's processes cannot be looked at from here; its own tests must
            await asyncio.sleep(0.1)
            assert not [pid for pid in pids if pid_alive(pid)], "a worker outlived stop()"
