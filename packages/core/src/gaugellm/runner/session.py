"""One whole run, from a validated :class:`RunConfig` to report files: what ``gaugellm run`` does.

Order matters for the user: everything that can be checked in this process (the config, the data set, the
backend's limits) is checked before a worker starts, so mistakes cost milliseconds; then the workers start and
validate the target; then the profile runs. Whatever happens after the workers were asked to start (a target that
does not answer, Ctrl-C, a killed worker, too many errors), the report is written with what was measured, marked
incomplete, and only then does the error surface: a :class:`~gaugellm.errors.GaugeError` with one readable line
and a non-zero exit status.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gaugellm.backend.base import Backend
from gaugellm.collector.base import Collector, CollectorContext
from gaugellm.errors import GaugeError, RunConfigError
from gaugellm.runner.collecting import CollectedSeries, CollectorRun
from gaugellm.runner.config import RunConfig
from gaugellm.runner.engine import Engine, ProgressObserver, RequestSource, RunOutcome
from gaugellm.runner.errors import ReportWriteError, RunIncompleteError, RunInterruptedError
from gaugellm.runner.executor.base import Executor, WorkerInfo
from gaugellm.runner.executor.spec import BackendSpec
from gaugellm.runner.interrupts import Interrupts
from gaugellm.runner.scheduler.capacity import CapacitySearch
from gaugellm.runner.scheduler.limits import StageLimits
from gaugellm.runner.scheduler.profiles import Plan
from gaugellm.runner.scheduler.stages import StageSpec
from gaugellm.runner.startup import await_startup
from gaugellm.runner.verdict import nothing_succeeded

if TYPE_CHECKING:
    from gaugellm.data.dataset import Dataset
    from gaugellm.metrics import BenchmarkAccumulator
    from gaugellm.metrics.timeline import Timeline
    from gaugellm.reports import RunReport

__all__ = ["RunResult", "choose_workers", "execute_run"]


@dataclass
class RunResult:
    """What a run produced: the report (also written to ``paths``) and how the run went."""

    report: RunReport
    outcome: RunOutcome | None
    paths: list[Path] = field(default_factory=list)
    error: GaugeError | None = None  # raised by execute_run when raise_on_incomplete; kept here otherwise


def usable_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def choose_workers(
    requested: int | None,
    *,
    processes_limit: int | None,
    profile: Plan,
    limits: StageLimits,
    backend_name: str,
) -> int:
    """How many worker processes: what was asked, else what the machine, the backend and the plan can use."""
    if requested is not None:
        if processes_limit is not None and requested > processes_limit:
            raise RunConfigError(
                f"--workers {requested} is more than backend {backend_name!r} allows ({processes_limit} processes)"
            )
        return requested
    count = usable_cpus()
    if processes_limit is not None:
        count = min(count, processes_limit)
    # More workers than the plan can keep busy only cost start-up time and memory.
    if profile.kind != "sweep":
        bounds = [stage.concurrency for stage in profile.stages if stage.concurrency is not None]
        if bounds and len(bounds) == len(profile.stages):
            count = min(count, max(bounds))
    if limits.max_requests is not None:
        count = min(count, limits.max_requests)
    return max(1, count)


async def execute_run(
    config: RunConfig,
    *,
    executor: Executor[Any] | None = None,
    source: RequestSource | None = None,
    observer: ProgressObserver | None = None,
    on_workers_ready: Callable[[int], None] | None = None,
    handle_signals: bool = True,
    raise_on_incomplete: bool = True,
) -> RunResult:
    """Run ``config`` and write its reports. Raises a ``GaugeError`` if it did not complete (after writing)."""
    interrupts = Interrupts()
    with interrupts.watching() if handle_signals else contextlib.nullcontext(interrupts):
        return await _execute(
            config,
            executor=executor,
            source=source,
            observer=observer,
            on_workers_ready=on_workers_ready,
            interrupts=interrupts,
            raise_on_incomplete=raise_on_incomplete,
        )


@dataclass
class _Plan:
    """What a run decided before any worker started: each plugin resolved once, the work, the worker count."""

    limits: StageLimits
    profile: Plan
    source: RequestSource
    data_description: dict[str, Any] | None
    data_counting: str | None
    spec: BackendSpec
    probe: Backend[Any]
    workers: int
    executor: Executor[Any]
    collectors: list[Collector[Any]]


@dataclass
class _Measured:
    """What running the plan gave, whatever stopped it."""

    outcome: RunOutcome | None = None
    failure: GaugeError | None = None
    backend_info: dict[str, Any] = field(default_factory=dict)
    collected: list[CollectedSeries] = field(default_factory=list)
    timeline: Timeline | None = None
    origin_unix: float = 0.0


async def _execute(
    config: RunConfig,
    *,
    executor: Executor[Any] | None,
    source: RequestSource | None,
    observer: ProgressObserver | None,
    on_workers_ready: Callable[[int], None] | None,
    interrupts: Interrupts,
    raise_on_incomplete: bool,
) -> RunResult:
    from gaugellm.runner.outputs import check_outputs, write_reports

    check_outputs(config.output)  # a measurement must never be lost to a path that cannot be written
    if config.otlp_endpoint is not None:
        from gaugellm.reports.otlp import require_otlp

        require_otlp()  # a missing extra is found before the run, not after it
    plan = _plan(config, executor, source)
    measured = await _measure(config, plan, observer, on_workers_ready, interrupts)
    report = _report(config, plan, measured)
    paths, write_problem = write_reports(report, config.output)
    if config.push_gateway is not None:
        from gaugellm.reports.push import push_to_gateway

        gateway = config.push_gateway
        write_problem = _export(report, write_problem, lambda r: push_to_gateway(r, gateway))
    if config.otlp_endpoint is not None:
        from gaugellm.reports.otlp import export_to_otlp

        endpoint = config.otlp_endpoint
        write_problem = _export(report, write_problem, lambda r: export_to_otlp(r, endpoint))
    await interrupts.settle()  # a signal that came while writing is noted now
    failure = _failure(measured, interrupts, paths, report.complete, write_problem)
    result = RunResult(report=report, outcome=measured.outcome, paths=paths, error=failure)
    if failure is not None and raise_on_incomplete:
        raise failure
    return result


def _export(report: RunReport, problem: str | None, export: Callable[[RunReport], object]) -> str | None:
    """Send the figures somewhere (a Pushgateway, an OTLP receiver); a failure joins the report-writing problems,
    after the files were written."""
    from gaugellm.reports.errors import ReportError

    try:
        export(report)
    except ReportError as exc:
        return f"{problem}; {exc}" if problem else str(exc)
    return problem


def _plan(config: RunConfig, executor: Executor[Any] | None, source: RequestSource | None) -> _Plan:
    """Everything that can be checked in this process, checked before a worker starts: mistakes cost milliseconds."""
    from gaugellm.plugins.resolve import resolve

    limits = config.limits()
    profile = config.profile_plan()
    data_description: dict[str, Any] | None = None
    data_counting: str | None = None
    if source is None:
        from gaugellm.data import load_dataset

        dataset = (
            replay_dataset(config)
            if config.profile == "replay"
            else load_dataset(config.data, tokenizer=config.tokenizer, seed=config.seed)
        )
        source = dataset
        data_description = dataset.description
        data_counting = dataset.token_counting
    backend = resolve(config.backend.type, kind="backend")
    backend.check_importable()  # workers import it by path
    probe: Backend[Any] = backend.build(config.backend)  # cheap by contract: no I/O, no heavy imports
    if executor is None:
        executor = resolve(config.executor.type, kind="executor").build(config.executor)
    collectors = [resolve(args.type, kind="collector").build(args) for args in config.collectors]
    return _Plan(
        limits=limits,
        profile=profile,
        source=source,
        data_description=data_description,
        data_counting=data_counting,
        spec=BackendSpec(args=config.backend, backend_class=backend.impl_path),
        probe=probe,
        workers=choose_workers(
            config.workers,
            processes_limit=probe.processes_limit,
            profile=profile,
            limits=limits,
            backend_name=config.backend.type,
        ),
        executor=executor,
        collectors=collectors,
    )


async def _measure(
    config: RunConfig,
    plan: _Plan,
    observer: ProgressObserver | None,
    on_workers_ready: Callable[[int], None] | None,
    interrupts: Interrupts,
) -> _Measured:
    """Start the workers and the collectors, run the profile, stop everything; failures are kept, not raised."""
    from gaugellm.metrics.timeline import Timeline

    executor = plan.executor
    collecting = CollectorRun(plan.collectors, clock_origin_ns=time.perf_counter_ns())
    # the client's own figures over time, on the collectors' clock
    timeline = Timeline(collecting.clock_origin_ns, config.timeline_window)
    measured = _Measured(backend_info=_safe_info(plan.probe), timeline=timeline, origin_unix=collecting.origin_unix)
    # Workers boot in their own processes; meanwhile this one imports what it needs after the run.
    starting = asyncio.ensure_future(executor.start(plan.spec, plan.workers))
    await asyncio.sleep(0)  # let start() spawn the processes before the imports below take the CPU
    _import_report_code()
    try:
        try:
            started = await await_startup(starting, timeout_s=config.startup_timeout, interrupts=interrupts)
            await collecting.start(_collector_context(config, started, collecting.clock_origin_ns))
        except GaugeError as exc:
            measured.failure = exc
            return measured
        if started and started[0].backend_info:
            measured.backend_info = dict(started[0].backend_info)
        if on_workers_ready is not None:
            on_workers_ready(len(started))
        engine = Engine(
            executor,
            plan.source,
            plan.limits,
            sink_factory=_sink_factory(config, timeline),
            observer=observer,
            requests_limit=plan.probe.requests_limit,
            timeline=timeline,
        )
        interrupts.on_interrupt(lambda name: engine.request_stop("interrupted", f"interrupted by {name}"))
        measured.outcome = await engine.run(plan.profile)
    finally:
        measured.collected = await collecting.stop()
        await executor.stop()
    return measured


def _collector_context(config: RunConfig, started: list[WorkerInfo], clock_origin_ns: int) -> CollectorContext:
    here = socket.gethostname()
    return CollectorContext(
        clock_origin_ns=clock_origin_ns,
        backend=config.backend.model_dump(mode="json"),
        worker_pids=tuple(info.pid for info in started if info.host == here),
    )


def _sink_factory(config: RunConfig, timeline: Timeline | None = None) -> Callable[[StageSpec], BenchmarkAccumulator]:
    from gaugellm.metrics import BenchmarkAccumulator

    slo = config.slo_set()

    def sink(spec: StageSpec) -> BenchmarkAccumulator:
        return BenchmarkAccumulator(
            keep_records=config.records,
            slo=slo,
            attainment_target=config.slo_attainment if slo else None,
            target_rate=spec.offered_rate,
            timeline=timeline,
        )

    return sink


def _report(config: RunConfig, plan: _Plan, measured: _Measured) -> RunReport:
    """The report of what was measured, complete or not."""
    from gaugellm.runner.report import run_report

    outcome, failure = measured.outcome, measured.failure
    stages = outcome.stages if outcome is not None else []
    complete = failure is None and outcome is not None and outcome.complete
    error_text = str(failure) if failure is not None else (outcome.error if outcome is not None else None)
    barren = nothing_succeeded(stages) if complete else None
    if barren is not None:  # every request failed, or none was answered before its stage ended: exit 1 either way
        measured.failure = RunIncompleteError(barren)
        complete, error_text = False, barren
    executor = plan.executor
    report = run_report(
        config=config.redacted(),
        stages=stages,
        backend_info=measured.backend_info,
        executor={
            **_safe_executor_info(executor),
            "workers": plan.workers,
            # the runner's own priority (`gaugellm run` lowers it while its workers run: gaugellm.runner.priority)
            "runner_niceness": os.getpriority(os.PRIO_PROCESS, 0) if hasattr(os, "getpriority") else None,
        },
        data_description=plan.data_description,
        data_counting=plan.data_counting,
        complete=complete,
        error=error_text if not complete else None,
        price_per_hour=config.price_per_hour,
        search=plan.profile if isinstance(plan.profile, CapacitySearch) else None,
        slo=config.slo,
        collected=measured.collected,
        timeline=measured.timeline,
        origin_unix=measured.origin_unix,
    )
    report.labels = dict(config.labels)
    if config.checks:
        from gaugellm.reports.checks import evaluate_checks

        report.checks = evaluate_checks(config.checks, report)
    return report


def _failure(
    measured: _Measured,
    interrupts: Interrupts,
    paths: list[Path],
    complete: bool,
    write_problem: str | None,
) -> GaugeError | None:
    """The one error the run ends with (``None``: it succeeded), its message saying where the report went."""
    failure, outcome = measured.failure, measured.outcome
    if failure is None and interrupts.interrupted and (outcome is None or outcome.complete):
        failure = RunInterruptedError(f"interrupted by {interrupts.signal_name} as the run was ending")
    if failure is None and outcome is not None and not outcome.complete:
        message = outcome.error or outcome.stop_reason
        if outcome.stop_reason == "interrupted":
            failure = RunInterruptedError(f"{message}; what was measured was kept")
        else:
            failure = RunIncompleteError(message)
    if failure is not None and paths and not isinstance(failure, RunInterruptedError | RunIncompleteError):
        failure = _with_note(failure, paths, complete)
    elif failure is not None and paths:
        failure = type(failure)(_with_note(failure, paths, complete).args[0])
    if write_problem is not None:
        failure = ReportWriteError(write_problem) if failure is None else _with_text(failure, f"; {write_problem}")
    return failure


def replay_dataset(config: RunConfig) -> Dataset:
    """The requests of a replay: the trace window's records as prompts of their lengths."""
    from gaugellm.data.tokens import load_token_counter
    from gaugellm.data.trace_dataset import TraceDataset

    return TraceDataset(
        config.replay_trace(),
        config.replay_window(),
        load_token_counter(config.tokenizer),
        seed=config.seed,
        chat=False,  # as synthetic data: the backend's request format decides how a prompt is sent
        block_tokens=config.block_tokens,
    )


def _import_report_code() -> None:
    import gaugellm.reports.json_format
    import gaugellm.reports.models
    import gaugellm.reports.writer  # noqa: F401


def _with_note(error: GaugeError, paths: list[Path], complete: bool = False) -> GaugeError:
    """The original error (same type and exit status), its message noting where the report went."""
    what = "report written" if complete else "report marked incomplete"
    return _with_text(error, f" ({what}: {', '.join(str(p) for p in paths)})")


def _with_text(error: GaugeError, text: str) -> GaugeError:
    error.args = (f"{error}{text}",)
    return error


def _safe_executor_info(executor: Executor[Any]) -> dict[str, Any]:
    try:
        return dict(executor.info)
    except Exception:  # a third-party executor's info must not cost the report
        return {"name": getattr(executor, "name", type(executor).__name__)}


def _safe_info(backend: Backend[Any]) -> dict[str, Any]:
    try:
        return dict(backend.info)
    except Exception:  # a backend whose info needs a started client: the worker's answer will replace it
        return {"type": backend.args.type}
