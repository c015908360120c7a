"""The HTTP side of the backend: one ``httpx.AsyncClient`` per worker process, and what one request does with it.

This is the only module that imports httpx, and only :meth:`OpenAIHTTPBackend.process_startup` imports this module,
so listing, validating args and ``--help`` never pay for an HTTP client.

Every way a request can go wrong ends as ``response.fail(kind, message, status_code)``: an HTTP status, a refused
connection, a timeout, malformed JSON, a stream cut before ``[DONE]``. ``asyncio.CancelledError`` is the exception:
the stream is closed (which drops the connection, so the server sees the client leave) and the cancellation goes on.
"""

from __future__ import annotations

import asyncio
import http
import importlib.util
import json
import os
import re
import ssl
import time
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import httpx
from pydantic import SecretStr

from gaugellm import ErrorKind, GenerationRequest, GenerationResponse
from gaugellm.causes import describe_exception
from gaugellm.errors import BackendUnavailableError
from gaugellm_openai import __version__
from gaugellm_openai.args import POOLING_KINDS, OpenAIHTTPBackendArgs
from gaugellm_openai.h1 import H1Client, H1Origin, HTTPFailure, Reply
from gaugellm_openai.payloads import build_body, encode_body
from gaugellm_openai.pool import ShardedTransport
from gaugellm_openai.pooling import record_pooling
from gaugellm_openai.redact import Redactor
from gaugellm_openai.responses_api import ResponsesConsumer, record_response
from gaugellm_openai.sse import SSEDecoder
from gaugellm_openai.stream import ChunkConsumer, StreamFailure, error_message, record_completion

__all__ = ["LazyCAContext", "OpenAIClient", "build_http_client", "classify_http_error", "tls_context"]

_ERROR_BODY_LIMIT = 16_384  # bytes of an error body worth reading: enough for any message, bounded for a bad server
_MESSAGE_LIMIT = 500
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # an HTTP header name
_HTTP2_FIX = "pip install 'gaugellm-backend-openai[http2]'"
#: How long a readiness check (GET /health, /v1/models) waits for the server's answer, at most.
PROBE_READ_TIMEOUT_S = 30.0
_KEEPALIVE_EXPIRY_S = (
    4.0  # below uvicorn's (vLLM's) 5 s keep-alive, so that a pooled connection is not reused as it closes
)


def request_headers(args: OpenAIHTTPBackendArgs) -> dict[str, str]:
    """The headers every request carries (credentials included); the args' own headers win over the defaults."""
    headers = {
        "User-Agent": f"gaugellm-backend-openai/{__version__}",
        "Content-Type": "application/json",
        "Accept-Encoding": "identity",  # a compressing proxy would hold tokens back to fill its buffers
    }
    if args.api_key is not None:
        headers["Authorization"] = "Bearer " + args.api_key.get_secret_value()
    for name, value in args.headers.items():
        for default in [key for key in headers if key.lower() == name.lower()]:
            del headers[default]
        headers[name] = value.get_secret_value() if isinstance(value, SecretStr) else value
    return headers


def build_http_client(args: OpenAIHTTPBackendArgs, verify: ssl.SSLContext | None = None) -> httpx.AsyncClient:
    """The worker's client: connection pool, timeouts, TLS and headers (credentials included) as the args say."""
    headers = request_headers(args)
    if args.http2 and importlib.util.find_spec("h2") is None:
        # httpx would only fail at the first HTTP/2 connection, as a confusing per-request error
        raise BackendUnavailableError(f"http2=true needs the h2 package: {_HTTP2_FIX}")
    # One TLS context for the whole client, shared by every pool shard: httpx would otherwise build one per
    # transport, loading the CA bundle each time (20-30 ms with the event loop blocked), even for http:// targets.
    verify = verify if verify is not None else tls_context(args.verify)
    timeout = httpx.Timeout(connect=args.connect_timeout, read=args.read_timeout, write=args.connect_timeout, pool=None)
    try:
        transport: httpx.AsyncBaseTransport
        if args.max_connections is not None:
            # an exact limit needs one pool (connections beyond it queue there)
            limits = httpx.Limits(
                max_connections=args.max_connections,
                max_keepalive_connections=args.max_connections,
                keepalive_expiry=_KEEPALIVE_EXPIRY_S,
            )
            transport = httpx.AsyncHTTPTransport(verify=verify, http2=args.http2, limits=limits)
        else:
            unlimited = httpx.Limits(
                max_connections=None, max_keepalive_connections=None, keepalive_expiry=_KEEPALIVE_EXPIRY_S
            )
            http2 = args.http2

            def shard() -> httpx.AsyncHTTPTransport:
                return httpx.AsyncHTTPTransport(verify=verify, http2=http2, limits=unlimited)

            transport = ShardedTransport(shard)
        return httpx.AsyncClient(
            base_url=args.base_url,
            headers=headers,
            timeout=timeout,
            transport=transport,
            follow_redirects=args.follow_redirects,
        )
    except ImportError as exc:  # an httpx that checks for h2 itself
        raise BackendUnavailableError(f"http2=true needs the h2 package: {_HTTP2_FIX} ({exc})") from None


