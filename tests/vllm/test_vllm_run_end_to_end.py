"""``gaugellm run --backend vllm`` end to end, as a user runs it: a subprocess, a worker process, a real engine on CPU.

One run for the whole module (about 40 s on 2 cores, most of it the engine's start), checked from several sides: the
report is complete, every output token count is exact and comes from the engine, and no process of the run (worker,
engine core) and no IPC socket is left behind.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from vllm_cli import CliResult, gaugellm_run
from vllm_env import CPU_ENGINE_CONFIG

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

REQUESTS = 12
CONCURRENCY = 4
PROMPT_TOKENS = 32
OUTPUT_TOKENS = 16


@pytest.fixture(scope="module")
def run(
    vllm_root: Path, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory, vllm_timings: dict[str, float]
) -> tuple[CliResult, Path]:
    workdir = tmp_path_factory.mktemp("run")  # short: vLLM's socket paths under it must fit in 107 bytes
    tmpdir = workdir / "tmp"  # the run's own temp folder: whatever vLLM leaves there is visible
    tmpdir.mkdir()
    backend_kwargs = {"model": str(tiny_model_dir), "vllm_config": dict(CPU_ENGINE_CONFIG), "ignore_eos": True}
    args = [
        "--backend", "vllm",
        "--backend-kwargs", json.dumps(backend_kwargs),
        "--profile", "concurrent",
        "--concurrency", str(CONCURRENCY),
        "--max-requests", str(REQUESTS),
        "--data", f"prompt_tokens={PROMPT_TOKENS},output_tokens={OUTPUT_TOKENS}",
        "--tokenizer", str(tiny_model_dir),
    ]  # fmt: skip
    started = time.perf_counter()
    with gaugellm_run(args, workdir, extra_env={"TMPDIR": str(tmpdir)}) as running:
        result = running.wait(timeout=240)
    vllm_timings["gaugellm run --backend vllm"] = time.perf_counter() - started
    return result, tmpdir


def test_run_succeeds_with_a_complete_report(run: tuple[CliResult, Path]) -> None:
    result, _ = run
    assert result.returncode == 0, result.describe()
    assert "Traceback" not in result.stderr, result.describe()
    report = result.report
    assert report is not None, result.describe()
    assert report["complete"] is True
    assert report["error"] is None
    assert report["backend"]["type"] == "vllm" or "vllm" in json.dumps(report["backend"])
    assert report["config"]["backend"]["type"] == "vllm"
    [benchmark] = report["benchmarks"]
    assert benchmark["name"] == f"concurrent@{CONCURRENCY}"
    assert benchmark["incomplete"] is False
    assert benchmark["stop_reason"] == "max_requests"
    metrics = benchmark["metrics"]
    assert metrics["requests"] == {"total": REQUESTS, "successful": REQUESTS, "errored": 0, "incomplete": 0}
    assert metrics["errors"] == []
    assert metrics["output_tokens_per_s"] > 0
    assert metrics["request_rate"] > 0
    assert 1 < metrics["concurrency"] <= CONCURRENCY, "the engine served several streams at once"
    for name in ("ttft", "itl", "latency"):
        assert metrics[name]["count"] == REQUESTS, name
        assert 0 < metrics[name]["p50"] <= metrics[name]["max"], name
    assert metrics["ttft"]["p50"] < metrics["latency"]["p50"]


def test_output_token_counts_are_exact_and_from_the_engine(run: tuple[CliResult, Path]) -> None:
    result, _ = run
    assert result.report is not None, result.describe()
    assert result.report["token_counting"]["output"] == "engine"
    assert result.report["token_counting"]["prompt"] == "engine"
    [benchmark] = result.report["benchmarks"]
    records: dict[str, list[Any]] = benchmark["records"]
    assert records["status"] == ["ok"] * REQUESTS
    # ignore_eos: each request generates exactly what the data asked for, no more and no less.
    assert records["output_tokens"] == [OUTPUT_TOKENS] * REQUESTS
    assert records["output_tokens_source"] == ["engine"] * REQUESTS
    # DELTA outputs: a chunk per engine step, each with at least one token.
    assert all(0 < chunks <= OUTPUT_TOKENS for chunks in records["chunks"])
    tokens = benchmark["metrics"]["tokens"]
    assert tokens["output_tokens"] == REQUESTS * OUTPUT_TOKENS
    assert tokens["output_sources"] == {"engine": REQUESTS}
    # The data was counted with the model's own tokenizer, so the engine sees the prompt lengths asked for
    # (plus the beginning-of-sequence token it adds).
    assert all(PROMPT_TOKENS <= tokens_in <= PROMPT_TOKENS + 1 for tokens_in in records["prompt_tokens"]), records[
        "prompt_tokens"
    ]


def test_nothing_is_left_running_or_on_disk(run: tuple[CliResult, Path]) -> None:
    result, tmpdir = run
    assert any("EngineCore" in name for name in result.seen), f"the watcher never saw the engine: {result.seen}"
    assert result.left_running == [], f"processes of the run still running after it ended (killed): {result.seen}"
    sockets = [path for path in tmpdir.rglob("*") if path.is_socket()]
    assert sockets == []
