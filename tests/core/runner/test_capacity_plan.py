"""The capacity search's plan, stage by stage, with the verdicts a probe's metrics give (no processes).

The stages' metrics are real accumulators fed with responses whose timing is chosen, so a probe passes or fails
through the same code as in a run; the end-to-end search against a server is in test_capacity_end_to_end.py.
"""

from __future__ import annotations

import pytest

from gaugellm.backend.schemas import GenerationResponse
from gaugellm.metrics import BenchmarkAccumulator
from gaugellm.metrics.slo import SloSet, parse_slo
from gaugellm.runner.scheduler.capacity import MAX_PROBES, CapacitySearch, ProbeRule
from gaugellm.runner.scheduler.stages import StageSpec
from gaugellm.runner.stage import StageOutcome

MS = 1_000_000
SLO = SloSet(parse_slo("ttft<=100ms"))


def outcome(spec: StageSpec, *, served_rate: float, seconds: float = 10.0, ttft_s: float = 0.02) -> StageOutcome:
    """What a stage at ``spec`` measures against a server that serves ``served_rate`` requests/s."""
    sink = BenchmarkAccumulator(slo=SLO, attainment_target=0.99, target_rate=spec.rate)
    offered = spec.rate if spec.rate is not None else served_rate
    count = int(offered * seconds)
    finished_by = 0.0
    for index in range(count):
        scheduled = index / offered
        start = max(scheduled, finished_by)
        finished_by = start + 1 / served_rate  # one server: a FIFO queue builds when offered > served
        item = GenerationResponse(str(index), scheduled_ns=round(scheduled * 1e9) if spec.rate else None)
        item.dispatched_ns = round(scheduled * 1e9)
        item.record_chunk("t", at_ns=round((start + ttft_s) * 1e9))
        item.record_chunk("t", at_ns=round((start + ttft_s + 0.01) * 1e9))
        item.set_usage(8, 2, "server")
        item.finish("stop", at_ns=round((start + ttft_s + 0.01) * 1e9))
        sink.add(item)
    result = StageOutcome(spec=spec, sink=sink, started_at=0.0, start_ns=0, end_ns=round(seconds * 1e9))
    result.measured_start_ns, result.measured_end_ns, result.measured_ok = 0, round(seconds * 1e9), count
    return result


def run_search(search: CapacitySearch, served_rate: float) -> list[StageSpec]:
    history: list[StageOutcome] = []
    while (spec := search.next_stage(history)) is not None:
        history.append(outcome(spec, served_rate=served_rate, seconds=min(10.0, spec.max_seconds or 10.0)))
    return [stage.spec for stage in history]


def test_a_rate_search_brackets_then_narrows_to_the_served_rate() -> None:
    search = CapacitySearch(rule=ProbeRule(target=0.99), probe_seconds=10.0)
    specs = run_search(search, served_rate=40.0)
    assert specs[0].kind == "throughput"
    assert specs[0].probe is not None
    assert specs[0].probe.measure_only
    assert all(spec.kind == "constant" for spec in specs[1:])
    assert search.status == "found"
    assert search.passing is not None
    assert search.failing is not None
    assert search.passing <= 40.0 < search.failing
    assert search.passing == pytest.approx(40.0, rel=0.03)
    assert len(specs) <= 8


def test_a_budget_stops_the_search_and_says_so() -> None:
    search = CapacitySearch(rule=ProbeRule(target=0.99), probe_seconds=10.0, budget_s=25.0)
    specs = run_search(search, served_rate=40.0)
    assert search.spent_s <= 25.0 + 1e-9
    assert search.stopped == "the budget of 25 s is spent"
    assert search.status in ("bracketed", "above_highest", "below_lowest")
    assert specs[-1].max_seconds is not None
    assert specs[-1].max_seconds <= 25.0


def test_a_concurrency_search_doubles_then_bisects() -> None:
    """Probes pass up to 6 streams: enough to see doubling, then bisection between 4 and 8."""
    search = CapacitySearch(rule=ProbeRule(target=0.99), probe_seconds=10.0, by="concurrency", bound=64)
    history: list[StageOutcome] = []
    while (spec := search.next_stage(history)) is not None:
        assert spec.concurrency is not None
        ttft_s = 0.02 if spec.concurrency <= 6 else 0.5  # past 6 streams every request misses the limit
        history.append(outcome(spec, served_rate=40.0, ttft_s=ttft_s))
    assert [spec.spec.concurrency for spec in history] == [1, 2, 4, 8, 6, 7]
    assert (search.status, search.passing, search.failing) == ("found", 6.0, 7.0)