class LazyCAContext(ssl.SSLContext):
    """A verifying client context that loads its CA certificates only when a TLS connection is first made.

    Loading the default CA bundle takes 20-30 ms; a worker that only ever talks plain HTTP never pays it, and one
    that talks TLS pays it once (at the readiness check, before the run). The certificates are those httpx would
    use with ``verify=True``: ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` when set, else certifi's bundle.
    """

    _cas_loaded = False

    def _load_cas(self) -> None:
        if self._cas_loaded:
            return
        self._cas_loaded = True
        if os.environ.get("SSL_CERT_FILE"):
            self.load_verify_locations(cafile=os.environ["SSL_CERT_FILE"])
        elif os.environ.get("SSL_CERT_DIR"):
            self.load_verify_locations(capath=os.environ["SSL_CERT_DIR"])
        else:
            import certifi  # an httpx dependency

            self.load_verify_locations(cafile=certifi.where())

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self._load_cas()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self._load_cas()
        return super().wrap_bio(*args, **kwargs)


def tls_context(verify: bool | str) -> ssl.SSLContext:
    """The one TLS context of a worker's client, as ``verify`` says (cheap to build: see :class:`LazyCAContext`)."""
    if isinstance(verify, str):
        return _ca_bundle(verify)
    if verify:
        return LazyCAContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies certificates and host names, like httpx's default
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _ca_bundle(path: str) -> ssl.SSLContext:
    if not os.path.isfile(path):
        raise BackendUnavailableError(f"verify names a CA bundle that does not exist: {path}")
    try:
        return ssl.create_default_context(cafile=path)
    except (ssl.SSLError, OSError) as exc:
        raise BackendUnavailableError(f"verify names a CA bundle that cannot be loaded ({path}): {exc}") from None


def classify_http_error(exc: httpx.HTTPError, *, in_body: bool) -> tuple[ErrorKind, str]:
    """The error kind and a readable message for an httpx exception (``in_body``: response headers had arrived)."""
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        phase = {
            httpx.ConnectTimeout: "connect",
            httpx.ReadTimeout: "read",
            httpx.WriteTimeout: "write",
            httpx.PoolTimeout: "pool",
        }.get(type(exc), "request")
        return ErrorKind.TIMEOUT, f"{phase} timeout" + (" mid-stream" if in_body else "")
    if isinstance(exc, httpx.ConnectError):
        return ErrorKind.CONNECT, f"cannot connect: {detail}"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.NetworkError):
        if in_body:
            return ErrorKind.INCOMPLETE, f"the connection was cut before the response ended: {detail}"
        return ErrorKind.CONNECT, f"the server closed the connection without a response: {detail}"
    if isinstance(exc, httpx.DecodingError | httpx.LocalProtocolError):
        return ErrorKind.PROTOCOL, f"{type(exc).__name__}: {detail}"
    return ErrorKind.BACKEND, f"{type(exc).__name__}: {detail}"


def _body(http_response: httpx.Response) -> AsyncIterator[bytes]:
    """The body as it arrives, with as few layers as httpx allows.

    With ``Accept-Encoding: identity`` nothing needs decoding, so the transport's stream is read directly: each
    layer of ``aiter_bytes`` costs microseconds per chunk, and a stream is one chunk per token. A server that
    compresses anyway gets the decoding path.
    """
    stream = http_response.stream
    if "content-encoding" in http_response.headers or not isinstance(stream, httpx.AsyncByteStream):
        return http_response.aiter_bytes()
    return stream.__aiter__()


