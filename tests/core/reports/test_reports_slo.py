"""SLO, load, cost and capacity sections through every format, the schema, and reports of the previous version."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from gaugellm.cli.main import main
from gaugellm.reports import BenchmarkReport, RunReport, load_report, render_console, write_report
from gaugellm.reports.console import make_console
from gaugellm.reports.csv_format import CSV_COLUMNS, render_csv
from gaugellm.reports.html_format import render_html
from gaugellm.reports.models import CapacityProbeReport, CapacityReport, CostReport
from gaugellm.reports.schema import schema_path

V1_REPORT = Path(__file__).parent / "data" / "run-v1.json"


@pytest.fixture
def capacity_report(make_benchmark: Callable[..., BenchmarkReport]) -> RunReport:
    low = make_benchmark("probe@8", 8.0, 1, slo="ttft<=60ms,latency<=2s")
    high = make_benchmark("probe@10", 10.0, 2, slo="ttft<=60ms,latency<=2s", fail_every=5)
    low.cost = CostReport(price_per_hour=2.0, per_million_output_tokens=1.5, per_million_good_output_tokens=1.6)

    def probe(name: str, value: float, verdict: str, attainment: float) -> CapacityProbeReport:
        return CapacityProbeReport(
            benchmark=name,
            value=value,
            verdict=verdict,  # type: ignore[arg-type]
            decided_by="interval",
            reason="because",
            attainment=attainment,
            attainment_low=attainment - 0.02,
            attainment_high=min(1.0, attainment + 0.01),
            sustainable=verdict == "pass",
            request_rate=value * 0.98,
            duration_s=10.0,
        )

    return RunReport(
        config={"profile": "capacity", "slo": ["ttft<=60ms", "latency<=2000ms"]},
        benchmarks=[low, high],
        capacity=CapacityReport(
            by="rate",
            slo=["ttft<=60ms", "latency<=2000ms"],
            target=0.95,
            confidence=0.95,
            status="found",
            capacity=8.0,
            upper=10.0,
            precision=0.3,
            throughput=11.0,
            goodput=7.9,
            good_output_tokens_per_s=250.0,
            cost_per_million_good_output_tokens=2.2,
            spent_s=20.0,
            probes=[probe("probe@8", 8.0, "pass", 0.99), probe("probe@10", 10.0, "fail", 0.8)],
        ),
    )


def test_json_round_trip_and_schema(capacity_report: RunReport, tmp_path: Path) -> None:
    path = write_report(capacity_report, tmp_path / "run.json")
    document = json.loads(path.read_text())
    jsonschema.Draft202012Validator(json.loads(schema_path().read_text())).validate(document)
    again = load_report(path)
    assert again == capacity_report
    slo = again.benchmarks[1].metrics.slo
    assert slo is not None
    assert slo.failed == 24  # every fifth request
    assert slo.judged == 120
    assert again.benchmarks[1].metrics.load is not None


def test_console_shows_slo_cost_and_capacity(capacity_report: RunReport) -> None:
    console = make_console()
    with console.capture() as captured:
        render_console(capacity_report, console)
    text = captured.get()
    assert "SLO ttft<=60ms, latency<=2000ms · target 95.0%" in text
    assert "Cost at 2 per hour" in text
    assert "Capacity search" in text
    assert "Capacity: 8.00 req/s meets ttft<=60ms, latency<=2000ms for 95.0% of requests" in text
    assert "between 8.00 and 10.00" in text


def test_csv_has_the_new_columns_after_the_old_ones(capacity_report: RunReport) -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(capacity_report))))
    assert CSV_COLUMNS.index("slo_attainment") > CSV_COLUMNS.index("dispatch_lag_max_ms")
    assert rows[1]["slo_judged"] == "120"
    assert rows[1]["slo_broken"].startswith("ttft<=60ms:")
    assert rows[0]["cost_per_million_output_tokens"] == "1.5"
    assert [row["probe_verdict"] for row in rows] == ["pass", "fail"]
    assert {row["capacity"] for row in rows} == {"8.0"}
    assert {row["capacity_status"] for row in rows} == {"found"}


def test_html_has_slo_cost_and_capacity_sections(capacity_report: RunReport) -> None:
    html = render_html(capacity_report)
    for heading in ("<h2>Capacity</h2>", "<h2>SLO: ttft&lt;=60ms, latency&lt;=2000ms, target 95.0%</h2>"):
        assert heading in html
    assert "Cost at 2 per hour" in html
    assert "SLO attainment per probe" in html
    assert "Achieved vs offered rate" in html


def test_a_version_1_report_still_loads_and_renders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A report written by the previous gaugellm (committed as it was written) renders in every format."""
    source = tmp_path / "old.json"
    shutil.copy(V1_REPORT, source)
    report = load_report(source)
    assert report.version == 1
    assert report.capacity is None
    assert all(b.metrics.slo is None and b.metrics.load is None for b in report.benchmarks)
    jsonschema.Draft202012Validator(json.loads(schema_path(1).read_text())).validate(json.loads(V1_REPORT.read_text()))
    with pytest.raises(SystemExit) as caught:
        main(["report", str(source), "-o", str(tmp_path / "old.html"), "-o", str(tmp_path / "old.csv")])
    assert caught.value.code in (0, None)
    assert "constant@20" in capsys.readouterr().out
    assert "<h2>constant@20</h2>" in (tmp_path / "old.html").read_text()
