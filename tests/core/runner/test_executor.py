"""The local executor with real worker processes: start-up, work, failures surfacing, a killed worker."""

from __future__ import annotations

import os
import signal
import time

import pytest
from runner_testing_backend import FakeArgs, TinyDataset

from gaugellm.backend.schemas import GenerationResponse
from gaugellm.errors import BackendUnavailableError
from gaugellm.runner.errors import BackendStartupError
from gaugellm.runner.executor import LocalExecutor, backend_spec
from gaugellm.runner.executor.messages import BeginStage, Drained, EndStage, Results, Submit, WorkerLost, WorkItem


async def test_workers_start_serve_and_stop(fake_backend: str) -> None:
    executor = LocalExecutor()
    workers = await executor.start(backend_spec(FakeArgs(tokens=4)), 2)
    try:
        assert [w.worker for w in workers] == [0, 1]
        assert len({w.pid for w in workers}) == 2
        assert os.getpid() not in {w.pid for w in workers}
        assert workers[0].backend_info["type"] == "runner_fake"
        data = TinyDataset()
        start = time.perf_counter_ns() + 20_000_000
        for worker in (0, 1):
            executor.send(worker, BeginStage(1, start, None))
            items = [WorkItem(i, data.request(i), start + i * 1_000_000) for i in range(worker, 20, 2)]
            executor.send(worker, Submit(1, items))
        got: dict[int, GenerationResponse] = {}
        drained: set[int] = set()
        while len(drained) < 2:
            event = await executor.next_event(10)
            assert event is not None, "no event within 10 s"
            if isinstance(event, Results):
                for index, response in zip(event.indexes, event.responses, strict=True):
                    got[index] = response
                if len(got) == 20:
                    for worker in (0, 1):
                        executor.send(worker, EndStage(1, cancel=False))
            elif isinstance(event, Drained):
                drained.add(event.worker)
        assert sorted(got) == list(range(20))
        for index, response in got.items():
            assert response.ok, response.error
            assert response.scheduled_ns == start + index * 1_000_000
            assert response.dispatched_ns is not None
            assert response.dispatched_ns >= response.scheduled_ns
            assert response.streamed_tokens == 4
    finally:
        await executor.stop()


async def test_startup_failure_is_the_original_error(fake_backend: str) -> None:
    executor = LocalExecutor()
    with pytest.raises(BackendUnavailableError, match=r"^target http://127\.0\.0\.1:9 refused the connection$"):
        await executor.start(
            backend_spec(FakeArgs(fail_validate="target http://127.0.0.1:9 refused the connection")), 2
        )


async def test_plugin_bug_at_startup_is_readable(fake_backend: str) -> None:
    executor = LocalExecutor()
    with pytest.raises(BackendStartupError, match="RuntimeError: the fake backend crashed on purpose"):
        await executor.start(backend_spec(FakeArgs(crash_startup=True)), 1)


async def test_killed_worker_is_reported_not_hung(fake_backend: str) -> None:
    executor = LocalExecutor()
    workers = await executor.start(backend_spec(FakeArgs(stall=True)), 1)
    try:
        executor.send(0, BeginStage(1, time.perf_counter_ns(), 2))
        executor.send(0, Submit(1, [WorkItem(i, TinyDataset().request(i)) for i in range(3)]))
        os.kill(workers[0].pid, signal.SIGKILL)
        event = await executor.next_event(10)
        while event is not None and not isinstance(event, WorkerLost):
            event = await executor.next_event(10)
        assert isinstance(event, WorkerLost)
        assert "killed by SIGKILL" in event.reason
    finally:
        await executor.stop()
