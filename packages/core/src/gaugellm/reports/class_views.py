"""Traffic classes as every report format shows them: each class as a benchmark row of its own, under its benchmark.

A class's figures (``BenchmarkReport.classes``) have the shape of a benchmark's, so the tables render them with the
same code as a benchmark: one view per class, named ``BENCHMARK · CLASS``, without records, checks or capacity.
"""

from __future__ import annotations

from collections.abc import Iterator

from gaugellm.reports.models import BenchmarkReport

__all__ = ["CLASS_SEPARATOR", "class_views", "with_classes"]

#: Between a benchmark's name and its class's in a row's name.
CLASS_SEPARATOR = " · "


def class_views(benchmark: BenchmarkReport) -> list[tuple[str, BenchmarkReport]]:
    """``(class, view)`` for each traffic class of ``benchmark``, in the run's order (none without classes)."""
    if not benchmark.classes:
        return []
    return [
        (
            name,
            benchmark.model_copy(
                update={
                    "name": f"{benchmark.name}{CLASS_SEPARATOR}{name}",
                    "metrics": metrics,
                    "records": None,
                    "classes": None,
                    "cost": None,
                }
            ),
        )
        for name, metrics in benchmark.classes.items()
    ]


def with_classes(benchmarks: list[BenchmarkReport]) -> Iterator[tuple[BenchmarkReport, str | None]]:
    """Each benchmark, followed by a view of each of its classes: ``(row, class or None)``."""
    for benchmark in benchmarks:
        yield benchmark, None
        for name, view in class_views(benchmark):
            yield view, name
