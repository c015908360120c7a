"""The bytes the simulated server sends, encoded ahead of time.

Speed comes from doing per request only what differs per request. Every chunk but a stream's last is the same in every
stream of an endpoint (token *i* is always the same word), so those are rendered once (HTTP chunk framing included),
kept with their concatenation, and shared by streams of any length: memory grows with the longest stream, not with
the number of lengths served. The last chunk (it carries the finish reason) and whole unpaced streams are cached per
length in small bounded caches. The response id is a fixed-width placeholder that one ``bytes.replace`` fills in, and
only the usage chunk (the prompt's size varies) is rendered per request.

The shapes are those of vLLM 0.32: a chat stream opens with ``delta: {"role": "assistant", "content": ""}`` sent
together with the first token, each token is one chunk, ``finish_reason`` rides on the last token's chunk, a usage
chunk has ``choices: []``, and ``data: [DONE]`` closes the stream.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from gaugellm_openai.mock.config import MockServerConfig

__all__ = [
    "ID_PLACEHOLDER",
    "Renderer",
    "TERMINATOR",
    "StreamPart",
    "chunk_frame",
    "embedding_inputs",
    "json_response",
    "stream_head",
    "token_text",
]

#: Replaced by the request's 16-hex-digit number: same width, so chunk framing stays valid.
ID_PLACEHOLDER = b"################"

#: Words the simulated model "generates", one per token (each with its leading space, as BPE tokens have).
_WORDS = (
    "the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while", "seven", "tiny", "llamas",
    "measure", "every", "token", "latency", "with", "care", "and", "patience", "under", "heavy", "load", "on",
    "two", "small", "cores", "at", "dawn", "again", "today",
)  # fmt: skip

TERMINATOR = b"0\r\n\r\n"
_DONE = b"data: [DONE]\n\n"

#: Entries kept per small cache (last chunks, whole unpaced streams) before it is emptied: a bound on memory when
#: output lengths are drawn from a wide range.
_SMALL_CACHE = 256

#: ``(token_index, framed_bytes)``: the bytes are due when token ``token_index`` has been generated.
StreamPart = tuple[int, bytes]


def token_text(index: int) -> str:
    return " " + _WORDS[index % len(_WORDS)]


def chunk_frame(payload: bytes) -> bytes:
    """One HTTP/1.1 chunk (``Transfer-Encoding: chunked``)."""
    return b"%x\r\n%s\r\n" % (len(payload), payload)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def stream_head(keep_alive: bool) -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ncache-control: no-cache\r\n"
        b"transfer-encoding: chunked\r\n" + (b"" if keep_alive else b"connection: close\r\n") + b"\r\n"
    )


def json_response(status: int, body: bytes, keep_alive: bool, content_type: bytes = b"application/json") -> bytes:
    """A complete response with a body of known length."""
    phrase = HTTPStatus(status).phrase.encode()
    return b"HTTP/1.1 %d %s\r\ncontent-type: %s\r\ncontent-length: %d\r\n%s\r\n%s" % (
        status,
        phrase,
        content_type,
        len(body),
        b"" if keep_alive else b"connection: close\r\n",
        body,
    )


def error_body(status: int, message: str) -> bytes:
    """An error in the shape of OpenAI and current vLLM."""
    kind = "BadRequestError" if status < 500 else "InternalServerError"
    if status == 404:
        kind = "NotFoundError"
    return _dumps({"error": {"message": message, "type": kind, "param": None, "code": status}})


def embedding_inputs(value: Any) -> list[str | list[int]] | None:
    """The inputs of an embeddings request (a string, strings, or token-id lists), or None when malformed."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not value:
        return None
    if all(type(item) is int for item in value):
        return [value]  # one input given as token ids
    if all(isinstance(item, str) or (isinstance(item, list) and item) for item in value):
        return value
    return None


