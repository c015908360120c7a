"""Benchmark: what ``gaugellm compare`` costs on two big reports (10 000 records each by default).

Writes two reports with records (one 10 % slower to the first token), then times: reading both reports, the
comparison itself (every default metric, the default and a larger number of resamples), and the whole command
(``python -m gaugellm compare A B -q -o compare.json -o compare.html``, start-up included). For scale, it also times
one textbook bootstrap resample (``random.choices`` and a sort) of one run's TTFTs, which the comparison replaces by
one Beta draw per resample (docs/compare.md).

    hatch run python benchmarks/compare_cost.py [--records 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from runner_support import conditions

from gaugellm.backend.schemas import GenerationResponse
from gaugellm.compare import Settings, compare_reports
from gaugellm.metrics import BenchmarkAccumulator
from gaugellm.reports import BenchmarkReport, RunReport, load_report, write_report

MS = 1_000_000
TARGET_S = 3.0  # "a few seconds at most" for the whole command on two reports of 10 000 records


def report(records: int, seed: int, ttft_scale: float) -> RunReport:
    rng = random.Random(seed)
    accumulator = BenchmarkAccumulator(keep_records=True, max_records=records)
    for index in range(records):
        item = GenerationResponse(str(index), scheduled_ns=index * 10 * MS)
        item.dispatched_ns = index * 10 * MS + 100_000
        at = item.dispatched_ns + int(rng.lognormvariate(0, 0.3) * 50 * ttft_scale * MS)
        for _ in range(32):
            item.record_chunk("t", at_ns=at)
            at += int(rng.lognormvariate(0, 0.2) * 5 * MS)
        item.set_usage(128, 32, "server")
        item.finish("stop", at_ns=at)
        accumulator.add(item)
    metrics = accumulator.summary(started_ns=0, ended_ns=records * 10 * MS)
    benchmark = BenchmarkReport(
        name="constant@100",
        profile={"kind": "constant", "rate": 100.0},
        started_at=1.75e9,
        duration_s=metrics.duration_s,
        metrics=metrics,
        records=accumulator.records,
    )
    return RunReport(benchmarks=[benchmark], labels={"build": str(seed)})


def best_of(repeat: int, action: object) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    print(f"conditions: {conditions()}; two reports of {options.records} records, best of {options.repeat}")
    with tempfile.TemporaryDirectory() as folder:
        paths = [str(write_report(report(options.records, seed, scale), Path(folder) / f"run{seed}.json"))
                 for seed, scale in ((1, 1.0), (2, 1.1))]  # fmt: skip
        size = Path(paths[0]).stat().st_size / 1e6
        loaded: list[RunReport] = []
        read_s = best_of(options.repeat, lambda: loaded.__setitem__(slice(None), [load_report(p) for p in paths]))
        print(f"read both reports ({size:.1f} MB each):        {read_s:.3f} s")
        for resamples in (2000, 10000):
            settings = Settings(resamples=resamples)
            compare_s = best_of(options.repeat, lambda settings=settings: compare_reports(paths, loaded, settings))
            print(f"compare, {resamples:>5} resamples, 10 metrics:  {compare_s:.3f} s")
        command = [sys.executable, "-m", "gaugellm", "compare", *paths, "-q",
                   "-o", str(Path(folder) / "c.json"), "-o", str(Path(folder) / "c.html")]  # fmt: skip
        whole_s = best_of(options.repeat, lambda: subprocess.run(command, check=True, capture_output=True))
        verdict = "PASS" if whole_s <= TARGET_S else "FAIL"
        print(f"whole command (start-up, read, compare, write): {whole_s:.3f} s  {verdict} (target {TARGET_S:g} s)")
        ttfts = sorted(v for v in loaded[0].benchmarks[0].records.ttft_ms if v is not None)  # type: ignore[union-attr]
        rng = random.Random(0)
        naive_s = best_of(options.repeat, lambda: sorted(rng.choices(ttfts, k=len(ttfts))))
        print(f"one textbook resample (choices + sort):         {naive_s * 1e3:.2f} ms "
              f"(x 2 runs x 7 percentiles x 2000 = {naive_s * 28000:.0f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
