"""The simulated server's serving model: N slots, a FIFO queue, a growing ITL, and its capacity in closed form.

Every test talks real HTTP over loopback to a server in a thread of this process. Timing assertions compare shapes
(who waited, who went first, what grew) with loose margins, never absolute targets: the machine is shared.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import ValidationError

from gaugellm_openai.mock import MockServer, MockServerConfig, closed_form_capacity

if TYPE_CHECKING:  # fixtures' types only: test modules import nothing from conftest at run time
    from .conftest import StartServer

_END = b"\r\n0\r\n\r\n"  # the terminating chunk of a chunked response


class StreamClient:
    """One keep-alive connection streaming completions, noting when each token arrives (``time.monotonic``)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.sent = 0.0
        self.token_times: list[float] = []
        self.ended = 0.0

    @classmethod
    async def connect(cls, server: MockServer) -> StreamClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        return cls(reader, writer)

    async def send(self, *, stream: bool = True) -> None:
        body = json.dumps({"prompt": "hi", "stream": stream}).encode()
        head = b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
        self.token_times = []
        self.sent = time.monotonic()
        self.writer.write(head + body)
        await self.writer.drain()

    @property
    def ttft(self) -> float:
        return self.token_times[0] - self.sent

    async def read_tokens(self, count: int | None = None) -> None:
        """Read until ``count`` tokens have arrived in all (None: until the response ends)."""
        tail = b""
        while count is None or len(self.token_times) < count:
            data = await self.reader.read(65536)
            now = time.monotonic()
            assert data, "the server closed the connection"
            self.token_times += [now] * data.count(b'"text"')
            tail = (tail + data)[-len(_END) :]
            if count is None and tail == _END:
                self.ended = now
                return

    async def status(self) -> int:
        """The status of a whole (unstreamed) response, read to its end."""
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        await self.reader.readexactly(length)
        self.ended = time.monotonic()
        return int(head.split(b" ")[1])

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def request(server: MockServer) -> StreamClient:
    client = await StreamClient.connect(server)
    await client.send()
    await client.read_tokens()
    await client.close()
    return client


async def stats(server: MockServer) -> dict[str, Any]:
    return await asyncio.to_thread(server.stats)  # not on this loop: it would hold up the streams' reads


async def wait_for_stats(server: MockServer, **expected: int) -> dict[str, Any]:
    deadline = time.monotonic() + 5
    while True:
        found = await stats(server)
        if all(found[key] == value for key, value in expected.items()) or time.monotonic() > deadline:
            assert {key: found[key] for key in expected} == expected
            return found
        await asyncio.sleep(0.005)


# -- queueing -----------------------------------------------------------------------------------------------------


async def test_requests_past_the_slots_wait_one_service_time(start_server: StartServer) -> None:
    service = 0.030 + 7 * 0.010  # ttft + (n - 1) x itl
    server = start_server(max_streams=2, ttft_ms=30, itl_ms=10, output_tokens="8")
    clients = await asyncio.gather(*(request(server) for _ in range(4)))
    first, waited = sorted(clients, key=lambda client: client.ttft)[:2], sorted(clients, key=lambda c: c.ttft)[2:]
    assert max(client.ttft for client in first) < service  # served on arrival
    assert min(client.ttft for client in waited) - max(client.ttft for client in first) > 0.7 * service
    assert all(len(client.token_times) == 8 for client in clients)
    found = await stats(server)
    assert (found["admitted"], found["queued"], found["active_streams"], found["completed"]) == (4, 0, 0, 4)


async def test_admission_is_first_come_first_served_and_stats_show_the_queue(start_server: StartServer) -> None:
    server = start_server(max_streams=1, ttft_ms=20, itl_ms=10, output_tokens="5")
    clients = [await StreamClient.connect(server) for _ in range(4)]
    for client in clients:  # one after the other: arrival order is sending order
        await client.send()
        await asyncio.sleep(0.005)
    await wait_for_stats(server, active_streams=1, queued=3, admitted=1, requests=4)
    await asyncio.gather(*(client.read_tokens() for client in clients))
    firsts = [client.token_times[0] for client in clients]
    assert firsts == sorted(firsts)
    ends = [client.ended for client in clients]
    assert all(later > earlier for earlier, later in itertools.pairwise(ends))
    for client in clients:
        await client.close()
    await wait_for_stats(server, active_streams=0, queued=0, admitted=4, completed=4)


