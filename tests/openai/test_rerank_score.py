"""Rerank and score (``/v1/rerank``, ``/v1/score``, the shapes vLLM serves) over real loopback HTTP: what is sent,
what is checked in the answer, and that they are measured like embeddings (latency and input size, nothing else)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from gaugellm import ErrorKind, GenerationRequest
from gaugellm.metrics import BenchmarkAccumulator

if TYPE_CHECKING:  # fixtures' types only: test modules import nothing from conftest at run time
    from .conftest import Harness, ScriptedServer, StartServer

MS = 1_000_000


@pytest.mark.parametrize(
    ("request_format", "answer", "expected"),
    [
        (
            "rerank",
            {"results": [{"index": 1, "relevance_score": 0.9}, {"index": 0, "relevance_score": 0.1}]},
            {"model": "m", "query": "Hello", "documents": ["Hello", "Hello"]},
        ),
        (
            "score",
            {"data": [{"index": 0, "score": 0.5}, {"index": 1, "score": 0.5}]},
            {"model": "m", "text_1": "Hello", "text_2": ["Hello", "Hello"]},
        ),
    ],
)
async def test_the_request_on_the_wire(
    harness: Harness, scripted: type[ScriptedServer], request_format: str, answer: dict[str, object], expected: object
) -> None:
    async with scripted([json.dumps(answer).encode()], content_type=b"application/json") as server:
        backend = await harness.backend(
            server.url, validate=False, model="m", request_format=request_format, batch_size=2, max_tokens=4
        )
        response = await harness.run(backend, GenerationRequest("r", prompt="Hello", params={"tools": [{}]}))
    ((head, body),) = server.requests
    assert head.startswith(f"POST /v1/{request_format} HTTP/1.1\r\n".encode())
    assert json.loads(body) == expected  # no max_tokens, stream or tools
    assert response.ok, response.error
    assert response.prompt_tokens_source == "estimate"  # no usage in these answers: the prompt's estimate, twice
    assert response.prompt_tokens == 4


@pytest.mark.parametrize("request_format", ["rerank", "score"])
@pytest.mark.parametrize("batch", [1, 5])
async def test_the_simulated_server_answers(
    harness: Harness, start_server: StartServer, request_format: str, batch: int
) -> None:
    server = start_server(pooling_ms=20)
    backend = await harness.backend(server.url, request_format=request_format, batch_size=batch)
    response = await harness.run(backend, GenerationRequest("r", prompt="eight chars!"))
    assert response.ok, response.error
    assert response.extras[request_format] == batch
    assert response.first_token_ns is None
    assert response.output_tokens is None
    assert (response.prompt_tokens, response.prompt_tokens_source) == (6 * batch, "server")  # query + document
    assert response.latency_ns is not None
    assert response.latency_ns >= 15 * MS


async def test_rerank_top_n_answers_fewer_results(harness: Harness, start_server: StartServer) -> None:
    server = start_server()
    backend = await harness.backend(server.url, request_format="rerank", batch_size=6, extra_body={"top_n": 2})
    response = await harness.run(backend)
    assert response.ok, response.error
    assert response.extras["rerank"] == 2


@pytest.mark.parametrize(
    ("request_format", "answer", "words"),
    [
        ("rerank", b'{"results": [{"index": 0}]}', "numeric 'relevance_score'"),
        ("rerank", b'{"results": []}', "0 rerank results"),
        ("rerank", b'{"data": []}', "no 'results'"),
        ("score", b'{"data": [{"score": 1.0}]}', "1 score results answered for 2 inputs"),
        ("score", b'{"data": [{"score": "high"}, {"score": 1}]}', "numeric 'score'"),
        ("score", b'{"error": {"message": "not a cross-encoder"}}', "not a cross-encoder"),
    ],
)
async def test_broken_answers_become_error_records(
    harness: Harness, scripted: type[ScriptedServer], request_format: str, answer: bytes, words: str
) -> None:
    async with scripted([answer], content_type=b"application/json") as server:
        backend = await harness.backend(
            server.url, validate=False, model="m", request_format=request_format, batch_size=2
        )
        response = await harness.run(backend)
    assert response.error is not None
    assert response.error.kind in (ErrorKind.PROTOCOL, ErrorKind.BACKEND)
    assert words in response.error.message


@pytest.mark.parametrize("params", [{"documents": "one string"}, {"query": 3}, {"text_2": []}])
async def test_the_simulated_server_refuses_bad_requests(
    harness: Harness, start_server: StartServer, params: dict[str, object]
) -> None:
    server = start_server()
    request_format = "score" if "text_2" in params else "rerank"
    backend = await harness.backend(server.url, request_format=request_format)
    response = await harness.run(backend, params=params)
    assert response.error is not None
    assert response.error.status_code == 400


@pytest.mark.parametrize("request_format", ["rerank", "score"])
async def test_a_benchmark_has_no_token_timing(
    harness: Harness, start_server: StartServer, request_format: str
) -> None:
    server = start_server()
    backend = await harness.backend(server.url, request_format=request_format, batch_size=3)
    accumulator = BenchmarkAccumulator()
    for number in range(3):
        accumulator.add(await harness.run(backend, GenerationRequest(str(number), prompt="x" * 8)))
    metrics = accumulator.summary(0, 10**9)
    assert metrics.requests.successful == 3
    assert metrics.ttft.count == metrics.itl.count == 0
    assert metrics.output_tokens_per_s is None
    assert metrics.prompt_tokens_per_s == 36.0  # 3 requests x 3 pairs x (2 + 2) tokens in one second
