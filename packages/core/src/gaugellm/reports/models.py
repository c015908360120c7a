"""The JSON report: one versioned document that is the source of truth for every other rendering.

Console tables, CSV and HTML are all rendered from a :class:`RunReport`, and ``gaugellm report FILE`` rebuilds one
from a saved file, so nothing a rendering shows can be missing from the JSON. ``version`` changes whenever a reader
of an older version could misread a newer document; the JSON Schema of each version is committed under
``gaugellm/reports/schema/``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gaugellm.__about__ import __version__
from gaugellm.metrics.models import BenchmarkMetrics, Distribution
from gaugellm.metrics.records import RequestRecords
from gaugellm.reports.redaction import redact, redact_text

__all__ = [
    "REPORT_VERSION",
    "BenchmarkReport",
    "CapacityProbeReport",
    "CheckResult",
    "CapacityReport",
    "CollectorReport",
    "CostReport",
    "RunReport",
    "SampledSeries",
    "StageSpan",
    "TimelineReport",
]

#: The version of the report document this gaugellm writes (and the newest it reads). Version 2 added SLO, load,
#: cost and capacity sections, version 3 the collectors' samples and the client's timeline, version 4 the run's
#: labels and checks, version 5 per-turn metrics of multi-turn conversations; all optional, so an older document
#: reads as a newer one without them.
REPORT_VERSION = 5


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class CostReport(BaseModel):
    """What the measured throughput costs, from the deployment's price per hour (--price-per-hour)."""

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    price_per_hour: float = Field(gt=0, description="As given; the currency is the user's.")
    per_million_output_tokens: float | None = Field(
        description="price_per_hour / (output tokens/s * 3600) * 1e6: a million output tokens at this load."
    )
    per_million_good_output_tokens: float | None = Field(
        default=None, description="The same over the output tokens of good requests only (with --slo)."
    )


class BenchmarkReport(BaseModel):
    """One benchmark: one profile stage (e.g. one rate of a sweep), its metrics and, optionally, its requests."""

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    name: str = Field(description="The stage's name, e.g. 'constant@50' or 'synchronous'.")
    profile: dict[str, Any] = Field(
        default_factory=dict, description="What the stage was asked to do, e.g. {'kind': 'constant', 'rate': 50.0}."
    )
    started_at: float = Field(description="Wall-clock start of the throughput window, Unix seconds.")
    duration_s: float = Field(ge=0, description="Length of the throughput window, seconds.")
    metrics: BenchmarkMetrics
    records: RequestRecords | None = Field(
        default=None, description="Per-request records in columns (null when not kept); may hold fewer than all."
    )
    incomplete: bool = Field(default=False, description="The stage was cut short (Ctrl-C, a crash, a dead server).")
    stop_reason: str | None = Field(default=None, description="Why the stage ended, e.g. 'max_requests'.")
    cost: CostReport | None = Field(default=None, description="Cost per million tokens (with --price-per-hour).")
    dispatch_lag_by_node: dict[str, Distribution] | None = Field(
        default=None,
        description="Dispatch lag (ms) of the measured requests per node, when the workers ran on several nodes "
        "(the ray executor); null on one machine, where metrics.dispatch_lag says it all.",
    )
    classes: dict[str, BenchmarkMetrics] | None = Field(
        default=None,
        description="Each traffic class's metrics over the same window (--class); null for a run without classes.",
    )
    turns: dict[str, BenchmarkMetrics] | None = Field(
        default=None,
        description="The metrics of each turn index of multi-turn conversations over the same window, keyed by the "
        "turn's number from '1', in turn order; null for a run without conversations.",
    )

    @field_validator("profile", mode="before")
    @classmethod
    def _redact_profile(cls, value: Any) -> Any:
        return redact(value) if isinstance(value, dict) else value


class CapacityProbeReport(BaseModel):
    """One probe of a capacity search, in the order they ran."""

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    benchmark: str = Field(description="The benchmark that holds this probe's measurements.")
    value: float = Field(description="The load probed: requests/s, or concurrent streams.")
    verdict: Literal["pass", "fail", "measured"]
    decided_by: str = Field(description="interval, trend, point estimate, no data, or measurement.")
    reason: str
    attainment: float | None = None
    attainment_low: float | None = Field(default=None, description="Wilson interval at the probe's per-look level.")
    attainment_high: float | None = None
    sustainable: bool | None = None
    latency_growth: float | None = Field(
        default=None, description="Slope of latency from schedule, seconds per second (rate probes)."
    )
    request_rate: float | None = Field(default=None, description="Successful requests/s the probe achieved.")
    duration_s: float = Field(ge=0)


