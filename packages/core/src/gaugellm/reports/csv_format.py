"""The CSV rendering: one row per benchmark with the main metrics, for spreadsheets and quick comparisons.

The columns are fixed (documented in docs/reports.md) so that CSV files of different runs line up; a value that was
not measured is an empty cell. Times are milliseconds, rates per second.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from gaugellm.metrics.models import Distribution
from gaugellm.reports.breakdowns import PartView, part_key, part_views
from gaugellm.reports.models import BenchmarkReport, RunReport

__all__ = ["CSV_COLUMNS", "DISTRIBUTION_COLUMNS", "OPTIONAL_DISTRIBUTION_COLUMNS", "STATISTIC_COLUMNS", "render_csv"]

Getter = Callable[[BenchmarkReport], Any]

#: The distributions that get columns, in order; each gets ``<name>_<statistic>_ms`` for every statistic below.
DISTRIBUTION_COLUMNS: tuple[str, ...] = (
    "ttft",
    "ttft_from_schedule",
    "itl",
    "inter_token_gap",
    "tpot",
    "latency",
    "latency_from_schedule",
    "dispatch_lag",
)
STATISTIC_COLUMNS: tuple[str, ...] = ("mean", "p50", "p90", "p95", "p99", "max")


def _sources(counts: dict[str, int]) -> str:
    return ";".join(f"{name}:{count}" for name, count in counts.items())


_SCALARS: list[tuple[str, Getter]] = [
    ("benchmark", lambda b: b.name),
    ("profile_kind", lambda b: b.profile.get("kind", "")),
    ("profile", lambda b: json.dumps(b.profile, sort_keys=True, separators=(",", ":"))),
    ("started_at", lambda b: b.started_at),
    ("duration_s", lambda b: b.duration_s),
    ("incomplete", lambda b: "true" if b.incomplete else "false"),
    ("stop_reason", lambda b: b.stop_reason),
    ("requests_total", lambda b: b.metrics.requests.total),
    ("requests_successful", lambda b: b.metrics.requests.successful),
    ("requests_errored", lambda b: b.metrics.requests.errored),
    ("requests_incomplete", lambda b: b.metrics.requests.incomplete),
    ("error_rate", lambda b: b.metrics.error_rate),
    ("request_rate", lambda b: b.metrics.request_rate),
    ("output_tokens_per_s", lambda b: b.metrics.output_tokens_per_s),
    ("total_tokens_per_s", lambda b: b.metrics.total_tokens_per_s),
    ("concurrency", lambda b: b.metrics.concurrency),
    ("prompt_tokens", lambda b: b.metrics.tokens.prompt_tokens),
    ("output_tokens", lambda b: b.metrics.tokens.output_tokens),
    ("output_token_sources", lambda b: _sources(b.metrics.tokens.output_sources)),
]


def _statistic(distribution: str, statistic: str) -> Getter:
    def get(benchmark: BenchmarkReport) -> Any:
        value: Distribution = getattr(benchmark.metrics, distribution)
        return getattr(value, statistic)

    return get


def _slo(field: str) -> Getter:
    def get(benchmark: BenchmarkReport) -> Any:
        slo = benchmark.metrics.slo
        return None if slo is None else getattr(slo, field)

    return get


def _load(field: str) -> Getter:
    def get(benchmark: BenchmarkReport) -> Any:
        load = benchmark.metrics.load
        return None if load is None else getattr(load, field)

    return get


def _cost(field: str) -> Getter:
    def get(benchmark: BenchmarkReport) -> Any:
        cost = benchmark.cost
        return None if cost is None else getattr(cost, field)

    return get


def _flag(value: bool | None) -> str | None:
    return None if value is None else "true" if value else "false"


def _broken(benchmark: BenchmarkReport) -> str | None:
    slo = benchmark.metrics.slo
    return None if slo is None else ";".join(f"{limit.limit}:{limit.broken}" for limit in slo.limits)


#: SLO, load and cost columns, empty where the run had none.
_VERDICTS: list[tuple[str, Getter]] = [
    ("slo_judged", _slo("judged")),
    ("slo_good", _slo("good")),
    ("slo_attainment", _slo("attainment")),
    ("slo_attainment_low", _slo("attainment_low")),
    ("slo_attainment_high", _slo("attainment_high")),
    ("slo_target", _slo("target")),
    ("slo_met", lambda b: None if b.metrics.slo is None else _flag(b.metrics.slo.met)),
    ("slo_broken", _broken),
    ("goodput", _slo("goodput")),
    ("good_output_tokens_per_s", _slo("good_output_tokens_per_s")),
    ("load_target_rate", _load("target_rate")),
    ("load_achieved_ratio", _load("achieved_ratio")),
    ("load_latency_growth", _load("latency_growth")),
    ("load_growth_ms", _load("growth_ms")),
    ("load_sustainable", lambda b: None if b.metrics.load is None else _flag(b.metrics.load.sustainable)),
    ("cost_per_million_output_tokens", _cost("per_million_output_tokens")),
    ("cost_per_million_good_output_tokens", _cost("per_million_good_output_tokens")),
]

#: Capacity columns: the probe this benchmark was, and the search's answer (the same on every row of a run).
CAPACITY_COLUMNS: tuple[str, ...] = (
    "probe_verdict",
    "probe_decided_by",
    "capacity_by",
    "capacity",
    "capacity_upper",
    "capacity_status",
)

#: New columns go after the old ones, so that a column keeps its position across versions.
_COLUMNS: list[tuple[str, Getter]] = (
    _SCALARS
    + [
        (f"{distribution}_{statistic}_ms", _statistic(distribution, statistic))
        for distribution in DISTRIBUTION_COLUMNS
        for statistic in STATISTIC_COLUMNS
    ]
    + _VERDICTS
)

#: Distributions that only some runs have (reasoning models): empty cells where a run has none.
OPTIONAL_DISTRIBUTION_COLUMNS: tuple[str, ...] = ("time_to_first_reasoning_token", "time_to_first_answer_token")


def _optional_statistic(distribution: str, statistic: str) -> Getter:
    def get(benchmark: BenchmarkReport) -> Any:
        value: Distribution | None = getattr(benchmark.metrics, distribution)
        return None if value is None else getattr(value, statistic)

    return get


#: Request-type columns, after the capacity ones: reasoning and prompt-cache counts, then the optional distributions.
_REQUEST_TYPE_COLUMNS: list[tuple[str, Getter]] = [
    ("reasoning_tokens", lambda b: b.metrics.tokens.reasoning_tokens),
    ("answer_tokens", lambda b: b.metrics.tokens.answer_tokens),
    ("cached_prompt_tokens", lambda b: b.metrics.tokens.cached_prompt_tokens),
    ("prompt_tokens_per_s", lambda b: b.metrics.prompt_tokens_per_s),
    ("tool_calls", lambda b: b.metrics.tool_calls),
    ("tool_call_requests", lambda b: b.metrics.tool_call_requests),
] + [
    (f"{distribution}_{statistic}_ms", _optional_statistic(distribution, statistic))
    for distribution in OPTIONAL_DISTRIBUTION_COLUMNS
    for statistic in STATISTIC_COLUMNS
]

#: Run columns, last: the run's labels (``key=value;...``, the same on every row), this benchmark's checks (``pass``,
#: or ``fail:`` and the failed checks; empty when no check applied to it), the traffic class of a class's row
#: (each benchmark's row is followed by one row per class, then one per conversation turn, with the same
#: ``benchmark``; empty on the benchmark's), each node's dispatch lag p99 (``node=ms;...``) when the workers ran on
#: several nodes, and the turn number of a turn's row. ``turn`` comes after the node column rather than beside
#: ``traffic_class`` because a column never moves once written (docs/reports.md).
RUN_COLUMNS: tuple[str, ...] = (
    "labels",
    "checks",
    "traffic_class",
    "dispatch_lag_p99_ms_by_node",
    "turn",
    "capacity_rate_unit",
)

#: Every column, in order.
CSV_COLUMNS: tuple[str, ...] = (
    tuple(name for name, _ in _COLUMNS)
    + CAPACITY_COLUMNS
    + tuple(name for name, _ in _REQUEST_TYPE_COLUMNS)
    + RUN_COLUMNS
)


def _rows(benchmark: BenchmarkReport) -> list[tuple[PartView | None, BenchmarkReport]]:
    """The benchmark's own row, then one per class and per turn: ``(part or None, what the row shows)``."""
    return [(None, benchmark), *((part, part.view) for part in part_views(benchmark))]


