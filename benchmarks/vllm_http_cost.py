"""What HTTP costs: one model and one workload, measured in-process (``--backend vllm``) and through vLLM's server.

The same tiny model (built here, into a temp folder, by ``tests/vllm/tiny_model.py``), the same engine settings, the
same synthetic data (counted with the model's tokenizer, plain prompts: ``/v1/completions``, no chat template on either
side), the same profile, one worker process each, prefix caching off on both sides (the server's engine lives across
runs and would otherwise see the same seeded prompts twice). Output tokens/s and TTFT (p50, mean) side by side, and
the difference: the cost of vLLM's OpenAI server, the HTTP client and the JSON/SSE in between.

    hatch run vllm:python benchmarks/vllm_http_cost.py [--concurrency 1,8] [--requests 48] [--warmup 8]
        [--prompt-tokens 128] [--output-tokens 64] [--rounds 1]

Runs are interleaved (in-process, HTTP, in-process, HTTP, ...) so that a change of machine load hits both sides. The
server (``python -m vllm.entrypoints.openai.api_server``) is started once and stopped by its PID at the end; each
in-process run starts its own engine (~20 s). Nothing is written outside the temp folder, which is removed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TESTS_VLLM = HERE.parent / "tests" / "vllm"

ENGINE_CONFIG: dict[str, Any] = {
    "enforce_eager": True,
    "max_model_len": 512,
    "dtype": "float32",
    "enable_prefix_caching": False,
}
SERVER_ARGS = ("--enforce-eager", "--max-model-len", "512", "--dtype", "float32", "--no-enable-prefix-caching")


@dataclass
class Measured:
    side: str  # "in-process" or "http"
    concurrency: int
    ok: int
    errors: int
    tokens_per_s: float
    ttft_p50: float
    ttft_mean: float
    itl_p50: float
    latency_p50: float
    output_tokens_exact: bool
    wall_s: float  # the whole run, start-up included


def _import_test_helpers() -> None:
    """``tiny_model``, ``vllm_env`` and ``vllm_openai_server`` live beside the tests and import each other by name."""
    if str(TESTS_VLLM) not in sys.path:
        sys.path.insert(0, str(TESTS_VLLM))


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


async def _measure(
    side: str, backend: dict[str, Any], concurrency: int, options: argparse.Namespace, model_dir: Path
) -> Measured:
    from gaugellm.runner import RunConfig, execute_run

    config = RunConfig.parse(
        {
            "backend": backend,
            "profile": "concurrent",
            "concurrency": concurrency,
            "max_requests": options.requests + options.warmup,
            "warmup": str(options.warmup),
            "data": f"prompt_tokens={options.prompt_tokens},output_tokens={options.output_tokens}",
            "tokenizer": str(model_dir),
            "workers": 1,
            "seed": 42,
        }
    )
    started = time.perf_counter()
    result = await execute_run(config, raise_on_incomplete=False, handle_signals=False)
    wall_s = time.perf_counter() - started
    if result.error is not None or not result.report.benchmarks:
        raise SystemExit(f"FAIL: the {side} run at concurrency {concurrency} did not complete: {result.error}")
    benchmark = result.report.benchmarks[0]
    metrics = benchmark.metrics
    rows = benchmark.records.rows() if benchmark.records is not None else []
    exact = bool(rows) and all(row.output_tokens == options.output_tokens for row in rows if row.status == "ok")
    return Measured(
        side=side,
        concurrency=concurrency,
        ok=metrics.requests.successful,
        errors=metrics.requests.errored,
        tokens_per_s=metrics.output_tokens_per_s,
        ttft_p50=_stat(metrics.ttft, "p50"),
        ttft_mean=_stat(metrics.ttft, "mean"),
        itl_p50=_stat(metrics.itl, "p50"),
        latency_p50=_stat(metrics.latency, "p50"),
        output_tokens_exact=exact,
        wall_s=wall_s,
    )


def _stat(distribution: Any, name: str) -> float:
    value = getattr(distribution, name, None) if distribution is not None else None
    return float(value) if value is not None else float("nan")


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _print_table(results: list[Measured], concurrencies: list[int], rounds: int) -> None:
    print()
    print(
        f"{'concurrency':>11}  {'side':<10}  {'ok':>4}  {'err':>3}  {'out tok/s':>9}  {'TTFT p50':>8}  "
        f"{'TTFT mean':>9}  {'ITL p50':>7}  {'lat p50':>7}  {'exact':>5}  {'run s':>5}"
    )
    for measured in results:
        print(
            f"{measured.concurrency:>11}  {measured.side:<10}  {measured.ok:>4}  {measured.errors:>3}  "
            f"{measured.tokens_per_s:>9.0f}  {measured.ttft_p50:>8.2f}  {measured.ttft_mean:>9.2f}  "
            f"{measured.itl_p50:>7.2f}  {measured.latency_p50:>7.1f}  {measured.output_tokens_exact!s:>5}  "
            f"{measured.wall_s:>5.1f}"
        )
    print("times in ms; TTFT from dispatch; exact: every request produced exactly the output tokens asked for")
    print()
    label = "median of rounds" if rounds > 1 else "one round"
    print(f"The cost of HTTP ({label}): HTTP minus in-process")
    print(f"{'concurrency':>11}  {'out tok/s':>22}  {'TTFT p50 (ms)':>22}  {'TTFT mean (ms)':>22}")
    for concurrency in concurrencies:
        mine = [m for m in results if m.concurrency == concurrency]
        local = [m for m in mine if m.side == "in-process"]
        http = [m for m in mine if m.side == "http"]
        tps_l, tps_h = _median([m.tokens_per_s for m in local]), _median([m.tokens_per_s for m in http])
        p50_l, p50_h = _median([m.ttft_p50 for m in local]), _median([m.ttft_p50 for m in http])
        mean_l, mean_h = _median([m.ttft_mean for m in local]), _median([m.ttft_mean for m in http])
        print(
            f"{concurrency:>11}  {f'{tps_l:.0f} -> {tps_h:.0f} ({(tps_h / tps_l - 1) * 100:+.0f} %)':>22}  "
            f"{f'{p50_l:.2f} -> {p50_h:.2f} ({p50_h - p50_l:+.2f})':>22}  "
            f"{f'{mean_l:.2f} -> {mean_h:.2f} ({mean_h - mean_l:+.2f})':>22}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--concurrency", default="1,8", help="comma-separated; one run per value and side")
    parser.add_argument("--requests", type=int, default=48, help="measured requests per run (after the warm-up)")
    parser.add_argument("--warmup", type=int, default=8, help="requests per run left out of the results")
    parser.add_argument("--prompt-tokens", type=int, default=128)
    parser.add_argument("--output-tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=1, help="repeat the whole comparison; the summary is the median")
    options = parser.parse_args()
    concurrencies = [int(value) for value in options.concurrency.split(",")]

    _import_test_helpers()
    from tiny_model import build_tiny_model
    from vllm_env import vllm_cpu_env

    # A short name: vLLM's IPC socket paths go under it, and a Unix socket path has at most 107 characters.
    root = Path(tempfile.mkdtemp(prefix="vhc-"))
    try:
        # Caches, compile artefacts, IPC sockets of the engines and the server: all under root (also the workers').
        os.environ.update(vllm_cpu_env(root / "rt"))
        os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")  # both sides alike; keeps the table readable
        tempfile.tempdir = os.environ["TMPDIR"]
        print(f"gaugellm vllm_http_cost on {platform.machine()}, Python {platform.python_version()}; {_load()}")
        started = time.perf_counter()
        model_dir = build_tiny_model(root / "model", seed=0, dtype="float32")
        print(f"tiny model built in {time.perf_counter() - started:.1f} s: {model_dir}")
        results = _compare(options, concurrencies, root, model_dir)
        _print_table(results, concurrencies, options.rounds)
        print(f"\nafter: {_load()}")
        if not all(m.output_tokens_exact and m.errors == 0 for m in results):
            raise SystemExit("FAIL: a run had errors or inexact output token counts")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _compare(options: argparse.Namespace, concurrencies: list[int], root: Path, model_dir: Path) -> list[Measured]:
    from vllm_openai_server import serve_openai

    results: list[Measured] = []
    started = time.perf_counter()
    with serve_openai(model_dir, root / "srv", extra_args=SERVER_ARGS) as server:
        print(f"vLLM's OpenAI server ready in {time.perf_counter() - started:.1f} s (pid {server.pid})")
        local_backend = {"type": "vllm", "model": str(model_dir), "vllm_config": ENGINE_CONFIG, "ignore_eos": True}
        http_backend = {
            "type": "openai_http",
            "target": server.base_url,
            "request_format": "/v1/completions",
            "ignore_eos": True,
        }
        for round_number in range(options.rounds):
            for concurrency in concurrencies:
                for side, backend in (("in-process", local_backend), ("http", http_backend)):
                    measured = asyncio.run(_measure(side, backend, concurrency, options, model_dir))
                    results.append(measured)
                    print(
                        f"round {round_number + 1}, concurrency {concurrency}, {side}: "
                        f"{measured.tokens_per_s:.0f} tok/s, TTFT p50 {measured.ttft_p50:.2f} ms "
                        f"({measured.wall_s:.1f} s; {_load()})",
                        flush=True,
                    )
    return results


if __name__ == "__main__":
    main()
