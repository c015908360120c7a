"""Request bodies for ``/v1/chat/completions``, ``/v1/completions`` and ``/v1/responses``, built once per request.

The precedence, lowest first: ``extra_body`` of the args, then what this module sets (model, prompt or messages,
``max_tokens``, ``ignore_eos``, ``stream``/``stream_options``), then ``request.params`` (a data set's per-request
sampling settings win over everything).

The Responses API names things differently: the prompt or the messages go in ``input`` (a string, or a list of
``{"role", "content"}`` message items), the budget is ``max_output_tokens``, and usage always arrives with the
``response.completed`` event, so no ``stream_options`` are sent.

Embeddings, rerank and score requests (:func:`pooling_body`) are never streamed and generate nothing: they carry only
their inputs.
"""

from __future__ import annotations

import json
from typing import Any

from gaugellm import GenerationRequest
from gaugellm_openai.args import POOLING_KINDS, OpenAIHTTPBackendArgs

__all__ = [
    "build_body",
    "encode_body",
    "flatten_messages",
    "pooling_body",
    "request_messages",
    "responses_input",
    "responses_tool",
]


def flatten_messages(messages: list[dict[str, Any]]) -> str:
    """Chat messages as one plain prompt (``role: content`` lines), for the completions endpoint."""
    lines = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        lines.append(f"{message.get('role', 'user')}: {content or ''}")
    return "\n".join(lines)


def request_messages(request: GenerationRequest) -> list[dict[str, Any]]:
    """The request as chat messages (a plain prompt becomes one user message)."""
    if request.messages is not None:
        return request.messages
    return [{"role": "user", "content": request.prompt or ""}]


def build_body(
    args: OpenAIHTTPBackendArgs,
    request: GenerationRequest,
    model: str | None,
    *,
    stream: bool,
) -> dict[str, Any]:
    """The JSON body (as a dict) of one request."""
    body: dict[str, Any] = dict(args.extra_body)
    if model is not None:
        body["model"] = model
    kind = args.api_kind
    if kind in POOLING_KINDS:
        return pooling_body(body, args, request)
    if kind == "chat":
        body["messages"] = request_messages(request)
    elif kind == "responses":
        body["input"] = responses_input(request.messages) if request.messages is not None else request.prompt or ""
    else:
        body["prompt"] = request.prompt if request.prompt is not None else flatten_messages(request.messages or [])
    max_tokens = request.max_tokens if request.max_tokens is not None else args.max_tokens
    if max_tokens is not None:
        body["max_output_tokens" if kind == "responses" else "max_tokens"] = max_tokens
    if args.ignore_eos:
        body["ignore_eos"] = True
    body["stream"] = stream
    if kind == "responses":
        if not stream:
            body.pop("stream_options", None)
    elif stream:
        options = dict(body.get("stream_options") or {})
        options["include_usage"] = True
        if args.continuous_usage:
            options["continuous_usage_stats"] = True
        body["stream_options"] = options
    else:
        body.pop("stream_options", None)  # servers reject stream_options without stream
    if request.params:
        body.update(request.params)
    if kind == "responses" and isinstance(body.get("tools"), list):
        body["tools"] = [responses_tool(tool) for tool in body["tools"]]
    return body


def responses_input(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chat messages as Responses API input items: multi-part content (text and images) in that API's part types."""
    if all(isinstance(message.get("content"), str) for message in messages):
        return messages  # the common case: plain-text messages are valid input items as they are
    return [
        {**message, "content": [_input_part(part) for part in message["content"]]}
        if isinstance(message.get("content"), list)
        else message
        for message in messages
    ]


def _input_part(part: Any) -> Any:
    """A chat content part (``text``, ``image_url``) as a Responses API one (``input_text``, ``input_image``)."""
    if not isinstance(part, dict):
        return part
    if part.get("type") == "text":
        return {"type": "input_text", "text": part.get("text", "")}
    if part.get("type") == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        converted: dict[str, Any] = {"type": "input_image", "image_url": url}
        if isinstance(image, dict) and image.get("detail"):
            converted["detail"] = image["detail"]
        return converted
    return part


def responses_tool(tool: Any) -> Any:
    """A chat-completions function tool (``{"type": "function", "function": {...}}``) in the Responses API's flat
    shape (``{"type": "function", "name": ..., "parameters": ...}``); any other tool as it is."""
    if isinstance(tool, dict) and tool.get("type") == "function" and isinstance(tool.get("function"), dict):
        return {"type": "function", **tool["function"]}
    return tool


def pooling_body(body: dict[str, Any], args: OpenAIHTTPBackendArgs, request: GenerationRequest) -> dict[str, Any]:
    """A request that generates nothing, with ``batch_size`` copies of the prompt where it takes several inputs:
    embeddings ``input``; rerank a ``query`` and ``documents``; score ``text_1`` against ``text_2`` (vLLM's shapes)."""
    text = request.prompt if request.prompt is not None else flatten_messages(request.messages or [])
    batch = [text] * args.batch_size
    kind = args.api_kind
    if kind == "embeddings":
        body["input"] = batch
        body.setdefault("encoding_format", "float")
    elif kind == "rerank":
        body["query"] = text
        body["documents"] = batch
    else:
        body["text_1"] = text
        body["text_2"] = batch
    if request.params:
        body.update(request.params)
    body.pop("tools", None)  # a data set's tools mean nothing to a pooling model
    return body


def encode_body(body: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON: what goes on the wire."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
