"""One stage, run: feed its work to the workers, collect the results, decide when and how it ends.

Feeding: rate stages send items up to :data:`LOOKAHEAD_S` ahead of their scheduled time, in :data:`FEED_CHUNK_S`
steps, round-robin over the workers (each dispatches its own share at the absolute times); concurrency stages keep
each worker's queue a little longer than its slots (:data:`MIN_BACKLOG`, or :data:`BACKLOG_S` of work at its
pace), refilled as results return.

Ending: ``max_requests`` lets every request finish; anything else (``max_seconds``, too many errors, a dead target,
a dead worker, a stop request) cancels what is in flight, and cancelled requests are still counted. Every response
that is neither warm-up (nor scheduled during the stage's ramp-up) nor cool-down goes to the stage's sink (the
metrics accumulator).

A worker that dies (``WorkerLost``) takes with it what it had not reported: the requests it may have had in flight
become error records (``incomplete``), what it had not yet sent is dropped, and the run stops, marked incomplete.
Requests it had finished but not yet reported (at most one result batch, see
:data:`~gaugellm.runner.executor.worker.FLUSH_INTERVAL_S`) are lost.

A stage sees its run only through :class:`RunControl`: the workers, the live set, the data set's next request, the
limits, the progress listener and the run's stop state. The engine builds one per run and hands it to every stage
with the stage's sink, so this module does not know the engine (the import goes one way: engine -> stage).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

from gaugellm.backend.schemas import ErrorKind, GenerationRequest, GenerationResponse
from gaugellm.metrics.histogram import LogHistogram
from gaugellm.runner.error_limit import error_limit_message
from gaugellm.runner.executor.base import Executor
from gaugellm.runner.executor.messages import (
    BeginStage,
    Drained,
    EndStage,
    Event,
    Results,
    Submit,
    WorkerLost,
    WorkItem,
)
from gaugellm.runner.scheduler.limits import StageLimits
from gaugellm.runner.scheduler.stages import StageSpec

if TYPE_CHECKING:
    from gaugellm.metrics.timeline import Timeline
    from gaugellm.runner.scheduler.capacity import JudgedSink, ProbeVerdict

__all__ = [
    "BACKLOG_S",
    "DEAD_TARGET_ERRORS",
    "FEED_CHUNK_S",
    "LOOKAHEAD_S",
    "MIN_BACKLOG",
    "ProgressListener",
    "ResponseSink",
    "RunControl",
    "StageOutcome",
    "StageProgress",
    "StageRun",
]

#: Rate stages send work this far ahead of its scheduled time, so that it is in the worker when it is due ...
LOOKAHEAD_S = 0.5
#: ... topping every worker up once what it holds reaches less than ``LOOKAHEAD_S - FEED_CHUNK_S`` ahead: a batch
#: per worker every ``FEED_CHUNK_S``, not one (of a request or two) after every result batch, each of which
#: interrupts the worker's event loop on its way in.
FEED_CHUNK_S = 0.1
#: A stage starts this long after it is announced, so that every worker has its first work before it is due.
START_MARGIN_S = 0.05
#: How often the loop looks at the clock when no event arrives (deadlines, feeding, progress).
TICK_S = 0.05
#: Extra queued items per worker beyond its slots, for concurrency stages: at least this many ...
MIN_BACKLOG = 128
#: ... and at least this many seconds of work at the pace the workers have been finishing requests (covers a
#: result batch's round trip, so that a fast worker never waits for work).
BACKLOG_S = 0.3
#: This many connection errors in a row, with no success between them, means the target is gone.
DEAD_TARGET_ERRORS = 10
#: How long to wait for workers to report their cancelled requests before treating them as lost (the workers
#: themselves give up on a backend that does not honour cancellation after a few seconds).
DRAIN_TIMEOUT_S = 30.0
#: Live progress is reported at most this often.
PROGRESS_INTERVAL_S = 0.1
#: The most work items one feeding pass builds: the rest waits for the next pass, so that the loop keeps answering
#: signals and results however high the rate or the concurrency.
FEED_PASS_ITEMS = 2048
#: Rate stages hand a worker at most this many items it has not dispatched yet. A worker that keeps up holds only
#: what falls due within ``LOOKAHEAD_S``, far fewer at any rate one worker can send; one that has fallen behind its
#: schedule gets its next items when it catches up, each still carrying its scheduled time, so the lateness is
#: measured (``dispatch_lag``, ``ttft_from_schedule``) while the main process's memory stays bounded however far
#: behind the client falls.
MAX_UNDISPATCHED = 16_384


class ResponseSink(Protocol):
    """Where a stage's measured responses go (``gaugellm.metrics.BenchmarkAccumulator`` is one)."""

    def add(self, response: GenerationResponse) -> None: ...

    def add_to_class(self, name: str, response: GenerationResponse) -> None:
        """The same response again, for its traffic class's own figures (runs with ``--class``)."""
        ...

    def add_to_turn(self, turn: int, response: GenerationResponse) -> None:
        """The same response again, for the figures of its turn index (multi-turn conversations)."""
        ...


