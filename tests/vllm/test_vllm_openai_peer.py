"""vLLM's own OpenAI-compatible server as a real peer for the ``openai_http`` backend, with the same tiny model.

One server for the module (about 25 s to start). In order:

1. ``gaugellm run --backend openai_http`` against it, the workload of ``test_vllm_run_end_to_end.py``: counts come
   from the server's usage and are exact;
2. gaugellm's conformance kit for ``openai_http`` against it (a few seconds: the backend itself starts in
   milliseconds);
3. last, because it kills the server: the server dies in the middle of a run, and ``gaugellm run`` ends with one
   readable message, a non-zero exit status and a report marked incomplete that holds connect/incomplete errors.

Whatever happens, the server and its engine process are stopped by PID (the fixture's teardown, and the last test's
own ``finally`` for the processes a killed server leaves orphaned).
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from vllm_cli import CliResult, gaugellm_run
from vllm_processes import descendants, kill, wait_gone

from gaugellm import BackendArgs, GenerationRequest
from gaugellm.testing import BackendConformance, Capabilities
from gaugellm_openai.args import OpenAIHTTPBackendArgs

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

REQUESTS = 12
CONCURRENCY = 4
PROMPT_TOKENS = 32
OUTPUT_TOKENS = 16


# -- 1. the same workload through HTTP ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def http_run(
    vllm_openai_server: Any, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CliResult]:
    backend_kwargs = {
        "target": vllm_openai_server.base_url,
        "request_format": "/v1/completions",  # plain prompts, as the in-process engine gets them
        "ignore_eos": True,
    }
    args = [
        "--backend", "openai_http",
        "--backend-kwargs", json.dumps(backend_kwargs),
        "--profile", "concurrent",
        "--concurrency", str(CONCURRENCY),
        "--max-requests", str(REQUESTS),
        "--data", f"prompt_tokens={PROMPT_TOKENS},output_tokens={OUTPUT_TOKENS}",
        "--tokenizer", str(tiny_model_dir),
    ]  # fmt: skip
    with gaugellm_run(args, tmp_path_factory.mktemp("openai-peer-run")) as running:
        yield running.wait(timeout=120)


def test_openai_http_run_counts_tokens_from_the_servers_usage(http_run: CliResult) -> None:
    result = http_run
    assert result.returncode == 0, result.describe()
    assert "Traceback" not in result.stderr, result.describe()
    report = result.report
    assert report is not None, result.describe()
    assert report["complete"] is True
    assert report["token_counting"]["output"] == "server"
    assert report["token_counting"]["prompt"] == "server"
    [benchmark] = report["benchmarks"]
    metrics = benchmark["metrics"]
    assert metrics["requests"] == {"total": REQUESTS, "successful": REQUESTS, "errored": 0, "incomplete": 0}
    assert metrics["tokens"]["output_tokens"] == REQUESTS * OUTPUT_TOKENS
    assert metrics["tokens"]["output_sources"] == {"server": REQUESTS}
    records: dict[str, list[Any]] = benchmark["records"]
    assert records["status"] == ["ok"] * REQUESTS
    # ignore_eos reaches vLLM: usage says exactly what was asked for.
    assert records["output_tokens"] == [OUTPUT_TOKENS] * REQUESTS
    assert records["output_tokens_source"] == ["server"] * REQUESTS
    # One SSE chunk per token; a token whose text is empty (half a UTF-8 character) sends no text and is not a chunk.
    assert all(0 < chunks <= OUTPUT_TOKENS for chunks in records["chunks"])
    # /v1/completions applies no template: the server sees the prompt the tokenizer counted (plus BOS).
    assert all(PROMPT_TOKENS <= tokens <= PROMPT_TOKENS + 1 for tokens in records["prompt_tokens"])
    for name in ("ttft", "itl", "latency"):
        assert metrics[name]["count"] == REQUESTS, name
    assert result.left_running == [], result.seen


# -- 2. the conformance kit against a real server ------------------------------------------------------------------


class TestOpenAIHTTPAgainstVLLM(BackendConformance):
    capabilities = Capabilities(
        text=True,
        chat=True,
        server_token_counts=True,
        # With continuous usage every chunk carries its growth of completion_tokens, so the recorded chunks add up
        # to the total even where a token's text was empty and sent no chunk of its own.
        exact_chunk_tokens=True,
        validates_target=True,
        cancellation=True,
        max_tokens=True,
    )
    concurrent_requests = 8

    @pytest.fixture(scope="class")
    @classmethod
    def backend_args(cls, vllm_openai_server: Any) -> BackendArgs:
        return OpenAIHTTPBackendArgs(target=vllm_openai_server.base_url, continuous_usage=True)

    @pytest.fixture(scope="class")
    @classmethod
    def unreachable_backend_args(cls) -> BackendArgs:
        return OpenAIHTTPBackendArgs(target="http://127.0.0.1:9", connect_timeout=2)

    async def error_case(self, request: pytest.FixtureRequest) -> tuple[BackendArgs, GenerationRequest]:
        # What the real server refuses: a prompt beyond its max_model_len (512) is a 400 with vLLM's own message.
        args: BackendArgs = request.getfixturevalue("backend_args")
        return args, GenerationRequest("too-long", prompt="word " * 2000, max_tokens=4)


# -- 3. the server dies mid-run (kills the module's server: keep this test last) ------------------------------------


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _requests_served(log: Path) -> int:
    return log.read_text(errors="replace").count('"POST /v1/')


def test_server_killed_mid_run_ends_the_run_cleanly(vllm_openai_server: Any, tmp_path: Path) -> None:
    server = vllm_openai_server
    engine_processes = descendants(server.pid)  # orphaned when the server is killed: stopped below, by PID
    backend_kwargs = {"target": server.base_url, "ignore_eos": True}
    args = [
        "--backend", "openai_http",
        "--backend-kwargs", json.dumps(backend_kwargs),
        "--profile", "constant",
        "--rate", "5",
        "--max-seconds", "20",
        "--data", "prompt_tokens=32,output_tokens=256",  # ~0.5 s each: some are mid-stream when the server dies
    ]  # fmt: skip
    served_before = _requests_served(server.log_path)
    try:
        with gaugellm_run(args, tmp_path) as running:
            deadline = time.monotonic() + 60
            # The log names a request when its stream starts. 20 started is 4 s into the run: time for the first
            # ones to finish even when the CPU engine is slow (after 10, on a busy machine, none had).
            while _requests_served(server.log_path) < served_before + 20:
                assert running.process.poll() is None, "the run ended before the server was killed"
                assert time.monotonic() < deadline, "the run sent no requests within 60 s"
                time.sleep(0.2)
            os.kill(server.pid, signal.SIGKILL)
            killed_at = time.monotonic()
            result = running.wait(timeout=60)
            ended_after = time.monotonic() - killed_at
    finally:
        if _alive(server.pid):
            os.kill(server.pid, signal.SIGKILL)
        kill(engine_processes)
        assert wait_gone(engine_processes, timeout=15) == []

    assert result.returncode == 1, result.describe()
    assert ended_after < 15, f"the run took {ended_after:.1f} s to notice the dead server"
    output = result.stdout + result.stderr
    assert "Traceback" not in output, result.describe()
    # One readable message, the last thing printed (stdout has the tables of what was measured).
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.describe()
    assert result.stderr.strip().splitlines()[-1] == errors[0], result.describe()
    assert errors[0].startswith("error: the target stopped answering: connect: "), result.describe()
    assert "report marked incomplete" in errors[0]

    report = result.report
    assert report is not None, "the report must be written even when the target dies"
    assert report["complete"] is False
    assert "the target stopped answering" in report["error"]
    [benchmark] = report["benchmarks"]
    assert benchmark["incomplete"] is True
    assert benchmark["stop_reason"] == "target_unreachable"
    metrics = benchmark["metrics"]
    assert metrics["requests"]["successful"] >= 1, "what was measured before the server died is kept"
    assert metrics["requests"]["total"] >= 10
    kinds = {group["kind"] for group in metrics["errors"]}
    assert "connect" in kinds, metrics["errors"]
    assert kinds <= {"connect", "incomplete"}, metrics["errors"]
    records: dict[str, list[Any]] = benchmark["records"]
    assert set(records["status"]) <= {"ok", "error", "cancelled"}
    assert {kind for kind in records["error_kind"] if kind is not None} == kinds
    assert result.left_running == [], result.seen
