"""CPU time the ``openai_http`` client spends per streamed 64-token request.

The simulated server runs at zero latency in a child process (pinned to another core when there are two), so the
client process's CPU time (``time.process_time``: user + system, all threads) divided by the number of requests is
the client's cost: HTTP, SSE parsing, JSON decoding and recording. Target: at most 1.5 ms per request.

    hatch run python benchmarks/openai_client_cost.py [--requests 4000] [--concurrency 32] [--repeat 3] [--tokens 64]
        [--loop auto|asyncio|uvloop] [--itl-ms 0] [--request-format chat[,responses,...]]

At ``--itl-ms 0`` a response arrives in a few reads; ``--itl-ms 1`` (say) paces the server so that every token is a
read of its own, as from a real server, which shows the cost per read.

The client runs on uvloop when it is installed (as the runner's workers do; ``--loop asyncio`` to compare).

``--request-format chat,responses`` measures each format in turn (alternating, so that a busy machine affects them
alike) and compares each one's best with the first's: a format other than the first passes within 20 % of it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Callable, Coroutine
from typing import Any

from gaugellm import GenerationRequest, GenerationResponse
from gaugellm_openai.args import OpenAIHTTPBackendArgs
from gaugellm_openai.backend import OpenAIHTTPBackend
from gaugellm_openai.mock import MockServerConfig, mock_server

TARGET_MS = 1.5
OUTPUT_TOKENS = 64
FORMATS = ("chat", "completions", "responses")
RELATIVE_TARGET = 1.2  # another format's cost over the first format's


async def run_once(
    url: str, requests: int, concurrency: int, tokens: int, request_format: str = "chat"
) -> tuple[float, float, int]:
    """Returns (CPU ms per request, wall seconds, failed requests)."""
    args = OpenAIHTTPBackendArgs(target=url, max_tokens=tokens, ignore_eos=True, request_format=request_format)
    backend = OpenAIHTTPBackend(args)
    await backend.process_startup()
    await backend.validate()
    failed = 0
    tokens_ok = True

    async def one(number: int) -> None:
        nonlocal failed, tokens_ok
        request = GenerationRequest(str(number), prompt="Tell me a story about load testing.", max_tokens=tokens)
        response = GenerationResponse(request.request_id)
        await backend.resolve(request, response)
        if not response.ok:
            failed += 1
        elif len(response.chunk_times_ns) != tokens:
            tokens_ok = False

    async def worker(numbers: range) -> None:
        for number in numbers:
            await one(number)

    await asyncio.gather(*(worker(range(i, 200, concurrency)) for i in range(concurrency)))  # warm-up
    per_worker = requests // concurrency
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(range(per_worker)) for _ in range(concurrency)))
    cpu1, wall1 = time.process_time(), time.perf_counter()
    await backend.process_shutdown()
    if not tokens_ok:
        raise SystemExit(f"FAIL: a response did not carry {tokens} chunks")
    done = per_worker * concurrency
    return (cpu1 - cpu0) * 1000 / done, wall1 - wall0, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=OUTPUT_TOKENS, help="tokens per response (the target is for 64)")
    parser.add_argument("--itl-ms", type=float, default=0.0, help="server's inter-token latency (0: unpaced)")
    parser.add_argument("--loop", choices=["auto", "asyncio", "uvloop"], default="auto", help="the client's event loop")
    parser.add_argument(
        "--request-format",
        default="chat",
        help=f"comma-separated formats to measure, each against the first: {', '.join(FORMATS)} (default: chat)",
    )
    options = parser.parse_args()
    formats = [name.strip() for name in options.request_format.split(",") if name.strip()]
    unknown = [name for name in formats if name not in FORMATS]
    if not formats or unknown:
        parser.error(f"--request-format takes {', '.join(FORMATS)}, comma-separated; got {options.request_format!r}")
    run: Callable[[Coroutine[Any, Any, tuple[float, float, int]]], tuple[float, float, int]] = asyncio.run
    loop_name = "asyncio"
    if options.loop != "asyncio":
        try:
            import uvloop

            run, loop_name = uvloop.run, "uvloop"
        except ImportError:
            if options.loop == "uvloop":
                raise SystemExit("uvloop is not installed: pip install 'gaugellm[uvloop]'") from None
    cores = sorted(os.sched_getaffinity(0))
    server_cpus = {cores[-1]} if len(cores) > 1 else None
    if server_cpus:
        os.sched_setaffinity(0, set(cores[:-1]))  # the client on the other core(s)
    config = MockServerConfig(output_tokens=str(options.tokens), itl_ms=options.itl_ms)
    results: dict[str, list[float]] = {name: [] for name in formats}
    with mock_server(config, in_process=False, cpus=server_cpus) as server:
        for attempt in range(options.repeat):
            for name in formats:
                measured = run_once(server.url, options.requests, options.concurrency, options.tokens, name)
                cpu_ms, wall, failed = run(measured)
                results[name].append(cpu_ms)
                print(
                    f"run {attempt + 1} {name}: {cpu_ms:.3f} ms CPU per request, {options.requests / wall:,.0f} req/s, "
                    f"{failed} failed ({loop_name}; client cores {sorted(os.sched_getaffinity(0))}, "
                    f"server cores {server_cpus})"
                )
    first = min(results[formats[0]])
    for name in formats:
        best = min(results[name])
        verdict = "PASS" if best <= TARGET_MS else "FAIL"
        line = f"{name}: client CPU per streamed {options.tokens}-token request: best {best:.3f} ms"
        line += f" (target <= {TARGET_MS} ms): {verdict}"
        if name != formats[0]:
            ratio = best / first
            relative = "PASS" if ratio <= RELATIVE_TARGET else "FAIL"
            line += f"; {ratio:.2f}x {formats[0]} (target <= {RELATIVE_TARGET:.1f}x): {relative}"
        print(line)


if __name__ == "__main__":
    main()
