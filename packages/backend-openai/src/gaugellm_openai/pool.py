"""A connection pool made of many small httpcore pools, because one big one costs O(n²) per request.

httpcore's pool re-examines every connection it holds each time a request starts or ends (``has_expired`` makes a
``poll`` system call per idle connection, and its keep-alive check counts the idle connections once per idle
connection). At a load generator's concurrency of hundreds of streams that is most of the client's CPU time.
So requests are spread over *shards*, each a plain ``httpx.AsyncHTTPTransport`` that holds at most a handful of
requests at once; a shard is added when all are busy. Each shard's bookkeeping stays small, whatever the
concurrency.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx

__all__ = ["ShardedTransport"]


class _Shard:
    __slots__ = ("in_flight", "transport")

    def __init__(self, transport: httpx.AsyncHTTPTransport) -> None:
        self.transport = transport
        self.in_flight = 0


class _TrackedStream(httpx.AsyncByteStream):
    """The response body; gives its shard's slot back when closed (once)."""

    __slots__ = ("_owner", "_shard", "_stream")

    def __init__(self, stream: httpx.AsyncByteStream, owner: ShardedTransport, shard: _Shard) -> None:
        self._stream = stream
        self._owner = owner
        self._shard: _Shard | None = shard

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._stream.__aiter__()

    async def aclose(self) -> None:
        shard, self._shard = self._shard, None
        try:
            await self._stream.aclose()  # first: the connection is back in its pool before the slot is offered
        finally:
            if shard is not None:
                self._owner.release(shard)


class ShardedTransport(httpx.AsyncBaseTransport):
    """Routes each request to a shard with a free slot (``per_shard`` requests in flight at most), adding shards as
    needed.

    Shards with a free slot wait on a stack, so that picking one costs the same at any concurrency, and the most
    recently used one (whose idle connection is warm) is picked first.
    """

    def __init__(self, factory: Callable[[], httpx.AsyncHTTPTransport], per_shard: int = 4) -> None:
        if per_shard < 1:
            raise ValueError("per_shard must be at least 1")
        self._factory = factory
        self._per_shard = per_shard
        self._shards: list[_Shard] = []
        self._free: list[_Shard] = []  # exactly the shards with in_flight < per_shard

    @property
    def shard_count(self) -> int:
        return len(self._shards)

    def acquire(self) -> _Shard:
        """Take a slot: on the shard on top of the free stack, or on a new shard."""
        if self._free:
            shard = self._free[-1]
        else:
            shard = _Shard(self._factory())
            self._shards.append(shard)
            self._free.append(shard)
        shard.in_flight += 1
        if shard.in_flight == self._per_shard:
            self._free.pop()  # full now
        return shard

    def release(self, shard: _Shard) -> None:
        """Give a slot back."""
        shard.in_flight -= 1
        if shard.in_flight == self._per_shard - 1:
            self._free.append(shard)  # it was full: it has a free slot again

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        shard = self.acquire()
        try:
            response = await shard.transport.handle_async_request(request)
        except BaseException:
            self.release(shard)
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _TrackedStream(response.stream, self, shard)
        return response

    async def aclose(self) -> None:
        shards, self._shards, self._free = self._shards, [], []
        for shard in shards:
            await shard.transport.aclose()
