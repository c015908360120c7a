"""Compare runs: is a build faster or slower than the baseline, beyond the noise of a run (``gaugellm compare``).

Methods and their limits are in docs/compare.md. rich and the HTML page are imported only by the renderings.
"""

from __future__ import annotations

from gaugellm.compare.catalogue import METRICS, MetricSpec, metric_names
from gaugellm.compare.engine import Settings, compare_reports
from gaugellm.compare.errors import CompareError, RegressionError
from gaugellm.compare.gate import regression_error, regressions
from gaugellm.compare.models import COMPARE_VERSION, CompareReport, MetricComparison
from gaugellm.compare.output import write_comparison

__all__ = [
    "COMPARE_VERSION",
    "METRICS",
    "CompareError",
    "CompareReport",
    "MetricComparison",
    "MetricSpec",
    "RegressionError",
    "Settings",
    "compare_reports",
    "metric_names",
    "regression_error",
    "regressions",
    "write_comparison",
]
