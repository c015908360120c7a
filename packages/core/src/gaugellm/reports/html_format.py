"""The HTML rendering: one self-contained page (inline CSS and SVG, no script, no external resource).

It opens offline, from an e-mail attachment or a CI artefact, years later. Everything shown comes from the
:class:`RunReport`; every string from the report is escaped.
"""

from __future__ import annotations

import json
from html import escape

from gaugellm.metrics.models import BenchmarkMetrics, Distribution, TokenTotals
from gaugellm.reports.applicable import generative
from gaugellm.reports.applicable import measured as applies
from gaugellm.reports.console import (
    capacity_sentence,
    format_attainment,
    format_interval,
    format_money,
    format_ms,
    format_rate,
    format_share,
    load_word,
    probe_load,
)
from gaugellm.reports.json_format import report_document
from gaugellm.reports.models import BenchmarkReport, CapacityReport, RunReport
from gaugellm.reports.svg import PALETTE, Marker, Series, histogram_chart, line_chart

__all__ = ["render_html"]

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px auto; max-width: 1320px;
       padding: 0 16px; color: #111827; background: #fff; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #e5e7eb; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.meta { color: #4b5563; } .bad { color: #b91c1c; font-weight: 600; } .good { color: #15803d; font-weight: 600; }
.warn { color: #b45309; font-weight: 600; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #e5e7eb; padding: 3px 8px; text-align: right; white-space: nowrap; }
th { background: #f3f4f6; } td:first-child, th:first-child { text-align: left; }
th.text { text-align: left; }
td.text { text-align: left; white-space: normal; max-width: 640px; word-break: break-word; }
.scroll { overflow-x: auto; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.chart { border: 1px solid #e5e7eb; background: #fff; }
.chart-title { font-size: 13px; font-weight: 600; fill: #111827; }
.axis-label { font-size: 11px; fill: #4b5563; } .tick { font-size: 10px; fill: #4b5563; }
.legend { font-size: 11px; fill: #111827; } .grid { stroke: #f3f4f6; } .axis { stroke: #9ca3af; }
.marker { stroke: #111827; stroke-dasharray: 3 3; } .marker-label { font-size: 10px; fill: #111827; }
.point-label { font-size: 9px; fill: #374151; }
pre { background: #f9fafb; border: 1px solid #e5e7eb; padding: 8px; overflow: auto; font-size: 12px; }
"""

_DISTRIBUTIONS: tuple[tuple[str, str], ...] = (
    ("ttft", "TTFT (first token - dispatch)"),
    ("ttft_from_schedule", "TTFT from schedule"),
    ("itl", "ITL per request"),
    ("inter_token_gap", "Inter-token gap (per token)"),
    ("tpot", "TPOT"),
    ("latency", "Latency (end - dispatch)"),
    ("latency_from_schedule", "Latency from schedule"),
    ("dispatch_lag", "Dispatch lag"),
    ("time_to_first_reasoning_token", "Time to first reasoning token"),
    ("time_to_first_answer_token", "Time to first answer token"),
)
_CHARTED: tuple[tuple[str, str], ...] = (
    ("ttft", "TTFT"),
    ("inter_token_gap", "Inter-token gap"),
    ("latency", "Latency"),
)


def _td(value: str, css: str = "") -> str:
    return f'<td class="{css}">{escape(value)}</td>' if css else f"<td>{escape(value)}</td>"


_SUMMARY_HEAD: tuple[str, ...] = (
    "benchmark",
    "ok",
    "errors",
    "cancelled",
    "req/s",
    "output tok/s",
    "total tok/s",
    "concurrency",
    "TTFT p50",
    "TTFT p99",
    "ITL p50",
    "ITL p99",
    "latency p50",
    "latency p99",
    "sched. latency p99",
    "dispatch lag p99",
)


def _summary_table(report: RunReport) -> str:
    head = _SUMMARY_HEAD
    hidden = set()
    if not applies(report, "ttft"):
        hidden |= {"TTFT p50", "TTFT p99"}
    if not applies(report, "itl"):
        hidden |= {"ITL p50", "ITL p99"}
    if not generative(report):
        hidden.add("output tok/s")
        head = (*head[:5], "prompt tok/s", *head[5:])
    head = tuple(name for name in head if name not in hidden)
    with_slo = any(b.metrics.slo is not None for b in report.benchmarks)
    with_load = any(b.metrics.load is not None for b in report.benchmarks)
    head += ("SLO met", "goodput") if with_slo else ()
    head += ("load",) if with_load else ()
    from gaugellm.reports.breakdowns import with_parts

    rows = []
    for benchmark, part in with_parts(report.benchmarks):
        metrics = benchmark.metrics
        name = benchmark.name + (" (incomplete)" if benchmark.incomplete and part is None else "")
        values = dict(
            zip(
                (*_SUMMARY_HEAD, "prompt tok/s"),
                (
                    name,
                    str(metrics.requests.successful),
                    str(metrics.requests.errored),
                    str(metrics.requests.incomplete),
                    format_rate(metrics.request_rate),
                    format_rate(metrics.output_tokens_per_s),
                    format_rate(metrics.total_tokens_per_s),
                    format_rate(metrics.concurrency),
                    format_ms(metrics.ttft.p50),
                    format_ms(metrics.ttft.p99),
                    format_ms(metrics.itl.p50),
                    format_ms(metrics.itl.p99),
                    format_ms(metrics.latency.p50),
                    format_ms(metrics.latency.p99),
                    format_ms(metrics.latency_from_schedule.p99),
                    format_ms(metrics.dispatch_lag.p99),
                    format_rate(metrics.prompt_tokens_per_s),
                ),
                strict=True,
            )
        )
        cells = [values[column] for column in head if column in values]
        extra = ""
        if with_slo:
            slo = metrics.slo
            css = "" if slo is None or slo.met is None else "good" if slo.met else "bad"
            extra += _td(format_share(None if slo is None else slo.attainment), css)
            extra += _td(format_rate(None if slo is None else slo.goodput))
        if with_load:
            word = load_word(benchmark)
            extra += _td(word, "bad" if word == "SATURATED" else "")
        rows.append("<tr>" + "".join(_td(cell) for cell in cells) + extra + "</tr>")
    header = "<tr>" + "".join(f"<th>{escape(name)}</th>" for name in head) + "</tr>"
    table = "<div class='scroll'><table>" + header + "".join(rows) + "</table></div>"
    return table + "<p class='meta'>Times in milliseconds.</p>"


def _sweep_charts(report: RunReport) -> str:
    """Latency against achieved throughput, one point per benchmark (only meaningful with several)."""
    measured = [b for b in report.benchmarks if b.metrics.request_rate is not None]
    if len(measured) < 2:
        return ""
    charts = []
    for name, title in (("ttft", "TTFT"), ("itl", "ITL"), ("latency", "Latency")):
        if not applies(report, name):
            continue
        series = []
        for percentile, dashed in (("p50", False), ("p99", True)):
            points, names = [], []
            for benchmark in measured:
                value = getattr(getattr(benchmark.metrics, name), percentile)
                rate = benchmark.metrics.request_rate
                if value is not None and rate is not None:
                    points.append((rate, value))
                    names.append(benchmark.name)
            series.append(Series(f"{title} {percentile}", points, dashed=dashed, labels=names))
        charts.append(line_chart(f"{title} vs throughput", series, "successful requests / s", "ms"))
    charted = [b for b in measured if b.metrics.request_rate is not None and b.metrics.output_tokens_per_s is not None]
    throughput = Series(
        "output tokens/s",
        [(b.metrics.request_rate or 0.0, b.metrics.output_tokens_per_s or 0.0) for b in charted],
        labels=[b.name for b in charted],
    )
    if generative(report):
        charts.append(
            line_chart("Output tokens/s vs request rate", [throughput], "successful requests / s", "tokens/s")
        )
    return "<h2>Latency vs throughput</h2><div class='charts'>" + "".join(charts) + "</div>"


def _table(head: tuple[str, ...], rows: list[list[tuple[str, str]]]) -> str:
    """A table from header names and rows of ``(text, css class)`` cells."""
    header = "<tr>" + "".join(f"<th>{escape(name)}</th>" for name in head) + "</tr>"
    body = "".join("<tr>" + "".join(_td(text, css) for text, css in row) + "</tr>" for row in rows)
    return "<div class='scroll'><table>" + header + body + "</table></div>"


def _slo_section(report: RunReport) -> str:
    judged = [b for b in report.benchmarks if b.metrics.slo is not None]
    if not judged:
        return ""
    first = judged[0].metrics.slo
    assert first is not None
    limits = [limit.limit for limit in first.limits]
    target = f", target {format_share(first.target)}" if first.target is not None else ""
    rows = []
    for benchmark in judged:
        slo = benchmark.metrics.slo
        assert slo is not None
        met = {True: ("yes", "good"), False: ("no", "bad"), None: ("undecided", "")}[slo.met]
        broken = {limit.limit: str(limit.broken) for limit in slo.limits}
        rows.append(
            [
                (benchmark.name, ""),
                (f"{slo.good}/{slo.judged}", ""),
                (format_attainment(slo), ""),
                met if slo.target is not None else ("-", ""),
                (format_rate(slo.goodput), ""),
                (format_rate(slo.good_output_tokens_per_s), ""),
                *((broken.get(limit, "-"), "") for limit in limits),
            ]
        )
    head = ("benchmark", "good/judged", "attainment [interval]", "met", "goodput", "good tok/s", *limits)
    return (
        f"<h2>SLO: {escape(', '.join(limits))}{escape(target)}</h2>"
        + _table(head, rows)
        + f"<p class='meta'>attainment = good / judged requests, with its {first.confidence:.0%} Wilson score "
        "interval; goodput = good requests per second; the limit columns count the requests that broke each limit."
        "</p>"
    )


def _node_lag_section(report: RunReport) -> str:
    """Dispatch lag per node, for benchmarks whose workers ran on several nodes (a distributed executor)."""
    rows = [
        [(benchmark.name, ""), (node, ""), (str(lag.count), ""), (format_ms(lag.p50), ""), (format_ms(lag.p99), ""),
         (format_ms(lag.max), "")]
        for benchmark in report.benchmarks
        for node, lag in (benchmark.dispatch_lag_by_node or {}).items()
    ]  # fmt: skip
    if not rows:
        return ""
    return "<h2>Dispatch lag by node</h2>" + _table(
        ("benchmark", "node", "requests", "p50 ms", "p99 ms", "max ms"), rows
    )


def _checks_section(report: RunReport) -> str:
    """Each check per benchmark, pass or fail (``--check``)."""
    from gaugellm.reports.checks import describe_value

    if not report.checks:
        return ""
    failed = sum(1 for check in report.checks if not check.passed)
    rows = [
        [
            (check.check, ""),
            (check.benchmark or "(run)", ""),
            (describe_value(check), ""),
            ("pass", "good") if check.passed else ("FAIL", "bad"),
        ]
        for check in report.checks
    ]
    verdict = f"{failed} of {len(report.checks)} failed" if failed else f"all {len(report.checks)} passed"
    return f"<h2>Checks: {escape(verdict)}</h2>" + _table(("check", "benchmark", "value", "result"), rows)


def _collector_section(report: RunReport) -> str:
    """Each collected series over the run, and its mean per benchmark (the JSON holds every sample)."""
    from gaugellm.reports.collector_views import format_value, series_of, stage_summary

    if not report.collectors:
        return ""
    head = ("collector", "series", "samples", "min", "mean", "max", *(b.name + " mean" for b in report.benchmarks))
    rows = []
    for collector, series in series_of(report):
        summary = collector.summary(series)
        rows.append(
            [
                (collector.name, ""),
                (series, ""),
                (str(summary.samples), "num"),
                (format_value(summary.min), "num"),
                (format_value(summary.mean), "num"),
                (format_value(summary.max), "num"),
                *((format_value(stage_summary(collector, series, b).mean), "num") for b in report.benchmarks),
            ]
        )
    failures = "".join(
        f"<p class='bad'>{escape(c.name)}: {c.failures} sample(s) failed; last: {escape(c.last_error or '?')}</p>"
        for c in report.collectors
        if c.failures
    )
    return "<h2>Collected beside the load</h2>" + _table(head, rows) + failures


#: The timeline's charts: title, y axis, and the series drawn (name in the report, legend, dashed).
_TIMELINE_CHARTS: tuple[tuple[str, str, tuple[tuple[str, str, bool], ...]], ...] = (
    (
        "Requests per window",
        "requests",
        (("sent", "sent", False), ("successful", "successful", False), ("errored", "errored", False)),
    ),
    ("In flight at each window's end", "requests", (("in_flight", "in flight", False),)),
    ("TTFT over time", "ms", (("ttft_p50_ms", "TTFT p50", False), ("ttft_p99_ms", "TTFT p99", True))),
    (
        "ITL over time",
        "ms",
        (("itl_p50_ms", "ITL p50", False), ("itl_p99_ms", "ITL p99", True), ("worst_gap_ms", "worst gap", True)),
    ),
    ("Output tokens/s over time", "tokens/s", (("output_tokens_per_s", "output tokens/s", False),)),
)
#: Above this many points, a time series is drawn as a line without a circle per point.
_DOTS_UP_TO = 120


def _time_series(
    name: str, times: list[float], values: list[float | None], shift: float = 0.0, dashed: bool = False
) -> Series:
    return Series(name, [(t + shift, v) for t, v in zip(times, values, strict=False) if v is not None], dashed=dashed)


def _timeline_section(report: RunReport) -> str:
    """The client's figures over time, and each collector series on the same axis, with the stages marked."""
    from gaugellm.reports.collector_views import headline_series

    timeline = report.timeline
    if timeline is None or not timeline.times_s:
        return ""
    markers = [Marker(span.name, span.start_s) for span in timeline.stages]
    dots = len(timeline.times_s) <= _DOTS_UP_TO
    axis = f"seconds since the run started ({timeline.window_s:g} s windows)"
    charts = []
    for title, unit, drawn in _TIMELINE_CHARTS:
        lines = [
            _time_series(legend, timeline.times_s, timeline.series.get(name, []), dashed=dashed)
            for name, legend, dashed in drawn
            if name in timeline.series
        ]
        if title == "Requests per window" and not any(timeline.series.get("errored", [])):
            lines = [line for line in lines if line.name != "errored"]
        if any(line.points for line in lines):
            charts.append(line_chart(title, lines, axis, unit, markers=markers, dots=dots))
    more: list[str] = []
    for collector in report.collectors:
        headline = set(headline_series(collector))
        for name in collector.series:
            shift = collector.origin_unix - timeline.origin_unix  # the same clock; a saved report could differ
            line = _time_series(name, collector.times_s, collector.series[name], shift)
            chart = line_chart(
                f"{collector.name}: {name}", [line], axis, name, markers=markers, dots=len(line.points) <= _DOTS_UP_TO
            )
            (charts if name in headline else more).append(chart)
    others = (
        f"<details><summary>{len(more)} more collected series</summary><div class='charts'>{''.join(more)}</div>"
        "</details>"
        if more
        else ""
    )
    return (
        "<h2>Over time</h2><div class='charts'>"
        + "".join(charts)
        + "</div>"
        + others
        + "<p class='meta'>Each point is a window, at its end; the dashed lines mark where each stage started. "
        "Counts per window; TTFT by the window of the first token, ITL and the worst inter-token gap by that of the "
        "request's end (docs/metrics.md).</p>"
    )


def _cost_section(report: RunReport) -> str:
    costed = [b for b in report.benchmarks if b.cost is not None]
    if not costed:
        return ""
    price = costed[0].cost.price_per_hour if costed[0].cost is not None else 0.0
    rows = [
        [
            (b.name, ""),
            (format_money(b.cost.per_million_output_tokens if b.cost else None), ""),
            (format_money(b.cost.per_million_good_output_tokens if b.cost else None), ""),
        ]
        for b in costed
    ]
    return f"<h2>Cost at {price:g} per hour</h2>" + _table(
        ("benchmark", "per 1M output tokens", "per 1M good output tokens"), rows
    )


def _capacity_section(report: RunReport) -> str:
    capacity: CapacityReport | None = report.capacity
    if capacity is None:
        return ""
    unit = capacity.rate_unit if capacity.by == "rate" else "concurrent streams"
    judged = [p for p in capacity.probes if p.verdict != "measured" and p.attainment is not None]
    passes = Series("pass", [(p.value, (p.attainment or 0) * 100) for p in judged if p.verdict == "pass"])
    fails = Series("fail", [(p.value, (p.attainment or 0) * 100) for p in judged if p.verdict == "fail"])
    target = Series(
        f"target {format_share(capacity.target)}",
        [(p.value, capacity.target * 100) for p in judged],
        dashed=True,
    )
    by_name = {b.name: b for b in report.benchmarks}
    latency = Series(
        "TTFT p99",
        [
            (p.value, by_name[p.benchmark].metrics.ttft.p99 or 0.0)
            for p in judged
            if p.benchmark in by_name and by_name[p.benchmark].metrics.ttft.p99 is not None
        ],
    )
    achieved = Series("achieved req/s", [(p.value, p.request_rate) for p in judged if p.request_rate is not None])
    charts = [
        line_chart("SLO attainment per probe", [passes, fails, target], unit, "% of requests good", zoom=True),
        line_chart("TTFT p99 per probe", [latency], unit, "ms", zoom=True),
    ]
    if capacity.by == "rate":
        charts.append(line_chart("Achieved vs offered rate", [achieved], unit, "successful requests / s", zoom=True))
    rows = []
    for probe in capacity.probes:
        verdict_css = {"pass": "good", "fail": "bad"}.get(probe.verdict, "")
        interval = format_interval(probe.attainment_low, probe.attainment_high)
        rows.append(
            [
                (probe.benchmark, ""),
                (probe_load(capacity, probe), ""),
                (probe.verdict, verdict_css),
                (probe.decided_by, ""),
                (format_share(probe.attainment), ""),
                (interval, ""),
                ({True: "steady", False: "grows", None: "-"}[probe.sustainable], ""),
                (format_rate(probe.request_rate), ""),
                (f"{probe.duration_s:.1f}", ""),
                (probe.reason, "text"),
            ]
        )
    head = ("probe", "load", "verdict", "decided by", "attainment", "interval", "queue", "req/s", "s", "why")
    cost = (
        ""
        if capacity.cost_per_million_good_output_tokens is None
        else f" · {format_money(capacity.cost_per_million_good_output_tokens)} per 1M good output tokens"
    )
    at_capacity = (
        ""
        if capacity.goodput is None
        else f"<p class='meta'>At capacity: {escape(format_rate(capacity.goodput))} good requests/s, "
        f"{escape(format_rate(capacity.good_output_tokens_per_s))} good output tokens/s{escape(cost)}.</p>"
    )
    return (
        "<h2>Capacity</h2>"
        + f"<p class='{'good' if capacity.status == 'found' else 'bad'}'>{escape(capacity_sentence(capacity))}</p>"
        + at_capacity
        + "<div class='charts'>"
        + "".join(charts)
        + "</div>"
        + _table(head, rows)
        + f"<p class='meta'>{len(capacity.probes)} probes in {capacity.spent_s:.0f} s; each verdict is wrong with "
        f"probability at most {1 - capacity.confidence:.0%} while the server's behaviour is steady (docs/slo.md).</p>"
    )


def _applies_to(metrics: BenchmarkMetrics, name: str) -> bool:
    """Whether a distribution belongs in a benchmark's section: present, and measured unless nothing succeeded."""
    distribution: Distribution | None = getattr(metrics, name)
    return distribution is not None and (distribution.count > 0 or metrics.requests.successful == 0)


def _distribution_table(metrics: BenchmarkMetrics) -> str:
    columns = ("count", "mean", "stdev", "min", "p50", "p90", "p95", "p99", "max")
    header = "<tr><th>ms</th>" + "".join(f"<th>{name}</th>" for name in columns) + "</tr>"
    rows = []
    present = [(name, title) for name, title in _DISTRIBUTIONS if _applies_to(metrics, name)]
    for name, title in present:
        distribution: Distribution = getattr(metrics, name)
        values = [str(distribution.count)] + [format_ms(getattr(distribution, column)) for column in columns[1:]]
        note = "" if distribution.exact else " *"
        rows.append("<tr>" + _td(title + note) + "".join(_td(value) for value in values) + "</tr>")
    footnote = (
        "<p class='meta'>* percentiles from a log histogram (within 0.4 %).</p>"
        if any(not getattr(metrics, name).exact for name, _ in present)
        else ""
    )
    return "<table>" + header + "".join(rows) + "</table>" + footnote


def _histograms(metrics: BenchmarkMetrics) -> str:
    charts = []
    for index, (name, title) in enumerate(_CHARTED):
        if not _applies_to(metrics, name):
            continue
        distribution: Distribution = getattr(metrics, name)
        markers = [
            Marker(label, value)
            for label, value in (("p50", distribution.p50), ("p99", distribution.p99))
            if value is not None
        ]
        bins = [(item.low, item.high, item.count) for item in distribution.bins]
        charts.append(histogram_chart(f"{title} distribution", bins, "ms", markers, PALETTE[index % len(PALETTE)]))
    return "<div class='charts'>" + "".join(charts) + "</div>"


def _errors_table(benchmark: BenchmarkReport) -> str:
    groups = benchmark.metrics.errors
    if not groups:
        return ""
    header = "<tr><th>kind</th><th>status</th><th>count</th><th class='text'>example</th></tr>"
    rows = [
        "<tr>"
        + _td(group.kind)
        + _td("" if group.status_code is None else str(group.status_code))
        + _td(str(group.count))
        + _td(group.example, "text")
        + "</tr>"
        for group in groups
    ]
    return "<h3>Errors</h3><table>" + header + "".join(rows) + "</table>"


def token_details(tokens: TokenTotals) -> str:
    """`` · 120 reasoning + 80 answer tokens · 64 cached prompt tokens``, for what the run reported (else empty)."""
    text = ""
    if tokens.reasoning_tokens is not None:
        text += f" · {tokens.reasoning_tokens} reasoning + {tokens.answer_tokens} answer tokens"
    if tokens.cached_prompt_tokens is not None:
        text += f" · {tokens.cached_prompt_tokens} cached prompt tokens"
    return text


def _benchmark_section(benchmark: BenchmarkReport) -> str:
    metrics = benchmark.metrics
    tokens = metrics.tokens
    sources = ", ".join(f"{name}: {count}" for name, count in tokens.output_sources.items()) or "none"
    state = f"incomplete ({benchmark.stop_reason or 'interrupted'})" if benchmark.incomplete else "complete"
    load = metrics.load
    if load is not None and load.sustainable is not None:
        growth = f"{load.latency_growth * 1000:+.1f} ms/s" if load.latency_growth is not None else "-"
        state += " · load " + ("sustainable" if load.sustainable else "SATURATED") + f" (latency growth {growth})"
    facts = (
        f"profile {json.dumps(benchmark.profile, sort_keys=True, default=str)} · {benchmark.duration_s:.2f} s · {state}"
        f"{'' if benchmark.incomplete or not benchmark.stop_reason else ' (' + benchmark.stop_reason + ')'} · "
        f"{tokens.prompt_tokens} prompt + {tokens.output_tokens} output tokens (output counted by {sources})"
        f"{token_details(tokens)}"
        + (
            ""
            if metrics.tool_calls is None
            else f" · {metrics.tool_calls} tool calls in {metrics.tool_call_requests} requests"
        )
    )
    return (
        f"<h2>{escape(benchmark.name)}</h2><p class='meta'>{escape(facts)}</p>"
        + _distribution_table(metrics)
        + _histograms(metrics)
        + _errors_table(benchmark)
    )


def render_html(report: RunReport) -> str:
    """The whole page as text."""
    document = report_document(report)  # the redacted view, the same one the JSON file holds
    backend = report.backend.get("name") or report.backend.get("type") or report.config.get("backend") or "backend"
    from gaugellm.reports.run_state import run_state

    state_of_run = run_state(report)
    state = f"<span class='{state_of_run.level}'>{escape(state_of_run.text)}</span>"
    labels = "".join(f" · {escape(key)}={escape(value)}" for key, value in report.labels.items())
    counting = ", ".join(f"{kind}: {source}" for kind, source in report.token_counting.items()) or "not recorded"
    title = f"gaugellm report · {backend} · {report.created_at}"
    body = [
        f"<h1>{escape(title)}</h1>",
        f"<p class='meta'>gaugellm {escape(report.gaugellm_version)} · report version {report.version} · {state} · "
        f"token counting: {escape(counting)}{labels}</p>",
        "<h2>Summary</h2>",
        _summary_table(report),
        _checks_section(report),
        _node_lag_section(report),
        _capacity_section(report),
        _slo_section(report),
        _cost_section(report),
        _collector_section(report),
        _timeline_section(report),
        _sweep_charts(report),
        *(_benchmark_section(benchmark) for benchmark in report.benchmarks),
        "<h2>Run</h2>",
        "<details><summary>Configuration (secrets masked)</summary><pre>"
        + escape(json.dumps(document["config"], indent=2, sort_keys=True, default=str))
        + "</pre></details>",
        "<details><summary>Backend</summary><pre>"
        + escape(json.dumps(document["backend"], indent=2, sort_keys=True, default=str))
        + "</pre></details>",
        "<details><summary>Environment</summary><pre>"
        + escape(json.dumps(document["environment"], indent=2, sort_keys=True, default=str))
        + "</pre></details>",
    ]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body></html>\n"
    )
