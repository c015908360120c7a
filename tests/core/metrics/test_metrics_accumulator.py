"""Every metric of a benchmark, checked exactly against hand-computed values from known timestamps.

Times are written in milliseconds (``MS``) so that the expectations can be read off the timestamps directly.
"""

from __future__ import annotations

import gc
import random
import time
import tracemalloc

import pytest

from gaugellm.backend.schemas import ErrorKind, GenerationResponse
from gaugellm.metrics import BenchmarkAccumulator, BenchmarkMetrics, RequestRecord, RequestRecords
from gaugellm.metrics.slo import SloSet, parse_slo

MS = 1_000_000


def response(
    request_id: str,
    scheduled: float | None,
    dispatched: float | None,
    chunks: list[tuple[float, int]] = (),  # type: ignore[assignment]
    ended: float | None = None,
    usage: tuple[int | None, int | None, str] | None = None,
) -> GenerationResponse:
    """A response with the given times (ms), recorded through the same calls a backend makes."""
    result = GenerationResponse(
        request_id=request_id,
        scheduled_ns=None if scheduled is None else int(scheduled * MS),
        dispatched_ns=None if dispatched is None else int(dispatched * MS),
    )
    for at, tokens in chunks:
        result.record_chunk("x" * tokens, tokens=tokens, at_ns=int(at * MS))
    if usage is not None:
        result.set_usage(usage[0], usage[1], usage[2])  # type: ignore[arg-type]
    if ended is not None:
        result.finish("stop", at_ns=int(ended * MS))
    return result


def streamed() -> GenerationResponse:
    """One token per chunk, server usage. scheduled 1, dispatched 3, tokens at 13/23/33/43, end 45 (ms)."""
    return response("a", 1, 3, [(13, 1), (23, 1), (33, 1), (43, 1)], ended=45, usage=(10, 4, "server"))


def multi_token() -> GenerationResponse:
    """Chunks of 1, 3 and 2 tokens, no usage (counted from the stream: 6). dispatched 0, tokens at 100/160/180."""
    return response("b", 0, 0, [(100, 1), (160, 3), (180, 2)], ended=190)


def one_chunk() -> GenerationResponse:
    """A non-streamed answer: 5 tokens in one chunk at 50 ms, estimated count, no prompt count."""
    return response("c", 0, 2, [(50, 5)], ended=52, usage=(None, 5, "estimate"))


def http_error() -> GenerationResponse:
    result = response("d", 10, 11, ended=31)
    result.fail(ErrorKind.HTTP_STATUS, "503 Service Unavailable: overloaded", status_code=503)
    return result


def cancelled() -> GenerationResponse:
    result = response("e", 20, 20, [(30, 1)], ended=40)
    result.fail(ErrorKind.CANCELLED, "stopped: max_seconds")
    return result


def summary_of(*responses: GenerationResponse, keep_records: bool = False) -> BenchmarkMetrics:
    accumulator = BenchmarkAccumulator(keep_records=keep_records)
    for item in responses:
        accumulator.add(item)
    return accumulator.summary(started_ns=0, ended_ns=1000 * MS)


def test_single_token_chunks() -> None:
    metrics = summary_of(streamed())
    assert metrics.ttft.count == 1
    assert metrics.ttft.p50 == 10.0  # 13 - 3
    assert metrics.ttft_from_schedule.p50 == 12.0  # 13 - 1
    assert metrics.latency.p50 == 42.0  # 45 - 3
    assert metrics.latency_from_schedule.p50 == 44.0  # 45 - 1
    assert metrics.dispatch_lag.p50 == 2.0  # 3 - 1
    assert metrics.itl.p50 == 10.0  # (43 - 13) / (4 - 1)
    assert metrics.tpot.p50 == pytest.approx(32 / 3, abs=1e-6)  # (latency 42 - ttft 10) / (4 - 1)
    assert metrics.inter_token_gap.count == 3
    assert (metrics.inter_token_gap.min, metrics.inter_token_gap.max) == (10.0, 10.0)
    assert metrics.tokens.output_tokens == 4
    assert metrics.tokens.prompt_tokens == 10
    assert metrics.tokens.output_sources == {"server": 1}


