"""Turning a run's outcome into the report document (``gaugellm.reports.RunReport``) the metrics engineer defined.

The runner measures; the metrics package summarises (``BenchmarkAccumulator.summary``) and the reports package
writes. This module only assembles: one :class:`BenchmarkReport` per stage, the config with secrets masked, the
environment, what the backend said about itself, how tokens were counted, and whether the run finished.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gaugellm.runner.engine import StageOutcome
from gaugellm.runner.scheduler.capacity import CapacitySearch

if TYPE_CHECKING:
    from gaugellm.metrics import BenchmarkMetrics
    from gaugellm.metrics.timeline import Timeline
    from gaugellm.reports import BenchmarkReport, RunReport
    from gaugellm.reports.models import CapacityReport, CostReport, TimelineReport
    from gaugellm.runner.collecting import CollectedSeries

__all__ = ["benchmark_report", "capacity_report", "cost_report", "run_report", "timeline_report", "token_counting"]


def _per_million(price_per_hour: float, tokens_per_s: float | None) -> float | None:
    if not tokens_per_s:
        return None
    return price_per_hour / (tokens_per_s * 3600) * 1e6


def cost_report(metrics: BenchmarkMetrics, price_per_hour: float | None) -> CostReport | None:
    """What a million output tokens cost at this benchmark's throughput (and a million good ones, with an SLO)."""
    if price_per_hour is None:
        return None
    from gaugellm.reports.models import CostReport

    good = metrics.slo.good_output_tokens_per_s if metrics.slo is not None else None
    return CostReport(
        price_per_hour=price_per_hour,
        per_million_output_tokens=_per_million(price_per_hour, metrics.output_tokens_per_s),
        per_million_good_output_tokens=_per_million(price_per_hour, good) if metrics.slo is not None else None,
    )


def rate_unit(data_description: dict[str, Any] | None) -> str:
    """What a rate profile schedules per second with this data: requests, conversations (their first turns), or, for
    traffic classes of both, starts (a request or a conversation's first turn)."""

    def conversations(description: dict[str, Any]) -> bool:
        return description.get("kind") == "conversations" or description.get("content") == "conversations"

    if data_description is None:
        return "req/s"
    if data_description.get("kind") == "classes":
        kinds = {conversations(c.get("data") or {}) for c in data_description.get("classes", [])}
        return "conversations/s" if kinds == {True} else "starts/s" if True in kinds else "req/s"
    return "conversations/s" if conversations(data_description) else "req/s"


def capacity_report(
    search: CapacitySearch,
    benchmarks: Sequence[BenchmarkReport],
    slo: list[str],
    price_per_hour: float | None,
    unit: str,
) -> CapacityReport:
    """The search's answer for the report, with goodput (and cost) at the capacity's own probe."""
    from gaugellm.reports.models import CapacityProbeReport, CapacityReport

    by_name = {benchmark.name: benchmark for benchmark in benchmarks}
    probes = []
    for probe in search.probes:
        verdict = probe.verdict
        probes.append(
            CapacityProbeReport(
                benchmark=probe.stage,
                value=probe.value,
                verdict="measured" if verdict.decided_by == "measurement" else "pass" if verdict.passed else "fail",
                decided_by=verdict.decided_by,
                reason=verdict.reason,
                attainment=verdict.attainment,
                attainment_low=verdict.attainment_low,
                attainment_high=verdict.attainment_high,
                sustainable=verdict.sustainable,
                latency_growth=verdict.latency_growth,
                request_rate=probe.request_rate,
                duration_s=probe.duration_s,
            )
        )
    capacity = search.passing
    best = next(
        (
            by_name.get(probe.stage)
            for probe in reversed(search.probes)
            if probe.value == capacity and probe.verdict.passed
        ),
        None,
    )
    slo_summary = best.metrics.slo if best is not None else None
    good_tokens = slo_summary.good_output_tokens_per_s if slo_summary is not None else None
    return CapacityReport(
        by=search.by,
        rate_unit=unit,
        slo=slo,
        target=search.rule.target,
        confidence=search.rule.confidence,
        status=search.status,
        capacity=capacity,
        upper=search.failing,
        precision=search.precision,
        throughput=search.throughput,
        goodput=slo_summary.goodput if slo_summary is not None else None,
        good_output_tokens_per_s=good_tokens,
        cost_per_million_good_output_tokens=None
        if price_per_hour is None
        else _per_million(price_per_hour, good_tokens),
        spent_s=search.spent_s,
        budget_s=search.budget_s,
        stopped=search.stopped,
        probes=probes,
    )


