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
import re
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


#: ``(family, type, sample name, labels, value)``: one sample as both readers give it.
Read = tuple[str, str, str, dict[str, str], float]

_SAMPLE = re.compile(
    r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[^}"]|"(?:[^"\\]|\\.)*")*)\})?[ \t]+(\S+)(?:[ \t]+-?[0-9]+)?[ \t]*'
)
_LABEL = re.compile(r'[ \t]*([a-zA-Z_][a-zA-Z0-9_]*)[ \t]*=[ \t]*"((?:[^"\\]|\\.)*)"[ \t]*(?:,|$)')
#: The samples that belong to a family of each type (the classic text format, as ``prometheus_client`` reads it:
#: a ``_created`` sample is a family of its own there).
_SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("", "_sum", "_count"),
}


class _Unusual(Exception):
    """A line the quick reader does not handle: the reference parser reads the whole text instead."""


def _unescape(value: str) -> str:
    if "\\" not in value:
        return value
    return value.replace("\\\\", "\x00").replace('\\"', '"').replace("\\n", "\n").replace("\x00", "\\")


def _read_quickly(text: str, keep: Callable[[str], bool], families: set[str]) -> list[Read]:
    """The text format, line by line, reading labels only of the samples kept: the hot part of every scrape."""
    owner: dict[str, tuple[str, str]] = {}
    read: list[Read] = []
    for line in text.splitlines():
        if not line or line.isspace():
            continue
        if line[0] == "#":
            parts = line.split(None, 3)
            if len(parts) >= 4 and parts[1] == "TYPE":
                name, kind = parts[2], parts[3].strip()
                family = name[:-6] if kind == "counter" and name.endswith("_total") else name
                owner[family] = (family, kind)
                for suffix in _SUFFIXES.get(kind, ()):
                    owner[family + suffix] = (family, kind)
            continue
        match = _SAMPLE.fullmatch(line)
        if match is None:
            raise _Unusual(line)
        name, labels_text, value_text = match.groups()
        family, kind = owner.get(name, (name, "unknown"))
        families.add(family)
        if not keep(family):
            continue
        labels: dict[str, str] = {}
        if labels_text:
            position = 0
            for label in _LABEL.finditer(labels_text):
                if label.start() != position:
                    raise _Unusual(line)
                labels[label.group(1)] = _unescape(label.group(2))
                position = label.end()
            if labels_text[position:].strip():
                raise _Unusual(line)
        try:
            value = float(value_text)
        except ValueError:
            raise _Unusual(line) from None
        read.append((family, kind, name, labels, value))
    return read


def _read_by_reference(text: str, keep: Callable[[str], bool], families: set[str]) -> list[Read]:
    """``prometheus_client``'s own parser: every corner of the format, and the judge of what is malformed."""
    read: list[Read] = []
    for family in text_string_to_metric_families(text):
        families.add(family.name)
        if keep(family.name):
            read.extend((family.name, family.type, s.name, s.labels, s.value) for s in family.samples)
    return read


def parse_exposition(text: str, keep: Callable[[str], bool]) -> Snapshot:
    """Parse Prometheus text exposition, keeping the families ``keep`` accepts; ``ValueError`` if it is malformed.

    A quick line reader handles what servers write (names, quoted labels with escapes, values, timestamps); any
    line it does not recognise hands the whole text to ``prometheus_client``'s parser, which reads every corner of
    the format and decides what is malformed. Both give the same samples (tested on the same texts).
    """
    snapshot = Snapshot()
    try:
        samples = _read_quickly(text, keep, snapshot.families)
    except _Unusual:
        snapshot.families.clear()
        samples = _read_by_reference(text, keep, snapshot.families)
    for family, kind, name, labels, value in samples:
        if kind in ("gauge", "untyped", "unknown"):
            if name == family:
                target = snapshot.gauges.setdefault(family, {})
                key = _key(labels)
                target[key] = target.get(key, 0.0) + value
        elif kind == "counter":
            if name.endswith("_total") or name == family:
                counters = snapshot.counters.setdefault(family, {})
                key = _key(labels)
                counters[key] = counters.get(key, 0.0) + value
        elif kind == "histogram":
            histogram = snapshot.histograms.setdefault(family, {}).setdefault(_key(labels, drop=("le",)), Histogram())
            if name.endswith("_bucket"):
                bound = float(labels["le"])
                histogram.buckets[bound] = histogram.buckets.get(bound, 0.0) + value
            elif name.endswith("_sum"):
                histogram.sum += value
            elif name.endswith("_count"):
                histogram.count += value
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
