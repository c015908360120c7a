"""Executors and collectors in real runs against the simulated server: chosen from the command line and from a config
file, shown in every report format, failures counted, and bad input as one line with exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import pytest

from gaugellm import Collector, CollectorArgs, GaugeError
from gaugellm.plugins.registry import register_plugin, unregister_plugin
from gaugellm.reports import load_report
from gaugellm.reports.writer import render_report
from gaugellm.runner.config import RunConfig
from gaugellm.runner.session import execute_run
from gaugellm_openai.mock import MockServerConfig, mock_server

GAUGELLM = [sys.executable, "-m", "gaugellm"]


def gaugellm(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "GAUGELLM_DEBUG")}
    return subprocess.run([*GAUGELLM, *args], env=environment, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    with mock_server(MockServerConfig(ttft_ms=5, itl_ms=1, output_tokens="8"), in_process=True) as running:
        yield running


def test_executor_and_collector_from_the_command_line(server: Any, tmp_path: Path) -> None:
    result = gaugellm(
        "run", "-b", "openai_http", "--backend-kwargs", json.dumps({"target": server.url}),
        "-p", "constant", "-r", "20", "-t", "2", "--executor", "local", "--executor-kwargs", '{"uvloop": false}',
        "--collector", 'client:{"interval_s": 0.2}', "-o", str(tmp_path / "r.json"), "-o", str(tmp_path / "r.csv"),
        "-o", str(tmp_path / "r.html"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = load_report(tmp_path / "r.json")
    assert report.environment["executor"]["name"] == "local"
    assert report.environment["executor"]["args"] == {"type": "local", "uvloop": False}
    assert report.config["executor"] == {"type": "local", "uvloop": False}
    [client] = report.collectors
    assert client.name == "client"
    assert client.failures == 0
    assert len(client.times_s) >= 8  # 2 s of stage at 0.2 s, plus start-up
    workers = client.summary("workers_rss_mib")
    assert workers.max is not None
    assert workers.max > 10  # two Python processes
    busy = client.summary("workers_cpu_percent", report.benchmarks[0].started_at)
    assert busy.max is not None
    assert busy.max > 0  # the workers did send requests while it sampled
    assert "Collected beside the load" in result.stdout
    header = (tmp_path / "r.csv").read_text().splitlines()[0].split(",")
    assert "client.workers_cpu_percent.mean" in header
    assert "client.runner_rss_mib.max" in header
    assert "Collected beside the load" in (tmp_path / "r.html").read_text()


def test_executor_and_collectors_from_a_config_file(server: Any, tmp_path: Path) -> None:
    config = {
        "backend": {"type": "openai_http", "target": server.url},
        "executor": {"type": "local"},
        "collectors": [{"type": "client", "interval_s": 0.25}],
        "max_requests": 5,
    }
    path = tmp_path / "run.yaml"
    path.write_text(json.dumps(config))
    result = gaugellm("run", "--config", str(path), "-o", str(tmp_path / "r.json"), "-q")
    assert result.returncode == 0, result.stderr
    report = load_report(tmp_path / "r.json")
    assert [c.name for c in report.collectors] == ["client"]
    assert report.collectors[0].args["interval_s"] == 0.25


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--executor", "nowhere"], "executor 'nowhere' is not installed"),
        (["--executor-kwargs", '{"uvloop": "maybe"}'], "uvloop"),
        (["--executor-kwargs", "[1]"], "--executor-kwargs must be a JSON object"),
        (["--collector", "nothing"], "collector 'nothing' is not installed"),
        (["--collector", "client:{bad"], "--collector client is not valid JSON"),
        (["--collector", 'client:{"interval_s": 0}'], "interval_s"),
        (["--collector", ":{}"], "give NAME or NAME:JSON"),
    ],
)
def test_bad_plugin_options_are_one_line_and_exit_2(args: list[str], words: str) -> None:
    result = gaugellm("run", "-b", "openai_http", "--backend-kwargs", '{"target": "http://127.0.0.1:9"}', *args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert words in lines[0]


# -- collectors that misbehave, registered in this process ----------------------------------------------------------


class FlakyArgs(CollectorArgs):
    type: Literal["flaky"] = "flaky"
    fail_start: bool = False


class Flaky(Collector[FlakyArgs]):
    """Every other sample fails; with ``fail_start`` it cannot start at all."""

    def __init__(self, args: FlakyArgs) -> None:
        super().__init__(args)
        self.calls = 0

    async def start(self, context: Any) -> None:
        if self.args.fail_start:
            raise ConnectionRefusedError("nothing listens at http://user:hunter2@127.0.0.1:9/metrics")

    async def sample(self) -> Mapping[str, float]:
        self.calls += 1
        if self.calls % 2 == 0:
            raise TimeoutError("scrape timed out")
        return {"calls": float(self.calls)}


@pytest.fixture
def flaky() -> Iterator[None]:
    register_plugin("flaky", FlakyArgs, Flaky, kind="collector")
    yield
    unregister_plugin("flaky", kind="collector")


async def test_failed_samples_are_counted_and_the_run_goes_on(server: Any, flaky: None, tmp_path: Path) -> None:
    config = RunConfig.parse(
        {
            "backend": {"type": "openai_http", "target": server.url},
            "collectors": [{"type": "flaky", "interval_s": 0.1}],
            "profile": "constant",
            "rate": [10],
            "max_seconds": 1.5,
            "output": [str(tmp_path / "r.json")],
        }
    )
    result = await execute_run(config, handle_signals=False)
    [flaky_report] = result.report.collectors
    assert flaky_report.failures >= 5
    assert flaky_report.last_error == "TimeoutError: scrape timed out"
    assert len(flaky_report.times_s) >= 5
    assert result.report.complete
    assert result.report.benchmarks[0].metrics.requests.successful > 0
    for fmt in ("csv", "html"):
        assert "flaky" in render_report(result.report, fmt)


async def test_a_collector_that_cannot_start_stops_the_run_before_any_load(
    server: Any, flaky: None, tmp_path: Path
) -> None:
    config = RunConfig.parse(
        {
            "backend": {"type": "openai_http", "target": server.url},
            "collectors": [{"type": "flaky", "fail_start": True}],
            "max_requests": 3,
            "output": [str(tmp_path / "r.json")],
        }
    )
    with pytest.raises(GaugeError) as caught:
        await execute_run(config, handle_signals=False)
    assert caught.value.exit_code == 2
    assert "collector 'flaky' could not start" in str(caught.value)
    assert "hunter2" not in str(caught.value)
    report = load_report(tmp_path / "r.json")
    assert not report.complete
    assert report.benchmarks == []