class CapacityReport(BaseModel):
    """The answer of a capacity search: the highest load meeting the SLO, and how it was found (docs/slo.md)."""

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    by: Literal["rate", "concurrency"]
    rate_unit: str = Field(
        default="req/s",
        description="What a rate search's loads count per second: req/s; conversations/s when the data are "
        "conversations (a rate schedules their first turns); starts/s for traffic classes of both.",
    )
    slo: list[str]
    target: float = Field(description="The attainment the SLO must reach.")
    confidence: float = Field(description="Each probe's verdict is wrong with probability at most 1 - confidence.")
    status: Literal["found", "bracketed", "below_lowest", "above_highest", "no_answer"] = Field(
        description="found: within precision; bracketed: stopped (budget, probes) before that; below_lowest: even the "
        "lowest load probed failed; above_highest: the highest load probed passed; no_answer: nothing decided."
    )
    capacity: float | None = Field(description="The highest load that passed (in rate_unit, or streams).")
    upper: float | None = Field(description="The lowest load that failed: the capacity lies in [capacity, upper).")
    precision: float
    throughput: float | None = Field(
        default=None, description="Completions/s of the bracketing throughput stage, in rate_unit."
    )
    goodput: float | None = Field(default=None, description="Good requests/s at the capacity's probe.")
    good_output_tokens_per_s: float | None = None
    cost_per_million_good_output_tokens: float | None = None
    spent_s: float = Field(ge=0, description="Time spent in probes.")
    budget_s: float | None = None
    stopped: str | None = Field(default=None, description="Why the search stopped before its precision, if it did.")
    probes: list[CapacityProbeReport] = Field(default_factory=list)


class SeriesSummary(BaseModel):
    """One sampled series at a glance."""

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    samples: int = Field(ge=0, description="Samples with a value.")
    min: float | None = None
    mean: float | None = None
    max: float | None = None
    last: float | None = None


