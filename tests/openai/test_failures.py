"""Every failure becomes a record (never an exception out of ``resolve``), and cancellation closes the stream."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import pytest

from gaugellm import ErrorKind
from gaugellm.errors import BackendUnavailableError
from gaugellm_openai.mock import MockServer

if TYPE_CHECKING:  # fixtures' types only: test modules import nothing from conftest at run time
    from .conftest import Harness, StartServer


async def wait_for(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_http_status_with_the_servers_message(harness: Harness, start_server: StartServer, status: int) -> None:
    server = start_server(error_rate=1.0, error_status=status)
    backend = await harness.backend(server.url)
    response = await harness.run(backend)
    assert response.error is not None
    assert response.error.kind is ErrorKind.HTTP_STATUS
    assert response.error.status_code == status
    assert f"HTTP {status}" in response.error.message
    assert "injected error" in response.error.message  # the server's own message, from its JSON body
    assert response.ended_ns is not None


async def test_unknown_model_is_a_404_naming_it(harness: Harness, server: MockServer) -> None:
    backend = await harness.backend(server.url, model="no-such-model")
    response = await harness.run(backend)
    assert response.error is not None
    assert response.error.status_code == 404
    assert "no-such-model" in response.error.message


async def test_bad_request_non_streaming(harness: Harness, server: MockServer) -> None:
    backend = await harness.backend(server.url, stream=False, extra_body={"max_tokens": "lots"})
    response = await harness.run(backend)
    assert response.error is not None
    assert (response.error.kind, response.error.status_code) == (ErrorKind.HTTP_STATUS, 400)
    assert "max_tokens" in response.error.message


async def test_connection_refused(harness: Harness, free_port: int) -> None:
    backend = await harness.backend(f"http://127.0.0.1:{free_port}", validate=False, model="m", connect_timeout=2)
    response = await harness.run(backend)
    assert response.error is not None
    assert response.error.kind is ErrorKind.CONNECT
    assert response.ended_ns is not None


async def test_validate_unreachable_raises_a_readable_error(harness: Harness, free_port: int) -> None:
    backend = await harness.backend(f"http://127.0.0.1:{free_port}", validate=False, api_key="sk-secret-123456")
    with pytest.raises(BackendUnavailableError) as caught:
        await backend.validate()
    message = str(caught.value)
    assert f"127.0.0.1:{free_port}" in message
    assert "unreachable" in message
    assert "sk-secret-123456" not in message


async def test_validate_falls_back_to_models_without_health(harness: Harness, server: MockServer) -> None:
    # a gateway without /health: the (overridden) health route 404s, /v1/models proves readiness
    backend = await harness.backend(server.url, api_routes={"health": "/no-health-here"})
    assert backend.info["model"] == "gaugellm-mock"


async def test_validate_fails_when_neither_health_nor_models_answer(harness: Harness, server: MockServer) -> None:
    backend = await harness.backend(
        server.url, validate=False, api_routes={"health": "/nothing", "models": "/nothing-either"}
    )
    with pytest.raises(BackendUnavailableError, match="404"):
        await backend.validate()


async def test_validate_with_an_explicit_path_and_disabled(harness: Harness, server: MockServer) -> None:
    await harness.backend(server.url, validate_backend="/v1/models")
    backend = await harness.backend(server.url, validate_backend="/nope", validate=False)
    with pytest.raises(BackendUnavailableError):
        await backend.validate()
    await harness.backend("http://127.0.0.1:9", validate_backend=False, model="m")  # no check, no error


async def test_read_timeout_on_a_stalled_stream(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="8", stall_rate=1.0, stall_ms=3000, fault_after_tokens=3)
    backend = await harness.backend(server.url, read_timeout=0.3)
    response = await harness.run(backend)
    assert response.error is not None
    assert response.error.kind is ErrorKind.TIMEOUT
    assert "read timeout" in response.error.message
    assert len(response.chunk_times_ns) == 3  # what arrived before the stall is kept
    assert response.output_tokens_source == "estimate"


async def test_stall_shorter_than_timeout_is_survived(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="6", stall_rate=1.0, stall_ms=50)
    backend = await harness.backend(server.url, read_timeout=5)
    response = await harness.run(backend)
    assert response.ok
    assert len(response.chunk_times_ns) == 6
    assert server.stats()["stalls"] == 1


async def test_timeout_before_any_byte(harness: Harness, start_server: StartServer) -> None:
    server = start_server(ttft_ms=3000, output_tokens="2")
    backend = await harness.backend(server.url, read_timeout=0.2, stream=False)
    response = await harness.run(backend)
    assert response.error is not None
    assert response.error.kind is ErrorKind.TIMEOUT


@pytest.mark.parametrize("paced", [False, True])
async def test_connection_dropped_mid_stream(harness: Harness, start_server: StartServer, paced: bool) -> None:
    server = start_server(output_tokens="8", drop_rate=1.0, fault_after_tokens=4, itl_ms=1 if paced else 0)
    backend = await harness.backend(server.url)
    response = await harness.run(backend)
    assert response.error is not None
    assert response.error.kind is ErrorKind.INCOMPLETE
    assert len(response.chunk_times_ns) == 4
    assert server.stats()["drops"] == 1


async def test_malformed_chunk_is_a_protocol_error(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="8", malformed_rate=1.0, fault_after_tokens=2)
    backend = await harness.backend(server.url)
    response = await harness.run(backend)
    assert response.error is not None
    assert response.error.kind is ErrorKind.PROTOCOL
    assert "malformed JSON" in response.error.message
    assert len(response.chunk_times_ns) == 2
    # the broken connection was dropped, not reused mid-response: the next request gets a fresh, full answer
    again = await harness.run(backend)
    assert again.error is not None
    assert again.error.kind is ErrorKind.PROTOCOL
    assert len(again.chunk_times_ns) == 2


async def test_faults_with_a_rate_hit_some_requests_only(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="4", error_rate=0.5, seed=1)
    backend = await harness.backend(server.url)
    responses = await asyncio.gather(*(harness.run(backend, request_id=str(i)) for i in range(40)))
    failed = sum(1 for response in responses if not response.ok)
    assert 0 < failed < 40
    assert failed == server.stats()["errors_injected"]


async def test_cancellation_closes_the_stream_and_propagates(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="50", ttft_ms=1, itl_ms=50)
    backend = await harness.backend(server.url)
    from gaugellm import GenerationRequest, GenerationResponse

    response = GenerationResponse("c")
    first_token = asyncio.Event()
    response.on_first_token = lambda _: first_token.set()
    task = asyncio.create_task(backend.resolve(GenerationRequest("c", prompt="hi"), response))
    await asyncio.wait_for(first_token.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert response.error is not None
    assert response.error.kind is ErrorKind.CANCELLED
    assert len(response.chunk_times_ns) >= 1  # what was recorded is kept
    await wait_for(lambda: server.stats()["cancelled"] == 1)  # the server saw the client leave
    assert server.stats()["active_streams"] == 0


async def test_resolve_before_startup_is_a_record_not_a_crash() -> None:
    from gaugellm import GenerationRequest, GenerationResponse
    from gaugellm_openai.args import OpenAIHTTPBackendArgs
    from gaugellm_openai.backend import OpenAIHTTPBackend

    backend = OpenAIHTTPBackend(OpenAIHTTPBackendArgs(target="http://127.0.0.1:9"))
    response = GenerationResponse("x")
    await backend.resolve(GenerationRequest("x", prompt="hi"), response)
    assert response.error is not None
    assert response.error.kind is ErrorKind.BACKEND


async def test_stream_without_done_after_finish_is_accepted(harness: Harness) -> None:
    """A server that ends its body after the finish chunk without ``[DONE]`` (seen in some proxies)."""
    body = (
        b'data: {"choices":[{"index":0,"text":" a","finish_reason":null}]}\n\n'
        b'data: {"choices":[{"index":0,"text":" b","finish_reason":"stop"}]}\n\n'
    )
    cut = b'data: {"choices":[{"index":0,"text":" a","finish_reason":null}]}\n\n'
    async with raw_server(body) as url_ok, raw_server(cut) as url_cut:
        ok = await harness.run(await harness.backend(url_ok, request_format="completions", validate=False, model="m"))
        assert ok.ok
        assert ok.text == " a b"
        assert ok.extras.get("missing_done") is True
        bad = await harness.run(await harness.backend(url_cut, request_format="completions", validate=False, model="m"))
        assert bad.error is not None
        assert bad.error.kind is ErrorKind.INCOMPLETE


async def test_non_json_body_is_a_protocol_error(harness: Harness) -> None:
    async with raw_server(b"<html>not json</html>", content_type=b"text/html") as url:
        backend = await harness.backend(url, stream=False, validate=False, model="m")
        response = await harness.run(backend)
    assert response.error is not None
    assert response.error.kind is ErrorKind.PROTOCOL


class raw_server:  # noqa: N801 - used like a function
    """A tiny server that answers every request with one fixed body (shapes the simulated server never sends)."""

    def __init__(self, body: bytes, content_type: bytes = b"text/event-stream") -> None:
        self._response = b"HTTP/1.1 200 OK\r\ncontent-type: %s\r\ncontent-length: %d\r\nconnection: close\r\n\r\n%s" % (
            content_type,
            len(body),
            body,
        )
        self._server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(self._response)
        await writer.drain()
        writer.close()

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
