"""The run's timeline as every report format shows it: which windows belong to a stage, and each stage's worst.

One module decides, so that console, CSV and HTML agree; the full series stay in the JSON.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from gaugellm.reports.models import RunReport, StageSpan, TimelineReport

__all__ = [
    "TIMELINE_CSV_LEAD",
    "StagePeaks",
    "inner_windows",
    "render_timeline_csv",
    "stage_at",
    "stage_peaks",
    "stage_windows",
]

#: The first columns of a timeline CSV; the timeline's series follow, in the report's order.
TIMELINE_CSV_LEAD: tuple[str, ...] = ("time_s", "unix_time", "stage")


def stage_windows(timeline: TimelineReport, span: StageSpan) -> list[int]:
    """The windows that overlap the stage (window ``i`` covers ``times_s[i] - window_s .. times_s[i]``)."""
    width = timeline.window_s
    return [i for i, end in enumerate(timeline.times_s) if end > span.start_s and end - width < span.end_s]


def stage_at(timeline: TimelineReport, time_s: float) -> str:
    """The name of the stage running at ``time_s`` (the last one to have started), or an empty string."""
    name = ""
    for span in timeline.stages:
        if span.start_s <= time_s <= span.end_s:
            name = span.name
    return name


@dataclass(frozen=True)
class StagePeaks:
    """The worst windows of one stage."""

    name: str
    windows: int
    peak_in_flight: float | None
    worst_ttft_p99_ms: float | None
    worst_ttft_at_s: float | None  # the end of that window, seconds from the stage's start
    worst_gap_ms: float | None
    most_errors: float | None


def _worst(timeline: TimelineReport, series: str, windows: list[int]) -> tuple[float | None, int | None]:
    values = timeline.series.get(series, [])
    best: tuple[float | None, int | None] = (None, None)
    for index in windows:
        value = values[index] if index < len(values) else None
        if value is not None and (best[0] is None or value > best[0]):
            best = (value, index)
    return best


def inner_windows(timeline: TimelineReport, span: StageSpan) -> list[int]:
    """The windows wholly inside the stage, or, for a stage shorter than that, every window that overlaps it.

    The windows lie on one grid for the whole run, so the two at a stage's edges also hold the stage before or after
    it: the previous stage's slowest requests would otherwise show as this stage's worst window.
    """
    width = timeline.window_s
    windows = stage_windows(timeline, span)
    inner = [i for i in windows if timeline.times_s[i] - width >= span.start_s and timeline.times_s[i] <= span.end_s]
    return inner or windows


def stage_peaks(timeline: TimelineReport, span: StageSpan) -> StagePeaks:
    """The stage's worst windows (see :func:`inner_windows` for which windows count)."""
    windows = inner_windows(timeline, span)
    ttft, at = _worst(timeline, "ttft_p99_ms", windows)
    return StagePeaks(
        name=span.name,
        windows=len(windows),
        peak_in_flight=_worst(timeline, "in_flight", windows)[0],
        worst_ttft_p99_ms=ttft,
        worst_ttft_at_s=None if at is None else timeline.times_s[at] - span.start_s,
        worst_gap_ms=_worst(timeline, "worst_gap_ms", windows)[0],
        most_errors=_worst(timeline, "errored", windows)[0],
    )


def _cell(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)


def render_timeline_csv(report: RunReport) -> str:
    """One row per window: its end (seconds from the run's clock origin, and Unix time), the stage, every series.

    A report without a timeline (written by an older gaugellm, or a run that stopped before its first stage) gives
    the header of the fixed columns alone.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    timeline = report.timeline
    names = list(timeline.series) if timeline is not None else []
    writer.writerow([*TIMELINE_CSV_LEAD, *names])
    if timeline is not None:
        for index, time_s in enumerate(timeline.times_s):
            writer.writerow(
                [
                    _cell(time_s),
                    f"{timeline.origin_unix + time_s:.3f}",
                    stage_at(timeline, time_s - timeline.window_s / 2),
                    *(_cell(timeline.series[name][index]) for name in names),
                ]
            )
    return buffer.getvalue()
