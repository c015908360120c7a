"""The lean HTTP/1.1 client of streamed requests (``gaugellm_openai.h1``).

The response parser is driven directly with every way a response can be cut into reads (it must not matter), and
the client is run over loopback against small scripted servers for what only a real socket shows: kept-alive
connections, a server that closes one as it is reused, expiry, TLS.
"""

from __future__ import annotations

import asyncio
import gzip
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from gaugellm import ErrorKind
from gaugellm_openai.args import OpenAIHTTPBackendArgs
from gaugellm_openai.client import OpenAIClient, build_h1_client, fast_path_reason
from gaugellm_openai.h1 import H1Client, H1Origin, HTTPFailure, Reply, _Connection, _Exchange

if TYPE_CHECKING:
    from .conftest import Harness, StartServer

EVENTS = b'data: {"choices":[{"text":"a"}]}\n\ndata: {"choices":[{"text":"b"}]}\n\ndata: [DONE]\n\n'


def chunked(*parts: bytes, extension: bytes = b"", trailers: bytes = b"") -> bytes:
    out = b"".join(b"%x%s\r\n%s\r\n" % (len(part), extension, part) for part in parts)
    return out + b"0\r\n" + trailers + b"\r\n"


STREAM_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"


# -- the parser, read by read ------------------------------------------------------------------------------------


class _FakeTransport:
    def __init__(self) -> None:
        self.closed = False
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def close(self) -> None:
        self.closed = True


