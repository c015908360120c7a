"""The run's timeline in every format: JSON round trip and schema, the timeline CSV, HTML charts, the console line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
from rich.console import Console

from gaugellm.reports import RunReport, load_report, render_console, write_report
from gaugellm.reports.models import CollectorReport, StageSpan, TimelineReport
from gaugellm.reports.schema import schema_path
from gaugellm.reports.timeline_views import TIMELINE_CSV_LEAD, stage_peaks
from gaugellm.reports.writer import report_format


def timeline() -> TimelineReport:
    times = [0.5 * (i + 1) for i in range(8)]
    return TimelineReport(
        origin_unix=1_700_000_000.0,
        window_s=0.5,
        times_s=times,
        series={
            "sent": [5.0, 5, 5, 5, 5, 5, 5, 0],
            "successful": [4.0, 5, 5, 5, 3, 5, 5, 3],
            "errored": [0.0, 0, 0, 0, 2, 0, 0, 0],
            "cancelled": [0.0] * 8,
            "in_flight": [1.0, 1, 1, 1, 1, 1, 1, 0],
            "output_tokens_per_s": [80.0, 100, 100, 100, 60, 100, 100, 60],
            "ttft_p50_ms": [10.0, 10, 10, 10, None, 200, 210, 12],
            "ttft_p99_ms": [12.0, 12, 12, 12, None, 250, 260, 14],
            "itl_p50_ms": [1.0] * 8,
            "itl_p99_ms": [2.0, 2, 2, 2, 2, 9, 2, 2],
            "worst_gap_ms": [3.0, 3, 3, 3, 3, 40, 3, 3],
        },
        stages=[
            StageSpan(name="constant@10", start_s=0.1, end_s=2.0, window_start_s=0.3, window_end_s=2.0),
            StageSpan(name="constant@20", start_s=2.05, end_s=4.0, window_start_s=2.1, window_end_s=3.9),
        ],
    )


def with_timeline(report: RunReport) -> RunReport:
    client = CollectorReport(
        name="client",
        origin_unix=1_700_000_000.0,
        times_s=[0.25, 1.25, 2.25, 3.25],
        series={"runner_cpu_percent": [10.0, 20.0, None, 15.0]},
    )
    return report.model_copy(update={"timeline": timeline(), "collectors": [client]})


def test_json_round_trips_and_validates(sample_report: RunReport, tmp_path: Path) -> None:
    report = with_timeline(sample_report)
    path = write_report(report, tmp_path / "run.json")
    document = json.loads(path.read_text())
    jsonschema.Draft202012Validator(json.loads(schema_path().read_text())).validate(document)
    assert document["timeline"]["window_s"] == 0.5
    assert document["timeline"]["stages"][1]["name"] == "constant@20"
    assert load_report(path).timeline == report.timeline


def test_a_report_without_a_timeline_still_reads(sample_report: RunReport, tmp_path: Path) -> None:
    assert load_report(write_report(sample_report, tmp_path / "run.json")).timeline is None


def test_timeline_csv_has_a_row_per_window_with_its_stage(sample_report: RunReport, tmp_path: Path) -> None:
    assert report_format("run.timeline.csv") == "timeline_csv"
    assert report_format("run.csv") == "csv"
    path = write_report(with_timeline(sample_report), tmp_path / "run.timeline.csv")
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert len(rows) == 8
    assert list(rows[0])[:3] == list(TIMELINE_CSV_LEAD)
    assert [row["stage"] for row in rows] == ["constant@10"] * 4 + ["constant@20"] * 4
    assert rows[4]["ttft_p99_ms"] == ""  # no first token in that window
    assert rows[4]["errored"] == "2"
    assert float(rows[0]["unix_time"]) == 1_700_000_000.5
    empty = write_report(sample_report, tmp_path / "old.timeline.csv").read_text()
    assert empty.strip() == ",".join(TIMELINE_CSV_LEAD)


def test_html_charts_the_timeline_with_stage_markers_and_collector_series(sample_report: RunReport) -> None:
    from gaugellm.reports.html_format import render_html

    page = render_html(with_timeline(sample_report))
    assert "<h2>Over time</h2>" in page
    for title in ("Requests per window", "In flight", "TTFT over time", "ITL over time"):
        assert title in page
    assert "client: runner_cpu_percent" in page
    assert page.count('class="marker-label">constant@20') >= 5  # every time chart marks the second stage
    assert "<script" not in page
    assert "Over time" not in render_html(sample_report)


def test_console_prints_one_line_per_stage(sample_report: RunReport) -> None:
    console = Console(record=True, width=200, color_system=None)
    render_console(with_timeline(sample_report), console)
    text = console.export_text()
    assert "Over time (0.5 s windows):" in text
    line = next(line for line in text.splitlines() if line.strip().startswith("constant@20:"))
    assert "peak in flight 1" in line
    assert "worst TTFT p99 260 ms" in line
    assert "worst inter-token gap 40.0 ms" in line


def test_stage_peaks_look_only_at_the_windows_wholly_inside_the_stage() -> None:
    """The window 2.0..2.5 s holds the end of the first stage and the start of the second: neither's worst counts it."""
    first, second = timeline().stages
    peaks = stage_peaks(timeline(), first)
    assert peaks.windows == 3  # 0.0..0.5 starts before the stage did
    assert peaks.worst_ttft_p99_ms == 12.0
    assert peaks.most_errors == 0
    later = stage_peaks(timeline(), second)
    assert (later.windows, later.most_errors, later.worst_ttft_p99_ms) == (3, 0, 260.0)


def test_a_stage_shorter_than_a_window_uses_the_windows_it_overlaps() -> None:
    short = StageSpan(name="short", start_s=2.05, end_s=2.3, window_start_s=2.05, window_end_s=2.3)
    peaks = stage_peaks(timeline(), short)
    assert (peaks.windows, peaks.most_errors) == (1, 2)
