"""The HTML rendering: one self-contained page (inline CSS and SVG, no script, no external resource).

It opens offline, from an e-mail attachment or a CI artefact, years later. Everything shown comes from the
:class:`RunReport`; every string from the report is escaped.
"""

from __future__ import annotations

import json
from html import escape

from gaugellm.metrics.models import BenchmarkMetrics, Distribution
from gaugellm.reports.console import format_ms, format_rate
from gaugellm.reports.json_format import report_document
from gaugellm.reports.models import BenchmarkReport, RunReport
from gaugellm.reports.svg import PALETTE, Marker, Series, histogram_chart, line_chart

__all__ = ["render_html"]

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px auto; max-width: 1320px;
       padding: 0 16px; color: #111827; background: #fff; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #e5e7eb; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.meta { color: #4b5563; } .bad { color: #b91c1c; font-weight: 600; } .good { color: #15803d; font-weight: 600; }
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
)
_CHARTED: tuple[tuple[str, str], ...] = (
    ("ttft", "TTFT"),
    ("inter_token_gap", "Inter-token gap"),
    ("latency", "Latency"),
)


def _td(value: str, css: str = "") -> str:
    return f'<td class="{css}">{escape(value)}</td>' if css else f"<td>{escape(value)}</td>"


def _summary_table(report: RunReport) -> str:
    head = (
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
    rows = []
    for benchmark in report.benchmarks:
        metrics = benchmark.metrics
        name = benchmark.name + (" (incomplete)" if benchmark.incomplete else "")
        cells = (
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
        )
        rows.append("<tr>" + "".join(_td(cell) for cell in cells) + "</tr>")
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
        series = []
        for percentile, dashed in (("p50", False), ("p99", True)):
            points = []
            for benchmark in measured:
                value = getattr(getattr(benchmark.metrics, name), percentile)
                rate = benchmark.metrics.request_rate
                if value is not None and rate is not None:
                    points.append((rate, value))
            series.append(Series(f"{title} {percentile}", points, dashed=dashed))
        charts.append(line_chart(f"{title} vs throughput", series, "successful requests / s", "ms"))
    throughput = Series(
        "output tokens/s",
        [
            (b.metrics.request_rate, b.metrics.output_tokens_per_s)
            for b in measured
            if b.metrics.request_rate is not None and b.metrics.output_tokens_per_s is not None
        ],
    )
    charts.append(line_chart("Output tokens/s vs request rate", [throughput], "successful requests / s", "tokens/s"))
    return "<h2>Latency vs throughput</h2><div class='charts'>" + "".join(charts) + "</div>"


def _distribution_table(metrics: BenchmarkMetrics) -> str:
    columns = ("count", "mean", "stdev", "min", "p50", "p90", "p95", "p99", "max")
    header = "<tr><th>ms</th>" + "".join(f"<th>{name}</th>" for name in columns) + "</tr>"
    rows = []
    for name, title in _DISTRIBUTIONS:
        distribution: Distribution = getattr(metrics, name)
        values = [str(distribution.count)] + [format_ms(getattr(distribution, column)) for column in columns[1:]]
        note = "" if distribution.exact else " *"
        rows.append("<tr>" + _td(title + note) + "".join(_td(value) for value in values) + "</tr>")
    footnote = (
        "<p class='meta'>* percentiles from a log histogram (within 0.4 %).</p>"
        if any(not getattr(metrics, name).exact for name, _ in _DISTRIBUTIONS)
        else ""
    )
    return "<table>" + header + "".join(rows) + "</table>" + footnote


def _histograms(metrics: BenchmarkMetrics) -> str:
    charts = []
    for index, (name, title) in enumerate(_CHARTED):
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


def _benchmark_section(benchmark: BenchmarkReport) -> str:
    metrics = benchmark.metrics
    tokens = metrics.tokens
    sources = ", ".join(f"{name}: {count}" for name, count in tokens.output_sources.items()) or "none"
    state = f"incomplete ({benchmark.stop_reason or 'interrupted'})" if benchmark.incomplete else "complete"
    facts = (
        f"profile {json.dumps(benchmark.profile, sort_keys=True, default=str)} · {benchmark.duration_s:.2f} s · {state}"
        f"{'' if benchmark.incomplete or not benchmark.stop_reason else ' (' + benchmark.stop_reason + ')'} · "
        f"{tokens.prompt_tokens} prompt + {tokens.output_tokens} output tokens (output counted by {sources})"
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
    state = (
        "<span class='good'>complete</span>"
        if report.complete
        else f"<span class='bad'>INCOMPLETE: {escape(report.error or 'interrupted')}</span>"
    )
    counting = ", ".join(f"{kind}: {source}" for kind, source in report.token_counting.items()) or "not recorded"
    title = f"gaugellm report · {backend} · {report.created_at}"
    body = [
        f"<h1>{escape(title)}</h1>",
        f"<p class='meta'>gaugellm {escape(report.gaugellm_version)} · report version {report.version} · {state} · "
        f"token counting: {escape(counting)}</p>",
        "<h2>Summary</h2>",
        _summary_table(report),
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
