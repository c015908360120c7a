"""The report's figures as Prometheus text (``-o run.prom``) and pushed to a Pushgateway (a real HTTP server on
loopback that records the PUT), from ``gaugellm run`` against the simulated server and from ``gaugellm report``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

GAUGELLM = [sys.executable, "-m", "gaugellm"]


def gaugellm(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "GAUGELLM_DEBUG")}
    return subprocess.run([*GAUGELLM, *args], env=environment, capture_output=True, text=True, timeout=120)


@pytest.fixture
def gateway(loopback: Callable[[type[BaseHTTPRequestHandler]], str]) -> dict[str, Any]:
    """A Pushgateway stand-in: records each PUT's path, content type and body; answers ``status``."""
    seen: dict[str, Any] = {"puts": [], "status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen["puts"].append((self.path, self.headers["Content-Type"], body.decode()))
            self.send_response(seen["status"])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    seen["url"] = loopback(Handler)
    return seen


def families(text: str) -> dict[str, Any]:
    return {family.name: family for family in text_string_to_metric_families(text)}


def test_a_run_writes_prom_and_pushes_the_same_figures(server: Any, gateway: dict[str, Any], tmp_path: Path) -> None:
    result = gaugellm(
        "run", "-b", "openai_http", "--backend-kwargs", json.dumps({"target": server.url}), "-n", "10",
        "--slo", "ttft<=1s", "-o", str(tmp_path / "r.prom"), "-o", str(tmp_path / "r.json"),
        "--push-gateway", gateway["url"], "-q",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "r.prom").read_text()
    assert text.endswith("# EOF\n")
    parsed = families(text)
    ttft = {s.labels["statistic"]: s.value for s in parsed["gaugellm_ttft_seconds"].samples}
    report = json.loads((tmp_path / "r.json").read_text())
    metrics = report["benchmarks"][0]["metrics"]
    assert ttft["p50"] == pytest.approx(metrics["ttft"]["p50"] / 1000)  # ms in the report, seconds here
    assert 0.015 < ttft["p50"] < 0.5
    requests = {s.labels["outcome"]: s.value for s in parsed["gaugellm_requests"].samples}
    assert requests == {"successful": 10.0, "errored": 0.0, "incomplete": 0.0}
    [attainment] = parsed["gaugellm_slo_attainment"].samples
    assert attainment.value == 1.0
    assert attainment.labels == {"benchmark": "synchronous", "profile": "synchronous"}
    [(path, content_type, body)] = gateway["puts"]
    assert path == "/metrics/job/gaugellm"
    assert content_type.startswith("text/plain; version=0.0.4")
    assert families(body)["gaugellm_ttft_seconds"].samples == parsed["gaugellm_ttft_seconds"].samples


def test_a_refused_push_is_one_line_after_the_files_are_written(
    server: Any, gateway: dict[str, Any], tmp_path: Path
) -> None:
    gateway["status"] = 500
    result = gaugellm(
        "run", "-b", "openai_http", "--backend-kwargs", json.dumps({"target": server.url}), "-n", "3",
        "-o", str(tmp_path / "r.json"), "--push-gateway", gateway["url"], "-q",
    )  # fmt: skip
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "refused the figures: HTTP 500" in lines[0]
    assert json.loads((tmp_path / "r.json").read_text())["complete"] is True


def test_report_renders_prom_and_pushes_a_saved_run(server: Any, gateway: dict[str, Any], tmp_path: Path) -> None:
    run = gaugellm(
        "run", "-b", "openai_http", "--backend-kwargs", json.dumps({"target": server.url}), "-n", "3",
        "-o", str(tmp_path / "r.json"), "-q",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = gaugellm(
        "report", str(tmp_path / "r.json"), "-o", str(tmp_path / "again.prom"), "--push-gateway", gateway["url"], "-q"
    )
    assert result.returncode == 0, result.stderr
    assert "gaugellm_request_rate" in families((tmp_path / "again.prom").read_text())
    assert len(gateway["puts"]) == 1


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:9091", "127.0.0.1:9091", "http://"])
def test_a_bad_gateway_url_is_refused_before_the_run(url: str) -> None:
    result = gaugellm(
        "run", "-b", "openai_http", "--backend-kwargs", '{"target": "http://127.0.0.1:9"}', "--push-gateway", url
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "push-gateway needs an http" in result.stderr
