"""``gaugellm run --backend openai_http`` against the simulated OpenAI server, as subprocesses.

Needs ``gaugellm-backend-openai`` (the hatch workspace installs it); skipped where it is not installed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

mock = pytest.importorskip("gaugellm_openai.mock")

from gaugellm.reports import load_report  # noqa: E402

GAUGELLM = [sys.executable, "-m", "gaugellm"]


def env() -> dict[str, str]:
    environment = dict(os.environ)
    environment.pop("GAUGELLM_DEBUG", None)
    environment.pop("OPENAI_API_KEY", None)
    return environment


def run_args(url: str, *extra: str) -> list[str]:
    return [*GAUGELLM, "run", "--backend", "openai_http", "--backend-kwargs", json.dumps({"target": url}), *extra]


def run_then(args: list[str], after_s: float, act: Callable[[subprocess.Popen[str]], None]) -> tuple[int, str]:
    """Start ``gaugellm run``, do ``act`` to it (or its world) after ``after_s`` seconds; its exit status and stderr.

    Whatever happens, the run is not left behind.
    """
    process = subprocess.Popen(args, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(after_s)
        act(process)
        _, stderr = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, stderr


def test_constant_rate_against_the_simulated_server(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    config = mock.MockServerConfig(ttft_ms=30, itl_ms=2, output_tokens="16")
    with mock.mock_server(config, in_process=False) as server:
        result = subprocess.run(
            run_args(server.url, "--profile", "constant", "--rate", "40", "--max-requests", "60", "-o", str(out)),
            env=env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    report = load_report(out)
    (bench,) = report.benchmarks
    metrics = bench.metrics
    assert metrics.requests.successful == 60
    assert report.token_counting["output"] == "server"
    assert metrics.ttft.p50 is not None
    assert 25 < metrics.ttft.p50 < 500
    assert metrics.itl.p50 is not None
    assert 1 < metrics.itl.p50 < 100
    assert metrics.dispatch_lag.count == 60


def test_unreachable_server_is_one_line_and_an_incomplete_report(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    with mock.mock_server(mock.MockServerConfig(), in_process=False) as server:
        url = server.url
    result = subprocess.run(
        run_args(url, "-n", "5", "-o", str(out)), env=env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert not load_report(out).complete


def test_server_dying_mid_run_ends_it_incomplete(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    config = mock.MockServerConfig(ttft_ms=5, itl_ms=5, output_tokens="20")
    with mock.mock_server(config, in_process=False) as server:
        assert server.pid is not None
        server_pid = server.pid
        returncode, stderr = run_then(
            run_args(server.url, "-p", "concurrent", "-c", "4", "--max-seconds", "120", "-o", str(out)),
            4.0,
            lambda _: os.kill(server_pid, signal.SIGKILL),  # the server we started, by its PID
        )
    assert returncode not in (0, None), stderr
    assert stderr.startswith("error: "), stderr
    assert stderr.count("\n") == 1, stderr
    report = load_report(out)
    assert not report.complete
    assert report.benchmarks
    assert report.benchmarks[0].incomplete


def test_sigint_keeps_what_was_measured(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    config = mock.MockServerConfig(ttft_ms=10, itl_ms=5, output_tokens="20")
    with mock.mock_server(config, in_process=False) as server:
        returncode, stderr = run_then(
            run_args(server.url, "-p", "poisson", "-r", "20", "--max-seconds", "120", "-o", str(out)),
            4.0,
            lambda process: process.send_signal(signal.SIGINT),
        )
    assert returncode == 130, stderr
    report = load_report(out)
    assert not report.complete
    assert report.benchmarks[0].incomplete
    assert report.benchmarks[0].metrics.requests.successful > 0
