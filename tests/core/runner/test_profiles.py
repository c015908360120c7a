"""Profiles, arrivals and limits: the pure parts of the scheduler (no processes)."""

from __future__ import annotations

import itertools

import pytest

from gaugellm.errors import RunConfigError
from gaugellm.runner.scheduler import StageLimits, make_profile, parse_error_limit, parse_window
from gaugellm.runner.scheduler.arrivals import constant_offsets, poisson_offsets
from gaugellm.runner.scheduler.stages import StageSpec
from gaugellm.runner.stage import StageOutcome


class _Verdicts:
    """A stage's sink as a profile sees it: only whether its load was sustainable."""

    def __init__(self, sustainable: bool | None) -> None:
        self._sustainable = sustainable

    def add(self, response: object) -> None:  # pragma: no cover - never fed here
        raise AssertionError

    def sustainable(self) -> bool | None:
        return self._sustainable


def finished(rate: float | None, sustainable: bool | None = None) -> StageOutcome:
    """A finished stage whose measured request rate is ``rate`` (None: nothing succeeded), over one second."""
    outcome = StageOutcome(
        spec=StageSpec(name="done", kind="constant", rate=rate or 1.0),
        sink=_Verdicts(sustainable),
        started_at=0.0,
        start_ns=0,
    )
    outcome.measured_start_ns, outcome.measured_end_ns = 0, 1_000_000_000
    outcome.measured_ok = round(rate) if rate else 0
    return outcome


def test_constant_offsets_are_evenly_spaced() -> None:
    assert list(itertools.islice(constant_offsets(4.0), 4)) == [0, 250_000_000, 500_000_000, 750_000_000]


def test_poisson_offsets_are_seeded_and_have_the_rate() -> None:
    first = list(itertools.islice(poisson_offsets(100.0, seed=7), 5001))
    again = list(itertools.islice(poisson_offsets(100.0, seed=7), 5001))
    other = list(itertools.islice(poisson_offsets(100.0, seed=8), 5001))
    assert first == again
    assert first != other
    assert first == sorted(first)
    mean_gap_s = first[-1] / 5000 / 1e9
    assert 0.009 < mean_gap_s < 0.011


def test_sweep_places_rates_between_synchronous_and_throughput() -> None:
    profile = make_profile("sweep", rates=[3], concurrency=16)
    first, second = profile.next_stage([]), profile.next_stage([finished(2.0)])
    assert first is not None
    assert first.kind == "synchronous"
    assert second is not None
    assert second.kind == "throughput"
    assert second.concurrency == 16
    rates = []
    history = [finished(2.0), finished(10.0)]
    while (stage := profile.next_stage(history)) is not None:
        assert stage.kind == "constant"
        assert stage.rate is not None
        rates.append(stage.rate)
        history.append(finished(stage.rate, sustainable=True))
    assert rates == pytest.approx([4.0, 6.0, 8.0])
    assert profile.planned_stages == 5


def test_sweep_stops_when_nothing_succeeded_at_full_speed() -> None:
    profile = make_profile("sweep")
    assert profile.next_stage([finished(1.0), finished(None)]) is None


def test_sweep_stops_adding_rates_past_saturation() -> None:
    profile = make_profile("sweep", rates=[4])
    history = [finished(2.0), finished(12.0), finished(4.0, sustainable=True)]
    assert profile.next_stage(history) is not None
    history.append(finished(6.0, sustainable=False))
    assert profile.next_stage(history) is None, "the rates rise: every later one would be unsustainable too"
    history[-1] = finished(6.0, sustainable=None)
    assert profile.next_stage(history) is not None, "too little to tell is not saturation"


@pytest.mark.parametrize(
    ("kind", "rates", "concurrency", "message"),
    [
        ("constant", [], None, "needs --rate"),
        ("poisson", [5.0], 3, "--concurrency does not apply"),
        ("concurrent", [], None, "needs --concurrency"),
        ("synchronous", [2.0], None, "--rate does not apply"),
        ("constant", [0.0], None, "rates must be positive"),
        ("sweep", [2.5], None, "number of rates"),
    ],
)
def test_bad_profile_options_are_readable(kind: str, rates: list[float], concurrency: int | None, message: str) -> None:
    with pytest.raises(RunConfigError, match=message):
        make_profile(kind, rates=rates, concurrency=concurrency)  # type: ignore[arg-type]


def test_constant_with_several_rates_has_one_stage_each() -> None:
    profile = make_profile("constant", rates=[1.0, 2.5])
    assert [stage.name for stage in profile.stages] == ["constant@1", "constant@2.5"]


def test_windows() -> None:
    assert parse_window("10").requests == 10
    assert parse_window("0.1").fraction == 0.1
    assert parse_window("5s").seconds == 5.0
    assert parse_window(".5s").seconds == 0.5
    with pytest.raises(RunConfigError, match="fraction"):
        parse_window("ten")
    with pytest.raises(RunConfigError, match="whole"):
        parse_window("2.5")


def test_warmup_and_cooldown_exclusion() -> None:
    limits = StageLimits(max_requests=100, warmup=parse_window("0.1"), cooldown=parse_window("5"))
    excluder = limits.excluder()
    assert [excluder.excluded(i, 0) for i in (0, 9, 10, 94, 95, 99)] == [True, True, False, False, True, True]
    timed = StageLimits(max_seconds=10, warmup=parse_window("1s"), cooldown=parse_window("0.2")).excluder()
    assert timed.excluded(0, 999_999_999)
    assert not timed.excluded(0, 1_000_000_000)
    assert not timed.excluded(0, 7_999_999_999)
    assert timed.excluded(0, 8_000_000_000)


def test_limits_need_a_stop_condition() -> None:
    with pytest.raises(RunConfigError, match="stop condition"):
        StageLimits()


def test_error_limits() -> None:
    assert parse_error_limit(5).exceeded(5, 5)
    assert not parse_error_limit(5).exceeded(4, 100)
    rate = parse_error_limit(0.5)
    assert not rate.exceeded(10, 10)  # too few requests to judge a rate
    assert rate.exceeded(11, 20)
    with pytest.raises(RunConfigError):
        parse_error_limit(1.5)
