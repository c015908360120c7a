"""A benchmark's parts (traffic classes, conversation turns) as rows of their own in every report format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from rich.console import Console

from gaugellm.backend.schemas import GenerationResponse
from gaugellm.metrics import BenchmarkAccumulator
from gaugellm.reports import BenchmarkReport, RunReport, load_report, render_console, write_report
from gaugellm.reports.breakdowns import part_views
from gaugellm.reports.figures import report_figures
from gaugellm.reports.html_format import render_html
from gaugellm.reports.models import REPORT_VERSION
from gaugellm.reports.schema import schema_path

MS = 1_000_000
NAME = "constant@4"


def answer(index: int, start_ms: int, ttft_ms: int) -> GenerationResponse:
    """Four tokens, the first ``ttft_ms`` after dispatch and then one every 5 ms."""
    item = GenerationResponse(request_id=f"r{index}", scheduled_ns=start_ms * MS, dispatched_ns=start_ms * MS)
    at = (start_ms + ttft_ms) * MS
    for _ in range(4):
        item.record_chunk("tok", at_ns=at)
        at += 5 * MS
    item.set_usage(50, 4, "server")
    item.finish("stop", at_ns=at)
    return item


def conversations(classes: bool = False) -> BenchmarkReport:
    """Six three-turn conversations through the accumulator, as the runner feeds it: turn t's TTFT is 100*t ms.

    With ``classes``, the even conversations are class ``chat`` and the odd ones ``agent``.
    """
    accumulator = BenchmarkAccumulator()
    for conversation in range(6):
        for turn in (1, 2, 3):
            item = answer(conversation * 3 + turn, conversation * 1000 + turn * 300, 100 * turn)
            accumulator.add(item)
            if classes:
                accumulator.add_to_class("chat" if conversation % 2 == 0 else "agent", item)
            accumulator.add_to_turn(turn, item)
    window = (0, 6000 * MS)
    metrics = accumulator.summary(*window)
    return BenchmarkReport(
        name=NAME,
        profile={"kind": "constant", "rate": 4.0},
        started_at=1_750_000_000.0,
        duration_s=metrics.duration_s,
        metrics=metrics,
        classes=accumulator.class_summaries(*window),
        turns=accumulator.turn_summaries(*window),
    )


@pytest.fixture
def report() -> RunReport:
    return RunReport(benchmarks=[conversations(classes=True)], labels={"build": "7"})


def test_turns_are_kept_in_the_json_and_validate_against_the_schema(report: RunReport, tmp_path: Path) -> None:
    path = write_report(report, tmp_path / "run.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(json.loads(schema_path().read_text(encoding="utf-8"))).validate(document)
    turns = document["benchmarks"][0]["turns"]
    assert document["version"] == REPORT_VERSION == 5
    assert list(turns) == ["1", "2", "3"]
    assert [turns[t]["ttft"]["p50"] for t in turns] == [100.0, 200.0, 300.0]
    assert [turns[t]["requests"]["total"] for t in turns] == [6, 6, 6]
    assert load_report(path) == report


def test_a_version_4_report_without_turns_still_reads(tmp_path: Path) -> None:
    """An older document has no ``turns``: it reads as a report without conversations."""
    document = json.loads(write_report(RunReport(benchmarks=[conversations()]), tmp_path / "run.json").read_text())
    document["version"] = 4
    del document["benchmarks"][0]["turns"]
    older = schema_path(4)
    jsonschema.Draft202012Validator(json.loads(older.read_text(encoding="utf-8"))).validate(document)
    (tmp_path / "old.json").write_text(json.dumps(document), encoding="utf-8")
    loaded = load_report(tmp_path / "old.json")
    assert loaded.version == 4
    assert loaded.benchmarks[0].turns is None
    assert part_views(loaded.benchmarks[0]) == []


def test_rows_come_benchmark_then_classes_then_turns(report: RunReport) -> None:
    parts = part_views(report.benchmarks[0])
    assert [(part.breakdown, part.key, part.view.name) for part in parts] == [
        ("classes", "chat", f"{NAME} · chat"),
        ("classes", "agent", f"{NAME} · agent"),
        ("turns", "1", f"{NAME} · turn 1"),
        ("turns", "2", f"{NAME} · turn 2"),
        ("turns", "3", f"{NAME} · turn 3"),
    ]
    assert all(part.view.classes is None and part.view.turns is None for part in parts)


def test_the_console_shows_a_row_per_turn(report: RunReport) -> None:
    console = Console(record=True, width=220, color_system=None)
    render_console(report, console)
    lines = console.export_text().splitlines()
    names = [f"{NAME} · chat", f"{NAME} · agent", f"{NAME} · turn 1", f"{NAME} · turn 2", f"{NAME} · turn 3"]
    rows = [next(i for i, line in enumerate(lines) if name in line) for name in names]
    assert rows == sorted(rows)  # classes first, then the turns in order
    assert "300" in lines[rows[-1]]  # turn 3's TTFT p50


def test_the_html_table_shows_a_row_per_turn(report: RunReport) -> None:
    page = render_html(report)
    at = [page.index(f"{NAME} · {part}") for part in ("chat", "agent", "turn 1", "turn 2", "turn 3")]
    assert at == sorted(at)


def test_the_csv_has_a_row_per_turn_with_its_number(report: RunReport, tmp_path: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(write_report(report, tmp_path / "run.csv").read_text())))
    assert [(row["benchmark"], row["traffic_class"], row["turn"]) for row in rows] == [
        (NAME, "", ""),
        (NAME, "chat", ""),
        (NAME, "agent", ""),
        (NAME, "", "1"),
        (NAME, "", "2"),
        (NAME, "", "3"),
    ]
    assert [row["ttft_p50_ms"] for row in rows[3:]] == ["100.0", "200.0", "300.0"]
    assert {row["labels"] for row in rows} == {"build=7"}


def test_the_exports_label_each_turn(report: RunReport, tmp_path: Path) -> None:
    ttft_p50 = {
        (figure.labels.get("traffic_class"), figure.labels.get("turn")): figure.value
        for figure in report_figures(report)
        if figure.name == "gaugellm_ttft_seconds" and figure.labels["statistic"] == "p50"
    }
    assert ttft_p50[(None, None)] == pytest.approx(0.2)
    assert {key: ttft_p50[(None, key)] for key in ("1", "2", "3")} == pytest.approx({"1": 0.1, "2": 0.2, "3": 0.3})
    assert ("chat", None) in ttft_p50
    prom = write_report(report, tmp_path / "run.prom").read_text()
    assert f'gaugellm_ttft_seconds{{benchmark="{NAME}",profile="constant",turn="2",statistic="p50"}} 0.2' in prom
