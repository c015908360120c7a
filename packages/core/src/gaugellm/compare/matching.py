"""Which benchmark of one run answers which of another: the same load, not the same position.

Two benchmarks match when they asked for the same load: the same profile kind and the same rate or concurrency
(``constant@10`` with ``constant@10``, ``synchronous`` with ``synchronous``). The rates of a sweep are derived from
what the run measured, so they differ from run to run: the rate stages of two sweeps that found no match by load are
paired by their position in the sweep (the k-th rate with the k-th rate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from gaugellm.reports.models import BenchmarkReport, RunReport

__all__ = ["Match", "Matching", "match_benchmarks"]

#: Keys of a profile that say what load a stage asked for (the rest, such as a seed, does not change the load).
_LOAD_KEYS = ("kind", "rate", "concurrency", "burstiness", "requests", "speedup")


@dataclass(frozen=True)
class Match:
    baseline: BenchmarkReport
    candidate: BenchmarkReport
    matched_by: Literal["load", "sweep position"]


@dataclass(frozen=True)
class Matching:
    matches: list[Match]
    unmatched_baseline: list[str]
    unmatched_candidate: list[str]


def _load_key(benchmark: BenchmarkReport) -> tuple[Any, ...]:
    profile = benchmark.profile or {"kind": benchmark.name}
    key = []
    for name in _LOAD_KEYS:
        value = profile.get(name)
        key.append(round(float(value), 6) if isinstance(value, int | float) and not isinstance(value, bool) else value)
    return tuple(key)


def _is_sweep(report: RunReport) -> bool:
    return report.config.get("profile") == "sweep"


def _sweep_rate_stage(benchmark: BenchmarkReport) -> bool:
    return benchmark.profile.get("kind") == "constant" and benchmark.profile.get("rate") is not None


def match_benchmarks(baseline: RunReport, candidate: RunReport) -> Matching:
    """Pair the benchmarks of two runs; a load that occurs twice in a run pairs in order of occurrence."""
    waiting: dict[tuple[Any, ...], list[BenchmarkReport]] = {}
    for benchmark in candidate.benchmarks:
        waiting.setdefault(_load_key(benchmark), []).append(benchmark)
    matches: list[Match] = []
    left: list[BenchmarkReport] = []
    for benchmark in baseline.benchmarks:
        same = waiting.get(_load_key(benchmark))
        if same:
            matches.append(Match(benchmark, same.pop(0), "load"))
        else:
            left.append(benchmark)
    right = [b for b in candidate.benchmarks if any(b is w for ws in waiting.values() for w in ws)]
    if _is_sweep(baseline) and _is_sweep(candidate):
        base_rates = [b for b in left if _sweep_rate_stage(b)]
        new_rates = [b for b in right if _sweep_rate_stage(b)]
        for base, new in zip(base_rates, new_rates, strict=False):
            matches.append(Match(base, new, "sweep position"))
            left.remove(base)
            right.remove(new)
    order = {id(b): i for i, b in enumerate(baseline.benchmarks)}
    matches.sort(key=lambda m: order[id(m.baseline)])
    return Matching(matches, [b.name for b in left], [b.name for b in right])
