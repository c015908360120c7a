"""Reasoning models and the prompt cache, over real loopback HTTP: reasoning is timed and counted apart from the
answer (time to first token stays the first token of either kind), and cached prompt tokens are read from usage."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from gaugellm import GenerationRequest
from gaugellm.metrics import BenchmarkAccumulator
from gaugellm_openai.mock.content import token_text

if TYPE_CHECKING:  # fixtures' types only: test modules import nothing from conftest at run time
    from .conftest import Harness, ScriptedServer, StartServer

MS = 1_000_000


def chat_chunk(delta: dict[str, Any] | None = None, usage: dict[str, Any] | None = None) -> bytes:
    payload: dict[str, Any] = {"object": "chat.completion.chunk", "choices": []}
    if delta is not None:
        payload["choices"] = [{"index": 0, "delta": delta, "finish_reason": None}]
    if usage is not None:
        payload["usage"] = usage
    return b"data: %s\n\n" % json.dumps(payload).encode()


@pytest.mark.parametrize("request_format", ["chat", "responses"])
async def test_reasoning_is_timed_and_counted_apart(
    harness: Harness, start_server: StartServer, request_format: str
) -> None:
    server = start_server(output_tokens="8", reasoning_tokens=3, ttft_ms=5, itl_ms=20)
    backend = await harness.backend(server.url, request_format=request_format)
    response = await harness.run(backend)
    assert response.ok, response.error
    assert response.reasoning_tokens == 3
    assert response.output_tokens == 8
    assert response.text == "".join(token_text(i) for i in range(8))  # reasoning, then the answer
    assert response.first_token_ns == response.first_reasoning_ns == response.chunk_times_ns[0]
    assert response.first_answer_ns == response.chunk_times_ns[3]
    gap = response.time_to_first_answer_token_ns - response.time_to_first_reasoning_token_ns  # type: ignore[operator]
    assert gap >= 50 * MS  # three tokens of 20 ms each come between them


@pytest.mark.parametrize("request_format", ["chat", "completions", "responses"])
async def test_a_model_that_does_not_reason_has_no_reasoning(
    harness: Harness, start_server: StartServer, request_format: str
) -> None:
    server = start_server(output_tokens="4")
    backend = await harness.backend(server.url, request_format=request_format)
    response = await harness.run(backend)
    assert response.ok, response.error
    assert (response.reasoning_tokens, response.first_reasoning_ns) == (None, None)
    # the Responses API always breaks usage down (OpenAI's shape): zero cached tokens is what the server said
    assert response.cached_prompt_tokens == (0 if request_format == "responses" else None)
    assert response.first_answer_ns == response.first_token_ns


async def test_the_delta_reasoning_key_and_the_servers_counts(harness: Harness, scripted: type[ScriptedServer]) -> None:
    """``delta.reasoning`` (newer vLLM) counts as reasoning; the usage's own counts win over the streamed ones."""
    usage = {
        "prompt_tokens": 20,
        "completion_tokens": 6,
        "prompt_tokens_details": {"cached_tokens": 16},
        "completion_tokens_details": {"reasoning_tokens": 4},
    }
    pieces = [
        chat_chunk({"role": "assistant", "content": ""}),
        chat_chunk({"reasoning": " hmm"}) + chat_chunk({"reasoning": " so"}),
        chat_chunk({"content": " Yes"}) + chat_chunk({"content": "."}),
        chat_chunk(usage=usage) + b"data: [DONE]\n\n",
    ]
    async with scripted(pieces, pause_s=0.05) as server:
        backend = await harness.backend(server.url, validate=False, model="m")
        response = await harness.run(backend)
    assert response.ok, response.error
    assert response.text == " hmm so Yes."
    assert (response.reasoning_tokens, response.output_tokens, response.cached_prompt_tokens) == (4, 6, 16)
    assert response.first_reasoning_ns == response.first_token_ns
    assert response.first_answer_ns is not None
    assert response.first_answer_ns - response.first_token_ns >= 40 * MS


async def test_a_zero_reasoning_count_from_a_model_that_does_not_reason_is_not_reasoning(
    harness: Harness, scripted: type[ScriptedServer]
) -> None:
    usage = {"prompt_tokens": 2, "completion_tokens": 1, "completion_tokens_details": {"reasoning_tokens": 0}}
    pieces = [chat_chunk({"content": "x"}) + chat_chunk(usage=usage) + b"data: [DONE]\n\n"]
    async with scripted(pieces) as server:
        backend = await harness.backend(server.url, validate=False, model="m")
        response = await harness.run(backend)
    assert response.ok, response.error
    assert response.reasoning_tokens is None


async def test_a_zero_reasoning_count_after_streamed_reasoning_keeps_the_streamed_count(
    harness: Harness, scripted: type[ScriptedServer]
) -> None:
    """vLLM's server says 0 when the template opened the reasoning; the reasoning that arrived still counts."""
    usage = {"prompt_tokens": 2, "completion_tokens": 3, "completion_tokens_details": {"reasoning_tokens": 0}}
    pieces = [
        chat_chunk({"reasoning_content": " hmm"}) + chat_chunk({"reasoning_content": " so"}),
        chat_chunk({"content": " Yes"}) + chat_chunk(usage=usage) + b"data: [DONE]\n\n",
    ]
    async with scripted(pieces) as server:
        backend = await harness.backend(server.url, validate=False, model="m")
        response = await harness.run(backend)
    assert response.ok, response.error
    assert response.reasoning_tokens == 2
    assert response.first_answer_ns is not None


@pytest.mark.parametrize("request_format", ["chat", "completions", "responses"])
@pytest.mark.parametrize("stream", [True, False])
async def test_cached_prompt_tokens_from_usage(
    harness: Harness, start_server: StartServer, request_format: str, stream: bool
) -> None:
    server = start_server(output_tokens="4", cached_tokens=3)
    backend = await harness.backend(server.url, request_format=request_format, stream=stream)
    response = await harness.run(backend)
    assert response.ok, response.error
    assert response.cached_prompt_tokens == 3


@pytest.mark.parametrize("request_format", ["chat", "responses"])
async def test_whole_responses_take_the_reasoning_count_from_usage(
    harness: Harness, start_server: StartServer, request_format: str
) -> None:
    server = start_server(output_tokens="8", reasoning_tokens=3)
    backend = await harness.backend(server.url, request_format=request_format, stream=False)
    response = await harness.run(backend)
    assert response.ok, response.error
    assert response.reasoning_tokens == 3
    assert response.text == "".join(token_text(i) for i in range(3, 8))  # the answer only


async def test_a_benchmark_of_a_reasoning_model_reports_both_times(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="6", reasoning_tokens=2, cached_tokens=5, itl_ms=20)
    backend = await harness.backend(server.url)
    accumulator = BenchmarkAccumulator()
    for number in range(3):
        response = await harness.run(backend, GenerationRequest(str(number), prompt="a fairly long prompt " * 4))
        accumulator.add(response)
    metrics = accumulator.summary(0, 1)
    assert (metrics.tokens.reasoning_tokens, metrics.tokens.answer_tokens) == (6, 12)
    assert metrics.tokens.cached_prompt_tokens == 15
    assert metrics.time_to_first_reasoning_token is not None
    assert metrics.time_to_first_answer_token is not None
    assert metrics.time_to_first_reasoning_token.count == metrics.time_to_first_answer_token.count == 3
    assert metrics.time_to_first_answer_token.p50 > metrics.time_to_first_reasoning_token.p50  # type: ignore[operator]
    assert metrics.ttft.p50 == metrics.time_to_first_reasoning_token.p50  # TTFT: the first token of either kind