def test_nothing_succeeding_at_full_speed_ends_the_search() -> None:
    search = CapacitySearch(rule=ProbeRule(target=0.99), probe_seconds=10.0)
    first = search.next_stage([])
    assert first is not None
    empty = StageOutcome(spec=first, sink=BenchmarkAccumulator(slo=SLO), started_at=0.0, start_ns=0, end_ns=10**9)
    assert search.next_stage([empty]) is None
    assert search.status == "no_answer"
    assert search.stopped == "nothing succeeded at full speed"


def test_probes_are_capped() -> None:
    search = CapacitySearch(rule=ProbeRule(target=0.99), probe_seconds=10.0, precision=1e-9)
    specs = run_search(search, served_rate=40.0)
    assert len(specs) == MAX_PROBES
    assert search.stopped == f"reached {MAX_PROBES} probes"
    assert search.status == "bracketed"


def stalled(spec: StageSpec, *, seconds: float = 10.0, stall_s: float = 0.4) -> StageOutcome:
    """A probe the server kept up with, but whose last second the client spent stalled: late requests wait ``stall_s``.

    Every request still meets the SLO's 100 ms TTFT limit on its own clock, but latency from schedule rises at the end:
    the trend alone calls the load unsustainable.
    """
    assert spec.rate is not None
    sink = BenchmarkAccumulator(slo=SLO, attainment_target=0.99, target_rate=spec.rate)
    count = int(spec.rate * seconds)
    for index in range(count):
        scheduled = index / spec.rate
        dispatched = scheduled + (stall_s if scheduled > seconds - 1 else 0.0)
        item = GenerationResponse(str(index), scheduled_ns=round(scheduled * 1e9))
        item.dispatched_ns = round(dispatched * 1e9)
        item.record_chunk("t", at_ns=round((dispatched + 0.02) * 1e9))
        item.set_usage(8, 1, "server")
        item.finish("stop", at_ns=round((dispatched + 0.03) * 1e9))
        sink.add(item)
    result = StageOutcome(spec=spec, sink=sink, started_at=0.0, start_ns=0, end_ns=round(seconds * 1e9))
    result.measured_start_ns, result.measured_end_ns, result.measured_ok = 0, round(seconds * 1e9), count
    return result


def test_a_failure_on_the_trend_alone_is_confirmed_and_the_later_verdict_counts() -> None:
    """A client stall during the first rate probe must not halve the search: the probe is repeated at the same rate."""
    search = CapacitySearch(rule=ProbeRule(target=0.99), probe_seconds=10.0)
    history: list[StageOutcome] = []
    while (spec := search.next_stage(history)) is not None:
        first_rate_probe = spec.kind == "constant" and len(history) == 1
        history.append(stalled(spec) if first_rate_probe else outcome(spec, served_rate=40.0))
    first, again = search.probes[1], search.probes[2]
    assert (first.verdict.passed, first.verdict.decided_by) == (False, "trend")
    assert first.verdict.attainment == 1.0
    assert again.value == first.value
    assert again.stage == f"confirm@{first.value:.4g}"
    assert again.verdict.passed
    assert search.status == "found"
    assert search.passing == pytest.approx(40.0, rel=0.03)


def test_a_failure_the_requests_show_too_is_not_repeated() -> None:
    """Above the served rate the attainment falls as well: one failing probe is enough, no confirmation."""
    search = CapacitySearch(rule=ProbeRule(target=0.99), probe_seconds=10.0)
    run_search(search, served_rate=40.0)
    names = [probe.stage for probe in search.probes]
    assert not any(name.startswith("confirm@") for name in names), names


def test_a_throughput_stage_with_a_handful_measured_reads_its_whole_stage() -> None:
    """Warm-up covered most of the short throughput stage: two measured requests give no rate; all 160 successes do."""
    search = CapacitySearch(rule=ProbeRule(target=0.99), probe_seconds=8.0)
    first = search.next_stage([])
    assert first is not None
    stage = StageOutcome(spec=first, sink=BenchmarkAccumulator(slo=SLO), started_at=0.0, start_ns=0, end_ns=2 * 10**9)
    stage.ok = 160
    stage.measured_ok = 2
    stage.measured_start_ns, stage.measured_end_ns = round(0.3e9), round(1.9e9)  # 2 requests in 1.6 s: 1.25/s
    probe = search.next_stage([stage])
    assert search.throughput == pytest.approx(80.0)
    assert probe is not None
    assert probe.rate == pytest.approx(72.0)  # just below what the stage completed
