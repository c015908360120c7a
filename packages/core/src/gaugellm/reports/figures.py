"""The report's headline figures, format-neutral: what the Prometheus text (``-o run.prom``) and the OTLP export
(``--otlp-endpoint``) both show.

Computed once here so the two exports cannot drift apart: each is a rendering of the same :class:`Figure` stream,
never a parse of the other's text. Names follow Prometheus conventions (``gaugellm_ttft_seconds``), times are in
seconds, and a distribution's statistics are a ``statistic`` label (``mean``, ``p50`` ... ``max``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from gaugellm.metrics.models import Distribution
from gaugellm.reports.breakdowns import BREAKDOWN_LABELS, part_views
from gaugellm.reports.models import BenchmarkReport, RunReport

__all__ = ["Figure", "report_figures"]


class Figure(NamedTuple):
    """One gauge sample: a metric name, its help text, its unit (UCUM, as OTLP wants it), labels and a value."""

    name: str
    help: str
    unit: str
    labels: dict[str, str]
    value: float


_STATISTICS = ("mean", "p50", "p90", "p95", "p99", "max")
#: report distribution -> (metric name, help); times are in ms in the report, in seconds here.
_DISTRIBUTIONS = {
    "ttft": ("gaugellm_ttft_seconds", "Time to first token."),
    "itl": ("gaugellm_itl_seconds", "Inter-token latency, per request."),
    "tpot": ("gaugellm_tpot_seconds", "Time per output token after the first, per request."),
    "latency": ("gaugellm_latency_seconds", "End-to-end request latency."),
    "ttft_from_schedule": ("gaugellm_ttft_from_schedule_seconds", "First token minus the scheduled send time."),
    "dispatch_lag": ("gaugellm_dispatch_lag_seconds", "How late requests were sent after their scheduled time."),
}


def _label_name(key: str) -> str:
    """A run label's key as a Prometheus label name: ``label_`` + the key, other characters than [A-Za-z0-9_] as _."""
    return "label_" + re.sub(r"[^A-Za-z0-9_]", "_", key)


def _figure(name: str, help_text: str, unit: str, labels: dict[str, str], value: float | None) -> Iterator[Figure]:
    """A figure, or nothing when the report has no value for it (a metric that does not apply is left out)."""
    if value is not None:
        yield Figure(name, help_text, unit, labels, float(value))


def _distribution(name: str, help_text: str, base: dict[str, str], d: Distribution | None) -> Iterator[Figure]:
    if d is None or d.count == 0:
        return
    scale = 1e-3 if d.unit == "ms" else 1.0
    for statistic in _STATISTICS:
        value = getattr(d, statistic)
        yield from _figure(
            name, help_text, "s", {**base, "statistic": statistic}, None if value is None else value * scale
        )


def _benchmark(
    benchmark: BenchmarkReport, part: dict[str, str] | None = None, name: str | None = None
) -> Iterator[Figure]:
    """A benchmark's figures; a part's (``part``: its label, e.g. ``{"turn": "2"}``) under its benchmark's ``name``."""
    base = {"benchmark": name or benchmark.name, "profile": str(benchmark.profile.get("kind", "")), **(part or {})}
    metrics = benchmark.metrics
    yield from _figure(
        "gaugellm_request_rate", "Successful requests per second.", "{request}/s", base, metrics.request_rate
    )
    yield from _figure(
        "gaugellm_output_tokens_per_second", "Output tokens per second.", "{token}/s", base, metrics.output_tokens_per_s
    )
    yield from _figure("gaugellm_error_rate", "Failed / (successful + failed) requests.", "1", base, metrics.error_rate)
    yield from _figure("gaugellm_concurrency", "Mean requests in flight.", "{request}", base, metrics.concurrency)
    yield from _figure("gaugellm_duration_seconds", "The benchmark's measured window.", "s", base, benchmark.duration_s)
    for outcome in ("successful", "errored", "incomplete"):
        count = getattr(metrics.requests, outcome)
        yield from _figure(
            "gaugellm_requests", "Requests measured, by outcome.", "{request}", {**base, "outcome": outcome}, count
        )
    for field, (name, help_text) in _DISTRIBUTIONS.items():
        yield from _distribution(name, help_text, base, getattr(metrics, field))
    if metrics.slo is not None:
        yield from _figure(
            "gaugellm_slo_attainment", "Share of judged requests that met the SLO.", "1", base, metrics.slo.attainment
        )
        yield from _figure("gaugellm_goodput", "Good requests per second.", "{request}/s", base, metrics.slo.goodput)
    if metrics.load is not None and metrics.load.sustainable is not None:
        yield from _figure(
            "gaugellm_sustainable",
            "1 when the stage's load was sustainable.",
            "1",
            base,
            float(metrics.load.sustainable),
        )


def report_figures(report: RunReport) -> Iterator[Figure]:
    """Every figure of the report, run-wide ones first, then each benchmark's, then the capacity found."""
    configured = report.config.get("backend")
    if isinstance(configured, dict):
        configured = configured.get("type")
    backend = str(report.backend.get("type") or configured or "")
    yield Figure(
        "gaugellm_run_info",
        "The run: gaugellm version, backend and when.",
        "1",
        {
            "gaugellm_version": report.gaugellm_version,
            "backend": backend,
            "created_at": report.created_at,
            **{_label_name(key): value for key, value in report.labels.items()},
        },
        1.0,
    )
    yield Figure("gaugellm_run_complete", "1 when the run completed.", "1", {}, float(report.complete))
    for benchmark in report.benchmarks:
        yield from _benchmark(benchmark)
        for part in part_views(benchmark):
            yield from _benchmark(part.view, {BREAKDOWN_LABELS[part.breakdown]: part.key}, benchmark.name)
        for node, lag in (benchmark.dispatch_lag_by_node or {}).items():
            on_node = {"benchmark": benchmark.name, "profile": str(benchmark.profile.get("kind", "")), "node": node}
            yield from _distribution(
                "gaugellm_node_dispatch_lag_seconds", "Dispatch lag of the requests sent from one node.", on_node, lag
            )
    for check in report.checks:
        yield Figure(
            "gaugellm_check_passed",
            "1 when the check (--check) passed on the benchmark.",
            "1",
            {"check": check.check, "benchmark": check.benchmark or ""},
            float(check.passed),
        )
    capacity = report.capacity
    if capacity is not None:
        labels: dict[str, str] = {"by": capacity.by}
        # The capacity is a rate or a concurrency (``by``), so its unit is left generic.
        yield from _figure("gaugellm_capacity", "The highest load that met the SLO.", "1", labels, capacity.capacity)
        yield from _figure(
            "gaugellm_capacity_upper", "The lowest load that missed the SLO.", "1", labels, capacity.upper
        )
