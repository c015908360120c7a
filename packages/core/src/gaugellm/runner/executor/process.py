"""The worker process of the local executor: a ``spawn``-ed interpreter running one :class:`WorkerRuntime`.

The process receives a :class:`BackendSpec` (args, pickled, never a backend instance) and one end of a duplex pipe.
Commands are read by a small thread that blocks on the pipe and hands each one to the event loop, so the loop never
waits on the pipe; events are written from the loop. SIGINT is ignored here: a Ctrl-C on the terminal reaches
every process of the group, and it is the runner that decides how the run ends (it cancels stages, collects what was
measured and then shuts the workers down). If the runner disappears, the pipe's end-of-file shuts the worker down.
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import gc
import os
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection

from gaugellm.runner.executor.messages import Command, Event, Shutdown, Stopped
from gaugellm.runner.executor.spec import BackendSpec
from gaugellm.runner.executor.worker import WorkerRuntime, startup_failure

__all__ = ["UVLOOP_ENV", "uvloop_wanted", "worker_main"]


#: ``1`` (or ``true``, ``yes``, ``on``): workers run on uvloop where it is installed (the local executor's ``uvloop``
#: arg says the same per run). Off by default: uvloop gave no higher request rate than asyncio's loop and no better
#: pacing where it was measured (docs/runner.md).
UVLOOP_ENV = "GAUGELLM_UVLOOP"


def uvloop_wanted(use_uvloop: bool | None) -> bool:
    """``True``/``False`` as given; ``None`` (the default): only if ``GAUGELLM_UVLOOP`` asks for it."""
    if use_uvloop is not None:
        return use_uvloop
    return os.environ.get(UVLOOP_ENV, "0").strip().lower() in ("1", "true", "yes", "on")


def worker_main(worker: int, conn: Connection, spec: BackendSpec, use_uvloop: bool | None = None) -> None:
    """Entry point of a worker process.

    The event loop is uvloop's where it is installed (``gaugellm[uvloop]``) and wanted (see :func:`uvloop_wanted`):
    a worker is mostly event-loop overhead per network read, which uvloop roughly halves. Otherwise asyncio's.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>` prints where a stuck worker is
    try:
        run = asyncio.run
        if uvloop_wanted(use_uvloop):
            with contextlib.suppress(ImportError):
                import uvloop  # type: ignore[import-not-found,unused-ignore]

                run = uvloop.run
        run(_serve(worker, conn, spec))
    finally:
        conn.close()


async def _serve(worker: int, conn: Connection, spec: BackendSpec) -> None:
    runtime: WorkerRuntime | None = None

    def emit(event: Event) -> None:
        try:
            conn.send(event)
        except (OSError, ValueError):  # the runner is gone: nobody is left to report to
            if runtime is not None:
                runtime.handle(Shutdown())

    runtime = WorkerRuntime(worker, spec, emit)
    loop = asyncio.get_running_loop()
    starting = loop.create_task(runtime.start())
    gate = _StartupGate(runtime, starting)
    # Commands are read from the start: a runner that gives up (Ctrl-C, its start-up timeout) or disappears while
    # the backend is still starting must not wait for a readiness check that may never end.
    reader = threading.Thread(target=_read_commands, args=(conn, loop, gate.handle), name="commands", daemon=True)
    reader.start()
    try:
        ready = await starting
    except Exception as exc:
        emit(startup_failure(worker, exc))
        await runtime.shutdown_backend()
        return
    except asyncio.CancelledError:
        if not starting.cancelled():
            raise
        await runtime.shutdown_backend()  # asked to stop while starting
        emit(Stopped(worker=worker))
        return
    freeze_heap()
    emit(ready)
    gate.open()
    await runtime.serve()


class _StartupGate:
    """Commands that arrive while the backend starts: a ``Shutdown`` cancels the start-up, the rest wait for it."""

    def __init__(self, runtime: WorkerRuntime, starting: asyncio.Task[object]) -> None:
        self.runtime = runtime
        self.starting = starting
        self.held: list[Command] | None = []  # None once open: commands go straight to the runtime

    def handle(self, command: Command) -> None:
        if self.held is None:
            self.runtime.handle(command)
        elif isinstance(command, Shutdown):
            self.starting.cancel()
            self.held.append(command)  # should the start-up win the race, the runtime still shuts down
        else:
            self.held.append(command)

    def open(self) -> None:
        held, self.held = self.held or [], None
        for command in held:
            self.runtime.handle(command)


def freeze_heap() -> None:
    """Move everything alive after start-up out of the garbage collector's sight, for the worker's lifetime.

    A worker's start-up heap (the backend's libraries, pydantic's schemas, ...) is hundreds of thousands of objects
    that live as long as the process. Left in the collector's oldest generation, every full collection walks them
    all: a stall of many milliseconds (docs/runner.md) in which every request due goes out late. Frozen, they
    are never scanned again; what the run allocates is collected as usual. (vLLM's server does the same.) Only
    here, in the worker process: a runtime driven inside another program (tests) must not freeze that program's heap.
    """
    gc.collect()
    gc.freeze()


def _read_commands(conn: Connection, loop: asyncio.AbstractEventLoop, deliver: Callable[[Command], None]) -> None:
    while True:
        try:
            command: Command = conn.recv()
        except (EOFError, OSError):
            command = Shutdown()  # the runner went away
        try:
            loop.call_soon_threadsafe(deliver, command)
        except RuntimeError:  # the loop is closed: the worker is already on its way out
            return
        if isinstance(command, Shutdown):
            return