def _node_lags(benchmark: BenchmarkReport) -> str | None:
    by_node = benchmark.dispatch_lag_by_node
    if not by_node:
        return None
    return ";".join(f"{node}={'' if lag.p99 is None else round(lag.p99, 6)!r}" for node, lag in by_node.items())


def _checks_cell(report: RunReport, benchmark: BenchmarkReport) -> str | None:
    mine = [check for check in report.checks if check.benchmark == benchmark.name]
    if not mine:
        return None
    failed = [check.check for check in mine if not check.passed]
    return "fail: " + "; ".join(failed) if failed else "pass"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(round(value, 6))
    return value


def render_csv(report: RunReport) -> str:
    """One header row and one row per benchmark; collected series add a mean and a max column each, per benchmark."""
    from gaugellm.reports.collector_views import column_name, series_of, stage_summary

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    collected = list(series_of(report))
    writer.writerow([*CSV_COLUMNS, *(column_name(c, name, stat) for c, name in collected for stat in ("mean", "max"))])
    capacity = report.capacity
    probes = {probe.benchmark: probe for probe in capacity.probes} if capacity is not None else {}
    labels = ";".join(f"{key}={value}" for key, value in report.labels.items()) or None
    for benchmark in report.benchmarks:
        probe = probes.get(benchmark.name)
        answer: list[Any] = (
            [None] * (len(CAPACITY_COLUMNS) - 2)
            if capacity is None
            else [capacity.by, capacity.capacity, capacity.upper, capacity.status]
        )
        tail = [None if probe is None else probe.verdict, None if probe is None else probe.decided_by, *answer]
        for part, row in _rows(benchmark):
            own = part is None  # the benchmark's own row: the figures that belong to the whole benchmark
            cells = [_cell(get(row)) for _, get in _COLUMNS]
            cells[0] = benchmark.name
            writer.writerow(
                cells
                + [_cell(value) for value in tail]
                + [_cell(get(row)) for _, get in _REQUEST_TYPE_COLUMNS]
                + [
                    _cell(labels),
                    _cell(_checks_cell(report, benchmark) if own else None),
                    _cell(part_key(part, "classes")),
                    _cell(_node_lags(benchmark) if own else None),
                    _cell(part_key(part, "turns")),
                    _cell(capacity.rate_unit if capacity is not None and capacity.by == "rate" else None),
                ]
                + [
                    _cell(value)
                    for c, name in collected
                    for summary in (stage_summary(c, name, benchmark),)
                    for value in ((summary.mean, summary.max) if own else (None, None))
                ]
            )
    return buffer.getvalue()
