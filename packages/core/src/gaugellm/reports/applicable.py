"""Which metrics apply to a run: a request type that generates nothing (embeddings, scores) has no time to first token,
no inter-token latency and no output rate, and a report must leave them out rather than show a dash or a zero where a
reader expects a measurement.

A run with no successful request at all keeps every column: it says nothing about what its requests were.
"""

from __future__ import annotations

from gaugellm.reports.models import RunReport

__all__ = ["generative", "measured"]


def _nothing_succeeded(report: RunReport) -> bool:
    return all(benchmark.metrics.requests.successful == 0 for benchmark in report.benchmarks)


def measured(report: RunReport, distribution: str) -> bool:
    """Whether any benchmark has samples of ``distribution`` (e.g. ``ttft``), or nothing succeeded."""
    return _nothing_succeeded(report) or any(
        getattr(benchmark.metrics, distribution).count > 0 for benchmark in report.benchmarks
    )


def generative(report: RunReport) -> bool:
    """Whether any benchmark's requests produced output (its output rate is known), or nothing succeeded."""
    return _nothing_succeeded(report) or any(
        benchmark.metrics.output_tokens_per_s is not None for benchmark in report.benchmarks
    )
