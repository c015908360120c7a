"""Checks (``--check``): parsing with units and hints, evaluation per benchmark, and every report format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from rich.console import Console

from gaugellm.reports import RunReport, load_report, render_console, write_report
from gaugellm.reports.checks import (
    CHECKS_FAILED_EXIT,
    check_paths,
    evaluate_checks,
    failed_checks_error,
    parse_check,
)
from gaugellm.reports.models import CapacityProbeReport, CapacityReport
from gaugellm.reports.run_state import run_state
from gaugellm.reports.schema import schema_path


@pytest.mark.parametrize(
    ("text", "path", "op", "threshold", "unit"),
    [
        ("ttft.p99<=300ms", "ttft.p99", "<=", 300.0, "ms"),
        ("ttft.p99 <= 0.3s", "ttft.p99", "<=", 300.0, "ms"),
        ("latency.max<2", "latency.max", "<", 2.0, "ms"),
        ("error_rate<1%", "error_rate", "<", 0.01, "share"),
        ("error_rate<0.01", "error_rate", "<", 0.01, "share"),
        ("slo.attainment>=99.5%", "slo.attainment", ">=", 0.995, "share"),
        ("request_rate>=20", "request_rate", ">=", 20.0, "number"),
        ("requests.errored<=3", "requests.errored", "<=", 3.0, "number"),
        ("output_length.mean>100", "output_length.mean", ">", 100.0, "number"),
        ("ttft.count>=100", "ttft.count", ">=", 100.0, "number"),
        ("capacity>=50", "capacity", ">=", 50.0, "number"),
    ],
)
def test_checks_parse_with_their_units(text: str, path: str, op: str, threshold: float, unit: str) -> None:
    check = parse_check(text)
    assert (check.path, check.op, check.unit) == (path, op, unit)
    assert check.threshold == pytest.approx(threshold)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tft.p99<=300ms", "did you mean ttft.p99"),
        ("ttft<=300ms", "ttft is a distribution; name a statistic, e.g. ttft.p99"),
        ("error_rate<=5ms", "error_rate is a share"),
        ("ttft.p99<1%", "ttft.p99 is a time"),
        ("request_rate>=20ms", "request_rate takes a plain number"),
        ("ttft.p99 == 3", "is not METRIC OP VALUE"),
        ("ttft.p99<=", "is not METRIC OP VALUE"),
        ("nonsense_metric>1", "no figure named 'nonsense_metric'"),
    ],
)
def test_bad_checks_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="check") as caught:
        parse_check(text)
    assert message in str(caught.value)


def test_every_statistic_of_every_distribution_can_be_checked() -> None:
    paths = check_paths()
    for distribution in ("ttft", "itl", "tpot", "latency", "ttft_from_schedule", "dispatch_lag", "inter_token_gap"):
        for statistic in ("mean", "min", "p50", "p90", "p95", "p99", "max", "stdev"):
            assert paths[f"{distribution}.{statistic}"] == "ms"
    assert paths["prompt_length.p50"] == "number"
    assert paths["slo.goodput"] == "number"
    assert "errors" not in paths  # a list: nothing to compare


def test_checks_are_evaluated_on_every_benchmark(sample_report: RunReport) -> None:
    results = evaluate_checks(["ttft.p99<=1s", "error_rate<1%", "slo.attainment>=99%"], sample_report)
    assert [r.benchmark for r in results[:3]] == ["synchronous", "constant@10", "throughput"]
    by = {(r.check, r.benchmark): r for r in results}
    assert all(by["ttft.p99<=1s", b.name].passed for b in sample_report.benchmarks)
    errored = by["error_rate<1%", "constant@10"]  # one request in 20 failed there
    assert errored.value == pytest.approx(sample_report.benchmarks[1].metrics.error_rate)
    assert not errored.passed
    missing = by["slo.attainment>=99%", "synchronous"]
    assert (missing.value, missing.passed) == (None, False)  # no SLO in this run: a gate never passes on no data
    error = failed_checks_error(results)
    assert error is not None
    assert error.exit_code == CHECKS_FAILED_EXIT == 3
    assert str(error).startswith(f"{sum(not r.passed for r in results)} of {len(results)} checks failed: ")
    assert failed_checks_error([r for r in results if r.passed]) is None


def test_a_capacity_search_is_checked_at_its_capacity(sample_report: RunReport) -> None:
    def probe(name: str, value: float, verdict: str) -> CapacityProbeReport:
        return CapacityProbeReport(
            benchmark=name,
            value=value,
            verdict=verdict,
            decided_by="interval",
            reason="",
            duration_s=1.0,  # type: ignore[arg-type]
        )

    sample_report.capacity = CapacityReport(
        by="rate",
        slo=["ttft<=1s"],
        target=0.99,
        confidence=0.95,
        status="found",
        capacity=10.0,
        upper=25.0,
        precision=0.03,
        spent_s=3.0,
        probes=[probe("synchronous", 2.0, "pass"), probe("constant@10", 10.0, "pass"), probe("throughput", 25, "fail")],
    )
    results = evaluate_checks(["ttft.p99<=1s", "capacity>=12"], sample_report)
    assert [(r.check, r.benchmark) for r in results] == [("ttft.p99<=1s", "constant@10"), ("capacity>=12", None)]
    assert results[1].value == 10.0
    assert not results[1].passed


def test_checks_and_labels_show_in_every_format(sample_report: RunReport, tmp_path: Path) -> None:
    sample_report.labels = {"build": "1234", "gpu.kind": "h100"}
    sample_report.checks = evaluate_checks(["ttft.p99<=1s", "error_rate<1%"], sample_report)

    path = write_report(sample_report, tmp_path / "run.json")
    document = json.loads(path.read_text())
    jsonschema.Draft202012Validator(json.loads(schema_path().read_text())).validate(document)
    assert document["labels"] == {"build": "1234", "gpu.kind": "h100"}
    assert load_report(path).checks == sample_report.checks

    console = Console(record=True, width=200, color_system=None)
    render_console(sample_report, console)
    text = console.export_text()
    assert "build=1234 · gpu.kind=h100" in text
    assert "Checks: 1 of 6 failed" in text
    assert "6 of 360 requests failed" in text
    failed_row = next(line for line in text.splitlines() if "error_rate<1%" in line and "constant@10" in line)
    assert "FAIL" in failed_row

    rows = list(csv.DictReader(io.StringIO(write_report(sample_report, tmp_path / "run.csv").read_text())))
    assert [row["checks"] for row in rows] == ["pass", "fail: error_rate<1%", "pass"]
    assert {row["labels"] for row in rows} == {"build=1234;gpu.kind=h100"}

    from gaugellm.reports.html_format import render_html

    page = render_html(sample_report)
    assert "<h2>Checks: 1 of 6 failed</h2>" in page
    assert "<span class='bad'>complete · 6 of 360 requests failed · 1 of 6 checks failed</span>" in page
    assert "build=1234" in page

    prom = write_report(sample_report, tmp_path / "run.prom").read_text()
    assert 'label_build="1234",label_gpu_kind="h100"' in prom
    assert 'gaugellm_check_passed{check="error_rate<1%",benchmark="constant@10"} 0.0' in prom


def test_a_run_with_errors_is_not_shown_as_a_plain_complete(sample_report: RunReport) -> None:
    state = run_state(sample_report)  # constant@10 has failed requests
    assert state.level == "warn"
    assert "requests failed" in state.text
    clean = sample_report.model_copy(update={"benchmarks": [sample_report.benchmarks[0]]})
    assert run_state(clean).text == "complete"
    assert run_state(clean).level == "good"


def test_a_check_can_name_one_traffic_class(sample_report: RunReport) -> None:
    check = parse_check("classes.chat.ttft.p99<=1s")
    assert (check.traffic_class, check.path, check.metric, check.threshold) == (
        "chat",
        "ttft.p99",
        "classes.chat.ttft.p99",
        1000.0,
    )
    with pytest.raises(ValueError, match=r"classes\.NAME\.METRIC"):
        parse_check("classes.chat<=1")
    with pytest.raises(ValueError, match=r"did you mean ttft\.p99"):
        parse_check("classes.chat.tft.p99<=1s")
    first = sample_report.benchmarks[0]
    slow = first.metrics.model_copy(update={"ttft": first.metrics.ttft.model_copy(update={"p99": 2500.0})})
    sample_report.benchmarks = [first.model_copy(update={"classes": {"chat": first.metrics, "long": slow}})]
    results = evaluate_checks(
        ["classes.chat.ttft.p99<=1s", "classes.long.ttft.p99<=1s", "classes.nope.ttft.p99<=1s"], sample_report
    )
    assert [(r.metric, r.value, r.passed) for r in results] == [
        ("classes.chat.ttft.p99", first.metrics.ttft.p99, True),
        ("classes.long.ttft.p99", 2500.0, False),
        ("classes.nope.ttft.p99", None, False),  # a class the run did not have: no value, so it fails
    ]


def test_a_check_can_name_one_conversation_turn(sample_report: RunReport) -> None:
    check = parse_check("turns.2.ttft.p99<=1s")
    assert (check.turn, check.traffic_class, check.path, check.metric, check.threshold) == (
        2,
        None,
        "ttft.p99",
        "turns.2.ttft.p99",
        1000.0,
    )
    assert parse_check("turns.10.error_rate<1%").threshold == 0.01
    first = sample_report.benchmarks[0]
    slow = first.metrics.model_copy(update={"ttft": first.metrics.ttft.model_copy(update={"p99": 2500.0})})
    sample_report.benchmarks = [first.model_copy(update={"turns": {"1": first.metrics, "2": slow}})]
    results = evaluate_checks(["turns.1.ttft.p99<=1s", "turns.2.ttft.p99<=1s", "turns.3.ttft.p99<=1s"], sample_report)
    assert [(r.metric, r.benchmark, r.value, r.passed) for r in results] == [
        ("turns.1.ttft.p99", "synchronous", first.metrics.ttft.p99, True),
        ("turns.2.ttft.p99", "synchronous", 2500.0, False),
        ("turns.3.ttft.p99", "synchronous", None, False),  # no conversation reached turn 3: no value, so it fails
    ]
    sample_report.benchmarks = [first]  # a run without conversations: every turn's check fails
    assert [r.passed for r in evaluate_checks(["turns.1.ttft.p99<=1s"], sample_report)] == [False]


@pytest.mark.parametrize(
    "text",
    ["turns.0.ttft.p99<=1s", "turns.first.ttft.p99<=1s", "turns.01.ttft.p99<=1s", "turns.1e3.ttft.p99<=1s",
     "turns.2<=1", "turns..ttft.p99<=1s", "turns.1.capacity>=3"],
)  # fmt: skip
def test_a_turn_that_is_not_a_positive_whole_number_is_one_line_of_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"turns\.N\.METRIC with N a turn number from 1") as caught:
        parse_check(text)
    assert "\n" not in str(caught.value)
