"""Waiting until an absolute time on ``perf_counter_ns``, precisely, without stalling the event loop.

``asyncio.sleep`` is coarse: the selector's timeout is rounded up to whole milliseconds and the loop treats anything
due within its clock resolution as ready, so a plain sleep wakes anywhere from on time to more than a millisecond
late. At 500 requests per second that error is half the gap between requests.

So a wait has two phases. A coarse sleep on the loop's timer ends about :data:`SPIN_NS` before the target (it may
be cut short by a wake-up call: new work that is due earlier). The last stretch is spent yielding to the loop
(``asyncio.sleep(0)``) and re-reading the clock: the loop keeps serving sockets in between, so in-flight streams are
not delayed, and the dispatch lands within a few microseconds of its target when the process is not starved.
"""

from __future__ import annotations

import asyncio
import time

__all__ = ["SPIN_NS", "Pacer"]

#: How long before a target the coarse sleep ends and yielding begins (the loop's timer is good to about 1 ms).
SPIN_NS = 1_200_000


class Pacer:
    """Sleeps until a ``perf_counter_ns`` target; :meth:`wake` ends a sleep early (something changed)."""

    def __init__(self, spin_ns: int = SPIN_NS) -> None:
        self.spin_ns = spin_ns
        self._waiter: asyncio.Future[bool] | None = None

    def wake(self) -> None:
        """End the current coarse sleep now, if there is one."""
        _settle(self._waiter, True)

    async def sleep(self, seconds: float | None) -> bool:
        """Sleep on the loop's timer for up to ``seconds`` (``None``: until :meth:`wake`). ``True`` if woken."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiter = waiter
        handle = None if seconds is None else loop.call_later(max(0.0, seconds), _settle, waiter, False)
        try:
            return await waiter
        finally:
            if handle is not None:
                handle.cancel()
            self._waiter = None

    async def until(self, target_ns: int) -> bool:
        """Wait until ``target_ns``. Returns ``False`` if woken early (the caller re-plans), ``True`` on time."""
        remaining = target_ns - time.perf_counter_ns()
        if remaining > self.spin_ns and await self.sleep((remaining - self.spin_ns) / 1e9):
            return False
        while time.perf_counter_ns() < target_ns:  # noqa: ASYNC110 - the loop's timer is what is too coarse here
            await asyncio.sleep(0)
        return True


def _settle(waiter: asyncio.Future[bool] | None, woken: bool) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(woken)
