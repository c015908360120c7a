"""Compare runs with a baseline: match their benchmarks, measure each metric, and give each a verdict.

A verdict needs two things: the interval of the change lies wholly on one side of zero (the change is real at the
chosen confidence), and the change is at least the minimum effect (it matters). A tiny real shift on a huge run is
detectable but not reported; a large shift on a short run whose interval straddles zero is not detectable.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from gaugellm.compare.catalogue import METRICS, MetricSpec
from gaugellm.compare.errors import CompareError
from gaugellm.compare.matching import match_benchmarks
from gaugellm.compare.measures import Measured, measure
from gaugellm.compare.models import (
    BenchmarkComparison,
    CapacityComparison,
    CompareReport,
    CompareSettings,
    MetricComparison,
    RunComparison,
    RunRef,
    Verdict,
)
from gaugellm.reports.models import RunReport

__all__ = ["Settings", "compare_reports", "run_names", "verdict"]


@dataclass(frozen=True)
class Settings:
    """The knobs of a comparison; the defaults are documented in docs/compare.md."""

    confidence: float = 0.95
    resamples: int = 2000
    seed: int = 0
    min_effect: float = 0.02
    min_error_change: float = 0.005
    metrics: Sequence[MetricSpec] = field(default_factory=lambda: METRICS)


def verdict(spec: MetricSpec, measured: Measured, settings: Settings) -> Verdict:
    """better / worse / no detectable change / not measured (see the module's docstring)."""
    if measured.baseline is None or measured.candidate is None:
        return "not measured"
    if spec.kind == "share":
        low, high = measured.change_low, measured.change_high
        size, threshold = abs(measured.candidate - measured.baseline), settings.min_error_change
    else:
        low, high = measured.relative_low, measured.relative_high
        if measured.baseline == 0:
            return "no detectable change"
        size, threshold = abs(measured.candidate / measured.baseline - 1.0), settings.min_effect
    if low is None or high is None or size < threshold:
        return "no detectable change"
    if low > 0:
        return "better" if spec.better == "higher" else "worse"
    if high < 0:
        return "better" if spec.better == "lower" else "worse"
    return "no detectable change"


def _row(spec: MetricSpec, measured: Measured, settings: Settings) -> MetricComparison:
    change = relative = None
    if measured.baseline is not None and measured.candidate is not None:
        change = measured.candidate - measured.baseline
        relative = change / measured.baseline if measured.baseline else None
    return MetricComparison(
        metric=spec.name,
        label=spec.label,
        unit=spec.unit,
        better=spec.better,
        baseline=measured.baseline,
        candidate=measured.candidate,
        change=change,
        relative_change=relative,
        change_low=measured.change_low,
        change_high=measured.change_high,
        relative_low=measured.relative_low,
        relative_high=measured.relative_high,
        method=measured.method,
        samples=measured.samples,
        verdict=verdict(spec, measured, settings),
        note=measured.note,
    )


def run_names(paths: Sequence[str], reports: Sequence[RunReport]) -> list[str]:
    """Each run's labels (``build=1234``) when they tell every run apart, else its file name."""
    by_labels = [", ".join(f"{k}={v}" for k, v in report.labels.items()) for report in reports]
    if all(by_labels) and len(set(by_labels)) == len(by_labels):
        return by_labels
    names = [path.replace("\\", "/").rsplit("/", 1)[-1] for path in paths]
    return names if len(set(names)) == len(names) else list(paths)


def _ref(name: str, path: str, report: RunReport) -> RunRef:
    return RunRef(
        name=name,
        path=path,
        labels=dict(report.labels),
        created_at=report.created_at,
        gaugellm_version=report.gaugellm_version,
        complete=report.complete,
    )


def _capacity(baseline: RunReport, candidate: RunReport) -> CapacityComparison | None:
    base, new = baseline.capacity, candidate.capacity
    if base is None or new is None:
        return None
    relative = None
    if base.capacity and new.capacity is not None and base.by == new.by:
        relative = new.capacity / base.capacity - 1.0
    return CapacityComparison(
        by=base.by if base.by == new.by else f"{base.by} vs {new.by}",
        baseline=base.capacity,
        candidate=new.capacity,
        relative_change=relative,
        baseline_status=base.status,
        candidate_status=new.status,
    )


def compare_reports(
    paths: Sequence[str], reports: Sequence[RunReport], settings: Settings | None = None
) -> CompareReport:
    """The first report is the baseline; each later one is compared with it."""
    settings = settings or Settings()
    if len(reports) < 2:
        raise CompareError("compare needs at least two reports: the baseline first, then one or more to compare")
    names = run_names(paths, reports)
    baseline = reports[0]
    runs: list[RunComparison] = []
    for index in range(1, len(reports)):
        candidate = reports[index]
        matching = match_benchmarks(baseline, candidate)
        if not matching.matches:
            raise CompareError(
                f"no benchmark of {paths[index]} matches one of {paths[0]} (same profile and rate or concurrency): "
                f"{', '.join(b.name for b in candidate.benchmarks) or 'none'} vs "
                f"{', '.join(b.name for b in baseline.benchmarks) or 'none'}"
            )
        pairs = []
        for match in matching.matches:
            rows = []
            for spec in settings.metrics:
                # A seed per run, benchmark and metric: adding a metric or a run leaves the others' intervals alone.
                rng = random.Random(f"{settings.seed}:{index}:{match.baseline.name}:{spec.name}")
                measured = measure(
                    spec,
                    match.baseline,
                    match.candidate,
                    confidence=settings.confidence,
                    resamples=settings.resamples,
                    rng=rng,
                )
                rows.append(_row(spec, measured, settings))
            pairs.append(
                BenchmarkComparison(
                    baseline=match.baseline.name,
                    candidate=match.candidate.name,
                    matched_by=match.matched_by,
                    metrics=rows,
                )
            )
        runs.append(
            RunComparison(
                run=_ref(names[index], paths[index], candidate),
                benchmarks=pairs,
                unmatched_baseline=matching.unmatched_baseline,
                unmatched_candidate=matching.unmatched_candidate,
                capacity=_capacity(baseline, candidate),
            )
        )
    return CompareReport(
        baseline=_ref(names[0], paths[0], baseline),
        settings=CompareSettings(
            confidence=settings.confidence,
            resamples=settings.resamples,
            seed=settings.seed,
            min_effect=settings.min_effect,
            min_error_change=settings.min_error_change,
            metrics=[spec.name for spec in settings.metrics],
        ),
        runs=runs,
    )