def test_multi_token_chunks_divide_each_gap_by_the_later_chunk_tokens() -> None:
    metrics = summary_of(multi_token())
    assert metrics.tokens.output_tokens == 6  # 1 + 3 + 2, from the stream
    assert metrics.tokens.output_sources == {"stream": 1}
    assert metrics.tokens.prompt_sources == {"none": 1}
    assert metrics.ttft.p50 == 100.0
    assert metrics.itl.p50 == 16.0  # (180 - 100) / (6 - 1)
    assert metrics.tpot.p50 == 18.0  # (190 - 100) / (6 - 1)
    gaps = metrics.inter_token_gap
    # gap 60 ms shared by 3 tokens -> 20 ms x 3; gap 20 ms shared by 2 tokens -> 10 ms x 2
    assert gaps.count == 5
    assert gaps.mean == 16.0  # (3 * 20 + 2 * 10) / 5
    assert (gaps.min, gaps.p50, gaps.p90, gaps.max) == (10.0, 20.0, 20.0, 20.0)
    assert gaps.stdev == pytest.approx(4.898979, abs=1e-6)  # sqrt(((4^2)*3 + 6^2*2) / 5)


def test_a_chunk_without_tokens_passes_its_gap_to_the_next_one() -> None:
    item = response("z", 0, 0, [(10, 1), (15, 0), (30, 2)], ended=31)
    metrics = summary_of(item)
    assert metrics.inter_token_gap.count == 2
    assert metrics.inter_token_gap.p50 == 10.0  # (30 - 10) / 2


def test_one_chunk_has_ttft_but_no_itl() -> None:
    metrics = summary_of(one_chunk())
    assert metrics.ttft.p50 == 48.0
    assert metrics.itl.count == 0
    assert metrics.itl.p50 is None
    assert metrics.tpot.count == 0
    assert metrics.inter_token_gap.count == 0
    assert metrics.tokens.output_sources == {"estimate": 1}
    assert metrics.tokens.prompt_sources == {"none": 1}
    assert metrics.prompt_length.count == 0
    assert metrics.output_length.p50 == 5.0


def test_missing_usage_and_no_chunks_counts_nothing() -> None:
    metrics = summary_of(response("empty", 0, 0, ended=5))
    assert metrics.requests.successful == 1
    assert metrics.tokens.output_tokens == 0
    assert metrics.tokens.output_sources == {"none": 1}
    assert metrics.ttft.count == 0
    assert metrics.latency.p50 == 5.0


def test_the_whole_benchmark() -> None:
    metrics = summary_of(streamed(), multi_token(), one_chunk(), http_error(), cancelled())
    assert metrics.duration_s == 1.0
    assert metrics.requests.model_dump() == {"total": 5, "successful": 3, "errored": 1, "incomplete": 1}
    assert metrics.error_rate == 0.25  # 1 errored / (3 ok + 1 errored); the cancelled one is not judged
    assert metrics.request_rate == 3.0
    assert metrics.tokens.output_tokens == 4 + 6 + 5
    assert metrics.output_tokens_per_s == 15.0
    assert metrics.tokens.prompt_tokens == 10
    assert metrics.total_tokens_per_s == 25.0
    # in flight: 42 + 190 + 50 + 20 (errored, 11..31) + 20 (cancelled, 20..40) = 322 ms over a 1000 ms window
    assert metrics.concurrency == pytest.approx(0.322)
    assert metrics.tokens.output_sources == {"estimate": 1, "server": 1, "stream": 1}
    assert metrics.tokens.prompt_sources == {"none": 2, "server": 1}
    # TTFT of the successful requests: 10, 100, 48 -> nearest-rank p50 is the 2nd smallest
    ttft = metrics.ttft
    assert (ttft.count, ttft.min, ttft.p50, ttft.p90, ttft.max) == (3, 10.0, 48.0, 100.0, 100.0)
    assert ttft.mean == pytest.approx(158 / 3, abs=1e-6)
    assert ttft.exact
    # latency of the successful requests: 42, 190, 50
    assert (metrics.latency.p50, metrics.latency.p99, metrics.latency.max) == (50.0, 190.0, 190.0)
    # dispatch lag of every request: 2, 0, 2, 1, 0
    assert metrics.dispatch_lag.count == 5
    assert (metrics.dispatch_lag.p50, metrics.dispatch_lag.max) == (1.0, 2.0)
    assert metrics.dispatch_lag.mean == 1.0
    assert metrics.itl.count == 2  # streamed and multi_token; one_chunk has none
    assert (metrics.itl.min, metrics.itl.max) == (10.0, 16.0)
    assert metrics.inter_token_gap.count == 3 + 5
    assert [error.model_dump() for error in metrics.errors] == [
        {"kind": "http_status", "status_code": 503, "count": 1, "example": "503 Service Unavailable: overloaded"}
    ]


