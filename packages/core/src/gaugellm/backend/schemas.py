"""What a backend is asked to do and what it reports back.

These are plain slotted dataclasses, not pydantic models: one request and one response exist per generated
request, at thousands per second, and they travel between processes in batches. Validation happens once, when the
data set is built; the hot path only appends integers.

All timestamps are integers from :func:`time.perf_counter_ns`. On Linux that clock is ``CLOCK_MONOTONIC``, which every
process of the machine shares, so a worker's timestamps compare directly with the runner's.
"""

from __future__ import annotations

import enum
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "ErrorKind",
    "FollowUp",
    "GenerationRequest",
    "GenerationResponse",
    "ResponseError",
    "TokenCountSource",
]

#: Where a token count came from, from most to least trustworthy:
#: ``server`` (the server's ``usage``), ``engine`` (an in-process engine's token ids), ``tokenizer`` (a local tokenizer
#: counted the text), ``estimate`` (a heuristic on the text), ``none`` (nothing was counted).
TokenCountSource = Literal["server", "engine", "tokenizer", "estimate", "none"]


class ErrorKind(str, enum.Enum):
    """Why a request failed. Reports group errors by kind, so backends should pick the closest one."""

    HTTP_STATUS = "http_status"  # the server answered with a 4xx / 5xx status
    CONNECT = "connect"  # no connection could be made (refused, DNS, TLS)
    TIMEOUT = "timeout"  # connect, read or total timeout
    PROTOCOL = "protocol"  # the server answered something that could not be parsed
    INCOMPLETE = "incomplete"  # the stream ended before the server said it was done
    CANCELLED = "cancelled"  # the runner cancelled the request (stop condition, Ctrl-C)
    BACKEND = "backend"  # anything else that went wrong inside the backend


