"""How many streamed 64-token requests a second the simulated server answers on one core.

The server runs alone on one core (``taskset``-style pinning of its child process); a lean load generator, raw
sockets on an asyncio ``Protocol``, runs on the other core and keeps ``--connections`` keep-alive connections busy
with streaming requests (``stream: true``, ``stream_options.include_usage``, 64 tokens, zero delays), counting
complete responses. Target: at least 2,000 requests a second.

    hatch run python benchmarks/mock_server_throughput.py [--seconds 5] [--connections 64] [--repeat 3]
    hatch run python benchmarks/mock_server_throughput.py --itl-ms 1   # paced streams (informative, no target)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

from gaugellm_openai.mock import MockServerConfig, mock_server

TARGET_RPS = 2000.0
TOKENS = 64
_END = b"\r\n0\r\n\r\n"  # the terminating chunk after the last data chunk


class LoadConnection(asyncio.Protocol):
    """One keep-alive connection: send a request, read to the end of its chunked response, send the next."""

    def __init__(self, request: bytes, counter: list[int], stop_at: float, done: asyncio.Future[None]) -> None:
        self._request = request
        self._counter = counter
        self._stop_at = stop_at
        self._done = done
        self._tail = b""
        self._transport: asyncio.Transport | None = None
        self.first_response = b""
        self._keep_first = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        self._counter[1] += len(data)
        if self._keep_first:
            self.first_response += data
        tail = self._tail + data[-len(_END) :]
        if tail.endswith(_END):
            self._keep_first = False
            self._counter[0] += 1
            self._tail = b""
            assert self._transport is not None
            if time.perf_counter() < self._stop_at:
                self._transport.write(self._request)
            else:
                self._transport.close()
        else:
            self._tail = tail[-len(_END) :]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._done.done():
            self._done.set_result(None)


async def drive(port: int, connections: int, seconds: float) -> tuple[float, float, LoadConnection]:
    """Returns (responses per second, bytes per response, one connection to check what it received)."""
    body = json.dumps(
        {"prompt": "Benchmark me.", "stream": True, "stream_options": {"include_usage": True}, "max_tokens": TOKENS}
    ).encode()
    request = (
        b"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    loop = asyncio.get_running_loop()
    counter = [0, 0]  # responses, bytes
    stop_at = time.perf_counter() + seconds
    protocols = []
    waits = []
    start = time.perf_counter()
    for _ in range(connections):
        done: asyncio.Future[None] = loop.create_future()
        _, protocol = await loop.create_connection(
            lambda done=done: LoadConnection(request, counter, stop_at, done), "127.0.0.1", port
        )
        protocols.append(protocol)
        waits.append(done)
    await asyncio.wait_for(asyncio.gather(*waits), seconds + 30)
    elapsed = time.perf_counter() - start
    return counter[0] / elapsed, counter[1] / max(counter[0], 1), protocols[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--itl-ms", type=float, default=0.0, help="pace the streams (no target then)")
    options = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0))
    server_cpus = {cores[-1]} if len(cores) > 1 else None
    if server_cpus:
        os.sched_setaffinity(0, set(cores[:-1]))
    config = MockServerConfig(output_tokens=str(TOKENS), itl_ms=options.itl_ms)
    results = []
    with mock_server(config, in_process=False, cpus=server_cpus) as server:
        for attempt in range(options.repeat):
            rate, size, sample = asyncio.run(drive(server.port, options.connections, options.seconds))
            tokens = sample.first_response.count(b'"text"')
            if tokens != TOKENS or b'"usage"' not in sample.first_response:
                raise SystemExit(f"FAIL: a response carried {tokens} tokens, not {TOKENS}")
            results.append(rate)
            print(
                f"run {attempt + 1}: {rate:,.0f} streamed {TOKENS}-token req/s ({rate * TOKENS:,.0f} tokens/s, "
                f"{size:,.0f} bytes/response), "
                f"{options.connections} connections, {options.seconds:.0f} s, itl {options.itl_ms} ms, "
                f"server cores {sorted(server_cpus) if server_cpus else 'shared'}, client cores "
                f"{sorted(os.sched_getaffinity(0))}"
            )
    best = max(results)
    if options.itl_ms:
        print(f"best: {best:,.0f} req/s (paced; the target applies to unpaced streams)")
    else:
        print(f"best: {best:,.0f} req/s (target >= {TARGET_RPS:,.0f}): {'PASS' if best >= TARGET_RPS else 'FAIL'}")


if __name__ == "__main__":
    main()
