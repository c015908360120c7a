"""The report's figures exported as OTLP metrics over HTTP/protobuf (``--otlp-endpoint``): a real HTTP server on
loopback stands in for a collector, decodes each ``POST /v1/metrics`` with the OTLP protobuf classes, and the figures
must equal the Prometheus text of the same report, from ``gaugellm run`` against the simulated server and from
``gaugellm report``. Without the extra ``gaugellm[otlp]`` (its packages hidden from the import system) the option
fails before anything runs, and a run without it still works."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from prometheus_client.parser import text_string_to_metric_families

import gaugellm
from gaugellm.backend.schemas import GenerationResponse
from gaugellm.metrics import BenchmarkAccumulator
from gaugellm.reports import BenchmarkReport, RunReport, write_report

GAUGELLM = [sys.executable, "-m", "gaugellm"]
#: Runs gaugellm with every ``opentelemetry`` module unimportable, as when the extra is not installed.
WITHOUT_OTEL = """
import runpy, sys
class HideOpenTelemetry:
    def find_spec(self, name, path=None, target=None):
        if name == "opentelemetry" or name.startswith("opentelemetry."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, HideOpenTelemetry())
sys.argv = ["gaugellm", *sys.argv[1:]]
runpy.run_module("gaugellm", run_name="__main__", alter_sys=True)
"""
SECRET = "s3cr3t-otlp-token-value"

Points = dict[tuple[str, frozenset[tuple[str, str]]], float]


def gaugellm_cli(
    *args: str, env: dict[str, str] | None = None, hide_otel: bool = False
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "GAUGELLM_DEBUG")}
    environment = {k: v for k, v in environment.items() if not k.startswith("OTEL_")}
    environment.update(env or {})
    command = [sys.executable, "-c", WITHOUT_OTEL] if hide_otel else GAUGELLM
    return subprocess.run([*command, *args], env=environment, capture_output=True, text=True, timeout=120)


@pytest.fixture
def receiver(loopback: Callable[[type[BaseHTTPRequestHandler]], str]) -> dict[str, Any]:
    """An OTLP/HTTP receiver: records each POST's path, headers and decoded request; answers ``status``."""
    seen: dict[str, Any] = {"posts": [], "status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            request = ExportMetricsServiceRequest()
            request.ParseFromString(body)
            seen["posts"].append((self.path, self.headers, request))  # case-insensitive names
            answer = ExportMetricsServiceResponse().SerializeToString() if seen["status"] == 200 else b""
            self.send_response(seen["status"])
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    seen["url"] = loopback(Handler)
    return seen


def prom_points(text: str) -> Points:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def otlp_points(request: ExportMetricsServiceRequest) -> Points:
    points: Points = {}
    for resource_metrics in request.resource_metrics:
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                assert metric.WhichOneof("data") == "gauge", metric.name
                for point in metric.gauge.data_points:
                    attributes = frozenset((a.key, a.value.string_value) for a in point.attributes)
                    value = point.as_double if point.HasField("as_double") else float(point.as_int)
                    points[(metric.name, attributes)] = value
    return points


def units(request: ExportMetricsServiceRequest) -> dict[str, str]:
    return {
        metric.name: metric.unit
        for resource_metrics in request.resource_metrics
        for scope_metrics in resource_metrics.scope_metrics
        for metric in scope_metrics.metrics
    }


def resource(request: ExportMetricsServiceRequest) -> dict[str, str]:
    [resource_metrics] = request.resource_metrics
    return {a.key: a.value.string_value for a in resource_metrics.resource.attributes}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_run_exports_the_prometheus_figures_over_otlp(server: Any, receiver: dict[str, Any], tmp_path: Path) -> None:
    result = gaugellm_cli(
        "run", "-b", "openai_http", "--backend-kwargs", json.dumps({"target": server.url}), "-n", "10",
        "--slo", "ttft<=1s", "-o", str(tmp_path / "r.prom"), "-o", str(tmp_path / "r.json"),
        "--otlp-endpoint", receiver["url"], "-q",
        env={"OTEL_EXPORTER_OTLP_HEADERS": f"authorization=Bearer {SECRET}"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    [(path, headers, request)] = receiver["posts"]
    assert path == "/v1/metrics"  # appended to a URL without a path
    assert headers["Content-Type"] == "application/x-protobuf"
    assert headers["authorization"] == f"Bearer {SECRET}"  # the exporter's own header variable is honoured
    exported = otlp_points(request)
    assert exported == prom_points((tmp_path / "r.prom").read_text())
    metrics = json.loads((tmp_path / "r.json").read_text())["benchmarks"][0]["metrics"]
    base = {("benchmark", "synchronous"), ("profile", "synchronous")}
    p50 = exported[("gaugellm_ttft_seconds", frozenset({*base, ("statistic", "p50")}))]
    assert p50 == pytest.approx(metrics["ttft"]["p50"] / 1000)  # ms in the report, seconds here
    assert 0.015 < p50 < 0.5
    assert exported[("gaugellm_requests", frozenset({*base, ("outcome", "successful")}))] == 10.0
    assert exported[("gaugellm_slo_attainment", frozenset(base))] == 1.0
    assert units(request)["gaugellm_ttft_seconds"] == "s"
    assert resource(request)["service.name"] == "gaugellm"
    assert resource(request)["service.version"] == gaugellm.__version__


def test_report_exports_a_saved_run_to_a_url_with_a_path(server: Any, receiver: dict[str, Any], tmp_path: Path) -> None:
    run = gaugellm_cli(
        "run", "-b", "openai_http", "--backend-kwargs", json.dumps({"target": server.url}), "-n", "3",
        "-o", str(tmp_path / "r.json"), "-q",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = gaugellm_cli(
        "report", str(tmp_path / "r.json"), "-o", str(tmp_path / "again.prom"),
        "--otlp-endpoint", receiver["url"] + "/custom/v1/metrics", "-q",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"exported to {receiver['url']}/custom/v1/metrics" in result.stdout
    [(path, _headers, request)] = receiver["posts"]
    assert path == "/custom/v1/metrics"  # a URL with a path is used as given
    assert otlp_points(request) == prom_points((tmp_path / "again.prom").read_text())


def conversation_report() -> RunReport:
    """One benchmark of two-turn conversations in one traffic class; turn t's first token comes 10*t ms in."""
    ms = 1_000_000
    accumulator = BenchmarkAccumulator()
    for index, turn in enumerate((1, 2, 1, 2)):
        item = GenerationResponse(request_id=f"r{index}", scheduled_ns=index * 100 * ms, dispatched_ns=index * 100 * ms)
        item.record_chunk("tok", at_ns=(index * 100 + 10 * turn) * ms)
        item.finish("stop", at_ns=(index * 100 + 10 * turn + 1) * ms)
        accumulator.add(item)
        accumulator.add_to_class("chat", item)
        accumulator.add_to_turn(turn, item)
    metrics = accumulator.summary(0, 400 * ms)
    benchmark = BenchmarkReport(
        name="constant@10", profile={"kind": "constant"}, started_at=1.0, duration_s=0.4, metrics=metrics,
        classes=accumulator.class_summaries(0, 400 * ms), turns=accumulator.turn_summaries(0, 400 * ms),
    )  # fmt: skip
    return RunReport(benchmarks=[benchmark])


def test_each_turn_and_class_is_exported_with_its_label(receiver: dict[str, Any], tmp_path: Path) -> None:
    write_report(conversation_report(), tmp_path / "r.json")
    result = gaugellm_cli(
        "report", str(tmp_path / "r.json"), "-o", str(tmp_path / "r.prom"), "--otlp-endpoint", receiver["url"], "-q"
    )
    assert result.returncode == 0, result.stderr
    [(_path, _headers, request)] = receiver["posts"]
    exported = otlp_points(request)
    assert exported == prom_points((tmp_path / "r.prom").read_text())
    base = {("benchmark", "constant@10"), ("profile", "constant"), ("statistic", "mean")}
    ttft = {
        part: exported[("gaugellm_ttft_seconds", frozenset({*base, *part}))]
        for part in ((), (("traffic_class", "chat"),), (("turn", "1"),), (("turn", "2"),))
    }
    assert list(ttft.values()) == pytest.approx([0.015, 0.015, 0.01, 0.02])


def test_a_refused_export_is_one_line_after_the_files_are_written(
    server: Any, receiver: dict[str, Any], tmp_path: Path
) -> None:
    receiver["status"] = 500
    result = gaugellm_cli(
        "run", "-b", "openai_http", "--backend-kwargs", json.dumps({"target": server.url}), "-n", "3",
        "-o", str(tmp_path / "r.json"), "--otlp-endpoint", receiver["url"], "-q",
        env={"OTEL_EXPORTER_OTLP_HEADERS": f"authorization=Bearer {SECRET}"},
    )  # fmt: skip
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"the OTLP receiver at {receiver['url']}/v1/metrics refused the figures: HTTP 500" in lines[0]
    assert SECRET not in result.stderr + result.stdout
    assert receiver["posts"]  # the figures were offered (older exporters retry a 500 until the timeout)
    assert json.loads((tmp_path / "r.json").read_text())["complete"] is True


def test_a_receiver_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    saved = Path(__file__).parents[1] / "core" / "reports" / "data" / "run-v1.json"
    url = f"http://user:pa55word@127.0.0.1:{free_port()}/v1/metrics?token={SECRET}"
    result = gaugellm_cli("report", str(saved), "-o", str(tmp_path / "r.prom"), "--otlp-endpoint", url, "-q")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "could not export the figures to http://127.0.0.1:" in lines[0]
    assert "Connection refused" in lines[0]
    assert SECRET not in result.stderr
    assert "pa55word" not in result.stderr
    assert (tmp_path / "r.prom").exists()


def test_without_the_extra_the_option_fails_before_the_run(tmp_path: Path) -> None:
    result = gaugellm_cli(
        "run", "-b", "openai_http", "--backend-kwargs", '{"target": "http://127.0.0.1:9"}', "-n", "1",
        "-o", str(tmp_path / "r.json"), "--otlp-endpoint", "http://127.0.0.1:4318",
        hide_otel=True,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "pip install 'gaugellm[otlp]'" in lines[0]
    assert not (tmp_path / "r.json").exists()
    saved = Path(__file__).parents[1] / "core" / "reports" / "data" / "run-v1.json"
    report = gaugellm_cli("report", str(saved), "--otlp-endpoint", "http://127.0.0.1:4318", "-q", hide_otel=True)
    assert report.returncode == 2
    [line] = report.stderr.strip().splitlines()
    assert "pip install 'gaugellm[otlp]'" in line


def test_without_the_extra_a_run_without_the_option_works(server: Any, tmp_path: Path) -> None:
    result = gaugellm_cli(
        "run", "-b", "openai_http", "--backend-kwargs", json.dumps({"target": server.url}), "-n", "2",
        "-o", str(tmp_path / "r.prom"), "-q",
        hide_otel=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr  # the core never imports opentelemetry unless asked to export
    assert "gaugellm_ttft_seconds" in (tmp_path / "r.prom").read_text()


@pytest.mark.parametrize("url", ["grpc://127.0.0.1:4317", "127.0.0.1:4318", "http://"])
def test_a_bad_endpoint_is_refused_before_the_run(url: str) -> None:
    result = gaugellm_cli(
        "run", "-b", "openai_http", "--backend-kwargs", '{"target": "http://127.0.0.1:9"}', "--otlp-endpoint", url
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "otlp-endpoint needs an http" in result.stderr
