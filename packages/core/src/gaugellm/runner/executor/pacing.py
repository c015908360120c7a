"""Waiting until an absolute time on ``perf_counter_ns``, precisely, without stalling the event loop.

``asyncio.sleep`` is coarse: the selector's timeout is rounded up to whole milliseconds and the loop treats anything
due within its clock resolution as ready, so a plain sleep wakes anywhere from on time to two milliseconds late. At
500 requests per second that error is the whole gap between requests.

On Linux the wait is a ``timerfd`` armed for :data:`LEAD_NS` before the target (:mod:`gaugellm.timerfd`): the loop
sleeps in ``epoll_wait``, serving sockets as usual, and the kernel makes the descriptor readable on time to the
microsecond. The last stretch is spent yielding to the loop (``asyncio.sleep(0)``) and re-reading the clock, so
that the worker is already running at the target instead of waiting for the scheduler to give it a CPU back. Sleeping
instead of spinning matters on a small machine: the core a spin burns is the one the server or another worker needs
(the previous design, a loop timer ending early and then yielding, cost a large part of a core at high rates).

Elsewhere (no timerfd) a wait has two phases: a coarse sleep on the loop's timer that ends :data:`SPIN_NS` before the
target, then the same yielding until the target has passed.

Either way a wait can be cut short by :meth:`Pacer.wake` (new work that is due earlier, a free slot, a stage
change): the caller re-plans.
"""

from __future__ import annotations

import asyncio
import time

from gaugellm.timerfd import LoopTimer, watch_timer

__all__ = ["LEAD_NS", "SPIN_NS", "Pacer"]

#: Without a timerfd: how long before a target the coarse sleep ends and yielding begins.
SPIN_NS = 1_200_000
#: With a timerfd: how long before a target it fires, the rest spent yielding to the loop (as without one). Woken
#: processes get a CPU somewhat late (``benchmarks/os_wake_latency.py`` measures by how much; docs/runner.md); a
#: worker already awake at its target has only the loop's own delay left. Costs about this long of busy loop per
#: dispatch that is not right after another one.
LEAD_NS = 250_000


class Pacer:
    """Sleeps until a ``perf_counter_ns`` target; :meth:`wake` ends a sleep early (something changed).

    One pacer belongs to one event loop (the timerfd is registered with the loop of the first wait); :meth:`close`
    releases the descriptor.
    """

    def __init__(self, spin_ns: int = SPIN_NS, *, lead_ns: int = LEAD_NS, use_timerfd: bool = True) -> None:
        self.spin_ns = spin_ns
        self.lead_ns = lead_ns
        self._use_timerfd = use_timerfd
        self._timer: LoopTimer | None = None
        self._waiter: asyncio.Future[bool] | None = None

    @property
    def precise_timer(self) -> bool:
        """Whether waits end by a timerfd (known after the first :meth:`until`)."""
        return self._timer is not None

    def wake(self) -> None:
        """End the current sleep now, if there is one."""
        _settle(self._waiter, True)

    async def sleep(self, seconds: float | None) -> bool:
        """Sleep for up to ``seconds`` (``None``: until woken). ``True`` if :meth:`wake` ended it."""
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
        timer = self._fd_timer()
        lead = self.spin_ns if timer is None else self.lead_ns
        while (remaining := target_ns - time.perf_counter_ns()) > 0:
            if remaining <= lead:
                await asyncio.sleep(0)  # the last stretch: keep serving the loop, re-read the clock
            elif timer is not None:
                timer.set_ns(target_ns - lead)
                if await self.sleep(None):  # ends by the timer (False) or by wake() (True)
                    return False
            elif await self.sleep((remaining - lead) / 1e9):
                return False
        return True

    def close(self) -> None:
        """Release the timerfd, if one was opened. Harmless twice."""
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.close()

    def _fd_timer(self) -> LoopTimer | None:
        if self._timer is None and self._use_timerfd:
            self._use_timerfd = False  # one attempt
            self._timer = watch_timer(asyncio.get_running_loop(), self._on_timer)
        return self._timer

    def _on_timer(self) -> None:
        _settle(self._waiter, False)


def _settle(waiter: asyncio.Future[bool] | None, woken: bool) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(woken)
