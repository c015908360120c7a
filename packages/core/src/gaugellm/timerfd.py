"""A Linux ``timerfd`` on ``CLOCK_MONOTONIC``: an event-loop wake-up at an absolute time, to the microsecond.

An asyncio timer wakes up to ~2 ms late (epoll's timeout is whole milliseconds); spinning on the loop until the
deadline fixes that at the price of a busy core — and on a small machine that core is what the load generator beside
the server needs. A timerfd is a file descriptor that becomes readable at an absolute ``CLOCK_MONOTONIC`` time
(the clock of ``time.monotonic()`` and ``time.perf_counter()`` on Linux, and of asyncio's ``loop.time()``); registered
with ``loop.add_reader``, it ends the loop's ``epoll_wait`` within tens of microseconds of the deadline, with nothing
spinning. The runner's workers wait for each request's scheduled time on one
(:mod:`gaugellm.runner.executor.pacing`), and so does the simulated server of ``gaugellm-backend-openai`` for its
streams' deadlines.

The libc functions are called through ctypes (``os.timerfd_create`` only exists from Python 3.13).
:func:`open_timer` returns ``None`` where that does not work (not Linux), and callers fall back to their spin.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import math
import os
import sys
import time
from collections.abc import Callable

__all__ = ["LoopTimer", "MonotonicTimer", "open_timer", "watch_timer"]

_CLOCK_MONOTONIC = 1
_TFD_NONBLOCK = 0o4000
_TFD_CLOEXEC = 0o2000000
_TFD_TIMER_ABSTIME = 1


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _Itimerspec(ctypes.Structure):
    _fields_ = [("it_interval", _Timespec), ("it_value", _Timespec)]


class MonotonicTimer:
    """One timerfd: :meth:`set` arms it for an absolute ``time.monotonic()`` time (replacing any earlier setting)."""

    def __init__(self, fd: int, settime: Callable[[int, int], None]) -> None:
        self.fd = fd
        self._settime = settime

    def set(self, monotonic_s: float) -> None:
        """Become readable at ``monotonic_s`` (at once if it has passed)."""
        self.set_ns(math.ceil(monotonic_s * 1e9))  # never fire early

    def set_ns(self, monotonic_ns: int) -> None:
        """Become readable at ``monotonic_ns`` (``perf_counter_ns`` on Linux; at once if it has passed)."""
        self._settime(self.fd, max(1, monotonic_ns))  # 0 would disarm

    def clear(self) -> None:
        """Consume the expiry, so that the descriptor is not readable until the next one."""
        with contextlib.suppress(BlockingIOError, InterruptedError):
            os.read(self.fd, 8)

    def close(self) -> None:
        os.close(self.fd)


def open_timer() -> MonotonicTimer | None:
    """A new timer, or ``None`` where this platform has no timerfd (or its clocks are not ``CLOCK_MONOTONIC``)."""
    if not sys.platform.startswith("linux"):
        return None
    for clock in ("perf_counter", "monotonic"):
        if "CLOCK_MONOTONIC)" not in time.get_clock_info(clock).implementation:
            return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        create = libc.timerfd_create
        settime = libc.timerfd_settime
    except (OSError, AttributeError):
        return None
    create.argtypes = [ctypes.c_int, ctypes.c_int]
    create.restype = ctypes.c_int
    settime.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.POINTER(_Itimerspec), ctypes.c_void_p]
    settime.restype = ctypes.c_int
    fd = create(_CLOCK_MONOTONIC, _TFD_NONBLOCK | _TFD_CLOEXEC)
    if fd < 0:
        return None
    spec = _Itimerspec()
    value = spec.it_value
    pointer = ctypes.byref(spec)

    def libc_settime(fd: int, at_ns: int) -> None:
        value.tv_sec, value.tv_nsec = divmod(at_ns, 1_000_000_000)
        if settime(fd, _TFD_TIMER_ABSTIME, pointer, None) != 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error))

    return MonotonicTimer(fd, libc_settime)


class LoopTimer:
    """A timer watched by an event loop: each expiry is consumed, then ``callback()`` runs on the loop."""

    def __init__(self, timer: MonotonicTimer, loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
        self._timer = timer
        self._loop = loop
        self._callback = callback
        loop.add_reader(timer.fd, self._fired)

    @property
    def fd(self) -> int:
        return self._timer.fd

    def set(self, monotonic_s: float) -> None:
        """Fire at ``monotonic_s`` (``time.monotonic()``, asyncio's ``loop.time()``), replacing any earlier setting."""
        self._timer.set(monotonic_s)

    def set_ns(self, monotonic_ns: int) -> None:
        """Fire at ``monotonic_ns`` (``perf_counter_ns`` on Linux), replacing any earlier setting."""
        self._timer.set_ns(monotonic_ns)

    def close(self) -> None:
        """Stop watching the descriptor and close it."""
        if not self._loop.is_closed():
            self._loop.remove_reader(self._timer.fd)
        self._timer.close()

    def _fired(self) -> None:
        self._timer.clear()
        self._callback()


def watch_timer(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> LoopTimer | None:
    """A new timer that runs ``callback`` on ``loop`` when it fires; ``None`` where there is no timerfd to watch."""
    timer = open_timer()
    if timer is None:
        return None
    try:
        return LoopTimer(timer, loop, callback)
    except (NotImplementedError, RuntimeError):  # a loop without add_reader (Windows' proactor)
        timer.close()
        return None
