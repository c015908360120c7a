"""The Responses API (``request_format: /v1/responses``) over real loopback HTTP: what is sent, what is parsed.

Golden tests pin the exact request body on the wire and the reading of a stream in OpenAI's event shape (served
by a tiny scripted server); the simulated server's own ``/v1/responses`` is exercised streamed and whole, paced and
not, and every broken stream must end as an error record.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from gaugellm import ErrorKind, GenerationRequest
from gaugellm_openai.args import OpenAIHTTPBackendArgs
from gaugellm_openai.mock.content import token_text
from gaugellm_openai.sse import SSEDecoder

if TYPE_CHECKING:  # fixtures' types only: test modules import nothing from conftest at run time
    from .conftest import Harness, ScriptedServer, StartServer


def expected_text(n: int) -> str:
    return "".join(token_text(i) for i in range(n))


def event(payload: dict[str, Any]) -> bytes:
    """One event as OpenAI frames it: the event line, then the JSON, then a blank line."""
    return b"event: %s\ndata: %s\n\n" % (payload["type"].encode(), json.dumps(payload).encode())


def golden_stream(status: str = "completed", usage: dict[str, Any] | None = None) -> list[bytes]:
    """A stream in the shape of OpenAI's documentation, as two writes: the opening events, then the rest."""
    usage = usage if usage is not None else {"input_tokens": 11, "output_tokens": 3, "total_tokens": 14}
    opening = event(
        {"type": "response.created", "sequence_number": 0, "response": {"id": "resp_1", "status": "in_progress"}}
    )
    opening += event({"type": "response.in_progress", "sequence_number": 1, "response": {"id": "resp_1"}})
    opening += event(
        {"type": "response.output_item.added", "sequence_number": 2, "output_index": 0, "item": {"type": "message"}}
    )
    rest = b"".join(
        event({"type": "response.output_text.delta", "sequence_number": 3 + i, "item_id": "msg_1", "delta": word})
        for i, word in enumerate(["Hello", ",", " world"])
    )
    rest += event({"type": "response.output_text.done", "sequence_number": 6, "text": "Hello, world"})
    terminal: dict[str, Any] = {"id": "resp_1", "status": status, "usage": usage}
    if status == "incomplete":
        terminal["incomplete_details"] = {"reason": "max_output_tokens"}
    rest += event({"type": f"response.{status}", "sequence_number": 7, "response": terminal})
    return [opening, rest]


# -- what is sent -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("http_client", ["auto", "httpx"])
async def test_the_request_on_the_wire(harness: Harness, http_client: str, scripted: type[ScriptedServer]) -> None:
    async with scripted(golden_stream()) as server:
        backend = await harness.backend(
            server.url, validate=False, model="m", request_format="responses", http_client=http_client,
            extra_body={"temperature": 0, "stream_options": {"include_obfuscation": False}},
        )  # fmt: skip
        await harness.run(backend, GenerationRequest("p", prompt="Hello", max_tokens=7))
        await harness.run(backend, GenerationRequest("c", messages=[{"role": "user", "content": "Hi"}]))
    (head, body), (_, chat_body) = server.requests
    assert head.startswith(b"POST /v1/responses HTTP/1.1\r\n")
    assert body == (
        b'{"temperature":0,"stream_options":{"include_obfuscation":false},'
        b'"model":"m","input":"Hello","max_output_tokens":7,"stream":true}'
    )
    assert chat_body == (
        b'{"temperature":0,"stream_options":{"include_obfuscation":false},'
        b'"model":"m","input":[{"role":"user","content":"Hi"}],"stream":true}'
    )


