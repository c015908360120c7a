"""Charts as inline SVG text, drawn in Python: the HTML report opens offline, with no JavaScript and no CDN.

Only what the report needs: a line chart (latency against throughput across a sweep) and a histogram on a
logarithmic axis (a latency distribution) with markers at chosen percentiles. Every label is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

__all__ = ["PALETTE", "Marker", "Series", "histogram_chart", "line_chart", "nice_ticks"]

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2")
_WIDTH, _HEIGHT = 620, 320
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 20, 56, 48


@dataclass
class Series:
    """A named line of ``(x, y)`` points; ``labels`` (aligned with ``points``) name each point in its tooltip."""

    name: str
    points: list[tuple[float, float]] = field(default_factory=list)
    dashed: bool = False
    labels: list[str] | None = None


@dataclass
class Marker:
    """A labelled vertical line (a percentile on a histogram)."""

    label: str
    x: float


def _fmt(value: float) -> str:
    """A short tick label."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 10000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 1:
        return f"{value:.3g}"
    return f"{value:.2g}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round-numbered ticks (1, 2, 5 x 10^k steps) covering ``low .. high``."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(multiple * power for multiple in (1, 2, 5, 10) if multiple * power >= raw)
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)  # the last tick is at or above ``high``: the axis covers every point
    return [round(index * step, 12) for index in range(first, last + 1)]


def _frame(title: str, x_label: str, y_label: str) -> list[str]:
    return [
        f'<svg class="chart" viewBox="0 0 {_WIDTH} {_HEIGHT}" width="{_WIDTH}" height="{_HEIGHT}" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{_LEFT}" y="20" class="chart-title">{escape(title)}</text>',
        f'<text x="{(_LEFT + _WIDTH - _RIGHT) / 2:.1f}" y="{_HEIGHT - 8}" text-anchor="middle" class="axis-label">'
        f"{escape(x_label)}</text>",
        f'<text transform="translate(14,{(_TOP + _HEIGHT - _BOTTOM) / 2:.1f}) rotate(-90)" text-anchor="middle" '
        f'class="axis-label">{escape(y_label)}</text>',
    ]


def _empty(title: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {_WIDTH} 60" width="{_WIDTH}" height="60" role="img">'
        f'<text x="{_LEFT}" y="20" class="chart-title">{escape(title)}</text>'
        f'<text x="{_LEFT}" y="44" class="axis-label">no data</text></svg>'
    )


