"""Benchmark: the main process's cost of aggregating one finished response (``BenchmarkAccumulator.add``).

Every finished request passes through ``add`` in the runner's main process, so its cost bounds the highest request
rate one runner aggregates. Measures 64-chunk streamed responses with a scheduled time (a rate stage), without and
with an SLO of three limits, with records kept, and feeding the run's timeline (1 s and 0.1 s windows) as a run does.

    hatch run python benchmarks/accumulator_cost.py [--responses 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time

from runner_support import conditions

from gaugellm.backend.schemas import GenerationResponse
from gaugellm.metrics import BenchmarkAccumulator

try:
    from gaugellm.metrics.slo import SloSet, parse_slo
except ImportError:  # an older gaugellm, measured for comparison (PYTHONPATH=.../packages/core/src)
    SloSet = None  # type: ignore[assignment,misc]
try:
    from gaugellm.metrics.timeline import Timeline
except ImportError:  # before the timeline
    Timeline = None  # type: ignore[assignment,misc]

MS = 1_000_000


def responses(count: int) -> list[GenerationResponse]:
    made = []
    for index in range(count):
        scheduled = index * 10 * MS
        item = GenerationResponse(str(index), scheduled_ns=scheduled)
        item.dispatched_ns = scheduled + 100_000
        at = item.dispatched_ns + 50 * MS
        for _ in range(64):
            item.record_chunk("t", at_ns=at)
            at += 5 * MS
        item.set_usage(128, 64, "server")
        item.finish("stop", at_ns=at)
        made.append(item)
    return made


def per_response_us(items: list[GenerationResponse], repeat: int, **options: object) -> float:
    best = float("inf")
    for _ in range(repeat):
        made = {key: value() if callable(value) else value for key, value in options.items()}  # fresh per pass
        accumulator = BenchmarkAccumulator(**made)  # type: ignore[arg-type]
        started = time.perf_counter()
        for item in items:
            accumulator.add(item)
        best = min(best, (time.perf_counter() - started) / len(items) * 1e6)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    items = responses(options.responses)
    print(f"conditions: {conditions()}; best of {options.repeat} passes over {len(items)} responses of 64 chunks")
    print(f"no SLO:              {per_response_us(items, options.repeat):.2f} µs per response")
    if SloSet is not None:
        slo = SloSet(parse_slo("ttft<=500ms,tpot<=50ms,latency<=10s"))
        print(f"SLO of three limits: {per_response_us(items, options.repeat, slo=slo, attainment_target=0.99):.2f} µs")
    print(f"no SLO, records:     {per_response_us(items, options.repeat, keep_records=True):.2f} µs")
    if Timeline is not None:
        for window in (1.0, 0.1):
            cost = per_response_us(items, options.repeat, timeline=lambda window=window: Timeline(0, window))
            print(f"timeline {window:g} s:       {cost:.2f} µs")


if __name__ == "__main__":
    main()
