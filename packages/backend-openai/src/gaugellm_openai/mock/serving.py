"""The simulated engine's capacity: a fixed number of serving slots, a FIFO queue, and an ITL that grows with the batch.

A real server serves a bounded batch: past it, requests wait, and the wait shows up in the client's time to first
token. A load tester's rate sweep has to find that knee, so the simulated server must have one whose position is
known exactly (:mod:`gaugellm_openai.mock.capacity` gives it in closed form). One model per server, shared by every
connection: admission is server-wide, first come first served.

A job goes ``waiting -> serving -> done``, or straight to ``done`` when its client leaves while it waits (it is then
skipped when its turn comes, so leaving costs nothing). A slot freed by a finished job passes to the next waiting job
at the finished job's own last deadline, not at the moment the pacer got round to it, so the service times of a queue
do not drift with the pacer's lateness.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

from gaugellm_openai.mock.config import MockServerConfig

__all__ = ["DONE", "SERVING", "WAITING", "Admittable", "ServingModel"]

WAITING = 1
SERVING = 2
DONE = 3


class Admittable(Protocol):
    """What the model needs of a job: where it stands, whether its client left, and how to start its service."""

    slot_state: int
    cancelled: bool

    def begin(self, at: float) -> None:
        """Start service at ``at`` (``loop.time()`` seconds): the first token is due ``ttft`` later."""


class ServingModel:
    """At most ``max_streams`` jobs served at once (unlimited when None), the rest waiting in arrival order."""

    __slots__ = ("_growth_s", "_itl_s", "_limit", "_queue", "admitted", "queued", "serving")

    def __init__(self, config: MockServerConfig) -> None:
        self._limit = config.stream_limit or 0
        self._itl_s = config.itl_ms / 1000
        self._growth_s = config.itl_growth_ms / 1000
        self._queue: deque[Admittable] = deque()  # may still hold jobs that left: they are skipped
        self.serving = 0
        self.queued = 0
        self.admitted = 0

    def itl_s(self) -> float:
        """The time between tokens now: ``itl + growth x (others being served)``."""
        return self._itl_s + self._growth_s * (self.serving - 1) if self.serving > 1 else self._itl_s

    def submit(self, job: Admittable, now: float) -> None:
        """A request has arrived: serve it at once if a slot is free, else queue it."""
        if self._limit and self.serving >= self._limit:
            job.slot_state = WAITING
            self._queue.append(job)
            self.queued += 1
        else:
            self._admit(job, now)

    def leave(self, job: Admittable, at: float) -> None:
        """The job is finished or its client left: free what it held (its place in the queue, or its slot)."""
        state = job.slot_state
        job.slot_state = DONE
        if state == WAITING:
            self.queued -= 1
        elif state == SERVING:
            self.serving -= 1
            self._admit_next(at)

    def _admit(self, job: Admittable, at: float) -> None:
        self.serving += 1
        self.admitted += 1
        job.slot_state = SERVING
        job.begin(at)

    def _admit_next(self, at: float) -> None:
        queue = self._queue
        while queue:
            job = queue.popleft()
            if job.slot_state != WAITING:
                continue  # its client left while it waited
            self.queued -= 1
            if job.cancelled:  # the server is closing it: its connection_lost will find it done
                job.slot_state = DONE
                continue
            self._admit(job, at)
            return
