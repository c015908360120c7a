"""The capacity search and a trace replay against vLLM's own OpenAI server (the tiny model, on CPU).

The simulated server is where the search's answer is checked against a known capacity (tests/core/runner); here the
same search runs against a real engine, whose capacity nobody knows in closed form, and must end with a decided,
well-formed answer within its budget. The replay sends prompts built from shared hash-id blocks, fitted with the
model's own tokenizer, and the server's own prompt counts must match the trace.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from vllm_cli import gaugellm_run

pytestmark = [pytest.mark.vllm, pytest.mark.slow]


def _kwargs(server: Any) -> str:
    return json.dumps({"target": server.base_url, "request_format": "/v1/completions", "ignore_eos": True})


def test_capacity_search_against_a_real_engine(
    vllm_openai_server: Any, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    args = [
        "--backend", "openai_http", "--backend-kwargs", _kwargs(vllm_openai_server),
        "-p", "capacity", "--slo", "ttft<=2s", "--max-seconds", "6", "--budget", "45s",
        "--data", "prompt_tokens=32,output_tokens=16", "--tokenizer", str(tiny_model_dir),
    ]  # fmt: skip
    with gaugellm_run(args, tmp_path_factory.mktemp("capacity")) as running:
        result = running.wait(timeout=180)
    assert result.returncode == 0, result.describe()
    report = result.report
    assert report is not None, result.describe()
    capacity = report["capacity"]
    assert capacity["slo"] == ["ttft<=2000ms"]
    assert capacity["spent_s"] <= 45 + 1, "the budget bounds the search"
    probes = capacity["probes"]
    assert probes[0]["verdict"] == "measured"
    assert probes[0]["request_rate"] > 0, "the engine completes requests at full speed"
    assert all(probe["verdict"] in ("pass", "fail") for probe in probes[1:])
    assert capacity["status"] in ("found", "bracketed", "above_highest", "below_lowest")
    if capacity["capacity"] is not None:
        assert capacity["capacity"] <= probes[0]["request_rate"] * 2.5
        assert capacity["goodput"] > 0


def test_replay_with_shared_prefixes_matches_the_trace(
    vllm_openai_server: Any, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("replay")
    trace = folder / "trace.jsonl"
    lengths = [96 + 17 * (index % 5) for index in range(20)]
    rows = [
        {"at_s": index * 0.1, "prompt_tokens": length, "output_tokens": 8, "hash_ids": [1, 2 + index % 3]}
        for index, length in enumerate(lengths)
    ]
    trace.write_text("".join(json.dumps(row) + "\n" for row in rows))
    args = [
        "--backend", "openai_http", "--backend-kwargs", _kwargs(vllm_openai_server),
        "-p", "replay", "--trace", str(trace), "--block-tokens", "64", "--tokenizer", str(tiny_model_dir),
    ]  # fmt: skip
    with gaugellm_run(args, folder) as running:
        result = running.wait(timeout=120)
    assert result.returncode == 0, result.describe()
    report = result.report
    assert report is not None, result.describe()
    [benchmark] = report["benchmarks"]
    assert benchmark["metrics"]["requests"]["successful"] == 20
    records = benchmark["records"]
    served = dict(zip(records["request_id"], records["prompt_tokens"], strict=True))
    for index, length in enumerate(lengths):
        # The server counts what it was sent with its own tokenizer (plus a beginning-of-sequence token).
        assert abs(served[f"trace-{index}"] - length) <= 2, (index, served[f"trace-{index}"], length)


def test_vllms_own_metrics_scraped_during_a_run(
    vllm_openai_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The prometheus collector on vLLM's real /metrics: the preset recognised, its series present and moving."""
    args = [
        "--backend", "openai_http", "--backend-kwargs", _kwargs(vllm_openai_server),
        "-p", "concurrent", "-c", "4", "--max-seconds", "6", "--data", "prompt_tokens=32,output_tokens=32",
        "--collector", 'prometheus:{"interval_s": 0.25}',
    ]  # fmt: skip
    with gaugellm_run(args, tmp_path_factory.mktemp("metrics")) as running:
        result = running.wait(timeout=180)
    assert result.returncode == 0, result.describe()
    report = result.report
    assert report is not None, result.describe()
    [collector] = report["collectors"]
    assert collector["failures"] == 0, collector["last_error"]
    assert collector["info"]["presets"] == ["vllm"]
    assert collector["info"]["server"]["models"][0]["max_model_len"] == 512
    series = collector["series"]
    for name in (
        "vllm:num_requests_running",
        "vllm:num_requests_waiting",
        "vllm:kv_cache_usage_perc",
        "vllm:generation_tokens:rate",
        "vllm:prompt_tokens:rate",
        "vllm:time_to_first_token_seconds:rate",
        "vllm:e2e_request_latency_seconds:mean",
    ):
        assert name in series, sorted(series)
    running_values = [value for value in series["vllm:num_requests_running"] if value is not None]
    assert max(running_values) >= 1, "the server saw the run's requests"
    generated = [value for value in series["vllm:generation_tokens:rate"] if value is not None]
    assert max(generated) > 50, "generation tokens per second while 4 streams ran"
    assert report["environment"]["server"]["prometheus"]["models"][0]["id"]
