"""Service-level objectives: per-request latency limits, which requests are *good*, and how sure we are of the share.

A request is good when it succeeded and met every limit. A limit on a quantity the request does not have (the ITL of
a one-token answer) cannot be broken, so it is met. Failed requests are judged and never good. A request cancelled by
the runner (the stage ended, a capacity probe was decided) is judged only when it had already broken a limit before it
was cancelled (its time so far is a lower bound of the real one): leaving such requests out would make an overloaded
stage look better than it was, and counting the others as bad would blame the server for the runner's cut.

The share of good requests (*attainment*) comes with a Wilson score interval: unlike the normal approximation it stays
inside [0, 1] and keeps its coverage when the share is close to 1, which is where SLO targets live (99 %).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal, get_args

__all__ = [
    "SLO_METRICS",
    "SloLimit",
    "SloMetric",
    "SloSet",
    "normalise_slo",
    "parse_slo",
    "wilson_interval",
    "z_for",
]

SloMetric = Literal["ttft", "itl", "tpot", "latency", "ttft_from_schedule", "latency_from_schedule"]
SLO_METRICS: tuple[SloMetric, ...] = get_args(SloMetric)

_LIMIT = re.compile(r"^\s*([A-Za-z_]\w*)\s*(<=|<|>=|>|==|=)\s*(.+?)\s*$")
_AMOUNT = re.compile(r"^([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*(ms|s)?$")
_UNITS_MS = {"ms": 1.0, "s": 1000.0}


@dataclass(frozen=True, slots=True)
class SloLimit:
    """``metric <= limit_ms`` (or ``<`` when ``strict``)."""

    metric: SloMetric
    limit_ms: float
    strict: bool = False

    @property
    def limit_ns(self) -> int:
        return round(self.limit_ms * 1e6)

    def broken_by(self, value_ns: int) -> bool:
        """Whether a request whose quantity took ``value_ns`` breaks this limit."""
        return value_ns >= self.limit_ns if self.strict else value_ns > self.limit_ns

    def text(self) -> str:
        return f"{self.metric}{'<' if self.strict else '<='}{self.limit_ms:g}ms"


def _metric(name: str, source: str) -> SloMetric:
    lowered = name.lower()
    for metric in SLO_METRICS:
        if metric == lowered:
            return metric
    close = difflib.get_close_matches(lowered, SLO_METRICS, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ValueError(f"unknown SLO metric {name!r} in {source!r}{hint}; choose from {', '.join(SLO_METRICS)}")


def _one(text: str) -> SloLimit:
    match = _LIMIT.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not an SLO limit; write METRIC<=AMOUNT with a unit, e.g. ttft<=500ms")
    name, operator, amount = match.groups()
    metric = _metric(name, text)
    if operator not in ("<=", "<"):
        raise ValueError(f"{text!r}: SLO limits are upper bounds, write {metric}<=AMOUNT (e.g. {metric}<=500ms)")
    parsed = _AMOUNT.match(amount.lower())
    if amount.startswith("-"):
        raise ValueError(f"{text!r}: a limit must be positive")
    if parsed is None:
        raise ValueError(f"{text!r}: {amount!r} is not an amount of time; write e.g. 500ms or 0.5s")
    number, unit = parsed.groups()
    if unit is None:
        raise ValueError(f"{text!r} has no unit: write {number}ms or {number}s")
    limit_ms = float(number) * _UNITS_MS[unit]
    if not math.isfinite(limit_ms) or limit_ms <= 0:
        raise ValueError(f"{text!r}: a limit must be a positive, finite time")
    if limit_ms > 86_400_000:
        raise ValueError(f"{text!r}: a limit above one day cannot be measured by a run")
    return SloLimit(metric, limit_ms, strict=operator == "<")


def parse_slo(value: object) -> tuple[SloLimit, ...]:
    """Limits from ``"ttft<=500ms,tpot<=50ms"``, a list of such strings, or a mapping ``{"ttft": "500ms"}``.

    Raises ``ValueError`` with one readable sentence on the first problem (unknown metric, no unit, negative limit,
    a metric given twice).
    """
    if value is None:
        return ()
    if isinstance(value, Mapping):
        texts = [f"{name}<={amount}" for name, amount in value.items()]
    elif isinstance(value, str):
        texts = [value]
    elif isinstance(value, list | tuple):
        texts = [str(item) for item in value]
    else:
        raise ValueError("an SLO is a string such as 'ttft<=500ms,tpot<=50ms', a list of them, or a mapping")
    limits: list[SloLimit] = []
    for text in texts:
        for part in text.split(","):
            if part.strip():
                limits.append(_one(part))
    seen: set[str] = set()
    for limit in limits:
        if limit.metric in seen:
            raise ValueError(f"the SLO limits {limit.metric} more than once; give each metric one limit")
        seen.add(limit.metric)
    return tuple(limits)


def normalise_slo(value: Any) -> list[str]:
    """The limits as canonical strings (``ttft<=500ms``): what a config holds and a report records."""
    return [limit.text() for limit in parse_slo(value)]


def z_for(confidence: float) -> float:
    """The two-sided normal quantile of a confidence level (1.96 for 0.95)."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(successes: int, trials: int, z: float = 1.959963984540054) -> tuple[float, float] | None:
    """Wilson score interval of a proportion; ``None`` without trials."""
    if trials <= 0:
        return None
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


class SloSet:
    """The limits of one run, ready for the accumulator's hot path: one tuple of ``(position, limit_ns, strict)``.

    Positions index the tuple of quantities the accumulator computes per request, in :data:`SLO_METRICS` order.
    """

    __slots__ = ("checks", "limits")

    def __init__(self, limits: Iterable[SloLimit]) -> None:
        self.limits = tuple(limits)
        self.checks = tuple((SLO_METRICS.index(limit.metric), limit.limit_ns, limit.strict) for limit in self.limits)

    def __bool__(self) -> bool:
        return bool(self.limits)

    def broken(self, values: tuple[int | None, ...]) -> list[int]:
        """Indexes (into :attr:`limits`) of the limits that these quantities break; ``None`` breaks nothing."""
        out = []
        for index, (position, limit_ns, strict) in enumerate(self.checks):
            value = values[position]
            if value is not None and (value >= limit_ns if strict else value > limit_ns):
                out.append(index)
        return out

    def texts(self) -> list[str]:
        return [limit.text() for limit in self.limits]
