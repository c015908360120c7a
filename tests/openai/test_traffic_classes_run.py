"""Traffic classes end to end: one run mixing two workloads against the simulated server, each reported apart."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import StartServer


def test_two_classes_get_their_shares_and_their_own_figures(start_server: StartServer, tmp_path: Path) -> None:
    server = start_server(output_tokens="64", ttft_ms=5, itl_ms=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAUGELLM_")}
    result = subprocess.run(
        [
            sys.executable, "-m", "gaugellm", "run", "--target", server.url, "-p", "constant", "-r", "50", "-n", "300",
            "--class", "chat=3:prompt_tokens=32,output_tokens=8",
            "--class", "summary=1:prompt_tokens=400,output_tokens=48",
            "--slo", "latency<=40ms", "--check", "classes.summary.latency.p50>=40ms",
            "--check", "classes.chat.output_length.mean<=8", "-q", "-o", "run.json", "-o", "run.csv", "-o", "run.html",
        ],
        capture_output=True, text=True, timeout=180, cwd=tmp_path, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "run.json").read_text())
    (benchmark,) = report["benchmarks"]
    classes = benchmark["classes"]
    assert list(classes) == ["chat", "summary"] or list(classes) == ["summary", "chat"]
    chat, summary = classes["chat"], classes["summary"]
    total = benchmark["metrics"]["requests"]["total"]
    assert chat["requests"]["total"] + summary["requests"]["total"] == total == 300
    assert 0.65 < chat["requests"]["total"] / total < 0.85  # 3:1 is 75 %
    # each class got its own answers: the server capped every answer at the class's max_tokens
    assert chat["output_length"]["mean"] == 8
    assert summary["output_length"]["mean"] == 48
    assert summary["latency"]["p50"] > chat["latency"]["p50"] + 25  # 40 more tokens at 1 ms each
    # the SLO judged per class: the long answers miss 40 ms end to end, the short ones meet it
    assert chat["slo"]["attainment"] > 0.9
    assert summary["slo"]["attainment"] < 0.5
    assert report["config"]["data_description"]["kind"] == "classes"
    assert [(c["metric"], c["passed"]) for c in report["checks"]] == [
        ("classes.summary.latency.p50", True),
        ("classes.chat.output_length.mean", True),
    ]

    rows = list(csv.DictReader((tmp_path / "run.csv").open()))
    assert [(row["benchmark"], row["traffic_class"]) for row in rows] == [
        ("constant@50", ""),
        *(("constant@50", name) for name in classes),
    ]
    page = (tmp_path / "run.html").read_text()
    assert "constant@50 · chat" in page
    assert "constant@50 · summary" in page
