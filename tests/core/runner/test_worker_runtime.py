"""The worker runtime in this process (no pipes): the transport-agnostic part a remote executor would reuse."""

from __future__ import annotations

import asyncio
import os
import pickle
import sys
import time
from collections.abc import Callable

import pytest
from runner_testing_backend import FakeArgs, TinyDataset

from gaugellm.backend.schemas import ErrorKind, GenerationResponse
from gaugellm.runner.executor import WorkerRuntime, backend_spec
from gaugellm.runner.executor.messages import (
    BeginStage,
    Drained,
    EndStage,
    Event,
    Ready,
    Results,
    Shutdown,
    Stopped,
    Submit,
    WorkItem,
    pack_response,
)
from gaugellm.runner.executor.pacing import Pacer

LINUX = sys.platform.startswith("linux")


async def started(args: FakeArgs, **options: float) -> tuple[WorkerRuntime, list[Event], asyncio.Future[None]]:
    events: list[Event] = []
    runtime = WorkerRuntime(0, backend_spec(args), events.append, **options)  # type: ignore[arg-type]
    assert isinstance(await runtime.start(), Ready)
    return runtime, events, asyncio.ensure_future(runtime.serve())


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not true within {timeout} s"
        await asyncio.sleep(0.01)


async def wait_for(events: list[Event], kind: type, timeout: float = 10.0) -> None:
    await until(lambda: any(isinstance(event, kind) for event in events), timeout)


def responses(events: list[Event]) -> list:  # type: ignore[type-arg]
    return [response for event in events if isinstance(event, Results) for response in event.responses]


async def test_cancel_right_after_dispatch_still_drains(fake_backend: str) -> None:
    runtime, events, serving = await started(FakeArgs(stall=True))
    data = TinyDataset()
    now = time.perf_counter_ns()
    runtime.handle(BeginStage(1, now, None))
    runtime.handle(Submit(1, [WorkItem(i, data.request(i), now) for i in range(20)]))
    await asyncio.sleep(0)  # the dispatcher creates the tasks; none of them has run yet
    runtime.handle(EndStage(1, cancel=True))
    await wait_for(events, Drained)
    runtime.handle(Shutdown())
    await asyncio.wait_for(serving, 10)
    assert isinstance(events[-1], Stopped)
    drained = next(event for event in events if isinstance(event, Drained))
    reported = responses(events)
    assert len(reported) + drained.dropped == 20
    assert all(response.error is not None and response.error.kind is ErrorKind.CANCELLED for response in reported)


async def test_backend_ignoring_cancellation_is_abandoned_after_grace(fake_backend: str) -> None:
    runtime, events, serving = await started(FakeArgs(stall=True, ignore_cancel=True), cancel_grace_s=0.3)
    data = TinyDataset()
    now = time.perf_counter_ns()
    runtime.handle(BeginStage(1, now, 3))
    runtime.handle(Submit(1, [WorkItem(i, data.request(i)) for i in range(3)]))
    await asyncio.sleep(0.1)
    runtime.handle(EndStage(1, cancel=True))
    await wait_for(events, Drained, timeout=5)
    reported = responses(events)
    assert len(reported) == 3
    assert all(
        "did not stop within 0.3 s" in (response.error.message if response.error else "") for response in reported
    )
    serving.cancel()
    await asyncio.gather(serving, return_exceptions=True)


async def test_untimed_slots_stamp_when_the_slot_freed(fake_backend: str) -> None:
    runtime, events, serving = await started(FakeArgs(tokens=2, itl_ms=5), flush_interval_s=0.01)
    data = TinyDataset()
    start = time.perf_counter_ns() + 10_000_000
    runtime.handle(BeginStage(1, start, 2))
    runtime.handle(Submit(1, [WorkItem(i, data.request(i)) for i in range(6)]))
    await until(lambda: len(responses(events)) >= 6)
    runtime.handle(EndStage(1, cancel=False))
    await wait_for(events, Drained)
    runtime.handle(Shutdown())
    await asyncio.wait_for(serving, 10)
    got = sorted(responses(events), key=lambda r: r.scheduled_ns)
    assert [r.scheduled_ns for r in got[:2]] == [start, start]  # both slots free at the start
    ends = sorted(r.ended_ns for r in got)
    assert [r.scheduled_ns for r in got[2:]] == ends[:4]  # each later request: when a slot freed
    assert all(r.dispatched_ns >= r.scheduled_ns for r in got)


@pytest.mark.parametrize("use_timerfd", [True, False])
async def test_pacer_is_never_early_and_rarely_late(use_timerfd: bool) -> None:
    pacer = Pacer(use_timerfd=use_timerfd)
    try:
        lateness = []
        for _ in range(50):
            target = time.perf_counter_ns() + 2_000_000
            assert await pacer.until(target)
            lateness.append(time.perf_counter_ns() - target)
        assert pacer.precise_timer is (use_timerfd and LINUX)
        assert min(lateness) >= 0
        lateness.sort()
        assert lateness[len(lateness) // 2] < 1_000_000  # generous: a shared machine
    finally:
        pacer.close()


@pytest.mark.parametrize("use_timerfd", [True, False])
async def test_pacer_wakes_early_when_told(use_timerfd: bool) -> None:
    pacer = Pacer(use_timerfd=use_timerfd)
    try:
        asyncio.get_running_loop().call_later(0.05, pacer.wake)
        began = time.perf_counter()
        assert not await pacer.until(time.perf_counter_ns() + 5_000_000_000)
        assert time.perf_counter() - began < 2.0
        # the timer left armed by the interrupted wait is re-armed, not obeyed: the next wait is not cut short
        target = time.perf_counter_ns() + 20_000_000
        assert await pacer.until(target)
        assert time.perf_counter_ns() >= target
    finally:
        pacer.close()


async def test_pacer_close_releases_its_descriptor() -> None:
    pacer = Pacer()
    assert await pacer.until(time.perf_counter_ns() + 1_000_000)
    timer = pacer._timer
    pacer.close()
    pacer.close()  # twice is harmless
    assert not pacer.precise_timer
    if timer is not None:
        with pytest.raises(OSError, match="Bad file descriptor"):
            os.fstat(timer.fd)


def test_results_carry_each_response_pickled_alone() -> None:
    """A batch is bytes already: the worker pickled each response as it ended; the runner gets equal copies."""
    first = GenerationResponse(request_id="a", scheduled_ns=1, on_first_token=lambda r: None)
    first.record_chunk(" one", at_ns=5)
    first.finish("stop", at_ns=9)
    second = GenerationResponse(request_id="b", scheduled_ns=2)
    second.fail(ErrorKind.TIMEOUT, "read timeout")
    results = Results(
        worker=0, stage_id=1, indexes=[7, 8], packed=[pack_response(first), pack_response(second)], dispatched=2
    )
    assert all(isinstance(blob, bytes) for blob in results.packed)
    copies = pickle.loads(pickle.dumps(results)).responses  # noqa: S301 - our own bytes
    first.on_first_token = None  # the runner's hook never travels
    assert copies == [first, second]
