"""`gaugellm run --target`, checks that gate, labels, environment variables: the real CLI, the simulated server."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from gaugellm_openai.mock import MockServer

from .conftest import StartServer


def gaugellm(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GAUGELLM_") and k != "OPENAI_API_KEY"}
    return subprocess.run(
        [sys.executable, "-m", "gaugellm", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        env={**clean, "COLUMNS": "200", **(env or {})},
        check=False,
    )


def test_target_alone_runs_the_default_backend_and_passing_checks_exit_0(
    start_server: StartServer, tmp_path: Path
) -> None:
    server = start_server(output_tokens="8", model="my-model")
    result = gaugellm(
        "run", "--target", server.url, "--model", "my-model", "-n", "12",
        "--check", "ttft.p99<=5s", "--check", "error_rate<1%", "--label", "build=1234",
        "-o", "run.json", "-o", "run.csv", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Checks: all 2 passed" in result.stdout
    report = json.loads((tmp_path / "run.json").read_text())
    assert report["config"]["backend"]["type"] == "openai_http"
    assert report["config"]["backend"]["target"] == server.url
    assert report["config"]["backend"]["model"] == "my-model"
    assert report["labels"] == {"build": "1234"}
    assert [(c["check"], c["passed"]) for c in report["checks"]] == [("ttft.p99<=5s", True), ("error_rate<1%", True)]
    (row,) = csv.DictReader((tmp_path / "run.csv").open())
    assert (row["labels"], row["checks"]) == ("build=1234", "pass")


def test_a_failing_check_exits_3_after_writing_every_report(start_server: StartServer, tmp_path: Path) -> None:
    slow = start_server(output_tokens="8", ttft_ms="60")
    result = gaugellm(
        "run", "--target", slow.url, "-n", "8", "--check", "ttft.p50<10ms", "--check", "error_rate<1%",
        "-o", "run.json", "-o", "run.html", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("error: 1 of 2 checks failed: ttft.p50<10ms on synchronous (")
    assert "FAIL" in result.stdout
    report = json.loads((tmp_path / "run.json").read_text())
    failed = [c for c in report["checks"] if not c["passed"]]
    assert [c["check"] for c in failed] == ["ttft.p50<10ms"]
    assert failed[0]["value"] > 50  # the server's 60 ms, measured
    assert "<h2>Checks: 1 of 2 failed</h2>" in (tmp_path / "run.html").read_text()
    # A saved run gates again without measuring: other checks, same exit statuses.
    again = gaugellm("report", "run.json", "-q", "--check", "ttft.p50<=5s", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    failing = gaugellm("report", "run.json", "-q", "--check", "ttft.p50<=1ms", cwd=tmp_path)
    assert failing.returncode == 3
    assert "1 of 1 checks failed" in failing.stderr


def test_a_run_whose_requests_fail_is_not_shown_green(start_server: StartServer, tmp_path: Path) -> None:
    flaky = start_server(output_tokens="4", error_rate=0.5, seed=3)
    result = gaugellm("run", "--target", flaky.url, "-n", "12", "-o", "run.json", "-o", "run.html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr  # no check asked for: errors alone do not fail the run
    errored = json.loads((tmp_path / "run.json").read_text())["benchmarks"][0]["metrics"]["requests"]["errored"]
    assert 0 < errored < 12
    assert f"complete · {errored} of 12 requests failed" in result.stdout
    page = (tmp_path / "run.html").read_text()
    assert f"<span class='warn'>complete · {errored} of 12 requests failed</span>" in page


def test_environment_variables_and_a_config_file_fill_the_same_options(server: MockServer, tmp_path: Path) -> None:
    (tmp_path / "run.yaml").write_text(
        "profile: synchronous\nchecks: ['ttft.p99<=5s']\nlabels: {team: infra}\n", encoding="utf-8"
    )
    env = {
        "GAUGELLM_TARGET": server.url,
        "GAUGELLM_MAX_REQUESTS": "4",
        "GAUGELLM_LABEL": "build=7 gpu=h100",
        "GAUGELLM_OUTPUT": "env.json",
    }
    result = gaugellm("run", "--config", "run.yaml", "--check", "error_rate<=0", "-q", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "env.json").read_text())
    assert report["benchmarks"][0]["metrics"]["requests"]["total"] == 4
    assert report["labels"] == {"team": "infra", "build": "7", "gpu": "h100"}
    assert [c["check"] for c in report["checks"]] == ["ttft.p99<=5s", "error_rate<=0"]


def test_bad_checks_labels_and_names_get_one_line_and_status_2(server: MockServer, tmp_path: Path) -> None:
    cases = [
        (["--check", "tft.p99<=300ms"], "did you mean ttft.p99"),
        (["--label", "nokey"], "--label 'nokey': write KEY=VALUE"),
        (["-b", "openai_htp"], "did you mean 'openai_http'?"),
        (["--targte", server.url], "Did you mean"),
    ]
    for extra, message in cases:
        args = ["run", *(["--target", server.url] if "--targte" not in extra else []), "-n", "1", "-q", *extra]
        result = gaugellm(*args, cwd=tmp_path)
        assert result.returncode == 2, (extra, result.stderr)
        assert message in result.stderr, (extra, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr


def test_debug_is_accepted_after_the_subcommand(tmp_path: Path) -> None:
    result = gaugellm("run", "--target", "http://127.0.0.1:9", "-n", "1", "-q", "--debug", cwd=tmp_path)
    assert result.returncode != 0
    assert "No such option" not in result.stderr
    assert "Traceback" in result.stderr  # --debug took effect: the full traceback
    assert "BackendUnavailableError" in result.stderr
