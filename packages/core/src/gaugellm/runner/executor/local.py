"""The local executor: worker processes on this machine, started with ``spawn``, one duplex pipe each.

``spawn`` rather than ``fork``: a forked child inherits the runner's threads, locks and whatever the plugin or the
CLI imported, and some backends (engines holding a device) do not survive it. Each worker builds its own backend from
the pickled args.

Workers never re-run the runner's ``__main__`` (``spawn`` would otherwise execute the user's script, or the
``gaugellm`` console script with all its imports, in every worker): their entry point lives in this package and
needs nothing from ``__main__``, so :func:`_main_hidden` keeps it out of what ``spawn`` hands the child. That makes
workers start faster and makes scripts without an ``if __name__ == "__main__"`` guard safe.

On this side every pipe has a reader thread (events into one asyncio queue) and a writer thread (commands out of
a queue), so that neither a slow worker nor a big batch ever blocks the runner's event loop. The reader sees a
worker's death as end-of-file on its pipe and turns it into a :class:`WorkerLost` event with the exit status,
unless the worker said ``Stopped`` first; whatever that worker had started and left running is ended then, and
after every normal stop too (:mod:`gaugellm.runner.executor.leftovers`).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import queue
import signal
import sys
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from gaugellm.runner.errors import BackendStartupError
from gaugellm.runner.executor.args import LocalExecutorArgs
from gaugellm.runner.executor.base import Executor, WorkerInfo
from gaugellm.runner.executor.leftovers import ProcessId, descendants, end_processes
from gaugellm.runner.executor.messages import (
    Command,
    Event,
    Ready,
    Shutdown,
    StartupFailed,
    Stopped,
    WorkerLost,
)
from gaugellm.runner.executor.process import worker_main
from gaugellm.runner.executor.spec import BackendSpec

__all__ = ["LocalExecutor", "describe_exit"]


def describe_exit(exitcode: int | None) -> str:
    """``killed by SIGKILL`` / ``exited with status 3`` / ``is not responding``."""
    if exitcode is None:
        return "stopped responding"
    if exitcode < 0:
        try:
            return f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited with status {exitcode}"


_main_lock = threading.Lock()


@contextlib.contextmanager
def _main_hidden() -> Iterator[None]:
    """While a worker is being spawned, make ``__main__`` look like an interactive session (nothing to re-import).

    ``spawn`` decides what the child imports as ``__main__`` from ``__main__.__spec__`` and ``__file__`` when the
    process starts; both are put back as soon as ``Process.start`` has returned.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    with _main_lock:
        missing = object()
        saved = {name: main.__dict__.get(name, missing) for name in ("__spec__", "__file__")}
        main.__dict__["__spec__"] = None
        main.__dict__.pop("__file__", None)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is missing:
                    main.__dict__.pop(name, None)
                else:
                    main.__dict__[name] = value


class _WorkerHandle:
    def __init__(
        self,
        worker: int,
        process: BaseProcess,
        conn: Connection,
        loop: asyncio.AbstractEventLoop,
        events: asyncio.Queue[Event],
    ) -> None:
        self.worker = worker
        self.process = process
        self.conn = conn
        self.stopped = False  # the worker said Stopped: its end-of-file is expected
        self.started: set[ProcessId] = set()  # processes the worker started (its backend's), to end if they outlive it
        self._loop = loop
        self._events = events
        self._outbox: queue.SimpleQueue[Command | None] = queue.SimpleQueue()
        self._reader = threading.Thread(target=self._read, name=f"worker-{worker}-events", daemon=True)
        self._writer = threading.Thread(target=self._write, name=f"worker-{worker}-commands", daemon=True)
        self._reader.start()
        self._writer.start()

    def send(self, command: Command) -> None:
        self._outbox.put(command)

    def note_descendants(self) -> None:
        """Remember the processes the worker has started so far (see :mod:`.leftovers`)."""
        if self.process.pid is not None and self.process.is_alive():
            # a new set, not an update: the reader thread may be going through the old one (the worker just died)
            self.started = self.started | set(descendants(self.process.pid))

    def end_leftovers(self) -> list[ProcessId]:
        """End what the worker started and left running (call once the worker has exited)."""
        return end_processes(sorted(self.started, key=lambda process: process.pid))

    def _deliver(self, event: Event) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is listening any more
            self._loop.call_soon_threadsafe(self._events.put_nowait, event)

    def _read(self) -> None:
        while True:
            try:
                event: Event = self.conn.recv()
            except (EOFError, OSError):
                break
            except Exception as exc:  # an event that does not unpickle: the worker is unusable
                self._deliver(WorkerLost(self.worker, f"sent an unreadable message ({type(exc).__name__}: {exc})"))
                return
            if isinstance(event, Stopped):
                self.stopped = True
            self._deliver(event)
        if not self.stopped:
            self.process.join(timeout=2.0)
            reason = f"worker {self.worker} (pid {self.process.pid}) {describe_exit(self.process.exitcode)}"
            if not self.process.is_alive():
                ended = self.end_leftovers()
                if ended:
                    pids = ", ".join(str(process.pid) for process in ended)
                    reason += f"; ended {len(ended)} process(es) it had started (pid {pids})"
            self._deliver(WorkerLost(self.worker, reason))

    def _write(self) -> None:
        while True:
            command = self._outbox.get()
            if command is None:
                return
            try:
                self.conn.send(command)
            except (OSError, ValueError):
                return

    def close(self) -> None:
        self._outbox.put(None)
        self._writer.join(timeout=1.0)
        self._reader.join(timeout=1.0)
        self.conn.close()


