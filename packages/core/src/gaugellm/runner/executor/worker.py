"""What a worker does, wherever it runs: hold one backend, send requests on time, report back in batches.

:class:`WorkerRuntime` knows nothing about processes or pipes. It is driven by :meth:`WorkerRuntime.handle` (one
command at a time, on the worker's event loop) and speaks through an ``emit`` callable; the local executor wires
those to a pipe (:mod:`gaugellm.runner.executor.process`), a distributed executor would wire them to its own channel.

Two kinds of work share one dispatcher:

* **timed** items (rate profiles) are kept in a heap by scheduled time and dispatched when their time comes, with
  the two-phase wait of :mod:`gaugellm.runner.executor.pacing`; everything already due goes out in one pass;
* **untimed** items (synchronous, concurrent, throughput) wait for one of the stage's concurrency slots. A slot
  remembers when it became free (the stage start, or the end of the request that held it) and that moment is the
  request's ``scheduled_ns``: a stream wanted to send its next request right then, so any delay is dispatch lag.

The backend's ``requests_limit`` caps what is in flight at once, for both kinds.

A conversation (a request with ``follow_ups``) stays on the worker that got it: when a turn's answer arrives, the
worker builds the next turn's request (the history so far, the answer, the next user message) and files it as a
timed item due one think time after the answer ended, under the next index the runner reserved for it. In a
concurrency stage the conversation keeps its slot from its first turn to its last (a slot is a user). A turn that
fails ends its conversation: the indexes of the turns left are reported as ``skipped``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import os
import pickle
import socket
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gaugellm.backend.base import Backend
from gaugellm.backend.schemas import ErrorKind, GenerationRequest, GenerationResponse
from gaugellm.causes import describe_exception, innermost
from gaugellm.errors import GaugeError
from gaugellm.runner.executor.messages import (
    BeginStage,
    Command,
    Drained,
    EndStage,
    Event,
    Ready,
    Results,
    Shutdown,
    StartupFailed,
    Stopped,
    Submit,
    WorkItem,
    pack_response,
)
from gaugellm.runner.executor.pacing import Pacer
from gaugellm.runner.executor.spec import BackendSpec, create_backend

__all__ = ["FLUSH_COUNT", "FLUSH_INTERVAL_S", "WorkerRuntime", "startup_failure"]

#: Results go back at least this often while requests finish (seconds) ... Smaller batches, more often, because the
#: runner turns each into metrics in one go and on a small machine that burst competes with the workers for a CPU
#: (the effect on dispatch lag is measured in docs/runner.md).
FLUSH_INTERVAL_S = 0.02
#: ... or as soon as this many are waiting.
FLUSH_COUNT = 256
#: After a cancel, requests whose backend has not returned within this many seconds are reported as cancelled
#: anyway (and left to finish on their own), so that a backend that is slow to honour cancellation cannot hold up
#: the end of a stage.
CANCEL_GRACE_S = 5.0

CANCELLED_MESSAGE = "cancelled by the runner before it finished (stop condition or interrupt)"


@dataclass(repr=False)
class _Stage:
    stage_id: int
    start_ns: int
    concurrency: int | None
    timed: list[tuple[int, int, WorkItem]] = field(default_factory=list)  # heap of (scheduled_ns, index, item)
    untimed: deque[WorkItem] = field(default_factory=deque)
    free_slots: deque[int] = field(default_factory=deque)  # when each free slot became free
    in_flight: dict[asyncio.Task[None], _Flight] = field(default_factory=dict)
    #: Follow-up turns waiting in ``timed``, by index: whether each holds its conversation's concurrency slot.
    follow_ups: dict[int, bool] = field(default_factory=dict)
    dispatched: int = 0  # items of the runner's handed to the backend (follow-up turns not counted: see Results)
    launched: int = 0  # every request handed to the backend, follow-up turns included
    reported: int = 0  # the launch count the last Results carried
    dropped: int = 0
    ending: bool = False
    cancelled: bool = False

    def pending(self) -> int:
        return len(self.timed) + len(self.untimed)

    def __repr__(self) -> str:
        # Kept tiny on purpose: libraries format task reprs (callbacks included) on hot paths such as cancellation,
        # and a stage's repr would otherwise list every task in flight, each listing its callbacks in turn.
        return f"<stage {self.stage_id}: {len(self.in_flight)} in flight, {self.pending()} pending>"


class _Flight:
    """One request in flight; what its task's done-callback needs, with a cheap repr (see ``_Stage.__repr__``)."""

    __slots__ = ("holds_slot", "item", "response", "stage")

    def __init__(self, stage: _Stage, item: WorkItem, response: GenerationResponse, holds_slot: bool) -> None:
        self.stage = stage
        self.item = item
        self.response = response
        self.holds_slot = holds_slot

    def __repr__(self) -> str:
        return f"<request {self.item.index} of stage {self.stage.stage_id}>"


