"""The JSON report: one versioned document that is the source of truth for every other rendering.

Console tables, CSV and HTML are all rendered from a :class:`RunReport`, and ``gaugellm report FILE`` rebuilds one
from a saved file, so nothing a rendering shows can be missing from the JSON. ``version`` changes whenever a reader
of an older version could misread a newer document; the JSON Schema of each version is committed under
``gaugellm/reports/schema/``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gaugellm.__about__ import __version__
from gaugellm.metrics.models import BenchmarkMetrics
from gaugellm.metrics.records import RequestRecords
from gaugellm.reports.redaction import redact, redact_text

__all__ = ["REPORT_VERSION", "BenchmarkReport", "RunReport"]

#: The version of the report document this gaugellm writes (and the newest it reads).
REPORT_VERSION = 1


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


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

    @field_validator("profile", mode="before")
    @classmethod
    def _redact_profile(cls, value: Any) -> Any:
        return redact(value) if isinstance(value, dict) else value


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
