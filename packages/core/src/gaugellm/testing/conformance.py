"""The conformance kit: one pytest class that proves a backend keeps the plugin contract.

A backend author subclasses :class:`BackendConformance`, provides a ``backend_args`` fixture (class scope or wider,
because one started backend is shared by the class's tests — engines are slow to start) and sets capability flags::

    class TestMyBackend(BackendConformance):
        capabilities = Capabilities(chat=True, text=True, server_token_counts=True)

        @pytest.fixture(scope="class")
        @classmethod
        def backend_args(cls, my_server):
            return MyArgs(target=my_server.url)

        @pytest.fixture(scope="class")
        @classmethod
        def unreachable_backend_args(cls):        # needed while capabilities.validates_target is true
            return MyArgs(target="http://127.0.0.1:9")

        def args_for_kind(self, kind, backend_args, request):  # needed for the request kinds you declare
            return backend_args.model_copy(update={"endpoint": kind})  # e.g. capabilities.embeddings=True

Standard tests may be switched off only by capability flags or by overriding them with an explicit
``@pytest.mark.xfail(reason=...)``; a subclass that deletes or silently overrides one fails
``test_conformance_suite_is_complete``.
"""

from __future__ import annotations

import asyncio
import inspect
import pickle
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import pytest
import pytest_asyncio
from pydantic import SecretBytes, SecretStr

from gaugellm.backend.args import BackendArgs
from gaugellm.backend.base import Backend
from gaugellm.backend.schemas import ErrorKind, GenerationRequest, GenerationResponse
from gaugellm.errors import BackendUnavailableError
from gaugellm.plugins.resolve import create_backend, parse_args
from gaugellm.testing.request_kinds import RequestKindTests

__all__ = ["STANDARD_TESTS", "BackendConformance", "Capabilities"]

SECRET_SENTINEL = "sk-conformance-secret-4f1c9a"  # noqa: S105 - a marker to search outputs for, not a credential


@dataclass(frozen=True)
class Capabilities:
    """What the backend can do; each flag switches the tests that need it on or off."""

    text: bool = True  # plain-prompt requests
    chat: bool = True  # chat-message requests
    server_token_counts: bool = True  # output token counts come from the server or engine, not an estimate
    exact_chunk_tokens: bool = False  # the tokens recorded per chunk add up exactly to the output token count
    validates_target: bool = True  # validate() can detect a target that does not serve (needs unreachable args)
    cancellation: bool = True  # a request can be cancelled mid-stream
    max_tokens: bool = True  # the output budget is honoured (output tokens <= max_tokens)
    # Request kinds beyond text and chat (gaugellm.testing.request_kinds), off unless declared; each needs
    # BackendConformance.args_for_kind() to give args that serve it.
    responses: bool = False  # the Responses API: a streamed answer, timed like chat
    reasoning: bool = False  # reasoning recorded apart from the answer (record_chunk(..., reasoning=True))
    tool_calls: bool = False  # a request that offers tools is answered with a tool call, counted and timed
    embeddings: bool = False  # embeddings: one whole answer, nothing generated
    rerank: bool = False  # rerank: the same
    score: bool = False  # score: the same


async def _resolve(
    backend: Backend[Any],
    request: GenerationRequest,
    on_first_token: Callable[[GenerationResponse], None] | None = None,
) -> GenerationResponse:
    response = GenerationResponse(request_id=request.request_id, on_first_token=on_first_token)
    response.scheduled_ns = time.perf_counter_ns()
    response.mark_dispatched()
    await backend.resolve(request, response)
    return response


def _dumps_of(args: BackendArgs) -> list[str]:
    return [repr(args), str(args), args.model_dump_json(), repr(args.model_dump()), repr(args.model_dump(mode="json"))]


