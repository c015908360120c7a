"""A paced response: its chunks written as their deadlines fall due, on the pacer shared by every connection.

Kept apart from the HTTP protocol: a job only needs somewhere to write, a pacer to wake it and, when the server has
a serving model (:mod:`gaugellm_openai.mock.serving`), a slot to start in and to give back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gaugellm_openai.mock.content import ID_PLACEHOLDER, StreamPart
from gaugellm_openai.mock.serving import DONE, WAITING

if TYPE_CHECKING:
    from gaugellm_openai.mock.protocol import MockHTTPProtocol

__all__ = ["GrowingStreamJob", "StreamJob"]


class StreamJob:
    """One paced response: parts due at ``t0 + token_index * itl`` (plus a stall), written as they fall due.

    Without a serving model ``t0`` is the arrival plus TTFT and :meth:`start` runs at once; with one, the model calls
    :meth:`begin` when it admits the job, and the job gives its slot back when it ends or its client leaves.
    """

    __slots__ = (
        "_admitted",
        "_arrival",
        "_connection",
        "_finish",
        "_first",
        "_generates",
        "_id",
        "_index",
        "_itl",
        "_last",
        "_lead_s",
        "_parts",
        "_prompt",
        "_stall_at",
        "_stall_s",
        "_t0",
        "_tail",
        "_whole",
        "cancelled",
        "emitted",
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
        *,
        arrival: float,
        prompt_tokens: int = 0,
        finish: str = "stop",
        whole: bool = False,
        generates: bool = True,
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
        # what /metrics reports of this request (see _emitted and _finished)
        self._arrival = arrival
        self._admitted = arrival  # until the serving model admits it
        self._first = self._last = 0.0
        self._prompt = prompt_tokens
        self._finish = finish
        self._whole = whole
        self._generates = generates
        self.emitted = 0  # tokens written so far

    @property
    def held_tokens(self) -> int:
        """The tokens this request holds in the simulated KV cache: its prompt and what it has generated so far."""
        return self._prompt + self.emitted

    def _emitted(self, top: int, now: float) -> None:
        """The write at ``now`` carried the tokens up to ``top`` (exclusive): count them and time them.

        A write is one step of the simulated engine for this request, as an engine step is in vLLM: the first token's
        write gives the TTFT, and the tokens of a later write share the time since the previous one evenly (one ITL
        observation each, so every request observes ``n - 1`` of them). A whole (non-streamed) body is generated on
        the same schedule but held until its end: its first token counts at its scheduled time.
        """
        done = self.emitted
        new = top - done
        if new <= 0 or not self._generates:
            return
        metrics = self._connection.state.metrics
        metrics.generation_tokens += new
        self.emitted = top
        if done == 0:
            first = self._t0 if self._whole else now
            self._first = self._last = first
            metrics.prefilled(self._prompt)
            metrics.ttft.observe(first - self._arrival)
            new -= 1
        if new:
            metrics.itl.observe_many((now - self._last) / new, new)
        self._last = now

    def _finished(self, reason: str, now: float) -> None:
        """The request left the simulated engine: finished (``stop``, ``length``) or cut (``abort``)."""
        metrics = self._connection.state.metrics
        if not self._generates:
            metrics.prefilled(self._prompt)  # a pooling request's prompt is all it processes
        elif self.emitted > 1:
            metrics.tpot.observe((self._last - self._first) / (self.emitted - 1))
        else:
            metrics.tpot.observe(0.0)
        metrics.done(reason, now - self._arrival, self._admitted - self._arrival)

    def _due(self, token_index: int) -> float:
        due = self._t0 + token_index * self._itl
        if self._stall_at is not None and token_index >= self._stall_at:
            due += self._stall_s
        return due

    def begin(self, at: float) -> None:
        """Admitted by the serving model at ``at``: the service (TTFT, then the tokens) starts now."""
        self._admitted = at
        self._t0 = at + self._lead_s
        self.start()

    def start(self) -> None:
        self._connection.state.pacer.at(self._due(self._parts[0][0]) if self._parts else self._t0, self.step)

    def cancel(self) -> None:
        """The client left: stop writing, and give back the queue place or slot (the next request is admitted)."""
        self.cancelled = True
        state = self._connection.state
        now = state.loop.time()
        if self.slot_state == WAITING:
            self._admitted = now  # it waited until now, and was never served
        self._finished("abort", now)
        serving = state.serving
        if serving is not None:
            serving.leave(self, now)

    def _end(self, last_due: float, now: float) -> None:
        connection = self._connection
        self._finished(self._finish if self._tail is not None else "abort", now)  # a dropped stream is cut
        serving = connection.state.serving
        if serving is not None:
            serving.leave(self, last_due)  # before a pipelined request of this connection can queue behind
        connection.stream_done(dropped=self._tail is None)

    def _top(self, index: int, finished: bool) -> int:
        """How many tokens the parts before ``index`` carry (a dropped stream's last part is an empty marker)."""
        if not index:
            return 0
        last = self._parts[index - 1][0]
        return last if finished and self._tail is None else last + 1

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
            self._emitted(self._top(index, finished), now)
        if finished:
            self._end(self._due(parts[-1][0]) if parts else self._t0, now)
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
        *,
        arrival: float,
        prompt_tokens: int = 0,
        finish: str = "stop",
        whole: bool = False,
        generates: bool = True,
    ) -> None:
        super().__init__(
            connection,
            parts,
            tail,
            t0,
            number,
            stall_at,
            lead_s,
            arrival=arrival,
            prompt_tokens=prompt_tokens,
            finish=finish,
            whole=whole,
            generates=generates,
        )
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
            self._emitted(self._top(index, finished), now)
        if finished:
            self._end(due, now)
        else:
            connection.state.pacer.at(due, self.step)
