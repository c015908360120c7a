"""Bursty (gamma) arrivals and the linear ramp-up: the statistics of the generated times, seeded, no clock."""

from __future__ import annotations

import bisect
import itertools
import math
import random
import statistics

import pytest

from gaugellm.runner.scheduler import StageLimits, StageSpec, parse_window
from gaugellm.runner.scheduler.arrivals import constant_offsets, gamma_offsets, poisson_offsets
from gaugellm.runner.scheduler.ramp import expected_arrivals, ramp_offsets

SAMPLES = 20_000


def gaps_s(offsets: list[int]) -> list[float]:
    return [(later - earlier) / 1e9 for earlier, later in itertools.pairwise(offsets)]


@pytest.mark.parametrize("burstiness", [0.25, 1.0, 4.0])
def test_gamma_gaps_have_the_mean_and_the_spread(burstiness: float) -> None:
    rate = 50.0
    offsets = list(itertools.islice(gamma_offsets(rate, seed=3, burstiness=burstiness), SAMPLES + 1))
    gaps = gaps_s(offsets)
    mean = statistics.fmean(gaps)
    cv = statistics.stdev(gaps) / mean
    assert mean == pytest.approx(1 / rate, rel=0.05)
    assert cv == pytest.approx(1 / math.sqrt(burstiness), rel=0.05)
    assert offsets == sorted(offsets)


def test_burstiness_one_is_the_old_poisson_process() -> None:
    """Runs seeded before burstiness existed draw the same times: ``expovariate`` from ``Random(seed)``."""
    old = list(itertools.islice(poisson_offsets(37.5, seed=11), 100_000))
    assert old[-3:] == [2658669683625, 2658750773164, 2658759901573]  # what the original implementation gave
    assert list(itertools.islice(gamma_offsets(37.5, seed=11, burstiness=1.0), 100_000)) == old
    rng, elapsed_s, expected = random.Random(11), 0.0, []
    for _ in range(1000):
        expected.append(round(elapsed_s * 1e9))
        elapsed_s += rng.expovariate(37.5)
    assert old[:1000] == expected


def test_gamma_arrivals_are_seeded() -> None:
    first = list(itertools.islice(gamma_offsets(10.0, seed=5, burstiness=0.5), 100))
    assert first == list(itertools.islice(gamma_offsets(10.0, seed=5, burstiness=0.5), 100))
    assert first != list(itertools.islice(gamma_offsets(10.0, seed=6, burstiness=0.5), 100))


@pytest.mark.parametrize("burstiness", [0.0, -1.0, math.nan, math.inf, 1001.0])
def test_bad_burstiness_is_refused(burstiness: float) -> None:
    with pytest.raises(ValueError, match="burstiness"):
        gamma_offsets(10.0, seed=1, burstiness=burstiness)


def count_until(offsets: list[int], at_s: float) -> int:
    """Arrivals in ``[0, at_s]``."""
    return bisect.bisect_right(offsets, round(at_s * 1e9))


def test_constant_ramp_follows_the_integrated_rate() -> None:
    rate, ramp_s = 20.0, 10.0
    offsets = list(ramp_offsets(itertools.islice(constant_offsets(rate), 2000), ramp_s))
    assert offsets == sorted(offsets)
    assert offsets[0] == 0
    for at_s in (0.5, 1.0, 2.5, 4.0, 5.0, 7.5, 9.9, 10.0, 12.0, 30.0, 60.0):
        assert abs(count_until(offsets, at_s) - expected_arrivals(rate, ramp_s, at_s)) <= 1, at_s
    # After the ramp, the rate is R: evenly spaced at 1/R again.
    after = [offset for offset in offsets if offset >= ramp_s * 1e9]
    assert {round(gap, 9) for gap in gaps_s(after)} == {1 / rate}
    # During it, the gaps shrink.
    during = gaps_s([offset for offset in offsets if offset < ramp_s * 1e9])
    assert all(later <= earlier for earlier, later in itertools.pairwise(during[1:]))


def test_expected_arrivals() -> None:
    assert expected_arrivals(10.0, 4.0, 0.0) == 0.0
    assert expected_arrivals(10.0, 4.0, 2.0) == pytest.approx(5.0)  # R t² / 2T
    assert expected_arrivals(10.0, 4.0, 4.0) == pytest.approx(20.0)  # R T / 2: half of a full-rate ramp
    assert expected_arrivals(10.0, 4.0, 6.0) == pytest.approx(40.0)  # then R per second