class LocalExecutor(Executor[LocalExecutorArgs]):
    """Worker processes on this machine: the built-in ``local`` executor, and the default."""

    def __init__(
        self,
        args: LocalExecutorArgs | None = None,
        *,
        start_timeout_s: float = 300.0,
        use_uvloop: bool | None = None,
    ) -> None:
        """``use_uvloop`` (or the args' ``uvloop``): ``None`` runs workers on asyncio's loop unless
        ``GAUGELLM_UVLOOP=1`` asks for uvloop."""
        super().__init__(args if args is not None else LocalExecutorArgs(uvloop=use_uvloop))
        self.start_timeout_s = start_timeout_s
        self.use_uvloop = use_uvloop if use_uvloop is not None else self.args.uvloop
        self._handles: list[_WorkerHandle] = []
        self._workers: list[WorkerInfo] = []
        self._events: asyncio.Queue[Event] | None = None

    @property
    def workers(self) -> list[WorkerInfo]:
        return list(self._workers)

    async def start(self, spec: BackendSpec, count: int) -> list[WorkerInfo]:
        if count < 1:
            raise ValueError("an executor needs at least one worker")
        loop = asyncio.get_running_loop()
        self._events = asyncio.Queue()
        context = multiprocessing.get_context("spawn")
        for worker in range(count):
            parent_end, child_end = context.Pipe(duplex=True)
            process = context.Process(
                target=worker_main,
                args=(worker, child_end, spec, self.use_uvloop),
                name=f"gaugellm-worker-{worker}",
                daemon=True,  # never outlive the runner, whatever happens to it
            )
            with _main_hidden():
                process.start()
            child_end.close()
            self._handles.append(_WorkerHandle(worker, process, parent_end, loop, self._events))
        try:
            await self._wait_ready(count)
        except BaseException:
            await self.stop()
            raise
        return self.workers

    async def _wait_ready(self, count: int) -> None:
        ready: dict[int, Ready] = {}
        deadline = time.monotonic() + self.start_timeout_s
        while len(ready) < count:
            event = await self.next_event(max(0.0, deadline - time.monotonic()))
            if event is None:
                raise BackendStartupError(f"workers did not start within {self.start_timeout_s:.0f} s")
            if isinstance(event, Ready):
                ready[event.worker] = event
                self._handles[event.worker].note_descendants()
            elif isinstance(event, StartupFailed):
                raise event.as_error()
            elif isinstance(event, WorkerLost):
                raise BackendStartupError(f"{event.reason} while starting its backend")
        self._workers = [
            WorkerInfo(worker=r.worker, pid=r.pid, host=r.host, backend_info=r.backend_info)
            for r in sorted(ready.values(), key=lambda r: r.worker)
        ]

    def send(self, worker: int, command: Command) -> None:
        self._handles[worker].send(command)

    async def next_event(self, timeout: float | None) -> Event | None:
        assert self._events is not None, "start() first"
        if timeout is None:
            return await self._events.get()
        try:
            return await asyncio.wait_for(self._events.get(), timeout)
        except TimeoutError:
            return None

    async def stop(self, timeout: float = 10.0) -> None:
        handles, self._handles = self._handles, []
        for handle in handles:
            if handle.process.is_alive():
                handle.note_descendants()
                handle.send(Shutdown())
        await asyncio.gather(*(asyncio.to_thread(h.process.join, timeout) for h in handles))
        for handle in handles:
            if handle.process.is_alive():
                handle.process.terminate()
        for handle in handles:
            await asyncio.to_thread(handle.process.join, 2.0)
            if handle.process.is_alive():
                handle.process.kill()
                await asyncio.to_thread(handle.process.join, 2.0)
            handle.close()
        # What a backend started and did not stop (its worker was killed, or its shutdown failed) ends with the run.
        await asyncio.gather(*(asyncio.to_thread(h.end_leftovers) for h in handles if not h.process.is_alive()))
