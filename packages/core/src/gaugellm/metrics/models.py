"""The summary of one benchmark, as it appears in the JSON report (pydantic, so that it has a JSON Schema).

Times are milliseconds (floats with nanosecond resolution), rates are per second. Every number that cannot be
computed (no successful request, a window of zero length) is ``null`` rather than 0, so that a reader never mistakes
"nothing measured" for "instantaneous". The definitions are in docs/metrics.md.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BenchmarkMetrics",
    "Distribution",
    "ErrorGroup",
    "HistogramBin",
    "LoadSummary",
    "RequestCounts",
    "SloLimitResult",
    "SloSummary",
    "TokenTotals",
]


class _Model(BaseModel):
    model_config: ClassVar[ConfigDict] = ConfigDict(extra="forbid", frozen=True)


class HistogramBin(_Model):
    """``count`` samples lay in ``[low, high)`` (in the distribution's unit)."""

    low: float
    high: float
    count: int = Field(ge=0)


class Distribution(_Model):
    """Summary statistics of one quantity over a benchmark's requests (or tokens, for inter-token gaps)."""

    unit: Literal["ms", "tokens"] = Field(description="ms for times, tokens for lengths.")
    count: int = Field(ge=0, description="Number of samples.")
    mean: float | None = None
    stdev: float | None = Field(default=None, description="Population standard deviation.")
    min: float | None = None
    p50: float | None = None
    p90: float | None = None
    p95: float | None = None
    p99: float | None = None
    max: float | None = None
    exact: bool = Field(
        default=True,
        description="Percentiles computed from every sample; false: from a log histogram, within 0.4 % relative error.",
    )
    bins: list[HistogramBin] = Field(default_factory=list, description="Coarse log-spaced histogram, for charts.")


class RequestCounts(_Model):
    """How the benchmark's requests ended. ``total = successful + errored + incomplete``."""

    total: int = Field(ge=0)
    successful: int = Field(ge=0, description="Finished without an error.")
    errored: int = Field(ge=0, description="Failed (any error kind except cancelled).")
    incomplete: int = Field(ge=0, description="Cancelled by the runner (stop condition, Ctrl-C) before they finished.")


class TokenTotals(_Model):
    """Token counts summed over the successful requests, and where each count came from."""

    prompt_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)
    prompt_sources: dict[str, int] = Field(
        default_factory=dict, description="Successful requests per prompt token count source (server, ..., none)."
    )
    output_sources: dict[str, int] = Field(
        default_factory=dict,
        description="Successful requests per output token count source: server, engine, tokenizer, estimate "
        "(the response's own count), stream (counted from the streamed chunks), none.",
    )
    reasoning_tokens: int | None = Field(
        default=None,
        ge=0,
        description="Output tokens that were a reasoning model's reasoning (null: no request reported any).",
    )
    answer_tokens: int | None = Field(
        default=None,
        ge=0,
        description="Output tokens of the answer, over the requests that reported reasoning tokens (null: none did).",
    )
    cached_prompt_tokens: int | None = Field(
        default=None,
        ge=0,
        description="Prompt tokens the server served from its prefix cache (null: the server never said).",
    )


class ErrorGroup(_Model):
    """Errors of one kind and status code, with one example message."""

    kind: str
    status_code: int | None = None
    count: int = Field(ge=1)
    example: str = Field(description="The first message seen (truncated).")


class SloLimitResult(_Model):
    """One limit of the SLO and how many judged requests broke it."""

    limit: str = Field(description="As written in the config, canonical form, e.g. 'ttft<=500ms'.")
    metric: str
    limit_ms: float
    broken: int = Field(ge=0, description="Requests that broke this limit (a request may break several).")


class SloSummary(_Model):
    """How many requests met the service-level objective. Definitions and statistics: docs/slo.md."""

    limits: list[SloLimitResult]
    judged: int = Field(
        ge=0, description="Successful + failed requests, and cancelled ones that had already broken a limit."
    )
    good: int = Field(ge=0, description="Succeeded and met every limit.")
    failed: int = Field(ge=0, description="Judged requests that failed with an error (never good).")
    attainment: float | None = Field(description="good / judged.")
    attainment_low: float | None = Field(description="Lower end of the Wilson score interval of the attainment.")
    attainment_high: float | None = Field(description="Upper end of the Wilson score interval of the attainment.")
    confidence: float = Field(default=0.95, description="Confidence level of the interval.")
    target: float | None = Field(default=None, description="The attainment the run asked for (--slo-attainment).")
    met: bool | None = Field(
        default=None,
        description="True: the interval lies at or above the target; false: below it; null: it straddles the target.",
    )
    goodput: float | None = Field(description="Good requests per second over the window.")
    good_output_tokens_per_s: float | None = Field(description="Output tokens of good requests per second.")


