"""Console tables (rich): what a person reads at the end of a run, and again with ``gaugellm report FILE``.

One table per run with a row per benchmark, the error breakdown when there were errors, and a line on how tokens
were counted. rich is imported here, not at the top of :mod:`gaugellm.reports`, so that writing JSON never pays for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gaugellm.metrics.models import Distribution, SloSummary
from gaugellm.reports.applicable import generative, measured
from gaugellm.reports.models import BenchmarkReport, CapacityProbeReport, CapacityReport, RunReport

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["format_attainment", "format_interval", "format_ms", "format_rate", "make_console", "render_console"]


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


def format_share(value: float | None) -> str:
    """A share as a percentage, one decimal (the interval around it is wider than that)."""
    return "-" if value is None else f"{value * 100:.1f}%"


def format_interval(low: float | None, high: float | None) -> str:
    """``97.1%-99.8%``: an interval of shares, ``-`` when there is none."""
    return "-" if low is None else f"{format_share(low)}-{format_share(high)}"


def format_attainment(slo: SloSummary | None) -> str:
    """``99.2% [97.1%-99.8%]``: the attainment and its interval."""
    if slo is None or slo.attainment is None:
        return "-"
    return f"{format_share(slo.attainment)} [{format_interval(slo.attainment_low, slo.attainment_high)}]"


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


#: Extra columns when the run had an SLO, and when it had rate stages.
SLO_COLUMNS: tuple[tuple[str, str], ...] = (("SLO met", "right"), ("goodput", "right"))
LOAD_COLUMNS: tuple[tuple[str, str], ...] = (("load", "left"),)


def _columns(report: RunReport) -> list[tuple[str, str]]:
    columns = list(COLUMNS)
    hidden = set()
    if not measured(report, "ttft"):
        hidden |= {"TTFT p50", "TTFT p99"}
    if not measured(report, "itl"):
        hidden |= {"ITL p50", "ITL p99"}
    if not generative(report):
        columns[columns.index(("out tok/s", "right"))] = ("in tok/s", "right")
    columns = [column for column in columns if column[0] not in hidden]
    if any(b.metrics.slo is not None for b in report.benchmarks):
        columns += SLO_COLUMNS
    if any(b.metrics.load is not None for b in report.benchmarks):
        columns += LOAD_COLUMNS
    return columns


def _slo_cells(benchmark: BenchmarkReport) -> list[str]:
    slo = benchmark.metrics.slo
    if slo is None:
        return ["-", "-"]
    share = format_share(slo.attainment)
    if slo.met is False:
        share = f"[red]{share}[/red]"
    elif slo.met is True:
        share = f"[green]{share}[/green]"
    return [share, format_rate(slo.goodput)]


def load_word(benchmark: BenchmarkReport) -> str:
    """``ok``, ``SATURATED`` or ``-``: whether a rate stage's load was sustainable."""
    load = benchmark.metrics.load
    if load is None or load.sustainable is None:
        return "-"
    return "ok" if load.sustainable else "SATURATED"