class Renderer:
    """Renders (and caches) the responses of one server configuration."""

    def __init__(self, config: MockServerConfig, created: int) -> None:
        self._config = config
        self._created = created
        self._model = json.dumps(config.model)
        self.model_name = config.model
        self._middles: dict[bool, list[bytes]] = {True: [], False: []}
        self._offsets: dict[bool, list[int]] = {True: [0], False: [0]}  # [m]: length of the first m middles joined
        self._joined: dict[bool, bytes] = {True: b"", False: b""}
        self._last: dict[tuple[bool, int, str], StreamPart] = {}
        self._blobs: dict[tuple[bool, int, str], bytes] = {}
        self._role = self._role_chunk()

    # -- streams ------------------------------------------------------------------------------------------------

    def _event(self, payload: bytes) -> bytes:
        if self._config.multiline_data:
            cut = payload.find(b",") + 1 or len(payload)  # JSON allows a newline after any comma
            return chunk_frame(b"data: " + payload[:cut] + b"\ndata: " + payload[cut:] + b"\n\n")
        return chunk_frame(b"data: " + payload + b"\n\n")

    def _prefix(self, chat: bool) -> str:
        kind = "chat.completion.chunk" if chat else "text_completion"
        return (
            f'{{"id":"{"chatcmpl" if chat else "cmpl"}-{ID_PLACEHOLDER.decode()}","object":"{kind}",'
            f'"created":{self._created},"model":{self._model},'
        )

    def _choice(
        self, chat: bool, text: str | None, finish: str | None, role: bool = False, reasoning: bool = False
    ) -> str:
        reason = json.dumps(finish)
        if chat:
            delta = (
                '{"role":"assistant","content":""}'
                if role
                else "{}"
                if text is None
                else _dumps({"reasoning_content" if reasoning else "content": text}).decode()
            )
            return f'"choices":[{{"index":0,"delta":{delta},"logprobs":null,"finish_reason":{reason}}}]'
        text_json = json.dumps(text or "")
        return (
            f'"choices":[{{"index":0,"text":{text_json},"logprobs":null,"finish_reason":{reason},"stop_reason":null}}]'
        )

    def _usage_field(self, prompt: int | None, done: int) -> str:
        if prompt is None:
            return ""
        return f',"usage":{{"prompt_tokens":{prompt},"total_tokens":{prompt + done},"completion_tokens":{done}}}'

    def chat_event(self, delta: dict[str, Any], finish_reason: str | None) -> bytes:
        """One framed chat chunk with any ``delta`` (rendered per request: the tool-call answers use it)."""
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return self._event((self._prefix(True) + '"choices":' + _dumps([choice]).decode() + "}").encode())

    def _role_chunk(self, usage_prompt: int | None = None) -> bytes:
        body = self._prefix(True) + self._choice(True, None, None, role=True) + self._usage_field(usage_prompt, 0) + "}"
        return self._event(body.encode())

    def _token_chunk(
        self, chat: bool, number: int, n_tokens: int, finish_reason: str, usage_prompt: int | None = None
    ) -> StreamPart:
        """Chunk ``number`` of a stream of ``n_tokens`` tokens, with its token index (when it is due)."""
        config = self._config
        start = number * config.tokens_per_chunk
        end = min(start + config.tokens_per_chunk, n_tokens)
        text = "".join(token_text(i) for i in range(start, end))
        finish = finish_reason if end == n_tokens and config.finish_chunk != "separate" else None
        reasoning = chat and start < config.reasoning_tokens  # a chunk is reasoning when its first token is
        choice = self._choice(chat, text, finish, reasoning=reasoning)
        body = self._prefix(chat) + choice + self._usage_field(usage_prompt, end) + "}"
        framed = self._event(body.encode())
        every = config.keepalive_every
        if every and number % every == every - 1:
            framed = chunk_frame(b": keep-alive\n\n\n") + framed
        return end - 1, framed

    def _finish_chunk(self, chat: bool, finish_reason: str, usage_prompt: int | None = None, done: int = 0) -> bytes:
        """The OpenAI-style chunk of its own that carries only ``finish_reason``."""
        body = (
            self._prefix(chat) + self._choice(chat, None, finish_reason) + self._usage_field(usage_prompt, done) + "}"
        )
        return self._event(body.encode())

    def _middle_chunks(self, chat: bool, count: int) -> list[bytes]:
        """The first ``count`` chunks that are not a stream's last: the same in every stream, so rendered once.

        They grow geometrically as longer streams are asked for, with their concatenation kept alongside, so that memory
        is proportional to the longest stream (not to every length served) and an unpaced stream is one slice.
        """
        chunks = self._middles[chat]
        if count > len(chunks):
            target = max(count, 2 * len(chunks), 64)
            endless = 1 << 62  # never the last chunk
            chunks.extend(self._token_chunk(chat, j, endless, "")[1] for j in range(len(chunks), target))
            offsets = self._offsets[chat]
            for chunk in chunks[len(offsets) - 1 :]:
                offsets.append(offsets[-1] + len(chunk))
            self._joined[chat] = b"".join(chunks)
        return chunks

    def _last_chunk(self, chat: bool, n_tokens: int, finish_reason: str) -> StreamPart:
        key = (chat, n_tokens, finish_reason)
        part = self._last.get(key)
        if part is None:
            if len(self._last) >= _SMALL_CACHE:
                self._last.clear()
            count = -(-n_tokens // self._config.tokens_per_chunk)
            part = self._last[key] = self._token_chunk(chat, count - 1, n_tokens, finish_reason)
        return part

    def stream_parts(
        self, chat: bool, n_tokens: int, finish_reason: str, *, continuous_prompt: int | None = None
    ) -> list[StreamPart]:
        """The chunks of a stream with their token indexes (no usage chunk, ``[DONE]`` or terminator)."""
        per_chunk = self._config.tokens_per_chunk
        count = -(-n_tokens // per_chunk)
        separate = self._config.finish_chunk == "separate"
        if continuous_prompt is not None:  # usage on every chunk: rendered for this request alone
            parts = [(0, self._role_chunk(continuous_prompt))] if chat else []
            parts += [self._token_chunk(chat, j, n_tokens, finish_reason, continuous_prompt) for j in range(count)]
            if separate:
                parts.append((n_tokens - 1, self._finish_chunk(chat, finish_reason, continuous_prompt, n_tokens)))
            return parts
        middles = self._middle_chunks(chat, count - 1)
        parts = [(0, self._role)] if chat else []
        parts += [((j + 1) * per_chunk - 1, middles[j]) for j in range(count - 1)]
        parts.append(self._last_chunk(chat, n_tokens, finish_reason))
        if separate:
            parts.append((n_tokens - 1, self._finish_chunk(chat, finish_reason)))
        return parts

    def stream_blob(self, chat: bool, n_tokens: int, finish_reason: str) -> bytes:
        """Every chunk of a stream joined (the unpaced case: all of it goes out in one write)."""
        key = (chat, n_tokens, finish_reason)
        blob = self._blobs.get(key)
        if blob is None:
            count = -(-n_tokens // self._config.tokens_per_chunk)
            self._middle_chunks(chat, count - 1)
            pieces = [self._role] if chat else []
            pieces.append(self._joined[chat][: self._offsets[chat][count - 1]])
            pieces.append(self._last_chunk(chat, n_tokens, finish_reason)[1])
            if self._config.finish_chunk == "separate":
                pieces.append(self._finish_chunk(chat, finish_reason))
            blob = b"".join(pieces)
            if len(self._blobs) >= _SMALL_CACHE:
                self._blobs.clear()
            self._blobs[key] = blob
        return blob

    def usage(self, prompt: int, output: int, chat: bool = True) -> dict[str, Any]:
        """A whole usage object, with the cached and (chat) reasoning parts when the configuration has them."""
        usage: dict[str, Any] = {"prompt_tokens": prompt, "total_tokens": prompt + output, "completion_tokens": output}
        config = self._config
        if config.cached_tokens:
            usage["prompt_tokens_details"] = {"cached_tokens": min(config.cached_tokens, prompt)}
        if config.reasoning_tokens and chat:
            usage["completion_tokens_details"] = {"reasoning_tokens": min(config.reasoning_tokens, output)}
        return usage

    def stream_tail(self, chat: bool, usage: tuple[int, int] | None) -> bytes:
        """The usage chunk (when asked) and ``[DONE]``, framed, plus the terminating zero-length chunk."""
        tail = b""
        if usage is not None:
            body = self._prefix(chat) + '"choices":[],"usage":' + _dumps(self.usage(*usage, chat)).decode() + "}"
            tail = self._event(body.encode())
        return tail + chunk_frame(_DONE) + TERMINATOR

    def malformed_part(self) -> bytes:
        return chunk_frame(b'data: {"id":"broken","choices":[{"delta":{"content":"oops"\n\n')

    # -- whole responses --------------------------------------------------------------------------------------

    def completion_body(
        self, chat: bool, n_tokens: int, finish_reason: str, usage: tuple[int, int] | None, number: int
    ) -> bytes:
        text = "".join(token_text(i) for i in range(n_tokens))
        choice: dict[str, Any]
        if chat:
            message: dict[str, Any] = {"role": "assistant", "content": text}
            thinking = min(self._config.reasoning_tokens, n_tokens)
            if thinking:
                message["reasoning_content"] = "".join(token_text(i) for i in range(thinking))
                message["content"] = "".join(token_text(i) for i in range(thinking, n_tokens))
            choice = {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        else:
            choice = {"index": 0, "text": text, "logprobs": None, "finish_reason": finish_reason, "stop_reason": None}
        body: dict[str, Any] = {
            "id": f"{'chatcmpl' if chat else 'cmpl'}-{number:016x}",
            "object": "chat.completion" if chat else "text_completion",
            "created": self._created,
            "model": self._config.model,
            "choices": [choice],
        }
        if usage is not None:
            body["usage"] = self.usage(*usage, chat)
        return _dumps(body)

    def embeddings_body(self, count: int, prompt_tokens: int | None) -> bytes:
        """``count`` vectors of ``embedding_dim`` floats (the same unit vector each time: only their shape matters)."""
        dim = self._config.embedding_dim
        vector = "[" + ",".join(["1.0"] + ["0.0"] * (dim - 1)) + "]"
        items = ",".join(f'{{"object":"embedding","index":{index},"embedding":{vector}}}' for index in range(count))
        usage = "null"
        if prompt_tokens is not None:
            usage = f'{{"prompt_tokens":{prompt_tokens},"total_tokens":{prompt_tokens}}}'
        return f'{{"object":"list","data":[{items}],"model":{self._model},"usage":{usage}}}'.encode()

    def models_body(self) -> bytes:
        return _dumps(
            {
                "object": "list",
                "data": [
                    {"id": self._config.model, "object": "model", "created": self._created, "owned_by": "gaugellm-mock"}
                ],
            }
        )
