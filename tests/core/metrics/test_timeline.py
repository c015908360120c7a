"""The run's timeline: which window each response, chunk and gap lands in, and that memory stays bounded."""

from __future__ import annotations

import pytest

from gaugellm.backend.schemas import ErrorKind, GenerationResponse
from gaugellm.metrics import BenchmarkAccumulator
from gaugellm.metrics.timeline import Timeline

MS = 1_000_000
S = 1_000_000_000


def streamed(dispatched: int, ttft: int, chunks: int, gap: int, tokens: int | None = None) -> GenerationResponse:
    response = GenerationResponse("r", scheduled_ns=dispatched)
    response.dispatched_ns = dispatched
    at = dispatched + ttft
    for index in range(chunks):
        if index:
            at += gap
        response.record_chunk("t", at_ns=at)
    if tokens is not None:
        response.set_usage(4, tokens, "server")
    response.finish("stop", at_ns=at + MS)
    return response


def failed(dispatched: int, ended: int, kind: ErrorKind = ErrorKind.HTTP_STATUS) -> GenerationResponse:
    response = GenerationResponse("f", scheduled_ns=dispatched)
    response.dispatched_ns = dispatched
    response.fail(kind, "boom", 500 if kind is ErrorKind.HTTP_STATUS else None)
    response.finish(at_ns=ended)
    return response


def test_counts_go_to_dispatch_and_end_windows_and_in_flight_is_what_remains() -> None:
    timeline = Timeline(origin_ns=0, window_s=1.0)
    timeline.add(streamed(int(0.5 * S), 100 * MS, 4, 10 * MS))  # sent in 0, ends in 0
    timeline.add(streamed(int(0.9 * S), 200 * MS, 4, 10 * MS))  # sent in 0, first token and end in 1
    timeline.add(failed(int(1.5 * S), int(3.2 * S)))  # sent in 1, errored in 3
    timeline.add(failed(int(2.1 * S), int(2.2 * S), ErrorKind.CANCELLED))
    series = timeline.series().series
    assert series["sent"] == [2, 1, 1, 0]
    assert series["successful"] == [1, 1, 0, 0]
    assert series["errored"] == [0, 0, 0, 1]
    assert series["cancelled"] == [0, 0, 1, 0]
    assert series["in_flight"] == [1, 1, 1, 0]  # the second request at 1 s, the failing one at 2 s and 3 s
    # a window keeps bucket counts only: a percentile is its bucket's midpoint, within 1/256
    assert series["ttft_p50_ms"] == [pytest.approx(100.0, rel=1 / 256), pytest.approx(200.0, rel=1 / 256), None, None]


def test_a_stream_across_a_boundary_splits_its_tokens_by_chunk_arrival_and_its_itl_goes_to_its_end() -> None:
    timeline = Timeline(origin_ns=0, window_s=1.0)
    # chunks at 0.9, 0.95, 1.0 (window 1), 1.05 ... : 2 chunks in window 0, 8 in window 1
    timeline.add(streamed(int(0.8 * S), 100 * MS, 10, 50 * MS, tokens=20), itl_ns=25 * MS, worst_gap_ns=50 * MS)
    series = timeline.series().series
    assert series["output_tokens_per_s"] == [pytest.approx(4.0), pytest.approx(16.0)]
    assert series["itl_p50_ms"] == [None, pytest.approx(25.0, rel=1 / 256)]  # the window of the request's end
    assert series["worst_gap_ms"] == [None, 50.0]


def test_the_worst_gap_of_a_window_is_the_longest_of_its_requests() -> None:
    timeline = Timeline(origin_ns=0, window_s=1.0)
    timeline.add(streamed(int(0.1 * S), 10 * MS, 4, 10 * MS), itl_ns=10 * MS, worst_gap_ns=10 * MS)
    timeline.add(streamed(int(0.2 * S), 10 * MS, 4, 10 * MS), itl_ns=90 * MS, worst_gap_ns=250 * MS)  # a stall
    timeline.add(streamed(int(1.2 * S), 10 * MS, 4, 10 * MS), itl_ns=10 * MS, worst_gap_ns=12 * MS)
    series = timeline.series().series
    assert series["worst_gap_ms"] == [250.0, 12.0]
    assert series["itl_p99_ms"][0] == pytest.approx(90.0, rel=1 / 256)


def test_the_accumulator_hands_over_each_requests_itl_and_worst_gap() -> None:
    shared, alone = Timeline(0, 0.1), Timeline(0, 0.1)
    accumulator = BenchmarkAccumulator(timeline=shared)
    for index in range(50):
        gap = (2 + index % 7) * MS
        response = streamed(index * 37 * MS, (20 + index) * MS, 30, gap)
        accumulator.add(response)
        alone.add(response, itl_ns=gap, worst_gap_ns=gap)  # 30 one-token chunks, evenly spaced
    assert shared.series() == alone.series()
    assert any(value is not None for value in shared.series().series["worst_gap_ms"])
    assert accumulator.inter_token_gap.count == 50 * 29


def test_a_long_run_coarsens_windows_and_keeps_the_totals() -> None:
    timeline = Timeline(origin_ns=0, window_s=1.0, max_windows=16)
    for second in range(100):
        timeline.add(streamed(second * S + 10 * MS, 5 * MS, 3, MS))
    read = timeline.series()
    assert timeline.windows <= 16
    assert read.window_s == 8.0  # doubled three times: 100 s in at most 16 windows
    assert sum(v or 0 for v in read.series["sent"]) == 100
    assert sum(v or 0 for v in read.series["successful"]) == 100
    assert read.times_s[0] == 8.0
    assert read.series["ttft_p99_ms"][0] == pytest.approx(5.0, rel=1 / 256)


def test_rates_of_partial_edge_windows_use_the_covered_part() -> None:
    timeline = Timeline(origin_ns=0, window_s=1.0)
    timeline.add(streamed(int(1.6 * S), 10 * MS, 1, 0, tokens=10))  # 10 tokens in window 1
    read = timeline.series(start_ns=int(1.5 * S), end_ns=int(1.75 * S))
    assert read.times_s == [2.0]
    assert read.series["output_tokens_per_s"] == [pytest.approx(40.0)]  # 10 tokens over the 0.25 s covered
