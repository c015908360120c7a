"""Which processes an engine started, and whether they are gone: the tests' proof that nothing is left behind.

psutil comes with vLLM; it is imported inside the functions so that test modules importing these helpers can still be
collected (and skipped) where vLLM is not installed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psutil

__all__ = ["descendants", "kill", "still_running", "wait_gone"]


def _is_resource_tracker(process: psutil.Process) -> bool:
    import psutil

    # multiprocessing's resource tracker belongs to Python, not to the engine: it lives as long as the interpreter.
    try:
        return any("resource_tracker" in part for part in process.cmdline())
    except psutil.Error:
        return False


def descendants(pid: int | None = None) -> list[psutil.Process]:
    """Every live process below ``pid`` (default: this one), except multiprocessing's resource tracker."""
    import psutil

    root = psutil.Process(pid)
    return [child for child in root.children(recursive=True) if not _is_resource_tracker(child)]


def still_running(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those of ``processes`` that still run (a zombie has exited, it only waits to be reaped)."""
    import psutil

    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            continue
    return alive


def wait_gone(processes: list[psutil.Process], timeout: float = 20.0) -> list[psutil.Process]:
    """Wait up to ``timeout`` seconds for ``processes`` to exit; returns those still running."""
    deadline = time.monotonic() + timeout
    alive = still_running(processes)
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = still_running(alive)
    return alive


def kill(processes: list[psutil.Process]) -> None:
    """Kill ``processes`` one by one, by PID (only ever processes this test run started)."""
    import psutil

    for process in processes:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            continue