def test_errors_group_by_kind_and_status_with_the_first_message() -> None:
    accumulator = BenchmarkAccumulator()
    for index, (kind, status) in enumerate(
        [
            (ErrorKind.HTTP_STATUS, 503),
            (ErrorKind.HTTP_STATUS, 503),
            (ErrorKind.HTTP_STATUS, 429),
            (ErrorKind.TIMEOUT, None),
            (ErrorKind.HTTP_STATUS, 503),
        ]
    ):
        item = response(str(index), 0, 0, ended=1)
        item.fail(kind, f"failure {index} " + "x" * 1000, status)
        accumulator.add(item)
    errors = accumulator.summary(0, MS).errors
    assert [(error.kind, error.status_code, error.count) for error in errors] == [
        ("http_status", 503, 3),
        ("http_status", 429, 1),
        ("timeout", None, 1),
    ]
    assert errors[0].example.startswith("failure 0 ")
    assert len(errors[0].example) == 300


def test_errors_and_cancellations_do_not_enter_latency_distributions() -> None:
    metrics = summary_of(http_error(), cancelled())
    assert metrics.ttft.count == 0
    assert metrics.latency.count == 0
    assert metrics.request_rate == 0.0
    assert metrics.error_rate == 1.0
    assert metrics.requests.incomplete == 1


def test_an_empty_or_zero_window_gives_nulls_not_zeros() -> None:
    accumulator = BenchmarkAccumulator()
    metrics = accumulator.summary(started_ns=5, ended_ns=5)
    assert metrics.requests.total == 0
    assert metrics.request_rate is None
    assert metrics.concurrency is None
    assert metrics.error_rate is None
    assert metrics.ttft.mean is None


def test_records_hold_each_request_relative_to_the_start() -> None:
    accumulator = BenchmarkAccumulator(keep_records=True)
    for item in (streamed(), multi_token(), http_error(), cancelled()):
        accumulator.add(item)
    accumulator.summary(started_ns=0, ended_ns=1000 * MS)
    records = accumulator.records
    assert records[0] == RequestRecord(
        request_id="a",
        status="ok",
        scheduled_ms=1.0,
        dispatched_ms=3.0,
        ttft_ms=10.0,
        itl_ms=10.0,
        latency_ms=42.0,
        prompt_tokens=10,
        output_tokens=4,
        output_tokens_source="server",
        chunks=4,
        error_kind=None,
        status_code=None,
    )
    assert records[1].output_tokens_source == "stream"
    assert records[1].itl_ms == 16.0
    assert (records[2].status, records[2].error_kind, records[2].status_code) == ("error", "http_status", 503)
    assert records[2].latency_ms is None
    assert (records[3].status, records[3].error_kind) == ("cancelled", "cancelled")
    accumulator.summary(started_ns=1 * MS, ended_ns=1000 * MS)  # a later start shifts the relative times
    assert accumulator.records[0].scheduled_ms == 0.0
    columns = RequestRecords.model_validate(records)
    assert columns.request_id == ["a", "b", "d", "e"]
    assert columns.rows() == records


