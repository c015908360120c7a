"""How a run went, in one phrase every report format shows the same way: complete, with errors, failed checks.

A run whose requests partly failed is not shown as a plain green "complete": the phrase says how many failed, and a
failed check or an incomplete run is shown as bad. Console, HTML and the checks' table all take it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gaugellm.reports.models import RunReport

__all__ = ["RunState", "run_state"]

Level = Literal["good", "warn", "bad"]


@dataclass(frozen=True, slots=True)
class RunState:
    text: str
    level: Level


def run_state(report: RunReport) -> RunState:
    """``complete`` (good), ``complete · 12 of 300 requests failed`` (warn), failed checks or incomplete (bad)."""
    if not report.complete:
        return RunState(f"INCOMPLETE: {report.error or 'interrupted'}", "bad")
    errored = sum(b.metrics.requests.errored for b in report.benchmarks)
    answered = sum(b.metrics.requests.errored + b.metrics.requests.successful for b in report.benchmarks)
    failed_checks = sum(1 for check in report.checks if not check.passed)
    parts = ["complete"]
    if errored:
        parts.append(f"{errored:,} of {answered:,} requests failed")
    if failed_checks:
        parts.append(f"{failed_checks} of {len(report.checks)} checks failed")
    elif report.checks:
        parts.append(f"all {len(report.checks)} checks passed")
    level: Level = "bad" if failed_checks else "warn" if errored else "good"
    return RunState(" · ".join(parts), level)
