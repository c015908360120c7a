"""Request types against vLLM's own OpenAI server (the tiny model on CPU): the Responses API and embeddings.

The Responses API streams from the same generation server the other HTTP tests use; embeddings need the model served
as a pooling model (``--runner pooling --convert embed``), a second server for this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from vllm_cli import CliResult, gaugellm_run

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

SERVER_ARGS = ("--enforce-eager", "--max-model-len", "512", "--dtype", "float32")


@pytest.fixture(scope="module")
def pooling_server(vllm_root: Path, tiny_model_dir: Path) -> Iterator[Any]:
    """The tiny model served for embeddings."""
    from vllm_openai_server import serve_openai

    extra = (*SERVER_ARGS, "--runner", "pooling", "--convert", "embed")
    with serve_openai(tiny_model_dir, vllm_root / "pooling-server", extra_args=extra) as server:
        yield server


def run(server: Any, tiny_model_dir: Path, folder: Path, kwargs: dict[str, Any], *extra: str) -> CliResult:
    args = [
        "--backend", "openai_http", "--backend-kwargs", json.dumps({"target": server.base_url, **kwargs}),
        "-p", "concurrent", "-c", "2", "-n", "6", "--tokenizer", str(tiny_model_dir), *extra,
    ]  # fmt: skip
    with gaugellm_run(args, folder) as running:
        return running.wait(timeout=120)


def test_responses_api_streams_from_vllm(
    vllm_openai_server: Any, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    result = run(
        vllm_openai_server,
        tiny_model_dir,
        tmp_path_factory.mktemp("responses"),
        {"request_format": "responses"},
        "--data",
        "prompt_tokens=24,output_tokens=8",
    )
    assert result.returncode == 0, result.describe()
    report = result.report
    assert report is not None, result.describe()
    [benchmark] = report["benchmarks"]
    metrics = benchmark["metrics"]
    assert metrics["requests"]["successful"] == 6, result.describe()
    assert metrics["ttft"]["count"] == 6, "the first output text delta is timed"
    assert 0 < metrics["tokens"]["output_tokens"] <= 6 * 8
    assert metrics["tokens"]["output_sources"] == {"server": 6}, "usage comes from response.completed"


def test_embeddings_from_vllm_have_no_token_timing(
    pooling_server: Any, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    result = run(
        pooling_server,
        tiny_model_dir,
        tmp_path_factory.mktemp("embeddings"),
        {"request_format": "embeddings", "batch_size": 2},
        "--data",
        "prompt_tokens=32,output_tokens=1",
    )
    assert result.returncode == 0, result.describe()
    report = result.report
    assert report is not None, result.describe()
    [benchmark] = report["benchmarks"]
    metrics = benchmark["metrics"]
    assert metrics["requests"]["successful"] == 6, result.describe()
    assert metrics["latency"]["count"] == 6
    assert metrics["ttft"]["count"] == 0, "nothing streams: no time to first token"
    assert metrics["itl"]["count"] == 0
    assert metrics["prompt_tokens_per_s"] > 0


def test_the_in_process_backend_embeds_with_a_pooling_engine(
    tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``--backend vllm`` with ``task: embed``: the engine in the worker, started as a pooling model."""
    from vllm_env import CPU_ENGINE_CONFIG

    workdir = tmp_path_factory.mktemp("embed")  # short: vLLM's socket paths under it must fit in 107 bytes
    kwargs = {
        "model": str(tiny_model_dir),
        "task": "embed",
        "vllm_config": {**CPU_ENGINE_CONFIG, "runner": "pooling", "convert": "embed"},
    }
    args = [
        "--backend", "vllm", "--backend-kwargs", json.dumps(kwargs),
        "-p", "concurrent", "-c", "2", "-n", "6",
        "--data", "prompt_tokens=32,output_tokens=1", "--tokenizer", str(tiny_model_dir),
    ]  # fmt: skip
    with gaugellm_run(args, workdir) as running:
        result = running.wait(timeout=240)
    assert result.returncode == 0, result.describe()
    report = result.report
    assert report is not None, result.describe()
    assert report["backend"]["task"] == "embed"
    [benchmark] = report["benchmarks"]
    metrics = benchmark["metrics"]
    assert metrics["requests"]["successful"] == 6, result.describe()
    assert metrics["latency"]["count"] == 6
    assert metrics["ttft"]["count"] == 0
    assert metrics["tokens"]["prompt_sources"] == {"engine": 6}
    assert metrics["tokens"]["prompt_tokens"] >= 6 * 32