async def test_a_client_leaving_the_queue_takes_no_slot(start_server: StartServer) -> None:
    ttft, service = 0.020, 0.020 + 9 * 0.010
    server = start_server(max_streams=1, ttft_ms=20, itl_ms=10, output_tokens="10")
    served, leaving, after = [await StreamClient.connect(server) for _ in range(3)]
    await served.send()
    await leaving.send()
    await wait_for_stats(server, active_streams=1, queued=1)
    await leaving.close()
    await wait_for_stats(server, queued=0, cancelled=1)
    await after.send()
    await asyncio.gather(served.read_tokens(), after.read_tokens())
    # admitted when the served one ended, not one service time later (as if the one that left had been served)
    assert after.token_times[0] - served.ended < ttft + service / 2
    for client in (served, after):
        await client.close()
    await wait_for_stats(server, admitted=2, completed=2, queued=0, active_streams=0)


async def test_a_client_leaving_mid_stream_frees_its_slot(start_server: StartServer) -> None:
    server = start_server(max_streams=1, ttft_ms=20, itl_ms=20, output_tokens="50")  # a second of service
    leaving, waiting = await StreamClient.connect(server), await StreamClient.connect(server)
    await leaving.send()
    await leaving.read_tokens(1)
    await waiting.send()
    await wait_for_stats(server, queued=1)
    left = time.monotonic()
    await leaving.close()
    await waiting.read_tokens()
    assert waiting.token_times[0] - left < 0.3  # the slot passed on at once, not at the stream's planned end
    await waiting.close()
    await wait_for_stats(server, admitted=2, cancelled=1, completed=1, active_streams=0)


async def test_unstreamed_requests_hold_a_slot_and_injected_errors_need_none(start_server: StartServer) -> None:
    # seed 0 draws 0.84, 0.76, 0.42 against error_rate 0.5: served, queued, failed at once
    server = start_server(max_streams=1, ttft_ms=20, itl_ms=20, output_tokens="20", error_rate=0.5, seed=0)
    served, queued, failed = [await StreamClient.connect(server) for _ in range(3)]
    await served.send(stream=False)
    await queued.send(stream=False)
    await wait_for_stats(server, active_streams=1, queued=1)
    await failed.send(stream=False)
    assert await failed.status() == 500
    assert (await stats(server))["queued"] == 1  # the failed one never waited: the served one still holds the slot
    assert await served.status() == 200
    assert await queued.status() == 200
    assert queued.ended - served.ended > 0.2  # it was served after the first, not beside it
    for client in (served, queued, failed):
        await client.close()
    await wait_for_stats(server, admitted=2, errors_injected=1)


# -- the batch-size effect ----------------------------------------------------------------------------------------


def gaps(client: StreamClient) -> float:
    times = client.token_times
    return statistics.median(later - earlier for earlier, later in itertools.pairwise(times))


async def test_itl_grows_with_the_streams_being_served(start_server: StartServer) -> None:
    server = start_server(max_streams=3, ttft_ms=5, itl_ms=5, itl_growth_ms=10, output_tokens="12")
    alone = await request(server)
    together = await asyncio.gather(*(request(server) for _ in range(3)))
    assert gaps(alone) < 0.015  # 5 ms
    assert all(gaps(client) > gaps(alone) + 0.010 for client in together)  # 25 ms with three served


async def test_without_growth_the_itl_stays_fixed_under_load(start_server: StartServer) -> None:
    server = start_server(max_streams=3, ttft_ms=5, itl_ms=10, output_tokens="12")
    together = await asyncio.gather(*(request(server) for _ in range(3)))
    assert all(0.007 < gaps(client) < 0.014 for client in together)


# -- capacity -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("growth_ms", [0, 2])
async def test_saturated_throughput_matches_the_closed_form(start_server: StartServer, growth_ms: float) -> None:
    config: dict[str, Any] = {"max_streams": 4, "ttft_ms": 20, "itl_ms": 5, "output_tokens": "16"}
    config["itl_growth_ms"] = growth_ms
    expected = closed_form_capacity(MockServerConfig(**config))
    server = start_server(**config)
    stop_at = time.monotonic() + 2.5
    ends: list[float] = []

    async def keep_busy() -> None:
        client = await StreamClient.connect(server)
        while time.monotonic() < stop_at:
            await client.send()
            await client.read_tokens()
            ends.append(client.ended)
        await client.close()

    await asyncio.gather(*(keep_busy() for _ in range(12)))  # three times the slots: the queue never empties
    ends.sort()
    # from the end of the first batch of N (admitted together) on, each slot completes one request per service time
    measured = (len(ends) - 4) / (ends[-1] - ends[3])
    assert measured == pytest.approx(expected, rel=0.10)


