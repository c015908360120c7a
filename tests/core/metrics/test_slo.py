"""SLO limits: parsing, which requests are good (boundaries, failures, cancellations), the Wilson interval."""

from __future__ import annotations

import math
import re

import pytest

from gaugellm.backend.schemas import ErrorKind, GenerationResponse
from gaugellm.metrics import BenchmarkAccumulator
from gaugellm.metrics.slo import SloLimit, SloSet, normalise_slo, parse_slo, wilson_interval

MS = 1_000_000


def test_limits_parse_in_every_form() -> None:
    assert parse_slo("ttft<=500ms, tpot<=50ms,latency<=10s") == (
        SloLimit("ttft", 500.0),
        SloLimit("tpot", 50.0),
        SloLimit("latency", 10_000.0),
    )
    assert parse_slo(["itl<20ms", "ttft_from_schedule<=0.5s"]) == (
        SloLimit("itl", 20.0, strict=True),
        SloLimit("ttft_from_schedule", 500.0),
    )
    assert parse_slo({"latency_from_schedule": "2s", "TTFT": "1e2ms"}) == (
        SloLimit("latency_from_schedule", 2000.0),
        SloLimit("ttft", 100.0),
    )
    assert normalise_slo("ttft <= 0.25 s") == ["ttft<=250ms"]
    assert parse_slo(None) == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ttfb<=500ms", "unknown SLO metric 'ttfb' in 'ttfb<=500ms' (did you mean 'ttft'?)"),
        ("ttft<=500", "has no unit: write 500ms or 500s"),
        ("ttft<=-5ms", "a limit must be positive"),
        ("ttft<=0ms", "a limit must be a positive, finite time"),
        ("ttft>=5ms", "SLO limits are upper bounds"),
        ("ttft<=5 minutes", "is not an amount of time"),
        ("ttft", "is not an SLO limit"),
        ("ttft<=5ms,ttft<=6ms", "more than once"),
        ("latency<=100000000s", "above one day"),
    ],
)
def test_bad_limits_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_slo(text)


def response(
    *,
    ttft_ms: float,
    itl_ms: float = 10.0,
    tokens: int = 5,
    scheduled_lag_ms: float = 0.0,
    error: ErrorKind | None = None,
) -> GenerationResponse:
    """A finished response dispatched at t = 1 s (scheduled ``scheduled_lag_ms`` earlier), with its tokens."""
    dispatched = 1_000 * MS
    item = GenerationResponse("r", scheduled_ns=dispatched - round(scheduled_lag_ms * MS))
    item.dispatched_ns = dispatched
    at = dispatched + round(ttft_ms * MS)
    for index in range(tokens):
        item.record_chunk("t", at_ns=at)
        if index < tokens - 1:
            at += round(itl_ms * MS)
    item.set_usage(10, tokens, "server")
    if error is not None:
        item.fail(error, "no")
    item.finish("stop", at_ns=at)
    return item


def judge(*responses: GenerationResponse, slo: str) -> BenchmarkAccumulator:
    accumulator = BenchmarkAccumulator(slo=SloSet(parse_slo(slo)), attainment_target=0.9)
    for item in responses:
        accumulator.add(item)
    return accumulator


def test_a_request_at_the_limit_meets_it_and_one_past_it_does_not() -> None:
    accumulator = judge(response(ttft_ms=100), response(ttft_ms=100.001), slo="ttft<=100ms")
    assert (accumulator.good, accumulator.judged, accumulator.broken) == (1, 2, [1])
    strict = judge(response(ttft_ms=100), response(ttft_ms=99.999), slo="ttft<100ms")
    assert (strict.good, strict.judged) == (1, 2)


@pytest.mark.parametrize(
    ("slo", "good"),
    [
        ("itl<=10ms", True),
        ("itl<=9.9ms", False),
        ("tpot<=10ms", True),
        ("latency<=60ms", True),  # 20 ms + 4 gaps of 10 ms
        ("latency<=59ms", False),
        ("ttft_from_schedule<=30ms", True),  # scheduled 10 ms before dispatch
        ("ttft_from_schedule<=29ms", False),
        ("latency_from_schedule<=70ms", True),
        ("latency_from_schedule<=69ms", False),
    ],
)
def test_each_metric_is_judged(slo: str, good: bool) -> None:
    accumulator = judge(response(ttft_ms=20, scheduled_lag_ms=10), slo=slo)
    assert (accumulator.good, accumulator.judged) == (int(good), 1)


