"""The ``prometheus`` collector against a real HTTP server on loopback: presets, rates, the server's self-description,
failures counted (a scrape that fails mid-run, malformed text), a dead ``/metrics`` refused at start; and its kit."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import pytest
from gaugellm_prometheus.args import PrometheusCollectorArgs
from gaugellm_prometheus.collector import PrometheusCollector, metrics_url

if TYPE_CHECKING:
    from conftest import MetricsServer

from gaugellm import CollectorContext, GaugeError
from gaugellm.plugins.resolve import parse_args, resolve
from gaugellm.runner.collecting import CollectorRun
from gaugellm.testing import CollectorConformance


def vllm_text(running: int, waiting: int, generated: int) -> str:
    return f"""# HELP vllm:num_requests_running Running.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{{model_name="tiny",engine="0"}} {running}
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{{model_name="tiny",engine="0"}} {waiting}
# TYPE vllm:generation_tokens_total counter
vllm:generation_tokens_total{{model_name="tiny",engine="0"}} {generated}
# TYPE vllm:prefix_cache_queries_total counter
vllm:prefix_cache_queries_total{{model_name="tiny",engine="0"}} {generated * 2}
# TYPE vllm:prefix_cache_hits_total counter
vllm:prefix_cache_hits_total{{model_name="tiny",engine="0"}} {generated}
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total {generated / 1000}
# TYPE python_info gauge
python_info{{version="3.11"}} 1
"""


def context(target: str | None = None) -> CollectorContext:
    return CollectorContext(
        clock_origin_ns=time.perf_counter_ns(),
        backend={"type": "openai_http", **({"target": target} if target else {})},
    )


def test_the_plugin_is_found_like_any_other_kind() -> None:
    resolved = resolve("prometheus", kind="collector")
    assert resolved.impl_class is PrometheusCollector
    args = parse_args({"type": "prometheus", "interval_s": 0.5}, kind="collector")
    assert isinstance(args, PrometheusCollectorArgs)


def test_the_default_url_is_the_targets_own_metrics() -> None:
    assert metrics_url("http://user:pw@host:8000/v1") == "http://host:8000/metrics"
    assert metrics_url("https://h") == "https://h/metrics"


async def test_a_vllm_server_is_recognised_and_its_counters_become_rates(metrics_server: MetricsServer) -> None:
    metrics_server.text = vllm_text(running=2, waiting=0, generated=1000)
    collector = PrometheusCollector(PrometheusCollectorArgs(interval_s=0.1))
    await collector.start(context(metrics_server.url + "/v1"))
    try:
        assert collector.info["presets"] == ["vllm"]
        assert collector.info["server"] == {
            "version": "0.32.0",
            "models": [{"id": "tiny", "max_model_len": 512, "owned_by": "vllm"}],
        }
        first = await collector.sample()
        assert first == {"vllm:num_requests_running": 2.0, "vllm:num_requests_waiting": 0.0}
        metrics_server.text = vllm_text(running=3, waiting=5, generated=1600)
        await asyncio.sleep(0.2)
        second = await collector.sample()
    finally:
        await collector.stop()
    assert second["vllm:num_requests_waiting"] == 5.0
    assert 600 / 0.5 < second["vllm:generation_tokens:rate"] < 600 / 0.15  # 600 tokens in ~0.2 s
    assert second["vllm:prefix_cache_hit_ratio"] == pytest.approx(0.5)
    assert not [name for name in second if name.startswith(("process_", "python_"))]  # not in the preset


async def test_series_the_user_names_are_kept(metrics_server: MetricsServer) -> None:
    metrics_server.text = vllm_text(1, 0, 10)
    args = PrometheusCollectorArgs(urls=[metrics_server.url + "/metrics"], preset="none", series=["python_*"])
    collector = PrometheusCollector(args)
    await collector.start(context())
    try:
        assert await collector.sample() == {"python_info{version=3.11}": 1.0}
    finally:
        await collector.stop()


async def test_scrape_failures_are_counted_and_sampling_goes_on(metrics_server: MetricsServer) -> None:
    metrics_server.text = vllm_text(1, 0, 10)
    collector = PrometheusCollector(PrometheusCollectorArgs(interval_s=0.05))
    run = CollectorRun([collector], clock_origin_ns=time.perf_counter_ns())
    await run.start(context(metrics_server.url))
    await asyncio.sleep(0.3)
    metrics_server.status = 500
    await asyncio.sleep(0.3)
    metrics_server.status = 200
    metrics_server.text = "vllm:num_requests_running{model_name= 3\n"
    await asyncio.sleep(0.3)
    metrics_server.text = vllm_text(4, 0, 20)
    await asyncio.sleep(0.3)
    [result] = await run.stop()
    assert result.failures >= 6
    assert result.last_error is not None
    running = [value for value in result.columns["vllm:num_requests_running"] if value is not None]
    assert running[0] == 1.0
    assert running[-1] == 4.0  # sampling resumed after the failures


async def test_a_dead_metrics_url_is_refused_at_start(free_port: int) -> None:
    url = f"http://127.0.0.1:{free_port}/metrics"
    collector = PrometheusCollector(PrometheusCollectorArgs(urls=[url], bearer_token="sk-not-shown"))
    with pytest.raises(GaugeError) as caught:
        await collector.start(context())
    assert f"cannot scrape 127.0.0.1:{free_port}" in str(caught.value)
    assert "sk-not-shown" not in str(caught.value)
    await collector.stop()


async def test_a_backend_without_target_needs_urls() -> None:
    with pytest.raises(GaugeError, match="needs urls"):
        await PrometheusCollector(PrometheusCollectorArgs()).start(context())


def test_bad_args_are_refused() -> None:
    with pytest.raises(GaugeError, match="urls"):
        parse_args({"type": "prometheus", "urls": ["ftp://x/metrics"]}, kind="collector")
    with pytest.raises(GaugeError, match="preset"):
        parse_args({"type": "prometheus", "preset": "triton"}, kind="collector")
    args = parse_args({"type": "prometheus", "bearer_token": "sk-secret-token"}, kind="collector")
    assert "sk-secret-token" not in repr(args)
    assert "sk-secret-token" not in args.model_dump_json()


class TestPrometheusCollectorKit(CollectorConformance):
    @pytest.fixture
    def collector(self, metrics_server: MetricsServer) -> Any:
        metrics_server.text = vllm_text(1, 0, 10)
        return PrometheusCollector(PrometheusCollectorArgs(urls=[metrics_server.url + "/metrics"], interval_s=0.1))

    @pytest.fixture
    def broken_collector(self, free_port: int) -> Any:
        return PrometheusCollector(PrometheusCollectorArgs(urls=[f"http://127.0.0.1:{free_port}/metrics"]))
