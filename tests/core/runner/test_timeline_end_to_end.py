"""The timeline of real runs on the fake backend: counts add up; in flight and a slowdown show where they were."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import jsonschema
from conftest import GAUGELLM
from runner_testing_backend import TinyDataset

from gaugellm.reports import RunReport, load_report, write_report
from gaugellm.reports.models import TimelineReport
from gaugellm.reports.schema import schema_path
from gaugellm.runner import RunConfig, execute_run


async def run(backend: dict[str, Any], **options: Any) -> RunReport:
    config = RunConfig.parse({"backend": {"type": "runner_fake", **backend}, "workers": 1, **options})
    result = await execute_run(config, source=TinyDataset(), handle_signals=False, raise_on_incomplete=False)
    return result.report


def total(timeline: TimelineReport, series: str) -> float:
    return sum(value or 0 for value in timeline.series[series])


async def test_constant_rate_windows_add_up_to_the_stage_warm_up_included(fake_backend: str, tmp_path: Any) -> None:
    report = await run(
        {"tokens": 8, "ttft_ms": 5, "itl_ms": 1},
        profile="constant",
        rate=[40],
        max_requests=60,
        warmup="10",
        timeline_window=0.25,
    )
    timeline = report.timeline
    assert timeline is not None
    assert timeline.window_s == 0.25
    measured = report.benchmarks[0].metrics.requests
    assert measured.total == 50
    assert total(timeline, "sent") == 60  # the warm-up's 10 are on the timeline, not in the benchmark
    assert total(timeline, "successful") == 60
    assert total(timeline, "errored") == total(timeline, "cancelled") == 0
    assert timeline.series["in_flight"][-1] == 0
    tokens = sum(
        (rate or 0) * timeline.window_s for rate in timeline.series["output_tokens_per_s"][1:-1]
    )  # inner windows only: the edge ones are divided by the part the stage covers
    assert tokens <= 60 * 8
    assert all(b > a for a, b in zip(timeline.times_s, timeline.times_s[1:], strict=False))
    (span,) = timeline.stages
    assert span.name == report.benchmarks[0].name
    assert span.start_s <= span.window_start_s < span.window_end_s <= span.end_s
    assert abs(timeline.origin_unix + span.window_start_s - report.benchmarks[0].started_at) < 0.01
    assert 1.3 < span.end_s - span.start_s < 3.0  # 60 requests at 40/s
    # the document validates against the committed schema and reads back the same
    path = write_report(report, tmp_path / "run.json")
    schema = json.loads(schema_path().read_text())
    jsonschema.Draft202012Validator(schema).validate(json.loads(path.read_text()))
    assert load_report(path).timeline == timeline


async def test_in_flight_at_window_ends_matches_the_concurrency(fake_backend: str) -> None:
    report = await run(
        {"tokens": 4, "ttft_ms": 40, "itl_ms": 5},
        profile="concurrent",
        concurrency=4,
        max_seconds=2.0,
        timeline_window=0.1,
    )
    timeline = report.timeline
    assert timeline is not None
    (span,) = timeline.stages
    inner = [
        value
        for end, value in zip(timeline.times_s, timeline.series["in_flight"], strict=True)
        if span.start_s + 0.3 < end < span.end_s - 0.3
    ]
    assert len(inner) >= 10
    assert max(inner) == 4
    assert sum(value == 4 for value in inner) >= 0.8 * len(inner)  # a slot is refilled within microseconds
    assert total(timeline, "cancelled") >= 1  # max_seconds cancels what is in flight at the end


async def test_a_slowdown_mid_run_shows_in_the_windows_after_it(fake_backend: str) -> None:
    # 20 requests/s; from the 31st request on (1.5 s into the stage) the first token takes 150 ms instead of 5 ms
    report = await run(
        {"tokens": 4, "ttft_ms": 5, "itl_ms": 1, "slow_after": 30, "slow_ttft_ms": 150},
        profile="constant",
        rate=[20],
        max_requests=60,
        timeline_window=0.25,
    )
    timeline = report.timeline
    assert timeline is not None
    (span,) = timeline.stages
    start, width = span.start_s, timeline.window_s
    before, after = [], []
    for end, p50, p99 in zip(
        timeline.times_s, timeline.series["ttft_p50_ms"], timeline.series["ttft_p99_ms"], strict=True
    ):
        if end <= start + 1.4 and p99 is not None:
            before.append(p99)
        elif end - width >= start + 1.7 and p50 is not None:
            after.append(p50)
    assert before
    assert after
    assert max(before) < 60
    assert min(after) >= 140
    assert max(timeline.series["in_flight"]) >= 2  # 150 ms at 20/s keeps about 3 in flight


def test_timeline_window_out_of_bounds_is_one_line_and_status_2(cli_env: dict[str, str]) -> None:
    result = subprocess.run(
        [*GAUGELLM, "run", "-b", "runner_fake", "-n", "2", "--timeline-window", "0.001"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
    assert "timeline_window" in result.stderr or "timeline-window" in result.stderr
