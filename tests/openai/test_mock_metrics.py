"""The simulated server's ``GET /metrics``: vLLM's Prometheus series, reflecting what the server really did.

Every test talks real HTTP over loopback and parses the exposition with ``prometheus_client``'s own parser, so what
a Prometheus collector would read is what is checked. Token and request counts are exact (compared with the usage
the server reported to the client); timings are compared with loose margins only (the machine is shared).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import time
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gaugellm_openai.mock import MockServer, MockServerConfig, mock_server
from gaugellm_openai.mock.metrics import E2E_BUCKETS, ITL_BUCKETS, TTFT_BUCKETS

if TYPE_CHECKING:  # fixtures' types only: test modules import nothing from conftest at run time
    from .conftest import StartServer

_END = b"\r\n0\r\n\r\n"  # the terminating chunk of a chunked response
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy

#: What vLLM 0.32 registers under these names (family name as the parser reports it -> type).
EXPECTED_FAMILIES = {
    "vllm:num_requests_running": "gauge",
    "vllm:num_requests_waiting": "gauge",
    "vllm:kv_cache_usage_perc": "gauge",
    "vllm:num_preemptions": "counter",
    "vllm:prompt_tokens": "counter",
    "vllm:generation_tokens": "counter",
    "vllm:request_success": "counter",
    "vllm:prefix_cache_queries": "counter",
    "vllm:prefix_cache_hits": "counter",
    "vllm:prompt_tokens_cached": "counter",
    "vllm:time_to_first_token_seconds": "histogram",
    "vllm:inter_token_latency_seconds": "histogram",
    "vllm:request_time_per_output_token_seconds": "histogram",
    "vllm:e2e_request_latency_seconds": "histogram",
    "vllm:request_queue_time_seconds": "histogram",
}


class Scrape:
    """One parsed scrape: the families by name, and each sample's value by (sample name, extra labels)."""

    def __init__(self, text: str, content_type: str) -> None:
        self.text = text
        self.content_type = content_type
        self.families = {family.name: family for family in text_string_to_metric_families(text)}
        self.values: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        for family in self.families.values():
            for sample in family.samples:
                extra = tuple(sorted((k, v) for k, v in sample.labels.items() if k not in ("model_name", "engine")))
                self.values[(sample.name, extra)] = sample.value

    def __getitem__(self, name: str) -> float:
        return self.values[(name, ())]

    def success(self, reason: str) -> float:
        return self.values[("vllm:request_success_total", (("finished_reason", reason),))]

    def bucket(self, histogram: str, le: str) -> float:
        return self.values[(histogram + "_bucket", (("le", le),))]


def scrape(server: MockServer) -> Scrape:
    with _OPENER.open(server.url + "/metrics", timeout=10) as reply:
        return Scrape(reply.read().decode(), reply.headers["Content-Type"])


def _send(server: MockServer, path: str, payload: dict[str, Any]) -> bytes:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.request("POST", path, json.dumps(payload), {"Content-Type": "application/json"})
        reply = connection.getresponse()
        assert reply.status == 200, reply.status
        return reply.read()
    finally:
        connection.close()


