"""The bytes the simulated server sends for the Responses API (``/v1/responses``), encoded ahead of time.

The same approach as :mod:`gaugellm_openai.mock.content`: the events before the first token and every text delta
but a stream's last are the same in every stream (token *i* is always the same word, and an event's
``sequence_number`` is its position), so they are rendered once and shared; the ids are fixed-width placeholders
filled in by one ``bytes.replace``. What depends on the request (the last delta, the closing events that repeat the
whole text, the usage) is rendered per request.

The shape follows OpenAI's streaming events: ``event: <type>`` and ``data: <json>`` per event; ``response.created``,
``response.in_progress``, ``response.output_item.added``, ``response.content_part.added``, one
``response.output_text.delta`` per chunk, ``response.output_text.done``, ``response.content_part.done``,
``response.output_item.done`` and a terminal ``response.completed`` (or ``response.incomplete`` when
``max_output_tokens`` cut the answer), which carries ``usage``. There is no ``data: [DONE]``. With
``reasoning_tokens`` the first deltas are ``response.reasoning_text.delta`` events (without a reasoning item's own
added/done events: a client times deltas, not items).
"""

from __future__ import annotations

import json
from typing import Any

from gaugellm_openai.mock.config import MockServerConfig
from gaugellm_openai.mock.content import ID_PLACEHOLDER, TERMINATOR, StreamPart, chunk_frame, token_text

__all__ = ["ResponsesRenderer"]

_RESPONSE_ID = "resp_" + ID_PLACEHOLDER.decode()
_ITEM_ID = "msg_" + ID_PLACEHOLDER.decode()
_REASONING_ID = "rs_" + ID_PLACEHOLDER.decode()
_PREAMBLE_EVENTS = 4  # created, in_progress, output_item.added, content_part.added
_SMALL_CACHE = 256


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