def test_records_are_capped_and_the_rest_counted() -> None:
    accumulator = BenchmarkAccumulator(keep_records=True, max_records=2)
    for _ in range(5):
        accumulator.add(streamed())
    assert len(accumulator.records) == 2
    assert accumulator.records_dropped == 3
    assert accumulator.count == 5
    assert BenchmarkAccumulator().records == []


def test_each_conversation_turn_gets_its_own_figures_in_turn_order() -> None:
    """Turn t answers its first token 10*t ms after dispatch; the turns arrive out of order (2, 10, 1)."""
    accumulator = BenchmarkAccumulator(slo=SloSet(parse_slo("ttft<=50ms")), attainment_target=0.9)
    for conversation in range(4):
        for turn in (2, 10, 1):
            start = conversation * 1000 + turn * 50
            first = start + 10 * turn
            item = response(
                f"c{conversation}-t{turn}",
                start,
                start,
                [(first, 1), (first + 5, 1)],
                first + 5,
                (100 * turn, 2, "server"),
            )
            accumulator.add(item)
            accumulator.add_to_turn(turn, item)
    turns = accumulator.turn_summaries(started_ns=0, ended_ns=4000 * MS)
    assert turns is not None
    assert list(turns) == ["1", "2", "10"]  # by number, not as text, and not in arrival order
    assert [turns[t].ttft.p50 for t in turns] == [10.0, 20.0, 100.0]
    assert [turns[t].requests.total for t in turns] == [4, 4, 4]
    assert [turns[t].tokens.prompt_tokens for t in turns] == [400, 800, 4000]
    assert [turns[t].duration_s for t in turns] == [4.0, 4.0, 4.0]  # the benchmark's window, not the turn's span
    slo = [turns[t].slo for t in turns]
    assert [None if s is None else s.attainment for s in slo] == [1.0, 1.0, 0.0]  # the SLO judged per turn
    overall = accumulator.summary(started_ns=0, ended_ns=4000 * MS)
    assert overall.requests.total == 12
    assert overall.ttft.max == 100.0
    assert accumulator.class_summaries(started_ns=0, ended_ns=4000 * MS) is None


def test_a_run_without_conversations_has_no_turns() -> None:
    accumulator = BenchmarkAccumulator()
    accumulator.add(streamed())
    assert accumulator.turn_summaries(started_ns=0, ended_ns=100 * MS) is None


def _realistic(rng: random.Random, index: int, chunks: int = 64) -> GenerationResponse:
    item = GenerationResponse(request_id=str(index), scheduled_ns=index * MS, dispatched_ns=index * MS + 50_000)
    at = item.dispatched_ns + int(rng.lognormvariate(17.5, 0.3))  # type: ignore[operator]
    for _ in range(chunks):
        item.record_chunk("tok", at_ns=at)
        at += int(rng.lognormvariate(16.8, 0.2))
    item.set_usage(128, chunks, "server")
    item.finish("stop", at_ns=at)
    return item


def test_memory_does_not_grow_with_a_million_samples() -> None:
    rng = random.Random(5)
    pool = [_realistic(rng, index, chunks=64) for index in range(500)]
    accumulator = BenchmarkAccumulator(keep_records=False)
    for item in pool:  # warm up: the histograms' buckets fill in
        accumulator.add(item)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for round_ in range(32):  # 16 000 responses x 63 gaps: over a million inter-token samples
            for item in pool:
                accumulator.add(item)
            if round_ == 0:
                gc.collect()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert accumulator.inter_token_gap.count > 1_000_000
    assert after - before < 64 * 1024, f"accumulator grew by {after - before} bytes"


def test_add_is_cheap() -> None:
    """A loose guard against accidental per-token Python work (the measured cost is ~20 µs; see docs/metrics.md)."""
    rng = random.Random(9)
    pool = [_realistic(rng, index) for index in range(2000)]
    accumulator = BenchmarkAccumulator(keep_records=True)
    started = time.perf_counter()
    for item in pool:
        accumulator.add(item)
    per_add = (time.perf_counter() - started) / len(pool)
    assert per_add < 500e-6
