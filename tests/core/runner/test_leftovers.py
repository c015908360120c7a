"""Finding and ending the processes a worker left behind, on real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gaugellm.runner.executor.leftovers import ProcessId, descendants, end_processes, running

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

# A parent that starts a child which ignores SIGTERM, prints the child's PID, then sleeps.
TREE = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(600)"],
    stdout=subprocess.PIPE)
child.stdout.readline()
print(child.pid, flush=True)
time.sleep(600)
"""


@pytest.fixture
def tree() -> Iterator[tuple[subprocess.Popen[str], int]]:
    parent = subprocess.Popen([sys.executable, "-c", TREE], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    yield parent, child
    noted = descendants(parent.pid)  # before the parent goes: then its child is no longer found under it
    parent.kill()
    parent.wait(10)
    end_processes(noted, grace_s=0.2)
    assert not any(running(process) for process in noted), "the test left a process running"


def test_descendants_are_found_through_the_tree(tree: tuple[subprocess.Popen[str], int]) -> None:
    parent, child = tree
    found = descendants(parent.pid)
    assert [process.pid for process in found] == [child]
    assert running(found[0])


def test_a_reused_pid_is_not_the_same_process(tree: tuple[subprocess.Popen[str], int]) -> None:
    _, child = tree
    (found,) = [process for process in descendants(tree[0].pid) if process.pid == child]
    impostor = ProcessId(child, found.start_ticks + 1)  # same PID, another start time
    assert not running(impostor)
    assert end_processes([impostor]) == []
    assert running(found)  # untouched


def test_an_orphan_that_ignores_sigterm_is_killed_after_the_grace(tree: tuple[subprocess.Popen[str], int]) -> None:
    parent, _ = tree
    noted = descendants(parent.pid)
    parent.kill()  # like a worker killed by SIGKILL: the child is re-parented and goes on
    parent.wait(10)
    assert all(running(process) for process in noted)
    began = time.monotonic()
    assert end_processes(noted, grace_s=0.5) == noted
    assert time.monotonic() - began >= 0.5  # SIGTERM was ignored: it took the SIGKILL
    deadline = time.monotonic() + 5
    while any(running(process) for process in noted) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(running(process) for process in noted)


def test_the_resource_tracker_is_not_ours_to_end() -> None:
    tracker_like = [sys.executable, "-c", "import time; time.sleep(600)", "multiprocessing.resource_tracker"]
    parent = subprocess.Popen([sys.executable, "-c", f"import subprocess; subprocess.run({tracker_like!r})"])
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            children = Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()
            if children:
                break
            time.sleep(0.05)
        assert children, "the stand-in tracker did not start"
        assert descendants(parent.pid) == []
    finally:
        for pid in children:
            os.kill(int(pid), signal.SIGKILL)
        parent.wait(10)
