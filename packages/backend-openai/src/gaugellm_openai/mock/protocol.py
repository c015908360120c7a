"""The simulated server's HTTP/1.1, at the level of ``asyncio.Protocol``: no framework between the socket and us.

A framework costs tens of microseconds per request and per chunk; this server must answer thousands of streamed
requests a second from one core, so it parses only what it needs (request line, ``Content-Length``, ``Connection``),
keeps connections alive, answers pipelined requests in order, and writes each stream's chunks with as few
``transport.write`` calls as its timing allows (one for a whole unpaced response).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from typing import Any

from gaugellm_openai.mock.config import MockServerConfig
from gaugellm_openai.mock.content import (
    ID_PLACEHOLDER,
    Renderer,
    embedding_inputs,
    error_body,
    json_response,
    stream_head,
)
from gaugellm_openai.mock.jobs import GrowingStreamJob, StreamJob
from gaugellm_openai.mock.metrics import CONTENT_TYPE, MockMetrics, render
from gaugellm_openai.mock.pacing import Pacer
from gaugellm_openai.mock.pooling import PoolingInputs, parse_rerank, parse_score, rerank_body, score_body
from gaugellm_openai.mock.responses import ResponsesRenderer
from gaugellm_openai.mock.serving import SERVING, ServingModel
from gaugellm_openai.mock.tools import (
    chat_tool_body,
    chat_tool_parts,
    offered_tool,
    responses_tool_body,
    responses_tool_parts,
)
from gaugellm_openai.tokens import estimate_messages_tokens, estimate_text_tokens

__all__ = ["MockHTTPProtocol", "ServerState"]

_MAX_HEAD = 65_536
_CHAT = b"/v1/chat/completions"
_COMPLETIONS = b"/v1/completions"
_RESPONSES = b"/v1/responses"
_KINDS = {
    _CHAT: "chat",
    _COMPLETIONS: "completions",
    _RESPONSES: "responses",
    b"/v1/embeddings": "embeddings",
    b"/v1/rerank": "rerank",
    b"/rerank": "rerank",
    b"/v2/rerank": "rerank",
    b"/v1/score": "score",
    b"/score": "score",
}
_POOLING = ("embeddings", "rerank", "score")


class ServerState:
    """What every connection of one server shares: config, pre-rendered content, pacer, seeded draws, counters.

    ``serving`` is the serving model (slots, queue, growing ITL) when the config asks for one and responses take
    time; otherwise None, and every request is served on arrival exactly as without the feature.
    """

    def __init__(self, config: MockServerConfig, loop: asyncio.AbstractEventLoop) -> None:
        self.config = config
        self.loop = loop
        created = self.created = int(time.time())
        self.renderer = Renderer(config, created=created)
        self.responses = ResponsesRenderer(config, created=created)
        self.pacer = Pacer(loop)
        self.rng = random.Random(config.seed)
        self.numbers = itertools.count(1)
        self.connections: set[MockHTTPProtocol] = set()
        self.stats: dict[str, int] = dict.fromkeys(
            (
                "connections",
                "requests",
                "completed",
                "errors_injected",
                "stalls",
                "drops",
                "malformed",
                "cancelled",
                "bad_requests",
            ),
            0,
        )
        self.ttft_s = config.ttft_ms / 1000
        self.itl_s = config.itl_ms / 1000
        self.stall_s = config.stall_ms / 1000
        self.unfaulty = not (config.stall_rate or config.drop_rate or config.malformed_rate)
        modelled = config.paced and (config.stream_limit is not None or config.itl_growth_ms > 0)
        self.serving = ServingModel(config) if modelled else None
        self.job_class = GrowingStreamJob if config.itl_growth_ms > 0 else StreamJob
        self.metrics = MockMetrics(config.cached_tokens)
        self.recording = None if config.record_requests is None else open(config.record_requests, "a")  # noqa: SIM115

    def record(self, arrived_s: float, number: int, kind: str, payload: dict[str, Any], n_tokens: int) -> None:
        """One line of ``record_requests``, written and flushed at once so a test can read it while we run."""
        assert self.recording is not None
        line = {"arrived_s": arrived_s, "number": number, "kind": kind, "payload": payload, "output_tokens": n_tokens}
        self.recording.write(json.dumps(line) + "\n")
        self.recording.flush()

    def occupancy(self) -> tuple[int, int, int]:
        """Requests being served, requests waiting for a slot, and the tokens the served ones hold (their KV).

        Read when scraped, by walking the open connections: the hot path keeps no running sums for it.
        """
        serving = self.serving
        running = held = 0
        for connection in self.connections:
            job = connection.job
            if job is not None and (serving is None or job.slot_state == SERVING):
                running += 1
                held += job.held_tokens
        if serving is not None:
            running = serving.serving  # the model's own count: the same jobs, kept in step with admissions
        return running, serving.queued if serving is not None else 0, held

    def stats_body(self) -> bytes:
        serving = self.serving
        stats = self.stats
        if serving is None:
            # every request that was neither refused nor failed on purpose was served on arrival: counted here
            # rather than on the unpaced fast paths, which stay free of bookkeeping
            active = sum(1 for connection in self.connections if connection.job is not None)
            queued = 0
            admitted = stats["requests"] - stats["bad_requests"] - stats["errors_injected"]
        else:
            active, queued, admitted = serving.serving, serving.queued, serving.admitted
        extra = {"open_connections": len(self.connections), "active_streams": active, "queued": queued}
        return json.dumps({**stats, **extra, "admitted": admitted}).encode()

    def output_length(self) -> int:
        low, high = self.config.output_range
        return low if low == high else self.rng.randint(low, high)

    def draw(self, rate: float) -> bool:
        return rate > 0 and (rate >= 1 or self.rng.random() < rate)


class MockHTTPProtocol(asyncio.Protocol):
    """One client connection."""

    __slots__ = ("_keep_alive", "buffer", "job", "state", "transport")

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.job: StreamJob | None = None
        self._keep_alive = True

    # -- asyncio callbacks -------------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.state.connections.add(self)
        self.state.stats["connections"] += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self.state.connections.discard(self)
        if self.job is not None:
            self.job.cancel()  # frees its slot or queue place, if it holds one
            self.job = None
            self.state.stats["cancelled"] += 1  # the client left before the response ended
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buffer = self.buffer + data if self.buffer else data
        if self.job is None:
            self._process()

    # -- what jobs call ----------------------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.write(data)

    def stream_done(self, *, dropped: bool) -> None:
        self.job = None
        transport = self.transport
        if dropped:
            self.state.stats["drops"] += 1
            if transport is not None:
                transport.close()  # flushes what was written, then FIN without the terminating chunk
            return
        self.state.stats["completed"] += 1
        if not self._keep_alive:
            if transport is not None:
                transport.close()
        elif self.buffer:
            self._process()  # a request that was pipelined behind this one

    def close(self) -> None:
        if self.job is not None:
            self.job.cancelled = True  # the server is stopping: connection_lost frees the slot, admitting no one
        if self.transport is not None:
            self.transport.close()

    # -- requests ----------------------------------------------------------------------------------------------

    def _process(self) -> None:
        while self.job is None and self.transport is not None and not self.transport.is_closing():
            buffer = self.buffer
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > _MAX_HEAD:
                    self._reply(431, error_body(431, "request head too large"), keep_alive=False)
                return
            head = buffer[:end]
            line_end = head.find(b"\r\n")
            request_line = head if line_end < 0 else head[:line_end]
            parts = request_line.split(b" ")
            if len(parts) != 3:
                self._reply(400, error_body(400, "malformed request line"), keep_alive=False)
                return
            method, target, version = parts
            headers = head[line_end:].lower() if line_end >= 0 else b""
            length = 0
            at = headers.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = headers.find(b"\r\n", at + 2)
                try:
                    length = int(headers[at + 17 : stop if stop >= 0 else None])
                except ValueError:
                    self._reply(400, error_body(400, "bad content-length"), keep_alive=False)
                    return
            if b"\r\ntransfer-encoding:" in headers:
                self._reply(501, error_body(501, "chunked request bodies are not supported"), keep_alive=False)
                return
            keep_alive = version == b"HTTP/1.1"
            at = headers.find(b"\r\nconnection:")
            if at >= 0:
                stop = headers.find(b"\r\n", at + 2)
                value = headers[at + 13 : stop if stop >= 0 else None]
                if b"close" in value:
                    keep_alive = False
                elif b"keep-alive" in value:
                    keep_alive = True
            total = end + 4 + length
            if len(buffer) < total:
                return  # the body has not all arrived
            body = buffer[end + 4 : total]
            self.buffer = buffer[total:]
            self._keep_alive = keep_alive
            self._dispatch(method, target.split(b"?", 1)[0], body, keep_alive)

    def _reply(self, status: int, body: bytes, *, keep_alive: bool, content_type: bytes = b"application/json") -> None:
        self.write(json_response(status, body, keep_alive, content_type))
        if not keep_alive and self.transport is not None:
            self.transport.close()

    def _dispatch(self, method: bytes, path: bytes, body: bytes, keep_alive: bool) -> None:
        state = self.state
        kind = _KINDS.get(path)
        if kind is not None:
            if method != b"POST":
                self._reply(405, error_body(405, "use POST"), keep_alive=keep_alive)
                return
            state.stats["requests"] += 1
            if kind in _POOLING:
                self._pool(kind, body, keep_alive)
            else:
                self._generate(kind, body, keep_alive)
        elif path == b"/health":
            self.write(json_response(200, b"", keep_alive, b"text/plain"))
            if not keep_alive and self.transport is not None:
                self.transport.close()
        elif path == b"/v1/models":
            self._reply(200, state.renderer.models_body(), keep_alive=keep_alive)
        elif path == b"/metrics":
            self._reply(200, render(state), keep_alive=keep_alive, content_type=CONTENT_TYPE)
        elif path == b"/mock/stats":
            self._reply(200, state.stats_body(), keep_alive=keep_alive)
        elif path == b"/version":
            self._reply(200, b'{"version":"gaugellm-mock"}', keep_alive=keep_alive)
        else:
            self._reply(404, error_body(404, f"no route {path.decode('latin-1')}"), keep_alive=keep_alive)

    def _payload(self, body: bytes, keep_alive: bool) -> dict[str, Any] | None:
        """The request's JSON object for the served model; ``None`` once a 400 or 404 has been answered instead."""
        try:
            payload: Any = json.loads(body)
        except ValueError:
            self._bad_request("the body is not valid JSON", keep_alive)
            return None
        if not isinstance(payload, dict):
            self._bad_request("the body must be a JSON object", keep_alive)
            return None
        model = payload.get("model")
        if model is not None and model != self.state.config.model:
            self._bad_request(f"The model `{model}` does not exist.", keep_alive, status=404)
            return None
        return payload

    def _bad_request(self, message: str, keep_alive: bool, status: int = 400) -> None:
        self.state.stats["bad_requests"] += 1
        self._reply(status, error_body(status, message), keep_alive=keep_alive)

    def _generate(self, kind: str, body: bytes, keep_alive: bool) -> None:
        chat = kind == "chat"
        responses = kind == "responses"
        start = self.state.loop.time()  # the request has fully arrived: the simulated engine starts now
        state = self.state
        config = state.config
        payload = self._payload(body, keep_alive)
        if payload is None:
            return
        if chat:
            messages = payload.get("messages")
            if not isinstance(messages, list) or not messages:
                self._bad_request("'messages' must be a non-empty list", keep_alive)
                return
            prompt_tokens = estimate_messages_tokens([m for m in messages if isinstance(m, dict)])
        elif responses:
            given = payload.get("input")
            if isinstance(given, str):
                prompt_tokens = estimate_text_tokens(given)
            elif isinstance(given, list) and given and all(isinstance(item, dict) for item in given):
                prompt_tokens = estimate_messages_tokens(given)
            else:
                self._bad_request("'input' must be a string or a non-empty list of input items", keep_alive)
                return
        else:
            prompt = payload.get("prompt")
            if isinstance(prompt, list):
                prompt = "".join(str(item) for item in prompt)
            if not isinstance(prompt, str):
                self._bad_request("'prompt' must be a string", keep_alive)
                return
            prompt_tokens = estimate_text_tokens(prompt)
        if responses:
            max_tokens = payload.get("max_output_tokens")
        else:
            max_tokens = payload.get("max_tokens", payload.get("max_completion_tokens"))
        if max_tokens is not None and (type(max_tokens) is not int or max_tokens < 1):
            self._bad_request("max_tokens must be a positive integer", keep_alive)
            return
        if state.draw(config.error_rate):
            state.stats["errors_injected"] += 1
            message = f"mock server: injected error {config.error_status}"
            self._reply(config.error_status, error_body(config.error_status, message), keep_alive=keep_alive)
            return
        n_tokens = state.output_length()
        ignore_eos = payload.get("ignore_eos") is True
        if max_tokens is not None and (ignore_eos or n_tokens >= max_tokens):
            n_tokens, finish = max_tokens, "length"
        else:
            finish = "length" if ignore_eos else "stop"
        number = next(state.numbers)
        if state.recording is not None:
            state.record(start, number, kind, payload, n_tokens)
        t0 = start + state.ttft_s
        renderer = state.renderer
        tool = offered_tool(payload) if config.tool_calls and kind != "completions" else None
        if tool is not None:
            usage = (prompt_tokens, n_tokens) if config.usage else None
            metered = (prompt_tokens, finish)
            self._call_tool(responses, tool, payload, n_tokens, usage, number, start, keep_alive, metered)
            return
        if payload.get("stream") is not True:
            usage = (prompt_tokens, n_tokens) if config.usage else None
            if responses:
                content = state.responses.response_body(n_tokens, finish, usage, number)
            else:
                content = renderer.completion_body(chat, n_tokens, finish, usage, number)
            whole = json_response(200, content, keep_alive)
            if not config.paced:
                self.write(whole)
                state.stats["completed"] += 1
                state.metrics.instant(prompt_tokens, n_tokens, finish, state.loop.time() - start)
                if not keep_alive and self.transport is not None:
                    self.transport.close()
                return
            job = state.job_class(
                self,
                [(n_tokens - 1, whole)],
                b"",
                t0,
                b"",
                None,
                arrival=start,
                prompt_tokens=prompt_tokens,
                finish=finish,
                whole=True,
            )
            self._serve(job, start)
            return
        options = payload.get("stream_options")
        if not isinstance(options, dict):
            options = {}
        include_usage = config.usage and (responses or options.get("include_usage") is True)
        continuous = config.usage and not responses and options.get("continuous_usage_stats") is True
        id_bytes = b"%016x" % number
        usage_counts = (prompt_tokens, n_tokens) if include_usage else None
        if responses:
            tail = state.responses.stream_tail(n_tokens, finish, usage_counts)
        else:
            tail = renderer.stream_tail(chat, usage_counts)
        if not config.paced and state.unfaulty and not continuous:
            # the fast path: the whole stream in one write
            if responses:
                blob = state.responses.stream_blob(n_tokens) + tail
            else:
                blob = renderer.stream_blob(chat, n_tokens, finish) + tail
            self.write(stream_head(keep_alive) + blob.replace(ID_PLACEHOLDER, id_bytes))
            state.stats["completed"] += 1
            state.metrics.instant(prompt_tokens, n_tokens, finish, state.loop.time() - start)
            if not keep_alive and self.transport is not None:
                self.transport.close()
            return
        if responses:
            parts = state.responses.stream_parts(n_tokens)
        else:
            continuous_prompt = prompt_tokens if continuous else None
            parts = renderer.stream_parts(chat, n_tokens, finish, continuous_prompt=continuous_prompt)
        final_tail: bytes | None = tail
        fault_at = config.fault_after_tokens if config.fault_after_tokens is not None else n_tokens // 2
        fault_at = min(fault_at, n_tokens - 1)
        stall_at = None
        if not state.unfaulty:
            if state.draw(config.malformed_rate):
                state.stats["malformed"] += 1
                parts = list(parts)
                where = next(
                    i for i, (token, _) in enumerate(parts) if token >= fault_at and (i > 0 or kind == "completions")
                )
                parts[where] = (parts[where][0], renderer.malformed_part())
            if state.draw(config.drop_rate):
                parts = [part for part in parts if part[0] < fault_at] + [(fault_at, b"")]
                final_tail = None
            if state.draw(config.stall_rate):
                state.stats["stalls"] += 1
                stall_at = fault_at
        self.write(stream_head(keep_alive))
        job = state.job_class(
            self, parts, final_tail, t0, id_bytes, stall_at, arrival=start, prompt_tokens=prompt_tokens, finish=finish
        )
        self._serve(job, start)

    def _call_tool(
        self,
        responses: bool,
        tool: str,
        payload: dict[str, Any],
        n_tokens: int,
        usage: tuple[int, int] | None,
        number: int,
        start: float,
        keep_alive: bool,
        metered: tuple[int, str],
    ) -> None:
        """Answer with a call of ``tool`` whose arguments take ``n_tokens`` tokens (see :mod:`.tools`).

        ``metered`` is what /metrics counts: the prompt's tokens and the engine's finish reason (``stop`` or
        ``length``; ``tool_calls`` is the API's word for it, not the engine's).
        """
        state = self.state
        prompt_tokens, finish = metered
        t0 = start + state.ttft_s
        if payload.get("stream") is not True:
            if responses:
                content = responses_tool_body(state.responses, n_tokens, tool, usage, number)
            else:
                content = chat_tool_body(state.renderer, n_tokens, tool, usage, number)
            whole = json_response(200, content, keep_alive)
            job = state.job_class(
                self,
                [(n_tokens - 1, whole)],
                b"",
                t0,
                b"",
                None,
                arrival=start,
                prompt_tokens=prompt_tokens,
                finish=finish,
                whole=True,
            )
            self._serve(job, start)
            return
        if responses:
            parts, tail = responses_tool_parts(state.responses, n_tokens, tool, usage)
        else:
            options = payload.get("stream_options")
            asked = isinstance(options, dict) and options.get("include_usage") is True
            parts = chat_tool_parts(state.renderer, n_tokens, tool)
            tail = state.renderer.stream_tail(True, usage if asked else None)
        self.write(stream_head(keep_alive))
        job = state.job_class(
            self, parts, tail, t0, b"%016x" % number, None, arrival=start, prompt_tokens=prompt_tokens, finish=finish
        )
        self._serve(job, start)

    def _pool(self, kind: str, body: bytes, keep_alive: bool) -> None:
        """A request that generates nothing (embeddings, rerank, score): answered whole after ``pooling_ms``."""
        start = self.state.loop.time()
        state = self.state
        config = state.config
        payload = self._payload(body, keep_alive)
        if payload is None:
            return
        parsed = self._pooling_inputs(kind, payload)
        if isinstance(parsed, str):
            self._bad_request(parsed, keep_alive)
            return
        count, prompt_tokens, top_n = parsed
        if state.draw(config.error_rate):
            state.stats["errors_injected"] += 1
            message = f"mock server: injected error {config.error_status}"
            self._reply(config.error_status, error_body(config.error_status, message), keep_alive=keep_alive)
            return
        usage = prompt_tokens if config.usage else None
        number = next(state.numbers)
        if kind == "embeddings":
            content = state.renderer.embeddings_body(count, usage)
        elif kind == "rerank":
            content = rerank_body(config.model, count, top_n, usage, number)
        else:
            content = score_body(config.model, count, usage, number, state.created)
        whole = json_response(200, content, keep_alive)
        if config.pooling_ms <= 0 and state.serving is None:
            self.write(whole)
            state.stats["completed"] += 1
            metrics = state.metrics
            metrics.prefilled(prompt_tokens)
            metrics.done("stop", state.loop.time() - start, 0.0)
            if not keep_alive and self.transport is not None:
                self.transport.close()
            return
        lead_s = config.pooling_ms / 1000
        job = state.job_class(
            self,
            [(0, whole)],
            b"",
            start + lead_s,
            b"",
            None,
            lead_s,
            arrival=start,
            prompt_tokens=prompt_tokens,
            whole=True,
            generates=False,
        )
        self._serve(job, start)

    @staticmethod
    def _pooling_inputs(kind: str, payload: dict[str, Any]) -> PoolingInputs | str:
        """What a pooling request asks for (items, prompt tokens, top_n), or why it is refused."""
        if kind == "rerank":
            return parse_rerank(payload)
        if kind == "score":
            return parse_score(payload)
        texts = embedding_inputs(payload.get("input"))
        if texts is None:
            return "'input' must be a string, a list of strings or a list of token lists"
        tokens = sum(len(text) if isinstance(text, list) else estimate_text_tokens(text) for text in texts)
        return len(texts), tokens, None

    def _serve(self, job: StreamJob, arrival: float) -> None:
        """Start the job now, or hand it to the serving model, which starts it when a slot is free."""
        self.job = job
        serving = self.state.serving
        if serving is None:
            job.start()
        else:
            serving.submit(job, arrival)
