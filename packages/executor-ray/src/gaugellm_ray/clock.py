"""One timeline across machines: estimating a worker's clock offset, and moving times between the two clocks.

``perf_counter_ns`` is ``CLOCK_MONOTONIC``: per machine, counted from its boot, so two machines' readings differ by
an arbitrary amount. The runner schedules on its own clock; before the run it measures each worker's offset by round
trips (runner time ``t0``, the worker's reading ``w``, runner time ``t1``): the worker read its clock somewhere in
``[t0, t1]``, so ``offset = w - (t0 + t1) / 2`` is off by at most half the round trip. The tightest of several round
trips is kept, since a slow one (a busy loop, a scheduler delay) only widens the interval.

A worker translates what it is told (runner times + offset) and its responses are translated back (worker times -
offset) as the runner reads them, so the report's timeline is the runner's whatever machine a request came from.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from dataclasses import dataclass, fields

from gaugellm.backend.schemas import GenerationResponse
from gaugellm.runner.executor.messages import BeginStage, Command, Results, Submit, WorkItem

__all__ = ["ClockEstimate", "ShiftedResults", "estimate", "shift_command", "shift_response", "shifted"]

_TIME_FIELDS = tuple(
    f.name for f in fields(GenerationResponse) if f.name.endswith("_ns") and f.name != "chunk_times_ns"
)


@dataclass(frozen=True)
class ClockEstimate:
    """A worker's clock minus the runner's, and how far that may be off (half the tightest round trip)."""

    offset_ns: int
    uncertainty_ns: int
    round_trips: int


def estimate(probes: Sequence[tuple[int, int, int]]) -> ClockEstimate:
    """From ``(t0, worker_reading, t1)`` probes: the midpoint offset of the tightest round trip."""
    if not probes:
        raise ValueError("no clock probes")
    t0, reading, t1 = min(probes, key=lambda probe: probe[2] - probe[0])
    return ClockEstimate(offset_ns=reading - (t0 + t1) // 2, uncertainty_ns=(t1 - t0 + 1) // 2, round_trips=len(probes))


def shift_command(command: Command, delta_ns: int) -> Command:
    """``command`` with every absolute time moved by ``delta_ns`` (runner clock -> worker clock, or back)."""
    if not delta_ns:
        return command
    if isinstance(command, BeginStage):
        return BeginStage(command.stage_id, command.start_ns + delta_ns, command.concurrency)
    if isinstance(command, Submit):
        items = [
            item if item.scheduled_ns is None else WorkItem(item.index, item.request, item.scheduled_ns + delta_ns)
            for item in command.items
        ]
        return Submit(command.stage_id, items)
    return command


def shift_response(response: GenerationResponse, delta_ns: int) -> GenerationResponse:
    """Move every timestamp of ``response`` by ``delta_ns``, in place."""
    for name in _TIME_FIELDS:
        value = getattr(response, name)
        if value is not None:
            setattr(response, name, value + delta_ns)
    response.chunk_times_ns = [at + delta_ns for at in response.chunk_times_ns]
    return response


@dataclass(slots=True)
class ShiftedResults(Results):
    """``Results`` of a worker whose clock is not the runner's: its responses come out on the runner's clock.

    The worker ships responses pickled as they ended (see :class:`Results`); translating them here, where the
    runner unpickles them anyway, costs the worker nothing.
    """

    shift_ns: int = 0

    @property
    def responses(self) -> list[GenerationResponse]:
        return [shift_response(pickle.loads(blob), self.shift_ns) for blob in self.packed]  # noqa: S301 - our worker's


def shifted(results: Results, shift_ns: int) -> Results:
    """``results`` as the runner should read them: unchanged when the clocks agree."""
    if not shift_ns:
        return results
    return ShiftedResults(
        worker=results.worker,
        stage_id=results.stage_id,
        indexes=results.indexes,
        packed=results.packed,
        dispatched=results.dispatched,
        launched=results.launched,
        skipped=results.skipped,
        shift_ns=shift_ns,
    )
