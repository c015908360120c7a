"""The comparison as one self-contained HTML page: a table and a forest plot per compared run, no script.

It uses the run report's stylesheet, so a comparison and the runs it compares look alike side by side.
"""

from __future__ import annotations

from html import escape

from gaugellm.compare.forest import ForestRow, forest_plot
from gaugellm.compare.formatting import format_change, format_interval, format_value, method_word, verdict_class
from gaugellm.compare.models import CompareReport, RunComparison
from gaugellm.reports.html_format import _CSS as RUN_CSS

__all__ = ["render_compare_html"]


def _td(text: str, css: str = "") -> str:
    return f'<td class="{css}">{escape(text)}</td>' if css else f"<td>{escape(text)}</td>"


def _table(report: CompareReport, run: RunComparison) -> str:
    head = (
        "benchmark",
        "metric",
        report.baseline.name,
        run.run.name,
        "change",
        f"{report.settings.confidence * 100:g}% interval",
        "verdict",
        "method",
    )
    rows = ["<tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for pair in run.benchmarks:
        name = pair.baseline if pair.baseline == pair.candidate else f"{pair.baseline} ~ {pair.candidate}"
        for row in pair.metrics:
            rows.append(
                "<tr>"
                + _td(name)
                + _td(row.label, "text")
                + _td(format_value(row, row.baseline))
                + _td(format_value(row, row.candidate))
                + _td(format_change(row))
                + _td(format_interval(row))
                + _td(row.verdict, verdict_class(row) or "text")
                + _td(method_word(row), "text")
                + "</tr>"
            )
    return "<div class='scroll'><table>" + "".join(rows) + "</table></div>"


def _forest(report: CompareReport, run: RunComparison) -> str:
    rows = []
    for pair in run.benchmarks:
        for row in pair.metrics:
            if row.relative_change is None or row.unit == "share":  # the error rate moves in points: table only
                continue
            rows.append(
                ForestRow(
                    label=f"{pair.baseline} · {row.label}",
                    change=row.relative_change,
                    low=row.relative_low,
                    high=row.relative_high,
                    verdict=row.verdict,
                )
            )
    return forest_plot(f"{run.run.name} vs {report.baseline.name}", rows, report.settings.min_effect)


def _extras(run: RunComparison) -> str:
    lines = [] if run.run.complete else [f"{run.run.name} was interrupted: its figures cover what it measured."]
    if run.unmatched_baseline:
        lines.append(f"Only in the baseline: {', '.join(run.unmatched_baseline)}.")
    if run.unmatched_candidate:
        lines.append(f"Only in {run.run.name}: {', '.join(run.unmatched_candidate)}.")
    if run.capacity is not None:
        cap = run.capacity
        change = "" if cap.relative_change is None else f" ({cap.relative_change * 100:+.1f}%)"
        lines.append(
            f"Capacity ({cap.by}): {cap.baseline} ({cap.baseline_status}) → {cap.candidate} ({cap.candidate_status})"
            f"{change}; a search's answer has no interval."
        )
    lines += sorted({f"Note: {row.note}." for pair in run.benchmarks for row in pair.metrics if row.note})
    return "".join(f"<p class='meta'>{escape(line)}</p>" for line in lines)


def render_compare_html(report: CompareReport) -> str:
    settings = report.settings
    title = f"gaugellm compare · baseline {report.baseline.name}"
    body = [
        f"<h1>{escape(title)}</h1>",
        f"<p class='meta'>gaugellm {escape(report.gaugellm_version)} · {escape(report.created_at)} · "
        f"{settings.confidence * 100:g}% intervals ({settings.resamples} bootstrap resamples, seed {settings.seed}) · "
        f"minimum effect {settings.min_effect * 100:g}% (error rate: {settings.min_error_change * 100:g} points)</p>",
    ]
    for run in report.runs:
        body += [
            f"<h2>{escape(run.run.name)} vs {escape(report.baseline.name)}</h2>",
            _table(report, run),
            _extras(run),
            "<div class='charts'>" + _forest(report, run) + "</div>",
        ]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{RUN_CSS}</style></head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body></html>\n"
    )
