"""Fields that only some request types have (reasoning, the prompt cache): present in every format when a run has
them, absent (null, empty, hidden) when it has not."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema
from rich.console import Console

from gaugellm.backend.schemas import GenerationResponse
from gaugellm.metrics import BenchmarkAccumulator
from gaugellm.reports import BenchmarkReport, RunReport, render_console, write_report
from gaugellm.reports.schema import schema_path

MS = 1_000_000


def reasoning_benchmark() -> BenchmarkReport:
    """Four requests of a reasoning model: 3 reasoning tokens from 10 ms, then 5 answer tokens from 40 ms."""
    accumulator = BenchmarkAccumulator()
    for index in range(4):
        response = GenerationResponse(f"r{index}", scheduled_ns=index * 100 * MS, dispatched_ns=index * 100 * MS)
        at = response.dispatched_ns + 10 * MS  # type: ignore[operator]
        for token in range(8):
            response.record_chunk("t", at_ns=at + token * 10 * MS, reasoning=token < 3)
        response.set_usage(20, 8, "server")
        response.cached_prompt_tokens = 16
        response.finish("stop", at_ns=at + 80 * MS)
        accumulator.add(response)
    metrics = accumulator.summary(0, 400 * MS)
    return BenchmarkReport(name="reasoning", profile={"kind": "synchronous"}, started_at=0.0, duration_s=0.4,
                           metrics=metrics)  # fmt: skip


def test_the_accumulator_splits_reasoning_from_the_answer() -> None:
    metrics = reasoning_benchmark().metrics
    assert (metrics.tokens.reasoning_tokens, metrics.tokens.answer_tokens, metrics.tokens.cached_prompt_tokens) == (
        12,
        20,
        64,
    )
    assert metrics.time_to_first_reasoning_token is not None
    assert metrics.time_to_first_answer_token is not None
    assert metrics.time_to_first_reasoning_token.p50 == 10.0
    assert metrics.time_to_first_answer_token.p50 == 40.0
    assert metrics.ttft.p50 == 10.0  # the first token of any kind


def test_every_format_shows_them_when_present(sample_report: RunReport, tmp_path: Path) -> None:
    sample_report.benchmarks.append(reasoning_benchmark())
    document = json.loads(write_report(sample_report, tmp_path / "run.json").read_text())
    jsonschema.Draft202012Validator(json.loads(schema_path().read_text())).validate(document)
    reasoning, plain = document["benchmarks"][-1]["metrics"], document["benchmarks"][0]["metrics"]
    assert reasoning["time_to_first_answer_token"]["p50"] == 40.0
    assert reasoning["tokens"]["reasoning_tokens"] == 12
    assert plain["time_to_first_answer_token"] is None
    assert plain["tokens"]["cached_prompt_tokens"] is None

    with write_report(sample_report, tmp_path / "run.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[-1]["time_to_first_answer_token_p50_ms"] == "40.0"
    assert (rows[-1]["reasoning_tokens"], rows[-1]["answer_tokens"], rows[-1]["cached_prompt_tokens"]) == (
        "12",
        "20",
        "64",
    )
    assert rows[0]["time_to_first_answer_token_p50_ms"] == rows[0]["reasoning_tokens"] == ""

    html = write_report(sample_report, tmp_path / "run.html").read_text()
    assert html.count("Time to first answer token") == 1  # one row, in the reasoning benchmark's table only
    assert "12 reasoning + 20 answer tokens · 64 cached prompt tokens" in html

    console = Console(record=True, width=200)
    render_console(sample_report, console)
    text = console.export_text()
    assert "Reasoning and prompt cache" in text
    assert "TTFAT p50" in text


def test_no_format_shows_them_when_absent(sample_report: RunReport, tmp_path: Path) -> None:
    html = write_report(sample_report, tmp_path / "run.html").read_text()
    assert "reasoning" not in html.lower()
    assert "cached prompt" not in html
    console = Console(record=True, width=200)
    render_console(sample_report, console)
    assert "Reasoning" not in console.export_text()


def tool_call_benchmark() -> BenchmarkReport:
    """Three requests, two of which made tool calls (one of them two calls)."""
    accumulator = BenchmarkAccumulator()
    for index, calls in enumerate((1, None, 2)):
        response = GenerationResponse(f"t{index}", scheduled_ns=index * MS, dispatched_ns=index * MS)
        response.record_chunk("{}", at_ns=index * MS + 5 * MS)
        response.tool_calls = calls
        response.finish("tool_calls", at_ns=index * MS + 9 * MS)
        accumulator.add(response)
    metrics = accumulator.summary(0, 100 * MS)
    return BenchmarkReport(name="tools", profile={"kind": "synchronous"}, started_at=0.0, duration_s=0.1,
                           metrics=metrics)  # fmt: skip


def test_tool_calls_in_every_format(sample_report: RunReport, tmp_path: Path) -> None:
    sample_report.benchmarks.append(tool_call_benchmark())
    document = json.loads(write_report(sample_report, tmp_path / "run.json").read_text())
    jsonschema.Draft202012Validator(json.loads(schema_path().read_text())).validate(document)
    assert document["benchmarks"][-1]["metrics"]["tool_calls"] == 3
    assert document["benchmarks"][-1]["metrics"]["tool_call_requests"] == 2
    assert document["benchmarks"][0]["metrics"]["tool_calls"] is None
    with write_report(sample_report, tmp_path / "run.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert (rows[-1]["tool_calls"], rows[-1]["tool_call_requests"], rows[0]["tool_calls"]) == ("3", "2", "")
    assert "3 tool calls in 2 requests" in write_report(sample_report, tmp_path / "run.html").read_text()
    console = Console(record=True, width=200)
    render_console(sample_report, console)
    assert "requests with tool calls" in console.export_text()