class WorkerRuntime:
    """One worker's backend and dispatcher, driven by commands, reporting through ``emit``."""

    def __init__(
        self,
        worker: int,
        spec: BackendSpec,
        emit: Callable[[Event], None],
        *,
        flush_interval_s: float = FLUSH_INTERVAL_S,
        flush_count: int = FLUSH_COUNT,
        cancel_grace_s: float = CANCEL_GRACE_S,
    ) -> None:
        self.worker = worker
        self.spec = spec
        self.emit = emit
        self.flush_interval_s = flush_interval_s
        self.flush_count = flush_count
        self.cancel_grace_s = cancel_grace_s
        self.backend: Backend[Any] | None = None
        self._requests_limit: int | None = None
        self._stage: _Stage | None = None
        self._pacer = Pacer()
        self._closing = False
        self._indexes: list[int] = []
        self._packed: list[bytes] = []
        self._skipped: list[int] = []
        self._flush_handle: asyncio.TimerHandle | None = None

    # -- lifecycle --------------------------------------------------------------------------------------------

    async def start(self) -> Ready:
        """Create, start and validate the backend. Exceptions propagate (see :func:`startup_failure`)."""
        self.backend = create_backend(self.spec)
        self._requests_limit = self.backend.requests_limit
        await self.backend.process_startup()
        await self.backend.validate()
        return Ready(worker=self.worker, pid=os.getpid(), host=socket.gethostname(), backend_info=self.backend.info)

    async def shutdown_backend(self) -> None:
        """``process_shutdown``, which backends make idempotent; errors there must not hide the real outcome."""
        if self.backend is not None:
            with contextlib.suppress(Exception):  # nothing useful left to do with a failing shutdown
                await self.backend.process_shutdown()

    async def serve(self) -> None:
        """Dispatch until :class:`Shutdown`; then cancel what is left, shut the backend down, emit ``Stopped``."""
        try:
            await self._dispatch_loop()
        finally:
            stage = self._stage
            if stage is not None:
                self._cancel(stage)
                if stage.in_flight:
                    await asyncio.wait(list(stage.in_flight), timeout=self.cancel_grace_s)
                self._flush()
            self._pacer.close()
            await self.shutdown_backend()
            self.emit(Stopped(worker=self.worker))

    def handle(self, command: Command) -> None:
        """Take one command (called on the worker's event loop)."""
        if isinstance(command, Submit):
            stage = self._stage
            if stage is None or stage.stage_id != command.stage_id or stage.ending:
                return  # late work for a stage that is over
            for item in command.items:
                if item.scheduled_ns is None:
                    stage.untimed.append(item)
                else:
                    heapq.heappush(stage.timed, (item.scheduled_ns, item.index, item))
        elif isinstance(command, BeginStage):
            stage = _Stage(command.stage_id, command.start_ns, command.concurrency)
            if command.concurrency is not None:
                stage.free_slots.extend([command.start_ns] * command.concurrency)
            self._stage = stage
        elif isinstance(command, EndStage):
            stage = self._stage
            if stage is None or stage.stage_id != command.stage_id:
                self.emit(Drained(worker=self.worker, stage_id=command.stage_id, dropped=0))
                return
            stage.ending = True
            if command.cancel:
                self._cancel(stage)
                asyncio.get_running_loop().call_later(self.cancel_grace_s, self._abandon, stage)
            self._check_drained(stage)
        elif isinstance(command, Shutdown):
            self._closing = True
        self._pacer.wake()

    # -- dispatching ------------------------------------------------------------------------------------------

    def _has_capacity(self, stage: _Stage) -> bool:
        return self._requests_limit is None or len(stage.in_flight) < self._requests_limit

    async def _dispatch_loop(self) -> None:
        while not self._closing:
            stage = self._stage
            if stage is None or stage.cancelled or not stage.pending():
                await self._pacer.sleep(None)
                continue
            if time.perf_counter_ns() < stage.start_ns:
                await self._pacer.until(stage.start_ns)
                continue
            while stage.untimed and self._has_capacity(stage) and (stage.concurrency is None or stage.free_slots):
                item = stage.untimed.popleft()
                free_since = stage.free_slots.popleft() if stage.concurrency is not None else time.perf_counter_ns()
                self._launch(stage, item, free_since, holds_slot=stage.concurrency is not None)
            if stage.free_slots and not stage.untimed and self._packed and not stage.ending:
                self._flush()  # starving: results now are what makes the runner send more work
            now = time.perf_counter_ns()
            while stage.timed and stage.timed[0][0] <= now and self._has_capacity(stage):
                scheduled_ns, _, item = heapq.heappop(stage.timed)
                holds_slot = stage.follow_ups.pop(item.index, None)
                self._launch(stage, item, scheduled_ns, holds_slot=bool(holds_slot), follow_up=holds_slot is not None)
            if stage.timed and self._has_capacity(stage):
                await self._pacer.until(stage.timed[0][0])
            else:
                await self._pacer.sleep(None)  # until new work, a free slot or a stage change

    def _launch(
        self, stage: _Stage, item: WorkItem, scheduled_ns: int, *, holds_slot: bool, follow_up: bool = False
    ) -> None:
        response = GenerationResponse(request_id=item.request.request_id, scheduled_ns=scheduled_ns)
        loop = asyncio.get_running_loop()
        task = loop.create_task(self._resolve(stage, item, response))
        flight = _Flight(stage, item, response, holds_slot)
        stage.in_flight[task] = flight
        stage.launched += 1
        if not follow_up:
            stage.dispatched += 1
        if self._flush_handle is None:  # the runner hears of dispatches even while no request finishes
            self._flush_handle = loop.call_later(self.flush_interval_s, self._flush)
        # Bookkeeping in a done-callback, not in the coroutine: a task cancelled before it first ran never
        # executes its body, but its callbacks still run.
        task.add_done_callback(functools.partial(self._finished, flight))

    async def _resolve(self, stage: _Stage, item: WorkItem, response: GenerationResponse) -> None:
        backend = self.backend
        assert backend is not None
        response.dispatched_ns = time.perf_counter_ns()
        try:
            await backend.resolve(item.request, response)
        except asyncio.CancelledError:
            response.fail(ErrorKind.CANCELLED, CANCELLED_MESSAGE)
        except Exception as exc:  # the contract says "do not raise", but one bad request must not end the worker
            response.fail(ErrorKind.BACKEND, describe_exception(exc))
        if stage.cancelled and response.error is None and response.finish_reason is None:
            response.fail(ErrorKind.CANCELLED, CANCELLED_MESSAGE)  # the backend swallowed the cancellation
        response.finish()

    def _finished(self, flight: _Flight, task: asyncio.Task[None]) -> None:
        stage, item, response = flight.stage, flight.item, flight.response
        if stage.in_flight.pop(task, None) is None:
            return  # abandoned after a cancel: already reported
        continued = False
        if response.dispatched_ns is None:
            stage.dropped += 1  # cancelled before it reached the backend: never sent, nothing to report
        else:
            if task.cancelled():  # cancelled again while handling the first cancellation
                response.fail(ErrorKind.CANCELLED, CANCELLED_MESSAGE)
                response.finish()
            self._add_result(item.index, response)
            if item.request.follow_ups and not stage.cancelled:
                continued = self._next_turn(stage, flight)
        if flight.holds_slot and not continued:
            stage.free_slots.append(response.ended_ns or time.perf_counter_ns())
        self._check_drained(stage)
        self._pacer.wake()

    def _next_turn(self, stage: _Stage, flight: _Flight) -> bool:
        """File the conversation's next turn after ``flight``'s answer (True), or skip the turns left (False)."""
        item, response = flight.item, flight.response
        request = item.request
        if response.error is not None:
            self._skipped.extend(range(item.index + 1, item.index + 1 + len(request.follow_ups)))
            return False
        follow_up, later = request.follow_ups[0], request.follow_ups[1:]
        answer = follow_up.recorded_answer if follow_up.recorded_answer is not None else response.answer_text
        history = [*(request.messages or ()), {"role": "assistant", "content": answer}]
        prompt_tokens = None
        if request.prompt_tokens is not None and follow_up.prompt_tokens is not None:
            answered = response.output_tokens if response.output_tokens is not None else response.streamed_tokens
            prompt_tokens = request.prompt_tokens + answered + follow_up.prompt_tokens
        turn = (request.turn or 1) + 1
        following = GenerationRequest(
            request_id=f"{request.request_id.rsplit('#', 1)[0]}#{turn}",
            messages=[*history, {"role": "user", "content": follow_up.content}],
            max_tokens=follow_up.max_tokens,
            params=request.params,
            prompt_tokens=prompt_tokens,
            traffic_class=request.traffic_class,
            turn=turn,
            follow_ups=later,
        )
        ended = response.ended_ns or time.perf_counter_ns()
        due = ended + round(follow_up.think_s * 1e9)
        index = item.index + 1
        stage.follow_ups[index] = flight.holds_slot
        heapq.heappush(stage.timed, (due, index, WorkItem(index=index, request=following, scheduled_ns=due)))
        return True

    def _cancel(self, stage: _Stage) -> None:
        stage.cancelled = True
        stage.dropped += stage.pending()
        stage.timed.clear()
        stage.untimed.clear()
        stage.follow_ups.clear()
        for task in stage.in_flight:
            task.cancel()

    def _abandon(self, stage: _Stage) -> None:
        """Report what still runs ``CANCEL_GRACE_S`` after a cancel as cancelled; the tasks finish unobserved."""
        if self._stage is not stage or not stage.in_flight:
            return
        for task, flight in list(stage.in_flight.items()):
            del stage.in_flight[task]
            late = f"{CANCELLED_MESSAGE}; the backend did not stop within {self.cancel_grace_s:g} s"
            flight.response.fail(ErrorKind.CANCELLED, late)
            flight.response.finish()
            self._add_result(flight.item.index, flight.response)
        self._check_drained(stage)

    def _check_drained(self, stage: _Stage) -> None:
        if stage.ending and not stage.in_flight and not stage.pending() and self._stage is stage:
            self._flush()
            self._stage = None
            self.emit(Drained(worker=self.worker, stage_id=stage.stage_id, dropped=stage.dropped))

    # -- results ----------------------------------------------------------------------------------------------

    def _add_result(self, index: int, response: GenerationResponse) -> None:
        self._indexes.append(index)
        self._packed.append(pack_response(response))
        if len(self._packed) >= self.flush_count:
            self._flush()
        elif self._flush_handle is None:
            self._flush_handle = asyncio.get_running_loop().call_later(self.flush_interval_s, self._flush)

    def _flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        stage = self._stage
        if stage is None or (not self._packed and not self._skipped and stage.launched == stage.reported):
            return
        stage.reported = stage.launched
        indexes, packed, skipped = self._indexes, self._packed, self._skipped
        self._indexes, self._packed, self._skipped = [], [], []
        self.emit(
            Results(
                worker=self.worker,
                stage_id=stage.stage_id,
                indexes=indexes,
                packed=packed,
                dispatched=stage.dispatched,
                launched=stage.launched,
                skipped=skipped,
            )
        )


def startup_failure(worker: int, exc: BaseException) -> StartupFailed:
    """Describe a failed start-up so that the runner can raise the same error (or one with the same message).

    An exception group (a task group inside the backend's client) is described by its innermost problem.
    """
    exc = innermost(exc)
    is_user_error = isinstance(exc, GaugeError)
    carried: BaseException | None = None
    try:
        copy = pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own bytes, round-tripped in this process
        if type(copy) is type(exc) and str(copy) == str(exc):
            carried = exc
    except Exception:  # noqa: S110 - an exception that does not pickle is described by its message instead
        pass
    return StartupFailed(
        worker=worker,
        error_type=f"{type(exc).__module__}.{type(exc).__qualname__}",
        message=str(exc) or type(exc).__name__,
        is_user_error=is_user_error,
        exit_code=exc.exit_code if isinstance(exc, GaugeError) else 1,
        error=carried,
        traceback="".join(traceback.format_exception(exc)),
    )
