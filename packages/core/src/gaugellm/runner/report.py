"""Turning a run's outcome into the report document (``gaugellm.reports.RunReport``) the metrics engineer defined.

The runner measures; the metrics package summarises (``BenchmarkAccumulator.summary``) and the reports package
writes. This module only assembles: one :class:`BenchmarkReport` per stage, the config with secrets masked, the
environment, what the backend said about itself, how tokens were counted, and whether the run finished.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gaugellm.runner.engine import StageOutcome

if TYPE_CHECKING:
    from gaugellm.reports import BenchmarkReport, RunReport

__all__ = ["benchmark_report", "run_report", "token_counting"]


def benchmark_report(outcome: StageOutcome) -> BenchmarkReport:
    """One stage as a benchmark of the report."""
    from gaugellm.metrics import BenchmarkAccumulator
    from gaugellm.reports import BenchmarkReport

    sink = outcome.sink
    assert isinstance(sink, BenchmarkAccumulator), "the CLI's stages collect into BenchmarkAccumulator"
    started_ns, ended_ns = outcome.window_ns
    metrics = sink.summary(started_ns=started_ns, ended_ns=ended_ns)
    records = sink.records
    # The window's wall-clock start: the stage's start plus how far into the stage the window begins.
    started_at = outcome.started_at + (started_ns - outcome.start_ns) / 1e9
    return BenchmarkReport(
        name=outcome.spec.name,
        profile=outcome.spec.describe(),
        started_at=started_at,
        duration_s=max(0.0, (ended_ns - started_ns) / 1e9),
        metrics=metrics,
        records=records if records else None,
        incomplete=outcome.incomplete,
        stop_reason=outcome.stop_reason or None,
    )


def token_counting(stages: Sequence[StageOutcome], data_counting: str | None) -> dict[str, str]:
    """Where the reported token counts came from: the most common source over successful requests.

    Without any successful request, the data set's own counting (``tokenizer`` or ``estimate``) is what there is.
    """
    prompt: Counter[str] = Counter()
    output: Counter[str] = Counter()
    for stage in stages:
        prompt.update(stage.prompt_sources)
        output.update(stage.output_sources)
    fallback = data_counting or "none"

    def pick(counts: Counter[str]) -> str:
        known = Counter({source: n for source, n in counts.items() if source != "none"})
        return known.most_common(1)[0][0] if known else fallback

    counting = {"prompt": pick(prompt), "output": pick(output)}
    if data_counting is not None:
        counting["data"] = data_counting
    return counting


def run_report(
    *,
    config: dict[str, Any],
    stages: Sequence[StageOutcome],
    backend_info: dict[str, Any],
    executor: dict[str, Any],
    data_description: dict[str, Any] | None,
    data_counting: str | None,
    complete: bool,
    error: str | None,
) -> RunReport:
    """The whole run as a report document."""
    from gaugellm.reports import RunReport, collect_environment

    environment = collect_environment()
    environment["executor"] = executor
    full_config = dict(config)
    if data_description is not None:
        full_config["data_description"] = data_description
    return RunReport(
        config=full_config,
        environment=environment,
        backend=backend_info,
        token_counting=token_counting(stages, data_counting),
        benchmarks=[benchmark_report(stage) for stage in stages],
        complete=complete,
        error=error,
    )
