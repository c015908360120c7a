"""``gaugellm demo``: the README's first command, run for real (simulated server, runner, report)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_demo_measures_the_simulated_server_and_writes_the_report(tmp_path: Path) -> None:
    report_file = tmp_path / "demo.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gaugellm",
            "demo",
            "--profile",
            "constant",
            "--seconds",
            "1.5",
            "--ttft-ms",
            "30",
            "--itl-ms",
            "2",
            "--output-tokens",
            "16",
            "-o",
            str(report_file),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "160"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "simulated server at http://127.0.0.1:" in result.stdout
    assert "TTFT p50" in result.stdout
    report = json.loads(report_file.read_text())
    assert report["complete"] is True
    (benchmark,) = report["benchmarks"]
    metrics = benchmark["metrics"]
    assert metrics["requests"]["successful"] > 10
    # Generous sanity bounds only; accuracy is measured by benchmarks/openai_accuracy.py.
    assert 25 < metrics["ttft"]["p50"] < 80
    assert 1.5 < metrics["itl"]["p50"] < 10


def test_demo_finds_the_simulated_servers_capacity(tmp_path: Path) -> None:
    """``gaugellm demo --profile capacity``: the capacity under the SLO, against the closed form it prints."""
    report_file = tmp_path / "demo.json"
    args = ["--profile", "capacity", "--seconds", "4", "--max-streams", "8", "--ttft-ms", "20", "--itl-ms", "5"]
    result = subprocess.run(
        [sys.executable, "-m", "gaugellm", "demo", *args, "--output-tokens", "16", "-o", str(report_file)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "160"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 streams at once, capacity 84.2 requests/s" in result.stdout
    assert "Capacity: " in result.stdout
    capacity = json.loads(report_file.read_text())["capacity"]
    assert capacity["slo"] == ["ttft<=200ms"]
    # On failure, the probes' table in stdout says which verdict led the search astray.
    assert abs(capacity["capacity"] / (8 / 0.095) - 1) < 0.1, result.stdout
