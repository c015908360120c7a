"""``--fail-on-regression PCT``: the metrics that got worse by more than a threshold, as one line."""

from __future__ import annotations

from gaugellm.compare.errors import RegressionError
from gaugellm.compare.models import CompareReport, MetricComparison

__all__ = ["regression_error", "regressions"]


def _size(row: MetricComparison) -> float | None:
    """How much worse, as a share: relative for every metric but the error rate, which moves in absolute points."""
    if row.unit == "share":
        return None if row.change is None else abs(row.change)
    return None if row.relative_change is None else abs(row.relative_change)


def regressions(report: CompareReport, threshold: float) -> list[str]:
    """``run: benchmark metric +12.3%`` for each ``worse`` metric whose change exceeds ``threshold``."""
    found = []
    for run, pair, row in report.rows():
        size = _size(row)
        if row.verdict == "worse" and size is not None and size > threshold:
            signed = (row.change if row.unit == "share" else row.relative_change) or 0.0
            shown = f"{signed * 100:+.2f} points" if row.unit == "share" else f"{signed * 100:+.1f}%"
            found.append(f"{run.run.name}: {pair.candidate} {row.metric} {shown}")
    return found


def regression_error(report: CompareReport, threshold: float) -> RegressionError | None:
    found = regressions(report, threshold)
    if not found:
        return None
    shown = "; ".join(found[:5]) + ("; ..." if len(found) > 5 else "")
    noun = "metric" if len(found) == 1 else "metrics"
    return RegressionError(f"{len(found)} {noun} worse by more than {threshold * 100:g}%: {shown}")
