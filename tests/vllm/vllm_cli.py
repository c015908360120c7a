"""``gaugellm run`` as a user runs it, in a subprocess, and the proof that everything it started is gone afterwards.

Every process of one run (the CLI, its workers, the vLLM engine-core process a worker starts) carries a marker in
its environment, so the processes it left behind are found even after they were re-parented (a worker that outlived
the CLI is no longer its child). A watcher collects them, and their children, while the run goes on: a process that
retitles itself loses the marker (setproctitle reuses the memory ``/proc/PID/environ`` reads), but it was seen
before. The names it collects also show that the check saw the engine's processes at all. Whatever is still running
at the end is killed, each by its PID, and reported.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vllm_processes import kill, still_running, wait_gone

if TYPE_CHECKING:
    import psutil

__all__ = ["GAUGELLM", "MARKER_VARIABLE", "CliResult", "RunningCli", "gaugellm_run", "marked_processes"]

GAUGELLM = [sys.executable, "-m", "gaugellm"]

#: The environment variable whose value marks the processes of one run.
MARKER_VARIABLE = "GAUGELLM_TEST_RUN_MARKER"


def marked_processes(marker: str) -> list[psutil.Process]:
    """Live processes whose environment carries ``marker`` (this user's only: others' cannot be read)."""
    import psutil

    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(MARKER_VARIABLE) == marker:
                found.append(process)
        except (psutil.Error, OSError):  # gone meanwhile, or not ours to read
            continue
    return still_running(found)


class _Watcher(threading.Thread):
    """Collects the run's processes (and their names, while they can still be asked) as long as it runs."""

    def __init__(self, marker: str, interval: float = 0.5) -> None:
        super().__init__(name="gaugellm-run-watcher", daemon=True)
        self.marker = marker
        self.interval = interval
        self.seen: dict[int, psutil.Process] = {}
        self.names: dict[int, str] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        import psutil

        while not self._stop_event.is_set():
            for process in marked_processes(self.marker):
                self.seen.setdefault(process.pid, process)
            for process in list(self.seen.values()):
                # The children of what was seen, too: a process that retitles itself (vLLM's engine core does, with
                # setproctitle) overwrites the memory /proc/PID/environ shows, and the marker with it.
                with contextlib.suppress(psutil.Error):
                    for child in process.children(recursive=True):
                        self.seen.setdefault(child.pid, child)
            for pid, process in list(self.seen.items()):
                with contextlib.suppress(psutil.Error):  # the latest title, for the test's messages
                    self.names[pid] = " ".join(process.cmdline())[:200] or process.name()
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout=10)


@dataclass
class CliResult:
    """How a run ended: exit status, output, the report it wrote, and which of its processes outlived it."""

    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None
    seen: list[str]  # command lines of the processes the run had while it ran, e.g. "VLLM::EngineCore"
    left_running: list[int] = field(default_factory=list)  # PIDs still running after the run (killed since)

    def describe(self) -> str:
        return f"exit status {self.returncode}\n--- stdout\n{self.stdout[-3000:]}\n--- stderr\n{self.stderr[-6000:]}"


@dataclass
class RunningCli:
    process: subprocess.Popen[bytes]
    marker: str
    report_path: Path
    _stdout: Path
    _stderr: Path
    _watcher: _Watcher

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait(self, timeout: float, grace: float = 15.0) -> CliResult:
        """Wait for the run to end (killed after ``timeout`` s), then for its processes to go (``grace`` s)."""
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self._watcher.stop()
        left = wait_gone(marked_processes(self.marker) + list(self._watcher.seen.values()), timeout=grace)
        kill(left)
        report = json.loads(self.report_path.read_text()) if self.report_path.exists() else None
        return CliResult(
            returncode=self.process.returncode,
            stdout=self._stdout.read_text(errors="replace"),
            stderr=self._stderr.read_text(errors="replace"),
            report=report,
            seen=list(self._watcher.names.values()),
            left_running=[process.pid for process in left],
        )


@contextlib.contextmanager
def gaugellm_run(args: list[str], workdir: Path, extra_env: dict[str, str] | None = None) -> Iterator[RunningCli]:
    """Start ``gaugellm run ARGS --output WORKDIR/report.json``; on exit, nothing it started is left running."""
    workdir.mkdir(parents=True, exist_ok=True)
    marker = uuid.uuid4().hex
    env = {**os.environ, **(extra_env or {}), MARKER_VARIABLE: marker}
    report_path = workdir / "report.json"
    stdout, stderr = workdir / "stdout.txt", workdir / "stderr.txt"
    command = [*GAUGELLM, "run", *args, "--output", str(report_path)]
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(command, env=env, cwd=workdir, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    watcher = _Watcher(marker)
    watcher.start()
    running = RunningCli(process, marker, report_path, stdout, stderr, watcher)
    try:
        yield running
    finally:
        watcher.stop()
        if process.poll() is None:  # the test failed while the run went on
            process.kill()
            process.wait(timeout=10)
        kill(marked_processes(marker) + still_running(list(watcher.seen.values())))
