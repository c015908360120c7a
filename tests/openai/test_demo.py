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
