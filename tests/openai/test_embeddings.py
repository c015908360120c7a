"""Embeddings (``request_format: /v1/embeddings``) over real loopback HTTP, and the report of an embedding run: the
metrics that make sense (latency, requests/s, prompt tokens/s) and none that do not (no TTFT, ITL or output rate,
not even as a zero or a dash)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from rich.console import Console

from gaugellm import ErrorKind, GenerationRequest
from gaugellm.metrics import BenchmarkAccumulator
from gaugellm.reports import BenchmarkReport, RunReport, render_console, write_report

if TYPE_CHECKING:  # fixtures' types only: test modules import nothing from conftest at run time
    from .conftest import Harness, ScriptedServer, StartServer

MS = 1_000_000


@pytest.mark.parametrize("http_client", ["auto", "httpx"])
async def test_the_request_on_the_wire(harness: Harness, scripted: type[ScriptedServer], http_client: str) -> None:
    answer = {"object": "list", "data": [{"embedding": [0.5]}] * 3, "usage": {"prompt_tokens": 6}}
    async with scripted([json.dumps(answer).encode()], content_type=b"application/json") as server:
        backend = await harness.backend(
            server.url, validate=False, model="m", request_format="embeddings", batch_size=3,
            max_tokens=9, ignore_eos=True, http_client=http_client,
        )  # fmt: skip
        response = await harness.run(backend, GenerationRequest("e", prompt="Hello"))
    ((head, body),) = server.requests
    assert head.startswith(b"POST /v1/embeddings HTTP/1.1\r\n")
    assert body == b'{"model":"m","input":["Hello","Hello","Hello"],"encoding_format":"float"}'  # nothing generative
    assert response.ok, response.error
    assert (response.prompt_tokens, response.prompt_tokens_source) == (6, "server")


@pytest.mark.parametrize("batch", [1, 4])
async def test_the_simulated_server_answers_embeddings(harness: Harness, start_server: StartServer, batch: int) -> None:
    server = start_server(pooling_ms=30, embedding_dim=16)
    backend = await harness.backend(server.url, request_format="embeddings", batch_size=batch)
    response = await harness.run(backend, GenerationRequest("e", prompt="twelve characters long!!"))
    assert response.ok, response.error
    assert response.chunk_times_ns == []
    assert response.first_token_ns is None
    assert response.output_tokens is None
    assert response.prompt_tokens == 6 * batch
    assert response.extras["embeddings"] == batch
    assert response.latency_ns is not None
    assert response.latency_ns >= 25 * MS


async def test_chat_messages_are_flattened_into_the_input(harness: Harness, start_server: StartServer) -> None:
    server = start_server()
    backend = await harness.backend(server.url, request_format="embeddings")
    response = await harness.run(backend, GenerationRequest("e", messages=[{"role": "user", "content": "hi"}]))
    assert response.ok, response.error


@pytest.mark.parametrize(
    ("answer", "kind", "words"),
    [
        (b"<html>", ErrorKind.PROTOCOL, "not JSON"),
        (b'{"data": [{"embedding": [1.0]}]}', ErrorKind.PROTOCOL, "1 embeddings results answered for 2 inputs"),
        (b'{"data": [{"embedding": []}, {"index": 1}]}', ErrorKind.PROTOCOL, "without an 'embedding'"),
        (b'{"error": {"message": "too long"}}', ErrorKind.BACKEND, "too long"),
        (b'{"object": "list"}', ErrorKind.PROTOCOL, "no 'data'"),
    ],
)
async def test_broken_answers_become_error_records(
    harness: Harness, scripted: type[ScriptedServer], answer: bytes, kind: ErrorKind, words: str
) -> None:
    async with scripted([answer], content_type=b"application/json") as server:
        backend = await harness.backend(
            server.url, validate=False, model="m", request_format="embeddings", batch_size=2
        )
        response = await harness.run(backend)
    assert response.error is not None
    assert response.error.kind is kind
    assert words in response.error.message


async def test_the_simulated_server_refuses_a_bad_input(harness: Harness, start_server: StartServer) -> None:
    server = start_server()
    backend = await harness.backend(server.url, request_format="embeddings")
    response = await harness.run(backend, params={"input": [1.5]})
    assert response.error is not None
    assert response.error.status_code == 400


async def test_an_embedding_run_reports_only_what_applies(
    harness: Harness, start_server: StartServer, tmp_path: Path
) -> None:
    server = start_server(pooling_ms=2)
    backend = await harness.backend(server.url, request_format="embeddings", batch_size=2)
    accumulator = BenchmarkAccumulator()
    for number in range(5):
        response = await harness.run(backend, GenerationRequest(str(number), prompt="x" * 40))
        response.scheduled_ns = response.dispatched_ns
        accumulator.add(response)
    metrics = accumulator.summary(0, 10**9)
    assert metrics.requests.successful == 5
    assert metrics.prompt_tokens_per_s == 100.0  # 5 requests x 2 inputs x 10 tokens in one second
    assert metrics.output_tokens_per_s is None
    assert metrics.ttft.count == metrics.itl.count == 0
    assert metrics.latency.count == 5
    benchmark = BenchmarkReport(name="embeddings", profile={"kind": "synchronous"}, started_at=0, duration_s=1,
                                metrics=metrics)  # fmt: skip
    report = RunReport(benchmarks=[benchmark], complete=True)

    document = json.loads(write_report(report, tmp_path / "run.json").read_text())["benchmarks"][0]["metrics"]
    assert document["ttft"]["p50"] is None
    assert document["itl"]["mean"] is None
    assert document["output_tokens_per_s"] is None

    with write_report(report, tmp_path / "run.csv").open(newline="") as handle:
        row = next(csv.DictReader(handle))
    assert row["ttft_p50_ms"] == row["itl_p50_ms"] == row["output_tokens_per_s"] == ""
    assert float(row["prompt_tokens_per_s"]) == 100.0
    assert float(row["latency_p50_ms"]) > 0

    console = Console(record=True, width=200)
    render_console(report, console)
    table = console.export_text()
    assert "TTFT" not in table
    assert "ITL" not in table
    assert "out tok/s" not in table
    assert "in tok/s" in table

    html = write_report(report, tmp_path / "run.html").read_text()
    assert "TTFT" not in html
    assert "ITL" not in html
    assert "Inter-token" not in html
    assert "prompt tok/s" in html
    assert "Latency (end - dispatch)" in html