def fast_path_reason(args: OpenAIHTTPBackendArgs) -> str | None:
    """Why streamed requests cannot take the lean HTTP/1.1 client (:mod:`gaugellm_openai.h1`), or ``None``."""
    if args.http2:
        return "http2"
    if args.max_connections is not None:
        return "max_connections (an exact limit queues in httpx's pool)"
    if args.follow_redirects:
        return "follow_redirects"
    if args.http_client == "httpx":
        return "http_client is httpx"
    url = httpx.URL(args.base_url)
    proxies = urllib.request.getproxies_environment()
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]  # public, not in typeshed
    if (proxies.get(url.scheme) or proxies.get("all")) and not bypass(url.host, proxies):
        return "a proxy is configured in the environment"
    for name, value in request_headers(args).items():
        if not _TOKEN.fullmatch(name) or not value.isascii() or any(char in value for char in "\r\n\0"):
            return f"the header {name!r} is not a plain HTTP/1.1 header"
    return None


def build_h1_client(args: OpenAIHTTPBackendArgs, url: httpx.URL, verify: ssl.SSLContext) -> tuple[H1Client, bytes]:
    """The lean client for streamed requests to ``url``, and the head its requests start with (up to the length)."""
    origin = H1Origin(
        host=url.raw_host.decode("ascii"),
        port=url.port or (443 if url.scheme == "https" else 80),
        ssl_context=verify if url.scheme == "https" else None,
        connect_timeout=args.connect_timeout,
        read_timeout=args.read_timeout,
        keepalive_expiry=_KEEPALIVE_EXPIRY_S,
        error_body_limit=_ERROR_BODY_LIMIT,
    )
    if origin.ssl_context is not None:
        origin.ssl_context.set_alpn_protocols(["http/1.1"])
    headers = {"Host": url.netloc.decode("ascii"), "Accept": "*/*", "Connection": "keep-alive"}
    for name, value in request_headers(args).items():
        for default in [key for key in headers if key.lower() == name.lower()]:
            del headers[default]
        headers[name] = value
    lines = [f"POST {url.raw_path.decode('ascii')} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    head = ("\r\n".join(lines) + "\r\nContent-Length: ").encode("latin-1")
    return H1Client(origin), head


class _DispatchStamp:
    """An httpx trace hook that stamps ``dispatched_ns`` when the request has really left.

    Building a request in httpx takes a few hundred microseconds of CPU before its first byte is written; the
    runner's stamp, taken before ``resolve``, would count that as the server's time to first token. So the stamp
    moves to the moment the request's last byte was written, or, when the request had to open a connection, to the
    moment it started connecting (a user waits for that too). The client's own delay then shows as dispatch lag.
    """

    __slots__ = ("_connecting", "_response")

    def __init__(self, response: GenerationResponse) -> None:
        self._response = response
        self._connecting = False

    async def __call__(self, name: str, info: dict[str, Any]) -> None:
        if name.endswith("send_request_body.complete"):
            if not self._connecting:
                self._response.dispatched_ns = time.perf_counter_ns()
        elif name == "connection.connect_tcp.started":
            self._connecting = True
            self._response.dispatched_ns = time.perf_counter_ns()


def describe_status(status_code: int, reason: str, location: str | None, body: bytes | bytearray) -> str:
    """``HTTP 404 Not Found: <the server's own message>``, from whatever error body shape the server uses."""
    if not reason:
        try:
            reason = http.HTTPStatus(status_code).phrase
        except ValueError:
            reason = ""
    status = f"HTTP {status_code} {reason}".rstrip()
    if 300 <= status_code < 400:
        return f"{status}: redirected to {location or '?'} (set follow_redirects=true to follow)"
    text = bytes(body[:_ERROR_BODY_LIMIT]).decode("utf-8", "replace").strip()
    try:
        message, _ = error_message(json.loads(text))
    except ValueError:
        message = None
    detail = message if message is not None else text
    return f"{status}: {detail}" if detail else status


def _inputs(value: Any) -> int:
    """How many inputs ``input`` (``documents``, ``text_2``) holds: a list of texts or token-id lists, else one."""
    if isinstance(value, list) and value and all(isinstance(item, str | list) for item in value):
        return len(value)
    return 1


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 3] + "..."


