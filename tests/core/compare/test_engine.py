"""Comparisons of synthetic runs with known shifts: what is detected, what is not, and which way is good."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gaugellm.compare import CompareError, CompareReport, MetricComparison, Settings, compare_reports
from gaugellm.compare.catalogue import METRICS
from gaugellm.reports import BenchmarkReport, RunReport

MakeBenchmark = Callable[..., BenchmarkReport]
MakeRun = Callable[..., RunReport]


def _row(report: CompareReport, metric: str, run: int = 0, benchmark: int = 0) -> MetricComparison:
    return next(row for row in report.runs[run].benchmarks[benchmark].metrics if row.metric == metric)


def _compare(*runs: RunReport, **settings: Any) -> CompareReport:
    return compare_reports([f"run{i}.json" for i in range(len(runs))], runs, Settings(**settings))


def test_a_ten_percent_slower_first_token_is_worse_and_the_rest_unchanged(
    make_benchmark: MakeBenchmark, make_run: MakeRun
) -> None:
    base = make_run(make_benchmark(seed=1, requests=2000))
    slow = make_run(make_benchmark(seed=2, requests=2000, ttft_scale=1.1))
    report = _compare(base, slow)
    ttft = _row(report, "ttft.p50")
    assert ttft.method == "bootstrap-records"
    assert ttft.verdict == "worse"
    assert ttft.relative_low is not None
    assert ttft.relative_high is not None
    assert ttft.relative_low <= 0.1 <= ttft.relative_high  # the interval holds the injected shift
    assert ttft.samples == (2000, 2000)
    for metric in ("itl.p50", "tpot.p50", "request_rate", "error_rate"):
        assert _row(report, metric).verdict == "no detectable change", metric


def test_faster_is_better_and_a_higher_rate_is_better(make_benchmark: MakeBenchmark, make_run: MakeRun) -> None:
    base = make_run(make_benchmark(seed=1, requests=2000, duration_s=200))
    fast = make_run(make_benchmark(seed=2, requests=2000, itl_scale=0.8, duration_s=100))
    report = _compare(base, fast)
    assert _row(report, "itl.p50").verdict == "better"
    assert _row(report, "request_rate").verdict == "better"  # twice the requests in the same... half the window
    assert _row(report, "request_rate").relative_change == pytest.approx(1.0)
    slower = _compare(fast, base)
    assert _row(slower, "request_rate").verdict == "worse"
    assert _row(slower, "itl.p50").verdict == "worse"


def test_same_configuration_rarely_differs(make_benchmark: MakeBenchmark, make_run: MakeRun) -> None:
    """Forty pairs of runs of one configuration: the false-positive rate stays near the 5 % the interval allows."""
    flagged = 0
    covered = 0
    for pair in range(40):
        a = make_run(make_benchmark(seed=100 + pair, requests=400, tokens=4))
        b = make_run(make_benchmark(seed=200 + pair, requests=400, tokens=4))
        row = _row(_compare(a, b, resamples=1000), "ttft.p50")
        flagged += row.verdict != "no detectable change"
        assert row.relative_low is not None
        assert row.relative_high is not None
        covered += row.relative_low <= 0.0 <= row.relative_high
    assert flagged <= 4
    assert covered >= 34  # about 95 % coverage of the true change, 0


def test_a_small_real_shift_is_below_the_minimum_effect(make_benchmark: MakeBenchmark, make_run: MakeRun) -> None:
    base = make_run(make_benchmark(seed=1, requests=20000, ttft_scale=1.0, tokens=2))
    nudged = make_run(make_benchmark(seed=2, requests=20000, ttft_scale=1.012, tokens=2))
    row = _row(_compare(base, nudged, metrics=METRICS[:1]), "ttft.p50")
    assert row.verdict == "no detectable change"  # real, but below the default 2 %
    assert row.relative_low is not None
    assert row.relative_low > 0
    finer = _row(_compare(base, nudged, metrics=METRICS[:1], min_effect=0.005), "ttft.p50")
    assert finer.verdict == "worse"


def test_without_records_the_histograms_give_the_interval(make_benchmark: MakeBenchmark, make_run: MakeRun) -> None:
    base = make_run(make_benchmark(seed=1, requests=3000, records=False, tokens=4))
    slow = make_run(make_benchmark(seed=2, requests=3000, ttft_scale=1.2, records=False, tokens=4))
    row = _row(_compare(base, slow), "ttft.p50")
    assert row.method == "bootstrap-histogram"
    assert row.verdict == "worse"
    assert row.note is not None
    assert "histogram" in row.note
    assert row.relative_low is not None
    assert row.relative_high is not None
    assert row.relative_low <= 0.2 <= row.relative_high
    same = make_run(make_benchmark(seed=3, requests=3000, records=False, tokens=4))
    assert _row(_compare(base, same), "ttft.p50").verdict == "no detectable change"


def test_one_run_without_records_uses_histograms_for_both(make_benchmark: MakeBenchmark, make_run: MakeRun) -> None:
    base = make_run(make_benchmark(seed=1))
    other = make_run(make_benchmark(seed=2, records=False))
    assert _row(_compare(base, other), "ttft.p99").method == "bootstrap-histogram"


def test_no_records_and_no_bins_means_no_interval(make_benchmark: MakeBenchmark, make_run: MakeRun) -> None:
    def stripped(benchmark: BenchmarkReport) -> BenchmarkReport:
        ttft = benchmark.metrics.ttft.model_copy(update={"bins": []})
        metrics = benchmark.metrics.model_copy(update={"ttft": ttft})
        return benchmark.model_copy(update={"metrics": metrics, "records": None})

    base = make_run(stripped(make_benchmark(seed=1)))
    slow = make_run(stripped(make_benchmark(seed=2, ttft_scale=2.0)))
    row = _row(_compare(base, slow), "ttft.p50")
    assert row.method == "none"
    assert row.verdict == "no detectable change"
    assert row.relative_change is not None
    assert row.relative_change > 0.5


def test_error_rate_compares_proportions(make_benchmark: MakeBenchmark, make_run: MakeRun) -> None:
    base = make_run(make_benchmark(seed=1, requests=1000))
    failing = make_run(make_benchmark(seed=2, requests=1000, error_share=0.1))
    row = _row(_compare(base, failing), "error_rate")
    assert row.method == "newcombe"
    assert row.verdict == "worse"
    assert row.change is not None
    assert 0.07 < row.change < 0.13
    assert row.change_low is not None
    assert row.change_low > 0


def test_benchmarks_match_by_load_and_the_rest_are_listed(make_benchmark: MakeBenchmark, make_run: MakeRun) -> None:
    base = make_run(
        make_benchmark("synchronous", {"kind": "synchronous", "concurrency": 1}, seed=1),
        make_benchmark("constant@10", {"kind": "constant", "rate": 10.0}, seed=2),
        make_benchmark("constant@20", {"kind": "constant", "rate": 20.0}, seed=3),
    )
    new = make_run(
        make_benchmark("constant@10", {"kind": "constant", "rate": 10.0}, seed=4),
        make_benchmark("synchronous", {"kind": "synchronous", "concurrency": 1}, seed=5),
        make_benchmark("poisson@20", {"kind": "poisson", "rate": 20.0, "seed": 1}, seed=6),
    )
    run = _compare(base, new).runs[0]
    assert [(p.baseline, p.candidate, p.matched_by) for p in run.benchmarks] == [
        ("synchronous", "synchronous", "load"),
        ("constant@10", "constant@10", "load"),
    ]
    assert run.unmatched_baseline == ["constant@20"]
    assert run.unmatched_candidate == ["poisson@20"]


def test_sweeps_pair_their_rates_by_position(make_benchmark: MakeBenchmark, make_run: MakeRun) -> None:
    def sweep(rates: list[float], seed: int) -> RunReport:
        stages = [make_benchmark("synchronous", {"kind": "synchronous", "concurrency": 1}, seed=seed)]
        stages += [make_benchmark(f"constant@{r:g}", {"kind": "constant", "rate": r}, seed=seed + i) for i, r in
                   enumerate(rates, 1)]  # fmt: skip
        return make_run(*stages, config={"profile": "sweep"})

    run = _compare(sweep([4.1, 8.2], 1), sweep([4.3, 8.2], 10)).runs[0]
    assert [(p.baseline, p.candidate, p.matched_by) for p in run.benchmarks] == [
        ("synchronous", "synchronous", "load"),
        ("constant@4.1", "constant@4.3", "sweep position"),
        ("constant@8.2", "constant@8.2", "load"),
    ]
    assert run.unmatched_baseline == run.unmatched_candidate == []


def test_nothing_in_common_is_an_error(make_benchmark: MakeBenchmark, make_run: MakeRun) -> None:
    base = make_run(make_benchmark("constant@10", {"kind": "constant", "rate": 10.0}))
    other = make_run(make_benchmark("constant@11", {"kind": "constant", "rate": 11.0}))
    with pytest.raises(CompareError, match=r"no benchmark of run1\.json matches one of run0\.json"):
        _compare(base, other)
    with pytest.raises(CompareError, match="at least two reports"):
        _compare(base)


def test_runs_are_named_by_their_labels_else_their_files(make_benchmark: MakeBenchmark, make_run: MakeRun) -> None:
    labelled = _compare(
        make_run(make_benchmark(seed=1), labels={"build": "1233"}),
        make_run(make_benchmark(seed=2), labels={"build": "1234"}),
    )
    assert (labelled.baseline.name, labelled.runs[0].run.name) == ("build=1233", "build=1234")
    plain = _compare(make_run(make_benchmark(seed=1)), make_run(make_benchmark(seed=2), labels={"build": "1"}))
    assert (plain.baseline.name, plain.runs[0].run.name) == ("run0.json", "run1.json")


def test_the_same_seed_gives_the_same_intervals(make_benchmark: MakeBenchmark, make_run: MakeRun) -> None:
    a, b = make_run(make_benchmark(seed=1)), make_run(make_benchmark(seed=2))
    first, again = _compare(a, b), _compare(a, b)
    assert [r.model_dump() for *_, r in first.rows()] == [r.model_dump() for *_, r in again.rows()]
    other = _compare(a, b, seed=5)
    assert [r.model_dump() for *_, r in other.rows()] != [r.model_dump() for *_, r in first.rows()]


def test_capacity_answers_are_compared(make_benchmark: MakeBenchmark, make_run: MakeRun) -> None:
    from gaugellm.reports.models import CapacityReport

    def capacity(value: float) -> CapacityReport:
        return CapacityReport(
            by="rate", slo=["ttft<=500ms"], target=0.99, confidence=0.95, status="found", capacity=value,
            upper=value * 1.1, precision=0.1, spent_s=60.0,
        )  # fmt: skip

    probe = {"kind": "constant", "rate": 8.0, "probe": "attainment>=0.99"}
    base = make_run(make_benchmark("constant@8", probe, seed=1), capacity=capacity(8.0))
    new = make_run(make_benchmark("constant@8", probe, seed=2), capacity=capacity(6.0))
    run = _compare(base, new).runs[0]
    assert [p.baseline for p in run.benchmarks] == ["constant@8"]
    assert run.capacity is not None
    assert (run.capacity.baseline, run.capacity.candidate) == (8.0, 6.0)
    assert run.capacity.relative_change == pytest.approx(-0.25)


def test_the_gate_names_what_got_worse_with_its_sign(make_benchmark: MakeBenchmark, make_run: MakeRun) -> None:
    from gaugellm.compare import regression_error

    base = make_run(make_benchmark(seed=1, requests=2000, duration_s=100))
    worse = make_run(make_benchmark(seed=2, requests=2000, duration_s=200, error_share=0.1))
    report = _compare(base, worse, metrics=[m for m in METRICS if m.name in ("request_rate", "error_rate")])
    failed = regression_error(report, 0.05)
    assert failed is not None
    assert failed.exit_code == 3
    assert str(failed).startswith("2 metrics worse by more than 5%: run1.json: constant@10 request_rate -")
    assert "error_rate +" in str(failed)
    assert "points" in str(failed)
    assert regression_error(report, 0.6) is None  # the rate halved: -50 %, the error rate rose ~10 points
