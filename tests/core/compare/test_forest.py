"""The forest plot: one dot and bar per row, zero and the minimum effect marked, huge changes kept on the axis."""

from __future__ import annotations

import re

from gaugellm.compare.forest import ForestRow, forest_plot


def test_each_row_is_a_dot_and_a_bar_in_its_verdicts_colour() -> None:
    svg = forest_plot(
        "b vs a",
        [
            ForestRow("TTFT p50", 0.1, 0.08, 0.12, "worse"),
            ForestRow("ITL p50", -0.01, -0.03, 0.01, "no detectable change"),
            ForestRow("req/s", 0.05, None, None, "no detectable change"),
        ],
        0.02,
    )
    assert svg.count("<circle") == 3
    assert svg.count('stroke-width="2"><title>') == 2  # no bar for the row without an interval
    assert 'fill="#b91c1c"' in svg
    assert "minimum effect: ±2%" in svg
    assert ">0%</text>" in svg
    assert "<script" not in svg


def test_a_huge_change_stays_on_the_axis_as_an_open_dot() -> None:
    svg = forest_plot(
        "b vs a", [ForestRow("TTFT", 4.3, 4.2, 4.4, "worse"), ForestRow("ITL", 0.1, 0.05, 0.15, "worse")], 0.02
    )
    xs = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]
    assert max(xs) <= 760
    assert 'fill="#fff"' in svg  # the clipped one
    assert "+430.0%" in svg  # its tooltip has the real value


def test_no_rows() -> None:
    assert "no relative change to draw" in forest_plot("b vs a", [], 0.02)
