"""A paced response: its chunks written as their deadlines fall due, on the pacer shared by every connection.

Kept apart from the HTTP protocol: a job only needs somewhere to write and a pacer to wake it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gaugellm_openai.mock.content import ID_PLACEHOLDER, StreamPart

if TYPE_CHECKING:
    from gaugellm_openai.mock.protocol import MockHTTPProtocol

__all__ = ["StreamJob"]


class StreamJob:
    """One paced response: parts due at ``t0 + token_index * itl`` (plus a stall), written as they fall due."""

    __slots__ = ("_connection", "_id", "_index", "_itl", "_parts", "_stall_at", "_stall_s", "_t0", "_tail", "cancelled")

    def __init__(
        self,
        connection: MockHTTPProtocol,
        parts: list[StreamPart],
        tail: bytes | None,
        t0: float,
        number: bytes,
        stall_at: int | None,
    ) -> None:
        state = connection.state
        self._connection = connection
        self._parts = parts
        self._tail = tail  # None: drop the connection after the parts instead of ending the response
        self._t0 = t0
        self._itl = state.itl_s
        self._stall_at = stall_at
        self._stall_s = state.stall_s
        self._id = number
        self._index = 0
        self.cancelled = False

    def _due(self, token_index: int) -> float:
        due = self._t0 + token_index * self._itl
        if self._stall_at is not None and token_index >= self._stall_at:
            due += self._stall_s
        return due

    def start(self) -> None:
        self._connection.state.pacer.at(self._due(self._parts[0][0]) if self._parts else self._t0, self.step)

    def step(self) -> None:
        if self.cancelled:
            return
        connection = self._connection
        now = connection.state.loop.time()
        parts = self._parts
        index = self._index
        out = []
        while index < len(parts) and self._due(parts[index][0]) <= now:
            out.append(parts[index][1])
            index += 1
        self._index = index
        finished = index == len(parts)
        if finished and self._tail is not None:
            out.append(self._tail)
        if out:
            connection.write(b"".join(out).replace(ID_PLACEHOLDER, self._id))
        if finished:
            connection.stream_done(dropped=self._tail is None)
        else:
            connection.state.pacer.at(self._due(parts[index][0]), self.step)
