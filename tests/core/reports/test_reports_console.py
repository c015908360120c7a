"""Console tables: one row per benchmark with the main numbers."""

from __future__ import annotations

from rich.console import Console

from gaugellm.reports import RunReport, render_console
from gaugellm.reports.console import format_ms


def render(report: RunReport) -> str:
    console = Console(record=True, width=220, color_system=None)
    render_console(report, console)
    return console.export_text()


def test_table_has_a_row_per_benchmark(sample_report: RunReport) -> None:
    text = render(sample_report)
    for benchmark in sample_report.benchmarks:
        assert benchmark.name in text
        assert format_ms(benchmark.metrics.ttft.p50) in text
        assert format_ms(benchmark.metrics.latency.p99) in text
    assert "TTFT p50" in text
    assert "ITL p99" in text
    assert "req/s" in text
    assert "token counting: prompt: server, output: server" in text
    assert "Errors" in text  # the constant@10 benchmark had errors
    assert "complete" in text


def test_incomplete_run_says_why(sample_report: RunReport) -> None:
    sample_report.complete = False
    sample_report.error = "worker [1] crashed"
    sample_report.benchmarks[0].incomplete = True
    text = render(sample_report)
    assert "INCOMPLETE" in text
    assert "worker [1] crashed" in text  # brackets are not taken for rich markup
    assert "(incomplete)" in text


def test_format_ms() -> None:
    assert [format_ms(value) for value in (None, 0.01234, 1.234, 12.34, 1234.5)] == [
        "-",
        "0.012",
        "1.23",
        "12.3",
        "1,234",
    ]
