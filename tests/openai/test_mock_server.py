"""The simulated server itself: endpoints, request handling, config, the child-process mode and the CLI command."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import ValidationError

from gaugellm_openai.mock import MockServer, MockServerConfig, mock_server

if TYPE_CHECKING:  # fixtures' types only: test modules import nothing from conftest at run time
    from .conftest import StartServer


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:  # noqa: S310 - loopback
            return reply.status, reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def post(url: str, body: Any) -> tuple[int, bytes]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310
            return reply.status, reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def raw_exchange(port: int, payload: bytes, until: bytes, count: int = 1) -> bytes:
    """Send raw bytes, read until ``until`` was seen ``count`` times (or the server closes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(payload)
        received = b""
        while received.count(until) < count:
            data = sock.recv(65536)
            if not data:
                break
            received += data
    return received


def test_health_models_version_and_stats(server: MockServer) -> None:
    assert get(server.url + "/health") == (200, b"")
    status, body = get(server.url + "/v1/models")
    assert status == 200
    assert json.loads(body)["data"][0]["id"] == "gaugellm-mock"
    assert get(server.url + "/version")[0] == 200
    assert server.stats()["requests"] == 0


def test_whole_chat_response_shape(server: MockServer) -> None:
    status, body = post(server.url + "/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}]})
    reply = json.loads(body)
    assert status == 200
    assert reply["object"] == "chat.completion"
    assert reply["choices"][0]["message"]["role"] == "assistant"
    assert reply["usage"]["completion_tokens"] == 8


def test_stream_shape_is_vllms(server: MockServer) -> None:
    body = {"prompt": "hi", "stream": True, "stream_options": {"include_usage": True}, "max_tokens": 3}
    status, raw = post(server.url + "/v1/completions", body)
    events = [line[6:] for line in raw.decode().split("\n\n") if line.startswith("data: ")]
    assert status == 200
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    assert [chunk["choices"][0]["finish_reason"] for chunk in chunks[:3]] == [None, None, "length"]
    assert chunks[3]["choices"] == []
    assert chunks[3]["usage"]["completion_tokens"] == 3
    assert len({chunk["id"] for chunk in chunks}) == 1


def test_stream_without_include_usage_has_no_usage_chunk(server: MockServer) -> None:
    status, raw = post(
        server.url + "/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "stream": True}
    )
    assert status == 200
    assert b'"usage"' not in raw
    first = json.loads(raw.decode().split("\n\n")[0][6:])
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": ""}


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/v1/chat/completions", b"{not json", 400),
        ("/v1/chat/completions", {"messages": []}, 400),
        ("/v1/completions", {"prompt": 3}, 400),
        ("/v1/completions", {"prompt": "x", "max_tokens": 0}, 400),
        ("/v1/completions", {"prompt": "x", "model": "other"}, 404),
        ("/v1/nothing", {}, 404),
    ],
)
def test_bad_requests(server: MockServer, path: str, body: Any, status: int) -> None:
    got, reply = post(server.url + path, body)
    assert got == status
    assert json.loads(reply)["error"]["message"]


def test_get_on_a_generation_route_is_405(server: MockServer) -> None:
    assert get(server.url + "/v1/completions")[0] == 405


def test_keep_alive_and_pipelining(server: MockServer) -> None:
    one = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    body = b'{"prompt":"x","max_tokens":2}'
    two = b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    received = raw_exchange(server.port, one + two + one, b"HTTP/1.1 200", count=3)
    assert received.count(b"HTTP/1.1 200 OK") == 3
    assert server.stats()["connections"] == 2  # the pipelined one, and the one asking for stats


def test_connection_close_is_honoured(server: MockServer) -> None:
    received = raw_exchange(server.port, b"GET /health HTTP/1.1\r\nConnection: close\r\n\r\n", b"never", count=1)
    assert received.startswith(b"HTTP/1.1 200 OK")
    assert b"connection: close" in received


def test_body_arriving_in_pieces(server: MockServer) -> None:
    body = b'{"prompt":"x","max_tokens":2}'
    head = b"POST /v1/completions HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(body)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        for piece in (head[:10], head[10:], body[:5], body[5:]):
            sock.sendall(piece)
            time.sleep(0.01)
        reply = sock.recv(65536)
    assert reply.startswith(b"HTTP/1.1 200 OK")


def test_output_range_is_seeded_and_capped(start_server: StartServer) -> None:
    def lengths(server: MockServer) -> list[int]:
        found = []
        for _ in range(12):
            _, body = post(server.url + "/v1/completions", {"prompt": "x"})
            found.append(json.loads(body)["usage"]["completion_tokens"])
        return found

    first = lengths(start_server(output_tokens="3-30", seed=7))
    again = lengths(start_server(output_tokens="3-30", seed=7))
    assert first == again
    assert all(3 <= n <= 30 for n in first)
    assert len(set(first)) > 1


@pytest.mark.parametrize("value", ["0", "5-2", "x", "1-", ""])
def test_config_rejects_bad_output_tokens(value: str) -> None:
    with pytest.raises(ValidationError):
        MockServerConfig(output_tokens=value)


def test_config_accepts_forms() -> None:
    assert MockServerConfig(output_tokens=16).output_range == (16, 16)  # type: ignore[arg-type]
    assert MockServerConfig(output_tokens=" 8 - 32 ").output_range == (8, 32)
    assert MockServerConfig().host == "127.0.0.1"


def test_child_process_mode_starts_and_stops_its_own_pid() -> None:
    with mock_server(MockServerConfig(output_tokens="4"), in_process=False) as server:
        assert server.pid is not None
        assert server.pid != os.getpid()
        assert server.url.startswith("http://127.0.0.1:")
        assert get(server.url + "/health")[0] == 200
        pid = server.pid
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped: gone


def test_thread_mode_stops_listening() -> None:
    with mock_server(MockServerConfig(), in_process=True) as server:
        port = server.port
        assert server.pid is None
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def test_port_in_use_is_reported() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with (
            pytest.raises(RuntimeError, match="failed to start"),
            mock_server(MockServerConfig(port=port), in_process=True),
        ):
            pass


def test_cli_mock_server_as_a_subprocess() -> None:
    command = [
        sys.executable,
        "-m",
        "gaugellm",
        "mock-server",
        "--port",
        "0",
        "--output-tokens",
        "4-8",
        "--itl-ms",
        "1",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        assert process.stdout is not None
        announced = json.loads(process.stdout.readline())
        assert announced["pid"] == process.pid
        assert announced["url"].startswith("http://127.0.0.1:")
        assert get(announced["url"] + "/health")[0] == 200
        status, body = post(announced["url"] + "/v1/completions", {"prompt": "x"})
        assert status == 200
        assert 4 <= json.loads(body)["usage"]["completion_tokens"] <= 8
    finally:
        os.kill(process.pid, signal.SIGTERM)  # stop it by its own PID
        assert process.wait(timeout=20) == 0
        if process.stdout is not None:
            process.stdout.close()
        if process.stderr is not None:
            process.stderr.close()


def test_cli_rejects_bad_flags() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gaugellm", "mock-server", "--output-tokens", "9-2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "output_tokens" in result.stderr
    assert "Traceback" not in result.stderr