async def test_a_whole_request_sends_no_stream_options_and_honours_the_route(
    harness: Harness, scripted: type[ScriptedServer]
) -> None:
    whole = json.dumps({"id": "r", "status": "completed", "output": [], "usage": None}).encode()
    async with scripted([whole], content_type=b"application/json") as server:
        backend = await harness.backend(
            server.url, validate=False, model="m", request_format="/v1/responses", stream=False, ignore_eos=True,
            max_tokens=5, api_routes={"responses": "/openai/responses?api-version=1"},
            extra_body={"stream_options": {"include_obfuscation": False}},
        )  # fmt: skip
        response = await harness.run(backend)
    ((head, body),) = server.requests
    assert head.startswith(b"POST /openai/responses?api-version=1 HTTP/1.1\r\n")
    assert json.loads(body) == {
        "model": "m",
        "input": "Hello there, simulated model.",
        "max_output_tokens": 5,
        "ignore_eos": True,
        "stream": False,
    }
    assert response.ok, response.error


def test_request_format_aliases_and_routes() -> None:
    args = OpenAIHTTPBackendArgs(target="http://h", request_format="responses")
    assert (args.request_format, args.api_kind, args.route(args.route_name)) == (
        "/v1/responses",
        "responses",
        "/v1/responses",
    )
    assert OpenAIHTTPBackendArgs(target="http://h").api_kind == "chat"
    assert OpenAIHTTPBackendArgs(target="http://h", request_format="text").api_kind == "completions"


# -- what is parsed ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("http_client", ["auto", "httpx"])
async def test_a_golden_stream_is_parsed_and_timed_from_the_first_delta(
    harness: Harness, http_client: str, scripted: type[ScriptedServer]
) -> None:
    async with scripted(golden_stream(), pause_s=0.2) as server:
        backend = await harness.backend(
            server.url, validate=False, model="m", request_format="responses", http_client=http_client
        )
        response = await harness.run(backend)
    assert response.ok, response.error
    assert response.text == "Hello, world"
    assert response.chunk_tokens == [1, 1, 1]  # the opening events and the .done events are not tokens
    assert response.finish_reason == "stop"
    assert (response.prompt_tokens, response.output_tokens, response.output_tokens_source) == (11, 3, "server")
    ttft = response.time_to_first_token_ns
    assert ttft is not None
    assert ttft >= 150_000_000  # the opening events came 200 ms before the first delta: they did not stop the clock


async def test_an_incomplete_response_finishes_with_length(harness: Harness, scripted: type[ScriptedServer]) -> None:
    async with scripted(golden_stream("incomplete")) as server:
        backend = await harness.backend(server.url, validate=False, model="m", request_format="responses")
        response = await harness.run(backend)
    assert response.ok, response.error
    assert response.finish_reason == "length"


@pytest.mark.parametrize(
    ("pieces", "kind", "words"),
    [
        ([b"event: response.output_text.delta\ndata: {not json\n\n"], ErrorKind.PROTOCOL, "malformed JSON"),
        ([b"data: [1, 2]\n\n"], ErrorKind.PROTOCOL, "not a JSON object"),
        ([event({"type": "response.output_text.delta", "delta": 5})], ErrorKind.PROTOCOL, "string 'delta'"),
        (golden_stream()[:1], ErrorKind.INCOMPLETE, "response.completed"),
        (
            [event({"type": "response.failed", "response": {"status": "failed", "error": {"message": "GPU on fire"}}})],
            ErrorKind.BACKEND,
            "GPU on fire",
        ),
        ([event({"type": "error", "code": "overloaded", "message": "too busy"})], ErrorKind.BACKEND, "too busy"),
    ],
    ids=["bad-json", "not-object", "bad-delta", "no-terminal-event", "response-failed", "error-event"],
)
async def test_broken_streams_become_error_records(
    harness: Harness, pieces: list[bytes], kind: ErrorKind, words: str, scripted: type[ScriptedServer]
) -> None:
    async with scripted(pieces) as server:
        backend = await harness.backend(server.url, validate=False, model="m", request_format="responses")
        response = await harness.run(backend)
    assert response.error is not None
    assert response.error.kind is kind
    assert words in response.error.message
    assert response.ended_ns is not None


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"<html>", ErrorKind.PROTOCOL),
        (b'{"id": "r", "choices": []}', ErrorKind.PROTOCOL),
        (b'{"error": {"message": "nope"}}', ErrorKind.BACKEND),
        (b'{"status": "failed", "output": [], "error": {"message": "nope"}}', ErrorKind.BACKEND),
    ],
)
async def test_broken_whole_responses_become_error_records(
    harness: Harness, body: bytes, kind: ErrorKind, scripted: type[ScriptedServer]
) -> None:
    async with scripted([body], content_type=b"application/json") as server:
        backend = await harness.backend(server.url, validate=False, model="m", request_format="responses", stream=False)
        response = await harness.run(backend)
    assert response.error is not None
    assert response.error.kind is kind


