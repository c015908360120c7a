"""The runner's end of one worker's channel: commands out in batches, events in by long poll, death noticed.

``send`` only appends to a list; the batch goes out as one actor call on the next turn of the runner's loop, so a
stage's ``BeginStage``, ``Submit`` and ``EndStage`` travel together. A poller task keeps exactly one ``poll`` call in
flight per worker; each answer is everything the worker queued meanwhile, so a busy worker's events come back in
ever larger batches instead of as ever more calls. The actor's death fails that call at once (``WorkerLost``); a
call that neither answers nor fails within the liveness timeout (a node cut off the network) is a loss too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gaugellm.runner.executor.messages import Command, Event, Results, Stopped, WorkerLost
from gaugellm_ray.clock import shifted

__all__ = ["POLL_WAIT_S", "Placed", "WorkerLink", "describe_ray_error"]

#: How long one poll waits for an event before answering empty (seconds): a bound on how stale liveness can get.
POLL_WAIT_S = 1.0


@dataclass(frozen=True)
class Placed:
    """Where one worker's actor runs."""

    worker: int
    node_id: str
    address: str
    hostname: str
    pid: int
    boot_id: str


def describe_ray_error(exc: BaseException) -> str:
    """A Ray exception in one line (their messages run over many)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0] if lines else 'no details'}"


class WorkerLink:
    """One worker's actor, seen from the runner."""

    def __init__(
        self,
        placed: Placed,
        actor: Any,
        deliver: Callable[[Event], None],
        *,
        clock_delta_ns: int,
        liveness_timeout_s: float,
    ) -> None:
        self.placed = placed
        self.actor = actor
        self.finished = asyncio.Event()  # Stopped or lost: nothing more will come
        self.lost: str | None = None
        self._deliver = deliver
        self._results_shift = -clock_delta_ns  # worker perf_counter -> runner clock
        self._liveness_timeout_s = liveness_timeout_s
        self._pending: list[Command] = []
        self._seq = 0
        self._flush_scheduled = False
        self._poller = asyncio.get_running_loop().create_task(self._poll(), name=f"ray-worker-{placed.worker}-events")

    @property
    def worker(self) -> int:
        return self.placed.worker

    def send(self, command: Command) -> None:
        self._pending.append(command)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self._flush_scheduled = False
        if not self._pending or self.finished.is_set():
            self._pending.clear()
            return
        commands, self._pending = self._pending, []
        seq, self._seq = self._seq, self._seq + 1
        with contextlib.suppress(Exception):  # a dead actor: its poll says so
            self.actor.deliver.remote(seq, commands)  # fire and forget: Ray runs one caller's calls in order

    async def _poll(self) -> None:
        from ray.exceptions import ActorUnavailableError, RayError

        waited = 0.0
        while True:
            try:
                events: list[Event] = await asyncio.wait_for(
                    self.actor.poll.remote(POLL_WAIT_S), POLL_WAIT_S + self._liveness_timeout_s
                )
            except ActorUnavailableError:  # a transient network problem: try again, within the liveness bound
                waited += POLL_WAIT_S
                if waited < self._liveness_timeout_s:
                    await asyncio.sleep(POLL_WAIT_S)
                    continue
                self._lose(f"was unreachable for {self._liveness_timeout_s:g} s", kill=True)
                return
            except TimeoutError:
                self._lose(f"did not answer for {POLL_WAIT_S + self._liveness_timeout_s:g} s", kill=True)
                return
            except RayError as exc:
                self._lose(f"died ({describe_ray_error(exc)})")
                return
            waited = 0.0
            for event in events:
                self._deliver(shifted(event, self._results_shift) if isinstance(event, Results) else event)
                if isinstance(event, Stopped):
                    self.finished.set()
                    return

    def _lose(self, what: str, *, kill: bool = False) -> None:
        """Report the worker lost; ``kill``: it may still be running somewhere (hung, cut off), so end it."""
        if kill:
            import ray

            with contextlib.suppress(Exception):
                ray.kill(self.actor, no_restart=True)
        placed = self.placed
        self.lost = (
            f"worker {placed.worker} (pid {placed.pid}, Ray node {placed.node_id[:12]} at {placed.address}) {what}"
        )
        self.finished.set()
        self._deliver(WorkerLost(placed.worker, self.lost))

    async def close(self) -> None:
        """Stop polling (the actor is being killed)."""
        self._poller.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._poller
