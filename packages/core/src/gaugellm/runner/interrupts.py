"""Ctrl-C and SIGTERM during a whole run: start-up, the stages, shutting the workers down and writing the report.

The first signal is only noted (and passed on to whoever listens: the engine, to stop the stage in progress), so
that every phase ends in its own orderly way and the report is still written with what was measured; the handler
is then removed, so a second Ctrl-C falls through to Python's default and ends the process at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator

__all__ = ["SETTLE_S", "Interrupts"]

#: See :meth:`Interrupts.settle`.
SETTLE_S = 0.01


class Interrupts:
    """Notes the first SIGINT or SIGTERM of a run and tells its listeners."""

    def __init__(self) -> None:
        self.signal_name: str | None = None  # "Ctrl-C" or "SIGTERM" once one arrived
        self._arrived = asyncio.Event()
        self._listeners: list[Callable[[str], None]] = []

    @property
    def interrupted(self) -> bool:
        return self.signal_name is not None

    def on_interrupt(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(name)`` when the signal comes (at once, if it already came)."""
        self._listeners.append(listener)
        if self.signal_name is not None:
            listener(self.signal_name)

    async def wait(self) -> str:
        """Return the signal's name once one has arrived."""
        await self._arrived.wait()
        assert self.signal_name is not None
        return self.signal_name

    async def settle(self) -> None:
        """Let a signal that came during synchronous work (writing a report) reach its handler before going on.

        The loop learns of a signal through its wake-up pipe and runs the handler one iteration later, so a single
        ``sleep(0)`` would resume this task first; a short timed sleep lets the loop go round until the handler ran.
        """
        await asyncio.sleep(SETTLE_S)

    def note(self, name: str) -> None:
        """Record an interrupt (what the signal handler does; callable directly by an embedding program)."""
        if self.signal_name is not None:
            return
        self.signal_name = name
        self._arrived.set()
        for listener in list(self._listeners):
            listener(name)

    @contextlib.contextmanager
    def watching(self) -> Iterator[Interrupts]:
        """Handle SIGINT and SIGTERM on the running loop while the block runs (where signals can be handled)."""
        loop = asyncio.get_running_loop()
        installed: list[signal.Signals] = []

        def on_signal(signum: signal.Signals) -> None:
            loop.remove_signal_handler(signum)  # a second one falls through to the default: KeyboardInterrupt
            installed.remove(signum)
            self.note("Ctrl-C" if signum == signal.SIGINT else signum.name)

        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, on_signal, signum)
                installed.append(signum)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
                pass
        try:
            yield self
        finally:
            for signum in installed:
                loop.remove_signal_handler(signum)
