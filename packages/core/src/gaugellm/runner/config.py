"""``RunConfig``: a whole run as one validated model (what ``--config FILE`` holds and the report records).

``backend``, ``executor`` and each of ``collectors`` are plugin args: validating ``{"type": "openai_http", ...}``
loads only that plugin's args class (:func:`gaugellm.plugins.resolve.args_validator`), and dumping masks secrets,
so ``config.model_dump(mode="json")`` is safe to write into a report. The scheduler's own checks (a profile that
needs a rate, a warm-up longer than the run) turn into :class:`~gaugellm.errors.RunConfigError` with one readable
line, like every other user error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator
from pydantic import ValidationError as PydanticValidationError

from gaugellm import bounds
from gaugellm.backend.args import BackendArgs, describe_validation_error
from gaugellm.collector.args import CollectorArgs
from gaugellm.data.trace import Trace, TraceFormat, TraceRecord, read_trace
from gaugellm.errors import BackendArgsError, GaugeError, RunConfigError, validation_problems
from gaugellm.metrics.slo import SloSet, normalise_slo, parse_slo
from gaugellm.plugins.resolve import args_validator
from gaugellm.runner.executor.args import ExecutorArgs, LocalExecutorArgs
from gaugellm.runner.scheduler.arrivals import MAX_BURSTINESS
from gaugellm.runner.scheduler.capacity import LOOKS, CapacitySearch, ProbeRule
from gaugellm.runner.scheduler.limits import StageLimits, parse_error_limit, parse_window
from gaugellm.runner.scheduler.profiles import DEFAULT_THROUGHPUT_CONCURRENCY, Plan, ProfileKind, make_profile
from gaugellm.runner.scheduler.ramp import check_ramp
from gaugellm.runner.scheduler.replay import replay_profile

__all__ = ["DEFAULT_MAX_CONCURRENCY_PROBED", "DEFAULT_PROBE_SECONDS", "RunConfig", "load_config_file"]

#: A capacity probe runs at most this long unless --max-seconds says otherwise.
DEFAULT_PROBE_SECONDS = 30.0
#: A capacity search by concurrency tries at most this many streams unless --concurrency says otherwise.
DEFAULT_MAX_CONCURRENCY_PROBED = 1024

#: Options that only one profile reads, and how to ask for that profile.
_PROFILE_OPTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "replay": (
        ("trace", "trace_format", "speedup", "trace_start", "trace_duration", "block_tokens"),
        "-p replay --trace FILE",
    ),
    "capacity": (("capacity_by", "budget", "precision"), "-p capacity"),
}

_LABEL_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(s|m|min|h)?\s*$")
_DURATION_UNITS = {None: 1.0, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


class TrafficClass(BaseModel):
    """One workload of a mixed run (``--class NAME=SHARE:DATA``): its name, its share of requests, its data."""

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="forbid", hide_input_in_errors=True, allow_inf_nan=False)

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", description="The class.")
    share: float = Field(gt=0, le=1_000_000, description="Its weight; the shares of a run are normalised to 1.")
    data: str | dict[str, Any] | None = Field(default=None, description="Its data, like --data (default synthetic).")


class RunConfig(BaseModel):
    """Everything one ``gaugellm run`` does. Field names are the CLI's options with underscores."""

    model_config: ClassVar[ConfigDict] = ConfigDict(
        extra="forbid",
        hide_input_in_errors=True,
        allow_inf_nan=False,  # every number finite: see gaugellm.bounds
    )

    backend: Annotated[BackendArgs, args_validator("backend")] = Field(
        description="The backend's args; 'type' names the backend."
    )
    executor: Annotated[ExecutorArgs, args_validator("executor")] = Field(
        default_factory=LocalExecutorArgs, description="Where the workers run; 'type' names the executor."
    )
    collectors: list[Annotated[CollectorArgs, args_validator("collector")]] = Field(
        default_factory=list,
        max_length=bounds.MAX_COLLECTORS,
        description="What is sampled beside the load; each one's 'type' names the collector.",
    )
    profile: ProfileKind = Field(default="synchronous", description="How requests are sent (see docs/runner.md).")
    rate: list[Annotated[float, Field(gt=0, le=bounds.MAX_RATE)]] = Field(
        default_factory=list,
        description="Requests per second (constant, poisson; several: one stage each); sweep: how many rates to try.",
    )
    concurrency: int | None = Field(
        default=None, ge=1, le=bounds.MAX_CONCURRENCY, description="Streams (concurrent) or bound (throughput)."
    )
    burstiness: float = Field(
        default=1.0,
        gt=0,
        le=MAX_BURSTINESS,
        description="poisson: shape of the gamma gaps; 1 is Poisson, below 1 burstier, above 1 more regular.",
    )
    ramp_up: float | None = Field(
        default=None,
        gt=0,
        le=bounds.MAX_SECONDS,
        description="constant, poisson: seconds over which the rate grows from 0; left out of the results.",
    )
    classes: list[TrafficClass] = Field(
        default_factory=list,
        max_length=bounds.MAX_TRAFFIC_CLASSES,
        description="Traffic classes (--class): several workloads in one run, each with its share of the requests "
        "and its own figures in the report (docs/workloads.md); instead of data.",
    )
    data: str | dict[str, Any] | None = Field(
        default=None, description="Synthetic spec or a data file; see docs/data.md."
    )
    max_requests: int | None = Field(
        default=None, ge=1, le=bounds.MAX_REQUESTS, description="Requests per stage, warm-up included."
    )
    max_seconds: float | None = Field(
        default=None, gt=0, le=bounds.MAX_SECONDS, description="Seconds per stage, warm-up included."
    )
    max_errors: float | None = Field(
        default=None, gt=0, le=bounds.MAX_REQUESTS, description="Stop after N errors, or above an error rate < 1."
    )
    warmup: str | None = Field(default=None, description="Left out of the results: N requests, a fraction, or Ts.")
    cooldown: str | None = Field(default=None, description="Left out at the end: N requests, a fraction, or Ts.")
    tokenizer: str | None = Field(default=None, description="A tokenizer.json or model folder for exact counts.")
    seed: int = Field(
        default=42, ge=bounds.SEED_RANGE[0], le=bounds.SEED_RANGE[1], description="Seeds data and poisson arrivals."
    )
    output: list[str] = Field(default_factory=list, description="Report files; the format follows the extension.")
    workers: int | None = Field(
        default=None, ge=1, le=bounds.MAX_WORKERS, description="Worker processes; default: fits CPUs and backend."
    )
    records: bool = Field(default=True, description="Keep per-request records in the JSON report.")
    push_gateway: str | None = Field(
        default=None, description="A Prometheus Pushgateway to push the report's figures to at the end (http URL)."
    )
    otlp_endpoint: str | None = Field(
        default=None,
        description="An OTLP/HTTP receiver to export the report's figures to at the end (http URL; needs the "
        "extra gaugellm[otlp]).",
    )
    timeline_window: float = Field(
        default=1.0,
        ge=bounds.MIN_TIMELINE_WINDOW_S,
        le=bounds.MAX_TIMELINE_WINDOW_S,
        description="Seconds per window of the run's timeline (the client's figures over time).",
    )
    startup_timeout: float = Field(
        default=bounds.DEFAULT_STARTUP_TIMEOUT_S,
        gt=0,
        le=bounds.MAX_STARTUP_TIMEOUT_S,
        description="Seconds for the workers to start and the backend to pass its readiness check.",
    )
    slo: list[str] = Field(
        default_factory=list,
        description="Per-request limits, e.g. 'ttft<=500ms,tpot<=50ms' (metrics: ttft, itl, tpot, latency, "
        "ttft_from_schedule, latency_from_schedule; units ms or s); see docs/slo.md.",
    )
    labels: dict[str, str] = Field(
        default_factory=dict,
        description="key=value labels of the run (--label): shown in every report, matched by `gaugellm compare`.",
    )
    checks: list[str] = Field(
        default_factory=list,
        max_length=bounds.MAX_CHECKS,
        description="Pass/fail checks (--check), e.g. 'ttft.p99<=300ms' or 'error_rate<1%': evaluated per benchmark "
        "at the end; a failing one makes the run exit with status 3 (docs/checks.md).",
    )
    slo_attainment: float = Field(
        default=0.99,
        gt=0,
        lt=1,
        description="Share of requests that must meet the SLO (0.99 or '99%').",
    )
    capacity_by: Literal["rate", "concurrency"] = Field(
        default="rate", description="capacity profile: search the highest request rate, or concurrency."
    )
    budget: float | None = Field(
        default=None,
        gt=0,
        le=bounds.MAX_BUDGET_S,
        description="capacity profile: the most seconds the whole search may take ('10m').",
    )
    precision: float = Field(
        default=0.03,
        gt=0,
        lt=0.5,
        description="capacity profile: stop when the bracket is this narrow (relative).",
    )
    trace: str | None = Field(default=None, description="replay profile: the trace file to replay (docs/workloads.md).")
    trace_format: TraceFormat | None = Field(
        default=None, description="mooncake, azure, burstgpt or gaugellm; default: recognised from the file."
    )
    speedup: float = Field(
        default=1.0, gt=0, le=bounds.MAX_SPEEDUP, description="replay profile: replay this many times faster."
    )
    trace_start: float = Field(
        default=0.0, ge=0, le=bounds.MAX_TRACE_SECONDS, description="replay profile: skip the trace's first seconds."
    )
    trace_duration: float | None = Field(
        default=None, gt=0, le=bounds.MAX_TRACE_SECONDS, description="replay profile: replay this many seconds."
    )
    block_tokens: int = Field(
        default=512,
        ge=1,
        le=bounds.MAX_TOKENS_PER_REQUEST,
        description="replay profile: tokens per hash-id block of the trace.",
    )
    price_per_hour: float | None = Field(
        default=None,
        gt=0,
        le=bounds.MAX_PRICE_PER_HOUR,
        description="What the deployment costs per hour: adds cost per million output tokens.",
    )

    @field_validator("rate", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            return [value]
        return value

    @field_validator(
        "concurrency", "max_requests", "max_seconds", "max_errors", "seed", "workers", "timeline_window", mode="before"
    )
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):  # pydantic would read true as 1: a config file's mistake, not a number
            raise ValueError("must be a number, not true or false")
        return value

    @field_validator("warmup", "cooldown", mode="before")
    @classmethod
    def _window_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    _trace: Trace | None = PrivateAttr(default=None)
    _window: list[TraceRecord] | None = PrivateAttr(default=None)

    @field_validator("slo", mode="before")
    @classmethod
    def _slo_limits(cls, value: Any) -> Any:
        return normalise_slo(value)

    @field_validator("labels", mode="before")
    @classmethod
    def _labels(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        if len(value) > bounds.MAX_LABELS:
            raise ValueError(f"at most {bounds.MAX_LABELS} labels")
        labels: dict[str, str] = {}
        for key, text in value.items():
            if not isinstance(key, str) or not _LABEL_KEY.match(key) or len(key) > bounds.MAX_LABEL_KEY:
                raise ValueError(
                    f"label key {str(key)[:40]!r} must start with a letter and hold only letters, digits, _ . -"
                    f" (at most {bounds.MAX_LABEL_KEY} characters)"
                )
            if isinstance(text, bool) or not isinstance(text, str | int | float):
                raise ValueError(f"label {key!r} must be a string")
            if len(str(text)) > bounds.MAX_LABEL_VALUE:
                raise ValueError(f"label {key!r} is longer than {bounds.MAX_LABEL_VALUE} characters")
            labels[key] = str(text)
        return labels

    @field_validator("checks", mode="before")
    @classmethod
    def _checks(cls, value: Any) -> Any:
        texts = [value] if isinstance(value, str) else value
        if isinstance(texts, list):
            from gaugellm.reports.checks import parse_check

            for text in texts:
                if isinstance(text, str):
                    parse_check(text)  # a ValueError says what is wrong, before anything runs
        return texts

    @field_validator("slo_attainment", mode="before")
    @classmethod
    def _attainment(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().endswith("%"):
            try:
                return float(value.strip()[:-1]) / 100
            except ValueError:
                raise ValueError(f"{value!r} is not a percentage") from None
        return value

    @field_validator("budget", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = _DURATION.match(value.lower())
            if match is None:
                raise ValueError(f"{value!r} is not a duration; write e.g. 300, 300s, 10m or 1h")
            return float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        return value

    @field_validator("ramp_up", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().endswith("s"):
            return value.strip()[:-1].strip()  # "10s" as well as "10", like the windows' seconds
        return value

    @field_validator("push_gateway")
    @classmethod
    def _gateway(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from gaugellm.reports.errors import ReportError
        from gaugellm.reports.push import check_gateway_url

        try:
            return check_gateway_url(value)
        except ReportError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("otlp_endpoint")
    @classmethod
    def _otlp(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from gaugellm.reports.errors import ReportError
        from gaugellm.reports.otlp import otlp_metrics_url

        try:
            otlp_metrics_url(value)
        except ReportError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("output", mode="before")
    @classmethod
    def _outputs(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    # -- checked once, readable ----------------------------------------------------------------------------------

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> RunConfig:
        """Validate, turning every problem into one readable :class:`GaugeError` line (secrets never shown)."""
        try:
            config = cls.model_validate(dict(data))
        except PydanticValidationError as exc:
            backend_problem = next((e for e in exc.errors() if e["loc"] and e["loc"][0] == "backend"), None)
            if backend_problem is not None:
                cause = _cause(backend_problem)
                if isinstance(cause, GaugeError):
                    raise cause from None
                if all(e["loc"] and e["loc"][0] == "backend" for e in exc.errors()):
                    backend = data.get("backend")
                    name = backend.get("type") if isinstance(backend, Mapping) else None
                    raise BackendArgsError(_backend_message(exc, name)) from None
            raise RunConfigError(
                describe_validation_error(exc).replace("invalid arguments for", "invalid", 1)
            ) from None
        limits = config.limits()  # the scheduler's checks, now rather than after the workers started
        config.profile_plan()
        check_ramp(config.ramp_up, config.rate, limits)
        config._check_search_options()
        config._check_classes()
        return config

    def _check_classes(self) -> None:
        from gaugellm.reports.checks import parse_checks

        names = [c.name for c in self.classes]
        for check in parse_checks(self.checks):
            if check.traffic_class is not None and check.traffic_class not in names:
                known = f"its classes are {', '.join(names)}" if names else "it has no --class"
                raise RunConfigError(
                    f"check {check.text!r}: no traffic class {check.traffic_class!r} in this run; {known}"
                )
        if not self.classes:
            return
        if self.data is not None:
            raise RunConfigError(
                "--class and --data exclude each other: give each class its own data (NAME=SHARE:DATA)"
            )
        if self.profile == "replay":
            raise RunConfigError("--class does not apply to -p replay: a trace brings its own requests")
        names = [c.name for c in self.classes]
        twice = next((name for name in names if names.count(name) > 1), None)
        if twice is not None:
            raise RunConfigError(f"traffic class {twice!r} is given twice")

    def _check_search_options(self) -> None:
        given = self.model_fields_set
        for profile, (names, how) in _PROFILE_OPTIONS.items():
            used = [name for name in names if name in given]
            if used and self.profile != profile:
                option = "--" + used[0].replace("_", "-")
                raise RunConfigError(f"{option} applies only to the {profile} profile ({how})")
        if "slo_attainment" in given and not self.slo:
            raise RunConfigError("--slo-attainment needs --slo (the limits whose attainment it sets)")

    @property
    def probe_seconds(self) -> float | None:
        """Each stage's time limit; a capacity search without one gets :data:`DEFAULT_PROBE_SECONDS` per probe."""
        if self.max_seconds is None and self.profile == "capacity":
            return DEFAULT_PROBE_SECONDS
        return self.max_seconds

    def slo_set(self) -> SloSet | None:
        return SloSet(parse_slo(self.slo)) if self.slo else None

    def limits(self) -> StageLimits:
        return StageLimits(
            max_requests=self.max_requests,
            max_seconds=self.probe_seconds,
            errors=parse_error_limit(self.max_errors),
            warmup=parse_window(self.warmup, "--warmup"),
            cooldown=parse_window(self.cooldown, "--cooldown"),
            bounded_by_plan=self.profile == "replay",
        )

    def replay_trace(self) -> Trace:
        """The trace of a replay, read once (a bad file is a :class:`~gaugellm.errors.DataError`)."""
        if self.trace is None:
            raise RunConfigError("the replay profile needs --trace FILE (see docs/workloads.md for the formats)")
        if self._trace is None:
            self._trace = read_trace(self.trace, self.trace_format)
        return self._trace

    def replay_window(self) -> list[TraceRecord]:
        """The records of the replayed window, selected once (the profile and the data set both need them)."""
        if self._window is None:
            self._window = self.replay_trace().window(self.trace_start, self.trace_duration)
        return self._window

    def profile_plan(self) -> Plan:
        if self.profile == "capacity":
            return self._capacity_search()
        if self.profile == "replay":
            if self.rate or self.concurrency is not None or self.data is not None:
                raise RunConfigError(
                    "the replay profile takes its times and lengths from --trace: remove --rate, --concurrency, --data"
                )
            if self.burstiness != 1.0 or self.ramp_up is not None:
                raise RunConfigError("--burstiness and --ramp-up do not apply to a replay (its times are recorded)")
            return replay_profile(self.replay_window(), speedup=self.speedup, seed=self.seed)
        return make_profile(
            self.profile,
            rates=self.rate,
            concurrency=self.concurrency,
            seed=self.seed,
            burstiness=self.burstiness,
            ramp_up_s=self.ramp_up,
        )

    def _capacity_search(self) -> CapacitySearch:
        if not self.slo:
            raise RunConfigError(
                "the capacity profile needs --slo: the limits the capacity is measured against, e.g. --slo ttft<=500ms"
            )
        if self.rate:
            raise RunConfigError("--rate does not apply to the capacity profile (it finds the rate); remove it")
        if self.burstiness != 1.0 or self.ramp_up is not None:
            raise RunConfigError(
                "--burstiness and --ramp-up do not apply to the capacity profile (its probes are constant)"
            )
        if self.max_requests is not None:
            raise RunConfigError(
                "the capacity profile's probes are bounded by time: use --max-seconds (per probe), not --max-requests"
            )
        seconds = self.probe_seconds
        assert seconds is not None
        shortest = seconds / LOOKS
        if self.budget is not None and self.budget < 3 * shortest:
            raise RunConfigError(
                f"--budget {self.budget:g}s is too small to decide: a search needs a throughput stage and two probes "
                f"of at least {shortest:g} s each ({3 * shortest:g} s; a probe is first judged after a quarter of "
                f"--max-seconds {seconds:g}); raise --budget or lower --max-seconds"
            )
        default_bound = DEFAULT_THROUGHPUT_CONCURRENCY if self.capacity_by == "rate" else DEFAULT_MAX_CONCURRENCY_PROBED
        return CapacitySearch(
            rule=ProbeRule(target=self.slo_attainment),
            probe_seconds=seconds,
            by=self.capacity_by,
            precision=self.precision,
            budget_s=self.budget,
            bound=self.concurrency or default_bound,
            seed=self.seed,
        )

    def redacted(self) -> dict[str, Any]:
        """JSON-safe, secrets masked: for the report."""
        return self.model_dump(mode="json")


def _cause(error: Any) -> BaseException | None:
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    return cause if isinstance(cause, BaseException) else None


def _backend_message(exc: PydanticValidationError, name: object) -> str:
    which = f"backend {name!r}" if isinstance(name, str) else "the backend"
    return f"invalid arguments for {which}: " + validation_problems(exc, skip_loc=1)


def load_config_file(path: str | Path) -> dict[str, Any]:
    """Read a run config from JSON or YAML (by extension; YAML needs PyYAML). Keys may use dashes or underscores.

    Every way a file can be wrong (missing, not text, too big, a syntax error) is one line naming the file, and the
    line and column where a parser gave up; see :mod:`gaugellm.runner.config_file`.
    """
    from gaugellm.runner.config_file import parse_config_text, read_config_text

    target = Path(path)
    loaded = parse_config_text(read_config_text(target), target)
    if not isinstance(loaded, dict):
        raise RunConfigError(f"config file {str(target)!r} must hold a mapping of options")
    return {str(key).replace("-", "_"): value for key, value in loaded.items()}
