"""The simulated server's pacer: deadlines met by a timerfd (Linux, asyncio's loop) or by the spin elsewhere."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from gaugellm_openai.mock.pacing import Pacer

LINUX = sys.platform.startswith("linux")


async def _lateness(pacer: Pacer, count: int = 60) -> list[float]:
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    late: list[float] = []
    start = loop.time() + 0.005
    deadlines = [start + index * 0.0013 for index in range(count)]

    def record(deadline: float) -> None:
        late.append(loop.time() - deadline)
        if len(late) == count:
            done.set()

    for deadline in reversed(deadlines):  # pushed out of order: the heap sorts them
        pacer.at(deadline, lambda deadline=deadline: record(deadline))
    await asyncio.wait_for(done.wait(), 10)
    return late


@pytest.mark.parametrize("use_timerfd", [True, False])
async def test_callbacks_run_in_order_never_early(use_timerfd: bool) -> None:
    pacer = Pacer(asyncio.get_running_loop(), use_timerfd=use_timerfd)
    try:
        assert pacer.precise_timer is (use_timerfd and LINUX)
        late = await _lateness(pacer)
        assert min(late) >= 0
        assert sorted(late)[len(late) // 2] < 0.002  # generous: a shared machine
    finally:
        pacer.close()


async def test_a_deadline_in_the_past_runs_at_once_and_close_releases_the_descriptor() -> None:
    pacer = Pacer(asyncio.get_running_loop())
    ran = asyncio.Event()
    pacer.at(asyncio.get_running_loop().time() - 1, ran.set)
    await asyncio.wait_for(ran.wait(), 1)
    timer = pacer._fd_timer
    pacer.close()
    pacer.close()  # twice is harmless
    assert not pacer.precise_timer
    if timer is not None:
        with pytest.raises(OSError, match="Bad file descriptor"):
            os.fstat(timer.fd)
