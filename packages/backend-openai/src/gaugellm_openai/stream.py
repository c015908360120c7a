"""What the JSON of an OpenAI-compatible response means, streamed or not, recorded into a ``GenerationResponse``.

The shapes handled (see ``docs/backends/openai.md``):

- chat chunks carry text in ``choices[0].delta.content``, or a reasoning model's reasoning in ``reasoning_content``
  (vLLM) / ``reasoning``, recorded as reasoning; completions chunks in ``choices[0].text``;
- ``delta.tool_calls`` (``[{"index", "id", "function": {"name", "arguments"}}]``) is output too: each such chunk is
  recorded (the first one stops the time-to-first-token clock) and the calls are counted by ``index``;
- ``usage.prompt_tokens_details.cached_tokens`` is the prompt's cached part, ``usage.completion_tokens_details.
  reasoning_tokens`` the output's reasoning part, where a server reports them;
- the first chat chunk of vLLM and OpenAI is ``delta: {"role": "assistant", "content": ""}``: no text, so it is not a
  token and does not stop the time-to-first-token clock;
- ``finish_reason`` arrives on the last token's chunk (vLLM) or on a chunk of its own with an empty delta (OpenAI);
- with ``stream_options.include_usage`` a last chunk has ``choices: []`` and ``usage``; with vLLM's
  ``continuous_usage_stats`` every chunk has ``usage``, whose growing ``completion_tokens`` tells exactly how many
  tokens each chunk carried;
- ``data: [DONE]`` ends the stream; an ``{"error": ...}`` (or vLLM's older ``{"object": "error", ...}``) chunk is the
  server failing mid-stream.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from gaugellm import ErrorKind, GenerationRequest, GenerationResponse
from gaugellm_openai.tokens import estimate_messages_tokens, estimate_text_tokens

__all__ = [
    "ChunkConsumer",
    "StreamFailure",
    "error_message",
    "fill_token_counts",
    "fill_usage_details",
    "int_or_none",
    "loads_json",
    "record_completion",
    "tool_call_text",
]

_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
# ^ the C scanner behind json.loads: no encoding detection, no whitespace regexes


def loads_json(data: bytes) -> Any:
    """``json.loads`` for the common case (compact UTF-8 JSON), falling back to it for anything unusual."""
    text = data.decode("utf-8", "surrogatepass")
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        return json.loads(text)  # leading whitespace, or invalid: json.loads says which
    if end != len(text):
        return json.loads(text)  # trailing whitespace is fine, trailing garbage raises
    return value


class StreamFailure(Exception):
    """A response the backend cannot accept; ``resolve`` turns it into ``response.fail``."""

    def __init__(self, kind: ErrorKind, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status_code = status_code


def error_message(payload: Any) -> tuple[str | None, int | None]:
    """The message and code of an error object in any of the shapes servers use, or ``(None, None)``."""
    if not isinstance(payload, dict):
        return None, None
    error = payload.get("error")
    if isinstance(error, dict):
        code = error.get("code")
        return str(error.get("message") or error), code if isinstance(code, int) else None
    if isinstance(error, str):
        return error, None
    if payload.get("object") == "error" or ("message" in payload and "choices" not in payload):
        code = payload.get("code")
        return str(payload.get("message")), code if isinstance(code, int) else None
    if "detail" in payload:  # FastAPI-style servers
        return str(payload["detail"]), None
    return None, None


class ChunkConsumer:
    """Records the data of streamed events as they arrive. One per request; not thread-safe (nor needs to be)."""

    __slots__ = (
        "_chat",
        "_continuous",
        "_response",
        "_tokens_seen",
        "_tool_calls",
        "chunks",
        "done",
        "finish_reason",
        "usage",
    )

    #: Why a stream that ended without [DONE] or a finish reason is incomplete.
    missing_end = "the stream ended before [DONE] and before any finish_reason"

    def __init__(self, response: GenerationResponse, *, chat: bool, continuous_usage: bool = False) -> None:
        self._response = response
        self._chat = chat
        self._continuous = continuous_usage
        self._tokens_seen = 0
        self.chunks = 0  # content chunks recorded
        self.done = False  # "[DONE]" seen
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self._tool_calls: set[Any] | None = None  # the indexes of the tool calls seen, once there is one

    def feed(self, events: list[bytes], at_ns: int) -> None:
        """Record the events of one network read, all stamped ``at_ns`` (when their bytes arrived)."""
        record = self._response.record_chunk
        for data in events:
            if self.done:
                return  # nothing after [DONE] is part of the response
            if data == b"[DONE]":
                self.done = True
                continue
            try:
                chunk = loads_json(data)
            except ValueError:
                raise StreamFailure(ErrorKind.PROTOCOL, f"malformed JSON in a stream chunk: {data[:120]!r}") from None
            if type(chunk) is not dict:
                raise StreamFailure(ErrorKind.PROTOCOL, f"a stream chunk is not a JSON object: {data[:120]!r}")
            usage = chunk.get("usage")
            if usage:
                self.usage = usage
            choices = chunk.get("choices")
            if choices:
                choice = choices[0]
                reasoning = False
                if self._chat:
                    delta = choice.get("delta")
                    text = None
                    if delta:
                        text = delta.get("content")
                        if not text:
                            text = delta.get("reasoning_content") or delta.get("reasoning")
                            reasoning = bool(text)
                            if not text:
                                calls = delta.get("tool_calls")
                                if calls:
                                    self._record_tool_calls(calls, at_ns)
                else:
                    text = choice.get("text")
                if text:
                    tokens = 1
                    if self._continuous and usage:
                        completion = usage.get("completion_tokens")
                        if type(completion) is int:
                            tokens = max(completion - self._tokens_seen, 0)
                            self._tokens_seen = completion
                    if reasoning:
                        record(text, tokens, at_ns, reasoning=True)
                    else:
                        record(text, tokens, at_ns)
                    self.chunks += 1
                reason = choice.get("finish_reason")
                if reason:
                    self.finish_reason = reason
            elif choices is None and ("error" in chunk or chunk.get("object") == "error"):
                message, code = error_message(chunk)
                raise StreamFailure(ErrorKind.BACKEND, f"the server failed mid-stream: {message}", code)

    def _record_tool_calls(self, calls: Any, at_ns: int) -> None:
        """A ``delta.tool_calls`` chunk: output (its name and argument fragments), counted by call index."""
        if not isinstance(calls, list):
            raise StreamFailure(ErrorKind.PROTOCOL, "'tool_calls' in a delta is not a list")
        if self._tool_calls is None:
            self._tool_calls = set()
        pieces = []
        for call in calls:
            if not isinstance(call, dict):
                raise StreamFailure(ErrorKind.PROTOCOL, "a tool call delta is not an object")
            self._tool_calls.add(call.get("index", call.get("id")))
            function = call.get("function")
            if isinstance(function, dict):
                pieces.append(str(function.get("name") or "") + str(function.get("arguments") or ""))
        self._response.record_chunk("".join(pieces), 1, at_ns)
        self.chunks += 1

    def finalise(self, request: GenerationRequest) -> None:
        """Set token counts (the server's usage, else estimates) once the stream is over."""
        if self._tool_calls:
            self._response.tool_calls = len(self._tool_calls)
        usage = self.usage or {}
        fill_token_counts(
            self._response,
            request,
            server_prompt=int_or_none(usage.get("prompt_tokens")),
            server_output=int_or_none(usage.get("completion_tokens")),
            estimated_output=self.chunks,
        )
        fill_usage_details(self._response, usage.get("prompt_tokens_details"), usage.get("completion_tokens_details"))


def record_completion(
    response: GenerationResponse,
    request: GenerationRequest,
    body: bytes,
    *,
    chat: bool,
    at_ns: int,
) -> str | None:
    """Record a whole (non-streamed) response body; return its finish reason."""
    try:
        payload = loads_json(body)
    except ValueError:
        raise StreamFailure(ErrorKind.PROTOCOL, f"the response is not JSON: {body[:120]!r}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("choices"), list):
        message, code = error_message(payload)
        if message is not None:
            raise StreamFailure(ErrorKind.BACKEND, f"the server answered an error: {message}", code)
        raise StreamFailure(ErrorKind.PROTOCOL, f"the response has no 'choices': {body[:120]!r}")
    text = ""
    finish_reason = None
    if payload["choices"]:
        choice = payload["choices"][0]
        if chat:
            message_obj = choice.get("message") or {}
            text = message_obj.get("content") or message_obj.get("reasoning_content") or ""
            calls = message_obj.get("tool_calls")
            if isinstance(calls, list) and calls:
                response.tool_calls = len(calls)
                text += "".join(tool_call_text(call) for call in calls)
        else:
            text = choice.get("text") or ""
        finish_reason = choice.get("finish_reason")
    usage = payload.get("usage") or {}
    output = int_or_none(usage.get("completion_tokens"))
    if text:
        response.record_chunk(text, output if output is not None else estimate_text_tokens(text), at_ns)
    fill_token_counts(
        response,
        request,
        server_prompt=int_or_none(usage.get("prompt_tokens")),
        server_output=output,
        estimated_output=estimate_text_tokens(text),
    )
    fill_usage_details(response, usage.get("prompt_tokens_details"), usage.get("completion_tokens_details"))
    return finish_reason


def fill_token_counts(
    response: GenerationResponse,
    request: GenerationRequest,
    *,
    server_prompt: int | None,
    server_output: int | None,
    estimated_output: int,
) -> None:
    """The server's counts where given; otherwise the data set's prompt size, else estimates (see tokens.py)."""
    response.set_usage(server_prompt, server_output, "server")
    if response.output_tokens is None:
        response.set_usage(None, estimated_output, "estimate")
    if response.prompt_tokens is None:
        if request.prompt_tokens is not None:
            response.set_usage(request.prompt_tokens, None, "tokenizer")
        elif request.messages is not None:
            response.set_usage(estimate_messages_tokens(request.messages), None, "estimate")
        else:
            response.set_usage(estimate_text_tokens(request.prompt or ""), None, "estimate")


def tool_call_text(call: Any) -> str:
    """What a whole tool call generated: its function's name and arguments."""
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict):
        return ""
    return str(function.get("name") or "") + str(function.get("arguments") or "")


def fill_usage_details(response: GenerationResponse, prompt_details: Any, output_details: Any) -> None:
    """The cached part of the prompt and the reasoning part of the output, where the usage breaks them down.

    A positive reasoning count from the server replaces the streamed one. A zero never does: from a model that
    streamed no reasoning it means nothing (servers that always send ``reasoning_tokens: 0`` would otherwise make every
    model look like a reasoning one), and after reasoning was streamed it contradicts what arrived (vLLM's server
    reports 0 when the chat template, not the model, opened the reasoning), so the streamed count stands.
    """
    if isinstance(prompt_details, dict):
        cached = int_or_none(prompt_details.get("cached_tokens"))
        if cached is not None:
            response.cached_prompt_tokens = cached
    if isinstance(output_details, dict):
        reasoning = int_or_none(output_details.get("reasoning_tokens"))
        if reasoning is not None and reasoning > 0:
            response.reasoning_tokens = reasoning


def int_or_none(value: Any) -> int | None:
    """``value`` if it is an int (not a bool, a float or a string), else None: what a usage count must be."""
    return value if type(value) is int else None
