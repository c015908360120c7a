"""Every request type through ``gaugellm run`` (a subprocess) against the simulated server: options from the command
line and from a config file, the report's new fields, and bad input as one line with exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gaugellm.reports import load_report
from gaugellm_openai.mock import MockServerConfig, mock_server

GAUGELLM = [sys.executable, "-m", "gaugellm"]


def gaugellm_run(*args: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    environment.pop("OPENAI_API_KEY", None)
    environment.pop("GAUGELLM_DEBUG", None)
    command = [
        *GAUGELLM,
        "run",
        "-p",
        "synchronous",
        "--max-requests",
        "6",
        "--data",
        "prompt_tokens=32,output_tokens=8",
    ]
    return subprocess.run([*command, *args], env=environment, capture_output=True, text=True, timeout=120)


def test_responses_with_a_reasoning_model_from_the_command_line(tmp_path: Path) -> None:
    config = MockServerConfig(ttft_ms=10, itl_ms=2, output_tokens="8", reasoning_tokens=3, cached_tokens=4)
    with mock_server(config, in_process=True) as server:
        kwargs = {"target": server.url, "request_format": "responses"}
        result = gaugellm_run(
            "--backend", "openai_http", "--backend-kwargs", json.dumps(kwargs), "-o", str(tmp_path / "r.json")
        )
    assert result.returncode == 0, result.stderr
    report = load_report(tmp_path / "r.json")
    assert report.backend["request_format"] == "/v1/responses"
    metrics = report.benchmarks[0].metrics
    assert metrics.requests.successful == 6
    assert metrics.tokens.reasoning_tokens == 18
    assert metrics.tokens.cached_prompt_tokens == 24
    assert metrics.time_to_first_answer_token is not None
    assert metrics.time_to_first_answer_token.p50 > metrics.ttft.p50  # type: ignore[operator]
    assert "Reasoning and prompt cache" in result.stdout


def test_embeddings_from_a_config_file(tmp_path: Path) -> None:
    with mock_server(MockServerConfig(pooling_ms=1), in_process=True) as server:
        config: dict[str, Any] = {
            "backend": {"type": "openai_http", "target": server.url, "request_format": "embeddings",
                        "batch_size": 4},
        }  # fmt: skip
        path = tmp_path / "run.json"
        path.write_text(json.dumps(config))
        result = gaugellm_run("--config", str(path), "-o", str(tmp_path / "e.json"), "-o", str(tmp_path / "e.csv"))
    assert result.returncode == 0, result.stderr
    report = load_report(tmp_path / "e.json")
    metrics = report.benchmarks[0].metrics
    assert metrics.requests.successful == 6
    assert metrics.ttft.count == 0
    assert metrics.output_tokens_per_s is None
    assert metrics.prompt_tokens_per_s is not None
    assert report.token_counting["output"] == "none"
    assert (report.backend["batch_size"], report.backend["stream"]) == (4, False)
    assert "TTFT" not in result.stdout


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"request_format": "images"}, "request_format"),
        ({"request_format": "embeddings", "batch_size": 0}, "batch_size"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(kwargs: dict[str, Any], words: str) -> None:
    arguments = json.dumps({"target": "http://127.0.0.1:9", **kwargs})
    result = gaugellm_run("--backend", "openai_http", "--backend-kwargs", arguments)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert words in lines[0]
