"""Aggregation of finished responses into per-benchmark metrics (definitions: docs/metrics.md).

Memory stays bounded for long runs: every distribution is a log-bucketed histogram with bounded relative error, and
per-request records are optional, compact and capped.
"""

from __future__ import annotations

from gaugellm.metrics.accumulator import DEFAULT_MAX_RECORDS, BenchmarkAccumulator, distribution
from gaugellm.metrics.histogram import LogHistogram
from gaugellm.metrics.models import (
    BenchmarkMetrics,
    Distribution,
    ErrorGroup,
    HistogramBin,
    RequestCounts,
    TokenTotals,
)
from gaugellm.metrics.records import RequestRecord, RequestRecords, RequestStatus

__all__ = [
    "BenchmarkAccumulator",
    "BenchmarkMetrics",
    "RequestRecord",
    "RequestRecords",
    "RequestStatus",
    "Distribution",
    "ErrorGroup",
    "HistogramBin",
    "RequestCounts",
    "TokenTotals",
    "LogHistogram",
    "DEFAULT_MAX_RECORDS",
    "distribution",
]