def benchmark_report(outcome: StageOutcome, price_per_hour: float | None = None) -> BenchmarkReport:
    """One stage as a benchmark of the report."""
    from gaugellm.metrics import BenchmarkAccumulator
    from gaugellm.metrics.accumulator import distribution
    from gaugellm.reports import BenchmarkReport

    sink = outcome.sink
    assert isinstance(sink, BenchmarkAccumulator), "the CLI's stages collect into BenchmarkAccumulator"
    started_ns, ended_ns = outcome.window_ns
    metrics = sink.summary(started_ns=started_ns, ended_ns=ended_ns)
    load = metrics.load
    if load is not None and load.achieved_ratio is not None and outcome.start_share < 1:
        # the stage was asked for conversations begun per second: compare what it achieved in the same unit
        achieved = load.achieved_ratio * outcome.start_share
        metrics = metrics.model_copy(update={"load": load.model_copy(update={"achieved_ratio": achieved})})
    records = sink.records
    # The window's wall-clock start: the stage's start plus how far into the stage the window begins.
    started_at = outcome.started_at + (started_ns - outcome.start_ns) / 1e9
    return BenchmarkReport(
        name=outcome.spec.name,
        profile=outcome.spec.describe(),
        started_at=started_at,
        duration_s=max(0.0, (ended_ns - started_ns) / 1e9),
        metrics=metrics,
        records=records if records else None,
        incomplete=outcome.incomplete,
        stop_reason=outcome.stop_reason or None,
        cost=cost_report(metrics, price_per_hour),
        classes=sink.class_summaries(started_ns=started_ns, ended_ns=ended_ns),
        turns=sink.turn_summaries(started_ns=started_ns, ended_ns=ended_ns),
        dispatch_lag_by_node=None
        if outcome.lag_by_node is None
        else {node: distribution(lag) for node, lag in outcome.lag_by_node.items()},
    )


def timeline_report(timeline: Timeline, stages: Sequence[StageOutcome], origin_unix: float) -> TimelineReport | None:
    """The run's timeline from its first stage's start to its last stage's end, with each stage's span on it."""
    from gaugellm.reports.models import StageSpan, TimelineReport

    if not stages:
        return None
    origin_ns = timeline.origin_ns

    def seconds(at_ns: int) -> float:
        return round((at_ns - origin_ns) / 1e9, 9)

    start_ns = stages[0].start_ns
    end_ns = max(stages[-1].end_ns, stages[-1].start_ns)
    read = timeline.series(start_ns, end_ns)
    spans = []
    for stage in stages:
        window_start, window_end = stage.window_ns
        spans.append(
            StageSpan(
                name=stage.spec.name,
                start_s=seconds(stage.start_ns),
                end_s=seconds(max(stage.end_ns, stage.start_ns)),
                window_start_s=seconds(window_start),
                window_end_s=seconds(window_end),
            )
        )
    return TimelineReport(
        origin_unix=origin_unix, times_s=read.times_s, series=read.series, window_s=read.window_s, stages=spans
    )


def token_counting(stages: Sequence[StageOutcome], data_counting: str | None) -> dict[str, str]:
    """Where the reported token counts came from: the most common source over successful requests.

    Without any successful request, the data set's own counting (``tokenizer`` or ``estimate``) is what there is;
    successful requests that had nothing to count (embeddings have no output) give ``none``.
    """
    prompt: Counter[str] = Counter()
    output: Counter[str] = Counter()
    for stage in stages:
        prompt.update(stage.prompt_sources)
        output.update(stage.output_sources)
    fallback = data_counting or "none"

    def pick(counts: Counter[str]) -> str:
        known = Counter({source: n for source, n in counts.items() if source != "none"})
        if known:
            return known.most_common(1)[0][0]
        return "none" if counts else fallback  # requests succeeded without any count: they had nothing to count

    counting = {"prompt": pick(prompt), "output": pick(output)}
    if data_counting is not None:
        counting["data"] = data_counting
    return counting


def run_report(
    *,
    config: dict[str, Any],
    stages: Sequence[StageOutcome],
    backend_info: dict[str, Any],
    executor: dict[str, Any],
    data_description: dict[str, Any] | None,
    data_counting: str | None,
    complete: bool,
    error: str | None,
    price_per_hour: float | None = None,
    search: CapacitySearch | None = None,
    slo: list[str] | None = None,
    collected: Sequence[CollectedSeries] = (),
    timeline: Timeline | None = None,
    origin_unix: float | None = None,
) -> RunReport:
    """The whole run as a report document; ``timeline`` (the run's :class:`Timeline`) needs ``origin_unix``."""
    from gaugellm.reports import RunReport, collect_environment
    from gaugellm.reports.models import CollectorReport

    environment = collect_environment()
    environment["executor"] = executor
    servers = {c.name: c.info["server"] for c in collected if isinstance(c.info.get("server"), dict)}
    if servers:
        environment["server"] = servers  # what the server said about itself, beside the client's own
    full_config = dict(config)
    if data_description is not None:
        full_config["data_description"] = data_description
    benchmarks = [benchmark_report(stage, price_per_hour) for stage in stages]
    return RunReport(
        config=full_config,
        environment=environment,
        backend=backend_info,
        token_counting=token_counting(stages, data_counting),
        benchmarks=benchmarks,
        capacity=None
        if search is None
        else capacity_report(search, benchmarks, slo or [], price_per_hour, rate_unit(data_description)),
        collectors=[
            CollectorReport(
                name=c.name,
                args=c.args,
                info=c.info,
                origin_unix=c.origin_unix,
                times_s=c.times_s,
                series=c.columns,
                failures=c.failures,
                last_error=c.last_error,
            )
            for c in collected
        ],
        timeline=None if timeline is None or origin_unix is None else timeline_report(timeline, stages, origin_unix),
        complete=complete,
        error=error,
    )
