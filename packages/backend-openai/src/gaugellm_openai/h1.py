"""A lean HTTP/1.1 client for the hot path: streamed completions, parsed as the bytes arrive, on ``asyncio.Protocol``.

Why not httpx here: a streamed response is one HTTP chunk per token, and through httpx, httpcore and h11 each chunk
costs a dozen Python layers (h11 events, httpcore's byte stream, anyio's receive, two async generators and a task
wake-up): ~10 µs of client CPU per token and ~0.5 ms per request, which capped one machine at ~1,200 streamed
requests per second and made the client's own delay visible as dispatch lag. Here the whole response is handled in
the protocol's ``data_received`` callback: chunked framing is cut with ``bytes.find``, every event the read completed
is passed on in one call, stamped with the moment the read arrived, and the waiting coroutine is woken once, when the
response has ended.

What it does, and no more: ``POST`` with a body of known length to one origin (``http`` or ``https``, the TLS context
is the client's), HTTP/1.1 keep-alive with a stack of idle connections (the most recently used first; idle ones are
dropped after ``keepalive_expiry`` seconds), ``Content-Length``, ``chunked`` and read-until-close bodies, interim
``1xx`` responses skipped, ``gzip``/``deflate`` bodies decoded (a server that compresses although asked not to),
a connect timeout and a read timeout (between two reads). Everything else — HTTP/2, proxies, redirects, an exact
connection limit, requests without streaming — stays with httpx (see :func:`gaugellm_openai.client.build_http_client`
and ``fast_path_reason``).

Failures end as :class:`HTTPFailure` with the same kinds and messages as the httpx path's
:func:`~gaugellm_openai.client.classify_http_error`; an exception raised by the body callback (a malformed event)
ends the exchange with that exception. Either way the connection is closed, never reused.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import zlib
from collections.abc import Callable
from typing import Any, cast

from gaugellm import ErrorKind

__all__ = ["H1Client", "H1Origin", "HTTPFailure", "Reply"]

_MAX_HEAD = 65_536  # bytes of a response head (status line and headers) before it is a protocol error
_MAX_SIZE_LINE = 1_024  # bytes of a chunk-size line
_SWEEP_EVERY = 256  # releases between sweeps of expired idle connections
_NO_RESPONSE = "Server disconnected without sending a response."

BodyCallback = Callable[[bytes, int], None]


class HTTPFailure(Exception):
    """A request that failed at the HTTP level: ``kind`` and ``message`` as the httpx path words them."""

    def __init__(self, kind: ErrorKind, message: str, *, in_body: bool) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.in_body = in_body  # response headers had arrived (so part of the body may have been recorded)


class Reply:
    """What came back: status, reason, headers, and (for a status >= 300) the first bytes of the body."""

    __slots__ = ("body", "headers", "reason", "status")

    def __init__(self) -> None:
        self.status = 0
        self.reason = ""
        self.headers: dict[str, str] = {}
        self.body = bytearray()  # only for status >= 300 (an error message), at most ``error_body_limit`` bytes


class H1Origin:
    """Where requests go and what every request carries: built once per client."""

    __slots__ = (
        "connect_timeout",
        "error_body_limit",
        "host",
        "keepalive_expiry",
        "port",
        "read_timeout",
        "server_hostname",
        "ssl_context",
    )

    def __init__(
        self,
        *,
        host: str,
        port: int,
        ssl_context: ssl.SSLContext | None,
        connect_timeout: float,
        read_timeout: float | None,
        keepalive_expiry: float,
        error_body_limit: int,
    ) -> None:
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.server_hostname = host if ssl_context is not None else None
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.keepalive_expiry = keepalive_expiry
        self.error_body_limit = error_body_limit


# Parser states of an exchange.
_HEAD, _CHUNKED, _LENGTH, _UNTIL_CLOSE, _DONE = range(5)


class _Connection(asyncio.Protocol):
    """One TCP (or TLS) connection: carries one exchange at a time, then waits on the client's idle stack."""

    __slots__ = ("client", "closed", "exchange", "idle_since", "reused", "transport")

    def __init__(self, client: H1Client) -> None:
        self.client = client
        self.transport: asyncio.Transport | None = None
        self.exchange: _Exchange | None = None
        self.closed = False
        self.idle_since = 0.0
        self.reused = False  # has carried an exchange before the current one

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.Transport", transport)  # uvloop's transports are not asyncio's classes

    def data_received(self, data: bytes) -> None:
        exchange = self.exchange
        if exchange is None:
            self.close()  # bytes nobody asked for: the connection cannot be trusted with the next request
            return
        exchange.received(data, time.perf_counter_ns())

    def eof_received(self) -> bool | None:
        return None  # close our side too; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.client._connections.discard(self)
        exchange = self.exchange
        if exchange is not None:
            exchange.lost(exc)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class _Exchange:
    """One request and its response on one connection; parses the response as it arrives."""

    __slots__ = (
        "_buffer",
        "_chunk_crlf",
        "_chunk_left",
        "_connection",
        "_inflate",
        "_keep_alive",
        "_last_read_ns",
        "_on_body",
        "_remaining",
        "_state",
        "_timer",
        "_trailers",
        "future",
        "reply",
    )

    def __init__(self, connection: _Connection, on_body: BodyCallback, future: asyncio.Future[Reply]) -> None:
        self._connection = connection
        self._on_body = on_body
        self.future = future
        self.reply = Reply()
        self._state = _HEAD
        self._buffer = b""
        self._keep_alive = False
        self._remaining = 0  # Content-Length bytes still to come
        self._chunk_left = 0  # bytes of the current chunk's data still to come
        self._chunk_crlf = False  # the CRLF after a chunk's data is due
        self._trailers = False  # after the last chunk: trailer lines until an empty one
        self._inflate: Any = None  # a zlib decompressor when the body is compressed
        self._last_read_ns = 0
        self._timer: asyncio.TimerHandle | None = None

    # -- timing ------------------------------------------------------------------------------------------------

    def arm_read_timeout(self, loop: asyncio.AbstractEventLoop, timeout: float | None) -> None:
        """Fail with a read timeout when ``timeout`` seconds pass without a read (re-armed lazily, not per read)."""
        if timeout is None:
            return
        self._last_read_ns = time.perf_counter_ns()
        self._timer = loop.call_later(timeout, self._check_timeout, loop, timeout)

    def _check_timeout(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        self._timer = None
        if self.future.done():
            return
        idle = (time.perf_counter_ns() - self._last_read_ns) / 1e9
        if idle < timeout:
            self._timer = loop.call_later(timeout - idle, self._check_timeout, loop, timeout)
            return
        in_body = self._state != _HEAD
        self._fail(HTTPFailure(ErrorKind.TIMEOUT, "read timeout" + (" mid-stream" if in_body else ""), in_body=in_body))

    # -- input -------------------------------------------------------------------------------------------------

    def received(self, data: bytes, at_ns: int) -> None:
        if self.future.done():  # cancelled, timed out or failed: what still arrives is not wanted
            self._connection.close()
            return
        self._last_read_ns = at_ns
        try:
            state = self._state
            if state == _HEAD:
                data = self._head(data)
                state = self._state
                if not data and state != _DONE:
                    return
            if state == _CHUNKED:
                self._chunked(data, at_ns)
            elif state == _LENGTH:
                remaining = self._remaining
                if len(data) >= remaining:
                    if len(data) > remaining:
                        self._keep_alive = False  # bytes beyond the declared length: do not reuse
                        data = data[:remaining]
                    self._remaining = 0
                    self._deliver(data, at_ns)
                    self._finish()
                else:
                    self._remaining = remaining - len(data)
                    self._deliver(data, at_ns)
            elif state == _UNTIL_CLOSE:
                self._deliver(data, at_ns)
            elif state == _DONE:  # a response without a body (204, 304, Content-Length: 0)
                if data:
                    self._keep_alive = False  # bytes after the response: do not reuse
                self._finish()
        except HTTPFailure as failure:
            self._fail(failure)
        except Exception as exc:  # the body callback refused the data (a malformed event, say)
            self._fail(exc)

    def lost(self, exc: Exception | None) -> None:
        """The connection closed (``exc is None``: cleanly) before this exchange finished."""
        if self.future.done():
            return
        state = self._state
        if state == _UNTIL_CLOSE and exc is None:
            try:
                self._flush_inflate(time.perf_counter_ns())
            except Exception as error:
                self._fail(error)
                return
            self._keep_alive = False
            self._finish()
            return
        detail = str(exc) if exc is not None else ""
        if state == _HEAD:
            detail = detail or _NO_RESPONSE
            message = f"the server closed the connection without a response: {detail}"
            self._fail(HTTPFailure(ErrorKind.CONNECT, message, in_body=False))
        else:
            detail = detail or "peer closed connection without sending complete message body"
            message = f"the connection was cut before the response ended: {detail}"
            self._fail(HTTPFailure(ErrorKind.INCOMPLETE, message, in_body=True))

    def _head(self, data: bytes) -> bytes:
        """Parse the response head; returns the body bytes that came with it."""
        buffer = self._buffer + data if self._buffer else data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > _MAX_HEAD:
                    raise _protocol("the response head is too long")
                self._buffer = buffer
                return b""
            head, buffer = buffer[:end], buffer[end + 4 :]
            status = self._parse_head(head)
            if 100 <= status < 200 and status != 101:
                self.reply.headers = {}
                continue  # an interim response (100 Continue, 103 Early Hints): the real one follows
            break
        self._buffer = b""
        reply = self.reply
        headers = reply.headers
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("identity", ""):
            if encoding not in ("gzip", "deflate", "x-gzip"):
                raise _protocol(f"the response is encoded with {encoding!r}, which this client cannot decode")
            self._inflate = zlib.decompressobj(32 + zlib.MAX_WBITS)  # gzip or zlib header, detected
        if status in (204, 304):
            self._state = _DONE
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            self._state = _CHUNKED
        elif "content-length" in headers:
            try:
                length = int(headers["content-length"])
            except ValueError:
                raise _protocol(f"bad Content-Length: {headers['content-length']!r}") from None
            if length < 0:
                raise _protocol(f"bad Content-Length: {length}")
            self._remaining = length
            self._state = _LENGTH if length else _DONE
        else:
            self._state = _UNTIL_CLOSE
            self._keep_alive = False
        return buffer

    def _parse_head(self, head: bytes) -> int:
        lines = head.split(b"\r\n")
        version, _, rest = lines[0].partition(b" ")
        code, _, reason = rest.partition(b" ")
        if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
            raise _protocol(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
        status = int(code)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon or not name or name[-1:] in (b" ", b"\t"):
                raise _protocol(f"malformed header line: {line[:80]!r}")
            key = name.decode("latin-1").lower()
            text = value.strip().decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        connection = headers.get("connection", "").lower()
        if version == b"HTTP/1.1":
            self._keep_alive = "close" not in connection
        else:
            self._keep_alive = "keep-alive" in connection
        reply = self.reply
        reply.status = status
        reply.reason = reason.decode("latin-1")
        reply.headers = headers
        return status

    def _chunked(self, data: bytes, at_ns: int) -> None:
        buffer = self._buffer + data if self._buffer else data
        size = len(buffer)
        position = 0
        parts: list[bytes] = []
        done = False
        while position < size:
            left = self._chunk_left
            if left:
                end = position + left
                if end <= size:
                    parts.append(buffer[position:end])
                    position = end
                    self._chunk_left = 0
                    self._chunk_crlf = True
                else:
                    parts.append(buffer[position:])
                    self._chunk_left = end - size
                    position = size
            elif self._chunk_crlf:
                if size - position < 2:
                    break
                if buffer[position : position + 2] != b"\r\n":
                    raise _protocol("a chunk's data is not followed by CRLF")
                position += 2
                self._chunk_crlf = False
            else:
                newline = buffer.find(b"\r\n", position)
                if newline < 0:
                    if size - position > _MAX_SIZE_LINE:
                        raise _protocol("a chunk-size line is too long")
                    break
                line = buffer[position:newline]
                position = newline + 2
                if self._trailers:
                    if not line:
                        done = True
                        break
                    continue  # a trailer field: not used
                try:
                    chunk_size = int(line.split(b";", 1)[0], 16)
                except ValueError:
                    raise _protocol(f"bad chunk size line: {line[:40]!r}") from None
                if chunk_size < 0:
                    raise _protocol(f"bad chunk size line: {line[:40]!r}")
                if chunk_size:
                    self._chunk_left = chunk_size
                else:
                    self._trailers = True
        self._buffer = buffer[position:] if position < size and not done else b""
        if done and position < size:
            self._keep_alive = False  # bytes after the response: do not reuse
        if parts:
            self._deliver(parts[0] if len(parts) == 1 else b"".join(parts), at_ns)
        if done:
            self._flush_inflate(at_ns)
            self._finish()

    def _deliver(self, data: bytes, at_ns: int) -> None:
        if self._inflate is not None:
            data = self._inflate.decompress(data)
            if not data:
                return
        reply = self.reply
        if reply.status < 300:
            self._on_body(data, at_ns)
        else:
            room = self._connection.client.origin.error_body_limit - len(reply.body)
            reply.body += data[:room]
            if len(reply.body) >= self._connection.client.origin.error_body_limit:
                self._keep_alive = False
                self._finish()  # enough of an error message; the rest is not read

    def _flush_inflate(self, at_ns: int) -> None:
        inflate, self._inflate = self._inflate, None
        if inflate is not None:
            try:
                rest = inflate.flush()
            except zlib.error as exc:
                raise _protocol(f"the compressed body is corrupt: {exc}") from None
            if rest:
                self._deliver(rest, at_ns)

    # -- the end -----------------------------------------------------------------------------------------------

    def _finish(self) -> None:
        if self.future.done():
            return
        self._state = _DONE
        self._stop_timer()
        connection = self._connection
        connection.exchange = None
        if self._keep_alive and not connection.closed:
            connection.client._release(connection)
        else:
            connection.close()
        self.future.set_result(self.reply)

    def _fail(self, exc: BaseException) -> None:
        if isinstance(exc, zlib.error):
            exc = _protocol(f"the compressed body is corrupt: {exc}")
        self._stop_timer()
        connection = self._connection
        connection.exchange = None
        connection.close()
        if not self.future.done():
            self.future.set_exception(exc)

    def abandon(self) -> None:
        """The caller stopped waiting (cancelled): drop the connection, so that the server sees the client leave."""
        self._stop_timer()
        connection = self._connection
        connection.exchange = None
        connection.close()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _protocol(message: str) -> HTTPFailure:
    return HTTPFailure(ErrorKind.PROTOCOL, f"RemoteProtocolError: {message}", in_body=False)


class H1Client:
    """Connections to one origin and the exchanges on them. One per worker process; not thread-safe."""

    def __init__(self, origin: H1Origin) -> None:
        self.origin = origin
        self._idle: list[_Connection] = []  # a stack: the most recently used connection on top
        self._connections: set[_Connection] = set()
        self._releases = 0
        self._closed = False

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    async def request(
        self,
        data: bytes,
        on_body: BodyCallback,
        on_sent: Callable[[int], None],
    ) -> Reply:
        """Send ``data`` (a whole request: head and body) and read the response.

        The body of a 2xx response goes to ``on_body(bytes, at_ns)`` as it arrives; ``on_sent(at_ns)`` is called
        when the request has been handed to the socket, or, on a new connection, when connecting started (a user
        waits for that too). Raises :class:`HTTPFailure`, or whatever ``on_body`` raised.
        """
        if self._closed:
            raise HTTPFailure(ErrorKind.BACKEND, "the client is closed", in_body=False)
        connection = self._take_idle()
        if connection is not None:
            try:
                return await self._exchange(connection, data, on_body, on_sent)
            except HTTPFailure as failure:
                # A kept-alive connection that the server closed just as we used it: nothing was answered, so the
                # request is sent again, once, on a new connection (what browsers and httpx's retries do).
                if failure.kind is not ErrorKind.CONNECT:
                    raise
        on_sent(time.perf_counter_ns())
        connection = await self._connect()
        return await self._exchange(connection, data, on_body, None)

    async def _exchange(
        self,
        connection: _Connection,
        data: bytes,
        on_body: BodyCallback,
        on_sent: Callable[[int], None] | None,
    ) -> Reply:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Reply] = loop.create_future()
        exchange = _Exchange(connection, on_body, future)
        connection.exchange = exchange
        transport = connection.transport
        assert transport is not None
        transport.write(data)
        if on_sent is not None:
            on_sent(time.perf_counter_ns())
        exchange.arm_read_timeout(loop, self.origin.read_timeout)
        try:
            return await future
        except asyncio.CancelledError:
            exchange.abandon()
            raise

    def _take_idle(self) -> _Connection | None:
        idle = self._idle
        if not idle:
            return None
        deadline = time.monotonic() - self.origin.keepalive_expiry
        while idle:
            connection = idle.pop()
            if connection.closed:
                continue
            if connection.idle_since < deadline:
                connection.close()
                continue
            connection.reused = True
            return connection
        return None

    def _release(self, connection: _Connection) -> None:
        connection.idle_since = time.monotonic()
        self._idle.append(connection)
        self._releases += 1
        if self._releases % _SWEEP_EVERY == 0:
            self._sweep()

    def _sweep(self) -> None:
        """Close idle connections past their keep-alive expiry (they sit at the bottom of the stack)."""
        deadline = time.monotonic() - self.origin.keepalive_expiry
        keep = []
        for connection in self._idle:
            if connection.closed:
                continue
            if connection.idle_since < deadline:
                connection.close()
            else:
                keep.append(connection)
        self._idle = keep

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        origin = self.origin
        connection = _Connection(self)
        try:
            await asyncio.wait_for(
                loop.create_connection(
                    lambda: connection,
                    origin.host,
                    origin.port,
                    ssl=origin.ssl_context,
                    server_hostname=origin.server_hostname,
                ),
                origin.connect_timeout,
            )
        except TimeoutError:
            raise HTTPFailure(ErrorKind.TIMEOUT, "connect timeout", in_body=False) from None
        except (OSError, ssl.SSLError) as exc:
            detail = str(exc) or type(exc).__name__
            raise HTTPFailure(ErrorKind.CONNECT, f"cannot connect: {detail}", in_body=False) from None
        if self._closed:
            connection.close()
            raise HTTPFailure(ErrorKind.BACKEND, "the client is closed", in_body=False)
        self._connections.add(connection)
        return connection

    async def aclose(self) -> None:
        self._closed = True
        self._idle = []
        for connection in list(self._connections):
            connection.close()
        self._connections.clear()
        await asyncio.sleep(0)  # let the transports run their close callbacks
