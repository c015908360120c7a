"""The core's timerfd wrapper: an absolute CLOCK_MONOTONIC deadline as a readable file descriptor."""

from __future__ import annotations

import os
import sys
import time

import pytest

from gaugellm.timerfd import open_timer

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="timerfd is Linux-only")


def test_the_timer_fires_at_its_absolute_time() -> None:
    timer = open_timer()
    assert timer is not None
    try:
        target = time.monotonic() + 0.02
        timer.set(target)
        os.set_blocking(timer.fd, True)
        os.read(timer.fd, 8)  # blocks until it fires
        assert time.monotonic() >= target
        os.set_blocking(timer.fd, False)
        timer.clear()  # nothing pending: does not block, does not raise
    finally:
        timer.close()


def test_nanosecond_targets_are_perf_counter_ns() -> None:
    """The runner arms it with ``perf_counter_ns`` values: the same clock, so it never fires before them."""
    timer = open_timer()
    assert timer is not None
    try:
        os.set_blocking(timer.fd, True)
        for _ in range(5):
            target = time.perf_counter_ns() + 3_000_000
            timer.set_ns(target)
            os.read(timer.fd, 8)
            assert time.perf_counter_ns() >= target
        timer.set_ns(time.perf_counter_ns() - 1_000_000)  # in the past: readable at once
        os.read(timer.fd, 8)
    finally:
        timer.close()
