"""The statistics of a comparison: bootstrap intervals of a percentile's change, a rate's and an error rate's.

Pure Python and the standard library only (the core stays light). Every function takes its random generator from the
caller, so that a comparison is repeatable: the same reports and seed give the same intervals.

The percentile bootstrap here does not build each resample. A resample of ``n`` values drawn with replacement from the
sorted sample ``x[0..n-1]`` is ``n`` indices ``floor(n * U_i)`` with ``U_i`` uniform, and its ``r``-th smallest value
is ``x[floor(n * U_(r))]``, where ``U_(r)``, the ``r``-th smallest of ``n`` uniforms, follows ``Beta(r, n - r + 1)``.
So one Beta draw gives exactly what sorting a whole resample would have given for that rank: the bootstrap
distribution is the same, at a cost that does not grow with the sample (docs/compare.md).
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

__all__ = [
    "Binned",
    "histogram_draws",
    "histogram_quantile",
    "nearest_rank",
    "newcombe_difference",
    "percentile_interval",
    "quantile_draws",
    "rate_ratio_interval",
    "wilson_interval",
    "z_value",
]


def z_value(confidence: float) -> float:
    """The two-sided normal quantile of a confidence level (1.96 for 0.95)."""
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def nearest_rank(count: int, percent: float) -> int:
    """The 1-based rank of the nearest-rank percentile, the same rule as the run's own percentiles."""
    return min(max(math.ceil(round(percent / 100.0 * count, 9)), 1), count)


def quantile_draws(ordered: Sequence[float], percent: float, resamples: int, rng: random.Random) -> list[float]:
    """The nearest-rank percentile of ``resamples`` bootstrap resamples of ``ordered`` (sorted ascending)."""
    count = len(ordered)
    rank = nearest_rank(count, percent)
    alpha, beta = float(rank), float(count - rank + 1)
    last = count - 1
    return [ordered[min(int(count * rng.betavariate(alpha, beta)), last)] for _ in range(resamples)]


@dataclass(frozen=True)
class Binned:
    """A histogram as cumulative counts, to read a percentile at a fractional position within it.

    A position ``t`` (0 .. count) falls in the bin whose cumulative range holds it, and reads as a value spread
    evenly across that bin: the samples' true places within a bin are unknown, so this is the resolution limit of a
    histogram (docs/compare.md).
    """

    lows: tuple[float, ...]
    highs: tuple[float, ...]
    cumulative: tuple[int, ...]  # samples in bins 0..i inclusive

    @classmethod
    def of(cls, bins: Sequence[tuple[float, float, int]]) -> Binned:
        kept = [(low, high, count) for low, high, count in bins if count > 0]
        total, cumulative = 0, []
        for _, _, count in kept:
            total += count
            cumulative.append(total)
        return cls(tuple(b[0] for b in kept), tuple(b[1] for b in kept), tuple(cumulative))

    @property
    def count(self) -> int:
        return self.cumulative[-1] if self.cumulative else 0

    def at(self, position: float) -> float:
        """The value at a fractional position among the samples."""
        index = min(bisect.bisect_left(self.cumulative, position), len(self.cumulative) - 1)
        before = self.cumulative[index - 1] if index else 0
        inside = self.cumulative[index] - before
        fraction = min(max((position - before) / inside, 0.0), 1.0)
        return self.lows[index] + (self.highs[index] - self.lows[index]) * fraction


def histogram_quantile(binned: Binned, percent: float) -> float:
    """The percentile read from bins, at the expected position of its rank (where the bootstrap centres)."""
    count = binned.count
    rank = nearest_rank(count, percent)
    return binned.at(count * rank / (count + 1))


def histogram_draws(binned: Binned, percent: float, resamples: int, rng: random.Random) -> list[float]:
    """The percentile of ``resamples`` multinomial resamples of the histogram's counts (same Beta argument)."""
    count = binned.count
    rank = nearest_rank(count, percent)
    alpha, beta = float(rank), float(count - rank + 1)
    return [binned.at(count * rng.betavariate(alpha, beta)) for _ in range(resamples)]


def percentile_interval(values: Sequence[float], confidence: float) -> tuple[float, float]:
    """The central ``confidence`` share of ``values``: the percentile bootstrap interval."""
    ordered = sorted(values)
    last = len(ordered) - 1
    tail = (1.0 - confidence) / 2.0
    low = ordered[max(min(math.floor(tail * last), last), 0)]
    high = ordered[max(min(math.ceil((1.0 - tail) * last), last), 0)]
    return low, high


def wilson_interval(successes: int, trials: int, z: float) -> tuple[float, float]:
    """Wilson's score interval of a proportion."""
    if trials <= 0:
        return 0.0, 1.0
    share = successes / trials
    denominator = 1.0 + z * z / trials
    centre = (share + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials)) / denominator
    return max(centre - half, 0.0), min(centre + half, 1.0)


def newcombe_difference(
    base_events: int, base_trials: int, new_events: int, new_trials: int, z: float
) -> tuple[float, float]:
    """Newcombe's hybrid score interval of ``p_new - p_base`` from each proportion's Wilson interval."""
    p_base, p_new = base_events / base_trials, new_events / new_trials
    base_low, base_high = wilson_interval(base_events, base_trials, z)
    new_low, new_high = wilson_interval(new_events, new_trials, z)
    difference = p_new - p_base
    low = difference - math.sqrt((p_new - new_low) ** 2 + (base_high - p_base) ** 2)
    high = difference + math.sqrt((new_high - p_new) ** 2 + (p_base - base_low) ** 2)
    return low, high


def rate_ratio_interval(
    base_rate: float,
    base_count: int,
    base_cv: float,
    new_rate: float,
    new_count: int,
    new_cv: float,
    z: float,
) -> tuple[float, float]:
    """Interval of ``new_rate / base_rate`` for rates that count events (or their sizes) over a window.

    Each rate's total is taken as a compound Poisson sum of ``count`` events of sizes with coefficient of variation
    ``cv`` (0 for counting requests, the spread of output lengths for tokens): its log has variance
    ``(1 + cv**2) / count``, and the log ratio's normal interval is turned back into a ratio.
    """
    spread = math.sqrt((1.0 + base_cv**2) / base_count + (1.0 + new_cv**2) / new_count)
    centre = math.log(new_rate / base_rate)
    return math.exp(centre - z * spread), math.exp(centre + z * spread)
