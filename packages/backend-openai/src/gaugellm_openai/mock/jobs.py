"""A paced response: its chunks written as their deadlines fall due, on the pacer shared by every connection.

Kept apart from the HTTP protocol: a job only needs somewhere to write, a pacer to wake it and, when the server has
a serving model (:mod:`gaugellm_openai.mock.serving`), a slot to start in and to give back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gaugellm_openai.mock.content import ID_PLACEHOLDER, StreamPart
from gaugellm_openai.mock.serving import DONE

if TYPE_CHECKING:
    from gaugellm_openai.mock.protocol import MockHTTPProtocol

__all__ = ["GrowingStreamJob", "StreamJob"]


class StreamJob:
    """One paced response: parts due at ``t0 + token_index * itl`` (plus a stall), written as they fall due.

    Without a serving model ``t0`` is the arrival plus TTFT and :meth:`start` runs at once; with one, the model calls
    :meth:`begin` when it admits the job, and the job gives its slot back when it ends or its client leaves.
    """

    __slots__ = (
        "_connection",
        "_id",
        "_index",
        "_itl",
        "_lead_s",
        "_parts",
        "_stall_at",
        "_stall_s",
        "_t0",
        "_tail",
        "cancelled",
        "slot_state",
    )

    def __init__(
        self,
        connection: MockHTTPProtocol,
        parts: list[StreamPart],
        tail: bytes | None,
        t0: float,
        number: bytes,
        stall_at: int | None,
        lead_s: float | None = None,
    ) -> None:
        state = connection.state
        self._lead_s = state.ttft_s if lead_s is None else lead_s  # from admission to token 0: TTFT, unless told
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
        self.slot_state = DONE  # the serving model's mark (unused without one)

    def _due(self, token_index: int) -> float:
        due = self._t0 + token_index * self._itl
        if self._stall_at is not None and token_index >= self._stall_at:
            due += self._stall_s
        return due

    def begin(self, at: float) -> None:
        """Admitted by the serving model at ``at``: the service (TTFT, then the tokens) starts now."""
        self._t0 = at + self._lead_s
        self.start()

    def start(self) -> None:
        self._connection.state.pacer.at(self._due(self._parts[0][0]) if self._parts else self._t0, self.step)

    def cancel(self) -> None:
        """The client left: stop writing, and give back the queue place or slot (the next request is admitted)."""
        self.cancelled = True
        serving = self._connection.state.serving
        if serving is not None:
            serving.leave(self, self._connection.state.loop.time())

    def _end(self, last_due: float) -> None:
        connection = self._connection
        serving = connection.state.serving
        if serving is not None:
            serving.leave(self, last_due)  # before a pipelined request of this connection can queue behind
        connection.stream_done(dropped=self._tail is None)

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
            self._end(self._due(parts[-1][0]) if parts else self._t0)
        else:
            connection.state.pacer.at(self._due(parts[index][0]), self.step)


class GrowingStreamJob(StreamJob):
    """A stream whose ITL depends on how many streams are being served (``itl_growth_ms``).

    Deadlines cannot be absolute here: each next chunk is due one *current* ITL per token after the previous one,
    the ITL read from the serving model when that chunk is scheduled. So the batch's size at each step, not at the
    stream's start, sets its pace.
    """

    __slots__ = ("_next_due", "_stalled")

    def __init__(
        self,
        connection: MockHTTPProtocol,
        parts: list[StreamPart],
        tail: bytes | None,
        t0: float,
        number: bytes,
        stall_at: int | None,
        lead_s: float | None = None,
    ) -> None:
        super().__init__(connection, parts, tail, t0, number, stall_at, lead_s)
        self._next_due = t0
        self._stalled = False

    def _gap(self, previous_token: int, token: int) -> float:
        """How long after the chunk holding ``previous_token`` the one holding ``token`` is due."""
        serving = self._connection.state.serving
        assert serving is not None  # growth always comes with a serving model
        gap = (token - previous_token) * serving.itl_s()
        if not self._stalled and self._stall_at is not None and token >= self._stall_at:
            self._stalled = True
            gap += self._stall_s
        return gap

    def start(self) -> None:
        if self._parts:
            self._next_due = self._t0 + self._gap(0, self._parts[0][0])
        else:
            self._next_due = self._t0
        self._connection.state.pacer.at(self._next_due, self.step)

    def step(self) -> None:
        if self.cancelled:
            return
        connection = self._connection
        now = connection.state.loop.time()
        parts = self._parts
        index = self._index
        due = self._next_due
        out = []
        while index < len(parts) and due <= now:
            out.append(parts[index][1])
            index += 1
            if index < len(parts):
                due += self._gap(parts[index - 1][0], parts[index][0])
        self._index = index
        self._next_due = due
        finished = index == len(parts)
        if finished and self._tail is not None:
            out.append(self._tail)
        if out:
            connection.write(b"".join(out).replace(ID_PLACEHOLDER, self._id))
        if finished:
            self._end(due)
        else:
            connection.state.pacer.at(due, self.step)
