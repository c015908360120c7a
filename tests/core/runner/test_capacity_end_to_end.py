"""The capacity search against the simulated server, whose capacity is known in closed form (``--max-streams``).

Each search is a real ``gaugellm run -p capacity`` in a subprocess against a real server on 127.0.0.1; the answer must
lie within 5 % of the closed form, the bracket must contain the truth (up to that tolerance), and the report must
carry the probes in every format.
"""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

mock = pytest.importorskip("gaugellm_openai.mock")

from test_openai_end_to_end import env, run_args  # noqa: E402

from gaugellm.reports import load_report  # noqa: E402
from gaugellm_openai.mock import closed_form_capacity  # noqa: E402

#: Two serving models: fixed ITL, and ITL that grows with the number of active streams (the batch-size effect). Their
#: capacities (83 and 32 requests/s) leave a 2-core CI machine room for the client and the server.
SERVERS = {
    "fixed-itl": {"max_streams": 12, "ttft_ms": 20.0, "itl_ms": 4.0, "output_tokens": "32"},
    "growing-itl": {"max_streams": 8, "ttft_ms": 20.0, "itl_ms": 4.0, "itl_growth_ms": 0.5, "output_tokens": "32"},
}


def search(url: str, tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path / "capacity.json"
    args = run_args(
        url,
        "-p",
        "capacity",
        "--max-seconds",
        "8",
        "--data",
        "prompt_tokens=32,output_tokens=32",
        "-q",
        "-o",
        str(out),
        "-o",
        str(tmp_path / "capacity.csv"),
        "-o",
        str(tmp_path / "capacity.html"),
        *extra,
    )
    return subprocess.run(args, env=env(), capture_output=True, text=True, timeout=300), out


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_rate_search_finds_the_closed_form_capacity(name: str, tmp_path: Path) -> None:
    config = mock.MockServerConfig(**SERVERS[name])
    truth = closed_form_capacity(config)
    with mock.mock_server(config, in_process=False) as server:
        result, out = search(server.url, tmp_path, "--slo", "ttft<=250ms", "--price-per-hour", "4")
    assert result.returncode == 0, result.stderr
    report = load_report(out)
    capacity = report.capacity
    assert capacity is not None
    assert capacity.status == "found"
    assert capacity.capacity is not None
    assert capacity.upper is not None
    assert capacity.capacity == pytest.approx(truth, rel=0.05), (capacity.capacity, truth)
    assert capacity.capacity <= truth * 1.05 <= capacity.upper * 1.10, "the bracket holds the truth"
    assert (capacity.upper - capacity.capacity) <= capacity.precision * capacity.upper + 1e-9
    assert len(capacity.probes) <= 10
    assert capacity.probes[0].verdict == "measured"
    assert {probe.verdict for probe in capacity.probes[1:]} == {"pass", "fail"}
    names = {benchmark.name for benchmark in report.benchmarks}
    assert {probe.benchmark for probe in capacity.probes} <= names
    # Cost at capacity: price / (good tokens/s * 3600) per million.
    assert capacity.good_output_tokens_per_s is not None
    assert capacity.cost_per_million_good_output_tokens == pytest.approx(
        4 / (capacity.good_output_tokens_per_s * 3600) * 1e6
    )
    # Every format carries the answer.
    rows = list(csv.DictReader((tmp_path / "capacity.csv").open()))
    assert {row["capacity_status"] for row in rows} == {"found"}
    assert float(rows[0]["capacity"]) == pytest.approx(capacity.capacity)
    assert {row["probe_verdict"] for row in rows} == {"measured", "pass", "fail"}
    html = (tmp_path / "capacity.html").read_text()
    assert "<h2>Capacity</h2>" in html
    assert "SLO attainment per probe" in html


def test_concurrency_search_finds_the_slot_count(tmp_path: Path) -> None:
    """With N slots, N streams never queue and N + 1 make every (N+1)-th request wait a whole service time."""
    config = mock.MockServerConfig(max_streams=4, ttft_ms=20.0, itl_ms=5.0, output_tokens="16")
    with mock.mock_server(config, in_process=False) as server:
        result, out = search(
            server.url, tmp_path, "--capacity-by", "concurrency", "--slo", "ttft<=60ms", "--concurrency", "16"
        )
    assert result.returncode == 0, result.stderr
    capacity = load_report(out).capacity
    assert capacity is not None
    assert capacity.by == "concurrency"
    assert (capacity.status, capacity.capacity, capacity.upper) == ("found", 4.0, 5.0)
    assert [probe.value for probe in capacity.probes[:4]] == [1.0, 2.0, 4.0, 8.0]


def test_rate_stages_say_whether_their_load_was_sustainable(tmp_path: Path) -> None:
    """Below the closed-form capacity the load is sustainable; above it a queue builds and the stage says so."""
    config = mock.MockServerConfig(max_streams=4, ttft_ms=10.0, itl_ms=5.0, output_tokens="20")
    truth = closed_form_capacity(config)
    below, above = round(0.7 * truth, 2), round(1.3 * truth, 2)
    out = tmp_path / "rates.json"
    with mock.mock_server(config, in_process=False) as server:
        args = run_args(
            server.url,
            *("-p", "constant", "-r", f"{below},{above}", "-t", "4", "-q", "-o", str(out)),
            *("--data", "prompt_tokens=16,output_tokens=20", "-o", str(tmp_path / "rates.csv")),
        )
        result = subprocess.run(args, env=env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = load_report(out)
    low, high = (benchmark.metrics.load for benchmark in report.benchmarks)
    assert low is not None
    assert high is not None
    assert (low.target_rate, high.target_rate) == (below, above)
    assert low.sustainable is True
    assert high.sustainable is False
    assert high.latency_growth is not None
    # Offered 1.3x what is served: the queue adds about 0.3 s of latency per second.
    assert 0.15 < high.latency_growth < 0.45
    rows = list(csv.DictReader((tmp_path / "rates.csv").open()))
    assert [row["load_sustainable"] for row in rows] == ["true", "false"]
    assert json.loads(out.read_text())["version"] == 5


def test_a_rate_search_over_conversations_answers_in_conversations_per_second(tmp_path: Path) -> None:
    """A rate schedules conversations' first turns: 3-turn conversations without think time load the server with
    three requests each, so the capacity in conversations/s is a third of the closed form in requests/s."""
    config = mock.MockServerConfig(**SERVERS["fixed-itl"])
    truth = closed_form_capacity(config) / 3
    with mock.mock_server(config, in_process=False) as server:
        result, out = search(server.url, tmp_path, "--slo", "ttft<=250ms", "--data", "turns=3,prompt_tokens=32")
    assert result.returncode == 0, result.stderr
    report = load_report(out)
    capacity = report.capacity
    assert capacity is not None
    assert capacity.rate_unit == "conversations/s"
    assert capacity.capacity is not None
    assert capacity.throughput is not None
    assert capacity.throughput == pytest.approx(truth, rel=0.15), "the seed is in conversations too"
    assert capacity.capacity == pytest.approx(truth, rel=0.1), (capacity.capacity, truth)
    # a probe's rate stage reached what it was asked for, counted in conversations begun
    passed = [b for b in report.benchmarks if b.metrics.load is not None and b.metrics.slo and b.metrics.slo.met]
    assert passed
    for benchmark in passed:
        assert benchmark.metrics.load is not None
        assert benchmark.metrics.load.achieved_ratio == pytest.approx(1.0, abs=0.15)
    rows = list(csv.DictReader((tmp_path / "capacity.csv").open()))
    assert {row["capacity_rate_unit"] for row in rows} == {"conversations/s"}
    assert "conversations/s" in (tmp_path / "capacity.html").read_text()