def test_a_failed_request_is_judged_and_never_good() -> None:
    accumulator = judge(response(ttft_ms=1), response(ttft_ms=1, error=ErrorKind.HTTP_STATUS), slo="ttft<=1s")
    assert (accumulator.good, accumulator.judged, accumulator.broken) == (1, 2, [0])
    summary = accumulator.summary(0, 2_000 * MS).slo
    assert summary is not None
    assert (summary.failed, summary.attainment) == (1, 0.5)


def test_a_limit_on_what_a_request_lacks_is_met() -> None:
    """A one-token answer has no ITL or TPOT: it cannot break a limit on them."""
    accumulator = judge(response(ttft_ms=5, tokens=1), slo="itl<=1ms,tpot<=1ms")
    assert (accumulator.good, accumulator.judged) == (1, 1)


def test_a_cancelled_request_counts_only_when_already_past_a_limit() -> None:
    late = response(ttft_ms=500, tokens=1, error=ErrorKind.CANCELLED)  # cut at 500 ms with no token: TTFT > 500
    early = response(ttft_ms=50, tokens=1, error=ErrorKind.CANCELLED)
    late.first_token_ns = None
    early.first_token_ns = None
    accumulator = judge(late, early, slo="ttft<=200ms")
    assert (accumulator.good, accumulator.judged, accumulator.broken) == (0, 1, [1])


def test_goodput_and_the_summary() -> None:
    items = [response(ttft_ms=10) for _ in range(9)] + [response(ttft_ms=900)]
    accumulator = judge(*items, slo="ttft<=100ms")
    summary = accumulator.summary(0, 2_000 * MS).slo
    assert summary is not None
    assert (summary.good, summary.judged, summary.attainment) == (9, 10, 0.9)
    assert summary.goodput == pytest.approx(4.5)  # 9 good over 2 s
    assert summary.good_output_tokens_per_s == pytest.approx(22.5)
    assert summary.limits[0].limit == "ttft<=100ms"
    assert summary.limits[0].broken == 1
    assert summary.attainment_low is not None
    assert summary.attainment_low < 0.9 < (summary.attainment_high or 0)
    assert summary.met is None, "the interval straddles the 0.9 target"


def test_without_an_slo_there_is_no_summary() -> None:
    accumulator = BenchmarkAccumulator()
    accumulator.add(response(ttft_ms=10))
    assert accumulator.summary(0, MS * 1000).slo is None


@pytest.mark.parametrize(
    ("good", "trials", "low", "high"),
    [
        # Reference values of the Wilson score interval at z = 1.959964.
        (0, 10, 0.0, 0.277533),
        (10, 10, 0.722467, 1.0),
        (50, 100, 0.403832, 0.596168),
        (99, 100, 0.945513, 0.998233),
        (990, 1000, 0.981691, 0.994558),
    ],
)
def test_wilson_interval(good: int, trials: int, low: float, high: float) -> None:
    interval = wilson_interval(good, trials)
    assert interval is not None
    assert interval[0] == pytest.approx(low, abs=1e-5)
    assert interval[1] == pytest.approx(high, abs=1e-5)


def test_wilson_interval_covers_as_promised() -> None:
    """Exact coverage at p = 0.99, n = 500, from the binomial distribution: close to 95 % (Wilson's known wobble)."""
    p, n = 0.99, 500
    coverage = 0.0
    for k in range(n + 1):
        interval = wilson_interval(k, n)
        assert interval is not None
        if interval[0] <= p <= interval[1]:
            coverage += math.comb(n, k) * p**k * (1 - p) ** (n - k)
    assert 0.92 < coverage < 0.98
    assert wilson_interval(0, 0) is None
