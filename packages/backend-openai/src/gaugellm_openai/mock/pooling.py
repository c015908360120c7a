"""The simulated server's answers to requests that generate nothing: ``/v1/rerank`` and ``/v1/score`` in vLLM's
shapes (``/v1/embeddings`` is rendered by :class:`~gaugellm_openai.mock.content.Renderer`).

What is parsed is what decides the answer's size: the documents of a rerank (and its ``top_n``), the ``text_2`` items
of a score. The scores themselves are fixed numbers (only the shape and the timing are simulated): document *i* gets
``1 / (i + 1)``, so a rerank's results, sorted by relevance as vLLM sorts them, keep the documents' order.
"""

from __future__ import annotations

import json
from typing import Any

from gaugellm_openai.tokens import estimate_text_tokens

__all__ = ["PoolingInputs", "parse_rerank", "parse_score", "rerank_body", "score_body"]

#: ``(items answered, prompt tokens, top_n)``, or an error message for a 400.
PoolingInputs = tuple[int, int, int | None]


def _texts(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return value
    return None


def parse_rerank(payload: dict[str, Any]) -> PoolingInputs | str:
    """A rerank request: a ``query`` string and a non-empty ``documents`` list of strings (``top_n`` optional)."""
    query = payload.get("query")
    documents = _texts(payload.get("documents"))
    if not isinstance(query, str) or documents is None or isinstance(payload.get("documents"), str):
        return "a rerank request needs a 'query' string and a non-empty 'documents' list of strings"
    top_n = payload.get("top_n")
    if top_n is not None and (type(top_n) is not int or top_n < 1):
        return "top_n must be a positive integer"
    query_tokens = estimate_text_tokens(query)
    tokens = sum(query_tokens + estimate_text_tokens(document) for document in documents)  # one pair per document
    return len(documents), tokens, top_n


def parse_score(payload: dict[str, Any]) -> PoolingInputs | str:
    """A score request: ``text_1`` (one text, or one per ``text_2`` item) against ``text_2`` (a text or a list)."""
    first = _texts(payload.get("text_1"))
    second = _texts(payload.get("text_2"))
    if first is None or second is None or (len(first) != 1 and len(first) != len(second)):
        return "a score request needs 'text_1' (a string, or one per text_2 item) and 'text_2' (a string or a list)"
    tokens = sum(
        estimate_text_tokens(first[0] if len(first) == 1 else first[index]) + estimate_text_tokens(text)
        for index, text in enumerate(second)
    )
    return len(second), tokens, None


def _usage(prompt_tokens: int | None) -> dict[str, int] | None:
    if prompt_tokens is None:
        return None
    return {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens}


def rerank_body(model: str, count: int, top_n: int | None, prompt_tokens: int | None, number: int) -> bytes:
    shown = count if top_n is None else min(top_n, count)
    results = [{"index": index, "relevance_score": 1 / (index + 1)} for index in range(shown)]
    body = {"id": f"rerank-{number:016x}", "model": model, "usage": _usage(prompt_tokens), "results": results}
    return json.dumps(body, separators=(",", ":")).encode()


def score_body(model: str, count: int, prompt_tokens: int | None, number: int, created: int) -> bytes:
    data = [{"index": index, "object": "score", "score": 1 / (index + 1)} for index in range(count)]
    body = {
        "id": f"score-{number:016x}",
        "object": "list",
        "created": created,
        "model": model,
        "data": data,
        "usage": _usage(prompt_tokens),
    }
    return json.dumps(body, separators=(",", ":")).encode()
