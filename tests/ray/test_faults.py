"""Faults on a real cluster: a worker's actor killed mid-run, a whole node gone; a clock too uncertain to trust.

Each is a ``WorkerLost`` the runner already knows how to handle (never a hang): the run ends with what was measured,
marked incomplete, naming the lost worker, and nothing of it stays on the cluster.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from runs import run, run_config

from gaugellm.runner import RunIncompleteError
from gaugellm.testing.executor_kit import kit_spec
from gaugellm_ray.args import RayExecutorArgs
from gaugellm_ray.errors import ClockUncertaintyError
from gaugellm_ray.executor import CLOCK_SHIFT_ENV, RayExecutor

pytestmark = pytest.mark.usefixtures("leftovers")


async def _after_ready(ready: asyncio.Event, delay_s: float) -> None:
    await ready.wait()
    await asyncio.sleep(delay_s)


async def test_an_actor_killed_mid_run_is_a_lost_worker_and_the_run_keeps_what_it_measured(
    cluster: Any, server: Any
) -> None:
    import ray

    executor = RayExecutor(RayExecutorArgs(address=None))
    ready = asyncio.Event()

    async def kill_worker_0() -> None:
        await _after_ready(ready, 1.0)
        ray.kill(executor._actors[0], no_restart=True)

    killer = asyncio.ensure_future(kill_worker_0())
    started = time.monotonic()
    result = await run(
        run_config(server, max_requests=None, max_seconds=8, workers=2, rate=[40]),
        executor,
        on_workers_ready=lambda _: ready.set(),
    )
    await killer
    assert time.monotonic() - started < 30, "a lost worker must not hold the run"
    report = result.report
    assert isinstance(result.error, RunIncompleteError)
    assert not report.complete
    assert report.error is not None
    assert "worker 0" in report.error
    assert report.benchmarks[0].metrics.requests.successful > 0, "what was measured is kept"
    lost = report.environment["executor"]["lost_workers"]
    assert len(lost) == 1
    assert lost[0].startswith("worker 0 ")


async def test_a_node_that_disappears_takes_its_worker_and_the_run_says_which(cluster: Any, server: Any) -> None:
    doomed = cluster.add_node(num_cpus=1, object_store_memory=100 * 1024 * 1024, node_ip_address="127.0.0.1")
    await asyncio.to_thread(cluster.wait_for_nodes)
    try:
        executor = RayExecutor(RayExecutorArgs(address=None, workers_per_node=1))
        ready = asyncio.Event()

        async def remove_node() -> int:
            await _after_ready(ready, 1.0)
            [victim] = [p.worker for p in executor._placed if p.node_id == doomed.node_id]
            await asyncio.to_thread(cluster.remove_node, doomed, False)
            return victim

        remover = asyncio.ensure_future(remove_node())
        started = time.monotonic()
        result = await run(
            run_config(server, max_requests=None, max_seconds=20, workers=3, rate=[30]),
            executor,
            on_workers_ready=lambda _: ready.set(),
        )
        victim = await remover
    finally:
        if doomed in cluster.worker_nodes:
            cluster.remove_node(doomed)
    assert time.monotonic() - started < 19, "the run ended when the node went, not when its time was up"
    report = result.report
    assert not report.complete
    assert report.error is not None
    assert f"worker {victim} " in report.error
    assert report.benchmarks[0].metrics.requests.successful > 0
    [lost] = report.environment["executor"]["lost_workers"]
    assert doomed.node_id[:12] in lost


async def test_a_clock_known_less_well_than_allowed_refuses_the_start(
    cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CLOCK_SHIFT_ENV, "0:1000000")  # another machine's clock: measured by round trips
    executor = RayExecutor(RayExecutorArgs(address=None, max_clock_uncertainty_ms=1e-6))
    with pytest.raises(ClockUncertaintyError, match=r"worker 0 .* known only within ±") as raised:
        await executor.start(kit_spec(), 2)
    assert raised.value.exit_code == 2
    assert "\n" not in str(raised.value)
    await executor.stop()


async def test_a_worker_that_stops_answering_is_lost_after_the_liveness_timeout(cluster: Any, server: Any) -> None:
    import os
    import signal

    executor = RayExecutor(RayExecutorArgs(address=None, liveness_timeout_s=2))
    ready = asyncio.Event()

    async def freeze_worker_1() -> None:
        await _after_ready(ready, 1.0)
        os.kill(executor.workers[1].pid, signal.SIGSTOP)  # hung, as a node cut off the network looks from here

    freezer = asyncio.ensure_future(freeze_worker_1())
    started = time.monotonic()
    result = await run(
        run_config(server, max_requests=None, max_seconds=20, workers=2, rate=[30]),
        executor,
        on_workers_ready=lambda _: ready.set(),
    )
    await freezer
    assert time.monotonic() - started < 19
    report = result.report
    assert not report.complete
    [lost] = report.environment["executor"]["lost_workers"]
    assert lost.startswith("worker 1 ")
    assert "did not answer for 3 s" in lost
    assert report.benchmarks[0].metrics.requests.successful > 0
