"""The state a stage shares with its run (``RunControl``), and the engine's view of it; no worker processes."""

from __future__ import annotations

import ast
import inspect
from typing import Any

from runner_testing_backend import TinyDataset

import gaugellm.runner.stage as stage_module
from gaugellm.backend.schemas import GenerationResponse
from gaugellm.runner.engine import Engine
from gaugellm.runner.executor.base import WorkerInfo
from gaugellm.runner.executor.messages import Command, Event
from gaugellm.runner.scheduler.limits import StageLimits
from gaugellm.runner.stage import RunControl


class IdleExecutor:
    """Two started workers that never answer: enough to build an engine."""

    name = "idle"

    def __init__(self) -> None:
        self.workers = [WorkerInfo(worker=0, pid=1, host="here"), WorkerInfo(worker=1, pid=2, host="here")]

    async def start(self, spec: Any, count: int) -> list[WorkerInfo]:
        return self.workers

    def send(self, worker: int, command: Command) -> None: ...

    async def next_event(self, timeout: float | None) -> Event | None:
        return None

    async def stop(self, timeout: float = 10.0) -> None: ...


class NoSink:
    def add(self, response: GenerationResponse) -> None: ...


def engine() -> Engine:
    return Engine(IdleExecutor(), TinyDataset(3), StageLimits(max_requests=4), sink_factory=lambda spec: NoSink())


def control() -> RunControl:
    limits = StageLimits(max_requests=1)
    return RunControl(executor=IdleExecutor(), alive={0}, next_request=lambda: TinyDataset(1).request(0), limits=limits)


def test_the_first_stop_reason_wins() -> None:
    run = control()
    assert run.stop_reason is None
    run.stop("max_errors", "stopped after 3 errors")
    run.stop("worker_lost", "worker 0 was killed")
    assert (run.stop_reason, run.stop_message) == ("max_errors", "stopped after 3 errors")


def test_restate_rewords_only_its_own_stop() -> None:
    run = control()
    run.stop("max_errors", "stopped after 3 errors")
    run.restate("max_errors", "stopped after 3 errors; 5 failed in all")
    assert (run.stop_reason, run.stop_message) == ("max_errors", "stopped after 3 errors; 5 failed in all")
    # An interrupt that came first keeps its own message, even if the error limit was crossed in the same batch.
    interrupted = control()
    interrupted.stop("interrupted", "interrupted by Ctrl-C")
    interrupted.stop("max_errors", "stopped after 3 errors")
    interrupted.restate("max_errors", "stopped after 3 errors; 5 failed in all")
    assert (interrupted.stop_reason, interrupted.stop_message) == ("interrupted", "interrupted by Ctrl-C")


def test_the_engine_reads_and_stops_through_its_control() -> None:
    run = engine()
    assert run.alive == {0, 1}
    assert run.stop_reason is None
    assert run.stop_message is None
    run.request_stop()
    run.stop("worker_lost", "later")
    assert (run.stop_reason, run.stop_message) == ("interrupted", "interrupted")


def test_the_control_walks_the_data_set_run_wide() -> None:
    run = engine()
    shared = run._control  # what every stage of the run is handed
    prompts = [shared.next_request().prompt for _ in range(4)]
    assert prompts[3] == prompts[0]  # three requests, then around again
    assert len(set(prompts[:3])) == 3
    shared.alive.discard(1)  # a stage loses a worker: the engine (and the next stage) see it gone
    assert run.alive == {0}


def test_the_stage_module_does_not_know_the_engine() -> None:
    """The import goes one way, engine -> stage, not even back under ``TYPE_CHECKING``."""
    tree = ast.parse(inspect.getsource(stage_module))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert "gaugellm.runner.engine" not in imported
    assert not any(name and name.endswith(".engine") for name in imported)
