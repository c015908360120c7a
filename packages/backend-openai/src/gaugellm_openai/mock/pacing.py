"""Precise deadlines on an asyncio loop: what makes the simulated server's TTFT and ITL trustworthy.

``asyncio.sleep`` and ``loop.call_at`` wake late by up to two milliseconds (epoll's timeout is in whole
milliseconds, and asyncio's selector and the epoll call each round it up: measured p50 +1.7 ms on this project's
machines), and a chain of sleeps adds those errors up. So every chunk of a stream has an absolute deadline
(``start + ttft + i * itl`` on the monotonic clock), and one pacer per loop keeps all deadlines in a heap: it asks the
loop to wake it ``SPIN_S`` early, then yields to the loop (``call_soon``, a zero-timeout poll that still serves I/O)
until the deadline has passed, and runs every callback that is due — so the callbacks of many streams due at the same
moment run together and each stream writes once per wake-up.

The cost is a busy loop of at most ``SPIN_S`` (typically under a millisecond, as the timer itself is late) before
each deadline. At a few hundred streams the deadlines are so dense that the loop never stops spinning: the server
takes a whole core whatever its real work, which a load generator on the same small machine then lacks. So on Linux
with asyncio's own loop, the wake-up is a ``timerfd`` armed for the earliest deadline (see
:mod:`gaugellm.timerfd`): just as precise, with nothing spinning. The spin remains the fallback.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections.abc import Callable

from gaugellm.timerfd import LoopTimer, watch_timer

__all__ = ["SPIN_S", "Pacer"]

#: How long before a deadline the loop is asked to wake: more than the timer's usual lateness (up to 2 ms).
SPIN_S = 0.0025


class Pacer:
    """Runs callbacks at absolute ``loop.time()`` deadlines, within a few microseconds."""

    __slots__ = ("_armed_for", "_fd_timer", "_heap", "_loop", "_order", "_timer")

    def __init__(self, loop: asyncio.AbstractEventLoop, *, use_timerfd: bool = True) -> None:
        self._loop = loop
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()  # ties run first-come first-served, and callbacks are never compared
        self._timer: asyncio.TimerHandle | asyncio.Handle | None = None
        self._armed_for = math.inf  # the deadline the pending wake-up serves (-inf: a wake-up is due at once)
        self._fd_timer: LoopTimer | None = None
        # loop.time() must be time.monotonic() itself (asyncio's loops); uvloop's is a cached millisecond count
        if use_timerfd and type(loop).__module__.startswith("asyncio"):
            self._fd_timer = watch_timer(loop, self._wake)

    @property
    def precise_timer(self) -> bool:
        """Whether deadlines are met by a timerfd (no spinning)."""
        return self._fd_timer is not None

    def at(self, deadline: float, callback: Callable[[], None]) -> None:
        """Run ``callback()`` at ``deadline`` (``loop.time()`` seconds); at once if the deadline has passed."""
        heapq.heappush(self._heap, (deadline, next(self._order), callback))
        if deadline < self._armed_for:
            self._arm()

    def __len__(self) -> int:
        return len(self._heap)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._fd_timer is not None:
            self._fd_timer.close()
            self._fd_timer = None
        self._heap.clear()
        self._armed_for = math.inf

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._heap:
            self._armed_for = math.inf
            return
        deadline = self._heap[0][0]
        if self._fd_timer is not None:
            self._fd_timer.set(deadline)
            self._armed_for = deadline
            return
        if deadline - self._loop.time() > SPIN_S:
            self._timer = self._loop.call_at(deadline - SPIN_S, self._wake)
            self._armed_for = deadline
        else:
            self._timer = self._loop.call_soon(self._wake)  # spin: poll I/O, come back
            self._armed_for = -math.inf

    def _wake(self) -> None:
        self._timer = None
        self._armed_for = -math.inf  # callbacks that schedule now only push; the re-arm below covers them
        heap = self._heap
        now = self._loop.time()
        while heap and heap[0][0] <= now:
            _, _, callback = heapq.heappop(heap)
            callback()
        self._arm()
