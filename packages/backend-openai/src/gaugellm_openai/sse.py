"""An incremental decoder of server-sent events (the WHATWG ``text/event-stream`` format), for the hot path.

A streamed 64-token request is about 66 events, and a load generator handles thousands of requests a second, so the
decoder works on bytes, splits whole events with one ``bytes.split`` per network read, and has fast paths for the
shapes OpenAI-compatible servers send (``data: {...}`` followed by a blank line, and the Responses API's
``event: <name>`` line before it). Everything else in the
specification is handled on a slower path: ``\\r\\n`` and lone ``\\r`` line endings, events whose data spans several
``data:`` lines (joined with ``\\n``), comment lines (``: keep-alive``), blank keep-alive lines, ``event:``, ``id:``
and ``retry:`` fields (parsed and ignored: the OpenAI protocol does not use them), and a field without a colon.

Only the ``data`` of each event is returned, as bytes, because that is what the caller hands to ``json.loads``
(which accepts UTF-8 bytes, so no decoding happens here either).
"""

from __future__ import annotations

__all__ = ["SSEDecoder"]


class SSEDecoder:
    """Feed it the bytes of a response body as they arrive; it returns the data of each complete event."""

    __slots__ = ("_buffer", "_pending_cr")

    def __init__(self) -> None:
        self._buffer = b""
        self._pending_cr = False  # the last chunk ended with "\r": a "\n" may follow in the next one

    def feed(self, chunk: bytes) -> list[bytes]:
        """Decode ``chunk``; return the data of every event it completed (possibly none)."""
        if b"\r" in chunk or self._pending_cr:
            chunk = self._normalise(chunk)
        buffer = self._buffer + chunk if self._buffer else chunk
        if b"\n\n" not in buffer:
            self._buffer = buffer
            return []
        blocks = buffer.split(b"\n\n")
        self._buffer = blocks.pop()  # an incomplete event, or b"" when the chunk ended on a boundary
        events: list[bytes] = []
        for block in blocks:
            # Fast path: one "data: ..." line, the shape of every OpenAI-compatible server.
            if block[:6] == b"data: " and b"\n" not in block:
                events.append(block[6:])
            elif block[:7] == b"event: " and _event_then_data(block):
                # Second fast path: "event: <name>" then one "data: ..." line, the shape of the Responses API
                # (whose JSON repeats the name in its "type", so the event line is not needed).
                events.append(block[block.find(b"\n") + 7 :])
            elif block:
                data = _parse_block(block)
                if data is not None:
                    events.append(data)
            # an empty block is a keep-alive blank line: nothing to dispatch
        return events

    def close(self) -> list[bytes]:
        """The stream ended: return the data of a last event that had no blank line after it.

        The specification discards such an event; servers that end with ``data: [DONE]\\n`` and no blank line exist,
        so a last event whose lines are complete is dispatched rather than lost.
        """
        buffer, self._buffer = self._buffer, b""
        self._pending_cr = False
        if not buffer.endswith(b"\n"):
            return []  # a line cut in the middle: truly incomplete
        data = _parse_block(buffer.rstrip(b"\n"))
        return [] if data is None else [data]

    @property
    def pending(self) -> bool:
        """Whether bytes of an unfinished event are buffered (a stream cut now would lose them)."""
        return bool(self._buffer.strip(b"\n"))

    def _normalise(self, chunk: bytes) -> bytes:
        """Turn ``\\r\\n`` and lone ``\\r`` into ``\\n``, across chunk boundaries."""
        if self._pending_cr and chunk[:1] == b"\n":
            chunk = chunk[1:]  # the "\r" before it was already turned into "\n"
        self._pending_cr = chunk[-1:] == b"\r"
        return chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def _event_then_data(block: bytes) -> bool:
    """Whether ``block`` is exactly an ``event:`` line followed by one ``data: `` line."""
    newline = block.find(b"\n")
    return block[newline + 1 : newline + 7] == b"data: " and block.find(b"\n", newline + 1) < 0


def _parse_block(block: bytes) -> bytes | None:
    """The data of one event (its lines without the blank line), or ``None`` when it has no data field."""
    data: list[bytes] | None = None
    for line in block.split(b"\n"):
        if not line or line[:1] == b":":
            continue  # blank line inside a normalised block, or a comment
        name, colon, value = line.partition(b":")
        if not colon:
            value = b""  # a field name alone: its value is the empty string
        elif value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            if data is None:
                data = [value]
            else:
                data.append(value)
        # "event", "id", "retry" and unknown fields are not used by the OpenAI protocol
    if data is None:
        return None
    return data[0] if len(data) == 1 else b"\n".join(data)
