"""What the runner and its workers say to each other.

Commands go from the runner (main process) to one worker; events come back. All of them are small slotted
dataclasses that pickle cheaply, because a distributed executor ships exactly these over its own transport: nothing
here knows about pipes or processes.

Work travels in batches (``Submit`` carries many items, ``Results`` many responses), so that the number of messages
per second stays around tens per worker whatever the request rate.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from typing import Any

from gaugellm.backend.schemas import GenerationRequest, GenerationResponse

__all__ = [
    "BeginStage",
    "Command",
    "Drained",
    "EndStage",
    "Event",
    "Ready",
    "Results",
    "Shutdown",
    "StartupFailed",
    "Stopped",
    "Submit",
    "WorkItem",
    "WorkerLost",
]


@dataclass(slots=True)
class WorkItem:
    """One request for a worker to send.

    ``scheduled_ns`` is the absolute ``perf_counter_ns`` time the profile wants it sent (rate profiles); ``None``
    means "as soon as one of this worker's concurrency slots is free" (synchronous, concurrent, throughput).
    ``index`` is the request's sequence number within its stage; responses come back paired with it. A conversation
    (a request with ``follow_ups``) takes the indexes after its own for its later turns, one each.
    """

    index: int
    request: GenerationRequest
    scheduled_ns: int | None = None


# -- commands: runner -> worker ----------------------------------------------------------------------------------


@dataclass(slots=True)
class BeginStage:
    """Start a stage. Nothing is dispatched before ``start_ns``; ``concurrency`` bounds untimed items (slots)."""

    stage_id: int
    start_ns: int
    concurrency: int | None


@dataclass(slots=True)
class Submit:
    """More work for the current stage. Timed items may arrive in any order; untimed ones run first in, first out."""

    stage_id: int
    items: list[WorkItem]


@dataclass(slots=True)
class EndStage:
    """Finish the stage: with ``cancel`` drop what was not sent and cancel what is in flight, else let it all run."""

    stage_id: int
    cancel: bool


@dataclass(slots=True)
class Shutdown:
    """Leave: cancel anything left, call ``process_shutdown`` and exit."""


Command = BeginStage | Submit | EndStage | Shutdown


# -- events: worker -> runner -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Ready:
    """The worker created its backend, started it and validated it."""

    worker: int
    pid: int
    host: str
    backend_info: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class StartupFailed:
    """Creating, starting or validating the backend failed.

    ``error`` is the original exception when it survives a pickle round trip (so the runner can raise the very same
    :class:`~gaugellm.errors.GaugeError`); ``message`` and ``error_type`` always describe it.
    """

    worker: int
    error_type: str
    message: str
    is_user_error: bool
    exit_code: int
    error: BaseException | None = None
    traceback: str = ""

    def as_error(self) -> BaseException:
        """What the runner raises for it, whichever executor carried it: the worker's own GaugeError where it
        survived the trip, else a :class:`~gaugellm.runner.errors.BackendStartupError` that says the same."""
        from gaugellm.errors import GaugeError
        from gaugellm.runner.errors import BackendStartupError

        if self.error is not None and isinstance(self.error, GaugeError):
            return self.error
        if self.is_user_error:
            error = BackendStartupError(self.message)
            error.exit_code = self.exit_code
            return error
        return BackendStartupError(
            f"the backend failed to start in worker {self.worker}: {self.error_type.rsplit('.', 1)[-1]}: "
            f"{self.message}",
            traceback=self.traceback,
        )


@dataclass(slots=True)
class Results:
    """A batch of finished responses, each paired with its item's index.

    The responses travel already pickled, one by one (:func:`pack_response`): a worker pickles each response as
    its request ends, while its data is fresh in the cache, so that sending a batch is a copy of bytes. Pickling a
    whole batch at once paused the worker's event loop at every flush, and requests due then went out late
    (measured in docs/runner.md). :attr:`responses` unpickles them (on the runner's side).

    ``dispatched`` is how many of the stage's items this worker has handed to the backend so far: items of one worker
    are dispatched in the order they would be sent, so the runner knows which ones may be in flight if it dies.
    The later turns of a conversation are not items of the runner's and are not counted there; ``launched`` counts
    every request handed to the backend, them included (what is in flight, for live progress). ``skipped`` are the
    indexes of conversation turns that will never be sent, because an earlier turn of theirs failed.
    """

    worker: int
    stage_id: int
    indexes: list[int]
    packed: list[bytes]
    dispatched: int
    launched: int = 0
    skipped: list[int] = field(default_factory=list)

    @property
    def responses(self) -> list[GenerationResponse]:
        """The responses, unpickled (anew on each access)."""
        return [pickle.loads(blob) for blob in self.packed]  # noqa: S301 - bytes from our own worker


def pack_response(response: GenerationResponse) -> bytes:
    """One response as it travels in :class:`Results`."""
    return pickle.dumps(response, protocol=pickle.HIGHEST_PROTOCOL)


@dataclass(slots=True)
class Drained:
    """Everything of the stage is finished or cancelled (after its last ``Results``); ``dropped`` were never sent."""

    worker: int
    stage_id: int
    dropped: int


@dataclass(slots=True)
class Stopped:
    """The worker shut its backend down and is about to exit."""

    worker: int


@dataclass(slots=True)
class WorkerLost:
    """Made up by the executor, not sent by a worker: the worker died or its channel broke."""

    worker: int
    reason: str


Event = Ready | StartupFailed | Results | Drained | Stopped | WorkerLost
