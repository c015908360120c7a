"""``gaugellm run`` as a user runs it: a subprocess, with the fake backend installed as a plugin (see conftest)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import GAUGELLM

from gaugellm.reports import load_report


def one_line_error(stderr: str) -> bool:
    """What every user error looks like: ``error: ...`` on one line, no traceback."""
    return stderr.startswith("error: ") and stderr.count("\n") == 1


def gaugellm(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GAUGELLM, *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_help_lists_run_without_importing_the_runner(cli_env: dict[str, str]) -> None:
    result = gaugellm(cli_env, "--help")
    assert result.returncode == 0
    assert "run" in result.stdout
    assert "Measure a backend under a load profile" in result.stdout
    probe = subprocess.run(
        [
            GAUGELLM[0],
            "-c",
            "import sys, gaugellm.cli.run; "
            "print(sorted(m for m in sys.modules if m.startswith(('gaugellm.runner', 'pydantic', 'rich'))))",
        ],
        env=cli_env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "[]"


def test_run_writes_json_and_csv(cli_env: dict[str, str], tmp_path: Path) -> None:
    out, csv = tmp_path / "run.json", tmp_path / "run.csv"
    kwargs = json.dumps({"tokens": 4, "itl_ms": 1})
    result = gaugellm(
        cli_env,
        "run",
        "--backend",
        "runner_fake",
        "--backend-kwargs",
        kwargs,
        "--profile",
        "concurrent",
        "--concurrency",
        "3",
        "--max-requests",
        "30",
        "-o",
        str(out),
        "-o",
        str(csv),
    )
    assert result.returncode == 0, result.stderr
    assert "concurrent@3: 30 requests" in result.stdout  # plain progress: stdout is not a terminal
    report = load_report(out)
    assert report.complete
    assert report.benchmarks[0].metrics.requests.successful == 30
    assert report.config["backend"]["type"] == "runner_fake"
    assert report.config["max_requests"] == 30
    assert csv.read_text().count("\n") >= 2
    if hasattr(os, "getpriority"):  # the CLI ran at a lower priority than its workers, and the report says so
        assert report.environment["executor"]["runner_niceness"] == max(10, os.getpriority(os.PRIO_PROCESS, 0))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--backend", "nope", "-n", "1"], "backend 'nope' is not installed"),
        (["--backend", "runner_fake", "--backend-kwargs", '{"tokenz": 1}', "-n", "1"], "tokenz: Extra inputs"),
        (["--backend", "runner_fake", "--backend-kwargs", "{bad", "-n", "1"], "--backend-kwargs is not valid JSON"),
        (["--backend", "runner_fake"], "needs a stop condition"),
        (["--backend", "runner_fake", "-n", "1", "--data", "/nonexistent/data.jsonl"], "/nonexistent/data.jsonl"),
        (["--backend", "runner_fake", "-n", "1", "-p", "constant"], "needs --rate"),
        (["--backend", "runner_fake", "-n", "1", "-o", "out.txt"], "extension '.txt'"),
        (["-n", "1"], "what should openai_http measure? give --target URL"),  # the default backend, with no server
    ],
)
def test_user_errors_are_one_line_and_status_2(cli_env: dict[str, str], args: list[str], message: str) -> None:
    result = gaugellm(cli_env, "run", *args)
    assert result.returncode == 2, result.stderr
    assert one_line_error(result.stderr)
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_target_writes_incomplete_report(cli_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    kwargs = '{"fail_validate": "cannot connect to http://127.0.0.1:9: connection refused"}'
    result = gaugellm(cli_env, "run", "-b", "runner_fake", "--backend-kwargs", kwargs, "-n", "5", "-o", str(out))
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: cannot connect to http://127.0.0.1:9: connection refused")
    assert not load_report(out).complete


def test_config_file_with_cli_override(cli_env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    out = tmp_path / "run.json"
    config.write_text(
        f"backend:\n  type: runner_fake\n  tokens: 2\nprofile: constant\nrate: [50]\nmax-requests: 100\noutput: {out}\n"
    )
    result = gaugellm(cli_env, "run", "--config", str(config), "--max-requests", "10")
    assert result.returncode == 0, result.stderr
    report = load_report(out)
    assert report.benchmarks[0].name == "constant@50"
    assert report.benchmarks[0].metrics.requests.total == 10


def test_sigint_writes_what_was_measured(cli_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    process = subprocess.Popen(
        [
            *GAUGELLM,
            "run",
            "-b",
            "runner_fake",
            "--backend-kwargs",
            '{"itl_ms": 10, "tokens": 20}',
            "-p",
            "concurrent",
            "-c",
            "4",
            "--max-seconds",
            "60",
            "-o",
            str(out),
        ],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(3.0)
        process.send_signal(signal.SIGINT)
        _stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert "interrupted by Ctrl-C" in stderr
    assert stderr.count("\n") == 1
    report = load_report(out)
    assert not report.complete
    assert report.error is not None
    assert "interrupted" in report.error
    assert report.benchmarks
    assert report.benchmarks[0].incomplete


def test_killed_worker_ends_run_non_zero(cli_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    kwargs = '{"kill_worker_after": 20, "itl_ms": 2, "tokens": 5}'
    result = gaugellm(
        cli_env,
        "run",
        "-b",
        "runner_fake",
        "--backend-kwargs",
        kwargs,
        "-p",
        "concurrent",
        "-c",
        "2",
        "-n",
        "1000",
        "-o",
        str(out),
    )
    assert result.returncode == 1
    assert "killed by SIGKILL" in result.stderr
    assert "Traceback" not in result.stderr
    assert not load_report(out).complete


def _niceness(pid: int) -> set[int]:
    """The niceness of every thread of ``pid`` (field 19 of /proc/PID/task/TID/stat)."""
    values = set()
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            values.add(int(stat.read_text().rsplit(")", 1)[1].split()[16]))
        except (OSError, IndexError):
            continue  # a thread that just ended
    return values


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_run_lowers_its_own_priority_not_its_workers(cli_env: dict[str, str], tmp_path: Path) -> None:
    """While it runs, `gaugellm run`'s process is at niceness 10 (every thread) and its workers where they started."""
    own = os.getpriority(os.PRIO_PROCESS, 0)  # this test may itself run under `nice`
    lowered = max(own, 10)
    kwargs = json.dumps({"tokens": 2, "itl_ms": 1})
    args = ["run", "-b", "runner_fake", "--backend-kwargs", kwargs, "-p", "constant", "-r", "50", "-t", "8", "-q"]
    process = subprocess.Popen([*GAUGELLM, *args], env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while time.monotonic() < deadline and process.poll() is None:
            children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
            workers = [int(child) for child in children]
            if len(workers) >= 1 and _niceness(process.pid) == {lowered}:
                break
            time.sleep(0.05)
        assert _niceness(process.pid) == {lowered}
        assert workers
        assert all(_niceness(worker) == {own} for worker in workers)
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
