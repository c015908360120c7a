"""The sharded connection pool: slots are taken and given back exactly, and connections are reused."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import httpx
import pytest

from gaugellm_openai.pool import ShardedTransport

if TYPE_CHECKING:  # fixtures' types only: test modules import nothing from conftest at run time
    from .conftest import Harness, StartServer


def test_acquire_and_release_keep_the_free_stack_exact() -> None:
    made: list[httpx.AsyncHTTPTransport] = []

    def factory() -> httpx.AsyncHTTPTransport:
        made.append(httpx.AsyncHTTPTransport())
        return made[-1]

    pool = ShardedTransport(factory, per_shard=2)
    slots = [pool.acquire() for _ in range(5)]
    assert pool.shard_count == 3  # 2 + 2 + 1
    assert [slot.in_flight for slot in {id(s): s for s in slots}.values()] == [2, 2, 1]
    for slot in slots:
        pool.release(slot)
    assert all(slot.in_flight == 0 for slot in slots)
    again = [pool.acquire() for _ in range(6)]
    assert pool.shard_count == 3  # no new shard while the existing ones have room
    assert sorted(slot.in_flight for slot in {id(s): s for s in again}.values()) == [2, 2, 2]


def test_per_shard_must_be_positive() -> None:
    with pytest.raises(ValueError, match="per_shard"):
        ShardedTransport(httpx.AsyncHTTPTransport, per_shard=0)


async def test_connections_are_reused_across_many_requests(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="3", itl_ms=0.5)
    backend = await harness.backend(server.url)

    async def stream(worker: int) -> None:
        for number in range(10):
            response = await harness.run(backend, request_id=f"{worker}-{number}")
            assert response.ok, response.error

    await asyncio.gather(*(stream(worker) for worker in range(12)))
    stats = server.stats()
    assert stats["completed"] == 120
    assert stats["connections"] <= 12 + 4  # about one per concurrent stream, not one per request
