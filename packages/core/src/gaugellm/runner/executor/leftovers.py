"""Processes a worker started that outlive it: noted while the worker runs, ended once it is gone.

A backend may start processes of its own (vLLM's engine core is one). It stops them in ``process_shutdown``; but a
worker that is killed (SIGKILL, the OOM killer) runs no shutdown, and its children are re-parented to init and go
on running, holding memory, a GPU or a port, with nobody left who knows about them. So the local executor notes each
worker's descendants once it is ready and again before it is asked to stop, and after the worker has exited ends
those still running (SIGTERM, then SIGKILL after a grace period).

A process is known by its PID *and* its start time (``/proc/PID/stat``), so a PID that the system reused for another
process meanwhile is never signalled. multiprocessing's resource tracker is left alone: it exits by itself when its
process is gone, after cleaning up what that process leaked. Linux only (``/proc``); elsewhere nothing is noted.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ProcessId", "descendants", "end_processes", "pid_alive", "running"]

_PROC = Path("/proc")


@dataclass(frozen=True, slots=True)
class ProcessId:
    """One process, told apart from a later process that reuses its PID."""

    pid: int
    start_ticks: int


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks) of ``pid``, or ``None`` if there is no such process."""
    try:
        fields = (_PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[19])


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in (_PROC / str(pid) / "task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _is_resource_tracker(pid: int) -> bool:
    try:
        return b"multiprocessing.resource_tracker" in (_PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return False


def descendants(pid: int) -> list[ProcessId]:
    """Every process below ``pid`` (children, theirs, ...), except multiprocessing's resource trackers."""
    found: list[ProcessId] = []
    todo = _children(pid)
    while todo:
        child = todo.pop()
        stat = _stat(child)
        if stat is None:
            continue
        todo += _children(child)
        if not _is_resource_tracker(child):
            found.append(ProcessId(child, stat[1]))
    return found


def pid_alive(pid: int) -> bool:
    """Whether any process holds ``pid`` (a zombie included): for PIDs known without their start time."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running(process: ProcessId) -> bool:
    """Whether ``process`` (that very one, not a reuse of its PID) still runs; a zombie has ended."""
    stat = _stat(process.pid)
    return stat is not None and stat[1] == process.start_ticks and stat[0] not in ("Z", "X")


def end_processes(processes: list[ProcessId], grace_s: float = 5.0) -> list[ProcessId]:
    """SIGTERM those of ``processes`` still running; SIGKILL whatever is left after ``grace_s``. Returns the ended."""
    ended = [process for process in processes if running(process)]
    _signal(ended, signal.SIGTERM)
    _wait(ended, grace_s)
    _signal([process for process in ended if running(process)], signal.SIGKILL)
    _wait(ended, 1.0)  # SIGKILL is delivered asynchronously: gone before this returns
    return ended


def _wait(processes: list[ProcessId], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while any(running(process) for process in processes) and time.monotonic() < deadline:
        time.sleep(0.02)


def _signal(processes: list[ProcessId], signum: signal.Signals) -> None:
    for process in processes:
        if running(process):  # checked right before: the PID is still that process
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(process.pid, signum)
