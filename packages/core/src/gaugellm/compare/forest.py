"""A forest plot as inline SVG: each metric's relative change as a dot, its interval as a bar, zero as a line.

The band around zero is the minimum effect: a bar wholly outside zero but a dot inside the band is a detectable
change too small to report. Drawn like the run report's charts (same classes, same palette), with no script.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from gaugellm.reports.svg import nice_ticks

__all__ = ["ForestRow", "forest_plot"]

_WIDTH = 760
_LABEL_W = 250
_RIGHT = 24
_TOP = 40
_ROW_H = 20
_BOTTOM = 40
_COLORS = {"better": "#15803d", "worse": "#b91c1c"}
_NEUTRAL = "#4b5563"
_AXIS_LIMIT = 1.0  # the axis spans at most -100 % .. +100 %


@dataclass(frozen=True)
class ForestRow:
    """One line of the plot: a label, the relative change, its interval (``None``: no interval) and the verdict."""

    label: str
    change: float
    low: float | None
    high: float | None
    verdict: str


def forest_plot(title: str, rows: Sequence[ForestRow], min_effect: float) -> str:
    """The plot of ``rows`` (changes as shares, 0.1 = +10 %); the x axis is in percent."""
    drawn = list(rows)
    if not drawn:
        return (
            f'<svg class="chart" viewBox="0 0 {_WIDTH} 60" width="{_WIDTH}" height="60" role="img">'
            f'<text x="10" y="20" class="chart-title">{escape(title)}</text>'
            '<text x="10" y="44" class="axis-label">no relative change to draw</text></svg>'
        )
    extent = [min_effect, -min_effect]
    for row in drawn:
        extent += [row.change] + [v for v in (row.low, row.high) if v is not None]
    # One change of +400 % would squeeze every other row into a pixel: the axis stops at +-100 %, and what lies
    # beyond is drawn at the edge as an open dot (its tooltip has the value).
    ticks = nice_ticks(max(min(extent), -_AXIS_LIMIT) * 100, min(max(extent), _AXIS_LIMIT) * 100, 6)
    low_pct, high_pct = ticks[0], ticks[-1]
    span = (high_pct - low_pct) or 1.0
    plot_w = _WIDTH - _LABEL_W - _RIGHT
    height = _TOP + _ROW_H * len(drawn) + _BOTTOM
    base = _TOP + _ROW_H * len(drawn)

    def sx(share: float) -> float:
        clamped = min(max(share * 100, low_pct), high_pct)
        return _LABEL_W + (clamped - low_pct) / span * plot_w

    parts = [
        f'<svg class="chart" viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" height="{height}" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="10" y="20" class="chart-title">{escape(title)}</text>',
        f'<rect x="{sx(-min_effect):.1f}" y="{_TOP}" width="{sx(min_effect) - sx(-min_effect):.1f}" '
        f'height="{base - _TOP}" fill="#f3f4f6"><title>minimum effect: ±{min_effect * 100:g}%</title></rect>',
    ]
    for tick in ticks:
        x = sx(tick / 100)
        parts.append(f'<line x1="{x:.1f}" y1="{_TOP}" x2="{x:.1f}" y2="{base}" class="grid"/>')
        label = f"{tick:+g}%" if tick else "0%"
        parts.append(f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" class="tick">{label}</text>')
    parts.append(f'<line x1="{sx(0):.1f}" y1="{_TOP}" x2="{sx(0):.1f}" y2="{base}" class="marker"/>')
    parts.append(f'<line x1="{_LABEL_W}" y1="{base}" x2="{_LABEL_W + plot_w}" y2="{base}" class="axis"/>')
    parts.append(
        f'<text x="{_LABEL_W + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle" class="axis-label">'
        "change from the baseline (%)</text>"
    )
    for index, row in enumerate(drawn):
        y = _TOP + _ROW_H * index + _ROW_H / 2
        color = _COLORS.get(row.verdict, _NEUTRAL)
        interval = (
            "no interval" if row.low is None or row.high is None else f"[{row.low * 100:+.1f}%, {row.high * 100:+.1f}%]"
        )
        tip = f"{row.label}: {row.change * 100:+.1f}% {interval}, {row.verdict}"
        parts.append(
            f'<text x="{_LABEL_W - 8}" y="{y + 4:.1f}" text-anchor="end" class="legend">{escape(row.label)}</text>'
        )
        if row.low is not None and row.high is not None:
            parts.append(
                f'<line x1="{sx(row.low):.1f}" y1="{y:.1f}" x2="{sx(row.high):.1f}" y2="{y:.1f}" stroke="{color}" '
                f'stroke-width="2"><title>{escape(tip)}</title></line>'
            )
        beyond = not low_pct <= row.change * 100 <= high_pct
        fill = f'fill="#fff" stroke="{color}" stroke-width="2"' if beyond else f'fill="{color}"'
        parts.append(
            f'<circle cx="{sx(row.change):.1f}" cy="{y:.1f}" r="4" {fill}><title>{escape(tip)}</title></circle>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
