"""What ``/v1/embeddings`` answers, recorded into a ``GenerationResponse``: a request that generates nothing.

An embedding is one whole answer, so the record has an end and no chunks: no time to first token, no inter-token
latency, no output tokens (the report leaves them out rather than show zeros). What is kept is the latency and the
input's size: the server's ``usage.prompt_tokens`` for the whole batch, else the data set's or an estimated prompt
size times the batch. An answer with fewer or more vectors than inputs was sent is a protocol error.
"""

from __future__ import annotations

from typing import Any

from gaugellm import ErrorKind, GenerationRequest, GenerationResponse
from gaugellm_openai.stream import StreamFailure, error_message, int_or_none, loads_json
from gaugellm_openai.tokens import estimate_messages_tokens, estimate_text_tokens

__all__ = ["record_embeddings"]


def _vectors(payload: Any) -> list[Any] | None:
    """The ``data`` list of an embeddings answer, or None when the payload is not one."""
    if not isinstance(payload, dict):
        return None
    data = payload.get("data")
    return data if isinstance(data, list) else None


def record_embeddings(
    response: GenerationResponse, request: GenerationRequest, body: bytes, *, inputs: int, at_ns: int
) -> None:
    """Check and record a whole embeddings answer for ``inputs`` inputs, received at ``at_ns``."""
    try:
        payload = loads_json(body)
    except ValueError:
        raise StreamFailure(ErrorKind.PROTOCOL, f"the response is not JSON: {body[:120]!r}") from None
    data = _vectors(payload)
    if data is None:
        message, code = error_message(payload)
        if message is not None:
            raise StreamFailure(ErrorKind.BACKEND, f"the server answered an error: {message}", code)
        raise StreamFailure(ErrorKind.PROTOCOL, f"the response has no 'data' list: {body[:120]!r}")
    if len(data) != inputs:
        raise StreamFailure(ErrorKind.PROTOCOL, f"{len(data)} embeddings answered for {inputs} inputs")
    for item in data:
        vector = item.get("embedding") if isinstance(item, dict) else None
        if not isinstance(vector, list | str) or not vector:  # a list of floats, or base64 text
            raise StreamFailure(ErrorKind.PROTOCOL, f"an item without an 'embedding': {str(item)[:120]}")
    usage = payload.get("usage")
    prompt = int_or_none(usage.get("prompt_tokens")) if isinstance(usage, dict) else None
    if prompt is not None:
        response.set_usage(prompt, None, "server")
    elif request.prompt_tokens is not None:
        response.set_usage(request.prompt_tokens * inputs, None, "tokenizer")
    elif request.messages is not None:
        response.set_usage(estimate_messages_tokens(request.messages) * inputs, None, "estimate")
    else:
        response.set_usage(estimate_text_tokens(request.prompt or "") * inputs, None, "estimate")
    response.extras["embeddings"] = inputs
    response.finish(at_ns=at_ns)
