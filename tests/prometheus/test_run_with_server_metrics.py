"""The prometheus collector in real runs against the simulated server, whose /metrics reflects what it is doing:
a queue that builds up shows in the server's series while the run is at it, and the report carries the server's own
description."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gaugellm.reports import load_report
from gaugellm_openai.mock import MockServerConfig, mock_server

GAUGELLM = [sys.executable, "-m", "gaugellm"]


def gaugellm(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "GAUGELLM_DEBUG")}
    return subprocess.run([*GAUGELLM, *args], env=environment, capture_output=True, text=True, timeout=120)


def test_a_queue_on_the_server_shows_in_its_series_during_the_stage(tmp_path: Path) -> None:
    config = MockServerConfig(max_streams=2, ttft_ms=20, itl_ms=5, output_tokens="20", model="sim")
    with mock_server(config, in_process=False) as server:
        result = gaugellm(
            "run", "-b", "openai_http", "--backend-kwargs", json.dumps({"target": server.url}),
            "-p", "concurrent", "-c", "8", "-t", "3", "--data", "prompt_tokens=16,output_tokens=20",
            "--collector", 'prometheus:{"interval_s": 0.2}', "-o", str(tmp_path / "r.json"),
            "-o", str(tmp_path / "r.html"), "-o", str(tmp_path / "r.csv"),
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = load_report(tmp_path / "r.json")
    [collector] = report.collectors
    assert collector.failures == 0, collector.last_error
    assert collector.info["presets"] == ["vllm"]
    assert collector.info["server"]["models"][0]["id"] == "sim"
    assert report.environment["server"]["prometheus"]["models"][0]["id"] == "sim"
    benchmark = report.benchmarks[0]
    during = (benchmark.started_at + 0.5, benchmark.started_at + benchmark.duration_s - 0.5)
    waiting = collector.summary("vllm:num_requests_waiting", *during)
    running = collector.summary("vllm:num_requests_running", *during)
    assert waiting.samples >= 5
    assert waiting.max == 6  # 8 streams, 2 served: 6 wait ...
    assert waiting.mean is not None
    assert waiting.mean >= 5  # ... nearly all the time (a sample can fall between one answer and the next request)
    assert running.max == 2
    end = benchmark.started_at + benchmark.duration_s
    assert collector.origin_unix + collector.times_s[-1] >= end, "the last sample is taken after the stage"
    tokens = collector.summary("vllm:generation_tokens:rate", *during)
    assert tokens.mean is not None
    assert 200 < tokens.mean < 800  # 2 streams at 5 ms per token: about 400 tokens/s
    queue = collector.summary("vllm:request_queue_time_seconds:mean", *during)
    assert queue.mean is not None
    assert queue.mean > 0.1  # each request waits for three others ahead of it to be served
    assert "vllm:num_requests_waiting mean " in " ".join(result.stdout.split())  # the stage's headline line
    assert "vllm:num_requests_waiting" in (tmp_path / "r.html").read_text()
    assert "prometheus.vllm:num_requests_waiting.max" in (tmp_path / "r.csv").read_text().splitlines()[0]


def test_a_growing_queue_shows_in_the_servers_series_and_the_clients_timeline_at_the_same_time(
    tmp_path: Path,
) -> None:
    """Offered more than it serves, the server queues: its running + waiting count and the client's in-flight count
    grow together, sample by sample, on the one run clock."""
    config = MockServerConfig(max_streams=2, ttft_ms=10, itl_ms=5, output_tokens="20", model="sim")
    with mock_server(config, in_process=False) as server:
        result = gaugellm(
            "run", "-b", "openai_http", "--backend-kwargs", json.dumps({"target": server.url}),
            "-p", "constant", "-r", "30", "-t", "4", "--data", "prompt_tokens=16,output_tokens=20",
            "--timeline-window", "0.25", "--collector", 'prometheus:{"interval_s": 0.25}',
            "-o", str(tmp_path / "r.json"), "-q",
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = load_report(tmp_path / "r.json")
    timeline = report.timeline
    assert timeline is not None
    [collector] = report.collectors
    assert collector.origin_unix == timeline.origin_unix  # one clock
    server_view = [
        (t, running + waiting)
        for t, running, waiting in zip(
            collector.times_s,
            collector.series["vllm:num_requests_running"],
            collector.series["vllm:num_requests_waiting"],
            strict=True,
        )
        if running is not None and waiting is not None
    ]
    in_flight = timeline.series["in_flight"]
    stage = timeline.stages[0]
    pairs = []
    for t, on_server in server_view:
        if not stage.window_start_s + 0.5 <= t <= stage.window_end_s - 0.5:
            continue
        window = min(range(len(timeline.times_s)), key=lambda i: abs(timeline.times_s[i] - t))  # the nearest end
        client = in_flight[window]
        assert client is not None
        pairs.append((t, client, on_server))
    assert len(pairs) >= 6, (stage, server_view)
    # the queue grows: at 30 req/s offered and about 14 served, more than 10 requests more at the end than early on
    assert pairs[-1][2] - pairs[0][2] > 10
    assert pairs[-1][1] - pairs[0][1] > 10
    for t, client, on_server in pairs:  # the two views agree, within a window's worth of arrivals and departures
        assert abs(client - on_server) <= 0.25 * 30 + 0.1 * on_server + 2, (t, client, on_server)
