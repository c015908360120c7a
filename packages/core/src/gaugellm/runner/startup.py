"""Starting the workers with a bound: a start-up timeout, and an interrupt that ends the wait at once.

Start-up is the one phase no stop condition covers: ``--max-seconds`` counts from a stage's start, and a target that
accepts connections but never answers its readiness check would otherwise hold the run for as long as the
backend's own read timeout. So the wait is bounded by ``--startup-timeout``, and a Ctrl-C or SIGTERM ends it too;
either way the executor is told to stop its workers (which cancel their start-up) before the error surfaces.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from gaugellm.runner.errors import RunInterruptedError, StartupTimeoutError
from gaugellm.runner.executor.base import WorkerInfo
from gaugellm.runner.interrupts import Interrupts

__all__ = ["await_startup"]


async def await_startup(
    starting: asyncio.Future[list[WorkerInfo]], *, timeout_s: float, interrupts: Interrupts
) -> list[WorkerInfo]:
    """The workers ``starting`` (``executor.start(...)``) gives, or :class:`StartupTimeoutError` or
    :class:`RunInterruptedError` after cancelling it (which stops the workers)."""
    interrupted = asyncio.ensure_future(interrupts.wait())
    try:
        waiting: set[asyncio.Future[Any]] = {starting, interrupted}
        done, _ = await asyncio.wait(waiting, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        interrupted.cancel()
    if starting in done:
        return starting.result()  # the workers' own start-up error, if they failed
    starting.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):  # start() stops its workers on the way out
        await starting
    if interrupts.signal_name is not None:
        raise RunInterruptedError(
            f"interrupted by {interrupts.signal_name} while the backend was starting; nothing was measured"
        )
    raise StartupTimeoutError(
        f"the backend did not start within {timeout_s:g} s (its workers were starting or its readiness check was "
        "waiting for the target); raise --startup-timeout if it needs longer"
    )
