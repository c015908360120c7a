"""The conformance kit itself: a good backend passes it, a faulty one fails the right tests, the guard holds."""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]

#: The request-kind tests (responses, reasoning, tool calls, embeddings, rerank, score): skipped unless declared.
KINDS = 6

BACKENDS = """
import asyncio
from typing import Literal

import pytest
from pydantic import Field, SecretStr

from gaugellm import (
    Backend, BackendArgs, BackendUnavailableError, ErrorKind, GenerationRequest, GenerationResponse, register_backend,
)
from gaugellm.testing import BackendConformance, Capabilities


class KitArgs(BackendArgs):
    type: Literal["kit"] = "kit"
    reachable: bool = True
    raise_errors: bool = False
    leak_secret: bool = False
    kind: str = "text"
    chunk_embeddings: bool = False
    api_key: SecretStr | None = Field(default=None)


class KitBackend(Backend[KitArgs]):
    @property
    def info(self):
        info = dict(super().info)
        if self.args.leak_secret and self.args.api_key is not None:
            info["key"] = self.args.api_key.get_secret_value()
        return info

    async def validate(self) -> None:
        if not self.args.reachable:
            raise BackendUnavailableError("kit target is not reachable")

    async def resolve(self, request: GenerationRequest, response: GenerationResponse) -> None:
        if self.args.kind == "embeddings":
            if self.args.chunk_embeddings:
                response.record_chunk("vector")
            response.set_usage(7, None, "server")
            response.finish()
            return
        if not self.args.reachable:
            if self.args.raise_errors:
                raise ConnectionError("refused")
            response.fail(ErrorKind.CONNECT, "connection refused")
            response.finish()
            return
        for index in range(request.max_tokens or 16):
            await asyncio.sleep(0.001)
            response.record_chunk(f"w{index} ")
        response.set_usage(5, len(response.chunk_times_ns), "server")
        response.finish("length")


register_backend("kit", KitArgs, KitBackend, replace=True)


class KitSuite(BackendConformance):
    capabilities = Capabilities(exact_chunk_tokens=True)

    @pytest.fixture(scope="class")
    @classmethod
    def backend_args(cls):
        return KitArgs(**ARGS)

    @pytest.fixture(scope="class")
    @classmethod
    def unreachable_backend_args(cls):
        return KitArgs(**{**ARGS, "reachable": False})
"""


def write_suite(pytester: pytest.Pytester, args: str, body: str = "class TestKit(KitSuite):\n    pass\n") -> None:
    pytester.makepyfile(test_kit=BACKENDS.replace("KitArgs(**ARGS)", f"KitArgs(**{args})").replace("ARGS", args) + body)
    pytester.makeini("[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n")


def test_a_conforming_backend_passes(pytester: pytest.Pytester) -> None:
    write_suite(pytester, "{}")
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=13, skipped=KINDS)


def test_raising_instead_of_recording_an_error_fails(pytester: pytest.Pytester) -> None:
    write_suite(pytester, '{"raise_errors": True}')
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=12, failed=1, skipped=KINDS)
    result.stdout.fnmatch_lines(["*test_errors_are_records_not_exceptions*"])


def test_a_leaked_secret_fails(pytester: pytest.Pytester) -> None:
    write_suite(pytester, '{"leak_secret": True}')
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=12, failed=1, skipped=KINDS)
    result.stdout.fnmatch_lines(["*test_secrets_are_redacted*"])


def test_removing_a_standard_test_fails_the_guard(pytester: pytest.Pytester) -> None:
    body = "class TestKit(KitSuite):\n    test_cancellation_mid_stream = None\n"
    write_suite(pytester, "{}", body)
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=11, failed=1, skipped=KINDS)
    result.stdout.fnmatch_lines(["*test_cancellation_mid_stream was removed*"])


def test_overriding_a_standard_test_without_xfail_fails_the_guard(pytester: pytest.Pytester) -> None:
    body = textwrap.dedent(
        """
        class TestKit(KitSuite):
            def test_args_and_backend_pickle(self, backend_args):
                pass
        """
    )
    write_suite(pytester, "{}", body)
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=12, failed=1, skipped=KINDS)
    result.stdout.fnmatch_lines(["*test_args_and_backend_pickle was overridden without*"])


def test_an_explicit_xfail_is_allowed(pytester: pytest.Pytester) -> None:
    body = textwrap.dedent(
        """
        class TestKit(KitSuite):
            @pytest.mark.xfail(reason="cannot pickle a live socket", strict=True)
            def test_args_and_backend_pickle(self, backend_args):
                raise RuntimeError("known limitation")
        """
    )
    write_suite(pytester, "{}", body)
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=12, xfailed=1, skipped=KINDS)


def test_overriding_the_guard_is_refused_at_class_creation(pytester: pytest.Pytester) -> None:
    body = textwrap.dedent(
        """
        class TestKit(KitSuite):
            def test_conformance_suite_is_complete(self):
                pass
        """
    )
    write_suite(pytester, "{}", body)
    result = pytester.runpytest_subprocess("-q")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*must not override or remove test_conformance_suite_is_complete*"])


def test_capability_flags_switch_tests_off(pytester: pytest.Pytester) -> None:
    body = textwrap.dedent(
        """
        class TestKit(KitSuite):
            capabilities = Capabilities(chat=False, cancellation=False)
        """
    )
    write_suite(pytester, "{}", body)
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=11, skipped=2 + KINDS)


def test_a_declared_request_kind_is_tested(pytester: pytest.Pytester) -> None:
    body = textwrap.dedent(
        """
        class TestKit(KitSuite):
            capabilities = Capabilities(exact_chunk_tokens=True, embeddings=True)

            def args_for_kind(self, kind, backend_args, request):
                return backend_args.model_copy(update={"kind": kind})
        """
    )
    write_suite(pytester, "{}", body)
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=14, skipped=KINDS - 1)


def test_a_declared_kind_that_misbehaves_fails(pytester: pytest.Pytester) -> None:
    body = textwrap.dedent(
        """
        class TestKit(KitSuite):
            capabilities = Capabilities(exact_chunk_tokens=True, embeddings=True)

            def args_for_kind(self, kind, backend_args, request):
                return backend_args.model_copy(update={"kind": kind, "chunk_embeddings": True})
        """
    )
    write_suite(pytester, "{}", body)
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=13, failed=1, skipped=KINDS - 1)
    result.stdout.fnmatch_lines(["*test_embeddings_request*", "*generates nothing records no chunks*"])


def test_a_declared_kind_needs_args_for_it(pytester: pytest.Pytester) -> None:
    body = "class TestKit(KitSuite):\n    capabilities = Capabilities(exact_chunk_tokens=True, rerank=True)\n"
    write_suite(pytester, "{}", body)
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=13, failed=1, skipped=KINDS - 1)
    result.stdout.fnmatch_lines(["*override args_for_kind()*"])