@dataclass
class StageProgress:
    """A snapshot for live progress."""

    spec: StageSpec
    elapsed_s: float
    finished: int
    errors: int
    in_flight: int
    max_requests: int | None
    max_seconds: float | None


class ProgressListener(Protocol):
    """Told a running stage's progress (the engine's ``ProgressObserver`` is one)."""

    def progress(self, snapshot: StageProgress) -> None: ...


@dataclass(slots=True)
class RunControl:
    """What a stage shares with the run around it: built once per run by the engine, read and updated by its stages.

    ``alive`` is the run's set of live workers itself (a stage that loses a worker removes it, and later stages see
    it gone); ``next_request`` walks the run-wide position in the data set, so that the stages of a sweep do not send
    the same prompts again. The stop state is here rather than in the stage because it ends the run, not only the
    stage: a stop request (from a signal handler, between two events) reaches whichever stage is running.
    """

    executor: Executor[Any]
    alive: set[int]
    next_request: Callable[[], GenerationRequest]
    limits: StageLimits
    observer: ProgressListener | None = None
    #: The run's timeline: given here only the responses the stage leaves out of its sink (warm-up, ramp-up,
    #: cool-down); the sink (a ``BenchmarkAccumulator`` built with the same timeline) passes on the rest, with the
    #: inter-token gaps it computed, so that every response is filed once and its chunks are walked once.
    timeline: Timeline | None = None
    stop_reason: str | None = None
    stop_message: str | None = None

    def stop(self, reason: str, message: str) -> None:
        """Record why the run stops; the first reason wins (it is usually the cause of the rest)."""
        if self.stop_reason is None:
            self.stop_reason = reason
            self.stop_message = message

    def restate(self, reason: str, message: str) -> None:
        """Replace the message of the stop ``reason`` caused, once its final wording is known; another reason's stands.

        ``--max-errors`` stops the run at the error that crosses the limit, but its message counts every error, and
        those of requests already under way arrive while the stage drains.
        """
        if self.stop_reason == reason:
            self.stop_message = message


@dataclass
class StageOutcome:
    """How one stage went: its window, counts and why it stopped. The sink holds the metrics."""

    spec: StageSpec
    sink: ResponseSink
    started_at: float  # unix time of the start
    start_ns: int
    end_ns: int = 0
    measured_start_ns: int | None = None  # earliest dispatch of a measured request
    measured_end_ns: int | None = None  # latest end of a measured request
    stop_reason: str = ""
    incomplete: bool = False
    error: str | None = None
    sent: int = 0
    finished: int = 0
    ok: int = 0
    errors: int = 0
    cancelled: int = 0
    lost: int = 0
    dropped: int = 0
    excluded: int = 0
    measured_ok: int = 0
    #: Of ``measured_ok``, those that began what a rate profile schedules: a request, or a conversation's first turn.
    measured_starts_ok: int = 0
    starts: int = 0  # work items made: requests, or conversations (``sent`` counts each turn)
    prompt_sources: Counter[str] = field(default_factory=Counter)
    output_sources: Counter[str] = field(default_factory=Counter)
    last_error: str | None = None
    verdict: ProbeVerdict | None = None  # a capacity probe decided while it ran
    #: Dispatch lag of the measured requests per node, when the workers run on more than one (see WorkerInfo.node).
    lag_by_node: dict[str, LogHistogram] | None = None

    @property
    def window_ns(self) -> tuple[int, int]:
        """The measurement window: from the first measured dispatch to the last measured end."""
        start = self.measured_start_ns if self.measured_start_ns is not None else self.start_ns
        end = self.measured_end_ns if self.measured_end_ns is not None else max(self.end_ns, start)
        return start, end

    @property
    def request_rate(self) -> float | None:
        """Successful measured requests per second over the window (what a sweep places its rates with)."""
        start, end = self.window_ns
        if end <= start or not self.measured_ok:
            return None
        return self.measured_ok / ((end - start) / 1e9)

    @property
    def start_share(self) -> float:
        """The share of measured successes that were starts (1 unless the stage ran conversations).

        A rate profile schedules starts: with conversations, ``-r`` is conversations begun per second, each bringing
        its later turns, so how much of a rate a stage achieved is counted in starts too.
        """
        return self.measured_starts_ok / self.measured_ok if self.measured_ok else 1.0

    @property
    def requests_per_start(self) -> float:
        """Requests each start brought on average: 1, or with conversations their mean number of turns."""
        return self.sent / self.starts if self.starts else 1.0

    @property
    def sustained_start_rate(self) -> float | None:
        """The request rate this stage served, as the rate of starts that would load the server as much.

        What a sweep and a capacity search offer next: with conversations, the requests per second a stage served
        over its conversations' mean turns (a short stage's own count of first turns would overstate it: every
        conversation of a closed-loop stage begins at its start).
        """
        rate = self.request_rate
        return None if rate is None else rate / self.requests_per_start


