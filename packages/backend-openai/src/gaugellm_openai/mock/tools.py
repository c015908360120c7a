"""Tool-call answers of the simulated server: with ``tool_calls`` on, a request that offers ``tools`` is answered
with a call of its first function, whose arguments (``{"query": "<the answer's words>"}``) are generated one token at
a time, as a model writes them.

These answers depend on the request (the function's name), so they are rendered per request rather than cached:
they are for testing that tool calls are measured, not for the server's top speed.

Chat streams follow vLLM and OpenAI: the first chunk carries the call's ``id``, ``type`` and ``function.name`` with
the first argument fragment in ``delta.tool_calls[0]``, later chunks only ``function.arguments`` fragments, and the
last one ``finish_reason: "tool_calls"``. Responses streams add a ``function_call`` output item and stream its
``response.function_call_arguments.delta`` events.
"""

from __future__ import annotations

import json
from typing import Any

from gaugellm_openai.mock.content import ID_PLACEHOLDER, TERMINATOR, Renderer, StreamPart, token_text
from gaugellm_openai.mock.responses import ResponsesRenderer

__all__ = ["argument_fragments", "chat_tool_body", "chat_tool_parts", "offered_tool", "responses_tool_body",
           "responses_tool_parts"]  # fmt: skip

_CALL_ID = "call_" + ID_PLACEHOLDER.decode()


def offered_tool(payload: dict[str, Any]) -> str | None:
    """The name of the first function a request offers (chat or Responses shape), or None."""
    tools = payload.get("tools")
    if not isinstance(tools, list):
        return None
    for tool in tools:
        if isinstance(tool, dict):
            nested = tool.get("function")
            function: dict[str, Any] = nested if isinstance(nested, dict) else tool
            name = function.get("name")
            if isinstance(name, str) and name:
                return name
    return None


def argument_fragments(n_tokens: int) -> list[str]:
    """The arguments' JSON text cut into ``n_tokens`` fragments, one per generated token."""
    fragments = [token_text(i) for i in range(n_tokens)]
    fragments[0] = '{"query":"' + fragments[0]
    fragments[-1] += '"}'
    return fragments


def chat_tool_parts(renderer: Renderer, n_tokens: int, name: str) -> list[StreamPart]:
    fragments = argument_fragments(n_tokens)
    first = {"index": 0, "id": _CALL_ID, "type": "function", "function": {"name": name, "arguments": fragments[0]}}
    role = {"role": "assistant", "content": None}
    parts = [(0, renderer.chat_event({**role, "tool_calls": [first]}, "tool_calls" if n_tokens == 1 else None))]
    for index in range(1, n_tokens):
        delta = {"tool_calls": [{"index": 0, "function": {"arguments": fragments[index]}}]}
        parts.append((index, renderer.chat_event(delta, "tool_calls" if index == n_tokens - 1 else None)))
    return parts


def chat_tool_body(renderer: Renderer, n_tokens: int, name: str, usage: tuple[int, int] | None, number: int) -> bytes:
    arguments = "".join(argument_fragments(n_tokens))
    call = {"id": _CALL_ID, "type": "function", "function": {"name": name, "arguments": arguments}}
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    body: dict[str, Any] = {
        "id": "chatcmpl-" + ID_PLACEHOLDER.decode(),
        "object": "chat.completion",
        "model": renderer.model_name,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "tool_calls"}],
    }
    if usage is not None:
        body["usage"] = renderer.usage(*usage)
    return json.dumps(body, separators=(",", ":")).encode().replace(ID_PLACEHOLDER, b"%016x" % number)


def _call_item(name: str, arguments: str | None) -> dict[str, Any]:
    return {
        "id": "fc_" + ID_PLACEHOLDER.decode(),
        "type": "function_call",
        "status": "in_progress" if arguments is None else "completed",
        "call_id": _CALL_ID,
        "name": name,
        "arguments": arguments or "",
    }


def responses_tool_parts(
    renderer: ResponsesRenderer, n_tokens: int, name: str, usage: tuple[int, int] | None
) -> tuple[list[StreamPart], bytes]:
    """The events of a streamed tool call (with their token indexes) and the closing events."""
    fragments = argument_fragments(n_tokens)
    opening = renderer.event("response.created", 0, {"response": renderer.response_obj("in_progress", [], None)})
    opening += renderer.event("response.output_item.added", 1, {"output_index": 0, "item": _call_item(name, None)})
    position = {"item_id": "fc_" + ID_PLACEHOLDER.decode(), "output_index": 0}
    parts = [
        (index, (opening if index == 0 else b"")
         + renderer.event("response.function_call_arguments.delta", 2 + index, {**position, "delta": fragment}))
        for index, fragment in enumerate(fragments)
    ]  # fmt: skip
    item = _call_item(name, "".join(fragments))
    number = 2 + n_tokens
    tail = renderer.event("response.function_call_arguments.done", number, {**position, "arguments": item["arguments"]})
    tail += renderer.event("response.output_item.done", number + 1, {"output_index": 0, "item": item})
    completed = {"response": renderer.response_obj("completed", [item], usage)}
    tail += renderer.event("response.completed", number + 2, completed)
    return parts, tail + TERMINATOR


def responses_tool_body(
    renderer: ResponsesRenderer, n_tokens: int, name: str, usage: tuple[int, int] | None, number: int
) -> bytes:
    item = _call_item(name, "".join(argument_fragments(n_tokens)))
    body = json.dumps(renderer.response_obj("completed", [item], usage), separators=(",", ":")).encode()
    return body.replace(ID_PLACEHOLDER, b"%016x" % number)
