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

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
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


def _labels_of(text: str, line: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    position = 0
    for label in _LABEL.finditer(text):
        if label.start() != position:
            raise _Unusual(line)
        labels[label.group(1)] = _unescape(label.group(2))
        position = label.end()
    if text[position:].strip():
        raise _Unusual(line)
    return labels


class ExpositionReader:
    """Reads one server's expositions again and again, remembering what repeats between scrapes.

    A server writes the same names and label sets every time, only the values change; so a name is checked and a
    label set parsed once, and later scrapes cost a dictionary lookup per line. A line it does not recognise hands
    the whole text to ``prometheus_client``'s parser, which reads every corner of the format and decides what is
    malformed (both give the same samples: tested on the same texts).
    """

    def __init__(self) -> None:
        self._names: set[str] = set()
        self._labels: dict[str, dict[str, str]] = {}

    def read(self, text: str, keep: Callable[[str], bool]) -> Snapshot:
        """The families ``keep`` accepts; ``ValueError`` if the text is malformed."""
        snapshot = Snapshot()
        try:
            samples = self._read_quickly(text, keep, snapshot.families)
        except _Unusual:
            snapshot.families.clear()
            samples = _read_by_reference(text, keep, snapshot.families)
        _fill(snapshot, samples)
        return snapshot

    def _read_quickly(self, text: str, keep: Callable[[str], bool], families: set[str]) -> list[Read]:
        owner: dict[str, tuple[str, str]] = {}
        kept: dict[str, bool] = {}
        names, label_sets = self._names, self._labels
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
            brace = line.find("{")
            if brace >= 0:
                close = line.rfind("}")
                if close < brace:
                    raise _Unusual(line)
                name, labels_text, rest = line[:brace], line[brace + 1 : close], line[close + 1 :].split()
            else:
                parts = line.split()
                name, labels_text, rest = parts[0], "", parts[1:]
            if not 1 <= len(rest) <= 2 or (len(rest) == 2 and not rest[1].lstrip("-").isdigit()):
                raise _Unusual(line)  # a value, and perhaps a timestamp in milliseconds (ignored)
            if name not in names:
                if not _NAME.fullmatch(name):
                    raise _Unusual(line)
                names.add(name)
            family, kind = owner.get(name, (name, "unknown"))
            wanted = kept.get(family)
            if wanted is None:
                wanted = kept[family] = keep(family)
                families.add(family)
            if not wanted:
                continue
            labels = label_sets.get(labels_text)
            if labels is None:
                labels = label_sets[labels_text] = _labels_of(labels_text, line) if labels_text else {}
            try:
                value = float(rest[0])
            except ValueError:
                raise _Unusual(line) from None
            read.append((family, kind, name, labels, value))
        return read


def _read_quickly(text: str, keep: Callable[[str], bool], families: set[str]) -> list[Read]:
    """One text read quickly by a fresh reader (tests compare it with the reference parser)."""
    return ExpositionReader()._read_quickly(text, keep, families)


def _read_by_reference(text: str, keep: Callable[[str], bool], families: set[str]) -> list[Read]:
    """``prometheus_client``'s own parser: every corner of the format, and the judge of what is malformed."""
    read: list[Read] = []
    for family in text_string_to_metric_families(text):
        families.add(family.name)
        if keep(family.name):
            read.extend((family.name, family.type, s.name, s.labels, s.value) for s in family.samples)
    return read


def parse_exposition(text: str, keep: Callable[[str], bool]) -> Snapshot:
    """Parse Prometheus text exposition, keeping the families ``keep`` accepts; ``ValueError`` if it is malformed."""
    return ExpositionReader().read(text, keep)


def _fill(snapshot: Snapshot, samples: list[Read]) -> None:
    keys: dict[int, LabelKey] = {}  # by the labels dict's identity: the quick reader shares one per label set
    bucket_keys: dict[int, LabelKey] = {}
    for family, kind, name, labels, value in samples:
        gauge = kind in ("gauge", "untyped", "unknown")
        if (gauge and name == family) or (kind == "counter" and (name.endswith("_total") or name == family)):
            key = keys.get(id(labels))
            if key is None:
                key = keys[id(labels)] = _key(labels)
            target = (snapshot.gauges if gauge else snapshot.counters).setdefault(family, {})
            target[key] = target.get(key, 0.0) + value
        elif kind == "histogram":
            key = bucket_keys.get(id(labels))
            if key is None:
                key = bucket_keys[id(labels)] = _key(labels, drop=("le",))
            histogram = snapshot.histograms.setdefault(family, {}).setdefault(key, Histogram())
            if name.endswith("_bucket"):
                bound = float(labels["le"])
                histogram.buckets[bound] = histogram.buckets.get(bound, 0.0) + value
            elif name.endswith("_sum"):
                histogram.sum += value
            elif name.endswith("_count"):
                histogram.count += value


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