@dataclass(slots=True)
class ResponseError:
    """An error record: kept on the response so that a failed request is counted, never lost."""

    kind: ErrorKind
    message: str
    status_code: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "message": self.message, "status_code": self.status_code}


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A later turn of a conversation: the user's next message, sent after the previous answer and a think time.

    ``recorded_answer``, when set, goes into the history as the previous turn's answer instead of the answer the server
    gave (a data set sets it only when asked for recorded history, ``history=recorded``).
    ``prompt_tokens`` counts this message alone, where the data set knows it.
    """

    content: str
    max_tokens: int | None = None
    think_s: float = 0.0
    prompt_tokens: int | None = None
    recorded_answer: str | None = None


@dataclass(slots=True)
class GenerationRequest:
    """One request to generate text: chat messages or a plain prompt, and an output budget.

    ``params`` carries extra generation parameters (sampling settings and the like) that the backend merges into what
    it sends. ``prompt_tokens`` is the prompt's size when the data set knows it (synthetic data built with a tokenizer).
    ``traffic_class`` names the workload the request belongs to in a mixed run (``--class``); backends ignore it, the
    runner reports each class's figures apart.

    A conversation's first request carries its later turns in ``follow_ups`` (chat only): the worker that sends it
    sends each next turn itself, after the answer arrived and the turn's think time passed, with the history in its
    messages. ``turn`` is the request's place in its conversation (1 for the first), ``None`` outside conversations.
    Backends ignore both.
    """

    request_id: str
    prompt: str | None = None
    messages: list[dict[str, Any]] | None = None
    max_tokens: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    prompt_tokens: int | None = None
    traffic_class: str | None = None
    turn: int | None = None
    follow_ups: tuple[FollowUp, ...] = ()

    def __post_init__(self) -> None:
        if (self.prompt is None) == (self.messages is None):
            raise ValueError("a GenerationRequest holds either a prompt or chat messages, exactly one of them")
        if self.max_tokens is not None and self.max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {self.max_tokens}")

    @property
    def is_chat(self) -> bool:
        return self.messages is not None


@dataclass(slots=True)
class GenerationResponse:
    """The record of one request, filled in by the backend while the request runs.

    The runner creates it (stamping ``scheduled_ns`` and ``dispatched_ns``) and hands it to
    :meth:`gaugellm.Backend.resolve`. The backend calls :meth:`record_chunk` as each piece of output arrives, which
    stamps the time right there, where the data arrives; :meth:`set_usage` when it knows token counts;
    :meth:`fail` on an error. The runner reads the record when ``resolve`` returns.

    ``on_first_token`` is a hook for the runner (live progress, time-to-first-token stop conditions); it is called
    synchronously by :meth:`record_chunk` on the first chunk and is never pickled.

    Reasoning models stream their reasoning before the answer; a backend that can tell them apart records reasoning
    chunks with ``reasoning=True``, so that ``first_reasoning_ns`` and ``first_answer_ns`` time each part (the first
    token of either kind stays ``first_token_ns``) and ``reasoning_tokens`` counts the reasoning. Both stay ``None``
    for a model that does not reason. ``cached_prompt_tokens`` is the part of the prompt the server reports it served
    from its prefix cache, where it says so. ``tool_calls`` is how many tool calls the answer made (``None``: none);
    their streamed arguments are recorded as chunks, so the first one stops the time-to-first-token clock.
    """

    request_id: str
    scheduled_ns: int | None = None
    dispatched_ns: int | None = None
    first_token_ns: int | None = None
    last_token_ns: int | None = None
    ended_ns: int | None = None
    chunk_times_ns: list[int] = field(default_factory=list)
    chunk_tokens: list[int] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    prompt_tokens_source: TokenCountSource = "none"
    output_tokens: int | None = None
    output_tokens_source: TokenCountSource = "none"
    error: ResponseError | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    first_reasoning_ns: int | None = None
    first_answer_ns: int | None = None
    reasoning_tokens: int | None = None
    cached_prompt_tokens: int | None = None
    tool_calls: int | None = None
    answer_from: int | None = None  # the index of the answer's first chunk (after a reasoning model's reasoning)
    on_first_token: Callable[[GenerationResponse], None] | None = field(default=None, repr=False, compare=False)

    # -- what a backend calls ------------------------------------------------------------------------------------

    def mark_dispatched(self, at_ns: int | None = None) -> None:
        """Stamp the moment the request left for the server (the runner does it unless the backend knows better)."""
        self.dispatched_ns = time.perf_counter_ns() if at_ns is None else at_ns

    def record_chunk(self, text: str, tokens: int = 1, at_ns: int | None = None, *, reasoning: bool = False) -> None:
        """Record a piece of output as it arrives.

        ``tokens`` is how many tokens the chunk carries: exact when the backend knows (token ids), else 1, the
        common case of one token per server-sent event. ``at_ns`` lets a backend pass a timestamp it took even
        earlier (when the bytes arrived, before parsing); by default the time is taken now. ``reasoning`` marks a
        piece of a reasoning model's reasoning rather than of its answer.
        """
        now = time.perf_counter_ns() if at_ns is None else at_ns
        if self.first_token_ns is None:
            self.first_token_ns = now
            if self.on_first_token is not None:
                self.on_first_token(self)
        if reasoning:
            if self.first_reasoning_ns is None:
                self.first_reasoning_ns = now
            self.reasoning_tokens = tokens + (self.reasoning_tokens or 0)
        elif self.first_answer_ns is None:
            self.first_answer_ns = now
            self.answer_from = len(self.text_parts)
        self.last_token_ns = now
        self.chunk_times_ns.append(now)
        self.chunk_tokens.append(tokens)
        self.text_parts.append(text)

    def set_usage(
        self,
        prompt_tokens: int | None,
        output_tokens: int | None,
        source: TokenCountSource,
    ) -> None:
        """Record token counts and where they came from. A ``None`` count leaves the existing value alone."""
        if prompt_tokens is not None:
            self.prompt_tokens = prompt_tokens
            self.prompt_tokens_source = source
        if output_tokens is not None:
            self.output_tokens = output_tokens
            self.output_tokens_source = source

    def fail(self, kind: ErrorKind, message: str, status_code: int | None = None) -> None:
        """Turn this response into an error record. The first error wins: it is usually the cause of the rest."""
        if self.error is None:
            self.error = ResponseError(kind=kind, message=message, status_code=status_code)

    def finish(self, finish_reason: str | None = None, at_ns: int | None = None) -> None:
        """Stamp the end of the request. Safe to call twice; the first call wins."""
        if finish_reason is not None and self.finish_reason is None:
            self.finish_reason = finish_reason
        if self.ended_ns is None:
            self.ended_ns = time.perf_counter_ns() if at_ns is None else at_ns

    # -- what the runner and reports read ------------------------------------------------------------------------

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    @property
    def answer_text(self) -> str:
        """The answer without a reasoning model's reasoning: what a conversation's history carries as the answer."""
        if self.first_reasoning_ns is None:
            return self.text
        return "" if self.answer_from is None else "".join(self.text_parts[self.answer_from :])

    @property
    def streamed_tokens(self) -> int:
        """Tokens counted from the stream itself (a lower bound when chunks carry unknown numbers of tokens)."""
        return sum(self.chunk_tokens)

    @property
    def time_to_first_token_ns(self) -> int | None:
        if self.first_token_ns is None or self.dispatched_ns is None:
            return None
        return self.first_token_ns - self.dispatched_ns

    @property
    def time_to_first_reasoning_token_ns(self) -> int | None:
        if self.first_reasoning_ns is None or self.dispatched_ns is None:
            return None
        return self.first_reasoning_ns - self.dispatched_ns

    @property
    def time_to_first_answer_token_ns(self) -> int | None:
        if self.first_answer_ns is None or self.dispatched_ns is None:
            return None
        return self.first_answer_ns - self.dispatched_ns

    @property
    def latency_ns(self) -> int | None:
        if self.ended_ns is None or self.dispatched_ns is None:
            return None
        return self.ended_ns - self.dispatched_ns

    def inter_chunk_gaps_ns(self) -> list[int]:
        """The gaps between consecutive chunk arrivals (each gap belongs to the later chunk)."""
        return [later - earlier for earlier, later in itertools.pairwise(self.chunk_times_ns)]

    def __getstate__(self) -> dict[str, Any]:
        # The hook belongs to the runner's process; a pickled response must not drag it along.
        state = {name: getattr(self, name) for name in self.__dataclass_fields__}
        state["on_first_token"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
