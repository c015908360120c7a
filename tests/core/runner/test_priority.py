"""The runner's process yields the CPU to its workers: lowered once, every thread, never raised."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")

PROBE = textwrap.dedent(
    """
    import os, threading
    from gaugellm.runner.priority import yield_cpu_to_workers

    release = threading.Event()
    helper = threading.Thread(target=release.wait)
    helper.start()
    now = yield_cpu_to_workers(10)
    threads = sorted(int(t) for t in os.listdir("/proc/self/task"))
    print(now, *[os.getpriority(os.PRIO_PROCESS, t) for t in threads])
    print(yield_cpu_to_workers(5))  # asking for less than what it has changes nothing
    release.set()
    helper.join()
    """
)


def test_every_thread_is_lowered_and_never_raised() -> None:
    """In a child process: this test's own process must keep its priority."""
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True)
    first, second = done.stdout.split("\n")[:2]
    assert first.split() == ["10", "10", "10"]  # the result, then the main thread and the helper
    assert second == "10"
