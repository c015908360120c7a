"""One scrape, parsed; and what two scrapes in a row say.

Gauges are read as they are. Counters only mean something as increases, so they become rates (per second) between
two scrapes; a counter that went down was reset (the server restarted), and its increase is its new value, as
Prometheus's own ``rate()`` counts it. Histograms become, per interval: how many observations per second, their mean
(increase of the sum over increase of the count), and the median and 99th percentile by linear interpolation inside
the bucket that holds the rank (what ``histogram_quantile`` does; the answer is only as fine as the buckets).

Series names are the family's name, with a suffix for what was derived (``:rate``, ``:mean``, ``:p50``, ``:p99``),
and the labels that tell series of one family apart (``{finished_reason=stop}``); labels that only name the model or
the engine are summed over (averaged, for the gauges that are shares).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

from gaugellm_prometheus.presets import DERIVED_RATIOS, MEAN_GAUGES

__all__ = ["Snapshot", "parse_exposition", "series_between"]

#: Labels that name where a series came from, not what it counts: summed (or averaged) over.
SOURCE_LABELS = frozenset({"model_name", "engine", "name", "instance", "job", "model", "served_model_name"})

LabelKey = tuple[tuple[str, str], ...]


@dataclass
class Histogram:
    """One histogram's cumulative buckets (upper bound to count), sum and count."""

    buckets: dict[float, float] = field(default_factory=dict)
    sum: float = 0.0
    count: float = 0.0


@dataclass
class Snapshot:
    """What one scrape said about the families kept, keyed by family and label set."""

    families: set[str] = field(default_factory=set)
    gauges: dict[str, dict[LabelKey, float]] = field(default_factory=dict)
    counters: dict[str, dict[LabelKey, float]] = field(default_factory=dict)
    histograms: dict[str, dict[LabelKey, Histogram]] = field(default_factory=dict)


def _key(labels: dict[str, str], drop: Iterable[str] = ()) -> LabelKey:
    skipped = SOURCE_LABELS | set(drop)
    return tuple(sorted((name, value) for name, value in labels.items() if name not in skipped))


def parse_exposition(text: str, keep: Callable[[str], bool]) -> Snapshot:
    """Parse Prometheus text exposition, keeping the families ``keep`` accepts; ``ValueError`` if it is malformed."""
    snapshot = Snapshot()
    for family in text_string_to_metric_families(text):
        snapshot.families.add(family.name)
        if not keep(family.name):
            continue
        if family.type in ("gauge", "untyped", "unknown"):
            target = snapshot.gauges.setdefault(family.name, {})
            for sample in family.samples:
                if sample.name == family.name:
                    key = _key(sample.labels)
                    target[key] = target.get(key, 0.0) + sample.value
        elif family.type == "counter":
            counters = snapshot.counters.setdefault(family.name, {})
            for sample in family.samples:
                if sample.name.endswith("_total") or sample.name == family.name:
                    key = _key(sample.labels)
                    counters[key] = counters.get(key, 0.0) + sample.value
        elif family.type == "histogram":
            histograms = snapshot.histograms.setdefault(family.name, {})
            for sample in family.samples:
                key = _key(sample.labels, drop=("le",))
                histogram = histograms.setdefault(key, Histogram())
                if sample.name.endswith("_bucket"):
                    bound = float(sample.labels["le"])
                    histogram.buckets[bound] = histogram.buckets.get(bound, 0.0) + sample.value
                elif sample.name.endswith("_sum"):
                    histogram.sum += sample.value
                elif sample.name.endswith("_count"):
                    histogram.count += sample.value
    return snapshot


def _name(family: str, key: LabelKey, suffix: str = "") -> str:
    labels = "{" + ",".join(f"{k}={v}" for k, v in key) + "}" if key else ""
    return f"{family}{suffix}{labels}"


def _increase(now: float, before: float | None) -> float:
    if before is None:
        return 0.0
    return now - before if now >= before else now  # a reset: the server restarted, counting from zero


def _quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """The ``q`` quantile from cumulative ``(upper bound, count)`` increases, interpolated within its bucket."""
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if math.isinf(bound):
                return lower_bound  # beyond the last finite bucket: its bound is the best that can be said
            if count == lower_count:
                return bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (count - lower_count)
        lower_bound, lower_count = bound, count
    return None


def series_between(before: Snapshot | None, now: Snapshot, elapsed_s: float) -> dict[str, float]:
    """The series one sample holds: ``now``'s gauges, and rates and histogram figures since ``before``."""
    values: dict[str, float] = {}
    for family, by_key in now.gauges.items():
        for key, value in by_key.items():
            values[_name(family, key)] = value
        if family in MEAN_GAUGES and len(by_key) > 1:
            values[_name(family, ())] = sum(by_key.values()) / len(by_key)
    if before is None or elapsed_s <= 0:
        return values
    increases: dict[str, float] = {}
    for family, by_key in now.counters.items():
        counted = before.counters.get(family, {})
        total = 0.0
        for key, value in by_key.items():
            increase = _increase(value, counted.get(key))
            total += increase
            values[_name(family, key, ":rate")] = increase / elapsed_s
        increases[family] = total
        if len(by_key) > 1:
            values[_name(family, (), ":rate")] = total / elapsed_s
    for family, histograms in now.histograms.items():
        previous_by_key = before.histograms.get(family, {})
        for key, histogram in histograms.items():
            earlier = previous_by_key.get(key)
            count = _increase(histogram.count, earlier.count if earlier else None)
            values[_name(family, key, ":rate")] = count / elapsed_s
            if count <= 0 or earlier is None:
                continue
            values[_name(family, key, ":mean")] = _increase(histogram.sum, earlier.sum) / count
            buckets = sorted(
                (bound, _increase(cumulative, earlier.buckets.get(bound)))
                for bound, cumulative in histogram.buckets.items()
            )
            for q, suffix in ((0.5, ":p50"), (0.99, ":p99")):
                estimate = _quantile(q, buckets)
                if estimate is not None:
                    values[_name(family, key, suffix)] = estimate
    for name, (numerator, denominator) in DERIVED_RATIOS.items():
        if increases.get(denominator, 0.0) > 0:
            values[name] = increases.get(numerator, 0.0) / increases[denominator]
    return values
