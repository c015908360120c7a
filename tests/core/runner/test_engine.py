"""Whole runs in this process (real worker processes, the fake backend): profiles, stop conditions, failures."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from pathlib import Path
from typing import Any

import pytest
from runner_testing_backend import TinyDataset

from gaugellm.errors import BackendUnavailableError
from gaugellm.reports import load_report
from gaugellm.runner import RunConfig, RunIncompleteError, execute_run
from gaugellm.runner.executor.local import LocalExecutor
from gaugellm.runner.executor.messages import Command, Submit
from gaugellm.runner.session import RunResult
from gaugellm.runner.stage import FEED_CHUNK_S, LOOKAHEAD_S


def config(backend: dict[str, Any] | None = None, **options: Any) -> RunConfig:
    return RunConfig.parse({"backend": {"type": "runner_fake", **(backend or {})}, **options})


async def run(cfg: RunConfig, **kwargs: Any) -> RunResult:
    return await execute_run(cfg, source=TinyDataset(), handle_signals=False, raise_on_incomplete=False, **kwargs)


async def test_synchronous_sends_one_at_a_time(fake_backend: str) -> None:
    result = await run(config({"tokens": 3, "itl_ms": 1}, max_requests=6, workers=2))
    assert result.error is None
    assert result.report.complete
    executor = result.report.environment["executor"]
    assert executor["workers"] == 2
    if hasattr(os, "getpriority"):  # the library leaves its caller's priority alone
        assert executor["runner_niceness"] == os.getpriority(os.PRIO_PROCESS, 0)
    (bench,) = result.report.benchmarks
    assert bench.name == "synchronous"
    assert bench.stop_reason == "max_requests"
    assert bench.metrics.requests.successful == 6
    outcome = result.outcome
    assert outcome is not None
    records = bench.records
    assert records is not None
    assert records.count == 6
    # One stream: each request is dispatched after the previous one ended.
    starts = sorted(ms for ms in records.dispatched_ms if ms is not None)
    latencies = records.latency_ms
    assert all(b >= a for a, b in itertools.pairwise(starts))
    assert bench.metrics.concurrency is not None
    assert bench.metrics.concurrency <= 1.05
    assert all(latency is not None for latency in latencies)


async def test_concurrent_keeps_n_streams(fake_backend: str) -> None:
    result = await run(config({"tokens": 5, "itl_ms": 4}, profile="concurrent", concurrency=4, max_requests=40))
    (bench,) = result.report.benchmarks
    assert bench.metrics.requests.successful == 40
    assert bench.metrics.concurrency is not None
    assert 2.5 < bench.metrics.concurrency <= 4.05


async def test_constant_rate_stamps_schedule_and_dispatch(fake_backend: str) -> None:
    result = await run(config({"tokens": 2}, profile="constant", rate=[100], max_requests=50))
    (bench,) = result.report.benchmarks
    assert bench.profile == {"kind": "constant", "rate": 100.0}
    assert bench.metrics.requests.successful == 50
    records = bench.records
    assert records is not None
    scheduled = sorted(ms for ms in records.scheduled_ms if ms is not None)
    gaps = [b - a for a, b in itertools.pairwise(scheduled)]
    assert gaps == pytest.approx([10.0] * 49, abs=0.01)  # exactly 10 ms apart, whatever happened
    lag = bench.metrics.dispatch_lag
    assert lag.count == 50
    assert lag.p50 is not None
    assert 0 <= lag.p50 < 500  # a sanity bound only: CI machines are loaded; precision is a benchmark


async def test_poisson_and_several_rates_make_several_benchmarks(fake_backend: str) -> None:
    result = await run(config(profile="poisson", rate=[50, 100], max_requests=20, seed=3))
    assert [b.name for b in result.report.benchmarks] == ["poisson@50", "poisson@100"]
    assert all(b.metrics.requests.successful == 20 for b in result.report.benchmarks)


async def test_throughput_with_max_seconds_cancels_in_flight(fake_backend: str) -> None:
    result = await run(config({"tokens": 10, "itl_ms": 20}, profile="throughput", concurrency=8, max_seconds=1.0))
    assert result.error is None
    assert result.report.complete
    (bench,) = result.report.benchmarks
    assert bench.stop_reason == "max_seconds"
    assert not bench.incomplete
    counts = bench.metrics.requests
    assert counts.successful > 8
    assert 1 <= counts.incomplete <= 8  # what was in flight at the deadline is cancelled, and counted


async def test_warmup_requests_are_left_out(fake_backend: str) -> None:
    result = await run(config(max_requests=10, warmup="3", cooldown="2", workers=1))
    (bench,) = result.report.benchmarks
    assert bench.metrics.requests.total == 5
    assert result.outcome is not None
    assert result.outcome.stages[0].excluded == 5


async def test_sweep_runs_synchronous_throughput_then_rates(fake_backend: str) -> None:
    result = await run(config({"tokens": 2, "itl_ms": 2}, profile="sweep", rate=[2], concurrency=4, max_requests=12))
    names = [b.name for b in result.report.benchmarks]
    assert names[:2] == ["synchronous", "throughput"]
    assert len(names) == 4
    low = result.report.benchmarks[0].metrics.request_rate
    high = result.report.benchmarks[1].metrics.request_rate
    assert low is not None
    assert high is not None
    rates = [b.profile["rate"] for b in result.report.benchmarks[2:]]
    assert min(low, high) <= rates[0] < rates[1] <= max(low, high) * 1.5


async def test_max_errors_stops_the_run_incomplete(fake_backend: str, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    result = await run(config({"fail_all": "http"}, max_requests=200, max_errors=5, output=[str(out)], workers=1))
    assert isinstance(result.error, RunIncompleteError)
    assert "stopped after" in str(result.error)
    assert "http_status" in str(result.error)
    saved = load_report(out)
    assert not saved.complete
    assert saved.benchmarks[0].stop_reason == "max_errors"
    assert saved.benchmarks[0].metrics.requests.errored < 200


async def test_dead_target_mid_run_stops_with_a_readable_error(fake_backend: str) -> None:
    result = await run(config({"fail_all": "connect"}, profile="concurrent", concurrency=2, max_seconds=30))
    assert isinstance(result.error, RunIncompleteError)
    assert "the target stopped answering: connect: connection refused (fake)" in str(result.error)
    assert result.report.benchmarks[0].stop_reason == "target_unreachable"


async def test_every_request_failing_is_not_success(fake_backend: str) -> None:
    result = await run(config({"fail_every": 1}, max_requests=3, workers=1))
    assert isinstance(result.error, RunIncompleteError)
    assert "every request failed" in str(result.error)


async def test_startup_failure_writes_an_incomplete_report(fake_backend: str, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    cfg = config({"fail_validate": "target http://127.0.0.1:9 is not answering"}, max_requests=5, output=[str(out)])
    with pytest.raises(BackendUnavailableError, match=r"^target http://127\.0\.0\.1:9 is not answering"):
        await execute_run(cfg, source=TinyDataset(), handle_signals=False)
    saved = load_report(out)
    assert not saved.complete
    assert saved.benchmarks == []
    assert saved.error == "target http://127.0.0.1:9 is not answering"


async def test_killed_worker_ends_the_run_with_what_was_measured(fake_backend: str) -> None:
    cfg = config(
        {"kill_worker_after": 12, "itl_ms": 3, "tokens": 3}, profile="concurrent", concurrency=2, max_requests=500
    )
    result = await asyncio.wait_for(
        run(
            cfg,
        ),
        timeout=60,
    )
    assert isinstance(result.error, RunIncompleteError)
    assert "killed by SIGKILL" in str(result.error)
    assert not result.report.complete
    (bench,) = result.report.benchmarks
    assert bench.incomplete
    assert bench.stop_reason == "worker_lost"
    assert any(group.kind == "incomplete" for group in bench.metrics.errors)


async def test_request_stop_cancels_and_marks_interrupted(fake_backend: str) -> None:
    from gaugellm.runner.engine import StageOutcome, StageProgress
    from gaugellm.runner.scheduler import StageSpec

    class StopSoon:
        engine_stop: Any = None

        def stage_started(self, spec: StageSpec, index: int, planned_stages: int) -> None: ...

        def progress(self, snapshot: StageProgress) -> None:
            if snapshot.finished >= 3 and self.engine_stop is not None:
                self.engine_stop("interrupted", "interrupted by test")

        def stage_finished(self, outcome: StageOutcome) -> None: ...

    observer = StopSoon()
    import gaugellm.runner.engine as engine_module

    original = engine_module.Engine.__init__

    def capture(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        observer.engine_stop = self.request_stop

    engine_module.Engine.__init__ = capture  # type: ignore[method-assign]
    try:
        result = await run(
            config({"itl_ms": 20, "tokens": 10}, profile="concurrent", concurrency=2, max_seconds=60), observer=observer
        )
    finally:
        engine_module.Engine.__init__ = original  # type: ignore[method-assign]
    assert result.error is not None
    assert result.error.exit_code == 130
    assert not result.report.complete
    assert result.report.error == "interrupted by test"
    assert result.report.benchmarks[0].metrics.requests.incomplete >= 1


async def test_requests_limit_caps_concurrency(fake_backend: str) -> None:
    from gaugellm.errors import RunConfigError

    with pytest.raises(RunConfigError, match="requests per worker"):
        await execute_run(
            config({"requests_limit": 1}, profile="concurrent", concurrency=4, max_requests=4, workers=2),
            source=TinyDataset(),
            handle_signals=False,
        )


async def test_processes_limit_caps_workers(fake_backend: str) -> None:
    result = await run(config({"processes_limit": 1}, profile="concurrent", concurrency=4, max_requests=8))
    assert result.report.environment["executor"]["workers"] == 1


async def test_secrets_reach_the_worker_but_never_the_report(fake_backend: str, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    result = await run(config({"api_key": "sekrit-value"}, max_requests=2, workers=1, output=[str(out)]))
    assert result.report.backend["api_key_length"] == len("sekrit-value")  # the worker had the real key
    assert "sekrit-value" not in out.read_text()
    assert result.report.config["backend"]["api_key"] == "**********"


class RecordingExecutor(LocalExecutor):
    """The local executor, noting each ``Submit`` it sends: (worker, when, the items' scheduled times)."""

    def __init__(self) -> None:
        super().__init__()
        self.submits: list[tuple[int, int, list[int]]] = []

    def send(self, worker: int, command: Command) -> None:
        if isinstance(command, Submit):
            scheduled = [item.scheduled_ns for item in command.items if item.scheduled_ns is not None]
            self.submits.append((worker, time.perf_counter_ns(), scheduled))
        super().send(worker, command)


async def test_rate_stages_feed_each_worker_ahead_in_chunks(fake_backend: str) -> None:
    """Work goes out in ~FEED_CHUNK_S batches well before it is due, not a request or two after every result batch."""
    executor = RecordingExecutor()
    seconds = 1.5
    result = await run(
        config({"tokens": 2}, profile="constant", rate=[200], max_seconds=seconds, workers=2), executor=executor
    )
    assert result.report.benchmarks[0].metrics.requests.total > 200
    for worker in (0, 1):
        mine = [(at, scheduled) for w, at, scheduled in executor.submits if w == worker and scheduled]
        assert 2 <= len(mine) <= seconds / FEED_CHUNK_S + 3
        for at, scheduled in mine[1:]:  # the first batch starts the stage: due from its start on
            assert min(scheduled) - at > (LOOKAHEAD_S - FEED_CHUNK_S) * 1e9 * 0.5


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
async def test_a_killed_worker_leaves_no_process_of_its_backend_running(fake_backend: str) -> None:
    """The backend's own process (like vLLM's engine core) would be orphaned by SIGKILL: the runner ends it."""
    cfg = config(
        {"kill_worker_after": 8, "itl_ms": 3, "tokens": 3, "child_process": "stopped"},
        profile="concurrent",
        concurrency=2,
        max_requests=500,
        workers=1,
    )
    result = await asyncio.wait_for(run(cfg), timeout=60)
    child = result.report.backend["child_pid"]
    assert isinstance(result.error, RunIncompleteError)
    assert f"ended 1 process(es) it had started (pid {child})" in str(result.error)
    assert not _running(child)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
async def test_a_process_the_backend_leaks_ends_with_the_run(fake_backend: str) -> None:
    cfg = config({"tokens": 2, "child_process": "leaked"}, max_requests=4, workers=1)
    result = await run(cfg)
    assert result.error is None
    child = result.report.backend["child_pid"]
    assert isinstance(child, int)
    assert not _running(child)
