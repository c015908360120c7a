"""The latency trend: a steady load is sustainable, a growing queue is not, and noise alone does not look like one."""

from __future__ import annotations

import random

import pytest

from gaugellm.metrics.trend import LatencyTrend

MS = 1_000_000


def trend_of(rate: float, seconds: float, latency_ms: float, growth: float, noise_ms: float = 0.0) -> LatencyTrend:
    """Requests at ``rate`` per second whose latency from schedule rises ``growth`` seconds per second."""
    rng = random.Random(3)
    trend = LatencyTrend()
    for index in range(int(rate * seconds)):
        scheduled_s = index / rate
        latency_ms_now = latency_ms + growth * scheduled_s * 1000 + rng.gauss(0, noise_ms)
        trend.add(round(5e9 + scheduled_s * 1e9), round(max(0.0, latency_ms_now) * MS))
    return trend


def test_a_steady_load_is_sustainable() -> None:
    estimate = trend_of(50, 10, 200, 0.0, noise_ms=20).estimate()
    assert estimate is not None
    assert estimate.slope_low < 0 < estimate.slope_high
    assert estimate.sustainable(200) is True


def test_a_growing_queue_is_measured_and_unsustainable() -> None:
    estimate = trend_of(50, 10, 200, 0.1, noise_ms=20).estimate()
    assert estimate is not None
    assert estimate.slope == pytest.approx(0.1, abs=0.005)
    assert estimate.growth_ms == pytest.approx(1000, rel=0.05)
    assert estimate.sustainable(200) is False


def test_a_real_but_harmless_slope_is_not_saturation() -> None:
    """A slope of 0.1 ms/s over 10 s is significant with little noise but adds 1 ms to a 200 ms latency."""
    estimate = trend_of(200, 10, 200, 0.0001, noise_ms=0.1).estimate()
    assert estimate is not None
    assert estimate.slope_low > 0
    assert estimate.sustainable(200) is True


def test_too_little_to_tell() -> None:
    assert LatencyTrend().estimate() is None
    short = trend_of(100, 0.5, 100, 1.0).estimate()
    assert short is not None
    assert short.sustainable(100) is None, "half a second of schedule says nothing"
    few = trend_of(5, 4, 100, 1.0).estimate()
    assert few is not None
    assert few.sustainable(100) is None, "twenty points say nothing"
