"""Fixtures of the openai_http tests: simulated servers on 127.0.0.1 (stopped after each test) and backends."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from typing import Any

import pytest

from gaugellm import GenerationRequest, GenerationResponse
from gaugellm_openai.args import OpenAIHTTPBackendArgs
from gaugellm_openai.backend import OpenAIHTTPBackend
from gaugellm_openai.mock import MockServer, MockServerConfig, mock_server

StartServer = Callable[..., MockServer]


@pytest.fixture(autouse=True)
def _no_ambient_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own OPENAI_API_KEY must not leak into (or change) these tests."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    """``start_server(**config)``: a simulated server in a thread of this process, stopped at the end of the test."""
    with ExitStack() as stack:

        def start(**config: Any) -> MockServer:
            manager: AbstractContextManager[MockServer] = mock_server(MockServerConfig(**config), in_process=True)
            return stack.enter_context(manager)

        yield start


@pytest.fixture
def server(start_server: StartServer) -> MockServer:
    """A default simulated server: 8 tokens, no delays."""
    return start_server(output_tokens="8")


class ScriptedServer:
    """Answers every request with fixed body pieces (a pause between them) and keeps each request's head and body."""

    def __init__(
        self, pieces: list[bytes], *, pause_s: float = 0.0, content_type: bytes = b"text/event-stream"
    ) -> None:
        self._pieces = pieces
        self._pause_s = pause_s
        self._content_type = content_type
        self.requests: list[tuple[bytes, bytes]] = []
        self._server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
        )
        self.requests.append((head, await reader.readexactly(length)))
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: %s\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
            % self._content_type
        )
        for number, piece in enumerate(self._pieces):
            if number:
                await asyncio.sleep(self._pause_s)
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        writer.close()

    async def __aenter__(self) -> ScriptedServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


@pytest.fixture
def scripted() -> type[ScriptedServer]:
    """``async with scripted(pieces) as server``: a server that answers shapes the simulated server never sends."""
    return ScriptedServer


@pytest.fixture
def free_port() -> int:
    """A port nothing listens on (bound then released), for connection-refused tests."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class Harness:
    """Starts backends (closing them at the end) and runs single requests through them."""

    def __init__(self) -> None:
        self.backends: list[OpenAIHTTPBackend] = []

    async def backend(self, target: str, *, validate: bool = True, **args: Any) -> OpenAIHTTPBackend:
        backend = OpenAIHTTPBackend(OpenAIHTTPBackendArgs(target=target, **args))
        self.backends.append(backend)
        await backend.process_startup()
        if validate:
            await backend.validate()
        return backend

    @staticmethod
    async def run(
        backend: OpenAIHTTPBackend, request: GenerationRequest | None = None, **request_fields: Any
    ) -> GenerationResponse:
        if request is None:
            fields: dict[str, Any] = {"request_id": "r1", "prompt": "Hello there, simulated model."}
            fields.update(request_fields)
            request = GenerationRequest(**fields)
        response = GenerationResponse(request.request_id)
        response.mark_dispatched()
        await backend.resolve(request, response)
        return response


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    harness = Harness()
    yield harness
    for backend in harness.backends:
        await backend.process_shutdown()