class BackendConformance(RequestKindTests):
    """Subclass me in your test suite; see the module docstring."""

    capabilities: ClassVar[Capabilities] = Capabilities()
    #: how many requests test_many_concurrent_requests runs at once
    concurrent_requests: ClassVar[int] = 16
    #: seconds any single request of the kit may take
    request_timeout_s: ClassVar[float] = 60.0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        guard = inspect.getattr_static(cls, "test_conformance_suite_is_complete", None)
        if guard is not vars(BackendConformance)["test_conformance_suite_is_complete"]:
            raise TypeError(f"{cls.__qualname__} must not override or remove test_conformance_suite_is_complete")

    # -- what an author provides or may override ----------------------------------------------------------------

    @pytest.fixture(scope="class")
    @classmethod
    def backend_args(cls) -> BackendArgs:
        raise NotImplementedError("define a class-scoped `backend_args` fixture in your BackendConformance subclass")

    @pytest.fixture(scope="class")
    @classmethod
    def unreachable_backend_args(cls) -> BackendArgs:
        raise NotImplementedError(
            "define a class-scoped `unreachable_backend_args` fixture (args pointing at a target that does not serve), "
            "or set capabilities.validates_target = False"
        )

    def make_request(self, index: int = 0, *, chat: bool = False, max_tokens: int = 16) -> GenerationRequest:
        """A request the backend under test can serve; override for models with special prompt needs."""
        text = f"Conformance request {index}: say something long about load testing."
        if chat:
            return GenerationRequest(
                request_id=f"conformance-{index}",
                messages=[{"role": "user", "content": text}],
                max_tokens=max_tokens,
                params={"ignore_eos": True},
            )
        return GenerationRequest(
            request_id=f"conformance-{index}", prompt=text, max_tokens=max_tokens, params={"ignore_eos": True}
        )

    def default_request(self, index: int = 0, max_tokens: int = 16) -> GenerationRequest:
        return self.make_request(index, chat=not self.capabilities.text, max_tokens=max_tokens)

    # -- shared fixtures ----------------------------------------------------------------------------------------

    @pytest_asyncio.fixture(scope="class", loop_scope="class")
    @classmethod
    async def started_backend(cls, backend_args: BackendArgs) -> AsyncIterator[Backend[Any]]:
        """One backend, started and validated, shared by the class's tests (engines are slow to start)."""
        backend = create_backend(backend_args)
        await backend.process_startup()
        try:
            await backend.validate()
            yield backend
        finally:
            await backend.process_shutdown()

    async def resolve(self, backend: Backend[Any], request: GenerationRequest) -> GenerationResponse:
        return await asyncio.wait_for(_resolve(backend, request), self.request_timeout_s)

    # -- the standard tests -------------------------------------------------------------------------------------

    @pytest.mark.asyncio(loop_scope="class")
    async def test_lifecycle_order_and_idempotent_shutdown(self, backend_args: BackendArgs) -> None:
        backend = create_backend(backend_args)
        assert isinstance(backend, Backend)
        assert backend.args == backend_args
        await backend.process_startup()
        try:
            await backend.validate()
            response = await self.resolve(backend, self.default_request())
            assert response.ok, response.error
        finally:
            await backend.process_shutdown()
        await backend.process_shutdown()  # the runner may call it again after a failure: must be harmless

    @pytest.mark.asyncio(loop_scope="class")
    async def test_validate_rejects_unreachable_target(self, request: pytest.FixtureRequest) -> None:
        if not self.capabilities.validates_target:
            pytest.skip("capabilities.validates_target is off")
        args: BackendArgs = request.getfixturevalue("unreachable_backend_args")
        backend = create_backend(args)
        await backend.process_startup()
        try:
            with pytest.raises(BackendUnavailableError) as caught:
                await asyncio.wait_for(backend.validate(), self.request_timeout_s)
            message = str(caught.value)
            assert message.strip(), "the error must say what is wrong"
            assert "\n" not in message.strip(), "one readable line"
        finally:
            await backend.process_shutdown()

    @pytest.mark.asyncio(loop_scope="class")
    async def test_streams_with_monotonic_timestamps(self, started_backend: Backend[Any]) -> None:
        response = await self.resolve(started_backend, self.default_request(max_tokens=16))
        assert response.ok, response.error
        assert response.chunk_times_ns, "a successful request records at least one chunk"
        assert response.dispatched_ns is not None
        assert response.first_token_ns is not None
        assert response.last_token_ns is not None
        assert response.ended_ns is not None, "resolve must call response.finish()"
        assert response.dispatched_ns <= response.first_token_ns <= response.last_token_ns <= response.ended_ns
        assert response.chunk_times_ns == sorted(response.chunk_times_ns)
        assert response.first_token_ns == response.chunk_times_ns[0]
        assert len(response.chunk_tokens) == len(response.chunk_times_ns) == len(response.text_parts)

    @pytest.mark.asyncio(loop_scope="class")
    async def test_token_counts_match_the_stream(self, started_backend: Backend[Any]) -> None:
        response = await self.resolve(started_backend, self.default_request(max_tokens=12))
        assert response.ok, response.error
        assert response.output_tokens is not None, "set output token counts with response.set_usage()"
        assert response.output_tokens_source != "none"
        assert response.output_tokens >= len(response.chunk_times_ns), "each recorded chunk carries a token"
        if self.capabilities.max_tokens:
            assert response.output_tokens <= 12
        if self.capabilities.exact_chunk_tokens:
            assert response.streamed_tokens == response.output_tokens
        if self.capabilities.server_token_counts:
            assert response.output_tokens_source in ("server", "engine")

    @pytest.mark.asyncio(loop_scope="class")
    async def test_text_request(self, started_backend: Backend[Any]) -> None:
        if not self.capabilities.text:
            pytest.skip("capabilities.text is off")
        response = await self.resolve(started_backend, self.make_request(1, chat=False))
        assert response.ok, response.error
        assert response.text

    @pytest.mark.asyncio(loop_scope="class")
    async def test_chat_request(self, started_backend: Backend[Any]) -> None:
        if not self.capabilities.chat:
            pytest.skip("capabilities.chat is off")
        response = await self.resolve(started_backend, self.make_request(2, chat=True))
        assert response.ok, response.error
        assert response.text

    @pytest.mark.asyncio(loop_scope="class")
    async def test_many_concurrent_requests(self, started_backend: Backend[Any]) -> None:
        requests = [self.default_request(100 + index, max_tokens=8) for index in range(self.concurrent_requests)]
        responses = await asyncio.gather(*(self.resolve(started_backend, request) for request in requests))
        assert [response.request_id for response in responses] == [request.request_id for request in requests]
        failed = [response.error for response in responses if not response.ok]
        assert not failed, failed
        # They really overlapped: some request started before another one finished.
        first_end = min(response.ended_ns or 0 for response in responses)
        assert any((response.dispatched_ns or 0) < first_end for response in responses[1:])

    @pytest.mark.asyncio(loop_scope="class")
    async def test_cancellation_mid_stream(self, started_backend: Backend[Any]) -> None:
        if not self.capabilities.cancellation:
            pytest.skip("capabilities.cancellation is off")
        first_token = asyncio.Event()
        request = self.default_request(200, max_tokens=400)
        task = asyncio.ensure_future(_resolve(started_backend, request, on_first_token=lambda _: first_token.set()))
        await asyncio.wait_for(first_token.wait(), self.request_timeout_s)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, self.request_timeout_s)
        # The backend is still healthy afterwards.
        response = await self.resolve(started_backend, self.default_request(201))
        assert response.ok, response.error

    @pytest.mark.asyncio(loop_scope="class")
    async def test_errors_are_records_not_exceptions(self, request: pytest.FixtureRequest) -> None:
        args, failing = await self.error_case(request)
        backend = create_backend(args)
        await backend.process_startup()
        try:
            response = await self.resolve(backend, failing)  # must not raise
        finally:
            await backend.process_shutdown()
        assert not response.ok, "a request that cannot be served must come back as an error record"
        assert response.error is not None
        assert isinstance(response.error.kind, ErrorKind)
        assert response.error.message.strip()

    async def error_case(self, request: pytest.FixtureRequest) -> tuple[BackendArgs, GenerationRequest]:
        """Args and a request that must fail. By default: the unreachable target. Override for in-process engines."""
        if not self.capabilities.validates_target:
            pytest.fail("override error_case() to give a request that fails, or turn capabilities.validates_target on")
        args: BackendArgs = request.getfixturevalue("unreachable_backend_args")
        return args, self.default_request(300)

    def test_args_json_round_trip(self, backend_args: BackendArgs) -> None:
        again = parse_args(backend_args.model_dump_json())
        assert type(again) is type(backend_args)
        revealed = parse_args(backend_args.model_dump_revealed())
        assert revealed == backend_args
        assert type(backend_args).backend_name() == backend_args.type

    @pytest.mark.asyncio(loop_scope="class")
    async def test_secrets_are_redacted(self, backend_args: BackendArgs) -> None:
        secret_fields = [
            name for name, info in type(backend_args).model_fields.items() if _is_secret_field(info.annotation)
        ]
        if not secret_fields:
            pytest.skip("the args have no SecretStr fields")
        args = backend_args.model_copy(update={name: SecretStr(SECRET_SENTINEL) for name in secret_fields})
        outputs = _dumps_of(args)
        backend = create_backend(args)
        outputs += [repr(backend), repr(backend.info)]
        for output in outputs:
            assert SECRET_SENTINEL not in output
        assert SECRET_SENTINEL in str(args.model_dump_revealed())  # and the secret is still there to use

    def test_args_and_backend_pickle(self, backend_args: BackendArgs) -> None:
        args = pickle.loads(pickle.dumps(backend_args))  # noqa: S301 - our own bytes
        assert args == backend_args
        backend = create_backend(backend_args)
        again = pickle.loads(pickle.dumps(backend))  # noqa: S301
        assert type(again) is type(backend)
        assert again.args == backend_args

    def test_conformance_suite_is_complete(self) -> None:
        problems = _violations(type(self))
        assert not problems, "; ".join(problems)