class OpenAIClient:
    """What one worker process does over HTTP. Created in ``process_startup``, closed in ``process_shutdown``."""

    def __init__(self, args: OpenAIHTTPBackendArgs) -> None:
        self._args = args
        self._redact = Redactor(args)
        verify = tls_context(args.verify)
        self._http = build_http_client(args, verify)
        # an absolute URL, parsed once: httpx would otherwise parse and merge the path with base_url per request
        self._path = httpx.URL(args.base_url + args.route(args.route_name))
        self._chat = args.is_chat
        self._responses = args.api_kind == "responses"
        self._pooling = args.api_kind if args.api_kind in POOLING_KINDS else None
        # streamed requests take the lean HTTP/1.1 client where nothing needs httpx (see fast_path_reason)
        self._h1: H1Client | None = None
        self._h1_head = b""
        self.fast_path_reason = fast_path_reason(args)
        if self.fast_path_reason is None:
            self._h1, self._h1_head = build_h1_client(args, self._path, verify)

    @property
    def closed(self) -> bool:
        return self._http.is_closed

    async def aclose(self) -> None:
        if self._h1 is not None:
            await self._h1.aclose()
        if not self._http.is_closed:
            await self._http.aclose()

    # -- one request -------------------------------------------------------------------------------------------

    async def resolve(self, request: GenerationRequest, response: GenerationResponse, model: str | None) -> None:
        """Run ``request``, recording into ``response``; never raises except ``CancelledError``."""
        in_body = False
        consumer: ChunkConsumer | ResponsesConsumer
        if self._responses:
            consumer = ResponsesConsumer(response)
        else:
            consumer = ChunkConsumer(response, chat=self._chat, continuous_usage=self._args.continuous_usage)
        try:
            body = build_body(self._args, request, model, stream=self._args.stream)
            stream = body.get("stream") is True  # a request's params may have switched streaming off (or on)
            content = encode_body(body)
            if response.dispatched_ns is None:
                response.mark_dispatched()
            if not stream:
                inputs = _inputs(body.get({"rerank": "documents", "score": "text_2"}.get(self._args.api_kind, "input")))
                await self._resolve_whole(request, response, content, {"trace": _DispatchStamp(response)}, inputs)
                return
            if self._h1 is not None:
                reply = await self._stream_h1(content, consumer, response)
                if reply.status >= 300:
                    message = describe_status(reply.status, reply.reason, reply.headers.get("location"), reply.body)
                    self._fail(response, ErrorKind.HTTP_STATUS, message, reply.status)
                    return
                self._end_stream(request, response, consumer)
                return
            trace = {"trace": _DispatchStamp(response)}
            async with self._http.stream("POST", self._path, content=content, extensions=trace) as http_response:
                if http_response.status_code >= 300:
                    await self._fail_status(http_response, response)
                    return
                in_body = True
                decoder = SSEDecoder()
                feed = consumer.feed
                decode = decoder.feed
                clock = time.perf_counter_ns
                async for raw in _body(http_response):
                    at_ns = clock()  # when the bytes arrived, before any parsing
                    events = decode(raw)
                    if events:
                        feed(events, at_ns)
                last = decoder.close()
                if last:
                    feed(last, time.perf_counter_ns())
            self._end_stream(request, response, consumer)
        except HTTPFailure as failure:
            self._fail(response, failure.kind, failure.message)
            if failure.in_body:
                consumer.finalise(request)
        except StreamFailure as failure:
            self._fail(response, failure.kind, failure.message, failure.status_code)
            consumer.finalise(request)
        except httpx.HTTPError as exc:
            kind, message = classify_http_error(exc, in_body=in_body)
            self._fail(response, kind, message)
            if in_body:
                consumer.finalise(request)
        except asyncio.CancelledError:
            # the `async with` above has closed the stream (and its connection) on the way out
            response.fail(ErrorKind.CANCELLED, "the request was cancelled")
            response.finish()
            raise
        except Exception as exc:  # a bug here must cost one request, not the worker
            self._fail(response, ErrorKind.BACKEND, describe_exception(exc))

    async def _stream_h1(
        self, content: bytes, consumer: ChunkConsumer | ResponsesConsumer, response: GenerationResponse
    ) -> Reply:
        """Stream one request through the lean client: events are decoded and recorded in its read callback."""
        assert self._h1 is not None
        decoder = SSEDecoder()
        decode = decoder.feed
        feed = consumer.feed

        def on_body(data: bytes, at_ns: int) -> None:
            events = decode(data)
            if events:
                feed(events, at_ns)

        def on_sent(at_ns: int) -> None:
            response.dispatched_ns = at_ns

        reply = await self._h1.request(b"%s%d\r\n\r\n%s" % (self._h1_head, len(content), content), on_body, on_sent)
        if reply.status < 300:
            last = decoder.close()
            if last:
                feed(last, time.perf_counter_ns())
        return reply

    @staticmethod
    def _end_stream(
        request: GenerationRequest, response: GenerationResponse, consumer: ChunkConsumer | ResponsesConsumer
    ) -> None:
        if not consumer.done:
            if consumer.finish_reason is None:
                raise StreamFailure(ErrorKind.INCOMPLETE, consumer.missing_end)
            response.extras["missing_done"] = True  # a server that ends its body without [DONE]: accepted
        consumer.finalise(request)
        response.finish(consumer.finish_reason)

    async def _resolve_whole(
        self,
        request: GenerationRequest,
        response: GenerationResponse,
        content: bytes,
        extensions: dict[str, Any],
        inputs: int = 1,
    ) -> None:
        http_response = await self._http.post(self._path, content=content, extensions=extensions)
        at_ns = time.perf_counter_ns()
        if http_response.status_code >= 300:
            await self._fail_status(http_response, response)
            return
        if self._pooling is not None:
            record_pooling(self._pooling, response, request, http_response.content, inputs=inputs, at_ns=at_ns)
            return
        if self._responses:
            finish_reason = record_response(response, request, http_response.content, at_ns=at_ns)
        else:
            finish_reason = record_completion(response, request, http_response.content, chat=self._chat, at_ns=at_ns)
        response.finish(finish_reason)

    def _fail(self, response: GenerationResponse, kind: ErrorKind, message: str, status: int | None = None) -> None:
        response.fail(kind, self._redact(_clip(message)), status)
        response.finish()

    async def _fail_status(self, http_response: httpx.Response, response: GenerationResponse) -> None:
        message = await self._status_message(http_response)
        self._fail(response, ErrorKind.HTTP_STATUS, message, http_response.status_code)

    async def _status_message(self, http_response: httpx.Response) -> str:
        """``HTTP 404 Not Found: <the server's own message>``, from whatever error body shape the server uses."""
        body = bytearray()
        if not 300 <= http_response.status_code < 400:
            try:
                async for part in http_response.aiter_bytes():
                    body += part
                    if len(body) >= _ERROR_BODY_LIMIT:
                        break
            except httpx.HTTPError:
                pass  # the status is the error; a body we could not read adds nothing
        location = http_response.headers.get("location")
        return describe_status(http_response.status_code, http_response.reason_phrase, location, body)

    # -- readiness and models ----------------------------------------------------------------------------------

    async def check_ready(self) -> None:
        """Raise ``BackendUnavailableError`` unless the server answers its health (or models) route."""
        setting = self._args.validate_backend
        if setting is False:
            return
        path = setting if isinstance(setting, str) else self._args.route("health")
        first = await self._get(path)
        if first.status_code < 300:
            return
        if setting is True and 400 <= first.status_code < 500:
            # gateways and hosted APIs have no /health: listing models proves the same thing
            models_path = self._args.route("models")
            second = await self._get(models_path)
            if second.status_code < 300:
                return
            raise BackendUnavailableError(
                self._redact(
                    f"{self._where(path)} answered HTTP {first.status_code} and {self._where(models_path)} answered "
                    f"{await self._status_message(second)}"
                )
            )
        raise BackendUnavailableError(self._redact(f"{self._where(path)} answered {await self._status_message(first)}"))

    async def list_models(self) -> list[str]:
        """The ids of GET /v1/models, in the server's order."""
        path = self._args.route("models")
        http_response = await self._get(path)
        if http_response.status_code >= 300:
            raise BackendUnavailableError(
                self._redact(f"{self._where(path)} answered {await self._status_message(http_response)}")
            )
        try:
            payload: Any = http_response.json()
            return [str(item["id"]) for item in payload["data"]]
        except (ValueError, KeyError, TypeError):
            raise BackendUnavailableError(
                f"{self._where(path)} did not answer an OpenAI model list ({{'data': [{{'id': ...}}]}})"
            ) from None

    async def _get(self, path: str) -> httpx.Response:
        """A readiness or model-list request: its wait for an answer is bounded by PROBE_READ_TIMEOUT_S.

        A server that accepts connections and never answers would otherwise hold the run's start-up for the whole
        read timeout, which is sized for a long generation, not for a health check.
        """
        args = self._args
        read = PROBE_READ_TIMEOUT_S if args.read_timeout is None else min(args.read_timeout, PROBE_READ_TIMEOUT_S)
        timeout = httpx.Timeout(connect=args.connect_timeout, read=read, write=args.connect_timeout, pool=None)
        try:
            return await self._http.get(path, timeout=timeout)
        except httpx.ReadTimeout:
            raise BackendUnavailableError(
                self._redact(f"{self._where(path)} accepted the connection but did not answer within {read:g} s")
            ) from None
        except httpx.HTTPError as exc:
            _, message = classify_http_error(exc, in_body=False)
            raise BackendUnavailableError(
                self._redact(_clip(f"{self._where(path)} is unreachable: {message}"))
            ) from None

    def _where(self, path: str) -> str:
        return self._args.base_url + path.split("?", 1)[0]  # no query string: it may hold a key
