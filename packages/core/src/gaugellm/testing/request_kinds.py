"""The conformance kit's tests of request kinds beyond text and chat: the Responses API, reasoning models, tool calls,
and the kinds that generate nothing (embeddings, rerank, score).

A backend serves one kind per configuration (an HTTP backend's endpoint, an engine's task), so each test builds a
backend from the args :meth:`RequestKindTests.args_for_kind` gives for its kind. Every kind is off by default: a
backend declares what it supports with :class:`~gaugellm.testing.Capabilities` flags and is tested on exactly those.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

from gaugellm.backend.schemas import GenerationRequest, GenerationResponse
from gaugellm.plugins.resolve import create_backend

if TYPE_CHECKING:
    from gaugellm.backend.args import BackendArgs
    from gaugellm.testing.conformance import Capabilities

__all__ = ["KIT_TOOL", "REQUEST_KINDS", "RequestKindTests"]

#: The request kinds a backend may declare, each a flag of ``Capabilities`` and the ``kind`` of ``args_for_kind``.
REQUEST_KINDS: tuple[str, ...] = ("responses", "reasoning", "tool_calls", "embeddings", "rerank", "score")

#: The tool the kit offers in ``test_tool_call_request`` (chat completions shape).
KIT_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "look_up",
        "description": "Look something up.",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
    },
}


class RequestKindTests:
    """Mixed into :class:`~gaugellm.testing.BackendConformance`; see the module docstring."""

    capabilities: ClassVar[Capabilities]
    request_timeout_s: ClassVar[float]

    def args_for_kind(self, kind: str, backend_args: BackendArgs, request: pytest.FixtureRequest) -> BackendArgs:
        """Args that make the backend serve ``kind`` (one of ``REQUEST_KINDS``); override when you declare one.

        ``request`` gives access to other fixtures (e.g. a server of a reasoning model for ``reasoning``).
        """
        raise NotImplementedError(
            f"capabilities.{kind} is on: override args_for_kind() to return args that serve {kind!r} requests"
        )

    def make_request(self, index: int = 0, *, chat: bool = False, max_tokens: int = 16) -> GenerationRequest:
        raise NotImplementedError  # BackendConformance provides it

    def default_request(self, index: int = 0, max_tokens: int = 16) -> GenerationRequest:
        raise NotImplementedError  # BackendConformance provides it

    async def _resolve_kind(
        self, kind: str, request: pytest.FixtureRequest, generation: GenerationRequest
    ) -> GenerationResponse:
        if not getattr(self.capabilities, kind):
            pytest.skip(f"capabilities.{kind} is off")
        backend_args: BackendArgs = request.getfixturevalue("backend_args")
        backend = create_backend(self.args_for_kind(kind, backend_args, request))
        await backend.process_startup()
        try:
            await asyncio.wait_for(backend.validate(), self.request_timeout_s)
            response = GenerationResponse(request_id=generation.request_id)
            response.mark_dispatched()
            await asyncio.wait_for(backend.resolve(generation, response), self.request_timeout_s)
        finally:
            await backend.process_shutdown()
        assert response.ok, response.error
        assert response.dispatched_ns is not None
        assert response.ended_ns is not None, "resolve must call response.finish()"
        assert response.dispatched_ns <= response.ended_ns
        return response

    @staticmethod
    def _check_stream(response: GenerationResponse) -> None:
        assert response.chunk_times_ns, "a generated answer records at least one chunk"
        assert response.first_token_ns == response.chunk_times_ns[0]
        assert response.chunk_times_ns == sorted(response.chunk_times_ns)
        assert response.last_token_ns is not None
        assert response.ended_ns is not None
        assert response.last_token_ns <= response.ended_ns

    def _check_nothing_generated(self, response: GenerationResponse) -> None:
        assert response.chunk_times_ns == [], "a request that generates nothing records no chunks (no TTFT, no ITL)"
        assert response.first_token_ns is None
        assert not response.output_tokens, "a request that generates nothing has no output tokens"
        assert response.prompt_tokens is not None, "set the input's size with response.set_usage()"

    @pytest.mark.asyncio(loop_scope="class")
    async def test_responses_request(self, request: pytest.FixtureRequest) -> None:
        response = await self._resolve_kind("responses", request, self.default_request(400))
        self._check_stream(response)
        assert response.text
        assert response.output_tokens is not None

    @pytest.mark.asyncio(loop_scope="class")
    async def test_reasoning_request(self, request: pytest.FixtureRequest) -> None:
        response = await self._resolve_kind("reasoning", request, self.default_request(401, max_tokens=32))
        self._check_stream(response)
        assert response.reasoning_tokens, "record reasoning chunks with record_chunk(..., reasoning=True)"
        assert response.first_reasoning_ns is not None
        assert response.first_token_ns == min(response.first_reasoning_ns, response.first_answer_ns or 1 << 63)
        if response.first_answer_ns is not None:
            assert response.first_reasoning_ns <= response.first_answer_ns

    @pytest.mark.asyncio(loop_scope="class")
    async def test_tool_call_request(self, request: pytest.FixtureRequest) -> None:
        generation = self.default_request(402)
        generation.params = {**generation.params, "tools": [KIT_TOOL]}
        response = await self._resolve_kind("tool_calls", request, generation)
        self._check_stream(response)
        assert response.tool_calls, "count the answer's tool calls in response.tool_calls"

    @pytest.mark.asyncio(loop_scope="class")
    async def test_embeddings_request(self, request: pytest.FixtureRequest) -> None:
        response = await self._resolve_kind("embeddings", request, self.default_request(403))
        self._check_nothing_generated(response)

    @pytest.mark.asyncio(loop_scope="class")
    async def test_rerank_request(self, request: pytest.FixtureRequest) -> None:
        response = await self._resolve_kind("rerank", request, self.default_request(404))
        self._check_nothing_generated(response)

    @pytest.mark.asyncio(loop_scope="class")
    async def test_score_request(self, request: pytest.FixtureRequest) -> None:
        response = await self._resolve_kind("score", request, self.default_request(405))
        self._check_nothing_generated(response)