def test_the_decoder_fast_path_for_named_events() -> None:
    decoder = SSEDecoder()
    stream = b"".join(golden_stream())
    events = decoder.feed(stream[:50]) + decoder.feed(stream[50:])
    assert [json.loads(data)["type"] for data in events][-2:] == ["response.output_text.done", "response.completed"]
    assert len(events) == 8
    assert decoder.feed(b"event: x\n\n") == []  # an event without data dispatches nothing
    assert decoder.feed(b"event: x\ndata: a\ndata: b\n\n") == [b"a\nb"]  # several data lines: the slow path


# -- the simulated server ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("paced", [False, True])
async def test_the_simulated_server_speaks_responses(
    harness: Harness, start_server: StartServer, stream: bool, paced: bool
) -> None:
    server = start_server(output_tokens="8", itl_ms=1 if paced else 0)
    backend = await harness.backend(server.url, request_format="responses", stream=stream)
    response = await harness.run(backend, GenerationRequest("m", messages=[{"role": "user", "content": "hi"}]))
    assert response.ok, response.error
    assert response.text == expected_text(8)
    assert len(response.chunk_times_ns) == (8 if stream else 1)
    assert (response.output_tokens, response.output_tokens_source) == (8, "server")
    assert response.prompt_tokens_source == "server"
    assert response.finish_reason == "stop"


@pytest.mark.parametrize("stream", [True, False])
async def test_the_simulated_server_cuts_at_max_output_tokens(
    harness: Harness, start_server: StartServer, stream: bool
) -> None:
    server = start_server(output_tokens="20", tokens_per_chunk=3, multiline_data=True, keepalive_every=2)
    backend = await harness.backend(server.url, request_format="responses", stream=stream)
    response = await harness.run(backend, max_tokens=7)
    assert response.ok, response.error
    assert response.text == expected_text(7)
    assert response.finish_reason == "length"
    assert response.output_tokens == 7
    if stream:
        assert len(response.chunk_times_ns) == 3  # 3 + 3 + 1 tokens


async def test_without_usage_the_counts_are_estimated(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="6", usage=False)
    backend = await harness.backend(server.url, request_format="responses")
    response = await harness.run(backend)
    assert response.ok, response.error
    assert (response.output_tokens, response.output_tokens_source) == (6, "estimate")


@pytest.mark.parametrize(
    ("fault", "kind"), [("malformed_rate", ErrorKind.PROTOCOL), ("drop_rate", ErrorKind.INCOMPLETE)]
)
async def test_simulated_faults_become_error_records(
    harness: Harness, start_server: StartServer, fault: str, kind: ErrorKind
) -> None:
    server = start_server(output_tokens="8", itl_ms=1, **{fault: 1.0})
    backend = await harness.backend(server.url, request_format="responses")
    response = await harness.run(backend)
    assert response.error is not None
    assert response.error.kind is kind


async def test_the_simulated_server_refuses_a_bad_input(harness: Harness, server: object) -> None:
    backend = await harness.backend(server.url, request_format="responses", extra_body={"x": 1})  # type: ignore[attr-defined]
    response = await harness.run(backend, params={"input": 42})
    assert response.error is not None
    assert response.error.status_code == 400
    assert "'input'" in response.error.message