class SampledSeries(BaseModel):
    """Series of values on the run clock: what a collector sampled, and the client's own timeline.

    ``times_s`` count seconds from ``origin_unix`` (the Unix time of the run clock's origin), so that every sampled
    series of a run, and each benchmark's ``started_at``, line up on one time axis.
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    origin_unix: float = Field(description="Unix time of the run clock's origin (sample times count from it).")
    times_s: list[float] = Field(default_factory=list, description="Each sample's time, seconds from the origin.")
    series: dict[str, list[float | None]] = Field(
        default_factory=dict, description="Each series' values, aligned with times_s; null where a sample lacked it."
    )

    def summary(self, series: str, start_unix: float | None = None, end_unix: float | None = None) -> SeriesSummary:
        """Count, min, mean, max and last value of one series, over the run or the window ``[start, end]``."""
        low = -float("inf") if start_unix is None else start_unix - self.origin_unix
        high = float("inf") if end_unix is None else end_unix - self.origin_unix
        values = [
            value
            for time_s, value in zip(self.times_s, self.series.get(series, []), strict=False)
            if value is not None and low <= time_s <= high
        ]
        if not values:
            return SeriesSummary(samples=0)
        return SeriesSummary(
            samples=len(values), min=min(values), mean=sum(values) / len(values), max=max(values), last=values[-1]
        )


class CollectorReport(SampledSeries):
    """What one collector sampled during the run: a column per series, aligned on the sample times."""

    name: str = Field(description="The collector plugin's name.")
    args: dict[str, Any] = Field(default_factory=dict, description="Its args; secrets are masked.")
    info: dict[str, Any] = Field(default_factory=dict, description="What the collector said about itself.")
    failures: int = Field(default=0, ge=0, description="Samples that failed (counted; the run went on).")
    last_error: str | None = Field(default=None, description="The last failure's message.")

    @field_validator("args", "info", mode="before")
    @classmethod
    def _redact_dicts(cls, value: Any) -> Any:
        return redact(value) if isinstance(value, dict) else value

    @field_validator("last_error", mode="before")
    @classmethod
    def _redact_error(cls, value: Any) -> Any:
        return redact_text(value) if isinstance(value, str) else value


class StageSpan(BaseModel):
    """Where one stage lies on the run clock (seconds from the timeline's origin)."""

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    name: str = Field(description="The stage's (benchmark's) name.")
    start_s: float = Field(description="The stage's start: its first request could be scheduled from here.")
    end_s: float = Field(description="The stage's end: its last request had ended (or been cancelled).")
    window_start_s: float = Field(description="Start of the benchmark's throughput window (after warm-up, ramp-up).")
    window_end_s: float = Field(description="End of the benchmark's throughput window (before cool-down).")


class TimelineReport(SampledSeries):
    """The client's own figures per window of the run clock (definitions: docs/metrics.md, "Over time").

    Series: ``sent``, ``successful``, ``errored``, ``cancelled`` (counts per window), ``in_flight`` (at the window's
    end), ``output_tokens_per_s``, ``ttft_p50_ms`` / ``_p90_`` / ``_p99_``, ``itl_p50_ms`` / ``_p90_`` / ``_p99_`` and
    ``worst_gap_ms`` (null where the window had no sample). ``times_s[i]`` is the end of window ``i``.
    """

    window_s: float = Field(gt=0, description="Length of each window, seconds (doubled for very long runs).")
    stages: list[StageSpan] = Field(default_factory=list, description="Each stage's span, in the order they ran.")


class CheckResult(BaseModel):
    """One check (``--check``) against one benchmark, or against the run for ``capacity``."""

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    check: str = Field(description="As written, e.g. 'ttft.p99<=300ms'.")
    metric: str = Field(description="The figure's path in the benchmark's metrics, e.g. 'ttft.p99', or 'capacity'.")
    unit: Literal["ms", "share", "number"] = Field(description="ms for times, share for fractions, else number.")
    benchmark: str | None = Field(description="The benchmark checked; null for a run-level figure (capacity).")
    value: float | None = Field(description="The figure, in the report's unit; null when the benchmark has none.")
    passed: bool = Field(description="The figure exists and meets the check (a missing figure fails).")


class RunReport(BaseModel):
    """A whole run: its configuration (secrets masked), where it ran, and its benchmarks.

    Assignments are validated too, so that ``report.config = {...}`` after construction is redacted as well.
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="forbid", validate_assignment=True)

    version: int = Field(default=REPORT_VERSION, ge=1, le=REPORT_VERSION, description="Report document version.")
    gaugellm_version: str = Field(default=__version__, description="The gaugellm that wrote the report.")
    created_at: str = Field(default_factory=_now_iso, description="When the report was made, ISO-8601.")
    config: dict[str, Any] = Field(default_factory=dict, description="The run's options; secrets are masked.")
    environment: dict[str, Any] = Field(
        default_factory=dict, description="Python, platform, CPUs, versions (see collect_environment)."
    )
    backend: dict[str, Any] = Field(default_factory=dict, description="What the backend said about itself.")
    token_counting: dict[str, str] = Field(
        default_factory=dict,
        description="How tokens were counted: {'prompt': ..., 'output': ...} (server, tokenizer, estimate ...).",
    )
    benchmarks: list[BenchmarkReport] = Field(default_factory=list)
    capacity: CapacityReport | None = Field(default=None, description="The capacity search's answer (-p capacity).")
    collectors: list[CollectorReport] = Field(
        default_factory=list, description="What each collector sampled beside the load (--collector)."
    )
    timeline: TimelineReport | None = Field(
        default=None, description="The client's figures per window over the run, on the collectors' clock."
    )
    labels: dict[str, str] = Field(
        default_factory=dict, description="The run's key=value labels (--label): shown in reports, matched by compare."
    )
    checks: list[CheckResult] = Field(
        default_factory=list, description="Each check (--check) per benchmark; a failing one fails the run (status 3)."
    )
    complete: bool = Field(default=True, description="False when the run was interrupted; what it measured is kept.")
    error: str | None = Field(default=None, description="Why the run ended early, if it did.")

    @field_validator("config", "environment", "backend", mode="before")
    @classmethod
    def _redact_dicts(cls, value: Any) -> Any:
        return redact(value) if isinstance(value, dict) else value

    @field_validator("error", mode="before")
    @classmethod
    def _redact_error(cls, value: Any) -> Any:
        return redact_text(value) if isinstance(value, str) else value