def _is_secret_field(annotation: Any) -> bool:
    """``SecretStr`` / ``SecretBytes`` or an optional one: fields the kit can fill with a planted secret."""
    import typing

    kinds = [argument for argument in typing.get_args(annotation) if argument is not type(None)] or [annotation]
    return len(kinds) == 1 and kinds[0] in (SecretStr, SecretBytes)


STANDARD_TESTS: tuple[str, ...] = tuple(
    name
    for owner in (BackendConformance, RequestKindTests)
    for name, value in vars(owner).items()
    if name.startswith("test_") and callable(value)
)


def _is_xfail(function: Any) -> bool:
    return any(getattr(mark, "name", None) == "xfail" for mark in getattr(function, "pytestmark", []))


def _violations(cls: type[Any]) -> list[str]:
    """Standard tests that a subclass deleted, or overrode without an explicit xfail."""
    problems = []
    for name in STANDARD_TESTS:
        original = inspect.getattr_static(BackendConformance, name)
        current = inspect.getattr_static(cls, name, None)
        if current is original:
            continue
        if current is None or not callable(current):
            problems.append(f"{name} was removed (mark it with @pytest.mark.xfail(reason=...) instead)")
        elif name == "test_conformance_suite_is_complete" or not _is_xfail(current):
            problems.append(f"{name} was overridden without @pytest.mark.xfail(reason=...)")
    return problems


# Field names of Capabilities, for documentation tools.
CAPABILITY_FLAGS: tuple[str, ...] = tuple(field.name for field in fields(Capabilities))
