"""Whole runs attacked where the options are valid but extreme: the highest rate and concurrency, outputs that cannot
be written, an error limit hit by many workers at once, a target whose port does not exist."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from hostile_cli import GAUGELLM, one_line_error, run_and_signal, run_cli

from gaugellm import bounds
from gaugellm.reports import load_report


def fake(**kwargs: object) -> list[str]:
    return ["run", "-b", "runner_fake", "--backend-kwargs", json.dumps(kwargs)]


@pytest.mark.parametrize(
    "load",
    [
        ["-p", "constant", "-r", str(int(bounds.MAX_RATE))],
        ["-p", "concurrent", "-c", str(bounds.MAX_CONCURRENCY)],
    ],
    ids=["max-rate", "max-concurrency"],
)
def test_the_largest_load_still_answers_sigint_at_once(
    cli_env: dict[str, str], tmp_path: Path, load: list[str]
) -> None:
    """Without per-request records, so that what is timed is the runner's answer, not the size of the JSON file."""
    out = tmp_path / "run.json"
    args = [*fake(tokens=1, itl_ms=1), *load, "-t", "60", "-q", "--no-records", "-o", str(out)]
    finished = run_and_signal(cli_env, *args, when=4.0)
    assert finished.returncode == 130, finished.stderr
    assert (finished.after_signal_s or math.inf) < 2.0
    assert one_line_error(finished.stderr), finished.stderr
    assert not load_report(out).complete


# -- outputs ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["under-a-file", "a-folder", "unknown-extension", "not-writable"])
def test_an_output_that_cannot_be_written_is_refused_before_the_first_request(
    cli_env: dict[str, str], tmp_path: Path, where: str
) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    target = {
        "under-a-file": str(blocker / "run.json"),
        "a-folder": str(tmp_path),
        "unknown-extension": str(tmp_path / "run.xlsx"),
        "not-writable": "/proc/gaugellm-hostile/run.json",
    }[where]
    started = time.monotonic()
    finished = run_cli(cli_env, *fake(tokens=2), "-p", "concurrent", "-c", "2", "-t", "20", "-o", target)
    assert finished.returncode == 2, finished.stderr
    assert one_line_error(finished.stderr), finished.stderr
    assert "cannot write a report" in finished.stderr
    assert time.monotonic() - started < 10  # refused at once: the 20 s stage never ran


def test_an_output_that_fails_at_the_end_is_saved_elsewhere(cli_env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    args = [*GAUGELLM, *fake(tokens=2, itl_ms=1), "-p", "concurrent", "-c", "2", "-t", "3", "-q"]
    process = subprocess.Popen([*args, "-o", str(folder / "run.json")], env=cli_env, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        shutil.rmtree(folder)
        folder.write_text("the folder became a file during the run")
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 1, stderr
    assert one_line_error(stderr), stderr
    match = re.search(r"the measurement was saved to (\S+\.json)", stderr)
    assert match, stderr
    saved = Path(match.group(1))
    try:
        report = load_report(saved)
        assert report.complete
        assert report.benchmarks[0].metrics.requests.successful > 0
    finally:
        saved.unlink()


# -- the error limit --------------------------------------------------------------------------------------------------


def test_the_error_limit_message_and_the_report_count_the_same_errors(cli_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    finished = run_cli(
        cli_env, *fake(fail_all="http"), "-p", "concurrent", "-c", "16", "-w", "2", "-n", "5000",
        "--max-errors", "5", "-q", "-o", str(out),
    )  # fmt: skip
    assert finished.returncode == 1, finished.stderr
    assert finished.stderr.startswith("error: stopped after 5 errors (5 errors allowed)"), finished.stderr
    report = load_report(out)
    errored = report.benchmarks[0].metrics.requests.errored
    total = re.search(r"; (\d+) requests failed in all", finished.stderr)
    assert errored == (int(total.group(1)) if total else 5), finished.stderr
    assert (report.error or "").startswith("stopped after 5 errors")


# -- errors that hid their cause --------------------------------------------------------------------------------------


def test_an_invalid_port_is_named(cli_env: dict[str, str]) -> None:
    kwargs = json.dumps({"target": "http://127.0.0.1:99999"})
    finished = run_cli(cli_env, "run", "-b", "openai_http", "--backend-kwargs", kwargs, "-n", "1")
    assert finished.returncode == 2, finished.stderr
    assert one_line_error(finished.stderr), finished.stderr
    assert "invalid port" in finished.stderr
    assert "TaskGroup" not in finished.stderr


#: The most memory (peak resident set, MiB) the runner's main process may use while it starts and feeds the largest
#: load accepted; documented in docs/errors.md.
MAIN_PROCESS_MIB = 200


@pytest.mark.parametrize(
    "load",
    [
        ["-p", "constant", "-r", str(int(bounds.MAX_RATE)), "-n", str(bounds.MAX_REQUESTS)],
        ["-p", "concurrent", "-c", str(bounds.MAX_CONCURRENCY), "-n", str(bounds.MAX_REQUESTS)],
    ],
    ids=["max-rate", "max-concurrency"],
)
def test_the_largest_load_keeps_the_main_process_within_its_memory_bound(
    cli_env: dict[str, str], tmp_path: Path, load: list[str]
) -> None:
    """Peak memory of the main process (VmHWM) after start-up and the first seconds of feeding the largest load."""
    process = subprocess.Popen(
        [*GAUGELLM, *fake(tokens=1, itl_ms=1), *load, "-q", "--no-records", "-o", str(tmp_path / "run.json")],
        env=cli_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak_kib = 0
    try:
        deadline = time.monotonic() + 6.0
        while time.monotonic() < deadline and process.poll() is None:
            status = Path(f"/proc/{process.pid}/status").read_text()
            peak_kib = max(peak_kib, int(re.search(r"VmHWM:\s+(\d+)", status).group(1)))  # type: ignore[union-attr]
            time.sleep(0.05)
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
    finally:
        process.send_signal(2)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert 0 < peak_kib < MAIN_PROCESS_MIB * 1024, f"peak {peak_kib / 1024:.0f} MiB"
    print(f"peak main-process memory: {peak_kib / 1024:.0f} MiB")