def test_closed_form_capacity_values() -> None:
    fixed = MockServerConfig(max_streams=8, ttft_ms=50, itl_ms=10, output_tokens="64")
    assert closed_form_capacity(fixed) == pytest.approx(8 / (0.050 + 63 * 0.010))
    assert closed_form_capacity(fixed, output_tokens=1) == pytest.approx(8 / 0.050)
    growing = MockServerConfig(max_streams=4, ttft_ms=20, itl_ms=5, itl_growth_ms=1, output_tokens="64")
    assert closed_form_capacity(growing) == pytest.approx(4 / (0.020 + 63 * (0.005 + 0.001 * 3)))
    ranged = MockServerConfig(max_streams=2, itl_ms=10, output_tokens="8-32")
    assert closed_form_capacity(ranged, output_tokens=11) == pytest.approx(2 / 0.100)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"ttft_ms": 50, "itl_ms": 10}, "unlimited"),
        ({"max_streams": 0, "ttft_ms": 50, "itl_ms": 10}, "unlimited"),
        ({"max_streams": 2, "ttft_ms": 50, "itl_ms": 10, "output_tokens": "8-32"}, "range"),
        ({"max_streams": 2}, "service time is zero"),
        ({"max_streams": 2, "itl_ms": 10, "error_rate": 0.1}, "error_rate"),
        ({"max_streams": 2, "itl_ms": 10, "stall_rate": 0.1, "stall_ms": 5}, "stall_rate"),
    ],
)
def test_closed_form_capacity_refuses_what_it_cannot_know(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        closed_form_capacity(MockServerConfig(**config))


# -- config, stats without a model, CLI ---------------------------------------------------------------------------


def test_config_fields() -> None:
    assert MockServerConfig().stream_limit is None
    assert MockServerConfig(max_streams=0).stream_limit is None
    assert MockServerConfig(max_streams=3).stream_limit == 3
    assert MockServerConfig(itl_growth_ms=1).paced
    for bad in ({"max_streams": -1}, {"itl_growth_ms": -0.5}):
        with pytest.raises(ValidationError):
            MockServerConfig(**bad)


async def test_unlimited_stats_report_no_queue(start_server: StartServer) -> None:
    server = start_server(output_tokens="4", error_rate=0.5, seed=3)
    for _ in range(6):
        client = await StreamClient.connect(server)
        await client.send(stream=False)
        await client.status()
        await client.close()
    found = await stats(server)
    assert found["queued"] == 0
    assert found["active_streams"] == 0
    assert found["admitted"] == found["completed"] == 6 - found["errors_injected"]


@pytest.mark.parametrize(("flag", "field"), [("--max-streams", "max_streams"), ("--itl-growth-ms", "itl_growth_ms")])
def test_cli_rejects_negative_capacity_flags(flag: str, field: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gaugellm", "mock-server", flag, "-1"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert field in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1


def test_cli_flags_reach_the_server() -> None:
    command = [sys.executable, "-m", "gaugellm", "mock-server", "--port", "0", "--max-streams", "1"]
    command += ["--itl-growth-ms", "1", "--ttft-ms", "2000", "--output-tokens", "2"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        assert process.stdout is not None
        url = json.loads(process.stdout.readline())["url"]
        server = MockServer(MockServerConfig(), url, pid=process.pid)

        async def two_requests() -> dict[str, Any]:
            clients = [await StreamClient.connect(server) for _ in range(2)]
            for client in clients:
                await client.send()
            found = await wait_for_stats(server, active_streams=1, queued=1)
            for client in clients:
                await client.close()
            return found

        assert asyncio.run(two_requests())["admitted"] == 1
    finally:
        process.terminate()  # our own child, by its PID
        assert process.wait(timeout=20) == 0
        if process.stdout is not None:
            process.stdout.close()
