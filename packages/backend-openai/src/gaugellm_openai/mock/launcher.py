"""``mock_server(...)``: start the simulated server for a test or a benchmark, and always stop it again.

``in_process=False`` runs it in a child process of its own (``python -m gaugellm_openai.mock``), so that it does not
share a GIL, and so a core, with the client being measured; ``in_process=True`` runs it on an event loop in a thread of
this process, which starts in milliseconds and suits functional tests. Either way the context manager stops exactly
what it started: its own thread, or its own child by PID.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import selectors
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

from gaugellm_openai.mock.config import MockServerConfig
from gaugellm_openai.mock.server import serve

__all__ = ["MockServer", "mock_server"]


class MockServer:
    """A running simulated server: where it listens, how to read its counters, how to stop it."""

    def __init__(self, config: MockServerConfig, url: str, pid: int | None) -> None:
        self.config = config
        self.url = url
        self.pid = pid  # the child's PID, or None when the server runs in a thread of this process
        host_port = url.split("//", 1)[1]
        self.host, _, port = host_port.rpartition(":")
        self.port = int(port)

    def __repr__(self) -> str:
        return f"MockServer(url={self.url!r}, pid={self.pid})"

    def stats(self) -> dict[str, Any]:
        """The server's counters (requests, completed, cancelled, drops, ...), from ``GET /mock/stats``."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
        with opener.open(self.url + "/mock/stats", timeout=10) as reply:
            result: dict[str, Any] = json.loads(reply.read())
        return result


@contextlib.contextmanager
def mock_server(
    config: MockServerConfig | None = None,
    *,
    in_process: bool = False,
    startup_timeout: float = 30.0,
    cpus: set[int] | None = None,
) -> Iterator[MockServer]:
    """Run a simulated OpenAI-compatible server for the duration of the ``with`` block.

    ``cpus`` pins the child process to those cores (``in_process=False`` only), for benchmarks.
    """
    config = config or MockServerConfig()
    if in_process:
        if cpus:
            raise ValueError("cpus applies to a child process (in_process=False)")
        with _in_thread(config, startup_timeout) as server:
            yield server
    else:
        with _in_child(config, startup_timeout, cpus) as server:
            yield server


@contextlib.contextmanager
def _in_thread(config: MockServerConfig, startup_timeout: float) -> Iterator[MockServer]:
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    found: dict[str, Any] = {}
    stop_box: list[asyncio.Event] = []

    def on_ready(url: str) -> None:
        found["url"] = url
        ready.set()

    async def main() -> None:
        stop = asyncio.Event()
        stop_box.append(stop)
        await serve(config, stop, on_ready)

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(main())
        except BaseException as exc:  # e.g. the port is taken: reported to the caller below
            found["error"] = exc
            ready.set()
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="gaugellm-mock-server", daemon=True)
    thread.start()
    try:
        if not ready.wait(startup_timeout):
            raise TimeoutError(f"the simulated server did not start within {startup_timeout} s")
        if "error" in found:
            raise RuntimeError(f"the simulated server failed to start: {found['error']}") from found["error"]
        yield MockServer(config, found["url"], pid=None)
    finally:
        if stop_box and thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(stop_box[0].set)
        thread.join(timeout=10)


@contextlib.contextmanager
def _in_child(config: MockServerConfig, startup_timeout: float, cpus: set[int] | None) -> Iterator[MockServer]:
    command = [sys.executable, "-m", "gaugellm_openai.mock", "--config", config.model_dump_json()]
    if cpus:
        command += ["--cpus", ",".join(str(cpu) for cpu in sorted(cpus))]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        url = _read_announcement(process, startup_timeout)
        yield MockServer(config, url, pid=process.pid)
    finally:
        _stop_child(process)


def _read_announcement(process: subprocess.Popen[bytes], timeout: float) -> str:
    """The URL the child prints (one JSON line) once it listens."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    line = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"the simulated server did not start within {timeout} s")
            if not selector.select(remaining):
                continue
            data = os.read(process.stdout.fileno(), 4096)  # the raw fd: no buffer hiding bytes from select
            if not data:
                raise RuntimeError(f"the simulated server exited with status {process.wait()} before listening")
            line += data
    url: str = json.loads(line.split(b"\n", 1)[0])["url"]
    return url


def _stop_child(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM our own child by its PID, then SIGKILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()
