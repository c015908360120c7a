"""Which metrics a comparison knows, which way each is good, and where its samples come from.

A percentile metric names a distribution of the benchmark's metrics and the records' column that holds the same
per-request quantity, so that an interval can come from the records when both runs kept them and from the
distribution's histogram otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gaugellm.metrics.records import RequestRecords

__all__ = ["METRICS", "MetricSpec", "metric_names", "record_samples"]


@dataclass(frozen=True)
class MetricSpec:
    """One comparable metric."""

    name: str
    label: str
    unit: Literal["ms", "req/s", "tok/s", "share"]
    better: Literal["lower", "higher"]
    kind: Literal["percentile", "rate", "share"]
    distribution: str | None = None  # percentile metrics: the BenchmarkMetrics field
    percent: float | None = None


def _percentile(distribution: str, label: str, percent: float) -> MetricSpec:
    return MetricSpec(
        name=f"{distribution}.p{percent:g}",
        label=f"{label} p{percent:g}",
        unit="ms",
        better="lower",
        kind="percentile",
        distribution=distribution,
        percent=percent,
    )


#: Every metric compared by default, in the order shown.
METRICS: tuple[MetricSpec, ...] = (
    _percentile("ttft", "TTFT", 50),
    _percentile("ttft", "TTFT", 99),
    _percentile("itl", "ITL", 50),
    _percentile("itl", "ITL", 99),
    _percentile("tpot", "TPOT", 50),
    _percentile("latency", "latency", 50),
    _percentile("latency", "latency", 99),
    MetricSpec("request_rate", "req/s", "req/s", "higher", "rate"),
    MetricSpec("output_tokens_per_s", "output tok/s", "tok/s", "higher", "rate"),
    MetricSpec("error_rate", "error rate", "share", "lower", "share"),
)


def metric_names() -> list[str]:
    return [spec.name for spec in METRICS]


def record_samples(records: RequestRecords, distribution: str) -> list[float]:
    """The per-request values of a distribution from the records, successful requests only (as the run's own).

    TPOT is not a column: it is ``(latency - ttft) / (output_tokens - 1)`` for streamed responses of 2 tokens or more,
    the accumulator's definition (docs/metrics.md).
    """
    ok = [status == "ok" for status in records.status]
    if distribution == "tpot":
        values = []
        columns = zip(ok, records.latency_ms, records.ttft_ms, records.output_tokens, records.chunks, strict=True)
        for good, latency, ttft, output, chunks in columns:
            if good and latency is not None and ttft is not None and output is not None and output >= 2 and chunks >= 2:
                values.append((latency - ttft) / (output - 1))
        return values
    column: list[float | None] = getattr(records, f"{distribution}_ms")
    return [value for good, value in zip(ok, column, strict=True) if good and value is not None]
