"""The openai_http backend passes gaugellm's conformance kit, against the simulated server over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gaugellm import BackendArgs
from gaugellm.testing import BackendConformance, Capabilities
from gaugellm_openai.args import OpenAIHTTPBackendArgs
from gaugellm_openai.mock import MockServer, MockServerConfig, mock_server


@pytest.fixture(scope="module")
def conformance_server() -> Iterator[MockServer]:
    # paced (2 ms a token), so that a 400-token request is still streaming when the kit cancels it; requests that
    # offer tools are answered with a tool call (the kit's tool-call test), the others with text
    config = MockServerConfig(output_tokens="400", itl_ms=2, tool_calls=True)
    with mock_server(config, in_process=True) as server:
        yield server


@pytest.fixture(scope="module")
def reasoning_server() -> Iterator[MockServer]:
    """A reasoning model: the first 8 tokens of each answer are reasoning."""
    with mock_server(MockServerConfig(output_tokens="32", reasoning_tokens=8), in_process=True) as server:
        yield server


class TestOpenAIHTTPConformance(BackendConformance):
    capabilities = Capabilities(
        text=True,
        chat=True,
        server_token_counts=True,
        exact_chunk_tokens=True,
        responses=True,
        reasoning=True,
        tool_calls=True,
        embeddings=True,
        rerank=True,
        score=True,
    )

    def args_for_kind(
        self, kind: str, backend_args: BackendArgs, request: pytest.FixtureRequest
    ) -> OpenAIHTTPBackendArgs:
        assert isinstance(backend_args, OpenAIHTTPBackendArgs)
        if kind == "reasoning":
            server: MockServer = request.getfixturevalue("reasoning_server")
            return backend_args.model_copy(update={"target": server.url})
        if kind == "tool_calls":
            return backend_args
        return backend_args.model_copy(update={"request_format": f"/v1/{kind}"})

    @pytest.fixture(scope="class")
    @classmethod
    def backend_args(cls, conformance_server: MockServer) -> OpenAIHTTPBackendArgs:
        return OpenAIHTTPBackendArgs(target=conformance_server.url, api_key="sk-not-a-real-key")

    @pytest.fixture(scope="class")
    @classmethod
    def unreachable_backend_args(cls) -> OpenAIHTTPBackendArgs:
        return OpenAIHTTPBackendArgs(target="http://127.0.0.1:9", connect_timeout=2)
