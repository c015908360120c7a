"""A log-bucketed histogram of non-negative integers with bounded relative error, for latencies in nanoseconds.

Why not keep every sample: a long run at thousands of requests per second, with one inter-token gap per streamed
token, produces hundreds of millions of samples. Why not the ``hdrhistogram`` package: its ``record_value`` is pure
Python at ~0.7 µs a value, while this one records a whole response's gaps in one list comprehension and one
``Counter.update`` (a C loop) at ~0.13 µs a value, and it needs no dependency.

The bucketing is HdrHistogram's idea with 7 significant bits: a value below 256 has a bucket of its own (exact); a
larger value ``v`` with ``b = v.bit_length()`` falls in a bucket of width ``2 ** (b - 8)``, 128 buckets per power of
two. A bucket is reported by its midpoint, so a reported percentile is within ``1/256`` (0.4 %) of a value that was
really recorded at that rank. Only buckets that were hit are stored (a dict), at most ~128 per power of two that the
data spans, so memory does not grow with the number of samples.

Until ``exact_limit`` samples have been recorded the samples themselves are kept too (in a compact ``array``), and
percentiles are exact: short benchmarks and tests get exact numbers, long ones a bounded error. ``count``, ``sum``,
``min``, ``max`` and the sum of squares (hence mean and standard deviation) are always exact.
"""

from __future__ import annotations

import itertools
import math
import operator
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["DEFAULT_EXACT_LIMIT", "SUB_BUCKET_BITS", "LogHistogram", "bucket_bounds", "bucket_index"]

#: Significant bits kept per value: 2**7 = 128 buckets per power of two, relative error <= 1 / 2**(7 + 1).
SUB_BUCKET_BITS = 7
_EXACT_BELOW = 1 << (SUB_BUCKET_BITS + 1)  # 256: values below this are their own bucket
_SHIFT_BASE = SUB_BUCKET_BITS + 1  # bit_length - 8 is how far a value is shifted to find its sub-bucket

#: How many samples a histogram keeps verbatim (exact percentiles) before it relies on its buckets alone.
DEFAULT_EXACT_LIMIT = 4096


def bucket_index(value: int) -> int:
    """The bucket of a non-negative integer. Buckets are numbered so that a larger value never gets a smaller index."""
    if value < _EXACT_BELOW:
        return value
    shift = value.bit_length() - _SHIFT_BASE
    return (shift << SUB_BUCKET_BITS) + (value >> shift)


def bucket_bounds(index: int) -> tuple[int, int]:
    """The values ``[low, high)`` that land in bucket ``index``."""
    if index < _EXACT_BELOW:
        return index, index + 1
    shift = (index >> SUB_BUCKET_BITS) - 1
    mantissa = index - (shift << SUB_BUCKET_BITS)
    return mantissa << shift, (mantissa + 1) << shift


@dataclass(frozen=True, slots=True)
class Bin:
    """A range of values and how many samples fell in it (for charts)."""

    low: int
    high: int
    count: int


