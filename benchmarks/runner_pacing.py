"""Benchmark (b): pacing at a constant 500 requests per second against a server with TTFT 50 ms and ITL 5 ms.

Each request streams 64 tokens, so about 180 are in flight at once. Targets: the achieved request rate within 1 %
of 500/s, and the 99th percentile of dispatch lag (dispatch - scheduled time) at most 1 ms. The achieved rate here
is the *sending* rate (requests over the span of their scheduled... dispatch times), which is what pacing controls;
the report's completion-based request rate is printed beside it.

    hatch run python benchmarks/runner_pacing.py [--rate 500] [--seconds 20] [--workers N] [--backend runner_fake]

``--backend runner_fake`` replaces the HTTP client and the server by the runner tests' in-worker fake backend with
the same timing (50 ms to the first token, 5 ms between tokens): it measures the runner's pacing on its own.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
from pathlib import Path

from runner_support import conditions, fake_backend_env, load_json, run_cli, verdict

from gaugellm_openai.mock import MockServerConfig, mock_server

LAG_P99_TARGET_MS = 1.0
RATE_TOLERANCE = 0.01


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--backend", choices=["openai_http", "runner_fake"], default="openai_http")
    parser.add_argument(
        "--no-verify",
        action="store_true",
        help="openai_http: verify=false (the server is plain HTTP anyway); skips loading the CA bundle per pool shard",
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        env = None
        if options.backend == "openai_http":
            config = MockServerConfig(ttft_ms=50, itl_ms=5, output_tokens="64")
            server = stack.enter_context(mock_server(config, in_process=False))
            kwargs: dict[str, object] = {"target": server.url}
            if options.no_verify:
                kwargs["verify"] = False
        else:
            env = fake_backend_env(Path(folder))
            kwargs = {"ttft_ms": 50, "itl_ms": 5, "tokens": 64}
        out = Path(folder) / "run.json"
        args = ["run", "-b", options.backend, "--backend-kwargs", json.dumps(kwargs)]
        args += ["-p", "constant", "-r", str(options.rate), "-t", str(options.seconds), "--warmup", "2s"]
        args += ["--cooldown", "1s", "--data", "prompt_tokens=32,output_tokens=64", "-q", "-o", str(out)]
        if options.workers:
            args += ["--workers", str(options.workers)]
        result = run_cli(args, env=env, sampling=False)
        if result.returncode != 0:
            raise SystemExit(f"FAIL: gaugellm exited with {result.returncode}: {result.stderr.strip()}")
        report = load_json(out)
    bench = report["benchmarks"][0]
    metrics = bench["metrics"]
    records = bench["records"]
    dispatched = sorted(ms for ms in records["dispatched_ms"] if ms is not None)
    send_rate = (len(dispatched) - 1) / ((dispatched[-1] - dispatched[0]) / 1000) if len(dispatched) > 1 else 0.0
    lag = metrics["dispatch_lag"]
    counts = metrics["requests"]
    workers = report["environment"]["executor"]["workers"]
    print(f"backend: {options.backend}; workers: {workers}; conditions: {conditions()}")
    print(
        f"requests measured: {counts['total']} ({counts['successful']} ok, {counts['errored']} errors, "
        f"{counts['incomplete']} cancelled at the end)"
    )
    print(
        f"sending rate: {send_rate:.2f} req/s (target {options.rate:g}); report request rate {metrics['request_rate']}"
    )
    print(f"dispatch lag ms: p50 {lag['p50']}, p90 {lag['p90']}, p99 {lag['p99']}, max {lag['max']}")
    print(f"TTFT ms p50/p99: {metrics['ttft']['p50']} / {metrics['ttft']['p99']}")
    print(f"ITL ms p50/p99: {metrics['itl']['p50']} / {metrics['itl']['p99']}")
    print(
        f"client CPU: {result.cpu_s:.2f} s over {result.wall_s:.1f} s wall ({result.cpu_s / result.wall_s:.2f} cores)"
    )
    rate_ok = abs(send_rate - options.rate) <= RATE_TOLERANCE * options.rate
    verdict(rate_ok, f"sending rate {send_rate:.2f} req/s within 1 % of {options.rate:g}")
    lag_p99 = lag["p99"] if lag["p99"] is not None else float("inf")
    verdict(lag_p99 <= LAG_P99_TARGET_MS, f"p99 dispatch lag {lag_p99:.3f} ms (target <= {LAG_P99_TARGET_MS} ms)")


if __name__ == "__main__":
    main()