class LoadSummary(_Model):
    """Whether an open-loop (rate) stage's load was sustainable: the trend of latency from the schedule."""

    target_rate: float | None = Field(
        default=None, description="The rate the stage was asked to send: requests/s, or conversations begun/s."
    )
    achieved_ratio: float | None = Field(
        default=None,
        description="Successful requests/s over the window divided by the target rate (with conversations: "
        "successful first turns/s).",
    )
    points: int = Field(ge=0, description="Successful measured requests the trend was fitted on.")
    latency_growth: float | None = Field(
        description="Slope of latency from schedule against scheduled time: seconds of extra latency per second."
    )
    latency_growth_low: float | None = Field(description="Lower end of the slope's 95 % confidence interval.")
    latency_growth_high: float | None = Field(description="Upper end of the slope's 95 % confidence interval.")
    growth_ms: float | None = Field(description="How much the fitted latency rose across the stage, ms.")
    sustainable: bool | None = Field(
        description="False when a queue clearly built up (docs/slo.md); null when there was too little to tell."
    )


class BenchmarkMetrics(_Model):
    """Everything measured in one benchmark (one profile stage). See docs/metrics.md for each definition."""

    duration_s: float = Field(description="The throughput window: ended_ns - started_ns of the benchmark, seconds.")
    requests: RequestCounts
    error_rate: float | None = Field(description="errored / (successful + errored); cancelled requests excluded.")
    request_rate: float | None = Field(description="Successful requests per second over the window.")
    output_tokens_per_s: float | None = Field(
        description="Output tokens of successful requests per second; null when none had output (embeddings)."
    )
    prompt_tokens_per_s: float | None = Field(
        default=None, description="Prompt (input) tokens of successful requests per second."
    )
    total_tokens_per_s: float | None = Field(description="Prompt + output tokens of successful requests per second.")
    concurrency: float | None = Field(
        description="Mean number of requests in flight: sum of every request's dispatch-to-end time / window."
    )
    tokens: TokenTotals
    ttft: Distribution = Field(description="Time to first token: first token - dispatch.")
    ttft_from_schedule: Distribution = Field(description="First token - scheduled time (coordinated omission).")
    itl: Distribution = Field(description="Per request: (last token - first token) / (output tokens - 1).")
    inter_token_gap: Distribution = Field(
        description="Per token: each inter-chunk gap divided by the tokens of the later chunk, weighted by them."
    )
    tpot: Distribution = Field(description="Per request: (latency - TTFT) / (output tokens - 1).")
    latency: Distribution = Field(description="End-to-end: end - dispatch.")
    latency_from_schedule: Distribution = Field(description="End - scheduled time (coordinated omission).")
    dispatch_lag: Distribution = Field(description="Dispatch - scheduled time, for every request (pacing error).")
    prompt_length: Distribution = Field(description="Prompt tokens per successful request (where known).")
    output_length: Distribution = Field(description="Output tokens per successful request.")
    time_to_first_reasoning_token: Distribution | None = Field(
        default=None,
        description="First reasoning token - dispatch, over requests that streamed reasoning (null: none did).",
    )
    time_to_first_answer_token: Distribution | None = Field(
        default=None,
        description="First answer token - dispatch, over requests that streamed reasoning (null: none did).",
    )
    tool_calls: int | None = Field(
        default=None, ge=0, description="Tool calls made by successful requests (null: no request made any)."
    )
    tool_call_requests: int | None = Field(
        default=None, ge=0, description="Successful requests that made at least one tool call (null: none did)."
    )
    errors: list[ErrorGroup] = Field(default_factory=list, description="Errors by kind and status code.")
    slo: SloSummary | None = Field(default=None, description="SLO attainment and goodput (null without --slo).")
    load: LoadSummary | None = Field(default=None, description="Sustainability of a rate stage (null otherwise).")