@dataclass(slots=True)
class _Outstanding:
    seq: int  # position among the items sent to that worker in this stage (= its dispatch order)
    item: WorkItem


class StageRun:
    """The state of one running stage; :meth:`run` drives it to its end.

    ``shares`` is each worker's concurrency slots (``None``: a rate stage); ``sink`` receives the measured responses.
    """

    def __init__(
        self,
        control: RunControl,
        spec: StageSpec,
        stage_id: int,
        shares: dict[int, int | None],
        sink: ResponseSink,
    ) -> None:
        self.control = control
        self.spec = spec
        self.stage_id = stage_id
        self.shares = shares
        self.limits = control.limits
        self.excluder = control.limits.excluder(spec.ramp_up_s)
        self.start_ns = time.perf_counter_ns() + round(START_MARGIN_S * 1e9)
        self.outcome = StageOutcome(
            spec=spec, sink=sink, started_at=time.time() + START_MARGIN_S, start_ns=self.start_ns
        )
        max_seconds = self.limits.max_seconds
        if spec.max_seconds is not None:
            max_seconds = spec.max_seconds if max_seconds is None else min(max_seconds, spec.max_seconds)
        self.max_seconds = max_seconds
        self.deadline_ns = None if max_seconds is None else self.start_ns + round(max_seconds * 1e9)
        # A judged probe is looked at this often (its last look is its deadline).
        probe = spec.probe
        self.look_ns: int | None = None
        if probe is not None and not probe.measure_only and max_seconds is not None and probe.looks > 1:
            self.look_ns = round(max_seconds * 1e9 / probe.looks)
        self.next_look_ns = self.start_ns + (self.look_ns or 0)
        self.planned = self.limits.max_requests
        if spec.offsets is not None:  # a replay sends its trace, and no more
            self.planned = len(spec.offsets) if self.planned is None else min(self.planned, len(spec.offsets))
        self.arrivals = spec.arrivals()
        self.next_offset = next(self.arrivals, None) if self.arrivals is not None else None
        self.outstanding: dict[int, dict[int, _Outstanding]] = {worker: {} for worker in shares}
        # Per-node dispatch lag only where the workers run on several nodes: on one machine it is the overall figure.
        self.node_of = {info.worker: info.node or info.host for info in control.executor.workers}
        if len(set(self.node_of.values())) > 1:
            self.outcome.lag_by_node = {node: LogHistogram() for node in sorted(set(self.node_of.values()))}
        self.sent_to: dict[int, int] = dict.fromkeys(shares, 0)
        self.dispatched: dict[int, int] = dict.fromkeys(shares, 0)
        self.launched: dict[int, int] = dict.fromkeys(shares, 0)
        self.draining: set[int] = set()  # workers asked to end the stage that have not said Drained yet
        self.ending = False
        self.drain_deadline = 0.0
        self.round_robin = 0
        self.connect_streak = 0
        self.returned = 0
        self.last_progress = 0.0
        self.feed_behind = False  # the last feeding pass stopped at FEED_PASS_ITEMS: feed again without waiting
        self.errors_at_limit: int | None = None  # the error count when --max-errors stopped the stage

    # -- the loop ---------------------------------------------------------------------------------------------

    async def run(self) -> StageOutcome:
        executor = self.control.executor
        for worker, share in self.shares.items():
            executor.send(worker, BeginStage(self.stage_id, self.start_ns, share))
        while True:
            now = time.perf_counter_ns()
            if not self.ending:
                self._decide(now)
            if self.ending and not self.draining:
                break
            if self.ending and time.monotonic() > self.drain_deadline:
                for worker in list(self.draining):
                    self._lose(
                        worker, f"worker {worker} did not report its cancelled requests in {DRAIN_TIMEOUT_S:.0f} s"
                    )
                break
            self._report_progress(now)
            timeout = 0.0 if self.feed_behind and not self.ending else TICK_S
            if self.deadline_ns is not None and not self.ending:
                timeout = max(0.0, min(timeout, (self.deadline_ns - time.perf_counter_ns()) / 1e9))
            event = await executor.next_event(timeout)
            if event is not None:
                self._handle(event)
        self.outcome.end_ns = time.perf_counter_ns()
        if self.errors_at_limit is not None:  # the final count, with the errors of requests already under way
            outcome = self.outcome
            message = error_limit_message(self.limits.errors, self.errors_at_limit, outcome.errors, outcome.last_error)
            outcome.error = message
            self.control.restate("max_errors", message)
        return self.outcome

    def _decide(self, now: int) -> None:
        """Stop, or send more work."""
        control = self.control
        if control.stop_reason is not None:
            self._end(cancel=True, reason=control.stop_reason, error=control.stop_message)
        elif self.deadline_ns is not None and now >= self.deadline_ns:
            self._end(cancel=True, reason="max_seconds")
        elif self.look_ns is not None and now >= self.next_look_ns and self._look():
            self._end(cancel=True, reason="decided")
        else:
            self._feed(now)
            all_sent = self.planned is not None and self.outcome.sent >= self.planned
            if all_sent and not any(self.outstanding.values()):
                self._end(cancel=False, reason="max_requests")

    def _look(self) -> bool:
        """Judge a capacity probe mid-stage; True when its verdict is in."""
        assert self.spec.probe is not None
        assert self.look_ns is not None
        self.next_look_ns += self.look_ns
        verdict = self.spec.probe.judge(cast("JudgedSink", self.outcome.sink), final=False)
        if verdict is None:
            return False
        self.outcome.verdict = verdict
        return True

    def _handle(self, event: Event) -> None:
        if isinstance(event, Results):
            self._on_results(event)
        elif isinstance(event, Drained):
            if event.stage_id == self.stage_id:
                self.draining.discard(event.worker)
                # What a drained worker still "has" was never sent: what it dropped at a cancel, refills that
                # crossed EndStage, the later turns of conversations it stopped. (Its own ``dropped`` counts a part
                # of the same items, so it is not added.)
                self.outcome.dropped += len(self.outstanding.get(event.worker, {}))
                self.outstanding[event.worker] = {}
        elif isinstance(event, WorkerLost) and event.worker in self.control.alive:
            self._lose(event.worker, event.reason)
            self._end(cancel=True, reason="worker_lost", error=event.reason)

    # -- feeding ----------------------------------------------------------------------------------------------

    def _more(self) -> bool:
        return self.planned is None or self.outcome.sent < self.planned

    def _new_item(self, scheduled_ns: int | None) -> WorkItem:
        """The next request; a conversation takes one index per turn, cut short where the planned count ends."""
        index = self.outcome.sent
        request = self.control.next_request()
        if request.follow_ups and self.planned is not None and len(request.follow_ups) >= self.planned - index:
            request.follow_ups = request.follow_ups[: max(0, self.planned - index - 1)]
        self.outcome.sent += 1 + len(request.follow_ups)
        self.outcome.starts += 1
        return WorkItem(index=index, request=request, scheduled_ns=scheduled_ns)

    def _feed(self, now: int) -> None:
        batches: dict[int, list[WorkItem]] = {}
        workers = [w for w in self.shares if w in self.control.alive]
        self.feed_behind = False
        if not workers:
            return
        budget = self.outcome.sent + FEED_PASS_ITEMS
        if self.arrivals is not None:
            horizon = now + round(LOOKAHEAD_S * 1e9)
            if self.next_offset is not None and self.start_ns + self.next_offset > horizon - round(FEED_CHUNK_S * 1e9):
                return  # the workers hold enough
            while self.next_offset is not None and self._more():
                scheduled = self.start_ns + self.next_offset
                if scheduled > horizon or (self.deadline_ns is not None and scheduled >= self.deadline_ns):
                    break
                if self.outcome.sent >= budget:
                    self.feed_behind = True
                    break
                worker = workers[self.round_robin % len(workers)]
                pending = batches.get(worker)
                undispatched = self.sent_to[worker] + (len(pending) if pending else 0) - self.dispatched[worker]
                if undispatched >= MAX_UNDISPATCHED:
                    break  # this worker is far behind its schedule: the next pass, after its results, feeds it
                self.round_robin += 1
                batches.setdefault(worker, []).append(self._new_item(scheduled))
                self.next_offset = next(self.arrivals, None)
        else:
            # One item at a time to each worker below its target, so that a capped total is shared evenly.
            elapsed_s = max(1e-3, (now - self.start_ns) / 1e9)
            backlog = max(MIN_BACKLOG, round(self.returned / len(workers) / elapsed_s * BACKLOG_S))
            hungry = list(workers)
            while hungry and self._more():
                if self.outcome.sent >= budget:
                    self.feed_behind = True
                    break
                for worker in list(hungry):
                    share = self.shares[worker] or 1
                    queued = len(self.outstanding[worker]) + len(batches.get(worker, ()))
                    if queued >= share + max(share, backlog):
                        hungry.remove(worker)
                    elif self._more():
                        batches.setdefault(worker, []).append(self._new_item(None))
        for worker, items in batches.items():
            mine = self.outstanding[worker]
            for item in items:
                entry = _Outstanding(self.sent_to[worker], item)
                for turn_index in range(item.index, item.index + 1 + len(item.request.follow_ups)):
                    mine[turn_index] = entry
                self.sent_to[worker] += 1
            self.control.executor.send(worker, Submit(self.stage_id, items))

    # -- results ----------------------------------------------------------------------------------------------

    def _on_results(self, event: Results) -> None:
        if event.stage_id != self.stage_id or event.worker not in self.outstanding:
            return
        self.dispatched[event.worker] = event.dispatched
        self.launched[event.worker] = event.launched
        self.returned += len(event.indexes)
        mine = self.outstanding[event.worker]
        for index in event.skipped:  # turns of a conversation that ended at a failed turn: never sent
            if mine.pop(index, None) is not None:
                self.outcome.dropped += 1
        outcome, errors = self.outcome, self.limits.errors
        by_node = self.outcome.lag_by_node
        lag = None if by_node is None else by_node.get(self.node_of.get(event.worker, ""))
        for index, response in zip(event.indexes, event.responses, strict=True):
            entry = mine.pop(index, None)
            measured = self._record(response, index, None if entry is None else entry.item)
            scheduled, dispatched = response.scheduled_ns, response.dispatched_ns
            if measured and lag is not None and scheduled is not None and dispatched is not None:
                lag.record(dispatched - scheduled)
            # judged response by response, not per batch: the limit bites at the error it names (see error_limit.py)
            if not self.ending and response.error is not None and errors.exceeded(outcome.errors, outcome.finished):
                self.errors_at_limit = outcome.errors
                message = error_limit_message(errors, outcome.errors, outcome.errors, outcome.last_error)
                self.control.stop("max_errors", message)
                self._end(cancel=True, reason="max_errors", error=message)
        if self.ending:
            return
        if self.connect_streak >= DEAD_TARGET_ERRORS:
            message = f"the target stopped answering: {outcome.last_error}"
            self.control.stop("target_unreachable", message)
            self._end(cancel=True, reason="target_unreachable", error=message)

    def _record(self, response: GenerationResponse, index: int, item: WorkItem | None = None) -> bool:
        """Count a finished response, and measure it unless warm-up or cool-down leaves it out: whether it was.

        ``item`` is the work item the response answers (for a conversation's later turn, its first turn's item):
        its traffic class and turn get the response's figures too."""
        outcome = self.outcome
        outcome.finished += 1
        error = response.error
        if error is None:
            outcome.ok += 1
            self.connect_streak = 0
        elif error.kind is ErrorKind.CANCELLED:
            outcome.cancelled += 1
        else:
            outcome.errors += 1
            outcome.last_error = f"{error.kind.value}: {error.message}"
            self.connect_streak = self.connect_streak + 1 if error.kind is ErrorKind.CONNECT else 0
        scheduled = response.scheduled_ns if response.scheduled_ns is not None else self.start_ns
        if self.excluder.excluded(index, scheduled - self.start_ns):
            outcome.excluded += 1
            if self.control.timeline is not None:
                self.control.timeline.add(response)
            return False
        outcome.sink.add(response)
        if item is not None:
            request = item.request
            if request.traffic_class is not None:
                outcome.sink.add_to_class(request.traffic_class, response)
            if request.turn is not None:
                outcome.sink.add_to_turn(request.turn + index - item.index, response)
        if error is None:
            outcome.measured_ok += 1
            if item is None or index == item.index:
                outcome.measured_starts_ok += 1
            outcome.prompt_sources[response.prompt_tokens_source] += 1
            outcome.output_sources[response.output_tokens_source] += 1
        began = response.dispatched_ns if response.dispatched_ns is not None else scheduled
        if outcome.measured_start_ns is None or began < outcome.measured_start_ns:
            outcome.measured_start_ns = began
        ended = response.ended_ns if response.ended_ns is not None else began
        if outcome.measured_end_ns is None or ended > outcome.measured_end_ns:
            outcome.measured_end_ns = ended
        return True

    # -- ending -----------------------------------------------------------------------------------------------

    def _end(self, *, cancel: bool, reason: str, error: str | None = None) -> None:
        if self.ending:
            return
        self.ending = True
        outcome = self.outcome
        outcome.stop_reason = reason
        if cancel and reason not in ("max_seconds", "decided"):
            outcome.incomplete = True
        if error is not None and outcome.error is None:
            outcome.error = error
        self.drain_deadline = time.monotonic() + DRAIN_TIMEOUT_S
        for worker in self.shares:
            if worker in self.control.alive:
                self.draining.add(worker)
                self.control.executor.send(worker, EndStage(self.stage_id, cancel))

    def _lose(self, worker: int, reason: str) -> None:
        self.control.alive.discard(worker)
        self.draining.discard(worker)
        lost_at = time.perf_counter_ns()
        # Items go out in the order they were sent, so what may have been in flight is: everything the worker said
        # it dispatched, every timed item already due, and for slot-bound work the oldest items filling its slots
        # (a busy worker keeps every slot taken).
        # A conversation's turns share one entry: only its earliest unreported turn may have been in flight.
        slots = self.shares.get(worker) or 0
        position = -1
        seen: set[int] = set()
        for index, entry in self.outstanding.pop(worker, {}).items():
            item = entry.item
            if id(item) in seen:
                self.outcome.dropped += 1
                continue
            seen.add(id(item))
            position += 1
            maybe_sent = (
                entry.seq < self.dispatched.get(worker, 0)
                or (item.scheduled_ns is not None and item.scheduled_ns <= lost_at)
                or (item.scheduled_ns is None and position < slots)
            )
            if not maybe_sent:
                self.outcome.dropped += 1
                continue
            response = GenerationResponse(request_id=item.request.request_id, scheduled_ns=item.scheduled_ns)
            response.fail(ErrorKind.INCOMPLETE, f"lost in flight: {reason}")
            response.finish(at_ns=lost_at)
            self.outcome.lost += 1
            self._record(response, index, item)
        self.outstanding[worker] = {}
        self.control.stop("worker_lost", reason)
        self.outcome.incomplete = True
        self.outcome.error = self.outcome.error or reason

    # -- progress ---------------------------------------------------------------------------------------------

    def _report_progress(self, now: int) -> None:
        observer = self.control.observer
        if observer is None or time.monotonic() - self.last_progress < PROGRESS_INTERVAL_S:
            return
        self.last_progress = time.monotonic()
        observer.progress(
            StageProgress(
                spec=self.spec,
                elapsed_s=max(0.0, (now - self.start_ns) / 1e9),
                finished=self.outcome.finished,
                errors=self.outcome.errors,
                in_flight=max(0, sum(self.launched.values()) - self.returned),
                max_requests=self.planned,
                max_seconds=self.max_seconds,
            )
        )
