"""One metric of one benchmark pair: both values, the change and its interval, by the best method the data allow.

Percentiles: a bootstrap from the per-request records when both runs kept them, else from the histograms, else no
interval. Rates: a compound Poisson interval over the throughput window. The error rate: Newcombe's interval of a
difference of two proportions. Why each, and its limits: docs/compare.md.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from gaugellm.compare.catalogue import MetricSpec, record_samples
from gaugellm.compare.models import Method
from gaugellm.compare.stats import (
    Binned,
    histogram_draws,
    histogram_quantile,
    nearest_rank,
    newcombe_difference,
    percentile_interval,
    quantile_draws,
    rate_ratio_interval,
    z_value,
)
from gaugellm.metrics.models import Distribution
from gaugellm.reports.models import BenchmarkReport

__all__ = ["Measured", "measure"]

HISTOGRAM_NOTE = (
    "interval from histograms (about 32 bins across each distribution): a change within one bin is interpolated"
)


@dataclass(frozen=True)
class Measured:
    """What the statistics say about one metric, before the verdict."""

    baseline: float | None
    candidate: float | None
    change_low: float | None = None
    change_high: float | None = None
    relative_low: float | None = None
    relative_high: float | None = None
    method: Method = "none"
    samples: tuple[int, int] = (0, 0)
    note: str | None = None


def measure(
    spec: MetricSpec,
    base: BenchmarkReport,
    new: BenchmarkReport,
    *,
    confidence: float,
    resamples: int,
    rng: random.Random,
) -> Measured:
    if spec.kind == "percentile":
        return _percentile(spec, base, new, confidence, resamples, rng)
    if spec.kind == "rate":
        return _rate(spec, base, new, confidence)
    return _error_rate(base, new, confidence)


def _distribution(benchmark: BenchmarkReport, name: str) -> Distribution | None:
    found = getattr(benchmark.metrics, name, None)
    return found if isinstance(found, Distribution) and found.count > 0 else None


def _percentile(
    spec: MetricSpec,
    base: BenchmarkReport,
    new: BenchmarkReport,
    confidence: float,
    resamples: int,
    rng: random.Random,
) -> Measured:
    assert spec.distribution is not None
    assert spec.percent is not None
    field = f"p{spec.percent:g}"
    base_dist, new_dist = _distribution(base, spec.distribution), _distribution(new, spec.distribution)
    if base_dist is None or new_dist is None:
        return Measured(
            baseline=None if base_dist is None else getattr(base_dist, field),
            candidate=None if new_dist is None else getattr(new_dist, field),
        )
    if base.records is not None and new.records is not None:
        base_values = sorted(record_samples(base.records, spec.distribution))
        new_values = sorted(record_samples(new.records, spec.distribution))
        if base_values and new_values:
            base_point = base_values[nearest_rank(len(base_values), spec.percent) - 1]
            new_point = new_values[nearest_rank(len(new_values), spec.percent) - 1]
            base_draws = quantile_draws(base_values, spec.percent, resamples, rng)
            new_draws = quantile_draws(new_values, spec.percent, resamples, rng)
            capped = len(base_values) < base_dist.count or len(new_values) < new_dist.count
            return _bootstrapped(
                base_point,
                new_point,
                base_draws,
                new_draws,
                confidence,
                method="bootstrap-records",
                samples=(len(base_values), len(new_values)),
                note="records hold only the first requests of a run" if capped else None,
            )
    base_point, new_point = getattr(base_dist, field), getattr(new_dist, field)
    base_bins = Binned.of([(b.low, b.high, b.count) for b in base_dist.bins])
    new_bins = Binned.of([(b.low, b.high, b.count) for b in new_dist.bins])
    if base_point is None or new_point is None or not base_bins.count or not new_bins.count:
        return Measured(base_point, new_point, samples=(base_dist.count, new_dist.count), note="no records, no bins")
    # The bins give the interval's width; it is centred on the run's own (finer) percentiles.
    base_centre = histogram_quantile(base_bins, spec.percent)
    new_centre = histogram_quantile(new_bins, spec.percent)
    return _bootstrapped(
        base_point,
        new_point,
        [d - base_centre + base_point for d in histogram_draws(base_bins, spec.percent, resamples, rng)],
        [d - new_centre + new_point for d in histogram_draws(new_bins, spec.percent, resamples, rng)],
        confidence,
        method="bootstrap-histogram",
        samples=(base_dist.count, new_dist.count),
        note=HISTOGRAM_NOTE,
    )


def _bootstrapped(
    base_point: float,
    new_point: float,
    base_draws: list[float],
    new_draws: list[float],
    confidence: float,
    *,
    method: Method,
    samples: tuple[int, int],
    note: str | None,
) -> Measured:
    """The percentile interval of the difference and of the ratio, each resample of one run against one of the
    other (the runs are resampled independently)."""
    low, high = percentile_interval([n - b for b, n in zip(base_draws, new_draws, strict=True)], confidence)
    relative_low = relative_high = None
    if all(b > 0 for b in base_draws):
        relative_low, relative_high = percentile_interval(
            [n / b - 1.0 for b, n in zip(base_draws, new_draws, strict=True)], confidence
        )
    return Measured(base_point, new_point, low, high, relative_low, relative_high, method, samples, note)


def _rate(spec: MetricSpec, base: BenchmarkReport, new: BenchmarkReport, confidence: float) -> Measured:
    base_rate = getattr(base.metrics, spec.name)
    new_rate = getattr(new.metrics, spec.name)
    counts = (base.metrics.requests.successful, new.metrics.requests.successful)
    if base_rate is None or new_rate is None or base_rate <= 0 or new_rate <= 0 or 0 in counts:
        return Measured(base_rate, new_rate, samples=counts)
    base_cv = new_cv = 0.0
    if spec.name == "output_tokens_per_s":
        base_cv, new_cv = _spread(base.metrics.output_length), _spread(new.metrics.output_length)
    ratio_low, ratio_high = rate_ratio_interval(
        base_rate, counts[0], base_cv, new_rate, counts[1], new_cv, z_value(confidence)
    )
    return Measured(
        base_rate,
        new_rate,
        change_low=base_rate * (ratio_low - 1.0),
        change_high=base_rate * (ratio_high - 1.0),
        relative_low=ratio_low - 1.0,
        relative_high=ratio_high - 1.0,
        method="compound-poisson",
        samples=counts,
    )


def _spread(lengths: Distribution) -> float:
    """The coefficient of variation of output lengths (0 when unknown: every request counted alike)."""
    if lengths.mean is None or lengths.stdev is None or lengths.mean <= 0:
        return 0.0
    return lengths.stdev / lengths.mean


def _error_rate(base: BenchmarkReport, new: BenchmarkReport, confidence: float) -> Measured:
    base_counts, new_counts = base.metrics.requests, new.metrics.requests
    base_judged = base_counts.successful + base_counts.errored
    new_judged = new_counts.successful + new_counts.errored
    if not base_judged or not new_judged:
        return Measured(base.metrics.error_rate, new.metrics.error_rate, samples=(base_judged, new_judged))
    base_share, new_share = base_counts.errored / base_judged, new_counts.errored / new_judged
    low, high = newcombe_difference(
        base_counts.errored, base_judged, new_counts.errored, new_judged, z_value(confidence)
    )
    relative_low = relative_high = None
    if base_share > 0:
        relative_low, relative_high = low / base_share, high / base_share
    return Measured(
        base_share, new_share, low, high, relative_low, relative_high, "newcombe", (base_judged, new_judged)
    )
