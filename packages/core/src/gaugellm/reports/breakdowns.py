"""A benchmark's parts as every report format shows them: each part as a benchmark row of its own, under its benchmark.

A benchmark can be broken down two ways: by traffic class (``--class``, ``BenchmarkReport.classes``) and by the turn
of a multi-turn conversation (``BenchmarkReport.turns``). A part's figures have the shape of a benchmark's, so the
tables render them with the same code as a benchmark: one view per part, named ``BENCHMARK · CLASS`` or
``BENCHMARK · turn N``, without records, checks, cost or parts of its own. Its benchmark's row comes first, then its
classes, then its turns.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, NamedTuple

from gaugellm.metrics.models import BenchmarkMetrics
from gaugellm.reports.models import BenchmarkReport

__all__ = [
    "BREAKDOWNS",
    "BREAKDOWN_LABELS",
    "PART_SEPARATOR",
    "Breakdown",
    "PartView",
    "part_key",
    "part_metrics",
    "part_views",
    "with_parts",
]

#: A way to break a benchmark down: the :class:`BenchmarkReport` field that holds its parts' figures.
Breakdown = Literal["classes", "turns"]

#: Every breakdown, in the order their rows follow their benchmark's.
BREAKDOWNS: tuple[Breakdown, ...] = ("classes", "turns")

#: What names a part outside the JSON: the CSV column and the Prometheus/OTLP label that hold its key.
BREAKDOWN_LABELS: dict[Breakdown, str] = {"classes": "traffic_class", "turns": "turn"}

#: Between a benchmark's name and its part's in a row's name.
PART_SEPARATOR = " · "

_NO_PARTS: dict[str, None] = {"records": None, "cost": None, **{breakdown: None for breakdown in BREAKDOWNS}}


class PartView(NamedTuple):
    """One part of a benchmark: which breakdown, its key there (a class's name, a turn's number) and its row."""

    breakdown: Breakdown
    key: str
    view: BenchmarkReport


def part_key(part: PartView | None, breakdown: Breakdown) -> str | None:
    """The part's key if it belongs to ``breakdown`` (what that breakdown's CSV column holds), else ``None``."""
    return part.key if part is not None and part.breakdown == breakdown else None


def _row_name(breakdown: Breakdown, key: str) -> str:
    """How a part names itself after its benchmark's name: a class by its name, a turn as ``turn N``."""
    return key if breakdown == "classes" else f"turn {key}"


def part_metrics(benchmark: BenchmarkReport, breakdown: Breakdown, key: str) -> BenchmarkMetrics | None:
    """One part's figures, or ``None`` when the benchmark has no such part."""
    return (getattr(benchmark, breakdown) or {}).get(key)


def part_views(benchmark: BenchmarkReport) -> list[PartView]:
    """A view of each part of ``benchmark``: its classes, then its turns, each in the report's order."""
    views = []
    for breakdown in BREAKDOWNS:
        parts: dict[str, BenchmarkMetrics] = getattr(benchmark, breakdown) or {}
        for key, metrics in parts.items():
            name = f"{benchmark.name}{PART_SEPARATOR}{_row_name(breakdown, key)}"
            views.append(
                PartView(breakdown, key, benchmark.model_copy(update={**_NO_PARTS, "name": name, "metrics": metrics}))
            )
    return views


def with_parts(benchmarks: list[BenchmarkReport]) -> Iterator[tuple[BenchmarkReport, PartView | None]]:
    """Each benchmark, followed by a view of each of its parts: ``(row, part or None)``."""
    for benchmark in benchmarks:
        yield benchmark, None
        for part in part_views(benchmark):
            yield part.view, part
