"""Benchmark: replaying a generated ten-minute Mooncake-style trace at 10x against the simulated server.

The trace has bursty arrivals (gamma gaps, ``--burstiness`` 0.5) at a mean of ``--rate`` requests per second of
trace time, prompts built from shared 512-token blocks, and short answers; replayed ``--speedup`` times faster it
lasts about a minute. Prints the dispatch lag (how far the replay fell behind its trace) at p50 / p99 / max and the
share of requests sent within 1 ms of their time. Target: lag p99 within the constant profile's figure on the same
machine (``runner_pacing.py``, or a constant run at the same rate and prompt lengths).

    hatch run python benchmarks/trace_replay.py [--minutes 10] [--rate 30] [--speedup 10] [--burstiness 0.5]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

from runner_support import conditions, load_json, run_cli

from gaugellm_openai.mock import MockServerConfig, mock_server


def write_trace(path: Path, minutes: float, rate: float, burstiness: float, seed: int = 7) -> int:
    rng = random.Random(seed)
    at_s, count = 0.0, 0
    with path.open("w") as handle:
        while at_s < minutes * 60:
            blocks = [0, 1 + rng.randrange(8)] + [1000 + count * 4 + k for k in range(rng.randrange(3))]
            row = {
                "timestamp": int(at_s * 1000),
                "input_length": 512 * len(blocks) - rng.randrange(256),
                "output_length": 8 + rng.randrange(24),
                "hash_ids": blocks,
            }
            handle.write(json.dumps(row) + "\n")
            count += 1
            at_s += rng.gammavariate(burstiness, 1 / (burstiness * rate))
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=30.0, help="mean requests per second of trace time")
    parser.add_argument("--speedup", type=float, default=10.0)
    parser.add_argument("--burstiness", type=float, default=0.5, help="gamma shape of the gaps (1: Poisson)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        trace = Path(folder) / "trace.jsonl"
        count = write_trace(trace, options.minutes, options.rate, options.burstiness)
        config = MockServerConfig(ttft_ms=20, itl_ms=2, output_tokens="32")
        with mock_server(config, in_process=False) as server:
            out = Path(folder) / "replay.json"
            args = ["run", "-b", "openai_http", "--backend-kwargs", json.dumps({"target": server.url})]
            args += ["-p", "replay", "--trace", str(trace), "--speedup", str(options.speedup), "-q", "-o", str(out)]
            result = run_cli(args, sampling=False)
            if result.returncode != 0:
                raise SystemExit(f"FAIL: gaugellm exited with {result.returncode}: {result.stderr.strip()}")
            report = load_json(out)
    benchmark = report["benchmarks"][0]
    lag = benchmark["metrics"]["dispatch_lag"]
    records = benchmark["records"]
    lags = [d - s for s, d in zip(records["scheduled_ms"], records["dispatched_ms"], strict=True) if s is not None]
    on_time = sum(1 for value in lags if value <= 1.0) / max(1, len(lags))
    print(f"conditions: {conditions()}")
    print(
        f"trace: {count} requests over {options.minutes:g} min at {options.rate:g} req/s "
        f"(burstiness {options.burstiness:g}), "
        f"replayed at {options.speedup:g}x: {benchmark['profile']['span_s']:.1f} s, {result.wall_s:.1f} s wall"
    )
    print(
        f"sent {benchmark['metrics']['requests']['total']} requests, {benchmark['metrics']['request_rate']:.1f} req/s"
    )
    print(f"dispatch lag: p50 {lag['p50']:.3f} ms, p99 {lag['p99']:.3f} ms, max {lag['max']:.2f} ms")
    print(f"on time (within 1 ms): {on_time:.2%}")


if __name__ == "__main__":
    main()
