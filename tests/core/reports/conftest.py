"""A realistic run report built the way the runner builds one: responses -> accumulator -> benchmark reports."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import SecretStr

from gaugellm.backend.schemas import ErrorKind, GenerationResponse
from gaugellm.metrics import BenchmarkAccumulator
from gaugellm.metrics.slo import SloSet, parse_slo
from gaugellm.reports import BenchmarkReport, RunReport, collect_environment

MS = 1_000_000

#: Secret values planted in the sample report; none may appear in any rendering.
SECRETS = ("sk-live-PLANTED-SECRET-1", "PLANTED-SECRET-2", "PLANTED-SECRET-3", "PLANTED-SECRET-4", "hunter2-PLANTED")


def build_benchmark(
    name: str, rate: float, seed: int, requests: int = 120, fail_every: int = 0, slo: str | None = None
) -> BenchmarkReport:
    rng = random.Random(seed)
    accumulator = BenchmarkAccumulator(
        keep_records=True,
        slo=SloSet(parse_slo(slo)) if slo else None,
        attainment_target=0.95 if slo else None,
        target_rate=rate if slo else None,
    )
    interval = int(1e9 / rate)
    for index in range(requests):
        scheduled = index * interval
        item = GenerationResponse(request_id=f"{name}-{index}", scheduled_ns=scheduled)
        item.dispatched_ns = scheduled + rng.randint(20_000, 400_000)
        at = item.dispatched_ns + int(rng.lognormvariate(3.5, 0.3) * MS * (1 + rate / 10))
        for _ in range(32):
            item.record_chunk("tok", at_ns=at)
            at += int(rng.lognormvariate(3.0, 0.2) * MS)
        item.set_usage(64, 32, "server")
        if fail_every and index % fail_every == 3:
            item.fail(ErrorKind.HTTP_STATUS, "upstream said no; Authorization: Bearer PLANTED-SECRET-3", 503)
        item.finish("stop", at_ns=at)
        accumulator.add(item)
    ended = requests * interval
    metrics = accumulator.summary(started_ns=0, ended_ns=ended)
    return BenchmarkReport(
        name=name,
        profile={"kind": "constant", "rate": rate},
        started_at=1_750_000_000.0,
        duration_s=metrics.duration_s,
        metrics=metrics,
        records=accumulator.records,
        incomplete=False,
        stop_reason="max_requests",
    )


def secret_config() -> dict[str, Any]:
    return {
        "backend": "openai_http",
        "backend_kwargs": {
            "type": "openai_http",
            "target": "http://bench:hunter2-PLANTED@127.0.0.1:8000/v1",
            "api_key": SecretStr("sk-live-PLANTED-SECRET-1"),  # a SecretStr object that slipped through
            "password": "PLANTED-SECRET-2",  # a plain string under a credential's name
            "headers": {"Authorization": "Bearer PLANTED-SECRET-3", "X-Api-Key": "PLANTED-SECRET-4"},
        },
        "profile": "sweep",
        "max_tokens": 32,
    }


@pytest.fixture
def sample_report() -> RunReport:
    return RunReport(
        config=secret_config(),
        environment=collect_environment(),
        backend={"name": "openai_http", "model": "tiny"},
        token_counting={"prompt": "server", "output": "server"},
        benchmarks=[
            build_benchmark("synchronous", 2.0, 1),
            build_benchmark("constant@10", 10.0, 2, fail_every=20),
            build_benchmark("throughput", 25.0, 3),
        ],
        complete=True,
    )


@pytest.fixture
def make_benchmark() -> Callable[..., BenchmarkReport]:
    """:func:`build_benchmark`, for tests that need benchmarks of their own."""
    return build_benchmark
