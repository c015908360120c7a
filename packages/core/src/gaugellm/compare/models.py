"""The comparison document (``gaugellm compare -o compare.json``): pydantic, so that it has a JSON Schema.

One baseline run, one entry per other run, and inside each the matched benchmarks with a row per metric. Every
field is described here and in docs/compare.md; numbers that could not be computed are ``null``, never 0.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from gaugellm.__about__ import __version__

__all__ = [
    "COMPARE_VERSION",
    "BenchmarkComparison",
    "CapacityComparison",
    "CompareReport",
    "CompareSettings",
    "Method",
    "MetricComparison",
    "RunComparison",
    "RunRef",
    "Verdict",
]

#: The version of the comparison document; raised when an older reader could misread a newer one.
COMPARE_VERSION = 1

Verdict = Literal["better", "worse", "no detectable change", "not measured"]
Method = Literal["bootstrap-records", "bootstrap-histogram", "compound-poisson", "newcombe", "none"]


class _Model(BaseModel):
    model_config: ClassVar[ConfigDict] = ConfigDict(extra="forbid")


class RunRef(_Model):
    """One compared run: the name it is shown under and where it came from."""

    name: str = Field(
        description="Its labels (key=value, comma-separated) when they tell the runs apart, else the file."
    )
    path: str = Field(description="The report file as given.")
    labels: dict[str, str] = Field(default_factory=dict)
    created_at: str
    gaugellm_version: str
    complete: bool = Field(description="False when the run was interrupted.")


class CompareSettings(_Model):
    """How the comparison was made."""

    confidence: float = Field(description="Confidence level of every interval, e.g. 0.95.")
    resamples: int = Field(description="Bootstrap resamples per run and metric.")
    seed: int = Field(description="Seed of the bootstrap: the same reports and seed give the same intervals.")
    min_effect: float = Field(description="Smallest relative change reported as a change (0.02: 2 %).")
    min_error_change: float = Field(
        description="Smallest change of the error rate reported as a change, as a difference of shares (0.005: 0.5 "
        "percentage points)."
    )
    metrics: list[str] = Field(description="The metrics compared.")


class MetricComparison(_Model):
    """One metric of one benchmark pair: both values, the change, its interval and the verdict."""

    metric: str = Field(description="e.g. 'ttft.p99', 'request_rate', 'error_rate'.")
    label: str = Field(description="As shown, e.g. 'TTFT p99'.")
    unit: Literal["ms", "req/s", "tok/s", "share"]
    better: Literal["lower", "higher"] = Field(description="Which direction is an improvement.")
    baseline: float | None = Field(description="The baseline run's value (null: not measured).")
    candidate: float | None = Field(description="This run's value.")
    change: float | None = Field(description="candidate - baseline, in the unit.")
    relative_change: float | None = Field(description="change / baseline (0.1: +10 %); null when the baseline is 0.")
    change_low: float | None = Field(description="Lower end of the interval of the change, in the unit.")
    change_high: float | None = Field(description="Upper end of the interval of the change, in the unit.")
    relative_low: float | None = Field(description="Lower end of the interval of the relative change.")
    relative_high: float | None = Field(description="Upper end of the interval of the relative change.")
    method: Method = Field(
        description="How the interval was found: bootstrap-records, bootstrap-histogram, compound-poisson (rates), "
        "newcombe (error rate), none (no interval)."
    )
    samples: tuple[int, int] = Field(description="Samples (requests) behind each value: baseline, candidate.")
    verdict: Verdict = Field(
        description="better / worse: the interval lies wholly on one side of zero and the change is at least the "
        "minimum effect; no detectable change otherwise; not measured: a run lacks the value."
    )
    note: str | None = Field(default=None, description="What limits this row (histogram resolution, capped records).")


class BenchmarkComparison(_Model):
    """One benchmark of the baseline and its match in the other run."""

    baseline: str = Field(description="The baseline's benchmark name.")
    candidate: str = Field(description="The other run's benchmark name.")
    matched_by: Literal["load", "sweep position"] = Field(
        description="load: the same profile kind and rate or concurrency; sweep position: the k-th rate of two sweeps."
    )
    metrics: list[MetricComparison]


class CapacityComparison(_Model):
    """The answers of two capacity searches (no interval: a search's answer is a bracket, not a sample)."""

    by: str
    baseline: float | None
    candidate: float | None
    relative_change: float | None
    baseline_status: str
    candidate_status: str


class RunComparison(_Model):
    """One run compared with the baseline."""

    run: RunRef
    benchmarks: list[BenchmarkComparison]
    unmatched_baseline: list[str] = Field(description="Baseline benchmarks with no match in this run.")
    unmatched_candidate: list[str] = Field(description="This run's benchmarks with no match in the baseline.")
    capacity: CapacityComparison | None = None


class CompareReport(_Model):
    """The whole comparison: the baseline, the settings, and each other run against the baseline."""

    version: int = Field(default=COMPARE_VERSION, description="Comparison document version.")
    gaugellm_version: str = Field(default=__version__)
    created_at: str = Field(
        default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"), description="ISO-8601, UTC."
    )
    baseline: RunRef
    settings: CompareSettings
    runs: list[RunComparison]

    def rows(self) -> list[tuple[RunComparison, BenchmarkComparison, MetricComparison]]:
        """Every metric row, with its run and benchmark pair (for renderings and gates)."""
        return [(run, pair, row) for run in self.runs for pair in run.benchmarks for row in pair.metrics]
