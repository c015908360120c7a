"""``gaugellm run -p replay`` against the simulated server: requests leave at the trace's times, scaled."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

mock = pytest.importorskip("gaugellm_openai.mock")

from test_cli_run import one_line_error  # noqa: E402
from test_openai_end_to_end import GAUGELLM, env, run_args  # noqa: E402

from gaugellm.reports import load_report  # noqa: E402


def mooncake_trace(path: Path, count: int = 60) -> list[float]:
    """A trace with bursts and gaps; returns its times in seconds."""
    times = [round(0.05 * index + (0.3 if index >= 30 else 0.0), 3) for index in range(count)]
    rows = [
        {"timestamp": int(at * 1000), "input_length": 600, "output_length": 8, "hash_ids": [1, 100 + index]}
        for index, at in enumerate(times)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return [int(at * 1000) / 1000 for at in times]


def test_replay_sends_each_request_at_its_recorded_time(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    times = mooncake_trace(trace)
    out = tmp_path / "replay.json"
    config = mock.MockServerConfig(ttft_ms=5, itl_ms=1, output_tokens="8")
    with mock.mock_server(config, in_process=False) as server:
        args = run_args(server.url, "-p", "replay", "--trace", str(trace), "--speedup", "2", "-q", "-o", str(out))
        result = subprocess.run(args, env=env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = load_report(out)
    benchmark = report.benchmarks[0]
    assert benchmark.name == "replay@2x"
    assert benchmark.profile["kind"] == "replay"
    assert benchmark.profile["requests"] == 60
    assert benchmark.profile["speedup"] == 2
    assert benchmark.stop_reason == "max_requests", "the stage ends with its trace"
    assert benchmark.metrics.requests.successful == 60
    records = benchmark.records
    assert records is not None
    scheduled = sorted(value for value in records.scheduled_ms if value is not None)
    first = scheduled[0]
    assert [round(value - first, 3) for value in scheduled] == pytest.approx([at / 2 * 1000 for at in times], abs=0.01)
    assert benchmark.metrics.dispatch_lag.count == 60, "how far the replay fell behind its trace is reported"
    assert report.config["data_description"]["format"] == "mooncake"
    shown = subprocess.run([*GAUGELLM, "report", str(out)], env=env(), capture_output=True, text=True, timeout=60)
    assert "replay@2x: 60 requests over" in shown.stdout
    assert "behind the trace by p50" in shown.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-p", "replay"], "the replay profile needs --trace FILE"),
        (["-p", "replay", "--trace", "missing.jsonl"], "trace file 'missing.jsonl' does not exist"),
        (["-p", "constant", "-r", "5", "-n", "5", "--trace", "t.jsonl"], "--trace applies only to the replay profile"),
        (["-p", "replay", "--trace", "TRACE", "-r", "5"], "remove --rate, --concurrency, --data"),
        (["-p", "replay", "--trace", "TRACE", "--speedup", "0"], "speedup"),
        (["-p", "replay", "--trace", "TRACE", "--trace-start", "100"], "has no request between 100 s"),
    ],
)
def test_bad_replay_options_are_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    trace = tmp_path / "trace.jsonl"
    mooncake_trace(trace, count=5)
    out = tmp_path / "never.json"
    given = [str(trace) if arg == "TRACE" else arg for arg in args]
    command = run_args("http://127.0.0.1:9", *given, "-o", str(out))
    result = subprocess.run(command, env=env(), capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert one_line_error(result.stderr), result.stderr
    assert message in result.stderr
    assert not out.exists()
