"""What ``/v1/embeddings``, ``/v1/rerank`` and ``/v1/score`` answer, recorded into a ``GenerationResponse``: requests
that generate nothing.

Such an answer is one whole body, so the record has an end and no chunks: no time to first token, no inter-token
latency, no output tokens (the report leaves them out rather than show zeros). What is kept is the latency and the
input's size: the server's ``usage.prompt_tokens`` (``total_tokens`` where only that is given) for the whole batch,
else the data set's or an estimated prompt size times the inputs. An answer whose items do not match what was sent is
a protocol error:

- embeddings: ``data``, one item with a non-empty ``embedding`` per input;
- rerank (vLLM, Cohere and Jina's shape): ``results``, at most one per document, each with a ``relevance_score``;
- score (vLLM): ``data``, one item with a ``score`` per ``text_2`` item.
"""

from __future__ import annotations

from typing import Any

from gaugellm import ErrorKind, GenerationRequest, GenerationResponse
from gaugellm_openai.stream import StreamFailure, error_message, int_or_none, loads_json
from gaugellm_openai.tokens import estimate_messages_tokens, estimate_text_tokens

__all__ = ["record_pooling"]

#: Per kind: the answer's list, the field each item must have, and whether fewer items than inputs is fine (top_n).
_SHAPES: dict[str, tuple[str, str, bool]] = {
    "embeddings": ("data", "embedding", False),
    "rerank": ("results", "relevance_score", True),
    "score": ("data", "score", False),
}


def _items(payload: Any, key: str) -> list[Any] | None:
    """The answer's list of items, or None when the payload is not such an answer."""
    if not isinstance(payload, dict):
        return None
    items = payload.get(key)
    return items if isinstance(items, list) else None


def _check_item(item: Any, field: str) -> None:
    value = item.get(field) if isinstance(item, dict) else None
    if field == "embedding":
        if not isinstance(value, list | str) or not value:  # a list of floats, or base64 text
            raise StreamFailure(ErrorKind.PROTOCOL, f"an item without an 'embedding': {str(item)[:120]}")
    elif type(value) not in (float, int):
        raise StreamFailure(ErrorKind.PROTOCOL, f"an item without a numeric {field!r}: {str(item)[:120]}")


def record_pooling(
    kind: str, response: GenerationResponse, request: GenerationRequest, body: bytes, *, inputs: int, at_ns: int
) -> None:
    """Check and record a whole ``kind`` answer (embeddings, rerank, score) for ``inputs`` inputs."""
    key, field, fewer_allowed = _SHAPES[kind]
    try:
        payload = loads_json(body)
    except ValueError:
        raise StreamFailure(ErrorKind.PROTOCOL, f"the response is not JSON: {body[:120]!r}") from None
    items = _items(payload, key)
    if items is None:
        message, code = error_message(payload)
        if message is not None:
            raise StreamFailure(ErrorKind.BACKEND, f"the server answered an error: {message}", code)
        raise StreamFailure(ErrorKind.PROTOCOL, f"the response has no {key!r} list: {body[:120]!r}")
    if len(items) > inputs or (len(items) < inputs and not fewer_allowed) or not items:
        raise StreamFailure(ErrorKind.PROTOCOL, f"{len(items)} {kind} results answered for {inputs} inputs")
    for item in items:
        _check_item(item, field)
    record_input_usage(response, request, payload.get("usage"), inputs)
    response.extras[kind] = len(items)
    response.finish(at_ns=at_ns)


def record_input_usage(response: GenerationResponse, request: GenerationRequest, usage: Any, inputs: int) -> None:
    """The input's size: the server's count, else the data set's or an estimate, times the inputs sent."""
    prompt = None
    if isinstance(usage, dict):
        prompt = int_or_none(usage.get("prompt_tokens"))
        if prompt is None:
            prompt = int_or_none(usage.get("total_tokens"))
    if prompt is not None:
        response.set_usage(prompt, None, "server")
    elif request.prompt_tokens is not None:
        response.set_usage(request.prompt_tokens * inputs, None, "tokenizer")
    elif request.messages is not None:
        response.set_usage(estimate_messages_tokens(request.messages) * inputs, None, "estimate")
    else:
        response.set_usage(estimate_text_tokens(request.prompt or "") * inputs, None, "estimate")
