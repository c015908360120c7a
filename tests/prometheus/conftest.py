"""A real HTTP server on 127.0.0.1 whose ``/metrics`` the tests script: what it says, and how it fails."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class MetricsServer:
    """Serves ``text`` at ``/metrics`` (or ``status`` with it), and JSON at ``/version`` and ``/v1/models``."""

    text: str = ""
    status: int = 200
    scrapes: int = 0
    documents: dict[str, str] = field(
        default_factory=lambda: {
            "/version": '{"version": "0.32.0"}',
            "/v1/models": '{"object": "list", "data": [{"id": "tiny", "max_model_len": 512, "owned_by": "vllm"}]}',
        }
    )
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def metrics_server() -> Iterator[MetricsServer]:
    state = MetricsServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                state.scrapes += 1
                body, status, kind = state.text.encode(), state.status, "text/plain; version=0.0.4"
            elif self.path in state.documents:
                body, status, kind = state.documents[self.path].encode(), 200, "application/json"
            else:
                body, status, kind = b"not found", 404, "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def loopback() -> Iterator[Callable[[type[BaseHTTPRequestHandler]], str]]:
    """Starts an HTTP server on 127.0.0.1 for a handler class and gives its URL; every one is stopped at the end."""
    started: list[tuple[ThreadingHTTPServer, threading.Thread]] = []

    def serve(handler: type[BaseHTTPRequestHandler]) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        started.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server, thread in started:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    """The simulated server, answering quickly with 8-token streams."""
    from gaugellm_openai.mock import MockServerConfig, mock_server

    with mock_server(MockServerConfig(ttft_ms=20, itl_ms=2, output_tokens="8"), in_process=True) as running:
        yield running
