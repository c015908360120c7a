"""vLLM's own OpenAI-compatible server, serving the same tiny model: the reference peer for HTTP backends."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

pytestmark = [pytest.mark.vllm, pytest.mark.slow]


def _stream(url: str, body: dict[str, Any]) -> list[str]:
    """POST ``body`` and return the ``data:`` payloads of the server-sent events, in order."""
    request = urllib.request.Request(  # noqa: S310 - loopback URL the fixture built
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    payloads = []
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
        assert answer.headers["Content-Type"].startswith("text/event-stream")
        for raw in answer:
            line = raw.decode().strip()
            if line.startswith("data: "):
                payloads.append(line.removeprefix("data: "))
    return payloads


def test_streamed_chat_completion_with_usage(vllm_openai_server: Any) -> None:
    import psutil

    server = vllm_openai_server
    assert psutil.pid_exists(server.pid)
    payloads = _stream(
        f"{server.base_url}/v1/chat/completions",
        {
            "model": server.model,
            "messages": [{"role": "user", "content": "Describe a load test."}],
            "max_tokens": 16,
            "ignore_eos": True,  # vLLM's extension: exactly max_tokens, as benchmarks want
            "stream": True,
            "stream_options": {"include_usage": True},
        },
    )
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(payload) for payload in payloads[:-1]]
    assert chunks[0]["choices"][0]["delta"].get("role") == "assistant"
    usage_chunk = chunks[-1]
    assert usage_chunk["choices"] == []
    usage = usage_chunk["usage"]
    assert usage["completion_tokens"] == 16
    assert usage["prompt_tokens"] > 0
    content = [chunk for chunk in chunks[1:-1] if chunk["choices"] and chunk["choices"][0]["delta"].get("content")]
    assert 1 < len(content) <= 16, "one content chunk per token (empty text pieces are skipped)"
    assert chunks[-2]["choices"][0]["finish_reason"] == "length"


def test_models_endpoint_names_the_served_model(vllm_openai_server: Any) -> None:
    with urllib.request.urlopen(f"{vllm_openai_server.base_url}/v1/models", timeout=10) as answer:  # noqa: S310
        models = json.load(answer)
    assert [model["id"] for model in models["data"]] == [vllm_openai_server.model]
