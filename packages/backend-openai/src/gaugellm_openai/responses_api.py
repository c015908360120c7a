"""What the Responses API (``/v1/responses``) answers, streamed or not, recorded into a ``GenerationResponse``.

Kept apart from :mod:`gaugellm_openai.stream` because the protocol is shaped differently: a stream is a sequence of
typed events (each JSON object names itself in ``type``) rather than chunks of choices, and it ends with a terminal
event instead of ``data: [DONE]``. The events that matter (see ``docs/backends/openai.md``):

- ``response.output_text.delta``: a piece of the answer in ``delta``; the first one is the first token;
- ``response.reasoning_text.delta`` (and ``response.reasoning_summary_text.delta``): a piece of a reasoning model's
  reasoning, recorded as reasoning (it stops the time-to-first-token clock too);
- ``response.output_item.added`` of a ``function_call`` item (a tool call: counted, its name recorded as output) and
  ``response.function_call_arguments.delta`` (its arguments, recorded as output);
- ``response.completed``: the end, with ``response.usage`` (``input_tokens``, ``output_tokens``, and where given
  ``input_tokens_details.cached_tokens`` and ``output_tokens_details.reasoning_tokens``);
- ``response.incomplete``: the end, cut short (``incomplete_details.reason``, ``max_output_tokens`` for a budget
  that ran out, which is reported as the finish reason ``length``, as the other endpoints say);
- ``response.failed`` and ``error``: the server failing mid-stream.

Every other event (``response.created``, ``response.output_item.added``, the ``.done`` events, ...) carries nothing
that is timed and is skipped. A server that adds ``data: [DONE]`` after the terminal event is accepted.
"""

from __future__ import annotations

from typing import Any

from gaugellm import ErrorKind, GenerationRequest, GenerationResponse
from gaugellm_openai.stream import (
    StreamFailure,
    error_message,
    fill_token_counts,
    fill_usage_details,
    int_or_none,
    loads_json,
)
from gaugellm_openai.tokens import estimate_text_tokens

__all__ = ["ResponsesConsumer", "finish_reason_of", "record_response"]

_TEXT_DELTA = "response.output_text.delta"
_REASONING_DELTAS = ("response.reasoning_text.delta", "response.reasoning_summary_text.delta")
_ITEM_ADDED = "response.output_item.added"
_ARGUMENTS_DELTA = "response.function_call_arguments.delta"
_TERMINAL = ("response.completed", "response.incomplete")
_FAILED = ("response.failed", "error")


def finish_reason_of(response_obj: Any) -> str:
    """The finish reason of a finished response object, in the words of the other endpoints."""
    if not isinstance(response_obj, dict) or response_obj.get("status") != "incomplete":
        return "stop"
    details = response_obj.get("incomplete_details")
    reason = details.get("reason") if isinstance(details, dict) else None
    if reason == "max_output_tokens":
        return "length"
    return str(reason) if reason else "incomplete"


def _failure_message(event: dict[str, Any]) -> str:
    """The message of a ``response.failed`` or ``error`` event, whichever shape it takes."""
    response_obj = event.get("response")
    if isinstance(response_obj, dict):
        message, _ = error_message(response_obj)
        if message is not None:
            return message
    message, _ = error_message(event)
    if message is not None:
        return message
    return str(event.get("message") or event.get("code") or event.get("type"))


