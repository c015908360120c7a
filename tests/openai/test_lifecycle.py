"""The backend's lifecycle: startup, shutdown (twice), pickling, limits, and the listing commands."""

from __future__ import annotations

import json
import pickle
import re
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from gaugellm import create_backend
from gaugellm_openai.args import OpenAIHTTPBackendArgs
from gaugellm_openai.backend import OpenAIHTTPBackend
from gaugellm_openai.mock import MockServer

if TYPE_CHECKING:  # fixtures' types only: test modules import nothing from conftest at run time
    from .conftest import Harness


async def test_shutdown_is_idempotent_and_startup_restarts(harness: Harness, server: MockServer) -> None:
    backend = await harness.backend(server.url)
    await backend.process_shutdown()
    await backend.process_shutdown()
    await backend.process_startup()
    assert (await harness.run(backend)).ok


async def test_pickles_before_and_after_startup(harness: Harness, server: MockServer) -> None:
    backend = OpenAIHTTPBackend(OpenAIHTTPBackendArgs(target=server.url))
    clone = pickle.loads(pickle.dumps(backend))  # noqa: S301 - our own bytes
    assert clone.args == backend.args
    started = await harness.backend(server.url)
    clone = pickle.loads(pickle.dumps(started))  # noqa: S301 - our own bytes
    await clone.process_startup()
    try:
        assert (await harness.run(clone)).ok
    finally:
        await clone.process_shutdown()


def test_create_from_args_through_the_registry() -> None:
    backend = create_backend(OpenAIHTTPBackendArgs(target="http://127.0.0.1:8000"))
    assert isinstance(backend, OpenAIHTTPBackend)


def test_requests_limit_follows_max_connections() -> None:
    assert OpenAIHTTPBackend(OpenAIHTTPBackendArgs(target="http://h")).requests_limit is None
    assert OpenAIHTTPBackend(OpenAIHTTPBackendArgs(target="http://h", max_connections=4)).requests_limit == 4


async def test_limited_pool_queues_but_serves_everything(harness: Harness, start_server: object) -> None:
    import asyncio

    server = start_server(output_tokens="4", itl_ms=0.5)  # type: ignore[operator]
    backend = await harness.backend(server.url, max_connections=2)
    responses = await asyncio.gather(*(harness.run(backend, request_id=str(i)) for i in range(10)))
    assert all(response.ok for response in responses)
    assert server.stats()["connections"] <= 3  # 2 for requests (+1 for validate's keep-alive race at most)


async def test_http2_without_h2_is_a_readable_error(harness: Harness, server: MockServer) -> None:
    import importlib.util

    from gaugellm.errors import BackendUnavailableError

    backend = OpenAIHTTPBackend(OpenAIHTTPBackendArgs(target=server.url, http2=True))
    if importlib.util.find_spec("h2") is not None:
        await backend.process_startup()
        await backend.process_shutdown()
        return
    with pytest.raises(BackendUnavailableError, match=re.escape("gaugellm-backend-openai[http2]")):
        await backend.process_startup()


async def test_missing_ca_bundle_is_a_readable_error(tmp_path: object) -> None:
    from gaugellm.errors import BackendUnavailableError

    backend = OpenAIHTTPBackend(OpenAIHTTPBackendArgs(target="https://127.0.0.1:9", verify="/no/such/bundle.pem"))
    with pytest.raises(BackendUnavailableError, match=re.escape("/no/such/bundle.pem")):
        await backend.process_startup()


def test_backends_show_lists_every_field_with_its_description() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gaugellm", "backends", "show", "openai_http", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    shown = json.loads(result.stdout)
    fields = {row["name"]: row for row in shown["fields"]}
    assert set(fields) == set(OpenAIHTTPBackendArgs.model_fields)
    assert all(row["description"] for row in fields.values())
    assert fields["api_key"]["default"] is None  # made by a factory (OPENAI_API_KEY, unset here): shown as it is
    assert fields["headers"]["default"] == {}
