"""The comparison in the terminal: one rich table per compared run, a row per benchmark and metric."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gaugellm.compare.formatting import format_change, format_interval, format_value, method_word
from gaugellm.compare.models import CompareReport, RunComparison

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["render_compare_console"]

_STYLES = {"better": "bold green", "worse": "bold red", "not measured": "dim"}


def render_compare_console(report: CompareReport, console: Console) -> None:
    settings = report.settings
    console.print(
        f"baseline: [bold]{report.baseline.name}[/bold] · {settings.confidence * 100:g}% intervals · "
        f"minimum effect {settings.min_effect * 100:g}% (error rate {settings.min_error_change * 100:g} points)",
        highlight=False,
    )
    for run in report.runs:
        _run_table(report, run, console)


def _run_table(report: CompareReport, run: RunComparison, console: Console) -> None:
    from rich.table import Table

    table = Table(title=f"{run.run.name} vs {report.baseline.name} (baseline)", title_justify="left")
    for header, justify in (
        ("benchmark", "left"),
        ("metric", "left"),
        (report.baseline.name, "right"),
        (run.run.name, "right"),
        ("change", "right"),
        (f"{report.settings.confidence * 100:g}% interval", "right"),
        ("verdict", "left"),
        ("method", "left"),
    ):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]  # "left" / "right" are JustifyMethods
    for pair in run.benchmarks:
        name = pair.baseline if pair.baseline == pair.candidate else f"{pair.baseline} ~ {pair.candidate}"
        for index, row in enumerate(pair.metrics):
            style = _STYLES.get(row.verdict, "")
            verdict = f"[{style}]{row.verdict}[/{style}]" if style else row.verdict
            table.add_row(
                name if index == 0 else "",
                row.label,
                format_value(row, row.baseline),
                format_value(row, row.candidate),
                format_change(row),
                format_interval(row),
                verdict,
                method_word(row),
                end_section=index == len(pair.metrics) - 1,
            )
    console.print(table)
    for ref in (report.baseline, run.run):
        if not ref.complete:
            console.print(f"{ref.name} was interrupted: its figures cover what it measured", style="yellow")
    if run.unmatched_baseline:
        console.print(f"only in the baseline: {', '.join(run.unmatched_baseline)}", highlight=False)
    if run.unmatched_candidate:
        console.print(f"only in {run.run.name}: {', '.join(run.unmatched_candidate)}", highlight=False)
    if run.capacity is not None:
        cap = run.capacity
        change = "" if cap.relative_change is None else f" ({cap.relative_change * 100:+.1f}%)"
        console.print(
            f"capacity ({cap.by}): {cap.baseline} ({cap.baseline_status}) -> {cap.candidate} ({cap.candidate_status})"
            f"{change}; a search's answer has no interval",
            highlight=False,
        )
    notes = sorted({row.note for pair in run.benchmarks for row in pair.metrics if row.note})
    for note in notes:
        console.print(f"note: {note}", style="dim", highlight=False)
