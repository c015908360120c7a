"""Showing a run while it happens: a live rich display on a terminal, a line per stage otherwise.

Progress is fed by the engine at most ten times a second from the runner's event loop, so a display costs nothing
the workers would notice (they are other processes) and little of the runner's loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from gaugellm.runner.engine import StageOutcome, StageProgress
from gaugellm.runner.scheduler.stages import StageSpec

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

__all__ = ["LiveProgress", "PlainProgress", "stage_line"]


def stage_line(outcome: StageOutcome) -> str:
    """One line saying how a stage went."""
    rate = outcome.request_rate
    elapsed = max(0.0, (outcome.end_ns - outcome.start_ns) / 1e9)
    parts = [
        f"{outcome.spec.name}: {outcome.finished} requests",
        f"{outcome.errors} errors",
        f"{rate:.2f} req/s" if rate is not None else "- req/s",
        f"{elapsed:.1f} s",
        f"stopped by {outcome.stop_reason}",
    ]
    if outcome.cancelled:
        parts.insert(2, f"{outcome.cancelled} cancelled")
    if outcome.incomplete:
        parts.append("INCOMPLETE")
    return ", ".join(parts)


class PlainProgress:
    """For logs and pipes: one line when a stage ends, nothing in between."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def stage_started(self, spec: StageSpec, index: int, planned_stages: int) -> None:
        pass

    def progress(self, snapshot: StageProgress) -> None:
        pass

    def stage_finished(self, outcome: StageOutcome) -> None:
        print(stage_line(outcome), file=self.stream, flush=True)


class LiveProgress:
    """A rich progress bar per stage, counting requests (or seconds when the stage is limited by time only)."""

    def __init__(self, console: Console) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = console
        self._progress: Progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._task: TaskID | None = None
        self._label = ""

    def __enter__(self) -> LiveProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def stage_started(self, spec: StageSpec, index: int, planned_stages: int) -> None:
        self._label = f"[{index + 1}/{planned_stages}] {spec.name}" if planned_stages > 1 else spec.name
        self._task = self._progress.add_task(self._label, total=None, status="starting")

    def progress(self, snapshot: StageProgress) -> None:
        if self._task is None:
            return
        rate = snapshot.finished / snapshot.elapsed_s if snapshot.elapsed_s > 0 else 0.0
        status = f"{snapshot.finished} done, {snapshot.in_flight} in flight, {snapshot.errors} errors, {rate:.1f} req/s"
        if snapshot.max_requests is not None:
            self._progress.update(self._task, completed=snapshot.finished, total=snapshot.max_requests, status=status)
        elif snapshot.max_seconds is not None:
            self._progress.update(
                self._task,
                completed=min(snapshot.elapsed_s, snapshot.max_seconds),
                total=snapshot.max_seconds,
                status=status,
            )

    def stage_finished(self, outcome: StageOutcome) -> None:
        if self._task is not None:
            total = self._progress.tasks[-1].total
            self._progress.update(self._task, completed=total or 0, total=total, status=stage_line(outcome))
            self._task = None
