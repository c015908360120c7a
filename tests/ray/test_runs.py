"""Whole runs on the two-node cluster against the simulated server: the same figures as a local run, workers on
both nodes, one timeline even when a worker's clock is seconds off."""

from __future__ import annotations

from typing import Any

import pytest
from runs import run, run_config

from gaugellm.runner.executor.local import LocalExecutor
from gaugellm_ray.args import RayExecutorArgs
from gaugellm_ray.executor import CLOCK_SHIFT_ENV, RayExecutor

pytestmark = pytest.mark.usefixtures("leftovers")


async def test_a_run_on_ray_counts_and_measures_what_a_local_run_does(cluster: Any, server: Any) -> None:
    local = (await run(run_config(server), LocalExecutor())).report
    ray_executor = RayExecutor(RayExecutorArgs(address=None))
    remote = (await run(run_config(server), ray_executor)).report
    assert local.complete, local.error
    assert remote.complete, remote.error
    ours, theirs = remote.benchmarks[0].metrics, local.benchmarks[0].metrics
    assert ours.requests.total == theirs.requests.total == 100
    assert ours.requests.successful == theirs.requests.successful
    assert ours.requests.errored == 0
    assert ours.output_tokens_per_s
    assert theirs.output_tokens_per_s
    assert ours.ttft.p50 == pytest.approx(theirs.ttft.p50, abs=5.0)  # the server's 20 ms, give or take
    assert ours.request_rate == pytest.approx(theirs.request_rate, rel=0.1)
    assert ours.dispatch_lag.p50 < 5.0
    executor = remote.environment["executor"]
    assert executor["name"] == "ray"
    assert executor["workers"] == 4
    placement = executor["placement"]
    nodes = [worker["node_id"] for worker in placement]
    assert len(set(nodes)) == 2, "the workers run on both nodes"
    assert sorted(nodes.count(node) for node in set(nodes)) == [2, 2]
    assert all(worker["clock_uncertainty_ns"] == 0 for worker in placement)  # one machine: one clock, exactly
    # dispatch lag per node: both nodes, every measured request counted once, none on a one-machine local run
    by_node = remote.benchmarks[0].dispatch_lag_by_node
    assert by_node is not None
    assert len(by_node) == 2
    assert all(node.split("/")[1] in {n[:8] for n in nodes} for node in by_node)
    assert sum(lag.count for lag in by_node.values()) == ours.dispatch_lag.count
    assert all(lag.count > 0 for lag in by_node.values())
    assert local.benchmarks[0].dispatch_lag_by_node is None


async def test_a_worker_whose_clock_is_off_is_measured_and_put_back_on_the_runners_timeline(
    cluster: Any, server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shift_ns = 7_000_000_000  # worker 1 tells a clock 7 s ahead, as another machine's would be
    monkeypatch.setenv(CLOCK_SHIFT_ENV, f"1:{shift_ns}")
    executor = RayExecutor(RayExecutorArgs(address=None))
    result = await run(run_config(server, workers=2), executor)
    report = result.report
    assert report.complete, report.error
    [shifted, plain] = [executor.workers[1], executor.workers[0]]
    assert plain.clock_offset_ns == 0
    assert shifted.clock_uncertainty_ns > 0
    assert abs(shifted.clock_offset_ns - shift_ns) <= shifted.clock_uncertainty_ns, "the offset is detected"
    assert shifted.clock_uncertainty_ns < 5_000_000
    metrics = report.benchmarks[0].metrics
    assert metrics.requests.successful == 100
    # corrected: sent on time (not 7 s early, at once) and timed on the runner's clock (not 7 s off)
    assert metrics.dispatch_lag.min >= 0
    assert metrics.dispatch_lag.p99 < 50.0
    assert metrics.ttft.p50 == pytest.approx(20.0, abs=5.0)
    records = report.benchmarks[0].records
    assert records is not None
    duration_ms = report.benchmarks[0].duration_s * 1000
    assert all(ms is not None and -50 <= ms <= duration_ms + 50 for ms in records.dispatched_ms)
    assert report.environment["executor"]["placement"][1]["clock_round_trips"] > 0


async def test_conversations_on_ray_keep_each_conversation_on_one_worker_with_its_history(
    cluster: Any, tmp_path: Any
) -> None:
    """Each conversation's turns reach the server in order, each carrying the one before and its answer, though the
    conversations are spread over workers on two nodes."""
    import json

    from gaugellm_openai.mock import MockServerConfig, mock_server

    recording = tmp_path / "received.jsonl"
    config = MockServerConfig(ttft_ms=10, itl_ms=1, output_tokens="8", record_requests=str(recording))
    with mock_server(config, in_process=False) as server:
        options = {"profile": "concurrent", "rate": [], "concurrency": 4, "max_requests": 24}
        options["data"] = "turns=3,prompt_tokens=12"
        report = (await run(run_config(server, **options), RayExecutor(RayExecutorArgs(address=None)))).report
    assert report.complete, report.error
    benchmark = report.benchmarks[0]
    assert benchmark.metrics.requests.successful == 24
    assert benchmark.turns is not None
    assert {turn: figures.requests.successful for turn, figures in benchmark.turns.items()} == {"1": 8, "2": 8, "3": 8}
    by_conversation: dict[str, list[list[dict[str, str]]]] = {}
    for line in recording.read_text().splitlines():
        messages = json.loads(line)["payload"]["messages"]
        by_conversation.setdefault(messages[0]["content"], []).append(messages)
    assert len(by_conversation) == 8
    for turns in by_conversation.values():
        assert [len(messages) for messages in turns] == [1, 3, 5], "turns arrive in order, each with its history"
        assert turns[2][:3] == turns[1]
        assert turns[1][:1] == turns[0]
        assert turns[1][1]["role"] == "assistant"