class LogHistogram:
    """Counts of non-negative integers in log-spaced buckets, plus exact count/sum/min/max/sum of squares."""

    __slots__ = ("_buckets", "_exact", "_exact_limit", "count", "max", "min", "sum", "sum_squares")

    def __init__(self, exact_limit: int = DEFAULT_EXACT_LIMIT) -> None:
        self._buckets: Counter[int] = Counter()
        self._exact_limit = exact_limit
        self._exact: array[int] | None = array("q") if exact_limit > 0 else None
        self.count = 0
        self.sum = 0
        self.sum_squares = 0
        self.min: int | None = None
        self.max: int | None = None

    # -- recording (the hot path) ------------------------------------------------------------------------------

    def record(self, value: int) -> None:
        """Record one sample. Negative values (a clock read out of order) are recorded as 0."""
        if value < 0:
            value = 0
        if value < _EXACT_BELOW:
            self._buckets[value] += 1
        else:
            shift = value.bit_length() - _SHIFT_BASE
            self._buckets[(shift << SUB_BUCKET_BITS) + (value >> shift)] += 1
        self._tally(1, value, value * value, value, value, (value,))

    def record_many(self, values: Sequence[int]) -> int | None:
        """Record a batch of samples (one response's gaps) with C-level loops wherever possible.

        Returns the batch's largest sample (negative ones count as 0), which the caller gets for free this way
        (the run's timeline keeps each window's worst gap); ``None`` for an empty batch.
        """
        if not values:
            return None
        low = min(values)
        if low < 0:
            values = [value if value > 0 else 0 for value in values]
            low = 0
        high = max(values)
        if high < _EXACT_BELOW:
            self._buckets.update(values)
        else:
            self._buckets.update(
                [
                    (shift << SUB_BUCKET_BITS) + (value >> shift)
                    if (shift := value.bit_length() - _SHIFT_BASE) > 0
                    else value
                    for value in values
                ]
            )
        self._tally(len(values), sum(values), sum(map(operator.mul, values, values)), low, high, values)
        return high

    def record_weighted(self, value: int, weight: int) -> None:
        """Record ``weight`` samples of one value (a gap shared by the several tokens of one chunk)."""
        if weight <= 0:
            return
        if value < 0:
            value = 0
        self._buckets[bucket_index(value)] += weight
        self._tally(weight, value * weight, value * value * weight, value, value, itertools.repeat(value, weight))

    def merge(self, other: LogHistogram) -> None:
        """Add another histogram's samples (e.g. from another worker). Exact samples survive while they fit."""
        if other.count == 0:
            return
        self._buckets.update(other._buckets)
        assert other.min is not None
        assert other.max is not None
        self._tally(other.count, other.sum, other.sum_squares, other.min, other.max, other._exact)

    def _tally(self, count: int, total: int, squares: int, low: int, high: int, samples: Iterable[int] | None) -> None:
        """The totals, the extremes and the exact samples (``None``: they were not kept, so neither are these)."""
        self.count += count
        self.sum += total
        self.sum_squares += squares
        if self.min is None or low < self.min:
            self.min = low
        if self.max is None or high > self.max:
            self.max = high
        exact = self._exact
        if exact is not None:
            if samples is not None and self.count <= self._exact_limit:
                exact.extend(samples)
            else:
                self._exact = None

    # -- reading -----------------------------------------------------------------------------------------------

    @property
    def exact(self) -> bool:
        """Whether percentiles are computed from the samples themselves (no bucketing error)."""
        return self._exact is not None

    @property
    def bucket_count(self) -> int:
        """How many buckets are stored: what the memory use is proportional to."""
        return len(self._buckets)

    @property
    def mean(self) -> float | None:
        return self.sum / self.count if self.count else None

    @property
    def stdev(self) -> float | None:
        """Population standard deviation, from exact integer sums (no cancellation error)."""
        if not self.count:
            return None
        numerator = self.count * self.sum_squares - self.sum * self.sum
        return math.sqrt(max(numerator, 0)) / self.count

    def percentiles(self, percents: Iterable[float]) -> list[float | None]:
        """Nearest-rank percentiles: the value of the ``ceil(p/100 * count)``-th smallest sample.

        Exact while the samples are kept, else the midpoint of the bucket holding that rank, clamped to the exact
        min and max; the first and last ranks are the exact min and max.
        """
        wanted = list(percents)
        if not self.count:
            return [None] * len(wanted)
        ranks = [self._rank(percent) for percent in wanted]
        if self._exact is not None:
            ordered = sorted(self._exact)
            return [float(ordered[rank - 1]) for rank in ranks]
        return [self._value_at_rank(rank) for rank in ranks]

    def percentile(self, percent: float) -> float | None:
        return self.percentiles([percent])[0]

    def _rank(self, percent: float) -> int:
        if not 0.0 <= percent <= 100.0:
            raise ValueError(f"a percentile lies between 0 and 100, got {percent}")
        # Round before ceil so that 0.9 * 10 == 9.000000000000002 still means rank 9.
        return min(max(math.ceil(round(percent / 100.0 * self.count, 9)), 1), self.count)

    def _value_at_rank(self, rank: int) -> float:
        assert self.min is not None
        assert self.max is not None
        if rank <= 1:
            return float(self.min)
        if rank >= self.count:
            return float(self.max)
        seen = 0
        for index in sorted(self._buckets):
            seen += self._buckets[index]
            if seen >= rank:
                low, high = bucket_bounds(index)
                middle = low if high - low == 1 else (low + high - 1) / 2.0
                return float(min(max(middle, self.min), self.max))
        return float(self.max)

    def bins(self, per_power_of_two: int = 4) -> list[Bin]:
        """The distribution in coarser log-spaced bins (for a chart): ``per_power_of_two`` bins per doubling."""
        if (
            per_power_of_two < 1
            or per_power_of_two > (1 << SUB_BUCKET_BITS)
            or per_power_of_two & (per_power_of_two - 1)
        ):
            raise ValueError("per_power_of_two must be a power of two between 1 and 128")
        merged: dict[tuple[int, int], int] = {}
        for index, count in self._buckets.items():
            low, _high = bucket_bounds(index)
            key = _coarse_bin(low, per_power_of_two)
            merged[key] = merged.get(key, 0) + count
        return [Bin(low, high, count) for (low, high), count in sorted(merged.items())]


def _coarse_bin(value: int, per_power_of_two: int) -> tuple[int, int]:
    """The coarse bin ``[low, high)`` holding ``value``: ``per_power_of_two`` equal parts of ``[2**k, 2**(k+1))``."""
    if value == 0:
        return 0, 1
    power = value.bit_length() - 1
    base = 1 << power
    if base < per_power_of_two:  # small values: one bin per integer
        return value, value + 1
    width = base // per_power_of_two
    low = base + ((value - base) // width) * width
    return low, low + width