class ResponsesConsumer:
    """Records the events of one streamed ``/v1/responses`` request as they arrive (one per request).

    The same interface as :class:`gaugellm_openai.stream.ChunkConsumer`, which the client drives alike.
    """

    __slots__ = ("_response", "chunks", "done", "finish_reason", "tool_calls", "usage")

    #: Why a stream that ended without its terminal event is incomplete.
    missing_end = "the stream ended before response.completed"

    def __init__(self, response: GenerationResponse) -> None:
        self._response = response
        self.chunks = 0  # text deltas recorded
        self.done = False  # a terminal event seen
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self.tool_calls = 0  # function_call output items seen

    def feed(self, events: list[bytes], at_ns: int) -> None:
        """Record the events of one network read, all stamped ``at_ns`` (when their bytes arrived)."""
        record = self._response.record_chunk
        for data in events:
            if self.done:
                return  # nothing after the terminal event is part of the response
            if data == b"[DONE]":
                continue  # not part of the protocol; the terminal event decides
            try:
                event = loads_json(data)
            except ValueError:
                raise StreamFailure(ErrorKind.PROTOCOL, f"malformed JSON in a stream event: {data[:120]!r}") from None
            if type(event) is not dict:
                raise StreamFailure(ErrorKind.PROTOCOL, f"a stream event is not a JSON object: {data[:120]!r}")
            kind = event.get("type")
            if kind == _TEXT_DELTA:
                text = event.get("delta")
                if type(text) is not str:
                    raise StreamFailure(ErrorKind.PROTOCOL, f"a text delta without a string 'delta': {data[:120]!r}")
                if text:
                    record(text, 1, at_ns)
                    self.chunks += 1
            elif kind in _REASONING_DELTAS:
                text = event.get("delta")
                if type(text) is not str:
                    raise StreamFailure(
                        ErrorKind.PROTOCOL, f"a reasoning delta without a string 'delta': {data[:120]!r}"
                    )
                if text:
                    record(text, 1, at_ns, reasoning=True)
                    self.chunks += 1
            elif kind == _ARGUMENTS_DELTA:
                record(str(event.get("delta") or ""), 1, at_ns)
                self.chunks += 1
            elif kind == _ITEM_ADDED:
                item = event.get("item")
                if isinstance(item, dict) and item.get("type") == "function_call":
                    self.tool_calls += 1  # the call's name is its first output, as in a chat tool-call delta
                    record(str(item.get("name") or ""), 1, at_ns)
                    self.chunks += 1
            elif kind in _TERMINAL:
                self.done = True
                response_obj = event.get("response")
                self.finish_reason = finish_reason_of(response_obj)
                if isinstance(response_obj, dict) and isinstance(response_obj.get("usage"), dict):
                    self.usage = response_obj["usage"]
            elif kind in _FAILED or (kind is None and "error" in event):
                raise StreamFailure(ErrorKind.BACKEND, f"the server failed mid-stream: {_failure_message(event)}")

    def finalise(self, request: GenerationRequest) -> None:
        """Set token counts (the server's usage, else estimates) once the stream is over."""
        if self.tool_calls:
            self._response.tool_calls = self.tool_calls
        usage = self.usage or {}
        fill_token_counts(
            self._response,
            request,
            server_prompt=int_or_none(usage.get("input_tokens")),
            server_output=int_or_none(usage.get("output_tokens")),
            estimated_output=self.chunks,
        )
        fill_usage_details(self._response, usage.get("input_tokens_details"), usage.get("output_tokens_details"))


def output_text(payload: dict[str, Any]) -> str:
    """The answer's text in a whole response object: every ``output_text`` part of its message items."""
    pieces: list[str] = []
    output = payload.get("output")
    for item in output if isinstance(output, list) else []:
        if not isinstance(item, dict) or item.get("type") != "message":
            continue
        content = item.get("content")
        for part in content if isinstance(content, list) else []:
            if isinstance(part, dict) and part.get("type") == "output_text" and isinstance(part.get("text"), str):
                pieces.append(part["text"])
    return "".join(pieces)


def record_response(response: GenerationResponse, request: GenerationRequest, body: bytes, *, at_ns: int) -> str | None:
    """Record a whole (non-streamed) response object; return its finish reason."""
    try:
        payload = loads_json(body)
    except ValueError:
        raise StreamFailure(ErrorKind.PROTOCOL, f"the response is not JSON: {body[:120]!r}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("output"), list):
        message, code = error_message(payload)
        if message is not None:
            raise StreamFailure(ErrorKind.BACKEND, f"the server answered an error: {message}", code)
        raise StreamFailure(ErrorKind.PROTOCOL, f"the response has no 'output': {body[:120]!r}")
    if payload.get("status") == "failed":
        raise StreamFailure(ErrorKind.BACKEND, f"the server answered a failed response: {_failure_message(payload)}")
    text = output_text(payload)
    calls = [item for item in payload["output"] if isinstance(item, dict) and item.get("type") == "function_call"]
    if calls:
        response.tool_calls = len(calls)
        text += "".join(str(call.get("name") or "") + str(call.get("arguments") or "") for call in calls)
    given = payload.get("usage")
    usage: dict[str, Any] = given if isinstance(given, dict) else {}
    output = int_or_none(usage.get("output_tokens"))
    if text:
        response.record_chunk(text, output if output is not None else estimate_text_tokens(text), at_ns)
    fill_token_counts(
        response,
        request,
        server_prompt=int_or_none(usage.get("input_tokens")),
        server_output=output,
        estimated_output=estimate_text_tokens(text),
    )
    fill_usage_details(response, usage.get("input_tokens_details"), usage.get("output_tokens_details"))
    return finish_reason_of(payload)
