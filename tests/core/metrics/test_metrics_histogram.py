"""The log histogram: exact while small, within 1/256 relative error when large, and of bounded size."""

from __future__ import annotations

import math
import random

import pytest

from gaugellm.metrics.histogram import LogHistogram, bucket_bounds, bucket_index

RELATIVE_ERROR = 1 / 256


def nearest_rank(values: list[int], percent: float) -> int:
    ordered = sorted(values)
    rank = min(max(math.ceil(round(percent / 100 * len(ordered), 9)), 1), len(ordered))
    return ordered[rank - 1]


def test_bucket_index_is_monotone_and_bounds_hold_the_value() -> None:
    rng = random.Random(7)
    values = sorted({rng.randint(0, 1 << 45) for _ in range(20_000)} | set(range(0, 2000)))
    indices = [bucket_index(value) for value in values]
    assert indices == sorted(indices)
    for value, index in zip(values, indices, strict=True):
        low, high = bucket_bounds(index)
        assert low <= value < high
        assert (high - low - 1) / 2 <= max(low, 1) * RELATIVE_ERROR


def test_small_values_are_exact_buckets() -> None:
    for value in range(256):
        assert bucket_bounds(bucket_index(value)) == (value, value + 1)


def test_percentiles_are_exact_while_samples_fit() -> None:
    histogram = LogHistogram(exact_limit=100)
    values = [5_000_000, 1_000_000, 3_000_000, 2_000_000, 4_000_000, 10_000_000, 7_000_000, 6_000_000, 9_000_000]
    for value in values:
        histogram.record(value)
    assert histogram.exact
    # Nearest rank on 9 sorted values: p50 -> 5th, p90 -> ceil(8.1) = 9th, p99 -> 9th, p0 -> 1st.
    assert histogram.percentiles([0, 50, 90, 99, 100]) == [1e6, 5e6, 10e6, 10e6, 10e6]
    assert histogram.count == 9
    assert histogram.min == 1_000_000
    assert histogram.max == 10_000_000
    assert histogram.mean == pytest.approx(sum(values) / 9)
    mean = sum(values) / 9
    assert histogram.stdev == pytest.approx(math.sqrt(sum((v - mean) ** 2 for v in values) / 9))


@pytest.mark.parametrize("distribution", ["lognormal", "uniform", "bimodal"])
def test_bucketed_percentiles_stay_within_the_relative_error(distribution: str) -> None:
    rng = random.Random(distribution)
    if distribution == "lognormal":
        values = [int(rng.lognormvariate(17, 1.2)) for _ in range(200_000)]
    elif distribution == "uniform":
        values = [rng.randint(1, 5_000_000_000) for _ in range(200_000)]
    else:
        values = [rng.choice((rng.randint(900, 1100), rng.randint(9_000_000, 11_000_000))) for _ in range(200_000)]
    histogram = LogHistogram(exact_limit=0)
    for start in range(0, len(values), 64):  # as the accumulator does: one batch per response
        histogram.record_many(values[start : start + 64])
    assert not histogram.exact
    percents = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100]
    for percent, measured in zip(percents, histogram.percentiles(percents), strict=True):
        exact = nearest_rank(values, percent)
        assert measured is not None
        assert abs(measured - exact) <= exact * RELATIVE_ERROR + 0.5, (percent, measured, exact)
    assert histogram.percentile(0) == min(values)
    assert histogram.percentile(100) == max(values)
    assert histogram.sum == sum(values)


def test_record_many_and_record_agree() -> None:
    rng = random.Random(3)
    values = [rng.randint(0, 10**10) for _ in range(5000)] + [0, 1, 255, 256, 257]
    one, many = LogHistogram(exact_limit=0), LogHistogram(exact_limit=0)
    for value in values:
        one.record(value)
    many.record_many(values)
    assert one._buckets == many._buckets
    assert (one.count, one.sum, one.sum_squares, one.min, one.max) == (
        many.count,
        many.sum,
        many.sum_squares,
        many.min,
        many.max,
    )


def test_negative_values_count_as_zero() -> None:
    histogram = LogHistogram()
    histogram.record(-5)
    histogram.record_many([-1, 3])
    assert histogram.min == 0
    assert histogram.percentiles([50, 100]) == [0.0, 3.0]


def test_weighted_samples_count_once_per_weight() -> None:
    histogram = LogHistogram()
    histogram.record_weighted(10, 3)
    histogram.record_weighted(40, 1)
    histogram.record_weighted(99, 0)
    assert histogram.count == 4
    assert histogram.sum == 70
    assert histogram.percentiles([50, 75, 100]) == [10.0, 10.0, 40.0]


def test_exact_mode_ends_at_the_limit_and_buckets_take_over() -> None:
    histogram = LogHistogram(exact_limit=10)
    histogram.record_many(list(range(1000, 1010)))
    assert histogram.exact
    histogram.record(5000)
    assert not histogram.exact
    assert histogram.percentile(100) == 5000
    assert histogram.count == 11


def test_merge_adds_everything() -> None:
    left, right = LogHistogram(), LogHistogram()
    left.record_many([1, 2, 3])
    right.record_many([10, 20])
    left.merge(right)
    assert left.count == 5
    assert left.sum == 36
    assert (left.min, left.max) == (1, 20)
    assert left.percentiles([50, 100]) == [3.0, 20.0]


def test_size_does_not_grow_with_a_million_samples() -> None:
    rng = random.Random(11)
    histogram = LogHistogram()
    sizes = []
    for _ in range(1_000_000 // 10_000):
        histogram.record_many([int(rng.lognormvariate(16, 1.0)) for _ in range(10_000)])
        sizes.append(histogram.bucket_count)
    assert histogram.count == 1_000_000
    assert not histogram.exact  # the verbatim samples were dropped
    # ~10 doublings of spread, 128 buckets each: the bucket count saturates instead of following the samples.
    assert sizes[-1] < 2000
    assert sizes[-1] - sizes[len(sizes) // 2] < 100


def test_bins_cover_every_sample() -> None:
    histogram = LogHistogram()
    values = [0, 1, 7, 300, 1000, 123_456, 9_999_999]
    histogram.record_many(values)
    for resolution in (1, 4, 128):
        bins = histogram.bins(resolution)
        assert sum(item.count for item in bins) == len(values)
        for value in values:
            assert any(item.low <= value < item.high for item in bins)
    with pytest.raises(ValueError, match="power of two"):
        histogram.bins(3)


def test_empty_histogram_has_no_statistics() -> None:
    histogram = LogHistogram()
    assert histogram.percentiles([50]) == [None]
    assert histogram.mean is None
    assert histogram.stdev is None
