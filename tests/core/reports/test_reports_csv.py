"""CSV: fixed, documented columns; one row per benchmark."""

from __future__ import annotations

import csv
from pathlib import Path

from gaugellm.reports import CSV_COLUMNS, RunReport, write_report

DOCS = Path(__file__).resolve().parents[3] / "docs" / "reports.md"


def test_one_row_per_benchmark_with_the_documented_columns(sample_report: RunReport, tmp_path: Path) -> None:
    path = write_report(sample_report, tmp_path / "run.csv")
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [row["benchmark"] for row in rows] == ["synchronous", "constant@10", "throughput"]
    first = sample_report.benchmarks[0].metrics
    assert float(rows[0]["ttft_p50_ms"]) == first.ttft.p50
    assert float(rows[0]["latency_p99_ms"]) == first.latency.p99
    assert float(rows[0]["request_rate"]) == first.request_rate
    assert int(rows[1]["requests_errored"]) == sample_report.benchmarks[1].metrics.requests.errored > 0
    assert rows[0]["output_token_sources"] == "server:120"
    assert rows[0]["profile_kind"] == "constant"
    assert rows[0]["incomplete"] == "false"


def test_unmeasured_values_are_empty_cells(tmp_path: Path, sample_report: RunReport) -> None:
    benchmark = sample_report.benchmarks[0]
    empty = benchmark.metrics.model_copy(update={"request_rate": None})
    sample_report.benchmarks = [benchmark.model_copy(update={"metrics": empty})]
    with write_report(sample_report, tmp_path / "run.csv").open(newline="") as handle:
        row = next(csv.DictReader(handle))
    assert row["request_rate"] == ""


def test_every_column_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [
        column
        for column in CSV_COLUMNS
        if f"`{column}`" not in text and f"`{column.rsplit('_', 2)[0]}_<stat>_ms`" not in text
    ]
    assert not missing, f"docs/reports.md does not describe: {missing}"
