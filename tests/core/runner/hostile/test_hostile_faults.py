"""Fault injection: servers that never answer, stall or reset, and signals in every phase of a run.

Each test runs ``gaugellm run`` as a user would (a subprocess) against a raw-socket server on 127.0.0.1 (see
hostile_faults.py) and checks the three promises: the run never hangs (start-up is bounded, a signal ends any phase
within 2 s), it never loses a measurement (a report is written, saying what happened), and its exit status tells the
truth (1 when nothing succeeded, 130 when interrupted; see docs/errors.md).
"""

from __future__ import annotations

import json
import math
import signal
from pathlib import Path

import pytest
from hostile_cli import one_line_error, run_and_signal, run_cli
from hostile_faults import fault_server

from gaugellm.reports import load_report

pytest.importorskip("gaugellm_openai")

#: A signal must end any phase of a run within this many seconds.
SIGNAL_BOUND_S = 2.0


@pytest.fixture
def env(cli_env: dict[str, str]) -> dict[str, str]:
    environment = dict(cli_env)
    environment.pop("OPENAI_API_KEY", None)
    return environment


def openai(url: str, **kwargs: object) -> list[str]:
    return ["run", "-b", "openai_http", "--backend-kwargs", json.dumps({"target": url, **kwargs})]


# -- start-up -------------------------------------------------------------------------------------------------------


def test_a_silent_server_is_bounded_by_the_startup_timeout(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    with fault_server("silent") as server:
        finished = run_cli(env, *openai(server.url), "-n", "5", "--startup-timeout", "1.5", "-o", str(out), timeout=30)
    assert finished.returncode == 2, finished.stderr
    assert one_line_error(finished.stderr), finished.stderr
    assert "did not start within 1.5 s" in finished.stderr
    report = load_report(out)
    assert not report.complete
    assert "did not start within 1.5 s" in (report.error or "")


def test_startup_timeout_in_a_config_file(env: dict[str, str], tmp_path: Path) -> None:
    out, config = tmp_path / "run.json", tmp_path / "run.yaml"
    with fault_server("silent") as server:
        config.write_text(
            f"backend: {{type: openai_http, target: '{server.url}'}}\nmax_requests: 5\nstartup_timeout: 1\n"
        )
        finished = run_cli(env, "run", "--config", str(config), "-o", str(out), timeout=30)
    assert finished.returncode == 2, finished.stderr
    assert "did not start within 1 s" in finished.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_startup_ends_it_at_once_with_a_report(
    env: dict[str, str], tmp_path: Path, signum: signal.Signals
) -> None:
    out = tmp_path / "run.json"
    with fault_server("silent") as server:
        finished = run_and_signal(env, *openai(server.url), "-n", "5", "-o", str(out), when=2.5, signum=signum)
    assert finished.returncode == 130, finished.stderr
    assert (finished.after_signal_s or math.inf) < SIGNAL_BOUND_S
    assert one_line_error(finished.stderr), finished.stderr
    report = load_report(out)
    assert not report.complete
    assert "while the backend was starting" in (report.error or "")


# -- nothing succeeded --------------------------------------------------------------------------------------------


def test_every_stream_stalling_is_not_a_success(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    with fault_server("stall") as server:
        finished = run_cli(env, *openai(server.url), "-p", "concurrent", "-c", "4", "-t", "1.5", "-o", str(out))
    assert finished.returncode == 1, finished.stderr
    assert one_line_error(finished.stderr), finished.stderr
    assert "no request succeeded" in finished.stderr
    report = load_report(out)
    assert not report.complete
    assert "no request succeeded" in (report.error or "")


def test_a_server_never_answering_with_validation_off_is_not_a_success(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    with fault_server("silent") as server:
        args = openai(server.url, validate_backend=False, model="m")
        finished = run_cli(env, *args, "-p", "constant", "-r", "20", "-t", "1.5", "-o", str(out))
    assert finished.returncode == 1, finished.stderr
    assert "no request succeeded" in finished.stderr
    assert not load_report(out).complete


def test_streams_reset_mid_way_fail_the_run(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    with fault_server("reset") as server:
        finished = run_cli(env, *openai(server.url), "-n", "6", "-o", str(out))
    assert finished.returncode == 1, finished.stderr
    assert one_line_error(finished.stderr), finished.stderr
    assert "every request failed" in finished.stderr
    report = load_report(out)
    assert not report.complete
    assert report.benchmarks[0].metrics.requests.errored == 6


# -- signals mid-run and while the report is written ----------------------------------------------------------------


def test_sigint_mid_stream_ends_within_bound_with_a_report(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    with fault_server("stall") as server:
        finished = run_and_signal(
            env, *openai(server.url), "-p", "concurrent", "-c", "8", "-t", "60", "-o", str(out), when=3.0
        )
    assert finished.returncode == 130, finished.stderr
    assert (finished.after_signal_s or math.inf) < SIGNAL_BOUND_S
    report = load_report(out)
    assert not report.complete
    assert report.benchmarks
    assert report.benchmarks[0].incomplete


def test_sigint_while_the_report_is_written_keeps_it_whole(env: dict[str, str], tmp_path: Path) -> None:
    """The signal is sent the moment a report's temporary file appears: the writing finishes, then exit 130."""
    out = tmp_path / "out"
    out.mkdir()
    targets = [str(out / name) for name in ("run.json", "run.csv", "run.html")]
    kwargs = json.dumps({"tokens": 1})
    args = ["run", "-b", "runner_fake", "--backend-kwargs", kwargs, "-p", "concurrent", "-c", "32", "-n", "20000"]
    for target in targets:
        args += ["-o", target]
    finished = run_and_signal(env, *args, "-q", until=lambda: any(out.glob(".*.tmp")), timeout=120)
    if finished.after_signal_s is None:
        pytest.skip("the reports were written before their temporary files could be seen")  # a very fast machine
    assert finished.returncode == 130, finished.stderr
    assert (finished.after_signal_s or math.inf) < SIGNAL_BOUND_S
    assert one_line_error(finished.stderr), finished.stderr
    report = load_report(out / "run.json")
    assert report.complete  # every stage ran: the report says so, the exit status says it was interrupted
    assert report.benchmarks[0].metrics.requests.successful == 20000
