"""Synthetic runs with known shifts, built the way the runner builds them: responses -> accumulator -> report."""

from __future__ import annotations

import random
from typing import Any

import pytest

from gaugellm.backend.schemas import ErrorKind, GenerationResponse
from gaugellm.metrics import BenchmarkAccumulator
from gaugellm.reports import BenchmarkReport, RunReport

MS = 1_000_000


def synthetic_benchmark(
    name: str = "constant@10",
    profile: dict[str, Any] | None = None,
    *,
    requests: int = 400,
    seed: int = 1,
    ttft_scale: float = 1.0,
    itl_scale: float = 1.0,
    duration_s: float = 40.0,
    error_share: float = 0.0,
    records: bool = True,
    tokens: int = 16,
) -> BenchmarkReport:
    """A benchmark whose TTFTs are lognormal around 50 ms times ``ttft_scale`` (ITLs around 10 ms times
    ``itl_scale``); ``error_share`` of the requests fail."""
    rng = random.Random(seed)
    accumulator = BenchmarkAccumulator(keep_records=records)
    spacing = int(duration_s * 1e9 / requests)
    for index in range(requests):
        item = GenerationResponse(request_id=f"{name}-{index}", scheduled_ns=index * spacing)
        item.dispatched_ns = index * spacing + 100_000
        at = item.dispatched_ns + int(rng.lognormvariate(0.0, 0.25) * 50 * ttft_scale * MS)
        for _ in range(tokens):
            item.record_chunk("tok", at_ns=at)
            at += int(rng.lognormvariate(0.0, 0.2) * 10 * itl_scale * MS)
        item.set_usage(32, tokens, "server")
        if rng.random() < error_share:
            item.fail(ErrorKind.HTTP_STATUS, "overloaded", 503)
        item.finish("stop", at_ns=at)
        accumulator.add(item)
    metrics = accumulator.summary(started_ns=0, ended_ns=int(duration_s * 1e9))
    return BenchmarkReport(
        name=name,
        profile=profile if profile is not None else {"kind": "constant", "rate": 10.0},
        started_at=1_750_000_000.0,
        duration_s=metrics.duration_s,
        metrics=metrics,
        records=accumulator.records if records else None,
    )


def synthetic_run(*benchmarks: BenchmarkReport, **fields: Any) -> RunReport:
    return RunReport(benchmarks=list(benchmarks), **fields)


@pytest.fixture
def make_benchmark() -> Any:
    return synthetic_benchmark


@pytest.fixture
def make_run() -> Any:
    return synthetic_run
