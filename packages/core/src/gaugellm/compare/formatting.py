"""How a comparison's numbers read, the same in the console and in the HTML page."""

from __future__ import annotations

from gaugellm.compare.models import MetricComparison
from gaugellm.reports.console import format_ms, format_rate

__all__ = ["format_change", "format_interval", "format_value", "method_word", "verdict_class"]


def format_value(row: MetricComparison, value: float | None) -> str:
    if value is None:
        return "-"
    if row.unit == "ms":
        return f"{format_ms(value)} ms"
    if row.unit == "share":
        return f"{value * 100:.2f}%"
    return format_rate(value)


def _signed(row: MetricComparison, value: float) -> str:
    if row.unit == "ms":
        return ("+" if value >= 0 else "-") + f"{format_ms(abs(value))} ms"
    return f"{value:+.4g}"


def format_change(row: MetricComparison) -> str:
    """``+10.2% (+5.12 ms)``; the error rate in percentage points: ``+0.50 pts``."""
    if row.change is None:
        return "-"
    if row.unit == "share":
        return f"{row.change * 100:+.2f} pts"
    if row.relative_change is None:
        return _signed(row, row.change)
    return f"{row.relative_change * 100:+.1f}% ({_signed(row, row.change)})"


def format_interval(row: MetricComparison) -> str:
    """The interval of the change, relative where it can be (``[+8.1%, +12.3%]``), else in the unit."""
    if row.unit == "share":
        if row.change_low is None or row.change_high is None:
            return "no interval"
        return f"[{row.change_low * 100:+.2f}, {row.change_high * 100:+.2f}] pts"
    if row.relative_low is not None and row.relative_high is not None:
        return f"[{row.relative_low * 100:+.1f}%, {row.relative_high * 100:+.1f}%]"
    if row.change_low is not None and row.change_high is not None:
        return f"[{_signed(row, row.change_low)}, {_signed(row, row.change_high)}]"
    return "no interval"


_METHOD_WORDS = {
    "bootstrap-records": "bootstrap (records)",
    "bootstrap-histogram": "bootstrap (histogram)",
    "compound-poisson": "Poisson (window)",
    "newcombe": "Newcombe",
    "none": "-",
}


def method_word(row: MetricComparison) -> str:
    return _METHOD_WORDS.get(row.method, row.method)


def verdict_class(row: MetricComparison) -> str:
    """The CSS class (and rich style name) of a verdict."""
    return {"better": "good", "worse": "bad"}.get(row.verdict, "")