def _benchmark_row(benchmark: BenchmarkReport) -> dict[str, str]:
    from rich.markup import escape

    metrics = benchmark.metrics
    counts = metrics.requests
    name = escape(benchmark.name) + (" [yellow](incomplete)[/yellow]" if benchmark.incomplete else "")
    error_rate = "-" if metrics.error_rate is None else f"{metrics.error_rate * 100:.1f}"
    if metrics.error_rate:
        error_rate = f"[red]{error_rate}[/red]"
    cells = [
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
    row = {column: cell for (column, _), cell in zip(COLUMNS, cells, strict=True)}
    row["in tok/s"] = format_rate(metrics.prompt_tokens_per_s)
    return row


def render_console(report: RunReport, console: Console) -> None:
    """Print the run's tables on ``console``."""
    from rich.markup import escape
    from rich.table import Table

    backend = report.backend.get("name") or report.backend.get("type") or report.config.get("backend") or "backend"
    from gaugellm.reports.run_state import run_state

    state_of_run = run_state(report)
    style = {"good": "green", "warn": "yellow", "bad": "bold red"}[state_of_run.level]
    state = f"[{style}]{escape(state_of_run.text if report.complete else 'INCOMPLETE')}[/{style}]"
    labels = [f"{key}={value}" for key, value in report.labels.items()]
    heading = " · ".join(
        escape(part) for part in (f"gaugellm {report.gaugellm_version}", str(backend), report.created_at, *labels)
    )
    title = f"{heading} · {state}"
    caption = "times in ms (p50 / p99); lat = end - dispatch, sched = end - scheduled time"
    columns = _columns(report)
    rows = []
    from gaugellm.reports.breakdowns import with_parts

    for benchmark, _part in with_parts(report.benchmarks):
        cells = _benchmark_row(benchmark)
        row = [cells[name] for name, _ in columns if name in cells]
        if SLO_COLUMNS[0] in columns:
            row += _slo_cells(benchmark)
        if LOAD_COLUMNS[0] in columns:
            word = load_word(benchmark)
            row.append("[bold red]SATURATED[/bold red]" if word == "SATURATED" else word)
        rows.append(row)
    if console.width >= WIDE_LAYOUT_COLUMNS + 12 * (len(columns) - len(COLUMNS)):
        table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
        for name, justify in columns:
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for row in rows:
            table.add_row(*row)
    else:
        # A narrow terminal: one column per benchmark, one row per metric, so that nothing is cut to "…".
        table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
        table.add_column("metric")
        for row in rows:
            table.add_column(row[0], justify="right", overflow="fold")
        for index, (name, _) in enumerate(columns[1:], start=1):
            table.add_row(name, *(row[index] for row in rows))
    console.print(table)
    _replay_lines(report, console)
    _node_lag_lines(report, console)
    _slo_table(report, console)
    _reasoning_table(report, console)
    _tool_call_table(report, console)
    _cost_table(report, console)
    if report.capacity is not None:
        _capacity(report.capacity, console)
    _collector_table(report, console)
    _timeline_lines(report, console)
    _checks_table(report, console)

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


def _checks_table(report: RunReport, console: Console) -> None:
    """Each check per benchmark: the figure and pass or fail (``--check``)."""
    from rich.markup import escape
    from rich.table import Table

    from gaugellm.reports.checks import describe_value

    if not report.checks:
        return
    failed = sum(1 for check in report.checks if not check.passed)
    title = f"Checks: {failed} of {len(report.checks)} failed" if failed else f"Checks: all {len(report.checks)} passed"
    table = Table(title=title, title_justify="left")
    for name, justify in (("check", "left"), ("benchmark", "left"), ("value", "right"), ("result", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for check in report.checks:
        table.add_row(
            escape(check.check),
            escape(check.benchmark or "(run)"),
            escape(describe_value(check)),
            "[green]pass[/green]" if check.passed else "[bold red]FAIL[/bold red]",
        )
    console.print(table)


def _collector_table(report: RunReport, console: Console) -> None:
    """Each collected series over the run (min / mean / max), and how many samples failed."""
    from rich.markup import escape
    from rich.table import Table

    from gaugellm.reports.collector_views import format_value, headline_series, headlines

    if not report.collectors:
        return
    table = Table(title="Collected beside the load", title_justify="left")
    for name, justify in (
        ("collector", "left"),
        ("series", "left"),
        ("samples", "right"),
        ("min", "right"),
        ("mean", "right"),
        ("max", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    hidden = 0
    for collector in report.collectors:
        shown = headline_series(collector)
        hidden += len(collector.series) - len(shown)
        for series in shown:
            summary = collector.summary(series)
            table.add_row(
                escape(collector.name),
                escape(series),
                str(summary.samples),
                format_value(summary.min),
                format_value(summary.mean),
                format_value(summary.max),
            )
    if hidden:
        table.caption = f"the headline series; {hidden} more in the JSON and HTML reports"
    console.print(table)
    for benchmark in report.benchmarks:
        figures = headlines(report, benchmark)
        if figures:
            console.print(f"[bold]{escape(benchmark.name)}[/bold]: " + escape(" · ".join(figures)))
    for collector in report.collectors:
        if collector.failures:
            console.print(
                f"[yellow]{escape(collector.name)}[/yellow]: {collector.failures} sample(s) failed; last: "
                f"{escape(collector.last_error or '?')}"
            )


def _timeline_lines(report: RunReport, console: Console) -> None:
    """One line per stage from the run's timeline: its worst windows (the JSON and HTML have every window)."""
    from gaugellm.reports.timeline_views import stage_peaks

    timeline = report.timeline
    if timeline is None or not timeline.stages:
        return
    console.print(f"Over time ({timeline.window_s:g} s windows):", markup=False)
    for span in timeline.stages:
        peaks = stage_peaks(timeline, span)
        parts = [f"peak in flight {'-' if peaks.peak_in_flight is None else f'{peaks.peak_in_flight:g}'}"]
        if peaks.worst_ttft_p99_ms is not None:
            parts.append(f"worst TTFT p99 {format_ms(peaks.worst_ttft_p99_ms)} ms at +{peaks.worst_ttft_at_s:.1f} s")
        if peaks.worst_gap_ms is not None:
            parts.append(f"worst inter-token gap {format_ms(peaks.worst_gap_ms)} ms")
        if peaks.most_errors:
            parts.append(f"most errors in a window {peaks.most_errors:g}")
        console.print(f"  {span.name}: " + " · ".join(parts), markup=False)


def _node_lag_lines(report: RunReport, console: Console) -> None:
    """Per benchmark whose workers ran on several nodes: each node's dispatch lag (p50 / p99, and how many)."""
    for benchmark in report.benchmarks:
        by_node = benchmark.dispatch_lag_by_node
        if not by_node:
            continue
        parts = [
            f"{node} {format_ms(lag.p50)} / {format_ms(lag.p99)} ms ({lag.count})" for node, lag in by_node.items()
        ]
        console.print(f"{benchmark.name}: dispatch lag p50 / p99 by node: " + " · ".join(parts), markup=False)


def _replay_lines(report: RunReport, console: Console) -> None:
    """How far each replay fell behind its trace (its dispatch lag), one line per replay stage."""
    for benchmark in report.benchmarks:
        profile = benchmark.profile
        if profile.get("kind") != "replay":
            continue
        lag = benchmark.metrics.dispatch_lag
        console.print(
            f"{benchmark.name}: {profile.get('requests')} requests over {profile.get('span_s', 0):.1f} s "
            f"(trace time / {profile.get('speedup', 1):g}); behind the trace by p50 {format_ms(lag.p50)} ms, "
            f"p99 {format_ms(lag.p99)} ms, max {format_ms(lag.max)} ms",
            markup=False,
        )


def _slo_table(report: RunReport, console: Console) -> None:
    """Per benchmark: how many requests were judged and good, the interval, goodput, and each limit's breakages."""
    from rich.markup import escape
    from rich.table import Table

    judged = [b for b in report.benchmarks if b.metrics.slo is not None]
    if not judged:
        return
    first = judged[0].metrics.slo
    assert first is not None
    target = f" · target {format_share(first.target)}" if first.target is not None else ""
    limits = [limit.limit for limit in first.limits]
    table = Table(
        title=f"SLO {', '.join(limits)}{target}",
        title_justify="left",
        caption=f"attainment = good / judged, with its {first.confidence:.0%} Wilson interval; "
        "goodput = good requests/s",
        caption_justify="left",
    )
    for name in ("benchmark", "good/judged", "attainment", "met", "goodput", "good tok/s", *limits):
        table.add_column(escape(name), justify="left" if name == "benchmark" else "right")
    for benchmark in judged:
        slo = benchmark.metrics.slo
        assert slo is not None
        met = {True: "[green]yes[/green]", False: "[red]no[/red]", None: "undecided"}[slo.met]
        broken = {limit.limit: limit.broken for limit in slo.limits}
        table.add_row(
            escape(benchmark.name),
            f"{slo.good}/{slo.judged}",
            format_attainment(slo),
            met if slo.target is not None else "-",
            format_rate(slo.goodput),
            format_rate(slo.good_output_tokens_per_s),
            *(str(broken.get(limit, "-")) for limit in limits),
        )
    console.print(table)


def _reasoning_table(report: RunReport, console: Console) -> None:
    """Reasoning models' split of time and tokens, and the prompt cache: only when a benchmark reported them."""
    from rich.markup import escape
    from rich.table import Table

    def present(benchmark: BenchmarkReport) -> bool:
        tokens = benchmark.metrics.tokens
        return tokens.reasoning_tokens is not None or tokens.cached_prompt_tokens is not None

    shown = [benchmark for benchmark in report.benchmarks if present(benchmark)]
    if not shown:
        return
    table = Table(title="Reasoning and prompt cache", title_justify="left")
    for name in ("benchmark", "TTFRT p50", "TTFRT p99", "TTFAT p50", "TTFAT p99", "reasoning tok", "answer tok"):
        table.add_column(name, justify="left" if name == "benchmark" else "right")
    table.add_column("cached prompt tok", justify="right")

    def pair(distribution: Distribution | None) -> tuple[str, str]:
        return ("-", "-") if distribution is None else _pair(distribution)

    def count(value: int | None) -> str:
        return "-" if value is None else str(value)

    for benchmark in shown:
        metrics = benchmark.metrics
        table.add_row(
            escape(benchmark.name),
            *pair(metrics.time_to_first_reasoning_token),
            *pair(metrics.time_to_first_answer_token),
            count(metrics.tokens.reasoning_tokens),
            count(metrics.tokens.answer_tokens),
            count(metrics.tokens.cached_prompt_tokens),
        )
    table.caption = "TTFRT / TTFAT: time to first reasoning / answer token, ms"
    table.caption_justify = "left"
    console.print(table)


def _tool_call_table(report: RunReport, console: Console) -> None:
    """How many tool calls the answers made: only when a benchmark's requests made any."""
    from rich.markup import escape
    from rich.table import Table

    shown = [benchmark for benchmark in report.benchmarks if benchmark.metrics.tool_calls is not None]
    if not shown:
        return
    table = Table(title="Tool calls", title_justify="left")
    table.add_column("benchmark")
    table.add_column("tool calls", justify="right")
    table.add_column("requests with tool calls", justify="right")
    for benchmark in shown:
        metrics = benchmark.metrics
        table.add_row(escape(benchmark.name), str(metrics.tool_calls), str(metrics.tool_call_requests))
    console.print(table)


def _cost_table(report: RunReport, console: Console) -> None:
    from rich.markup import escape
    from rich.table import Table

    costed = [b for b in report.benchmarks if b.cost is not None]
    if not costed:
        return
    price = costed[0].cost.price_per_hour if costed[0].cost is not None else 0.0
    table = Table(title=f"Cost at {price:g} per hour", title_justify="left")
    for name in ("benchmark", "per 1M output tokens", "per 1M good output tokens"):
        table.add_column(name, justify="left" if name == "benchmark" else "right")
    for benchmark in costed:
        cost = benchmark.cost
        assert cost is not None
        table.add_row(
            escape(benchmark.name),
            format_money(cost.per_million_output_tokens),
            format_money(cost.per_million_good_output_tokens),
        )
    console.print(table)


def format_money(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.2f}" if value >= 1 else f"{value:.4f}"


def capacity_sentence(capacity: CapacityReport) -> str:
    """The answer in one sentence, as plain text."""
    unit = capacity.rate_unit if capacity.by == "rate" else "concurrent streams"
    slo = ", ".join(capacity.slo)
    target = format_share(capacity.target)

    def amount(value: float | None) -> str:
        if value is None:
            return "-"
        return format_rate(value) if capacity.by == "rate" else f"{value:g}"

    if capacity.status == "no_answer":
        return f"Capacity: no answer ({capacity.stopped or 'nothing was decided'})"
    if capacity.status == "below_lowest":
        return f"Capacity: below {amount(capacity.upper)} {unit}: even the lowest load probed missed {slo} at {target}"
    if capacity.status == "above_highest":
        return (
            f"Capacity: at least {amount(capacity.capacity)} {unit} ({slo} met at {target}; no higher load was probed)"
        )
    bracket = f"between {amount(capacity.capacity)} and {amount(capacity.upper)}"
    state = "" if capacity.status == "found" else f"; stopped before the precision: {capacity.stopped}"
    return (
        f"Capacity: {amount(capacity.capacity)} {unit} meets {slo} for {target} of requests "
        f"(the limit lies {bracket}{state})"
    )


def probe_load(capacity: CapacityReport, probe: CapacityProbeReport) -> str:
    """The load a probe applied: a rate, or (the bracketing throughput stage, concurrency searches) streams."""
    if probe.verdict == "measured" or capacity.by == "concurrency":
        return f"{probe.value:g} streams"
    return f"{format_rate(probe.value)} {capacity.rate_unit}"


def _capacity(capacity: CapacityReport, console: Console) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(
        title="Capacity search",
        title_justify="left",
        caption=f"{len(capacity.probes)} probes in {capacity.spent_s:.0f} s; each verdict wrong with probability "
        f"at most {1 - capacity.confidence:.0%} (docs/slo.md)",
        caption_justify="left",
    )
    for name in ("probe", "load", "verdict", "decided by", "attainment", "interval", "queue", "req/s", "s"):
        table.add_column(name, justify="left" if name in ("probe", "verdict", "decided by", "queue") else "right")
    for probe in capacity.probes:
        verdict = {"pass": "[green]pass[/green]", "fail": "[red]fail[/red]"}.get(probe.verdict, probe.verdict)
        interval = format_interval(probe.attainment_low, probe.attainment_high)
        queue = {True: "steady", False: "grows", None: "-"}[probe.sustainable]
        table.add_row(
            escape(probe.benchmark),
            probe_load(capacity, probe),
            verdict,
            probe.decided_by,
            format_share(probe.attainment),
            interval,
            queue,
            format_rate(probe.request_rate),
            f"{probe.duration_s:.1f}",
        )
    console.print(table)
    console.print(f"[bold]{escape(capacity_sentence(capacity))}[/bold]")
    if capacity.goodput is not None:
        cost = (
            ""
            if capacity.cost_per_million_good_output_tokens is None
            else f"; {format_money(capacity.cost_per_million_good_output_tokens)} per 1M good output tokens"
        )
        console.print(
            f"at capacity: {format_rate(capacity.goodput)} good req/s, "
            f"{format_rate(capacity.good_output_tokens_per_s)} good output tokens/s{cost}",
            markup=False,
        )