class _Run:
    """One exchange fed by hand: what the body callback got, how it ended, whether the connection was kept."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, limit: int = 16_384) -> None:
        origin = H1Origin(
            host="127.0.0.1",
            port=9,
            ssl_context=None,
            connect_timeout=1,
            read_timeout=None,
            keepalive_expiry=4,
            error_body_limit=limit,
        )
        self.client = H1Client(origin)
        self.connection = _Connection(self.client)
        self.transport = _FakeTransport()
        self.connection.transport = self.transport  # type: ignore[assignment]
        self.body = bytearray()
        self.reads = 0
        self.future: asyncio.Future[Reply] = loop.create_future()
        self.connection.exchange = _Exchange(self.connection, self._on_body, self.future)

    def _on_body(self, data: bytes, at_ns: int) -> None:
        self.body += data
        self.reads += 1

    def feed(self, *pieces: bytes) -> None:
        for piece in pieces:
            self.connection.data_received(piece)

    @property
    def kept(self) -> bool:
        return self.client._idle == [self.connection] and not self.transport.closed


def splits(data: bytes) -> list[tuple[bytes, ...]]:
    """``data`` whole, byte by byte, and cut in two at every position."""
    return [(data,), tuple(data[i : i + 1] for i in range(len(data)))] + [
        (data[:i], data[i:]) for i in range(1, len(data))
    ]


@pytest.mark.parametrize(
    "wire",
    [
        STREAM_HEAD + chunked(EVENTS[:20], EVENTS[20:50], EVENTS[50:]),
        STREAM_HEAD + chunked(EVENTS, extension=b";name=value", trailers=b"x-trailer: 1\r\n"),
        b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(EVENTS), EVENTS),
        b"HTTP/1.1 100 Continue\r\n\r\n" + STREAM_HEAD + chunked(EVENTS),
    ],
    ids=["chunked", "extensions-and-trailers", "content-length", "interim-100"],
)
async def test_any_split_of_a_response_gives_the_same_body(wire: bytes) -> None:
    loop = asyncio.get_running_loop()
    for pieces in splits(wire):
        run = _Run(loop)
        run.feed(*pieces)
        assert run.future.done(), pieces
        reply = run.future.result()
        assert reply.status == 200
        assert bytes(run.body) == EVENTS
        assert run.kept  # keep-alive: back on the idle stack


async def test_several_chunks_in_one_read_are_delivered_in_one_call() -> None:
    run = _Run(asyncio.get_running_loop())
    run.feed(STREAM_HEAD + chunked(*[EVENTS] * 10))
    assert run.reads == 1
    assert bytes(run.body) == EVENTS * 10


async def test_a_gzip_body_is_decoded() -> None:
    packed = gzip.compress(EVENTS)
    wire = b"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n" + chunked(
        packed[:10], packed[10:]
    )
    for pieces in splits(wire)[:3]:
        run = _Run(asyncio.get_running_loop())
        run.feed(*pieces)
        assert bytes(run.body) == EVENTS


async def test_connection_close_and_http10_are_not_reused() -> None:
    loop = asyncio.get_running_loop()
    run = _Run(loop)
    run.feed(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok")
    assert run.future.result().status == 200
    assert not run.kept
    assert run.transport.closed
    run = _Run(loop)
    run.feed(b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok")
    assert not run.kept


async def test_a_body_until_close_ends_with_the_connection() -> None:
    run = _Run(asyncio.get_running_loop())
    run.feed(b"HTTP/1.1 200 OK\r\n\r\n", EVENTS[:10], EVENTS[10:])
    assert not run.future.done()
    run.connection.connection_lost(None)
    assert run.future.result().status == 200
    assert bytes(run.body) == EVENTS


@pytest.mark.parametrize(
    "wire",
    [
        STREAM_HEAD + chunked(EVENTS),
        b"HTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
    ],
)
async def test_bytes_after_the_response_make_the_connection_unusable(wire: bytes) -> None:
    run = _Run(asyncio.get_running_loop())
    run.feed(wire)
    assert run.kept
    run = _Run(asyncio.get_running_loop())
    run.feed(wire + b"HTTP/1.1 200 OK\r\n")
    assert run.future.result().status in (200, 204)
    assert not run.kept


@pytest.mark.parametrize(
    ("wire", "text"),
    [
        (b"SPDY/3 200 OK\r\n\r\n", "not an HTTP/1.x status line"),
        (b"HTTP/1.1 2000 OK\r\n\r\n", "not an HTTP/1.x status line"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header line"),
        (b"HTTP/1.1 200 OK\r\ncontent-length: -3\r\n\r\n", "bad Content-Length"),
        (b"HTTP/1.1 200 OK\r\ncontent-encoding: br\r\ncontent-length: 1\r\n\r\nx", "'br'"),
        (STREAM_HEAD + b"zz\r\n", "bad chunk size"),
        (STREAM_HEAD + b"3\r\nabcXY", "not followed by CRLF"),
    ],
)
async def test_protocol_errors(wire: bytes, text: str) -> None:
    run = _Run(asyncio.get_running_loop())
    run.feed(wire)
    with pytest.raises(HTTPFailure) as caught:
        run.future.result()
    assert caught.value.kind is ErrorKind.PROTOCOL
    assert text in caught.value.message
    assert run.transport.closed


async def test_a_cut_before_the_head_and_in_the_body() -> None:
    loop = asyncio.get_running_loop()
    run = _Run(loop)
    run.feed(b"HTTP/1.1 200 O")
    run.connection.connection_lost(None)
    with pytest.raises(HTTPFailure) as caught:
        run.future.result()
    assert caught.value.kind is ErrorKind.CONNECT
    assert not caught.value.in_body
    run = _Run(loop)
    run.feed(STREAM_HEAD + b"%x\r\n%s" % (len(EVENTS), EVENTS[:30]))
    run.connection.connection_lost(ConnectionResetError("reset by peer"))
    with pytest.raises(HTTPFailure) as caught:
        run.future.result()
    assert caught.value.kind is ErrorKind.INCOMPLETE
    assert caught.value.in_body
    assert "reset by peer" in caught.value.message
    assert bytes(run.body) == EVENTS[:30]  # what arrived was delivered


async def test_an_error_status_keeps_its_body_for_the_message_and_delivers_nothing() -> None:
    loop = asyncio.get_running_loop()
    body = b'{"error": {"message": "no such model"}}'
    run = _Run(loop)
    run.feed(b"HTTP/1.1 404 Not Found\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
    reply = run.future.result()
    assert (reply.status, reply.reason, bytes(reply.body)) == (404, "Not Found", body)
    assert run.body == b""
    run = _Run(loop, limit=10)  # a huge error body is read up to the limit, then the connection is dropped
    run.feed(b"HTTP/1.1 500 Oops\r\ntransfer-encoding: chunked\r\n\r\n" + chunked(b"x" * 100)[:60])
    assert bytes(run.future.result().body) == b"x" * 10
    assert not run.kept


async def test_an_exception_of_the_body_callback_ends_the_exchange() -> None:
    run = _Run(asyncio.get_running_loop())

    def refuse(data: bytes, at_ns: int) -> None:
        raise ValueError("malformed event")

    run.connection.exchange._on_body = refuse  # type: ignore[union-attr]
    run.feed(STREAM_HEAD + chunked(EVENTS))
    with pytest.raises(ValueError, match="malformed event"):
        run.future.result()
    assert run.transport.closed


# -- over loopback -----------------------------------------------------------------------------------------------

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def scripted_server(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    connections = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ssl_context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for writer in connections:
            writer.close()
        await server.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head + await reader.readexactly(length)


def sse_response() -> bytes:
    events = (
        b'data: {"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\n'
        b'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}\n\ndata: [DONE]\n\n'
    )
    return STREAM_HEAD + chunked(events)


async def test_a_connection_the_server_closed_as_it_was_reused_is_retried_once(harness: Harness) -> None:
    """The server closes each connection right after its response, without saying so: the next request finds the
    kept-alive connection dead without an answer and goes again on a fresh one."""
    served = 0

    async def once_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal served
        await read_request(reader)
        writer.write(sse_response())
        await writer.drain()
        served += 1
        await reader.read(1)  # the next request's first byte: close without answering it

    async with scripted_server(once_then_close) as port:
        backend = await harness.backend(f"http://127.0.0.1:{port}", validate=False, model="m")
        for number in range(3):
            response = await harness.run(backend, request_id=str(number))
            assert response.ok, response.error
            assert response.text == "hi"
    assert served == 3


async def test_the_request_on_the_wire(harness: Harness) -> None:
    seen: list[bytes] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            seen.append(await read_request(reader))
            writer.write(sse_response())
            await writer.drain()

    async with scripted_server(record) as port:
        backend = await harness.backend(
            f"http://127.0.0.1:{port}/v1",
            validate=False,
            model="m",
            api_key="sk-test",
            headers={"User-Agent": "mine/1", "X-Extra": "1"},
        )
        for number in range(2):
            assert (await harness.run(backend, request_id=str(number))).ok
    assert len(seen) == 2
    head, _, body = seen[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /v1/chat/completions HTTP/1.1"
    fields = {line.split(b": ", 1)[0].lower(): line.split(b": ", 1)[1] for line in lines[1:]}
    assert fields[b"host"] == f"127.0.0.1:{port}".encode()
    assert fields[b"user-agent"] == b"mine/1"  # the args' header replaces the default
    assert [line.lower().startswith(b"user-agent") for line in lines].count(True) == 1
    assert fields[b"authorization"] == b"Bearer sk-test"
    assert fields[b"x-extra"] == b"1"
    assert fields[b"accept-encoding"] == b"identity"
    assert int(fields[b"content-length"]) == len(body)
    assert b'"stream":true' in body


async def test_idle_connections_are_reused_then_expire(start_server: StartServer) -> None:
    server = start_server(output_tokens="2")
    args = OpenAIHTTPBackendArgs(target=server.url, model="m")
    client = OpenAIClient(args)
    h1 = client._h1
    assert h1 is not None
    try:

        async def one() -> Reply:
            return await h1.request(
                b"%s%d\r\n\r\n%s" % (client._h1_head, 2, b"{}"), lambda data, at_ns: None, lambda at_ns: None
            )

        def connections() -> int:
            return int(server.stats()["connections"])  # each look opens a connection of its own

        before = connections()
        for _ in range(5):
            assert (await one()).status < 500
        after = connections()
        assert after - before - 1 == 1
        assert h1.connection_count == 1
        h1.origin.keepalive_expiry = 0.0  # everything idle has expired
        await asyncio.sleep(0.01)
        await one()
        assert connections() - after - 1 == 1
        assert h1.connection_count == 1  # the expired one was closed
    finally:
        await client.aclose()


async def test_read_timeout_before_the_first_byte(harness: Harness) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await reader.read(1)  # never answers; returns when the client leaves

    async with scripted_server(silent) as port:
        backend = await harness.backend(f"http://127.0.0.1:{port}", validate=False, model="m", read_timeout=0.2)
        response = await harness.run(backend)
    assert response.error is not None
    assert response.error.kind is ErrorKind.TIMEOUT
    assert response.error.message == "read timeout"  # not "mid-stream": no response head had arrived


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl command to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)]
    subprocess.run(
        command,
        check=True,
        capture_output=True,
    )
    return cert, key


async def test_tls_with_a_ca_bundle(harness: Harness, certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            writer.write(sse_response())
            await writer.drain()

    async with scripted_server(answer, server_context) as port:
        target = f"https://127.0.0.1:{port}"
        backend = await harness.backend(target, validate=False, model="m", verify=str(cert))
        for number in range(3):
            response = await harness.run(backend, request_id=str(number))
            assert response.ok, response.error
        assert backend._client is not None
        assert backend._client._h1 is not None
        assert backend._client._h1.connection_count == 1
        # and a client that does not trust the certificate refuses it
        untrusting = await harness.backend(target, validate=False, model="m")
        response = await harness.run(untrusting)
        assert response.error is not None
        assert response.error.kind is ErrorKind.CONNECT
        assert "CERTIFICATE_VERIFY_FAILED" in response.error.message


# -- when httpx keeps the stream ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({}, None),
        ({"http2": True}, "http2"),
        ({"max_connections": 4}, "max_connections"),
        ({"follow_redirects": True}, "follow_redirects"),
        ({"headers": {"X-Bad": "a\nb"}}, "X-Bad"),
    ],
)
def test_fast_path_reason(settings: dict[str, Any], reason: str | None) -> None:
    found = fast_path_reason(OpenAIHTTPBackendArgs(target="http://127.0.0.1:9", **settings))
    if reason is None:
        assert found is None
    else:
        assert found is not None
        assert reason in found


def test_fast_path_reason_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    args = OpenAIHTTPBackendArgs(target="http://10.1.2.3:9")
    assert fast_path_reason(args.model_copy(update={"http_client": "httpx"})) == "http_client is httpx"
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert fast_path_reason(args) == "a proxy is configured in the environment"
    monkeypatch.setenv("NO_PROXY", "10.1.2.3")
    assert fast_path_reason(args) is None


async def test_httpx_still_streams_when_the_fast_path_is_off(
    harness: Harness, start_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_server(output_tokens="5")
    backend = await harness.backend(server.url, http_client="httpx")
    assert backend._client is not None
    assert backend._client._h1 is None
    response = await harness.run(backend)
    assert response.ok
    assert len(response.chunk_times_ns) == 5


def test_the_request_head_is_built_once() -> None:
    import httpx

    args = OpenAIHTTPBackendArgs(target="http://[::1]:8000/v1", headers={"Host": "example.org"})
    _, head = build_h1_client(args, httpx.URL("http://[::1]:8000/v1/completions?x=1"), ssl.create_default_context())
    assert head.startswith(b"POST /v1/completions?x=1 HTTP/1.1\r\n")
    assert b"\r\nHost: example.org\r\n" in head
    assert b"[::1]" not in head  # the args' Host replaced the URL's
    assert head.endswith(b"\r\nContent-Length: ")
