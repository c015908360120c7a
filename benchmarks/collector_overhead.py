"""What scraping the server's /metrics costs the runner: max request rate with the prometheus collector at 1 s and at
100 ms against none (target: less than 2 % each).

The simulated server answers at zero latency with 64-token streams and serves vLLM-style ``/metrics``; each variant
is ``gaugellm run --profile throughput`` for a fixed time, the variants alternating round by round so that a noisy
machine weighs on all alike; the verdict is each variant's median cost paired round by round (its rate against the
no-collector rate of the same round), which cancels the drift of a busy machine between rounds. The client's CPU per
request (gaugellm and its workers, from ``wait4``) is printed too: on a machine where the simulated server shares
the CPUs, it separates the client's own cost from the server's cost of answering the scrapes.

    hatch run python benchmarks/collector_overhead.py [--seconds 8] [--rounds 3] [--concurrency 64] [--server-cpus 1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from runner_support import conditions, load_json, run_cli, verdict

from gaugellm_openai.mock import MockServerConfig, mock_server

TARGET_COST = 0.02
VARIANTS = {"none": None, "prometheus every 1 s": 1.0, "prometheus every 100 ms": 0.1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--server-cpus", default="", help="pin the server to these CPUs, e.g. '1'")
    options = parser.parse_args()
    cpus = {int(cpu) for cpu in options.server_cpus.split(",") if cpu} or None
    rates: dict[str, list[float]] = {name: [] for name in VARIANTS}
    scrapes: dict[str, list[int]] = {name: [] for name in VARIANTS}
    cpu_per_request: dict[str, list[float]] = {name: [] for name in VARIANTS}
    with (
        tempfile.TemporaryDirectory() as folder,
        mock_server(MockServerConfig(ttft_ms=0, itl_ms=0, output_tokens="64"), in_process=False, cpus=cpus) as server,
    ):
        for round_index in range(options.rounds):
            order = list(VARIANTS.items())
            order = order[round_index % len(order) :] + order[: round_index % len(order)]
            for name, interval in order:
                out = Path(folder) / "run.json"
                args = ["run", "-b", "openai_http", "--backend-kwargs", json.dumps({"target": server.url})]
                args += ["-p", "throughput", "-c", str(options.concurrency), "-t", str(options.seconds)]
                args += ["--warmup", "1s", "--no-records", "-q", "--data", "prompt_tokens=32,output_tokens=64"]
                args += ["-o", str(out)]
                if interval is not None:
                    args += ["--collector", "prometheus:" + json.dumps({"interval_s": interval})]
                result = run_cli(args)
                if result.returncode != 0:
                    raise SystemExit(f"FAIL: gaugellm exited with {result.returncode}: {result.stderr.strip()}")
                report = load_json(out)
                metrics = report["benchmarks"][0]["metrics"]
                rates[name].append(metrics["request_rate"] or 0.0)
                sent = metrics["requests"]["total"] / max(1e-9, 1.0 - 1.0 / options.seconds)  # warm-up ones too
                cpu_per_request[name].append(result.cpu_s * 1000 / max(1.0, sent))
                collected = report.get("collectors") or []
                scrapes[name].append(len(collected[0]["times_s"]) if collected else 0)
                if collected and collected[0]["failures"]:
                    raise SystemExit(f"FAIL: {collected[0]['failures']} scrapes failed: {collected[0]['last_error']}")
    print(f"conditions: {conditions()}")
    print(f"{options.rounds} rounds of {options.seconds:g} s, concurrency bound {options.concurrency}")
    baseline = statistics.median(rates["none"])
    paired = {
        name: sorted(1 - rate / none for rate, none in zip(rates[name], rates["none"], strict=True))
        for name in VARIANTS
        if name != "none"
    }
    for name in VARIANTS:
        median = statistics.median(rates[name])
        runs = ", ".join(f"{rate:.0f}" for rate in rates[name])
        cost = 1 - median / baseline
        cpu = statistics.median(cpu_per_request[name])
        line = f"{name:<26} median {median:7.0f} req/s  (rounds: {runs})  samples per run: {scrapes[name]}"
        line += f"; client CPU {cpu:.3f} ms per request"
        print(line + ("" if name == "none" else f"  cost {cost:+.1%}"))
        if name != "none":
            rounds = paired[name]
            print(
                f"{'':<26} paired by round: median cost {statistics.median(rounds):+.1%} "
                f"(middle half {rounds[len(rounds) // 4]:+.1%} to {rounds[(3 * len(rounds)) // 4]:+.1%})"
            )
    worst = max(statistics.median(rounds) for rounds in paired.values())
    verdict(worst < TARGET_COST, f"worst cost {worst:+.1%} of the max rate (target < {TARGET_COST:.0%})")


if __name__ == "__main__":
    main()
