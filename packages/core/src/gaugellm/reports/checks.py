"""Checks: pass/fail conditions on a run's figures, so that a pipeline can gate on a run (``--check``).

A check is ``METRIC OP VALUE``: ``ttft.p99<=300ms``, ``error_rate<1%``, ``request_rate>=20``, ``slo.attainment>=99%``,
``capacity>=50``. ``METRIC`` is a dotted path into a benchmark's metrics as the JSON report holds them (a
distribution needs its statistic: ``itl.p50``, ``latency.max``), ``classes.NAME.`` and such a path for one traffic
class's figure (``--class``), ``turns.N.`` and such a path for one turn's figure of multi-turn conversations, or
``capacity`` for a capacity search's answer.
Times are in milliseconds unless the value says ``s``; shares (``error_rate``, ``slo.attainment``,
``load.achieved_ratio``) take a fraction or a percentage.

The paths are read from the report's own models, so every figure a benchmark reports can be checked and a misspelt
one is refused before the run starts, with the nearest names. Each benchmark is checked (for a capacity search: the
probe at the capacity, not the probes that were meant to fail); a figure a benchmark does not have (no successful
request, no SLO) fails its check, because a gate must not pass on missing data.
"""

from __future__ import annotations

import difflib
import math
import operator
import re
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel

from gaugellm.errors import GaugeError
from gaugellm.metrics.models import BenchmarkMetrics, Distribution
from gaugellm.reports.breakdowns import BREAKDOWNS, Breakdown, part_metrics
from gaugellm.reports.models import BenchmarkReport, CheckResult, RunReport

__all__ = [
    "CHECKS_FAILED_EXIT",
    "Check",
    "ChecksFailedError",
    "check_paths",
    "evaluate_checks",
    "failed_checks_error",
    "parse_check",
    "parse_checks",
]

#: The exit status of a run (or ``gaugellm report``) whose checks failed: distinct from a user error (2) and from a
#: run that could not finish (1), so that a pipeline can tell a slow build from a broken benchmark.
CHECKS_FAILED_EXIT = 3

Unit = Literal["ms", "share", "number"]


class ChecksFailedError(GaugeError):
    """At least one check failed; the run itself went fine and its reports were written."""

    exit_code = CHECKS_FAILED_EXIT


_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_CHECK = re.compile(
    r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(<=|>=|<|>)\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(ms|s|%)?\s*$"
)
#: Fields that hold a share of requests (0..1): they read ``1%`` as ``0.01``.
_SHARES = frozenset(
    {"error_rate", "slo.attainment", "slo.attainment_low", "slo.attainment_high", "load.achieved_ratio"}
)
#: The run-level figure: a capacity search's answer.
CAPACITY = "capacity"
#: How a check names a part of each benchmark, per breakdown: the hint when it is written wrong.
_PART_FORMS: dict[Breakdown, str] = {
    "classes": "a traffic class's figure is classes.NAME.METRIC, e.g. classes.chat.ttft.p99",
    "turns": "a turn's figure is turns.N.METRIC with N a turn number from 1, e.g. turns.1.ttft.p99",
}
#: A turn's number as a check writes it (and as the report keys it): a positive whole number, no leading zero.
_TURN = re.compile(r"[1-9][0-9]*")


@dataclass(frozen=True, slots=True)
class Check:
    """One parsed check: ``path`` compared with ``threshold`` (in the report's unit: ms, a fraction, a count)."""

    text: str
    path: str
    op: str
    threshold: float
    unit: Unit
    #: ``classes.NAME.METRIC`` or ``turns.N.METRIC``: the figure of one part of each benchmark (its breakdown, key).
    part: tuple[Breakdown, str] | None = None

    @property
    def metric(self) -> str:
        """The figure's full path, as the user wrote it."""
        return self.path if self.part is None else f"{self.part[0]}.{self.part[1]}.{self.path}"

    @property
    def traffic_class(self) -> str | None:
        """The traffic class a ``classes.NAME.METRIC`` check reads (the run's config refuses one it lacks)."""
        return self.part[1] if self.part is not None and self.part[0] == "classes" else None

    @property
    def turn(self) -> int | None:
        """The turn a ``turns.N.METRIC`` check reads."""
        return int(self.part[1]) if self.part is not None and self.part[0] == "turns" else None

    def holds(self, value: float) -> bool:
        return _OPERATORS[self.op](value, self.threshold)


def _numeric(annotation: Any) -> bool:
    args = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    return any(arg in (int, float) for arg in args) and bool not in args


def _model_of(annotation: Any) -> type[BaseModel] | None:
    args = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    return next((arg for arg in args if isinstance(arg, type) and issubclass(arg, BaseModel)), None)


@cache
def check_paths() -> dict[str, Unit]:
    """Every figure a check can name, with its unit, read from :class:`BenchmarkMetrics` (and ``capacity``)."""
    paths: dict[str, Unit] = {CAPACITY: "number"}

    def walk(model: type[BaseModel], prefix: str, in_ms: bool) -> None:
        for name, field in model.model_fields.items():
            path = f"{prefix}{name}"
            nested = _model_of(field.annotation)
            if nested is Distribution:
                in_ms_here = "length" not in name  # prompt_length and output_length count tokens
                walk(Distribution, f"{path}.", in_ms_here)
            elif nested is not None:
                walk(nested, f"{path}.", False)
            elif _numeric(field.annotation):
                is_stat = model is Distribution and name not in ("count",)
                paths[path] = "share" if path in _SHARES else "ms" if in_ms and is_stat else "number"

    walk(BenchmarkMetrics, "", False)
    return paths


