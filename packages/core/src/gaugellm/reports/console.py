"""Console tables (rich): what a person reads at the end of a run, and again with ``gaugellm report FILE``.

One table per run with a row per benchmark, the error breakdown when there were errors, and a line on how tokens
were counted. rich is imported here, not at the top of :mod:`gaugellm.reports`, so that writing JSON never pays for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gaugellm.metrics.models import Distribution
from gaugellm.reports.models import BenchmarkReport, RunReport

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["format_ms", "format_rate", "make_console", "render_console"]


def format_ms(value: float | None) -> str:
    """Milliseconds with three significant digits (a latency's noise is larger than that)."""
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def format_rate(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def _pair(distribution: Distribution) -> tuple[str, str]:
    return format_ms(distribution.p50), format_ms(distribution.p99)


#: width of the tables when stdout is not a terminal: a file or a pipe gets the whole table, never a squeezed one
PIPED_WIDTH = 160


def make_console() -> Console:
    """The console reports print on: the terminal's width, or :data:`PIPED_WIDTH` when stdout is not a terminal."""
    import sys

    from rich.console import Console

    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else PIPED_WIDTH)


#: (header, justification) of the wide table; the narrow layout uses the same names as row labels.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("benchmark", "left"),
    ("ok/err/inc", "right"),
    ("req/s", "right"),
    ("out tok/s", "right"),
    ("conc", "right"),
    ("TTFT p50", "right"),
    ("TTFT p99", "right"),
    ("ITL p50", "right"),
    ("ITL p99", "right"),
    ("lat p50", "right"),
    ("lat p99", "right"),
    ("sched p99", "right"),
    ("err %", "right"),
)
#: below this console width the table is turned on its side (a row per metric)
WIDE_LAYOUT_COLUMNS = 130


def _benchmark_row(benchmark: BenchmarkReport) -> list[str]:
    from rich.markup import escape

    metrics = benchmark.metrics
    counts = metrics.requests
    name = escape(benchmark.name) + (" [yellow](incomplete)[/yellow]" if benchmark.incomplete else "")
    error_rate = "-" if metrics.error_rate is None else f"{metrics.error_rate * 100:.1f}"
    if metrics.error_rate:
        error_rate = f"[red]{error_rate}[/red]"
    return [
        name,
        f"{counts.successful}/{counts.errored}/{counts.incomplete}",
        format_rate(metrics.request_rate),
        format_rate(metrics.output_tokens_per_s),
        format_rate(metrics.concurrency),
        *_pair(metrics.ttft),
        *_pair(metrics.itl),
        *_pair(metrics.latency),
        format_ms(metrics.latency_from_schedule.p99),
        error_rate,
    ]


def render_console(report: RunReport, console: Console) -> None:
    """Print the run's tables on ``console``."""
    from rich.markup import escape
    from rich.table import Table

    backend = report.backend.get("name") or report.backend.get("type") or report.config.get("backend") or "backend"
    state = "[green]complete[/green]" if report.complete else "[bold red]INCOMPLETE[/bold red]"
    heading = " · ".join(
        escape(part) for part in (f"gaugellm {report.gaugellm_version}", str(backend), report.created_at)
    )
    title = f"{heading} · {state}"
    caption = "times in ms (p50 / p99); lat = end - dispatch, sched = end - scheduled time"
    rows = [_benchmark_row(benchmark) for benchmark in report.benchmarks]
    if console.width >= WIDE_LAYOUT_COLUMNS:
        table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
        for name, justify in COLUMNS:
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for row in rows:
            table.add_row(*row)
    else:
        # A narrow terminal: one column per benchmark, one row per metric, so that nothing is cut to "…".
        table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
        table.add_column("metric")
        for row in rows:
            table.add_column(row[0], justify="right", overflow="fold")
        for index, (name, _) in enumerate(COLUMNS[1:], start=1):
            table.add_row(name, *(row[index] for row in rows))
    console.print(table)

    errors = [(benchmark.name, group) for benchmark in report.benchmarks for group in benchmark.metrics.errors]
    if errors:
        error_table = Table(title="Errors", title_justify="left")
        for name in ("benchmark", "kind", "status", "count", "example"):
            error_table.add_column(name, overflow="fold")
        for benchmark_name, group in errors:
            error_table.add_row(
                escape(benchmark_name),
                escape(group.kind),
                "" if group.status_code is None else str(group.status_code),
                str(group.count),
                escape(group.example),
            )
        console.print(error_table)

    counting = ", ".join(f"{kind}: {source}" for kind, source in report.token_counting.items())
    if counting:
        console.print(f"token counting: {counting}", markup=False)
    if not report.complete:
        console.print(f"[bold red]run incomplete[/bold red]: {escape(report.error or 'interrupted')}")
