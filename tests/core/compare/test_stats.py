"""The statistics: the one-draw bootstrap equals resampling and sorting, and the closed-form intervals are right."""

from __future__ import annotations

import random
import statistics

import pytest

from gaugellm.compare.stats import (
    Binned,
    histogram_draws,
    histogram_quantile,
    nearest_rank,
    newcombe_difference,
    percentile_interval,
    quantile_draws,
    rate_ratio_interval,
    wilson_interval,
    z_value,
)


def _naive(sample: list[float], percent: float, resamples: int, rng: random.Random) -> list[float]:
    """The textbook bootstrap: draw a whole resample, sort it, take the nearest-rank percentile."""
    rank = nearest_rank(len(sample), percent)
    return [sorted(rng.choices(sample, k=len(sample)))[rank - 1] for _ in range(resamples)]


@pytest.mark.parametrize("percent", [50.0, 90.0, 99.0])
def test_one_beta_draw_gives_the_same_bootstrap_distribution_as_resampling(percent: float) -> None:
    data_rng = random.Random(7)
    sample = sorted(data_rng.lognormvariate(0, 0.5) for _ in range(500))
    fast = quantile_draws(sample, percent, 4000, random.Random(1))
    slow = _naive(sample, percent, 4000, random.Random(2))
    # The same distribution: the same mean and spread (within the Monte Carlo noise of 4000 draws each), and the
    # same central 95 % up to one neighbouring sample value.
    spread = statistics.stdev(slow)
    assert abs(statistics.mean(fast) - statistics.mean(slow)) <= 0.1 * spread
    assert 0.9 <= statistics.stdev(fast) / spread <= 1.1
    for tail in (0.025, 0.975):
        fast_at = sample.index(sorted(fast)[int(tail * 4000)])
        slow_at = sample.index(sorted(slow)[int(tail * 4000)])
        assert abs(fast_at - slow_at) <= 1, (tail, fast_at, slow_at)


def test_quantile_draws_are_values_of_the_sample_and_repeat_with_the_seed() -> None:
    sample = [1.0, 2.0, 3.0, 4.0]
    draws = quantile_draws(sample, 50, 200, random.Random(3))
    assert set(draws) <= set(sample)
    assert draws == quantile_draws(sample, 50, 200, random.Random(3))


def test_histogram_reads_evenly_within_a_bin() -> None:
    binned = Binned.of([(10.0, 20.0, 10), (20.0, 40.0, 0), (40.0, 80.0, 10)])
    assert binned.count == 20
    assert binned.at(5.0) == pytest.approx(15.0)
    assert binned.at(15.0) == pytest.approx(60.0)
    assert 10.0 <= histogram_quantile(binned, 50) <= 20.0
    draws = histogram_draws(binned, 50, 500, random.Random(1))
    assert all(10.0 <= d <= 80.0 for d in draws)


def test_percentile_interval_is_the_central_share() -> None:
    values = [float(v) for v in range(1001)]
    assert percentile_interval(values, 0.95) == (25.0, 975.0)


def test_wilson_and_newcombe_against_published_values() -> None:
    z = z_value(0.95)
    assert z == pytest.approx(1.959964, abs=1e-6)
    # Newcombe (1998), example (a): 56/70 vs 48/80 -> difference 0.2, interval 0.0524 to 0.3339.
    low, high = newcombe_difference(48, 80, 56, 70, z)
    assert (low, high) == (pytest.approx(0.0524, abs=5e-4), pytest.approx(0.3339, abs=5e-4))
    low, high = wilson_interval(0, 100, z)
    assert low == 0.0
    assert high == pytest.approx(0.037, abs=1e-3)


def test_rate_ratio_interval_covers_the_truth_about_95_percent_of_the_time() -> None:
    rng = random.Random(11)
    z = z_value(0.95)
    covered = 0
    trials = 400
    for _ in range(trials):
        # Poisson counts over a 60 s window at 10/s and 12/s: the true ratio is 1.2.
        base = _poisson(rng, 600)
        new = _poisson(rng, 720)
        low, high = rate_ratio_interval(base / 60, base, 0.0, new / 60, new, 0.0, z)
        covered += low <= 1.2 <= high
    assert 0.91 <= covered / trials <= 0.99


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count: arrivals of a unit-rate process before ``mean``."""
    count, clock = 0, rng.expovariate(1.0)
    while clock < mean:
        count += 1
        clock += rng.expovariate(1.0)
    return count
