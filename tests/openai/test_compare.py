"""`gaugellm compare` end to end: real runs against the simulated server, made in the test, compared by the real CLI.

Three runs of 240 requests at 16 concurrent streams: two against a server whose first token takes 200 ms, one against
a server at 220 ms (+10 %). The slower server must be `worse` on TTFT; the two runs of the same server must show
`no detectable change` on TTFT p50. Why this does not flake: the simulated TTFT is a timer, so its median over 240
requests moves by far less than the 2 % minimum effect between two runs of one server (that would take a systematic
4 ms shift of every request), while the injected 20 ms is five times that minimum and its interval is a fraction of
a percent wide. Tails (p99) on a shared machine do move between runs; they are not asserted on here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gaugellm.compare import CompareReport

from .conftest import StartServer

RUN = ("-p", "concurrent", "-c", "16", "-n", "240", "-q")


def gaugellm(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GAUGELLM_") and k != "OPENAI_API_KEY"}
    return subprocess.run(
        [sys.executable, "-m", "gaugellm", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**clean, "COLUMNS": "200"},
        check=False,
    )


def test_an_injected_slowdown_is_worse_and_a_rerun_is_unchanged(start_server: StartServer, tmp_path: Path) -> None:
    usual = start_server(ttft_ms=200, itl_ms=1, output_tokens="8", seed=1)
    slower = start_server(ttft_ms=220, itl_ms=1, output_tokens="8", seed=1)
    for name, server in (("base", usual), ("slow", slower), ("again", usual)):
        result = gaugellm("run", "--target", server.url, *RUN, "--label", f"build={name}", "-o", f"{name}.json",
                          cwd=tmp_path)  # fmt: skip
        assert result.returncode == 0, result.stderr

    result = gaugellm(
        "compare", "base.json", "slow.json", "again.json", "-o", "compare.json", "-o", "compare.html",
        "--fail-on-regression", "5", cwd=tmp_path,
    )  # fmt: skip
    report = CompareReport.model_validate_json((tmp_path / "compare.json").read_text())
    rows = {(run.run.name, row.metric): row for run, _, row in report.rows()}
    slow, again = rows[("build=slow", "ttft.p50")], rows[("build=again", "ttft.p50")]
    shown = "\n".join(
        f"{k}: {r.verdict} {r.relative_change} [{r.relative_low}, {r.relative_high}]" for k, r in rows.items()
    )
    assert slow.verdict == "worse", shown
    assert slow.method == "bootstrap-records"
    assert slow.samples == (240, 240)
    assert slow.relative_low is not None
    assert slow.relative_high is not None
    assert slow.relative_low > 0.05, shown  # about the injected +10 %
    assert slow.relative_high < 0.15, shown
    assert rows[("build=slow", "latency.p50")].verdict == "worse", shown
    assert again.verdict == "no detectable change", shown
    assert rows[("build=again", "error_rate")].verdict == "no detectable change"

    # The gate: exit status 3, one line that names the slower run's TTFT.
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "build=slow: concurrent@16 ttft.p50 +" in result.stderr
    assert "build=slow vs build=base (baseline)" in result.stdout
    page = (tmp_path / "compare.html").read_text()
    assert "<script" not in page.lower()
    assert "<svg" in page
    assert json.loads((tmp_path / "compare.json").read_text())["baseline"]["labels"] == {"build": "base"}

    # The same gate on TTFT p50 alone passes for the rerun of the same server.
    rerun = gaugellm("compare", "base.json", "again.json", "--metric", "ttft.p50", "--fail-on-regression", "5",
                     cwd=tmp_path)  # fmt: skip
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "no detectable change" in rerun.stdout
