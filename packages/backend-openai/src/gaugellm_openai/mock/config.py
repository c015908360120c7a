"""``MockServerConfig``: how the simulated server behaves — its timing, its output, its stream shapes and its faults.

A pydantic model (frozen, so one config is shared safely by every connection) that crosses into a child process as
JSON and is built from the CLI's flags.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["MockServerConfig"]

#: The longest delay the server simulates, in milliseconds: longer is a typo, and would overflow timers.
MAX_DELAY_MS = 3_600_000.0
#: The most tokens a response, a chunk or a fault position can name.
MAX_TOKENS = 10_000_000

_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


class MockServerConfig(BaseModel):
    """Everything the simulated OpenAI-compatible server can be told. Defaults: a fast, faultless vLLM look-alike."""

    model_config: ClassVar[ConfigDict] = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    host: str = Field(default="127.0.0.1", description="Address to bind (loopback by default).")
    port: int = Field(default=0, ge=0, le=65535, description="Port to bind; 0 picks a free one.")
    model: str = Field(default="gaugellm-mock", description="The one model served (listed by /v1/models).")
    ttft_ms: float = Field(
        default=0.0, ge=0, le=MAX_DELAY_MS, description="Time to first token, from the request's arrival."
    )
    itl_ms: float = Field(default=0.0, ge=0, le=MAX_DELAY_MS, description="Time between tokens.")
    output_tokens: str = Field(
        default="64",
        description="Tokens per response: 'N', or 'A-B' drawn uniformly per request (seeded); max_tokens caps it.",
    )
    seed: int = Field(
        default=0,
        ge=-(2**63),
        le=2**63 - 1,
        description="Seed of the draws (output lengths and faults): runs repeat exactly.",
    )
    usage: bool = Field(default=True, description="Report usage (streams: when stream_options.include_usage asks).")
    tokens_per_chunk: int = Field(default=1, ge=1, le=MAX_TOKENS, description="Tokens carried by each streamed chunk.")
    keepalive_every: int = Field(
        default=0,
        ge=0,
        le=MAX_TOKENS,
        description="Send a ': keep-alive' comment and a blank line before every Nth chunk (0: never).",
    )
    multiline_data: bool = Field(default=False, description="Split each event's JSON over two 'data:' lines.")
    finish_chunk: Literal["last_token", "separate"] = Field(
        default="last_token",
        description="Where finish_reason goes: on the last token's chunk (vLLM) or a chunk of its own (OpenAI).",
    )
    error_rate: float = Field(default=0.0, ge=0, le=1, description="Fraction of requests answered with an error.")
    error_status: int = Field(default=500, ge=400, le=599, description="HTTP status of injected errors.")
    stall_rate: float = Field(default=0.0, ge=0, le=1, description="Fraction of streams that stall mid-way.")
    stall_ms: float = Field(default=0.0, ge=0, le=MAX_DELAY_MS, description="How long a stall lasts.")
    drop_rate: float = Field(default=0.0, ge=0, le=1, description="Fraction of streams whose connection is dropped.")
    malformed_rate: float = Field(
        default=0.0, ge=0, le=1, description="Fraction of streams with a chunk that is not valid JSON."
    )
    fault_after_tokens: int | None = Field(
        default=None,
        ge=0,
        le=MAX_TOKENS,
        description="Token index where stalls, drops and malformed chunks strike (default: half).",
    )
    max_streams: int | None = Field(
        default=None,
        ge=0,
        description="Requests served at once; more wait in one FIFO queue (None or 0: unlimited, none ever waits).",
    )
    reasoning_tokens: int = Field(
        default=0,
        ge=0,
        le=MAX_TOKENS,
        description=(
            "The first N tokens of each answer are reasoning (chat: delta.reasoning_content; responses: "
            "response.reasoning_text.delta; completions: plain text), counted in the output and its usage."
        ),
    )
    cached_tokens: int = Field(
        default=0,
        ge=0,
        le=MAX_TOKENS,
        description="Prompt tokens reported as served from the prefix cache (at most the prompt; 0: not reported).",
    )
    record_requests: str | None = Field(
        default=None,
        description=(
            "Append each generation request received to this JSON-lines file (arrival time on the monotonic clock, "
            "number, endpoint, body, tokens answered): what a test checks the server got, e.g. a conversation's "
            "history."
        ),
    )
    tool_calls: bool = Field(
        default=False,
        description="Answer a chat or responses request that offers tools with a call of its first function.",
    )
    embedding_dim: int = Field(default=8, ge=1, le=65536, description="Length of every embedding vector answered.")
    pooling_ms: float = Field(
        default=0.0,
        ge=0,
        le=MAX_DELAY_MS,
        description="Time to answer an embeddings, rerank or score request, from its arrival (or admission).",
    )
    itl_growth_ms: float = Field(
        default=0.0, ge=0, description="Extra time between tokens per other stream being served (batch-size effect)."
    )
    kv_cache_tokens: int = Field(
        default=65_536,
        ge=1,
        le=2**40,
        description=(
            "The simulated KV cache's size in tokens: /metrics reports vllm:kv_cache_usage_perc as the prompt and "
            "generated tokens of the requests being served over this (capped at 1; nothing is preempted)."
        ),
    )

    @field_validator("output_tokens", mode="before")
    @classmethod
    def _range_text(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, list | tuple) and len(value) == 2:
            value = f"{value[0]}-{value[1]}"
        if not isinstance(value, str):
            return value
        match = _RANGE.match(value)
        if match is None:
            raise ValueError("output_tokens must be 'N' or 'A-B' (e.g. '64' or '32-128')")
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if low < 1 or high < low or high > MAX_TOKENS:
            raise ValueError(f"output_tokens needs 1 <= A <= B <= {MAX_TOKENS}")
        return str(low) if low == high else f"{low}-{high}"

    @property
    def output_range(self) -> tuple[int, int]:
        """``output_tokens`` as ``(low, high)``, both inclusive."""
        low, _, high = self.output_tokens.partition("-")
        return int(low), int(high or low)

    @property
    def paced(self) -> bool:
        """Whether any chunk waits (otherwise a whole response is written at once)."""
        return (
            self.ttft_ms > 0
            or self.itl_ms > 0
            or self.itl_growth_ms > 0
            or self.pooling_ms > 0
            or (self.stall_rate > 0 and self.stall_ms > 0)
        )

    @property
    def stream_limit(self) -> int | None:
        """``max_streams`` with 0 read as unlimited (None)."""
        return self.max_streams or None
