"""The collectors' samples as every report format shows them: a summary per series, over the run and per benchmark.

One module decides what is shown, so that console, CSV and HTML agree; the full series stay in the JSON.
"""

from __future__ import annotations

from collections.abc import Iterator

from gaugellm.reports.models import BenchmarkReport, CollectorReport, RunReport, SeriesSummary

__all__ = ["column_name", "format_value", "headline_series", "headlines", "series_of", "stage_summary"]

_STATISTICS = ("mean", "max", "min", "last")


def series_of(report: RunReport) -> Iterator[tuple[CollectorReport, str]]:
    """Every (collector, series name) of the run, in the order sampled."""
    for collector in report.collectors:
        for name in collector.series:
            yield collector, name


def stage_summary(collector: CollectorReport, series: str, benchmark: BenchmarkReport) -> SeriesSummary:
    """The series over one benchmark's window."""
    return collector.summary(series, benchmark.started_at, benchmark.started_at + benchmark.duration_s)


def headline_series(collector: CollectorReport) -> list[str]:
    """The series a collector named as its headline that it did sample; all of them when it named none."""
    named = collector.info.get("headline")
    if not isinstance(named, dict) or not named:
        return list(collector.series)
    return [series for series in named if series in collector.series]


def headlines(report: RunReport, benchmark: BenchmarkReport) -> list[str]:
    """``"vllm:num_requests_waiting mean 3.2"`` for each headline series a collector named, over one benchmark."""
    found = []
    for collector in report.collectors:
        named = collector.info.get("headline")
        if not isinstance(named, dict):
            continue
        for series, statistic in named.items():
            if series not in collector.series or statistic not in _STATISTICS:
                continue
            value = getattr(stage_summary(collector, series, benchmark), statistic)
            if value is not None:
                found.append(f"{series} {statistic} {format_value(value)}")
    return found


def column_name(collector: CollectorReport, series: str, statistic: str) -> str:
    """``client.runner_cpu_percent.mean``: a CSV column."""
    return f"{collector.name}.{series}.{statistic}"


def format_value(value: float | None) -> str:
    """A sampled value, short: three significant digits, no exponent for everyday sizes."""
    if value is None:
        return "-"
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
        return f"{value:.3g}"
    return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.0f}"