def line_chart(
    title: str,
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    *,
    zoom: bool = False,
    markers: Sequence[Marker] = (),
    dots: bool = True,
) -> str:
    """Lines with point markers; both axes linear, from 0 unless ``zoom`` fits them to the points (e.g. shares
    between 95 and 100 %, or probes bunched around a capacity).

    ``markers``: labelled vertical lines (stage boundaries on a time axis); ``dots=False`` draws the lines alone
    (a long time series, where a circle per point would be clutter and weight).
    """
    points = [point for line in series for point in line.points]
    if not points:
        return _empty(title)
    xs, ys = [x for x, _ in points] + [marker.x for marker in markers], [y for _, y in points]
    x_low = min(xs) if zoom and max(xs) > min(xs) else 0.0
    y_low = min(ys) if zoom and max(ys) > min(ys) else 0.0
    x_ticks = nice_ticks(x_low, max(xs) or 1.0)
    y_ticks = nice_ticks(y_low, max(ys) or 1.0)
    x_min, y_min = x_ticks[0], y_ticks[0]
    x_span, y_span = (x_ticks[-1] - x_min) or 1.0, (y_ticks[-1] - y_min) or 1.0
    plot_w, plot_h = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM

    def sx(x: float) -> float:
        return _LEFT + (x - x_min) / x_span * plot_w

    def sy(y: float) -> float:
        return _TOP + plot_h - (y - y_min) / y_span * plot_h

    parts = _frame(title, x_label, y_label)
    parts += _axes(x_ticks, y_ticks, sx, sy, plot_w)
    for index, marker in enumerate(markers):
        x = sx(marker.x)
        parts.append(f'<line x1="{x:.1f}" y1="{_TOP}" x2="{x:.1f}" y2="{_HEIGHT - _BOTTOM}" class="marker"/>')
        parts.append(
            f'<text x="{x + 3:.1f}" y="{_TOP + 10 + (index % 4) * 12}" class="marker-label">'
            f"{escape(marker.label)}<title>{escape(marker.label)} at {_fmt(marker.x)}</title></text>"
        )
    for index, line in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        labels = line.labels if line.labels is not None and len(line.labels) == len(line.points) else None
        ordered = sorted(zip(line.points, labels or [""] * len(line.points), strict=True))
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for (x, y), _ in ordered)
        dash = ' stroke-dasharray="6 4"' if line.dashed else ""
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2"{dash} points="{path}"/>')
        for (x, y), label in ordered if dots else ():
            named = f"{escape(label)}: " if label else ""
            parts.append(
                f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{color}">'
                f"<title>{named}{escape(line.name)}: {_fmt(y)} at {_fmt(x)}</title></circle>"
            )
            if label and index == 0:  # the first line's points name their stage on the page, below it (printed, too)
                parts.append(
                    f'<text x="{sx(x) + 4:.1f}" y="{sy(y) + 13:.1f}" class="point-label">{escape(label)}</text>'
                )
        legend_x = _LEFT + (index % 3) * 170
        legend_y = 34 + (index // 3) * 14
        parts.append(
            f'<line x1="{legend_x}" y1="{legend_y}" x2="{legend_x + 18}" y2="{legend_y}" stroke="{color}" '
            f'stroke-width="2"{dash}/><text x="{legend_x + 22}" y="{legend_y + 4}" class="legend">'
            f"{escape(line.name)}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _axes(
    x_ticks: Sequence[float],
    y_ticks: Sequence[float],
    sx: Callable[[float], float],
    sy: Callable[[float], float],
    plot_w: float,
    x_labels: Sequence[str] | None = None,
) -> list[str]:
    parts = []
    base = _HEIGHT - _BOTTOM
    for tick in y_ticks:
        y = sy(tick)
        parts.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_LEFT + plot_w}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{_fmt(tick)}</text>')
    for index, tick in enumerate(x_ticks):
        x = sx(tick)
        label = x_labels[index] if x_labels is not None else _fmt(tick)
        parts.append(f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 4}" class="axis"/>')
        parts.append(f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" class="tick">{escape(label)}</text>')
    parts.append(f'<line x1="{_LEFT}" y1="{base}" x2="{_LEFT + plot_w}" y2="{base}" class="axis"/>')
    parts.append(f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{base}" class="axis"/>')
    return parts


def _log_ticks(low: float, high: float) -> list[float]:
    """1-2-5 ticks per decade between ``low`` and ``high`` (both > 0), thinned to at most ~8."""
    ticks = []
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for multiple in (1, 2, 5):
            value = multiple * 10.0**exponent
            if low <= value <= high:
                ticks.append(value)
    while len(ticks) > 8:
        ticks = ticks[::2]
    if len(ticks) < 2:  # a narrow range inside one 1-2-5 step: round linear ticks instead
        ticks = [tick for tick in nice_ticks(low, high, 4) if low <= tick <= high]
    return ticks


def histogram_chart(
    title: str,
    bins: Sequence[tuple[float, float, int]],
    x_label: str,
    markers: Sequence[Marker] = (),
    color: str = PALETTE[0],
) -> str:
    """Bars of ``(low, high, count)`` on a logarithmic x axis, with labelled vertical markers."""
    drawn = [(low, high, count) for low, high, count in bins if count > 0 and high > 0]
    if not drawn:
        return _empty(title)
    positive_lows = [low for low, _, _ in drawn if low > 0]
    x_low = min(positive_lows) if positive_lows else drawn[0][1] / 2
    x_high = max(high for _, high, _ in drawn)
    if x_high <= x_low:
        x_high = x_low * 2
    y_ticks = nice_ticks(0.0, float(max(count for _, _, count in drawn)))
    y_max = y_ticks[-1] or 1.0
    plot_w, plot_h = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM
    log_low, log_span = math.log(x_low), math.log(x_high) - math.log(x_low)

    def sx(x: float) -> float:
        return _LEFT + (math.log(max(x, x_low)) - log_low) / log_span * plot_w

    def sy(y: float) -> float:
        return _TOP + plot_h - y / y_max * plot_h

    parts = _frame(title, x_label + " (log scale)", "count")
    parts += _axes(_log_ticks(x_low, x_high), y_ticks, sx, sy, plot_w)
    for low, high, count in drawn:
        left, right = sx(low), sx(high)
        top = sy(count)
        parts.append(
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{max(right - left - 0.5, 1.0):.1f}" '
            f'height="{_TOP + plot_h - top:.1f}" fill="{color}" fill-opacity="0.75">'
            f"<title>{_fmt(low)} to {_fmt(high)}: {count}</title></rect>"
        )
    for index, marker in enumerate(markers):
        x = sx(marker.x)
        parts.append(f'<line x1="{x:.1f}" y1="{_TOP}" x2="{x:.1f}" y2="{_TOP + plot_h}" class="marker"/>')
        parts.append(
            f'<text x="{x + 3:.1f}" y="{_TOP + 10 + index * 12}" class="marker-label">'
            f"{escape(marker.label)} {_fmt(marker.x)}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