def post(server: MockServer, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A whole (unstreamed) request; its JSON answer."""
    answer: dict[str, Any] = json.loads(_send(server, path, payload))
    return answer


def post_stream(server: MockServer, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A streamed request with usage asked for; the usage of its last chunk."""
    body = {**payload, "stream": True, "stream_options": {"include_usage": True}}
    text = _send(server, path, body).decode()
    events = [line[6:] for line in text.splitlines() if line.startswith("data: ") and line != "data: [DONE]"]
    usage: dict[str, Any] = json.loads(events[-1])["usage"]
    return usage


async def open_stream(server: MockServer, prompt: str = "hi") -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A streamed completion sent on a connection of its own; read it with :func:`read_to_end`."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    body = json.dumps({"prompt": prompt, "stream": True}).encode()
    writer.write(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    await writer.drain()
    return reader, writer


async def read_to_end(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    tail = b""
    while not tail.endswith(_END):
        data = await reader.read(65536)
        assert data, "the server closed the connection"
        tail = (tail + data)[-len(_END) :]
    writer.close()
    await writer.wait_closed()


async def wait_for(server: MockServer, check: Any, timeout: float = 10.0) -> Scrape:
    """Scrape until ``check(scrape)`` holds (from a thread: the server's loop is not this one)."""
    deadline = time.monotonic() + timeout
    while True:
        current = await asyncio.to_thread(scrape, server)
        if check(current):
            return current
        assert time.monotonic() < deadline, f"never held; last scrape:\n{current.text}"
        await asyncio.sleep(0.005)


def test_the_exposition_has_vllms_names_types_labels_and_buckets(start_server: StartServer) -> None:
    model = 'org/model "q" \\ v1'  # quotes and a backslash: the label value must be escaped
    server = start_server(model=model, output_tokens="8")
    post(server, "/v1/completions", {"prompt": "hello"})
    result = scrape(server)
    assert result.content_type == "text/plain; version=0.0.4; charset=utf-8"
    assert {name: family.type for name, family in result.families.items()} == EXPECTED_FAMILIES
    for family in result.families.values():
        assert family.documentation, family.name  # every family has its # HELP
        for sample in family.samples:
            assert sample.labels["model_name"] == model
            assert sample.labels["engine"] == "0"
    reasons = {sample.labels["finished_reason"] for sample in result.families["vllm:request_success"].samples}
    assert reasons == {"stop", "length", "abort", "error", "repetition"}
    for name, bounds in (
        ("vllm:time_to_first_token_seconds", TTFT_BUCKETS),
        ("vllm:inter_token_latency_seconds", ITL_BUCKETS),
        ("vllm:request_time_per_output_token_seconds", ITL_BUCKETS),
        ("vllm:e2e_request_latency_seconds", E2E_BUCKETS),
        ("vllm:request_queue_time_seconds", E2E_BUCKETS),
    ):
        les = [sample.labels["le"] for sample in result.families[name].samples if sample.name.endswith("_bucket")]
        assert [float(le) for le in les] == [*bounds, float("inf")]
    # vLLM 0.32's boundaries (vllm/v1/metrics/buckets.py), not boundaries of our own
    assert TTFT_BUCKETS[:3] == (0.001, 0.005, 0.01)
    assert TTFT_BUCKETS[-1] == 2560.0
    assert (E2E_BUCKETS[0], E2E_BUCKETS[-1]) == (0.3, 7680.0)
    assert (ITL_BUCKETS[0], ITL_BUCKETS[-1]) == (0.01, 80.0)
    assert result["vllm:num_preemptions_total"] == 0


@pytest.mark.parametrize("itl_ms", [0.0, 1.0], ids=["unpaced", "paced"])
def test_counters_and_histogram_counts_move_by_exactly_what_was_served(
    start_server: StartServer, itl_ms: float
) -> None:
    server = start_server(output_tokens="8", itl_ms=itl_ms, cached_tokens=3)
    before = scrape(server)
    assert before["vllm:prompt_tokens_total"] == 0
    assert before.success("stop") == 0
    prompts = ["one", "a somewhat longer prompt of several words", "x"]
    usages = []
    lengths = []
    for prompt in prompts:
        usages.append(post(server, "/v1/completions", {"prompt": prompt})["usage"])  # 8 tokens: stop
        usages.append(post_stream(server, "/v1/completions", {"prompt": prompt, "max_tokens": 5}))  # length
        lengths += [8, 5]
    chat = [{"role": "user", "content": "hello there"}]
    usages.append(post_stream(server, "/v1/chat/completions", {"messages": chat, "max_tokens": 3, "ignore_eos": True}))
    lengths.append(3)
    after = scrape(server)
    prompt_tokens = sum(usage["prompt_tokens"] for usage in usages)
    assert [usage["completion_tokens"] for usage in usages] == lengths
    assert after["vllm:prompt_tokens_total"] == prompt_tokens
    assert after["vllm:generation_tokens_total"] == sum(lengths)
    assert after["vllm:prefix_cache_queries_total"] == prompt_tokens
    hits = sum(min(3, usage["prompt_tokens"]) for usage in usages)
    assert after["vllm:prefix_cache_hits_total"] == hits == after["vllm:prompt_tokens_cached_total"]
    assert after.success("stop") == 3
    assert after.success("length") == 4
    assert after.success("abort") == after.success("error") == 0
    requests = len(usages)
    for name in (
        "vllm:time_to_first_token_seconds",
        "vllm:e2e_request_latency_seconds",
        "vllm:request_queue_time_seconds",
        "vllm:request_time_per_output_token_seconds",
    ):
        assert after[name + "_count"] == requests, name
        assert after.bucket(name, "+Inf") == requests, name
    # one inter-token latency per token after each request's first
    assert after["vllm:inter_token_latency_seconds_count"] == sum(length - 1 for length in lengths)
    assert after["vllm:request_queue_time_seconds_sum"] == 0  # no serving model: nothing ever waits
    if itl_ms:
        # the tokens were 1 ms apart: a mean ITL far below 1 ms would mean the gaps were not measured
        mean_itl = after["vllm:inter_token_latency_seconds_sum"] / after["vllm:inter_token_latency_seconds_count"]
        assert 0.0009 <= mean_itl < 0.05
        e2e = after["vllm:e2e_request_latency_seconds_sum"]
        assert e2e >= sum(length - 1 for length in lengths) * 0.0009
    assert after["vllm:num_requests_running"] == after["vllm:num_requests_waiting"] == 0
    assert after["vllm:kv_cache_usage_perc"] == 0


async def test_a_queue_shows_in_the_gauges_while_it_lasts_and_metrics_answers_meanwhile(
    start_server: StartServer,
) -> None:
    # 2 slots, 8 requests of 20 tokens 20 ms apart (0.38 s each): 4 waves, 6 requests waiting at first
    server = start_server(max_streams=2, itl_ms=20, output_tokens="20", kv_cache_tokens=1000)
    streams = [await open_stream(server) for _ in range(8)]
    readers = [asyncio.create_task(read_to_end(*stream)) for stream in streams]
    started = time.monotonic()
    busy = await wait_for(server, lambda s: s["vllm:num_requests_waiting"] == 6)
    assert busy["vllm:num_requests_running"] == 2
    assert 0 < busy["vllm:kv_cache_usage_perc"] <= 2 * (1 + 20) / 1000  # two prompts of ~1 token and their outputs
    # the server is saturated (every slot taken, a queue behind): /metrics still answers at once
    for _ in range(5):
        asked = time.monotonic()
        during = await asyncio.to_thread(scrape, server)
        assert time.monotonic() - asked < 0.5
        assert during["vllm:num_requests_running"] == 2
        assert during["vllm:num_requests_waiting"] >= 2
    await asyncio.gather(*readers)
    assert time.monotonic() - started > 1.0  # 4 waves did happen one after the other
    done = scrape(server)
    assert done["vllm:num_requests_waiting"] == 0
    assert done["vllm:num_requests_running"] == 0
    assert done["vllm:kv_cache_usage_perc"] == 0
    assert done.success("stop") == 8
    assert done["vllm:generation_tokens_total"] == 8 * 20
    queue = "vllm:request_queue_time_seconds"
    assert done[queue + "_count"] == 8
    assert done.bucket(queue, "0.3") == 2  # the first wave was admitted on arrival; the others waited a wave or more
    assert done.bucket(queue, "0.5") == 4
    assert done.bucket(queue, "1.0") == 6
    ttft = "vllm:time_to_first_token_seconds"
    assert done[ttft + "_count"] == 8
    assert done.bucket(ttft, "0.25") == 2  # the TTFT counts from arrival: the queued requests' includes their wait


async def test_clients_leaving_count_as_aborted_and_free_the_gauges(start_server: StartServer) -> None:
    server = start_server(max_streams=1, itl_ms=50, output_tokens="100")
    serving = await open_stream(server)
    waiting = await open_stream(server)
    await wait_for(server, lambda s: s["vllm:num_requests_waiting"] == 1 and s["vllm:num_requests_running"] == 1)
    for _, writer in (waiting, serving):
        writer.close()
        await writer.wait_closed()
    left = await wait_for(server, lambda s: s.success("abort") == 2)
    assert left["vllm:num_requests_running"] == left["vllm:num_requests_waiting"] == 0
    assert left["vllm:kv_cache_usage_perc"] == 0
    assert left.success("stop") == left.success("length") == 0
    assert left["vllm:e2e_request_latency_seconds_count"] == 2
    assert left["vllm:time_to_first_token_seconds_count"] <= 1  # the one that waited never had a first token
    assert left["vllm:generation_tokens_total"] < 100


def test_a_dropped_stream_counts_the_tokens_it_sent_and_aborts(start_server: StartServer) -> None:
    server = start_server(output_tokens="8", drop_rate=1.0, fault_after_tokens=3)
    with pytest.raises(http.client.IncompleteRead):  # the connection is cut mid-response
        post_stream(server, "/v1/completions", {"prompt": "hi"})
    result = wait_for_sync(server, lambda s: s.success("abort") == 1)
    assert result["vllm:generation_tokens_total"] == 3  # tokens 0, 1 and 2 went out before the cut
    assert result["vllm:inter_token_latency_seconds_count"] == 2


def test_pooling_requests_count_their_prompt_and_generate_nothing(start_server: StartServer) -> None:
    server = start_server()
    answer = post(server, "/v1/embeddings", {"input": ["some text", "more text here"]})
    result = scrape(server)
    assert result["vllm:prompt_tokens_total"] == answer["usage"]["prompt_tokens"] > 0
    assert result["vllm:generation_tokens_total"] == 0
    assert result.success("stop") == 1
    assert result["vllm:e2e_request_latency_seconds_count"] == 1
    assert result["vllm:time_to_first_token_seconds_count"] == 0


def test_a_server_in_a_child_process_counts_the_same() -> None:
    with mock_server(MockServerConfig(output_tokens="4", itl_ms=1), in_process=False) as server:
        usage = post_stream(server, "/v1/completions", {"prompt": "hello world"})
        post(server, "/v1/completions", {"prompt": "hello world"})
        result = scrape(server)
    assert result["vllm:prompt_tokens_total"] == 2 * usage["prompt_tokens"]
    assert result["vllm:generation_tokens_total"] == 8
    assert result.success("stop") == 2
    assert result["vllm:inter_token_latency_seconds_count"] == 6


def wait_for_sync(server: MockServer, check: Any, timeout: float = 10.0) -> Scrape:
    deadline = time.monotonic() + timeout
    while True:
        current = scrape(server)
        if check(current):
            return current
        assert time.monotonic() < deadline, f"never held; last scrape:\n{current.text}"
        time.sleep(0.005)