def parse_check(text: str) -> Check:
    """``"ttft.p99<=300ms"`` -> :class:`Check`; a :class:`ValueError` with one readable line for anything else."""
    match = _CHECK.match(text)
    if match is None:
        raise ValueError(f"check {text!r} is not METRIC OP VALUE, e.g. 'ttft.p99<=300ms' or 'error_rate<1%'")
    path, op, number, suffix = match.groups()
    part, path = _split_part(text, path)
    paths = check_paths()
    unit = paths.get(path)
    if unit is None:
        if f"{path}.p99" in paths:
            raise ValueError(f"check {text!r}: {path} is a distribution; name a statistic, e.g. {path}.p99")
        close = difflib.get_close_matches(path, list(paths), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else " (see docs/checks.md for the names)"
        raise ValueError(f"check {text!r}: no figure named {path!r}{hint}")
    value = float(number)
    if not math.isfinite(value):
        raise ValueError(f"check {text!r}: the value must be a finite number")
    if unit == "ms":
        if suffix == "%":
            raise ValueError(f"check {text!r}: {path} is a time; write ms or s")
        value = value * 1000 if suffix == "s" else value
    elif unit == "share":
        if suffix in ("ms", "s"):
            raise ValueError(f"check {text!r}: {path} is a share; write a fraction or a percentage")
        value = value / 100 if suffix == "%" else value
    elif suffix is not None:
        raise ValueError(f"check {text!r}: {path} takes a plain number, not {suffix}")
    return Check(text=text.strip(), path=path, op=op, threshold=value, unit=unit, part=part)


def _split_part(text: str, path: str) -> tuple[tuple[Breakdown, str] | None, str]:
    """``classes.chat.ttft.p99`` -> ``(("classes", "chat"), "ttft.p99")``; a path without a part is returned as is."""
    breakdown = next((b for b in BREAKDOWNS if path.startswith(f"{b}.")), None)
    if breakdown is None:
        return None, path
    key, dot, rest = path.removeprefix(f"{breakdown}.").partition(".")
    valid_key = _TURN.fullmatch(key) is not None if breakdown == "turns" else bool(key)
    if not valid_key or not dot or rest == CAPACITY:
        raise ValueError(f"check {text!r}: {_PART_FORMS[breakdown]}")
    return (breakdown, key), rest


def parse_checks(texts: Iterable[str]) -> list[Check]:
    return [parse_check(text) for text in texts]


def _value(metrics: BenchmarkMetrics, path: str) -> float | None:
    node: Any = metrics
    for part in path.split("."):
        node = getattr(node, part, None)
        if node is None:
            return None
    return float(node) if isinstance(node, int | float) and not isinstance(node, bool) else None


def _checked_benchmarks(report: RunReport) -> list[BenchmarkReport]:
    """The benchmarks a check applies to: all of them, or for a capacity search the probe at its answer."""
    capacity = report.capacity
    if capacity is None:
        return list(report.benchmarks)
    at = next(
        (p.benchmark for p in reversed(capacity.probes) if p.verdict == "pass" and p.value == capacity.capacity), None
    )
    return [b for b in report.benchmarks if b.name == at]


def evaluate_checks(texts: Iterable[str], report: RunReport) -> list[CheckResult]:
    """Every check against every benchmark it applies to (and ``capacity`` against the run), in the order given."""
    results: list[CheckResult] = []
    benchmarks = _checked_benchmarks(report)
    for check in parse_checks(texts):
        if check.path == CAPACITY:
            value = None if report.capacity is None else report.capacity.capacity
            results.append(_result(check, None, value))
            continue
        if not benchmarks:
            results.append(_result(check, None, None))
        for benchmark in benchmarks:
            if check.part is None:
                metrics: BenchmarkMetrics | None = benchmark.metrics
            else:
                metrics = part_metrics(benchmark, *check.part)
            results.append(_result(check, benchmark.name, None if metrics is None else _value(metrics, check.path)))
    return results


def _result(check: Check, benchmark: str | None, value: float | None) -> CheckResult:
    passed = value is not None and check.holds(value)
    return CheckResult(
        check=check.text, metric=check.metric, unit=check.unit, benchmark=benchmark, value=value, passed=passed
    )


def describe_value(result: CheckResult) -> str:
    """The figure as the check reads it: ``412 ms``, ``2.5%``, ``48.1``, or ``no value``."""
    value = result.value
    if value is None:
        return "no value"
    if result.unit == "ms":
        return f"{value:,.4g} ms" if value < 1000 else f"{value:,.0f} ms"
    if result.unit == "share":
        return f"{value * 100:.4g}%"
    return f"{value:,.6g}"


def failed_checks_error(results: Iterable[CheckResult]) -> ChecksFailedError | None:
    """One line naming the failed checks (the first few), or ``None`` when every check passed."""
    results = list(results)
    failed = [r for r in results if not r.passed]
    if not failed:
        return None
    shown = "; ".join(f"{r.check} on {r.benchmark or 'the run'} ({describe_value(r)})" for r in failed[:3]) + (
        "; ..." if len(failed) > 3 else ""
    )
    return ChecksFailedError(f"{len(failed)} of {len(results)} checks failed: {shown}")