def test_poisson_ramp_follows_the_integrated_rate_on_average() -> None:
    rate, ramp_s, burstiness = 200.0, 20.0, 4.0
    base = list(itertools.islice(gamma_offsets(rate, seed=9, burstiness=burstiness), SAMPLES))
    offsets = list(ramp_offsets(base, ramp_s))
    assert offsets == sorted(offsets)
    for at_s in (5.0, 10.0, 15.0, 20.0, 40.0):
        expected = expected_arrivals(rate, ramp_s, at_s)
        # Exactly the base process's count by operational time Λ(t) / R ...
        assert abs(count_until(offsets, at_s) - count_until(base, expected / rate)) <= 1, at_s
        # ... which is Λ(t) give or take the process's own spread (variance about Λ / B for gamma gaps).
        assert abs(count_until(offsets, at_s) - expected) <= 4 * math.sqrt(expected / burstiness) + 1, at_s
    # After the ramp: the mean rate is R again.
    after = [offset for offset in offsets if offset >= ramp_s * 1e9]
    assert statistics.fmean(gaps_s(after)) == pytest.approx(1 / rate, rel=0.05)


def test_ramp_keeps_the_process_draws() -> None:
    """The warp maps each arrival of the un-ramped process, in order: t = sqrt(2Tu) before T/2, u + T/2 after."""
    base = list(itertools.islice(gamma_offsets(5.0, seed=2, burstiness=0.5), 500))
    warped = list(ramp_offsets(base, 8.0))
    for u, t in zip(base, warped, strict=True):
        expected = math.sqrt(2 * 8e9 * u) if u < 4e9 else u + 4e9
        assert t == pytest.approx(expected, abs=1)


def test_bad_ramp_is_refused() -> None:
    for bad in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="ramp-up"):
            ramp_offsets([0], bad)


def test_stage_spec_ramps_and_describes() -> None:
    plain = StageSpec(name="poisson@5", kind="poisson", rate=5.0, seed=1)
    assert plain.describe() == {"kind": "poisson", "rate": 5.0, "seed": 1}
    shaped = StageSpec(name="poisson@5", kind="poisson", rate=5.0, seed=1, burstiness=0.5, ramp_up_s=4.0)
    assert shaped.describe() == {"kind": "poisson", "rate": 5.0, "seed": 1, "burstiness": 0.5, "ramp_up_s": 4.0}
    arrivals = shaped.arrivals()
    assert arrivals is not None
    expected = ramp_offsets(gamma_offsets(5.0, 1, 0.5), 4.0)
    assert list(itertools.islice(arrivals, 200)) == list(itertools.islice(expected, 200))
    old = StageSpec(name="poisson@5", kind="poisson", rate=5.0, seed=1).arrivals()
    assert old is not None
    assert list(itertools.islice(old, 200)) == list(itertools.islice(poisson_offsets(5.0, 1), 200))


def test_ramp_is_left_out_like_a_warmup() -> None:
    """Whatever is scheduled during the ramp is excluded; with a warm-up as well, the longer window wins."""
    ramp_s = 4.0
    limits = StageLimits(max_seconds=30)
    offsets = list(ramp_offsets(itertools.islice(constant_offsets(10.0), 200), ramp_s))
    excluder = limits.excluder(ramp_s)
    left_out = [offset for index, offset in enumerate(offsets) if excluder.excluded(index, offset)]
    assert left_out == [offset for offset in offsets if offset < ramp_s * 1e9]
    assert len(left_out) == pytest.approx(expected_arrivals(10.0, ramp_s, ramp_s), abs=1)
    assert not limits.excluder().excluded(1, 1)  # no ramp, no warm-up: nothing left out

    shorter_warmup = StageLimits(max_seconds=30, warmup=parse_window("2s")).excluder(ramp_s)
    assert shorter_warmup.excluded(0, 3_999_999_999)
    assert not shorter_warmup.excluded(0, 4_000_000_000)
    longer_warmup = StageLimits(max_seconds=30, warmup=parse_window("6s")).excluder(ramp_s)
    assert longer_warmup.excluded(0, 5_999_999_999)
    assert not longer_warmup.excluded(0, 6_000_000_000)
    by_count = StageLimits(max_requests=100, warmup=parse_window("3")).excluder(ramp_s)
    assert by_count.excluded(2, 5_000_000_000)  # one of the first 3, after the ramp
    assert by_count.excluded(50, 3_000_000_000)  # in the ramp
    assert not by_count.excluded(50, 4_000_000_000)
