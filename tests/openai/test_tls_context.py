"""One TLS context per worker's client, shared by every pool shard, and no CA bundle loaded for plain HTTP.

httpx builds an SSL context (and loads the CA bundle: 20-30 ms with the event loop blocked) for every transport it
is given ``verify=True``; with one transport per pool shard, a run at hundreds of streams spent its pacing budget
loading certificates. These tests pin the fix without timing anything.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import TYPE_CHECKING

import httpx
import pytest

from gaugellm_openai.args import OpenAIHTTPBackendArgs
from gaugellm_openai.client import LazyCAContext, build_http_client, tls_context
from gaugellm_openai.pool import ShardedTransport

if TYPE_CHECKING:
    from .conftest import Harness, StartServer


def _shard_contexts(transport: ShardedTransport) -> list[ssl.SSLContext]:
    return [shard.transport._pool._ssl_context for shard in transport._shards]  # type: ignore[attr-defined]


@pytest.mark.parametrize("verify", [True, False])
async def test_all_shards_share_one_context_and_no_bundle_is_loaded(
    verify: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[object] = []
    real = ssl.create_default_context

    def counting(*args: object, **kwargs: object) -> ssl.SSLContext:
        made.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl, "create_default_context", counting)
    client = build_http_client(OpenAIHTTPBackendArgs(target="http://127.0.0.1:9", verify=verify))
    try:
        transport = client._transport
        assert isinstance(transport, ShardedTransport)
        for _ in range(200):  # 50 shards
            transport.acquire()
        contexts = _shard_contexts(transport)
        assert len(contexts) == 50
        assert len({id(context) for context in contexts}) == 1
        assert made == []  # no default context (and so no CA bundle) was built, for any shard
        if verify:
            context = contexts[0]
            assert isinstance(context, LazyCAContext)
            assert context.verify_mode == ssl.CERT_REQUIRED
            assert context.check_hostname
            assert context.cert_store_stats()["x509_ca"] == 0  # nothing loaded yet
    finally:
        await client.aclose()


async def test_plain_http_requests_never_load_the_ca_bundle(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="2")
    backend = await harness.backend(server.url, stream=False)  # whole responses go through httpx's pool
    responses = await asyncio.gather(*(harness.run(backend, request_id=str(n)) for n in range(40)))
    assert all(response.ok for response in responses)
    client = backend._client
    assert client is not None
    transport = client._http._transport
    assert isinstance(transport, ShardedTransport)
    contexts = _shard_contexts(transport)
    assert len(contexts) > 1
    assert len({id(context) for context in contexts}) == 1
    assert contexts[0].cert_store_stats()["x509_ca"] == 0


def test_the_lazy_context_loads_the_bundle_at_the_first_tls_connection() -> None:
    context = tls_context(True)
    assert context.cert_store_stats()["x509_ca"] == 0
    context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.org")  # what asyncio and anyio call
    loaded = context.cert_store_stats()["x509_ca"]
    assert loaded > 0
    context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.org")
    assert context.cert_store_stats()["x509_ca"] == loaded  # once


def test_the_lazy_context_honours_ssl_cert_file(monkeypatch: pytest.MonkeyPatch) -> None:
    import certifi

    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    context = tls_context(True)
    context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.org")
    assert context.cert_store_stats()["x509_ca"] > 0
    monkeypatch.setenv("SSL_CERT_FILE", "/no/such/bundle.pem")
    with pytest.raises(FileNotFoundError):
        tls_context(True).wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.org")


def test_verify_false_skips_verification() -> None:
    context = tls_context(False)
    assert context.verify_mode == ssl.CERT_NONE
    assert not context.check_hostname


async def test_a_ca_bundle_path_is_loaded_once_for_all_shards() -> None:
    import certifi

    client = build_http_client(OpenAIHTTPBackendArgs(target="https://127.0.0.1:9", verify=certifi.where()))
    try:
        transport = client._transport
        assert isinstance(transport, ShardedTransport)
        for _ in range(40):
            transport.acquire()
        contexts = _shard_contexts(transport)
        assert len({id(context) for context in contexts}) == 1
        assert contexts[0].cert_store_stats()["x509_ca"] > 0
    finally:
        await client.aclose()


def test_httpx_transport_uses_the_given_context() -> None:
    """The fix relies on httpx taking an ``SSLContext`` as ``verify`` as is (no copy, no CA loading)."""
    context = tls_context(True)
    transport = httpx.AsyncHTTPTransport(verify=context)
    assert transport._pool._ssl_context is context
