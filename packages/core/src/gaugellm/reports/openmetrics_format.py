"""The report's figures as Prometheus exposition text (``-o run.prom``), for dashboards people already have.

One gauge per figure, labelled with the benchmark (and the profile kind), times in seconds as Prometheus names them;
statistics of a distribution are a ``statistic`` label (``mean``, ``p50`` ... ``max``). The text follows the classic
text format (0.0.4) and ends with OpenMetrics' ``# EOF``, which the classic parsers read as a comment: the same file
can go to a node exporter's textfile folder, a Pushgateway (``--push-gateway``) or an OpenMetrics reader.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from gaugellm.metrics.models import Distribution
from gaugellm.reports.models import BenchmarkReport, RunReport

__all__ = ["CONTENT_TYPE", "render_openmetrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

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


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: dict[str, str]) -> str:
    return "{" + ",".join(f'{name}="{_escape(value)}"' for name, value in labels.items()) + "}" if labels else ""


def _number(value: float) -> str:
    return (
        repr(float(value))
        if math.isfinite(value)
        else ("NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf"))
    )


class _Families:
    """Collects samples per metric family so each family is written once, with its HELP and TYPE."""

    def __init__(self) -> None:
        self.families: dict[str, tuple[str, list[str]]] = {}

    def add(self, name: str, help_text: str, labels: dict[str, str], value: float | None) -> None:
        if value is None:
            return
        family = self.families.setdefault(name, (help_text, []))
        family[1].append(f"{name}{_labels(labels)} {_number(value)}")

    def lines(self) -> Iterator[str]:
        for name, (help_text, samples) in self.families.items():
            yield f"# HELP {name} {help_text}"
            yield f"# TYPE {name} gauge"
            yield from samples


def _distribution(families: _Families, name: str, help_text: str, base: dict[str, str], d: Distribution | None) -> None:
    if d is None or d.count == 0:
        return
    scale = 1e-3 if d.unit == "ms" else 1.0
    for statistic in _STATISTICS:
        value = getattr(d, statistic)
        families.add(name, help_text, {**base, "statistic": statistic}, None if value is None else value * scale)


def _benchmark(families: _Families, benchmark: BenchmarkReport) -> None:
    base = {"benchmark": benchmark.name, "profile": str(benchmark.profile.get("kind", ""))}
    metrics = benchmark.metrics
    families.add("gaugellm_request_rate", "Successful requests per second.", base, metrics.request_rate)
    families.add("gaugellm_output_tokens_per_second", "Output tokens per second.", base, metrics.output_tokens_per_s)
    families.add("gaugellm_error_rate", "Failed / (successful + failed) requests.", base, metrics.error_rate)
    families.add("gaugellm_concurrency", "Mean requests in flight.", base, metrics.concurrency)
    families.add("gaugellm_duration_seconds", "The benchmark's measured window.", base, benchmark.duration_s)
    for outcome in ("successful", "errored", "incomplete"):
        count = getattr(metrics.requests, outcome)
        families.add("gaugellm_requests", "Requests measured, by outcome.", {**base, "outcome": outcome}, count)
    for field, (name, help_text) in _DISTRIBUTIONS.items():
        _distribution(families, name, help_text, base, getattr(metrics, field))
    if metrics.slo is not None:
        families.add(
            "gaugellm_slo_attainment", "Share of judged requests that met the SLO.", base, metrics.slo.attainment
        )
        families.add("gaugellm_goodput", "Good requests per second.", base, metrics.slo.goodput)
    if metrics.load is not None and metrics.load.sustainable is not None:
        families.add(
            "gaugellm_sustainable", "1 when the stage's load was sustainable.", base, float(metrics.load.sustainable)
        )


def render_openmetrics(report: RunReport) -> str:
    """The report as exposition text."""
    families = _Families()
    backend = str(report.backend.get("type") or (report.config.get("backend") or {}).get("type") or "")
    families.add(
        "gaugellm_run_info",
        "The run: gaugellm version, backend and when.",
        {"gaugellm_version": report.gaugellm_version, "backend": backend, "created_at": report.created_at},
        1.0,
    )
    families.add("gaugellm_run_complete", "1 when the run completed.", {}, float(report.complete))
    for benchmark in report.benchmarks:
        _benchmark(families, benchmark)
    capacity = report.capacity
    if capacity is not None:
        labels: dict[str, str] = {"by": capacity.by}
        families.add("gaugellm_capacity", "The highest load that met the SLO.", labels, capacity.capacity)
        families.add("gaugellm_capacity_upper", "The lowest load that missed the SLO.", labels, capacity.upper)
    return "\n".join([*families.lines(), "# EOF", ""])