class ResponsesRenderer:
    """Renders (and caches) the ``/v1/responses`` answers of one server configuration."""

    def __init__(self, config: MockServerConfig, created: int) -> None:
        self._config = config
        self._created = created
        self._middles: list[bytes] = []
        self._offsets: list[int] = [0]  # [m]: length of the first m middles joined
        self._joined = b""
        self._last: dict[int, StreamPart] = {}
        opening: list[tuple[str, dict[str, Any]]] = [
            ("response.created", {"response": self._response_obj("in_progress", [], None)}),
            ("response.in_progress", {"response": self._response_obj("in_progress", [], None)}),
            ("response.output_item.added", {"output_index": 0, "item": self._message_item(None)}),
            ("response.content_part.added", {**self._part_position(), "part": self._text_part("")}),
        ]
        self._preamble = b"".join(
            self._event(name, {"type": name, "sequence_number": number, **fields})
            for number, (name, fields) in enumerate(opening)
        )

    # -- building blocks --------------------------------------------------------------------------------------

    def event(self, name: str, number: int, fields: dict[str, Any]) -> bytes:
        """One framed event of type ``name`` with sequence number ``number`` (for answers rendered per request)."""
        return self._event(name, {"type": name, "sequence_number": number, **fields})

    def response_obj(self, status: str, output: list[dict[str, Any]], usage: tuple[int, int] | None) -> dict[str, Any]:
        """The ``response`` object of a terminal event or a whole answer."""
        return self._response_obj(status, output, self.usage(usage))

    def _event(self, name: str, payload: dict[str, Any]) -> bytes:
        data = _dumps(payload)
        if self._config.multiline_data:
            cut = data.find(b",") + 1 or len(data)  # JSON allows a newline after any comma
            return chunk_frame(b"event: %s\ndata: %s\ndata: %s\n\n" % (name.encode(), data[:cut], data[cut:]))
        return chunk_frame(b"event: %s\ndata: %s\n\n" % (name.encode(), data))

    def _response_obj(self, status: str, output: list[dict[str, Any]], usage: dict[str, Any] | None) -> dict[str, Any]:
        return {
            "id": _RESPONSE_ID,
            "object": "response",
            "created_at": self._created,
            "status": status,
            "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
            "model": self._config.model,
            "output": output,
            "usage": usage,
        }

    @staticmethod
    def _text_part(text: str) -> dict[str, Any]:
        return {"type": "output_text", "text": text, "annotations": []}

    def _message_item(self, text: str | None) -> dict[str, Any]:
        return {
            "id": _ITEM_ID,
            "type": "message",
            "status": "in_progress" if text is None else "completed",
            "role": "assistant",
            "content": [] if text is None else [self._text_part(text)],
        }

    @staticmethod
    def _part_position() -> dict[str, Any]:
        return {"item_id": _ITEM_ID, "output_index": 0, "content_index": 0}

    def _delta(self, number: int, n_tokens: int) -> StreamPart:
        """Delta event ``number`` of a stream of ``n_tokens`` tokens, with its token index (when it is due)."""
        per_chunk = self._config.tokens_per_chunk
        start = number * per_chunk
        end = min(start + per_chunk, n_tokens)
        text = "".join(token_text(i) for i in range(start, end))
        if start < self._config.reasoning_tokens:  # a chunk is reasoning when its first token is
            name = "response.reasoning_text.delta"
            position = {"item_id": _REASONING_ID, "output_index": 0, "content_index": 0}
        else:
            name = "response.output_text.delta"
            position = self._part_position()
        event = {"type": name, "sequence_number": _PREAMBLE_EVENTS + number, **position, "delta": text}
        framed = self._event(name, event)
        every = self._config.keepalive_every
        if every and number % every == every - 1:
            framed = chunk_frame(b": keep-alive\n\n\n") + framed
        return end - 1, framed

    def _middle_deltas(self, count: int) -> list[bytes]:
        """The first ``count`` deltas that are not a stream's last, rendered once and grown geometrically."""
        if count > len(self._middles):
            target = max(count, 2 * len(self._middles), 64)
            endless = 1 << 62  # never the last delta
            self._middles.extend(self._delta(j, endless)[1] for j in range(len(self._middles), target))
            for chunk in self._middles[len(self._offsets) - 1 :]:
                self._offsets.append(self._offsets[-1] + len(chunk))
            self._joined = b"".join(self._middles)
        return self._middles

    def _last_delta(self, n_tokens: int) -> StreamPart:
        part = self._last.get(n_tokens)
        if part is None:
            if len(self._last) >= _SMALL_CACHE:
                self._last.clear()
            count = -(-n_tokens // self._config.tokens_per_chunk)
            part = self._last[n_tokens] = self._delta(count - 1, n_tokens)
        return part

    # -- streams ----------------------------------------------------------------------------------------------

    def stream_parts(self, n_tokens: int) -> list[StreamPart]:
        """The events up to the last text delta, with their token indexes (the preamble rides with the first)."""
        per_chunk = self._config.tokens_per_chunk
        count = -(-n_tokens // per_chunk)
        middles = self._middle_deltas(count - 1)
        parts = [(0, self._preamble)]
        parts += [((j + 1) * per_chunk - 1, middles[j]) for j in range(count - 1)]
        parts.append(self._last_delta(n_tokens))
        return parts

    def stream_blob(self, n_tokens: int) -> bytes:
        """Every event up to the last text delta, joined (the unpaced case: one write)."""
        count = -(-n_tokens // self._config.tokens_per_chunk)
        self._middle_deltas(count - 1)
        return self._preamble + self._joined[: self._offsets[count - 1]] + self._last_delta(n_tokens)[1]

    def _answer(self, n_tokens: int) -> str:
        """The text of the answer: the tokens after the reasoning."""
        return "".join(token_text(i) for i in range(min(self._config.reasoning_tokens, n_tokens), n_tokens))

    def stream_tail(self, n_tokens: int, finish_reason: str, usage: tuple[int, int] | None) -> bytes:
        """The closing events (the whole text, the terminal event with usage) and the terminating chunk."""
        text = self._answer(n_tokens)
        number = _PREAMBLE_EVENTS + -(-n_tokens // self._config.tokens_per_chunk)
        position = self._part_position()
        status = "incomplete" if finish_reason == "length" else "completed"
        terminal = "response.incomplete" if status == "incomplete" else "response.completed"
        item = self._message_item(text)
        closing = [
            ("response.output_text.done", {**position, "text": text}),
            ("response.content_part.done", {**position, "part": self._text_part(text)}),
            ("response.output_item.done", {"output_index": 0, "item": item}),
            (terminal, {"response": self._response_obj(status, [item], self.usage(usage))}),
        ]
        events = [
            self._event(name, {"type": name, "sequence_number": number + offset, **fields})
            for offset, (name, fields) in enumerate(closing)
        ]
        return b"".join(events) + TERMINATOR

    # -- whole responses --------------------------------------------------------------------------------------

    def usage(self, usage: tuple[int, int] | None) -> dict[str, Any] | None:
        if usage is None:
            return None
        prompt, output = usage
        return {
            "input_tokens": prompt,
            "input_tokens_details": {"cached_tokens": min(self._config.cached_tokens, prompt)},
            "output_tokens": output,
            "output_tokens_details": {"reasoning_tokens": min(self._config.reasoning_tokens, output)},
            "total_tokens": prompt + output,
        }

    def response_body(self, n_tokens: int, finish_reason: str, usage: tuple[int, int] | None, number: int) -> bytes:
        status = "incomplete" if finish_reason == "length" else "completed"
        output = [self._message_item(self._answer(n_tokens))]
        thinking = min(self._config.reasoning_tokens, n_tokens)
        if thinking:
            reasoning = "".join(token_text(i) for i in range(thinking))
            content = [{"type": "reasoning_text", "text": reasoning}]
            output.insert(0, {"id": _REASONING_ID, "type": "reasoning", "summary": [], "content": content})
        body = _dumps(self._response_obj(status, output, self.usage(usage)))
        return body.replace(ID_PLACEHOLDER, b"%016x" % number)
