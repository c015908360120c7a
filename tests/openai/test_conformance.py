"""The openai_http backend passes gaugellm's conformance kit, against the simulated server over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gaugellm.testing import BackendConformance, Capabilities
from gaugellm_openai.args import OpenAIHTTPBackendArgs
from gaugellm_openai.mock import MockServer, MockServerConfig, mock_server


@pytest.fixture(scope="module")
def conformance_server() -> Iterator[MockServer]:
    # paced (2 ms a token), so that a 400-token request is still streaming when the kit cancels it
    with mock_server(MockServerConfig(output_tokens="400", itl_ms=2), in_process=True) as server:
        yield server


class TestOpenAIHTTPConformance(BackendConformance):
    capabilities = Capabilities(text=True, chat=True, server_token_counts=True, exact_chunk_tokens=True)

    @pytest.fixture(scope="class")
    @classmethod
    def backend_args(cls, conformance_server: MockServer) -> OpenAIHTTPBackendArgs:
        return OpenAIHTTPBackendArgs(target=conformance_server.url, api_key="sk-not-a-real-key")

    @pytest.fixture(scope="class")
    @classmethod
    def unreachable_backend_args(cls) -> OpenAIHTTPBackendArgs:
        return OpenAIHTTPBackendArgs(target="http://127.0.0.1:9", connect_timeout=2)
