"""Benchmark (a): the highest request rate one machine drives, and the client's CPU per request.

The simulated server answers at zero latency with 64-token streams, on the same machine (a child process). The run
is ``gaugellm run --profile throughput`` for a fixed time; the achieved rate is the report's request rate and the
client's CPU is the user + system time of gaugellm and its workers (from ``wait4``), divided by the requests it sent.
Target: at least 1,500 requests per second.

    hatch run python benchmarks/runner_max_rate.py [--seconds 15] [--concurrency 64] [--workers N] [--server-cpus 1]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from runner_support import conditions, load_json, run_cli, verdict

from gaugellm_openai.mock import MockServerConfig, mock_server

TARGET_RPS = 1500.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--server-cpus", default="", help="pin the server to these CPUs, e.g. '1'")
    options = parser.parse_args()
    cpus = {int(cpu) for cpu in options.server_cpus.split(",") if cpu} or None
    with (
        tempfile.TemporaryDirectory() as folder,
        mock_server(MockServerConfig(ttft_ms=0, itl_ms=0, output_tokens="64"), in_process=False, cpus=cpus) as server,
    ):
        out = Path(folder) / "run.json"
        kwargs = {"target": server.url}
        args = ["run", "-b", "openai_http", "--backend-kwargs", json.dumps(kwargs), "-p", "throughput"]
        args += ["-c", str(options.concurrency), "-t", str(options.seconds), "--warmup", "1s", "--no-records", "-q"]
        args += ["--data", "prompt_tokens=32,output_tokens=64", "-o", str(out)]
        if options.workers:
            args += ["--workers", str(options.workers)]
        result = run_cli(args)
        if result.returncode != 0:
            raise SystemExit(f"FAIL: gaugellm exited with {result.returncode}: {result.stderr.strip()}")
        report = load_json(out)
    bench = report["benchmarks"][0]
    metrics = bench["metrics"]
    rate = metrics["request_rate"] or 0.0
    requests = metrics["requests"]
    sent = requests["total"] / max(1e-9, 1.0 - 1.0 / options.seconds)  # warm-up requests were sent too
    tokens = metrics["tokens"]["output_tokens"] / max(1, requests["successful"])
    print(f"conditions: {conditions()}; server pinned to {sorted(cpus) if cpus else 'any CPU'}")
    print(f"workers: {report['environment']['executor']['workers']}, concurrency bound {options.concurrency}")
    print(f"requests measured: {requests['total']} ({requests['successful']} ok, {requests['errored']} errors)")
    print(f"achieved rate: {rate:.0f} req/s; output tokens per request: {tokens:.1f}")
    print(
        f"client CPU: {result.cpu_s:.2f} s over {result.wall_s:.1f} s wall = {result.cpu_s / result.wall_s:.2f} cores; "
        f"{result.cpu_s * 1000 / max(1.0, sent):.3f} ms per request (start-up included)"
    )
    print(
        f"of which the main process (scheduling, collecting, metrics): {result.main_cpu_s:.2f} s = "
        f"{result.main_cpu_s * 1000 / max(1.0, sent):.3f} ms per request; the rest is the workers (backend + runtime)"
    )
    print(f"dispatch lag p50/p99: {metrics['dispatch_lag']['p50']} / {metrics['dispatch_lag']['p99']} ms")
    verdict(rate >= TARGET_RPS, f"{rate:.0f} req/s (target >= {TARGET_RPS:.0f})")


if __name__ == "__main__":
    main()
