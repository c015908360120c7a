"""``RunConfig``: a whole run as one validated model (what ``--config FILE`` holds and the report records).

``backend`` is a :class:`~gaugellm.BackendArgs`: validating ``{"type": "openai_http", ...}`` loads only that plugin's
args class, and dumping masks its secrets, so ``config.model_dump(mode="json")`` is safe to write into a report.
The scheduler's own checks (a profile that needs a rate, a warm-up longer than the run) turn into
:class:`~gaugellm.errors.RunConfigError` with one readable line, like every other user error.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from gaugellm import bounds
from gaugellm.backend.args import BackendArgs, describe_validation_error
from gaugellm.errors import BackendArgsError, GaugeError, RunConfigError, validation_problems
from gaugellm.runner.scheduler.limits import StageLimits, parse_error_limit, parse_window
from gaugellm.runner.scheduler.profiles import Profile, ProfileKind, make_profile

__all__ = ["RunConfig", "load_config_file"]


class RunConfig(BaseModel):
    """Everything one ``gaugellm run`` does. Field names are the CLI's options with underscores."""

    model_config: ClassVar[ConfigDict] = ConfigDict(
        extra="forbid",
        hide_input_in_errors=True,
        allow_inf_nan=False,  # every number finite: see gaugellm.bounds
    )

    backend: BackendArgs = Field(description="The backend's args; 'type' names the backend.")
    profile: ProfileKind = Field(default="synchronous", description="How requests are sent (see docs/runner.md).")
    rate: list[Annotated[float, Field(gt=0, le=bounds.MAX_RATE)]] = Field(
        default_factory=list,
        description="Requests per second (constant, poisson; several: one stage each); sweep: how many rates to try.",
    )
    concurrency: int | None = Field(
        default=None, ge=1, le=bounds.MAX_CONCURRENCY, description="Streams (concurrent) or bound (throughput)."
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
    startup_timeout: float = Field(
        default=bounds.DEFAULT_STARTUP_TIMEOUT_S,
        gt=0,
        le=bounds.MAX_STARTUP_TIMEOUT_S,
        description="Seconds for the workers to start and the backend to pass its readiness check.",
    )

    @field_validator("rate", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            return [value]
        return value

    @field_validator("concurrency", "max_requests", "max_seconds", "max_errors", "seed", "workers", mode="before")
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):  # pydantic would read true as 1: a config file's mistake, not a number
            raise ValueError("must be a number, not true or false")
        return value

    @field_validator("warmup", "cooldown", mode="before")
    @classmethod
    def _window_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

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
        config.limits()  # the scheduler's checks, now rather than after the workers started
        config.profile_plan()
        return config

    def limits(self) -> StageLimits:
        return StageLimits(
            max_requests=self.max_requests,
            max_seconds=self.max_seconds,
            errors=parse_error_limit(self.max_errors),
            warmup=parse_window(self.warmup, "--warmup"),
            cooldown=parse_window(self.cooldown, "--cooldown"),
        )

    def profile_plan(self) -> Profile:
        return make_profile(self.profile, rates=self.rate, concurrency=self.concurrency, seed=self.seed)

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
