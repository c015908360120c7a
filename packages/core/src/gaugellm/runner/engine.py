"""The runner's main loop: run a profile's stages, one after the other, on an executor's started workers.

The engine owns what outlives a stage: the live workers, the position in the data set (run-wide, so that the
stages of a sweep do not send the same prompts again), and the reason the run stops, if it does. It keeps them in
one :class:`~gaugellm.runner.stage.RunControl`, which it hands to each stage together with a fresh sink; what
happens within one stage is :class:`~gaugellm.runner.stage.StageRun`, which sees the run only through that object.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from gaugellm.backend.schemas import GenerationRequest
from gaugellm.errors import RunConfigError
from gaugellm.runner.executor.base import Executor
from gaugellm.runner.scheduler.limits import StageLimits
from gaugellm.runner.scheduler.profiles import Plan
from gaugellm.runner.scheduler.stages import StageSpec
from gaugellm.runner.stage import ResponseSink, RunControl, StageOutcome, StageProgress, StageRun

if TYPE_CHECKING:
    from gaugellm.metrics.timeline import Timeline

__all__ = [
    "Engine",
    "ProgressObserver",
    "RequestSource",
    "ResponseSink",
    "RunOutcome",
    "StageOutcome",
    "StageProgress",
    "split_evenly",
]


class RequestSource(Protocol):
    """What the engine needs of a data set (``gaugellm.data.Dataset`` is one)."""

    def __len__(self) -> int: ...

    def request(self, index: int) -> GenerationRequest: ...


class ProgressObserver(Protocol):
    """Told about stages as they start, progress and finish (live progress, logs)."""

    def stage_started(self, spec: StageSpec, index: int, planned_stages: int) -> None: ...

    def progress(self, snapshot: StageProgress) -> None: ...

    def stage_finished(self, outcome: StageOutcome) -> None: ...


@dataclass
class RunOutcome:
    """The stages that ran and how the run ended."""

    stages: list[StageOutcome]
    complete: bool
    stop_reason: str  # "done", "interrupted", "max_errors", "target_unreachable", "worker_lost"
    error: str | None = None


def split_evenly(total: int, parts: Sequence[int]) -> dict[int, int]:
    """``total`` spread over ``parts`` as evenly as possible (the first ones get the remainder)."""
    count = len(parts)
    return {part: total // count + (1 if i < total % count else 0) for i, part in enumerate(parts)}


class Engine:
    """Runs a profile's stages on an executor's started workers.

    ``alive``, ``stop_reason`` and ``stop_message`` read the run's :class:`RunControl`, which its stages update.
    ``timeline``: the run's timeline, given the responses that stages leave out of their sinks (the sinks are
    expected to pass on the rest: see :class:`RunControl`).
    """

    def __init__(
        self,
        executor: Executor[Any],
        source: RequestSource,
        limits: StageLimits,
        *,
        sink_factory: Callable[[StageSpec], ResponseSink],
        observer: ProgressObserver | None = None,
        requests_limit: int | None = None,
        timeline: Timeline | None = None,
    ) -> None:
        if len(source) < 1:
            raise RunConfigError("the data set has no requests")
        self.executor = executor
        self.source = source
        self.limits = limits
        self.sink_factory = sink_factory
        self.observer = observer
        self.requests_limit = requests_limit
        self._stage_id = 0
        self._next_request = 0
        self._control = RunControl(
            executor=executor,
            alive={info.worker for info in executor.workers},
            next_request=self.next_request,
            limits=limits,
            observer=observer,
            timeline=timeline,
        )

    @property
    def alive(self) -> set[int]:
        """The workers still alive (the run's own set: a stage that loses one removes it)."""
        return self._control.alive

    @property
    def stop_reason(self) -> str | None:
        """Why the run stops (``None`` while nothing has stopped it)."""
        return self._control.stop_reason

    @property
    def stop_message(self) -> str | None:
        """What to tell the user about the stop, or ``None``."""
        return self._control.stop_message

    def request_stop(self, reason: str = "interrupted", message: str = "interrupted") -> None:
        """End the current stage now (cancelling what is in flight) and run no more. Safe from a signal handler."""
        self.stop(reason, message)

    def stop(self, reason: str, message: str) -> None:
        """Record why the run stops; the first reason wins (it is usually the cause of the rest)."""
        self._control.stop(reason, message)

    def next_request(self) -> GenerationRequest:
        """The data set's next request, wrapping around at its end."""
        request = self.source.request(self._next_request % len(self.source))
        self._next_request += 1
        return request

    async def run(self, profile: Plan) -> RunOutcome:
        """Run every stage of the profile, or until something stops the run."""
        stages: list[StageOutcome] = []
        while self.stop_reason is None:
            spec = profile.next_stage(stages)
            if spec is None:
                break
            if self.observer is not None:
                self.observer.stage_started(spec, len(stages), profile.planned_stages)
            outcome = await self.run_stage(spec)
            stages.append(outcome)
            if self.observer is not None:
                self.observer.stage_finished(outcome)
        if self.stop_reason is None:
            return RunOutcome(stages, complete=True, stop_reason="done")
        return RunOutcome(stages, complete=False, stop_reason=self.stop_reason, error=self.stop_message)

    async def run_stage(self, spec: StageSpec) -> StageOutcome:
        """Run one stage to its end."""
        self._stage_id += 1
        shares = self._shares(spec)  # before the sink: a stage refused here builds nothing
        return await StageRun(self._control, spec, self._stage_id, shares, self.sink_factory(spec)).run()

    def _shares(self, spec: StageSpec) -> dict[int, int | None]:
        """Each worker's concurrency slots for the stage (``None``: a rate stage, no slots)."""
        workers = sorted(self.alive)
        if not workers:
            raise RuntimeError("no worker left")
        if spec.concurrency is None:
            return dict.fromkeys(workers)
        shares = {w: n for w, n in split_evenly(spec.concurrency, workers).items() if n > 0}
        limit = self.requests_limit
        if limit is not None and any(n > limit for n in shares.values()):
            raise RunConfigError(
                f"concurrency {spec.concurrency} needs more than the backend's {limit} requests per worker "
                f"with {len(workers)} workers; lower --concurrency or raise --workers"
            )
        return dict(shares)
