"""Tool calls over real loopback HTTP: tools from the data reach the server in each endpoint's shape, a streamed tool
call is output (its first delta stops the time-to-first-token clock) and the calls are counted into the report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from gaugellm import GenerationRequest
from gaugellm.data import load_dataset
from gaugellm.metrics import BenchmarkAccumulator
from gaugellm_openai.mock.tools import argument_fragments

if TYPE_CHECKING:  # fixtures' types only: test modules import nothing from conftest at run time
    from .conftest import Harness, ScriptedServer, StartServer

MS = 1_000_000
WEATHER = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}},
}


def chat_chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return b"data: %s\n\n" % json.dumps({"object": "chat.completion.chunk", "choices": [choice]}).encode()


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("request_format", ["chat", "responses"])
async def test_the_simulated_server_answers_with_a_tool_call(
    harness: Harness, start_server: StartServer, request_format: str, stream: bool
) -> None:
    server = start_server(output_tokens="6", tool_calls=True, ttft_ms=5, itl_ms=2)
    backend = await harness.backend(server.url, request_format=request_format, stream=stream)
    request = GenerationRequest("t", prompt="What is the weather in Paris?", params={"tools": [WEATHER]})
    response = await harness.run(backend, request)
    assert response.ok, response.error
    assert response.tool_calls == 1
    assert response.text.endswith("".join(argument_fragments(6)))
    assert response.output_tokens == 6
    if stream:
        assert response.first_token_ns == response.chunk_times_ns[0]
        assert "get_weather" in response.text_parts[0]  # the call's name comes with its first delta
    if request_format == "chat":
        assert response.finish_reason == "tool_calls"


async def test_without_tools_the_server_answers_text(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="4", tool_calls=True)
    backend = await harness.backend(server.url)
    response = await harness.run(backend)
    assert response.ok, response.error
    assert response.tool_calls is None


async def test_tools_are_sent_in_each_endpoints_shape(harness: Harness, scripted: type[ScriptedServer]) -> None:
    chat_stream = chat_chunk({"content": "x"}, "stop") + b"data: [DONE]\n\n"
    request = GenerationRequest("t", prompt="hi", params={"tools": [WEATHER]})
    async with scripted([chat_stream]) as server:
        chat = await harness.backend(server.url, validate=False, model="m")
        responses = await harness.backend(server.url, validate=False, model="m", request_format="responses")
        embeddings = await harness.backend(server.url, validate=False, model="m", request_format="embeddings")
        await harness.run(chat, request)
        await harness.run(responses, request)
        await harness.run(embeddings, request)
    chat_body, responses_body, embeddings_body = (json.loads(body) for _, body in server.requests)
    assert chat_body["tools"] == [WEATHER]
    assert responses_body["tools"] == [{"type": "function", **WEATHER["function"]}]
    assert "tools" not in embeddings_body


async def test_parallel_tool_calls_are_counted_by_index(harness: Harness, scripted: type[ScriptedServer]) -> None:
    """Two calls in one answer, streamed interleaved (parallel tool calls); the first delta is the first token."""

    def call(index: int, **function: str) -> dict[str, Any]:
        return {"tool_calls": [{"index": index, "type": "function", "function": function}]}

    pieces = [
        chat_chunk({"role": "assistant", "content": None}),
        chat_chunk(call(0, name="f", arguments="")),
        chat_chunk(call(1, name="g", arguments=""))
        + chat_chunk(call(0, arguments="{}"))
        + chat_chunk(call(1, arguments="{}"), "tool_calls")
        + b"data: [DONE]\n\n",
    ]
    async with scripted(pieces, pause_s=0.05) as server:
        backend = await harness.backend(server.url, validate=False, model="m")
        response = await harness.run(backend)
    assert response.ok, response.error
    assert response.tool_calls == 2
    assert response.text == "f{}g{}" or response.text == "fg{}{}"
    assert response.chunk_times_ns[0] == response.first_token_ns
    assert response.chunk_times_ns[1] - response.chunk_times_ns[0] >= 40 * MS  # the first delta was timed alone
    assert response.finish_reason == "tool_calls"


async def test_a_tool_call_benchmark_counts_calls(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="4", tool_calls=True)
    backend = await harness.backend(server.url)
    accumulator = BenchmarkAccumulator()
    for number in range(4):
        params = {"tools": [WEATHER]} if number % 2 else {}
        accumulator.add(await harness.run(backend, GenerationRequest(str(number), prompt="hi", params=params)))
    metrics = accumulator.summary(0, 10**9)
    assert (metrics.tool_calls, metrics.tool_call_requests) == (2, 2)


def test_tools_come_from_a_jsonl_column_or_a_synthetic_spec(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps({"prompt": "weather?", "tools": [WEATHER]}) + "\n" + json.dumps({"prompt": "hi"}) + "\n")
    dataset = load_dataset(str(path))
    assert dataset.request(0).params["tools"] == [WEATHER]
    assert "tools" not in dataset.request(1).params
    synthetic = load_dataset("prompt_tokens=16,output_tokens=4,tools=3")
    tools = synthetic.request(0).params["tools"]
    assert [tool["function"]["name"] for tool in tools] == ["tool_0", "tool_1", "tool_2"]
    assert synthetic.request(5).params["tools"] == tools
