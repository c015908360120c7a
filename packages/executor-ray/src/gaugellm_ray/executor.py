"""The ``ray`` executor: the core's workers as Ray actors pinned to a cluster's nodes, on the runner's timeline.

Start-up, in order, each step cheap before the next costlier one: join the cluster, choose a node per worker
(:mod:`.placement`), create the actors, measure each worker's clock offset (:mod:`.clock`) and refuse to go on when
one is too uncertain, then have every worker build and validate its backend. Any failure stops what started and
raises one :class:`~gaugellm.errors.GaugeError`.

Stopping sends ``Shutdown``, waits for each worker's ``Stopped``, then kills every actor (``ray.kill``) and waits for
the processes on this machine to be gone. Actors are created by this process and not detached, so Ray also ends them
if the runner itself dies (Ctrl-C twice, SIGKILL): nothing outlives the run on the cluster.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from typing import Any

from gaugellm.runner.errors import BackendStartupError
from gaugellm.runner.executor.base import Executor, WorkerInfo
from gaugellm.runner.executor.leftovers import pid_alive
from gaugellm.runner.executor.messages import Command, Event, Ready, Shutdown, StartupFailed
from gaugellm.runner.executor.spec import BackendSpec
from gaugellm_ray.actor import RayWorker, boot_id
from gaugellm_ray.args import RayExecutorArgs
from gaugellm_ray.clock import ClockEstimate, estimate
from gaugellm_ray.connect import connect, disconnect, import_ray
from gaugellm_ray.errors import ClockUncertaintyError, RayPlacementError
from gaugellm_ray.link import Placed, WorkerLink, describe_ray_error
from gaugellm_ray.placement import Node, assign, nodes_from_ray

__all__ = ["CLOCK_SHIFT_ENV", "RayExecutor"]

#: Test hook: ``WORKER:NANOSECONDS`` (comma-separated pairs) makes those workers tell a clock shifted by that much,
#: as a worker on another machine would; the executor must measure and undo it. Never set in real runs.
CLOCK_SHIFT_ENV = "GAUGELLM_RAY_TEST_CLOCK_SHIFT"


def _clock_shifts() -> dict[int, int]:
    shifts: dict[int, int] = {}
    for pair in os.environ.get(CLOCK_SHIFT_ENV, "").split(","):
        if pair.strip():
            worker, _, shift = pair.partition(":")
            shifts[int(worker)] = int(shift)
    return shifts


class RayExecutor(Executor[RayExecutorArgs]):
    """Workers as Ray actors, one per chosen node slot."""

    def __init__(self, args: RayExecutorArgs | None = None) -> None:
        super().__init__(args if args is not None else RayExecutorArgs())
        self._owns_ray = False
        self._actors: list[Any] = []
        self._placed: list[Placed] = []
        self._clocks: list[ClockEstimate] = []
        self._links: list[WorkerLink] = []
        self._workers: list[WorkerInfo] = []
        self._events: asyncio.Queue[Event] | None = None

    @property
    def workers(self) -> list[WorkerInfo]:
        return list(self._workers)

    @property
    def info(self) -> dict[str, Any]:
        info = super().info
        info["placement"] = [
            {
                "worker": placed.worker,
                "node_id": placed.node_id,
                "node_address": placed.address,
                "hostname": placed.hostname,
                "pid": placed.pid,
                **(
                    {
                        "clock_offset_ns": self._clocks[placed.worker].offset_ns,
                        "clock_uncertainty_ns": self._clocks[placed.worker].uncertainty_ns,
                        "clock_round_trips": self._clocks[placed.worker].round_trips,
                    }
                    if placed.worker < len(self._clocks)
                    else {}
                ),
            }
            for placed in self._placed
        ]
        info["nodes"] = len({placed.node_id for placed in self._placed})
        lost = [link.lost for link in self._links if link.lost]
        if lost:
            info["lost_workers"] = lost
        return info

    # -- start --------------------------------------------------------------------------------------------------

    async def start(self, spec: BackendSpec, count: int) -> list[WorkerInfo]:
        if count < 1:
            raise ValueError("an executor needs at least one worker")
        self._events = asyncio.Queue()
        deadline = time.monotonic() + self.args.start_timeout_s
        try:
            self._owns_ray = connect(self.args.address, self.args.namespace)
            ray = import_ray()
            nodes = nodes_from_ray(ray.nodes())
            chosen = assign(
                nodes,
                count,
                placement=self.args.placement,
                workers_per_node=self.args.workers_per_node,
                num_cpus=self.args.num_cpus,
                node_resource=self.args.node_resource,
            )
            self._create_actors(ray, chosen)
            self._placed = await self._await_placement(chosen, deadline)
            self._clocks = [await self._measure_clock(i) for i in range(count)]
            self._check_clocks()
            deltas = await self._gather(
                [a.set_clock.remote(c.offset_ns) for a, c in zip(self._actors, self._clocks, strict=True)]
            )
            readies = await self._start_backends(spec, deadline)
        except BaseException:
            await self.stop()
            raise
        for placed, actor, delta in zip(self._placed, self._actors, deltas, strict=True):
            self._links.append(
                WorkerLink(
                    placed,
                    actor,
                    self._events.put_nowait,
                    clock_delta_ns=delta,
                    liveness_timeout_s=self.args.liveness_timeout_s,
                )
            )
        self._workers = [
            WorkerInfo(
                worker=ready.worker,
                pid=ready.pid,
                host=ready.host,
                backend_info=ready.backend_info,
                clock_offset_ns=clock.offset_ns,
                clock_uncertainty_ns=clock.uncertainty_ns,
                node=f"{placed.hostname}/{placed.node_id[:8]}",  # readable, and apart for nodes on one host
            )
            for ready, clock, placed in zip(readies, self._clocks, self._placed, strict=True)
        ]
        return self.workers

    def _create_actors(self, ray: Any, chosen: list[Node]) -> None:
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        remote_worker = ray.remote(RayWorker)
        shifts = _clock_shifts()
        resources = {self.args.node_resource: 0.001} if self.args.node_resource else None
        for worker, node in enumerate(chosen):
            options: dict[str, Any] = {
                "num_cpus": self.args.num_cpus,
                "scheduling_strategy": NodeAffinitySchedulingStrategy(node_id=node.node_id, soft=False),
                "max_restarts": 0,
                "max_task_retries": 0,
                "name": None,
            }
            if resources:
                options["resources"] = resources
            self._actors.append(remote_worker.options(**options).remote(worker, shifts.get(worker, 0)))

    async def _gather(self, refs: list[Any], timeout: float | None = None) -> list[Any]:
        return list(await asyncio.wait_for(asyncio.gather(*refs), timeout))

    async def _await_placement(self, chosen: list[Node], deadline: float) -> list[Placed]:
        from ray.exceptions import RayError

        try:
            identities = await self._gather(
                [actor.identity.remote() for actor in self._actors], max(0.0, deadline - time.monotonic())
            )
        except TimeoutError:
            raise RayPlacementError(
                f"the workers' actors were not placed within {self.args.start_timeout_s:g} s "
                "(are the chosen nodes' CPUs taken by other work? see `ray status`)"
            ) from None
        except RayError as exc:
            raise BackendStartupError(f"a worker's actor failed to start: {describe_ray_error(exc)}") from None
        return [
            Placed(
                worker=worker,
                node_id=str(identity["node_id"]),
                address=node.address,
                hostname=str(identity["hostname"]),
                pid=int(identity["pid"]),
                boot_id=str(identity["boot_id"]),
            )
            for worker, (identity, node) in enumerate(zip(identities, chosen, strict=True))
        ]

    async def _measure_clock(self, worker: int) -> ClockEstimate:
        """Offset of one worker's clock: zero and exact on this machine's boot, else by round trips."""
        here = boot_id()
        if here and self._placed[worker].boot_id == here:
            return ClockEstimate(offset_ns=0, uncertainty_ns=0, round_trips=0)
        actor = self._actors[worker]
        probes = []
        for _ in range(self.args.clock_probes):
            t0 = time.perf_counter_ns()
            reading = await actor.clock.remote()
            t1 = time.perf_counter_ns()
            probes.append((t0, int(reading), t1))
        return estimate(probes)

    def _check_clocks(self) -> None:
        limit_ns = self.args.max_clock_uncertainty_ms * 1e6
        for placed, clock in zip(self._placed, self._clocks, strict=True):
            if clock.uncertainty_ns > limit_ns:
                raise ClockUncertaintyError(
                    f"worker {placed.worker} on Ray node {placed.address}: its clock offset to the runner is known "
                    f"only within ±{clock.uncertainty_ns / 1e6:.2f} ms (tightest of {clock.round_trips} round trips), "
                    f"above max_clock_uncertainty_ms={self.args.max_clock_uncertainty_ms:g}; schedules would not "
                    "hold across nodes (a busy or distant node?), or raise the limit in --executor-kwargs"
                )

    async def _start_backends(self, spec: BackendSpec, deadline: float) -> list[Ready]:
        from ray.exceptions import RayError

        try:
            outcomes = await self._gather(
                [actor.start.remote(spec) for actor in self._actors], max(0.0, deadline - time.monotonic())
            )
        except TimeoutError:
            raise BackendStartupError(f"workers did not start within {self.args.start_timeout_s:.0f} s") from None
        except RayError as exc:
            raise BackendStartupError(f"a worker died while starting its backend: {describe_ray_error(exc)}") from None
        for outcome in outcomes:
            if isinstance(outcome, StartupFailed):
                raise outcome.as_error()
        return [outcome for outcome in outcomes if isinstance(outcome, Ready)]

    # -- run ----------------------------------------------------------------------------------------------------

    def send(self, worker: int, command: Command) -> None:
        self._links[worker].send(command)

    async def next_event(self, timeout: float | None) -> Event | None:
        assert self._events is not None, "start() first"
        if timeout is None:
            return await self._events.get()
        try:
            return await asyncio.wait_for(self._events.get(), timeout)
        except TimeoutError:
            return None

    # -- stop ---------------------------------------------------------------------------------------------------

    async def stop(self, timeout: float = 10.0) -> None:
        links, actors = list(self._links), self._actors
        self._actors = []
        for link in links:
            if not link.finished.is_set():
                link.send(Shutdown())
                link.flush()
        if links:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*(link.finished.wait() for link in links)), timeout)
        for link in links:
            await link.close()
        if actors:
            ray = import_ray()
            for actor in actors:
                with contextlib.suppress(Exception):
                    ray.kill(actor, no_restart=True)
            await self._wait_gone(timeout)
        if self._owns_ray:
            self._owns_ray = False
            disconnect()

    async def _wait_gone(self, timeout: float) -> None:
        """Wait until the killed actors' processes on this machine have exited (others are Ray's to end)."""
        here = socket.gethostname()
        pids = [placed.pid for placed in self._placed if placed.hostname == here]
        deadline = time.monotonic() + timeout
        while pids and time.monotonic() < deadline:
            pids = [pid for pid in pids if pid_alive(pid)]
            if pids:
                await asyncio.sleep(0.05)
